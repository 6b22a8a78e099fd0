/* screen-logs.c: the log viewer, one container's log on the whole screen.
 *
 * Opened on t->node and t->cid from the container screen (L, Enter) or the
 * node screen (L on the selected container).  The backend streams the log
 * on a thread of its own (backend_logs_open); on each wakeup this screen
 * copies the lines it has not seen yet into its own list of the last
 * PD_LOGS_RING, so drawing and searching never touch the backend's lock
 * for long and never wait for a node.  Following keeps the newest line at
 * the bottom; scrolling up stops it, f, End and G start it again.  Lines
 * are drawn sanitised for this terminal; stderr lines carry an E in the
 * second column (and the warning colour); a search highlights its matches
 * and selects one line, marked > in the first column, which n and N move.  s asks which lines to start
 * from: a time back (10m, 2h) or a count of last lines, and streams anew.
 * When the engine ends the stream (the container stopped) and the
 * container runs again, the stream resumes from the last line shown.
 * The stream stops when the screen is covered or closed, and starts again
 * when it is back on top. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>

#include "tui-internal.h"

#define LOGS_TAIL_DEFAULT 500
#define LOGS_WHEEL_BASE 1000000   /* t->list[TV_LOGS].top between two frames */

/* The viewer's state. */
static struct {
	struct backend_logs *stream;
	struct pd_log_line *lines;      /* the last PD_LOGS_RING lines, oldest first */
	size_t n;
	uint64_t last_seq;
	struct pd_logs_status st;
	struct pd_logs_query q;
	char from[32];                  /* what s asked for: "last 500", "since 10m" */
	char name[PD_NAME_LEN];         /* the container's name, for the header */
	long top;                       /* the first line shown */
	int rows;                       /* lines a page shows */
	int follow, stamps;
	char search[64];
	long match;                     /* the selected match, or -1 */
	char err[PD_ERROR_LEN];         /* the stream could not be opened */
	double resume_after;            /* a resumed stream: lines up to this time are in */
	double resumed_at;              /* when it was resumed (t->now) */
} lv;

/* Forget the lines read so far. */
static void
logs_clear(void)
{
	pd_log_lines_free(lv.lines, lv.n);
	lv.lines = NULL;
	lv.n = 0;
	lv.last_seq = 0;
	lv.resume_after = 0;
	lv.top = 0;
	lv.match = -1;
	memset(&lv.st, 0, sizeof(lv.st));
}

/* Stop the stream, if one runs. */
static void
logs_stop_stream(void)
{
	backend_logs_close(lv.stream);
	lv.stream = NULL;
}

/* Start streaming t->cid of t->node afresh, as lv.q says. */
static void
logs_start_stream(struct tui *t)
{
	logs_stop_stream();
	logs_clear();
	lv.err[0] = '\0';
	lv.q.follow = 1;
	lv.stream = backend_logs_open(t->b, t->node, t->cid, &lv.q, lv.err, sizeof(lv.err));
}

/* The last line, as a top that shows it at the bottom of the page. */
static long
logs_bottom(void)
{
	long b = (long)lv.n - lv.rows;

	return b > 0 ? b : 0;
}

/* Copy the lines that came since the last read. */
static void
logs_pull(void)
{
	struct pd_log_line *v;
	size_t k, drop;

	if (lv.stream == NULL || backend_logs_read(lv.stream, lv.last_seq, &v, &k, &lv.st) != 0)
		return;
	if (k == 0) {
		free(v);
		return;
	}
	struct pd_log_line *grown = realloc(lv.lines, (lv.n + k) * sizeof(*lv.lines));

	if (grown == NULL) {
		pd_log_lines_free(v, k);
		return;
	}
	lv.lines = grown;
	lv.last_seq = v[k - 1].seq;
	for (size_t i = 0; i < k; i++) {
		/* A resumed stream starts at the second the last one ended in. */
		if (lv.resume_after > 0 && v[i].time > 0 && v[i].time <= lv.resume_after) {
			free(v[i].text);
			continue;
		}
		lv.resume_after = 0;
		lv.lines[lv.n++] = v[i];
	}
	free(v);
	/* Keep the last PD_LOGS_RING: the oldest go, and what points at lines moves. */
	if (lv.n > PD_LOGS_RING) {
		drop = lv.n - PD_LOGS_RING;
		for (size_t i = 0; i < drop; i++)
			free(lv.lines[i].text);
		memmove(lv.lines, lv.lines + drop, PD_LOGS_RING * sizeof(*lv.lines));
		lv.n = PD_LOGS_RING;
		lv.top = lv.top > (long)drop ? lv.top - (long)drop : 0;
		lv.match = lv.match >= (long)drop ? lv.match - (long)drop : -1;
	}
	if (lv.follow)
		lv.top = logs_bottom();
}

/* Whether line I matches the search. */
static int
logs_matches(long i)
{
	return lv.search[0] != '\0' && strcasestr(lv.lines[i].text, lv.search) != NULL;
}

/* Select the next match from line FROM in direction DIR (1, -1), wrapping;
 * 1 when there is one. */
static int
logs_find(long from, int dir)
{
	long n = (long)lv.n;

	for (long k = 0; k < n; k++) {
		long i = ((from + dir * k) % n + n) % n;

		if (logs_matches(i)) {
			lv.match = i;
			lv.follow = 0;
			if (i < lv.top || i >= lv.top + lv.rows)
				lv.top = i - lv.rows / 2;
			if (lv.top > logs_bottom())
				lv.top = logs_bottom();
			if (lv.top < 0)
				lv.top = 0;
			return 1;
		}
	}
	lv.match = -1;
	return 0;
}

/* Display columns of the first LEN bytes of S. */
static int
logs_width(const char *s, size_t len)
{
	mbstate_t st;
	wchar_t wc;
	int w = 0;
	size_t n;

	memset(&st, 0, sizeof(st));
	while (len > 0) {
		n = mbrtowc(&wc, s, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			w++, s++, len--;
			memset(&st, 0, sizeof(st));
			continue;
		}
		w += wcwidth(wc) > 0 ? wcwidth(wc) : 1;
		s += n;
		len -= n;
	}
	return w;
}

/* Draw line I at row Y: mark column, time, text (matches highlighted). */
static void
logs_draw_line(struct tui *t, int y, long i)
{
	const struct pd_log_line *L = &lv.lines[i];
	int cur = i == lv.match;
	int base = cur ? theme_attr(TH_SELECTION) : theme_attr(L->err ? TH_WARN : TH_NORMAL);
	int hl = cur ? theme_attr(TH_SELECTION) | A_REVERSE : theme_attr(TH_FILTER) | A_REVERSE;
	char clean[4 * PD_LOGS_LINE_MAX + 16], stamp[32];
	int x = 0;
	const char *p, *m;

	/* The mark columns: > the selected match, E stderr. */
	tui_fill(y, 0, t->cols, base);
	tui_put(t, y, 0, 1, base, cur ? ">" : " ");
	tui_put(t, y, 1, 2, cur ? base : theme_attr(L->err ? TH_CRIT : TH_DIM), L->err ? "E" : " ");
	x = 3;
	if (lv.stamps) {
		time_t sec = (time_t)L->time;
		struct tm tm;

		if (L->time > 0 && localtime_r(&sec, &tm) != NULL) {
			strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
			snprintf(stamp + 8, sizeof(stamp) - 8, ".%03d",
			    (int)((L->time - (double)sec) * 1000) % 1000);
		} else {
			snprintf(stamp, sizeof(stamp), "%-12s", "-");
		}
		tui_put(t, y, x, 13, cur ? base : theme_attr(TH_DIM), stamp);
		x += 13;
	}
	pd_sanitize(clean, sizeof(clean), L->text, !t->utf8);
	if (L->cut) {
		size_t cl = strlen(clean);

		snprintf(clean + cl, sizeof(clean) - cl, " [cut]");
	}
	/* The text, its matches in the highlight (searched in what is shown). */
	p = clean;
	while (x < t->cols && *p != '\0') {
		m = lv.search[0] != '\0' ? strcasestr(p, lv.search) : NULL;
		size_t pre = m != NULL ? (size_t)(m - p) : strlen(p);
		char seg[sizeof(clean)];

		memcpy(seg, p, pre);
		seg[pre] = '\0';
		tui_put(t, y, x, t->cols - x, base, seg);
		x += logs_width(seg, pre);
		if (m == NULL)
			break;
		size_t ml = strlen(lv.search);

		memcpy(seg, m, ml);
		seg[ml] = '\0';
		if (x < t->cols)
			tui_put(t, y, x, logs_width(seg, ml), hl, seg);
		x += logs_width(seg, ml);
		p = m + ml;
	}
}

/* The viewer: a status line, then the lines. */
static void
logs_draw(struct tui *t, int top, int rows)
{
	static const char *const states[] = { "connecting", "streaming", "ended", "failed" };
	char head[1200], zone[48];
	int y, failed;

	if (lv.stream == NULL && lv.err[0] == '\0')
		logs_start_stream(t);     /* back on top after another screen */
	/* The mouse wheel moved the shared list's top (tui_move): scroll by as much. */
	if (t->list[TV_LOGS].top != LOGS_WHEEL_BASE) {
		long d = (long)t->list[TV_LOGS].top - LOGS_WHEEL_BASE;

		lv.top += d;
		if (d < 0)
			lv.follow = 0;
		if (lv.top < 0)
			lv.top = 0;
		t->list[TV_LOGS].top = LOGS_WHEEL_BASE;
	}
	lv.rows = rows - 1;
	if (lv.rows < 1)
		lv.rows = 1;
	if (lv.follow)
		lv.top = logs_bottom();
	if (lv.top > logs_bottom())
		lv.top = logs_bottom();
	failed = lv.err[0] != '\0' || lv.st.state == PD_LOGS_FAILED;
	{
		/* The times are the console's, as the header's clock: name the zone. */
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(zone, sizeof(zone), "   times %Z", &tm);
	}
	snprintf(head, sizeof(head), " %s on %s   %s   %s   %zu lines   %s%s%s%s", lv.name,
	    t->node, lv.err[0] ? "failed" : states[lv.st.state],
	    lv.follow ? "FOLLOWING" : "paused (f follows)", lv.n, lv.from,
	    lv.stamps ? zone : "", failed ? "   " : "",
	    lv.err[0] ? lv.err : lv.st.state == PD_LOGS_FAILED ? lv.st.error : "");
	tui_put_untrusted(t, top, 0, t->cols, theme_attr(failed ? TH_CRIT : TH_INFO), head);
	t->nitems = (int)lv.n;
	t->page_rows = lv.rows;
	if (lv.n == 0) {
		tui_put(t, top + 1, 2, t->cols - 2, theme_attr(TH_DIM),
		    lv.st.state <= PD_LOGS_STREAMING && lv.err[0] == '\0' ?
		    "No log lines yet." : "No log lines.");
		return;
	}
	y = top + 1;
	for (long i = lv.top; i < (long)lv.n && y < top + rows; i++, y++)
		logs_draw_line(t, y, i);
}

/* Parse what s was given: "10m", "2h", "1d", "30s" (since), "500" (last
 * lines) or "all"; 0, or -1 when it is none of these. */
static int
logs_parse_from(const char *s, struct pd_logs_query *q, char *label, size_t len)
{
	char *end;
	long v;

	while (*s == ' ')
		s++;
	if (strcasecmp(s, "all") == 0) {
		q->tail = -1;
		q->since = 0;
		snprintf(label, len, "all lines");
		return 0;
	}
	v = strtol(s, &end, 10);
	if (end == s || v < 0 || v > 100000000)
		return -1;
	if (*end == '\0') {
		q->tail = v;
		q->since = 0;
		snprintf(label, len, "last %ld", v);
		return 0;
	}
	if (end[1] != '\0')
		return -1;
	switch (*end) {
	case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -1;
	}
	q->tail = -1;
	q->since = time(NULL) - v;
	snprintf(label, len, "since %.16s ago", s);
	return 0;
}

/* Enter on the search or the from line. */
static void
logs_typed(struct tui *t)
{
	enum tui_input what = t->input;

	t->input = TI_NONE;
	if (what == TI_SEARCH) {
		snprintf(lv.search, sizeof(lv.search), "%.63s", t->input_buf);
		if (lv.search[0] == '\0') {
			lv.match = -1;
			return;
		}
		if (!logs_find(lv.top, 1))
			tui_message(t, theme_attr(TH_WARN), 4, " Nothing matches \"%s\".", lv.search);
		return;
	}
	if (what == TI_SINCE) {
		struct pd_logs_query q = lv.q;
		char label[sizeof(lv.from)];

		if (logs_parse_from(t->input_buf, &q, label, sizeof(label)) != 0) {
			tui_message(t, theme_attr(TH_WARN), 5, " Give a time back (30s, 10m, 2h, 1d), "
			    "a number of last lines (500) or all.");
			return;
		}
		lv.q = q;
		snprintf(lv.from, sizeof(lv.from), "%s", label);
		lv.follow = 1;
		logs_start_stream(t);
	}
}

/* The viewer's keys; 1 when the key was its own. */
static int
logs_key(struct tui *t, int ch)
{
	switch (ch) {
	case 27:
		if (lv.search[0] == '\0')
			return 0;    /* back */
		lv.search[0] = '\0';   /* Esc clears the search first */
		lv.match = -1;
		return 1;
	case 'f':
		lv.follow = !lv.follow;
		return 1;
	case KEY_END: case 'G':
		lv.follow = 1;
		return 1;
	case KEY_HOME: case 'g':
		lv.follow = 0;
		lv.top = 0;
		return 1;
	case KEY_UP: case 'k': case KEY_PPAGE:
		lv.follow = 0;
		lv.top -= ch == KEY_PPAGE ? (lv.rows > 1 ? lv.rows - 1 : 1) : 1;
		if (lv.top < 0)
			lv.top = 0;
		return 1;
	case KEY_DOWN: case 'j': case KEY_NPAGE: case ' ':
		lv.top += ch == KEY_DOWN || ch == 'j' ? 1 : (lv.rows > 1 ? lv.rows - 1 : 1);
		if (lv.top > logs_bottom())
			lv.top = logs_bottom();
		return 1;
	case 't':
		lv.stamps = !lv.stamps;
		return 1;
	case '/': case KEY_F(3):
		t->input = TI_SEARCH;
		t->input_buf[0] = '\0';
		return 1;
	case 'n': case 'N':
		if (lv.search[0] == '\0')
			tui_message(t, theme_attr(TH_DIM), 3, " No search: / searches.");
		else if (!logs_find(lv.match >= 0 ? lv.match + (ch == 'n' ? 1 : -1) :
		    lv.top, ch == 'n' ? 1 : -1))
			tui_message(t, theme_attr(TH_WARN), 4, " Nothing matches \"%s\".", lv.search);
		return 1;
	case 's':
		t->input = TI_SINCE;
		t->input_buf[0] = '\0';
		return 1;
	case '\n': case '\r': case KEY_ENTER: case 'l': case KEY_RIGHT:
		return 1;    /* nothing to open */
	default:
		return 0;
	}
}

/* Opened on t->node and t->cid: the last lines, following. */
static void
logs_enter(struct tui *t)
{
	const struct pd_node *n = tui_node(t);

	snprintf(lv.name, sizeof(lv.name), "%.12s", t->cid);
	for (size_t i = 0; n != NULL && i < n->ncontainers; i++)
		if (strcmp(t->snap->containers[n->first_container + i].id, t->cid) == 0)
			snprintf(lv.name, sizeof(lv.name), "%s",
			    t->snap->containers[n->first_container + i].name);
	lv.q = (struct pd_logs_query){ .follow = 1, .tail = LOGS_TAIL_DEFAULT };
	snprintf(lv.from, sizeof(lv.from), "last %d", LOGS_TAIL_DEFAULT);
	lv.follow = 1;
	lv.stamps = 1;
	lv.search[0] = '\0';
	lv.rows = 1;
	t->list[TV_LOGS].top = LOGS_WHEEL_BASE;
	logs_start_stream(t);
}

/* Covered or closed: the stream stops (it starts again when back on top). */
static void
logs_leave(struct tui *t)
{
	(void)t;
	logs_stop_stream();
	lv.err[0] = '\0';
}

/* Whether the container runs, as the snapshot says. */
static int
logs_running(const struct tui *t)
{
	const struct pd_node *n = tui_node(t);

	for (size_t i = 0; n != NULL && i < n->ncontainers; i++)
		if (strcmp(t->snap->containers[n->first_container + i].id, t->cid) == 0)
			return strcmp(t->snap->containers[n->first_container + i].state,
			    "running") == 0;
	return 0;
}

/* The engine ended the stream (the container stopped) and the container
 * runs again: stream on from the last line, keeping what is shown. */
static void
logs_resume(struct tui *t)
{
	struct pd_logs_query q = { .follow = 1, .tail = 0 };

	if (lv.n > 0 && lv.lines[lv.n - 1].time > 0) {
		q.tail = -1;
		q.since = (time_t)lv.lines[lv.n - 1].time;
		lv.resume_after = lv.lines[lv.n - 1].time;
	}
	logs_stop_stream();
	lv.last_seq = 0;
	lv.resumed_at = t->now;
	lv.stream = backend_logs_open(t->b, t->node, t->cid, &q, lv.err, sizeof(lv.err));
}

/* A wakeup: the lines that came; a stream the engine ended resumes once
 * the container runs again. */
static void
logs_read(struct tui *t, enum tui_read what, int top)
{
	if ((what != TR_SNAPSHOT && what != TR_WAKE) || !top)
		return;
	logs_pull();
	if (lv.stream != NULL && lv.st.state == PD_LOGS_ENDED && t->now - lv.resumed_at >= 2 &&
	    logs_running(t))
		logs_resume(t);
}

/* The cockpit ends: the stream stops, the lines go. */
static void
logs_stop(struct tui *t)
{
	(void)t;
	logs_stop_stream();
	logs_clear();
}

static const char *const logs_help[] = {
	"f                follow on/off; End, G: newest, follow",
	"Up/PgUp          scroll back (stops following)",
	"t                times on/off (the header clock's zone)",
	"/                search: matches highlighted",
	"n, N             next, previous match; Esc clears",
	"s                from: 10m, 2h, 1d back; 500 lines; all",
	"                 > selected match, E written to stderr",
	NULL,
};

const struct tui_screen screen_logs = {
	.name = "Logs",
	.footer = " F1 Help  Esc Back  f Follow  t Times  / Search  n/N Next  s From  F10 Quit",
	.help = logs_help,
	.flags = TUI_SCROLLS,
	.enter = logs_enter,
	.leave = logs_leave,
	.read = logs_read,
	.draw = logs_draw,
	.key = logs_key,
	.typed = logs_typed,
	.stop = logs_stop,
};
