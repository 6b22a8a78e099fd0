/* tui-frame.c: what is around the screen on top, and the whole frame.
 *
 *   line 0     the header: the fleet's figures, the deploys at work, the
 *              heal badge, the SERVE mark (a plantdeck serve beats on
 *              this database), the kiosk or read-only badge, the clock
 *   line 1     the breadcrumb of the open screens, after the alarms
 *   ...        the screen on top (its draw hook)
 *   line -2    a notice, on two lines when it is long
 *   line -1    the footer: a question, a line being typed, the filter
 *              being typed, or the screen's keys
 *
 * The help overlay is drawn over all of it: the screen's own keys first,
 * then those of the keys every screen shares that work on it (no filter
 * line where there is no filter, no open where nothing opens). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tui-internal.h"

#define TUI_MIN_COLS 80
#define TUI_MIN_LINES 24
#define TUI_BLINK_SECS 10.0   /* an alarm that changed blinks this long */

/* The header: fleet totals, alarms, badges and the clock. */
static void
draw_header(struct tui *t)
{
	const struct pd_snapshot *s = t->snap;
	size_t up = 0, running = 0, total = 0, insecure = 0;
	char line[512], clean[1024], alarm[2048], clock[24], deploys[96], heal[32], four[32], ins[32];
	char serve[32], badge[40];
	time_t now = time(NULL);
	struct tm tm;
	int blink, dl, x, right, clw, sm, sw;

	for (size_t i = 0; i < s->nnodes; i++) {
		up += s->nodes[i].reach == PD_REACH_UP;
		running += (size_t)s->nodes[i].running;
		total += (size_t)s->nodes[i].total;
		insecure += s->nodes[i].insecure != 0;
	}
	/* The cockpit's times are the console's: the clock names the zone. */
	localtime_r(&now, &tm);
	if (strftime(clock, sizeof(clock), "%H:%M:%S %Z", &tm) == 0)
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	clw = (int)strlen(clock) + 1;
	/* The role this cockpit acts with, when the inventory has roles. */
	snprintf(line, sizeof(line), " plantdeck %s  site %s  %zu/%zu nodes up  %zu/%zu running%s"
	    "%s%s", backend_version(), s->site[0] ? s->site : "-", up, s->nnodes, running, total,
	    s->complete ? "" : "  (connecting...)", backend_role(t->b)[0] ? "  " : "",
	    backend_role(t->b));
	tui_fill(0, 0, t->cols, theme_attr(TH_HEADER));
	pd_sanitize(clean, sizeof(clean), line, !t->utf8);
	tui_put(t, 0, 0, t->cols - clw - 1, theme_attr(TH_HEADER), clean);
	/* Deploys at work, paused or interrupted, after the fleet's figures. */
	dl = tui_deploys_header(t, deploys, sizeof(deploys));
	x = (int)strlen(clean) + 2;
	right = t->opts->kiosk ? t->cols - clw - 10 : backend_read_only(t->b) ? t->cols - clw - 14 :
	    t->cols - clw - 1;
	/* A plantdeck serve on this database, left of the badges and clock. */
	sm = tui_heals_serve_mark(t, serve, sizeof(serve));
	sw = sm ? (int)strlen(serve) + 3 : 0;
	right -= sw;
	if (sm) {
		snprintf(badge, sizeof(badge), " %s ", serve);
		tui_put(t, 0, right + 1, sw - 1, theme_attr(sm == 1 ? TH_KIOSK_BADGE :
		    TH_HEADER_ALARM), badge);
	}
	if (dl && x < right) {
		tui_put(t, 0, x, right - x, theme_attr(dl == 2 ? TH_HEADER_ALARM : TH_HEADER),
		    deploys);
		x += (int)strlen(deploys) + 2;
	}
	/* Proposals of self-heal that wait for a decision. */
	if (tui_heals_header(t, heal, sizeof(heal)) && x < right) {
		tui_put(t, 0, x, (int)strlen(heal) + 2 < right - x ? (int)strlen(heal) + 2 : right - x,
		    theme_attr(TH_HEADER_ALARM), heal);
		x += (int)strlen(heal) + 2;
	}
	/* Four-eyes requests that wait for a second person. */
	if (tui_approvals_header(t, four, sizeof(four)) && x < right) {
		tui_put(t, 0, x, (int)strlen(four) + 2 < right - x ? (int)strlen(four) + 2 : right - x,
		    theme_attr(TH_HEADER_ALARM), four);
		x += (int)strlen(four) + 2;
	}
	/* Nodes reached without an authenticated engine (the inventory's insecure: true). */
	if (insecure > 0 && x < right) {
		snprintf(ins, sizeof(ins), "%zu INSECURE", insecure);
		tui_put(t, 0, x, (int)strlen(ins) < right - x ? (int)strlen(ins) : right - x,
		    theme_attr(TH_HEADER_ALARM), ins);
	}
	tui_put(t, 0, t->cols - clw, clw, theme_attr(TH_HEADER), clock);
	if (t->opts->kiosk)
		tui_put(t, 0, t->cols - clw - 9, 8, theme_attr(TH_KIOSK_BADGE), " KIOSK ");
	else if (backend_read_only(t->b))
		tui_put(t, 0, t->cols - clw - 13, 12, theme_attr(TH_KIOSK_BADGE), " READ-ONLY ");

	/* Line 1: where we are, and the alarms when there are any. */
	{
		char crumb[256], nb[32];
		size_t o = 0;
		int cw;

		for (int i = 0; i < t->depth && o < sizeof(crumb); i++) {
			const struct tui_screen *sc = tui_screen_of(t->stack[i]);
			const char *name = sc->crumb != NULL ? sc->crumb(t, nb, sizeof(nb)) : sc->name;

			o += (size_t)snprintf(crumb + o, sizeof(crumb) - o, "%s%s", i ? " > " : " ", name);
		}
		tui_fill(1, 0, t->cols, theme_attr(TH_DIM));
		cw = (int)strlen(crumb) + 1;
		if (cw > t->cols / 2)
			cw = t->cols / 2;
		/* The culprits by name, already sanitised (tui-alarms.c). */
		if (tui_alarms_line(t, alarm, sizeof(alarm), t->cols - cw)) {
			blink = t->now - t->alarm_changed < TUI_BLINK_SECS ? A_BLINK : 0;
			tui_put(t, 1, 0, t->cols - cw, theme_attr(TH_HEADER_ALARM) | blink, alarm);
			tui_put_untrusted(t, 1, t->cols - cw, cw, theme_attr(TH_DIM), crumb);
		} else {
			tui_put_untrusted(t, 1, 0, t->cols, theme_attr(TH_DIM), crumb);
		}
	}
}

/* The footer: the question, the line or the filter being typed, or the
 * keys of this screen. */
static void
draw_footer(struct tui *t)
{
	const char *f = t->filter[tui_view(t)];
	char line[600];

	if (t->ask != TA_NONE) {
		snprintf(line, sizeof(line), " %s [y/N] ", t->ask_text);
		tui_put_untrusted(t, t->lines - 1, 0, t->cols, theme_attr(TH_FILTER), line);
		return;
	}
	if (t->input != TI_NONE) {
		const char *label = t->input == TI_FILE ? " Stack file: " :
		    t->input == TI_REASON ? " Reject: reason (optional): " :
		    t->input == TI_VAR ? " Variable NAME=VALUE (NAME alone: unset): " :
		    t->input == TI_SEARCH ? " Search: " :
		    t->input == TI_SINCE ? " From (10m, 2h, 1d back; 500 last lines; all): " :
		    " Nodes (selector, empty: all): ";

		tui_prompt_draw(t, label, t->input_buf, t->input_sel, t->input == TI_FILE ?
		    "Enter ok  Tab complete  Esc cancel  ^U clear" : t->input == TI_REASON ?
		    "Enter goes on  Esc cancels  ^U clear" : "Enter ok  Esc cancel  ^U clear");
		return;
	}
	if (t->filtering) {
		tui_prompt_draw(t, " Filter: ", f, t->filter_sel, "Enter keep  Esc clear  ^U clear");
		return;
	}
	tui_put(t, t->lines - 1, 0, t->cols, theme_attr(TH_FOOTER),
	    t->opts->kiosk ? " KIOSK  read-only screen" : tui_screen(t)->footer);
	if (f[0] != '\0') {
		snprintf(line, sizeof(line), " [filter: %s]", f);
		tui_put(t, t->lines - 1, t->cols - 32, 32, theme_attr(TH_FILTER), line);
	}
}

/* Keys every screen shares, for the help overlay; each where it works. */
enum help_when { HW_ALL, HW_LIST, HW_SCROLL, HW_OPEN, HW_BACK, HW_FILTER, HW_NOT_EVENTS };
static const struct {
	enum help_when when;
	const char *line;
} help_common[] = {
	{ HW_LIST, "Up/Down, k/j     move" },
	{ HW_SCROLL, "Up/Down, k/j     scroll" },
	{ HW_ALL, "PgUp/PgDn        page" },
	{ HW_ALL, "Home/End, g/G    first, last" },
	{ HW_OPEN, "Enter, l, Right  open (a click selects, a second opens)" },
	{ HW_BACK, "Esc, h, Left     back (Backspace too; click the footer)" },
	{ HW_FILTER, "/, F3            filter; typing replaces a kept one" },
	{ HW_FILTER, "Esc              clear a kept filter first, then back" },
	{ HW_NOT_EVENTS, "e                events timeline" },
	{ HW_ALL, "!                next alarm: its node, culprit selected" },
	{ HW_ALL, "D, F5            deploys" },
	{ HW_ALL, "H, F7            heal queue (self-heal proposals)" },
	{ HW_ALL, "F1, ?            this help" },
	{ HW_ALL, "Ctrl-L           redraw" },
	{ HW_ALL, "q, F10           quit" },
};

/* Whether the common help line of kind WHEN holds on the screen on top. */
static int
help_holds(const struct tui *t, enum help_when when)
{
	const struct tui_screen *sc = tui_screen(t);

	switch (when) {
	case HW_LIST: return !(sc->flags & TUI_SCROLLS);
	case HW_SCROLL: return (sc->flags & TUI_SCROLLS) != 0;
	case HW_OPEN: return sc->open != NULL;
	case HW_BACK: return t->depth > 1;
	case HW_FILTER: return (sc->flags & TUI_FILTERS) != 0;
	case HW_NOT_EVENTS: return tui_view(t) != TV_EVENTS;
	default: return 1;
	}
}

/* The help overlay: the keys of the screen on top, then the common ones
 * that work there. */
static void
draw_help(struct tui *t)
{
	const char *const *extra = tui_screen(t)->help;
	size_t ncommon = sizeof(help_common) / sizeof(help_common[0]);
	int n = 0, w = 62, h, y0, x0, y;

	for (size_t i = 0; i < ncommon; i++)
		n += help_holds(t, help_common[i].when);
	if (extra)
		for (const char *const *p = extra; *p; p++)
			n++;
	h = n + 4;
	if (w > t->cols)
		w = t->cols;
	if (h > t->lines)
		h = t->lines;
	y0 = (t->lines - h) / 2;
	x0 = (t->cols - w) / 2;
	for (y = y0; y < y0 + h; y++)
		tui_fill(y, x0, w, theme_attr(TH_NORMAL) | A_REVERSE);
	tui_put(t, y0 + 1, x0 + 2, w - 4, theme_attr(TH_NORMAL) | A_REVERSE | A_BOLD,
	    "Keys on this screen (any key closes)");
	y = y0 + 2;
	if (extra)
		for (const char *const *p = extra; *p && y < y0 + h - 1; p++)
			tui_put(t, y++, x0 + 2, w - 4, theme_attr(TH_NORMAL) | A_REVERSE, *p);
	for (size_t i = 0; i < ncommon && y < y0 + h - 1; i++)
		if (help_holds(t, help_common[i].when))
			tui_put(t, y++, x0 + 2, w - 4, theme_attr(TH_NORMAL) | A_REVERSE,
			    help_common[i].line);
}

/* Draw the whole screen from the current snapshot. */
void
tui_frame_draw(struct tui *t)
{
	char line[128];

	erase();
	if (t->cols < TUI_MIN_COLS || t->lines < TUI_MIN_LINES) {
		snprintf(line, sizeof(line), "Terminal too small: %dx%d", t->cols, t->lines);
		mvaddnstr(0, 0, line, t->cols);
		snprintf(line, sizeof(line), "need %dx%d", TUI_MIN_COLS, TUI_MIN_LINES);
		mvaddnstr(1, 0, line, t->cols);
		t->nhits = 0;
		return;
	}
	draw_header(t);
	/* The screen on top maps its rows and tiles for the mouse as it draws. */
	t->nhits = 0;
	tui_screen(t)->draw(t, 2, t->lines - 3);
	if (t->msg[0] != '\0' && t->msg_until != 0 && t->now > t->msg_until)
		t->msg[0] = '\0';
	if (t->msg[0] != '\0') {
		/* Above the footer, on two lines when it is long. */
		int two = (int)strlen(t->msg) > t->cols;

		tui_put_wrap(t, t->lines - 2 - two, 0, t->cols, 1 + two, t->msg_attr, t->msg);
	} else if (t->cmd_wait[0] != '\0') {
		/* A command under way, until it is done (tui-commands.c). */
		tui_put_wrap(t, t->lines - 2, 0, t->cols, 1, theme_attr(TH_INFO), t->cmd_wait);
	}
	if (t->msg[0] == '\0' && t->cmd_wait[0] == '\0' && (tui_view(t) == TV_DEPLOYS || tui_view(t) == TV_DEPLOY ||
	    tui_view(t) == TV_HEALS || tui_view(t) == TV_HEAL)) {
		char stale[PD_ERROR_LEN + 128];

		/* The database is locked by another process: say what is shown is old. */
		tui_records_stale(t, stale, sizeof(stale));
		if (stale[0] != '\0')
			tui_put_wrap(t, t->lines - 2, 0, t->cols, 1, theme_attr(TH_WARN), stale);
	}
	draw_footer(t);
	if (t->help)
		draw_help(t);
}
