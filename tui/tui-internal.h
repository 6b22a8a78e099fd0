/* tui-internal.h: the cockpit's state and its screens, shared by the files of tui/.
 *
 * The UI thread owns all of it.  It draws from a snapshot of the backend's
 * model (never holding a backend lock while drawing) and keeps a map of
 * what it drew where, so that a mouse click finds the row or tile under it.
 *
 * Screens, tmux style: each screen is one file, screen-NAME.c, that exports
 * one const struct tui_screen and keeps its own state.  tui.c holds the
 * table of them (one per enum tui_view) and the stack of open screens, and
 * calls the hooks of the one on top; tui-frame.c draws what is around it.
 * A screen opens another only by naming it to tui_open(), after it set the
 * selection below (t->node, t->cid, t->dep_id, ...) that the other one
 * shows: no screen calls another screen's functions.  What several screens
 * show of deploys and of heal proposals is read once into struct tui, by
 * tui-deploys.c and tui-heals.c, which also hold what the screens of each
 * kind ask and do alike. */
#ifndef PLANTDECK_TUI_INTERNAL_H
#define PLANTDECK_TUI_INTERNAL_H

#include "backend/backend.h"
#include "provide-curses.h"
#include "theme.h"
#include "tui.h"

enum tui_view {
	TV_FLEET, TV_NODE, TV_CONTAINER, TV_EVENTS, TV_ALARMS,
	TV_DEPLOYS,                     /* the newest deploys */
	TV_DEPLOY,                      /* one deploy, node by node */
	TV_PLAN,                        /* a new deploy: its plan, before it starts */
	TV_HEALS,                       /* the heal queue: proposals */
	TV_HEAL,                        /* one proposal, with its evidence */
	TV_LOGS,                        /* one container's log, full screen */
	TV_COUNT
};

/* What the one-line input at the bottom is being typed for. */
enum tui_input { TI_NONE, TI_FILE, TI_NODES, TI_REASON,
	TI_VAR,                         /* NAME=VALUE for the plan on screen (screen-plan.c) */
	TI_SEARCH,                      /* a word to find in the log (screen-logs.c) */
	TI_SINCE,                       /* where the log starts (screen-logs.c) */
};

/* The y/n question at the bottom, if one is up. */
enum tui_ask {
	TA_NONE, TA_QUIT, TA_START, TA_PAUSE, TA_RESUME, TA_ABORT, TA_ROLLBACK,
	TA_APPROVE, TA_REJECT,
	TA_CONTAINER,                   /* a container action (tui-actions.c) */
	TA_FOUR_APPROVE, TA_FOUR_REJECT,  /* a four-eyes request (tui-approvals.c) */
};

#define TUI_MAX_HITS 1024
#define TUI_MAX_DEPTH 4

/* A place on the screen that a click selects. */
struct tui_hit {
	int y, x, h, w;
	int item;
};

/* Selection and scroll of a list. */
struct tui_list {
	int sel, top;
};

struct tui {
	const struct tui_options *opts;
	struct backend *b;
	struct pd_snapshot *snap;
	int utf8;                       /* draw with UTF-8 lines and bars */
	int cols, lines;
	int dirty;
	double now;                     /* monotonic, for rotation and blink */

	/* The open screens (tui.c); the last one is on top. */
	enum tui_view stack[TUI_MAX_DEPTH];
	int depth;
	int help;                       /* the help overlay is up */
	int filtering;                  /* typing into the filter */
	char filter[TV_COUNT][64];
	struct tui_list list[TV_COUNT];
	int nitems;                     /* items in the current view's list */
	int page_rows;                  /* rows a page of the current list shows */

	/* The selection: what a screen shows when another one opened it. */
	char node[PD_NAME_LEN];         /* the node screen's node, the container's */
	char cid[PD_ID_LEN];            /* the container screen's container */
	int64_t dep_id;                 /* the deploy screen's deploy */
	char plan_file[512];            /* the plan screen's stack file */
	char plan_nodes[128];           /* and node selector */
	int64_t heal_id;                /* the proposal screen's proposal */

	/* kiosk */
	double next_rotate;
	int chord_pos;                  /* keys of the exit chord typed so far */
	double chord_time;
	unsigned alarm_sig;
	double alarm_changed;

	/* What the frame being drawn shows of the nodes (tui_shown()): sent to
	 * the backend after the frame when it differs from what was sent, so
	 * that CPU and memory are sampled for what is on screen (tui.c). */
	char (*shown)[PD_NAME_LEN];     /* nodes whose sums are drawn */
	size_t nshown, capshown;
	char shown_each[PD_NAME_LEN];   /* the node whose containers are drawn, "" */
	uint64_t shown_hash, shown_sent;
	int shown_ever;                 /* backend_show() was called */

	/* alarms (tui-alarms.c): pd_alarms() of each snapshot, worst first */
	struct pd_alarm *alarms;
	size_t nalarms;
	char alarm_jumped[PD_NAME_LEN + PD_ID_LEN];  /* the culprit ! went to last */
	char select_cid[PD_ID_LEN];     /* the node screen selects it when it opens */

	/* deploys (tui-deploys.c); read by the backend's store reader, taken
	 * here when a reading differs from the last one (backend_records_take) */
	struct pd_deploy *deploys;      /* the newest, without nodes */
	size_t ndeploys;
	char deploys_err[PD_ERROR_LEN];
	int deploys_seen;               /* read once: the startup notice is done */
	struct pd_deploy watched;       /* the deploy screen's deploy, with its nodes */
	int64_t watched_id;             /* which (-1: none read yet) */
	int watched_ok;
	char watched_err[PD_ERROR_LEN];
	char records_locked[PD_ERROR_LEN];  /* the database is locked: what is shown is older */
	time_t records_at;              /* when what is shown was read */
	int nrunning, npaused, ninterrupted;
	char (*busy_nodes)[PD_NAME_LEN];  /* nodes a running deploy is working on */
	size_t nbusy_nodes;

	/* heal (tui-heals.c); read with the deploys */
	struct pd_proposal *heals;      /* every proposal, newest first */
	size_t nheals;
	struct pd_finding *hfinds;      /* the open findings, newest first */
	size_t nhfinds;
	struct pd_finding *hfinds_all;  /* every finding, on the proposal screen; or NULL */
	size_t nhfinds_all;
	char heals_err[PD_ERROR_LEN];
	int npending;                   /* the header's badge */
	int heal_runner;                /* backend_heal_runner(): 1, 0, -1 */
	char heal_who[PD_ERROR_LEN];
	struct pd_serve serve;          /* a plantdeck serve on this database: SERVE */
	char heal_reason[256];          /* a rejection's reason, while y/n is up */
	time_t heal_since;              /* results after this are events */
	struct pd_event *heal_ev;       /* those results, newest first */
	int64_t *heal_ev_ids;           /* their proposals */
	size_t nheal_ev;

	/* four eyes (tui-approvals.c); read with the deploys */
	struct pd_approval *approvals;  /* requests pending or approved, newest first */
	size_t napprovals;

	/* container actions (tui-actions.c) */
	int act_menu;                   /* the action menu is up */
	int act_action;                 /* the one asked about: enum pd_container_action */
	char act_node[PD_NAME_LEN];     /* on this container */
	char act_cid[PD_ID_LEN];
	char act_name[PD_NAME_LEN];
	int act_wait;                   /* its result is awaited among the events */
	uint64_t act_seq;               /* the events up to this one were there before */

	enum tui_input input;           /* a line is being typed */
	char input_buf[512];
	int input_sel;                  /* its text is selected: typing replaces it */
	int filter_sel;                 /* the same for the filter being typed */
	int mouse_sgr;                  /* a SGR mouse report was read (tui.c) */
	int mouse_y, mouse_x, mouse_b;  /* its row, column and button */
	enum tui_ask ask;               /* a y/n question is up */
	int64_t ask_id;
	char ask_text[256];
	char msg[PD_ERROR_LEN + 128];   /* a notice above the footer */
	char cmd_wait[PD_ERROR_LEN + 128];  /* in its place: a command under way (tui-commands.c) */
	int msg_attr;
	double msg_until;               /* 0: until the next key */

	struct tui_hit hits[TUI_MAX_HITS];
	int nhits;
};

/* What was just read again, for a screen's read hook: a new snapshot, the
 * deploys, the heal proposals, or a wakeup that brought no new snapshot
 * (the fleet did not change) or the clock's tick: a screen with a stream
 * of its own, the log viewer, reads it then too, and resumes it. */
enum tui_read { TR_SNAPSHOT, TR_DEPLOYS, TR_HEALS, TR_WAKE };

/* Flags of a screen. */
#define TUI_SCROLLS      0x1    /* Up/Down scroll the page; it selects nothing */
#define TUI_FILTERS      0x2    /* / types a filter for its list */
#define TUI_FAST_DEPLOYS 0x4    /* it shows deploys move (the store reader reads them
                                   at each step of a deploy of this process) */

/* One screen.  Every hook but draw may be NULL.  Hooks act on the screen
 * on top, except read and the start and stop of the cockpit, which every
 * screen of the table gets. */
struct tui_screen {
	const char *name;               /* in the breadcrumb, unless crumb says more */
	const char *footer;             /* its keys, on the last line */
	const char *const *help;        /* its lines of the help overlay, NULL-ended */
	int flags;                      /* TUI_SCROLLS, TUI_FILTERS, TUI_FAST_DEPLOYS */
	/* Its name in the breadcrumb when it has one of its own (in BUF). */
	const char *(*crumb)(const struct tui *t, char *buf, size_t len);
	/* Opened, by tui_open(): show the selection from a fresh start. */
	void (*enter)(struct tui *t);
	/* No longer on top: covered by another screen, or closed. */
	void (*leave)(struct tui *t);
	/* WHAT was just read again; TOP: the screen is the one on top. */
	void (*read)(struct tui *t, enum tui_read what, int top);
	/* Draw in ROWS rows from TOP; fill t->nitems, t->page_rows and t->hits. */
	void (*draw)(struct tui *t, int top, int rows);
	/* A key, before the keys all screens share; 1 when it was its own. */
	int (*key)(struct tui *t, int ch);
	/* Enter, Right or a click on the selection: open what is selected. */
	int (*open)(struct tui *t);
	/* Enter on the line it asked for (t->input). */
	void (*typed)(struct tui *t);
	/* y to the question it asked (t->ask). */
	void (*answer)(struct tui *t);
	/* The cockpit starts (the first snapshot is in), or ends. */
	void (*start)(struct tui *t);
	void (*stop)(struct tui *t);
};

/* How tui_open() puts a screen on the stack. */
enum tui_how {
	TUI_PUSH,               /* on top; nothing when the stack is full */
	TUI_PUSH_OR_REPLACE,    /* on top, or in place of the top one when it is full */
	TUI_REPLACE,            /* in place of the one on top */
	TUI_ROOT,               /* the only one above the fleet; nothing when it is on top */
};

/* The screens (screen-*.c), in the table of tui.c. */
extern const struct tui_screen screen_fleet, screen_node, screen_container, screen_events,
    screen_alarms, screen_deploys, screen_deploy, screen_plan, screen_heals, screen_heal,
    screen_logs;

/* tui.c: the stack of screens, and what the screens share. */
enum tui_view tui_view(const struct tui *t);
const struct tui_screen *tui_screen_of(enum tui_view v);
const struct tui_screen *tui_screen(const struct tui *t);     /* the one on top */
int tui_open(struct tui *t, enum tui_view v, enum tui_how how);   /* 1 when it did */
void tui_move(struct tui *t, int delta);
const struct pd_node *tui_node(const struct tui *t);   /* t->node, or NULL when gone */
int tui_edit(char *buf, size_t size, int ch);   /* 1 Enter, -1 Esc, 0 editing */
void tui_message(struct tui *t, int attr, double secs, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* tui-prompt.c: the prompts' editing, Tab completion, and the empty filtered list. */
int tui_edit_line(char *buf, size_t size, int *sel, int ch);  /* 1 Enter, -1 Esc, 0 editing */
void tui_prompt_draw(struct tui *t, const char *label, const char *text, int sel,
    const char *keys);
void tui_prompt_complete(struct tui *t);        /* Tab in the stack-file prompt */
const char *tui_empty_text(const struct tui *t, const char *none);

/* tui-frame.c: the header, the footer, the help overlay, the whole frame. */
void tui_frame_draw(struct tui *t);
/* The frame being drawn shows node NAME's CPU and memory: its sums (a
 * fleet table line), or EACH container's (the node screen). */
void tui_shown(struct tui *t, const char *name, int each);

/* tui-alarms.c: the alarms of the snapshot, the alarm line, the jump key. */
void tui_alarms_read(struct tui *t);            /* after each new snapshot */
int tui_alarms_line(const struct tui *t, char *out, size_t len, int width);
int tui_alarms_of_node(const struct tui *t, const char *node);  /* worst kind, or -1 */
void tui_alarms_jump(struct tui *t);            /* !: the next alarm's culprit */
void tui_alarms_free(struct tui *t);

/* tui-draw.c: primitives. */
void tui_put(struct tui *t, int y, int x, int w, int attr, const char *s);
void tui_put_untrusted(struct tui *t, int y, int x, int w, int attr, const char *s);
int tui_put_wrap(struct tui *t, int y, int x, int w, int maxlines, int attr, const char *s);
void tui_fill(int y, int x, int w, int attr);
void tui_hline(struct tui *t, int y, int x, int w, int attr);
void tui_bar(struct tui *t, int y, int x, int w, double frac, int attr_fill, int attr_empty);
void tui_hit_add(struct tui *t, int y, int x, int h, int w, int item);
int tui_hit_find(const struct tui *t, int y, int x);
void tui_list_clamp(struct tui_list *l, int n, int rows);
int tui_has(const char *hay, const char *needle);
void tui_head(struct tui *t, int y, int x, int w, int attr, const char *label, int dir);

/* tui-deploys.c: the deploys as last read, and what the deploy screens do alike. */
extern const char *const tui_deploys_help[];
int tui_records_refresh(struct tui *t);         /* 1 when a new reading came */
void tui_records_reread(struct tui *t);         /* read again soon: a command was sent */
void tui_records_stale(const struct tui *t, char *out, size_t len);  /* "" or why old */
int tui_deploys_busy(const struct tui *t, const char *node);
int tui_deploys_header(const struct tui *t, char *out, size_t len);
int tui_deploys_state_attr(enum pd_deploy_state s);
int tui_deploys_phase_attr(enum pd_phase p);
void tui_deploys_new(struct tui *t);            /* n: type a stack file, then nodes */
void tui_deploys_typed(struct tui *t);          /* Enter on those lines */
void tui_deploys_ask(struct tui *t, int ch, const struct pd_deploy *d);  /* p r a b */
void tui_deploys_answer(struct tui *t);         /* y to that question */
void tui_deploys_done(struct tui *t, const struct pd_command *c);  /* its outcome */
void tui_plan_done(struct tui *t, struct pd_command *c);  /* screen-plan.c: a plan, a start */
void tui_deploys_open(struct tui *t, int64_t id);
void tui_deploys_free(struct tui *t);

/* tui-heals.c: the proposals as last read, and what the heal screens do alike. */
extern const char *const tui_heals_help[];
void tui_heals_records(struct tui *t, struct pd_records *r);  /* take its heal part */
int tui_heals_header(const struct tui *t, char *out, size_t len);
int tui_heals_serve_mark(const struct tui *t, char *out, size_t len);  /* 1 live, 2 stale */
void tui_heals_serve_line(const struct tui *t, char *out, size_t len);  /* "" or who serves */
int tui_heals_over(enum pd_proposal_state s);
int tui_heals_state_attr(enum pd_proposal_state s);
void tui_heals_target(char *out, size_t len, const struct pd_proposal *p);
const struct pd_proposal *tui_heals_get(const struct tui *t, int64_t id);
void tui_heals_ask(struct tui *t, int ch, const struct pd_proposal *p);  /* a x r */
void tui_heals_typed(struct tui *t);            /* Enter on the reason line */
void tui_heals_answer(struct tui *t);           /* y to the question */
void tui_heals_done(struct tui *t, const struct pd_command *c);  /* its outcome */
void tui_heals_free(struct tui *t);
void tui_approvals_records(struct tui *t, struct pd_records *r);  /* take its requests */
int tui_approvals_header(const struct tui *t, char *out, size_t len);
int tui_approvals_rows(const struct tui *t);    /* at the foot of the heal queue */
void tui_approvals_draw(struct tui *t, int y, int rows);
void tui_approvals_ask(struct tui *t, int ch);  /* A X */
void tui_approvals_answer(struct tui *t);       /* y to the question */
void tui_approvals_done(struct tui *t, const struct pd_command *c);  /* its outcome */
void tui_approvals_free(struct tui *t);

/* tui-actions.c: container actions (node and container screens). */
extern const char *const tui_actions_help[];
int tui_actions_key(struct tui *t, int ch, const char *node, const struct pd_container *c);
void tui_actions_answer(struct tui *t);         /* y to the question */
void tui_actions_read(struct tui *t);           /* a snapshot: the result, as a notice */
void tui_actions_done(struct tui *t, const struct pd_command *c);  /* the backend ran it */

/* tui-commands.c: commands run by the backend's command thread, not here. */
uint64_t tui_command_send(struct tui *t, struct pd_command *c, const char *words);  /* 0: not sent */
int tui_commands_read(struct tui *t);           /* the ones done, to their files */

#endif
