/* tui-internal.h: the cockpit's state, shared by the files of tui/.
 *
 * The UI thread owns all of it.  It draws from a snapshot of the backend's
 * model (never holding a backend lock while drawing) and keeps a map of
 * what it drew where, so that a mouse click finds the row or tile under it. */
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
	TV_COUNT
};

/* What the one-line input at the bottom is being typed for. */
enum tui_input { TI_NONE, TI_FILE, TI_NODES, TI_REASON };

/* The y/n question at the bottom, if one is up. */
enum tui_ask {
	TA_NONE, TA_QUIT, TA_START, TA_PAUSE, TA_RESUME, TA_ABORT, TA_ROLLBACK,
	TA_APPROVE, TA_REJECT,
};

enum tui_sort { TS_NAME, TS_STATE, TS_CPU, TS_MEM, TS_RESTARTS, TS_COUNT };

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
	struct pd_details details;
	int utf8;                       /* draw with UTF-8 lines and bars */
	int cols, lines;
	int dirty;
	double now;                     /* monotonic, for rotation and blink */

	enum tui_view stack[TUI_MAX_DEPTH];
	int depth;
	int help;                       /* the help overlay is up */
	int filtering;                  /* typing into the filter */
	char filter[TV_COUNT][64];

	int tiles;                      /* fleet: tile grid instead of table */
	char group_key[PD_LABEL_LEN];   /* fleet: group by this label, "" none */
	struct tui_list list[TV_COUNT];
	int nitems;                     /* items in the current view's list */
	int page_rows;                  /* rows a page of the current list shows */

	char node[PD_NAME_LEN];         /* the node view's node */
	enum tui_sort sort;
	int sort_rev;
	char cid[PD_ID_LEN];            /* the container view's container */

	/* kiosk */
	double next_rotate;
	int chord_pos;                  /* keys of the exit chord typed so far */
	double chord_time;
	unsigned alarm_sig;
	double alarm_changed;

	/* deploys (tui-deploy.c); read from the backend at most once a
	 * second, four times a second on a deploy screen after a wakeup */
	struct pd_deploy *deploys;      /* the newest, without nodes */
	size_t ndeploys;
	char deploys_err[PD_ERROR_LEN];
	double deploys_at;              /* when they were read; 0: read now */
	int deploys_poked;              /* the backend woke us since */
	int deploys_seen;               /* read once: the startup notice is done */
	int nrunning, npaused, ninterrupted;
	char (*busy_nodes)[PD_NAME_LEN];  /* nodes a running deploy is working on */
	size_t nbusy_nodes;
	struct pd_deploy dep;           /* the deploy screen's deploy, with nodes */
	int64_t dep_id;
	int dep_ok;                     /* dep holds dep_id */
	char dep_err[PD_ERROR_LEN];
	struct pd_plan *plan;           /* the plan screen's plan, or NULL */
	char plan_err[PD_ERROR_LEN];
	char plan_file[512];
	char plan_nodes[128];

	/* heal (tui-heal.c); read from the backend at most once a second */
	struct pd_proposal *heals;      /* every proposal, newest first */
	size_t nheals;
	char heals_err[PD_ERROR_LEN];
	double heals_at;                /* when they were read; 0: read now */
	int npending;                   /* the header's badge */
	int heal_runner;                /* backend_heal_runner(): 1, 0, -1 */
	char heal_who[PD_ERROR_LEN];
	int heal_open_only;             /* the list hides proposals that are over */
	int64_t heal_id;                /* the proposal screen's proposal */
	struct pd_finding fnd;          /* its finding */
	int fnd_ok;
	char heal_reason[256];          /* a rejection's reason, while y/n is up */
	time_t heal_since;              /* results after this are events */
	struct pd_event *heal_ev;       /* those results, newest first */
	int64_t *heal_ev_ids;           /* their proposals */
	size_t nheal_ev;

	enum tui_input input;           /* a line is being typed */
	char input_buf[512];
	enum tui_ask ask;               /* a y/n question is up */
	int64_t ask_id;
	char ask_text[256];
	char msg[PD_ERROR_LEN + 128];   /* a notice above the footer */
	int msg_attr;
	double msg_until;               /* 0: until the next key */

	struct tui_hit hits[TUI_MAX_HITS];
	int nhits;
};

/* tui-draw.c: primitives. */
void tui_put(struct tui *t, int y, int x, int w, int attr, const char *s);
void tui_put_untrusted(struct tui *t, int y, int x, int w, int attr, const char *s);
int tui_put_wrap(struct tui *t, int y, int x, int w, int maxlines, int attr, const char *s);
void tui_fill(int y, int x, int w, int attr);
void tui_hline(struct tui *t, int y, int x, int w, int attr);
void tui_bar(struct tui *t, int y, int x, int w, double frac, int attr_fill, int attr_empty);
void tui_hit_add(struct tui *t, int y, int x, int h, int w, int item);
int tui_hit_find(const struct tui *t, int y, int x);

/* tui-views.c: the screens. */
enum tui_view tui_view(const struct tui *t);
void tui_draw_view(struct tui *t, int top, int rows);
void tui_draw_help(struct tui *t);
const char *tui_footer_keys(const struct tui *t);
int tui_open_selected(struct tui *t);   /* Enter: 1 when it opened something */
unsigned tui_alarm_signature(const struct pd_snapshot *s);
int tui_alarm_text(const struct tui *t, char *out, size_t len);
void tui_list_clamp(struct tui_list *l, int n, int rows);

/* tui.c: shared by the screens. */
int tui_edit(char *buf, size_t size, int ch);   /* 1 Enter, -1 Esc, 0 editing */
void tui_message(struct tui *t, int attr, double secs, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* tui-deploy.c: the deploy screens and what the others show of deploys. */
void tui_deploy_refresh(struct tui *t);
double tui_deploy_due(const struct tui *t);     /* seconds until a refresh is due */
void tui_deploy_show(struct tui *t);            /* D: the deploy list */
void tui_deploy_draw(struct tui *t, int top, int rows);
int tui_deploy_key(struct tui *t, int ch);      /* 1 when the key was the screen's */
void tui_deploy_input_done(struct tui *t);      /* Enter on the input line */
void tui_deploy_answer(struct tui *t);          /* y to a deploy question */
int tui_deploy_open_selected(struct tui *t);
const char *tui_deploy_footer(const struct tui *t);
const char *tui_deploy_crumb(const struct tui *t, enum tui_view v, char *buf, size_t len);
int tui_deploy_node_busy(const struct tui *t, const char *node);
int tui_deploy_header(const struct tui *t, char *out, size_t len);
void tui_deploy_free(struct tui *t);

/* tui-heal.c: the heal queue and what the other screens show of it. */
void tui_heal_refresh(struct tui *t);
double tui_heal_due(const struct tui *t);       /* seconds until a refresh is due */
void tui_heal_show(struct tui *t);              /* H: the heal queue */
void tui_heal_draw(struct tui *t, int top, int rows);
int tui_heal_key(struct tui *t, int ch);        /* 1 when the key was the screen's */
void tui_heal_input_done(struct tui *t);        /* Enter on the reason line */
void tui_heal_answer(struct tui *t);            /* y to a heal question */
int tui_heal_open_selected(struct tui *t);
const char *tui_heal_footer(const struct tui *t);
const char *tui_heal_crumb(const struct tui *t, enum tui_view v, char *buf, size_t len);
int tui_heal_header(const struct tui *t, char *out, size_t len);
int tui_heal_alarm_lines(struct tui *t, int y, int bottom);  /* lines drawn */
void tui_heal_free(struct tui *t);

#endif
