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

enum tui_view { TV_FLEET, TV_NODE, TV_CONTAINER, TV_EVENTS, TV_ALARMS, TV_COUNT };

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

	struct tui_hit hits[TUI_MAX_HITS];
	int nhits;
};

/* tui-draw.c: primitives. */
void tui_put(struct tui *t, int y, int x, int w, int attr, const char *s);
void tui_put_untrusted(struct tui *t, int y, int x, int w, int attr, const char *s);
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

#endif
