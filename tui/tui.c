/* tui.c: the cockpit's main loop, its keys, and the table of its screens.
 *
 * The UI thread is the only one that calls curses, and it never waits on
 * the network or the database: the deploys and heal proposals come from
 * the backend's store reader (tui-deploys.c).  It sleeps in poll() on the
 * terminal, on a self-pipe that signal handlers write to, and on the
 * backend's wakeup fd; when the model changed it takes a new snapshot just
 * before the next frame (one copy however many wakeups came between two
 * frames), and redraws when something is dirty, at most ten times a
 * second, plus a tick once a second for ages and the clock.  Nothing else
 * redraws: no reading on a timer.  curses sends only the cells that
 * changed.  Resizes relayout from LINES/COLS in tui_layout().  In kiosk
 * mode the terminal is raw (^C and ^Z are keys, not signals), no key acts,
 * and the pages rotate on their own.
 *
 * The screens are a table, one struct tui_screen per enum tui_view, and a
 * stack of open ones (the fleet, or the kiosk's page, at the bottom).  A
 * key goes to the line being typed, the question, the filter or the help
 * overlay when one is up, then to the key hook of the screen on top, then
 * to the keys every screen shares: moving, back, open, filter, help, e, D,
 * H, ! (the next alarm, tui-alarms.c) and quit.  Esc clears a kept filter
 * before it goes back; h, Left and Backspace go back as l, Right and Enter
 * open.  The terminal is asked for SGR mouse reports (1006) whatever its
 * terminfo says, and tui_sgr_read() reads those curses leaves alone.
 * Screens move between each other only through tui_open(), which calls the
 * leave hook of the screen on top and the enter hook of the one it opens;
 * tui_back() closes the one on top. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "tui-internal.h"

#define TUI_FRAME_GAP 0.1     /* s between frames at most ten a second */

/* The screens, by enum tui_view. */
static const struct tui_screen *const tui_screens[TV_COUNT] = {
	[TV_FLEET] = &screen_fleet,
	[TV_NODE] = &screen_node,
	[TV_CONTAINER] = &screen_container,
	[TV_EVENTS] = &screen_events,
	[TV_ALARMS] = &screen_alarms,
	[TV_DEPLOYS] = &screen_deploys,
	[TV_DEPLOY] = &screen_deploy,
	[TV_PLAN] = &screen_plan,
	[TV_HEALS] = &screen_heals,
	[TV_HEAL] = &screen_heal,
	[TV_LOGS] = &screen_logs,
};

static int tui_sigpipe[2] = { -1, -1 };
static volatile sig_atomic_t tui_got_winch;
static volatile sig_atomic_t tui_got_quit;

/* Seconds on the monotonic clock. */
static double
tui_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signal handler: set a flag and wake the loop. */
static void
tui_on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig == SIGWINCH)
		tui_got_winch = 1;
	else
		tui_got_quit = 1;
	if (write(tui_sigpipe[1], &c, 1) < 0) {
		/* The pipe is full: the loop is already awake. */
	}
	errno = saved;
}

/* Write S to the terminal as it is, past curses. */
static void
tui_raw_write(const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	fflush(stdout);
	while (len > 0) {
		n = write(STDOUT_FILENO, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		s += n;
		len -= (size_t)n;
	}
}

/* Install the signal handlers and the self-pipe they write to. */
static int
tui_signals_init(void)
{
	struct sigaction sa;

	if (pipe2(tui_sigpipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tui_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

/* Tell curses the terminal's new size (after SIGWINCH). */
static void
tui_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
}

/* Recompute the layout from LINES and COLS; the one place that reads them. */
static void
tui_layout(struct tui *t)
{
	t->cols = COLS;
	t->lines = LINES;
	t->dirty = 1;
}

/* The view on top of the stack. */
enum tui_view
tui_view(const struct tui *t)
{
	return t->stack[t->depth - 1];
}

/* The screen of view V. */
const struct tui_screen *
tui_screen_of(enum tui_view v)
{
	return tui_screens[v];
}

/* The screen on top of the stack. */
const struct tui_screen *
tui_screen(const struct tui *t)
{
	return tui_screens[tui_view(t)];
}

/* Tell every screen that WHAT was just read again. */
static void
tui_read(struct tui *t, enum tui_read what)
{
	for (int v = 0; v < TV_COUNT; v++)
		if (tui_screens[v]->read != NULL)
			tui_screens[v]->read(t, what, v == (int)tui_view(t));
}

/* Open screen V, placed as HOW says; 1 when it did. */
int
tui_open(struct tui *t, enum tui_view v, enum tui_how how)
{
	const struct tui_screen *top = tui_screen(t);

	if (how == TUI_PUSH && t->depth >= TUI_MAX_DEPTH)
		return 0;
	if (how == TUI_ROOT && tui_view(t) == v)
		return 0;
	if (top->leave != NULL)
		top->leave(t);
	switch (how) {
	case TUI_PUSH:
		t->stack[t->depth++] = v;
		break;
	case TUI_PUSH_OR_REPLACE:
		if (t->depth < TUI_MAX_DEPTH)
			t->stack[t->depth++] = v;
		else
			t->stack[t->depth - 1] = v;
		break;
	case TUI_REPLACE:
		t->stack[t->depth - 1] = v;
		break;
	case TUI_ROOT:
		t->stack[0] = TV_FLEET;
		t->stack[1] = v;
		t->depth = 2;
		break;
	}
	if (tui_screens[v]->enter != NULL)
		tui_screens[v]->enter(t);
	return 1;
}

/* The node of the selection (t->node) in the snapshot, or NULL when it is gone. */
const struct pd_node *
tui_node(const struct tui *t)
{
	for (size_t i = 0; i < t->snap->nnodes; i++)
		if (strcmp(t->snap->nodes[i].name, t->node) == 0)
			return &t->snap->nodes[i];
	return NULL;
}

/* Note that the frame being drawn shows node NAME (see struct tui). */
void
tui_shown(struct tui *t, const char *name, int each)
{
	const unsigned char *p = (const unsigned char *)name;

	if (each) {
		snprintf(t->shown_each, sizeof(t->shown_each), "%s", name);
	} else {
		if (t->nshown == t->capshown) {
			size_t cap = t->capshown ? 2 * t->capshown : 64;
			char (*v)[PD_NAME_LEN] = realloc(t->shown, cap * sizeof(*v));

			if (v == NULL)
				return;  /* sampled as if not shown: rarer figures, no harm */
			t->shown = v;
			t->capshown = cap;
		}
		snprintf(t->shown[t->nshown++], PD_NAME_LEN, "%s", name);
	}
	t->shown_hash = (t->shown_hash ^ (uint64_t)(each + 1)) * 1099511628211ull;
	for (; *p != '\0'; p++)
		t->shown_hash = (t->shown_hash ^ *p) * 1099511628211ull;
}

/* Draw a frame, then tell the backend what it shows when that changed. */
static void
tui_draw(struct tui *t)
{
	t->nshown = 0;
	t->shown_each[0] = '\0';
	t->shown_hash = 1469598103934665603ull;
	tui_frame_draw(t);
	if (!t->shown_ever || t->shown_hash != t->shown_sent) {
		const char **names = calloc(t->nshown ? t->nshown : 1, sizeof(*names));

		if (names == NULL)
			return;
		for (size_t i = 0; i < t->nshown; i++)
			names[i] = t->shown[i];
		backend_show(t->b, names, t->nshown, t->shown_each[0] ? t->shown_each : NULL);
		free(names);
		t->shown_sent = t->shown_hash;
		t->shown_ever = 1;
	}
}

/* Take a new snapshot (and what the screens read with it). */
static void
tui_refresh_model(struct tui *t)
{
	struct pd_snapshot *s;

	/* The wakeup was the store reader's or a log stream's, or the fleet
	 * changed quietly since: the copy in hand shows what a new one would. */
	if (t->snap != NULL && backend_generation(t->b) == t->snap->generation) {
		tui_read(t, TR_WAKE);
		t->dirty = 1;
		return;
	}
	s = backend_snapshot_shared(t->b);
	if (s == NULL)
		return;
	pd_snapshot_free(t->snap);
	t->snap = s;
	tui_alarms_read(t);
	tui_read(t, TR_SNAPSHOT);
	t->dirty = 1;
}

/* Close the screen on top. */
static void
tui_back(struct tui *t)
{
	const struct tui_screen *top = tui_screen(t);

	if (t->depth <= 1)
		return;
	if (top->leave != NULL)
		top->leave(t);
	t->depth--;
}

/* Enter, Right or a click on the selection: the screen opens what is selected. */
static void
tui_open_selected(struct tui *t)
{
	const struct tui_screen *top = tui_screen(t);

	if (top->open != NULL)
		top->open(t);
}

/* Move the current list's selection by DELTA (clamped when drawn), or
 * scroll a screen that selects nothing. */
void
tui_move(struct tui *t, int delta)
{
	struct tui_list *l = &t->list[tui_view(t)];

	if (tui_screen(t)->flags & TUI_SCROLLS) {
		l->top += delta;
		if (l->top < 0)
			l->top = 0;
		return;
	}
	l->sel += delta;
	if (l->sel < 0)
		l->sel = 0;
	if (l->sel > t->nitems - 1)
		l->sel = t->nitems - 1;
}

/* Edit the line BUF (SIZE bytes) with key CH: printable ASCII is typed,
 * Backspace deletes, ^U clears; 1 on Enter, -1 on Esc, else 0. */
int
tui_edit(char *buf, size_t size, int ch)
{
	return tui_edit_line(buf, size, NULL, ch);
}

/* Show a notice above the footer: for SECS seconds, or until a key (0). */
void
tui_message(struct tui *t, int attr, double secs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->msg, sizeof(t->msg), fmt, ap);
	va_end(ap);
	t->msg_attr = attr;
	t->msg_until = secs > 0 ? t->now + secs : 0;
	t->dirty = 1;
}

/* A key while the filter is being typed. */
static void
tui_filter_key(struct tui *t, int ch)
{
	char *f = t->filter[tui_view(t)];
	int r = tui_edit_line(f, sizeof(t->filter[0]), &t->filter_sel, ch);

	if (r != 0)
		t->filtering = 0;
	if (r < 0)
		f[0] = '\0';
	t->list[tui_view(t)] = (struct tui_list){ 0, 0 };
}

/* q or F10: quit, after a question while a deploy of this process runs. */
static int
tui_quit(struct tui *t)
{
	if (!backend_deploy_busy(t->b))
		return 1;
	t->ask = TA_QUIT;
	snprintf(t->ask_text, sizeof(t->ask_text), "A deploy runs here: quitting pauses it "
	    "(resume it later). Quit?");
	return 0;
}

/* The answer to the y/n question that is up; 1 when it was yes to quitting. */
static int
tui_answer(struct tui *t, int ch)
{
	int yes = ch == 'y' || ch == 'Y';
	enum tui_ask what = t->ask;

	if (!yes) {
		t->ask = TA_NONE;
		tui_message(t, theme_attr(TH_DIM), 3, " Cancelled.");
		return 0;
	}
	if (what == TA_QUIT)
		return 1;
	/* The screen on top asked it: it is still on top. */
	if (tui_screen(t)->answer != NULL)
		tui_screen(t)->answer(t);
	t->ask = TA_NONE;
	return 0;
}

/* A mouse event: click selects (and opens what is selected), wheel scrolls. */
static void
tui_mouse(struct tui *t)
{
	MEVENT ev;
	int item;

	if (t->mouse_sgr) {
		/* Read by tui_sgr_read(): curses did not know the report. */
		memset(&ev, 0, sizeof(ev));
		ev.y = t->mouse_y;
		ev.x = t->mouse_x;
		ev.bstate = t->mouse_b;
		t->mouse_sgr = 0;
	} else if (getmouse(&ev) != OK) {
		return;
	}
	if (ev.bstate & BUTTON4_PRESSED) {
		tui_move(t, -3);
		return;
	}
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED) {
		tui_move(t, 3);
		return;
	}
#endif
	if (!(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED |
	    BUTTON1_DOUBLE_CLICKED)))
		return;
	if (t->help) {
		t->help = 0;
		return;
	}
	if (ev.y == t->lines - 1 || ev.y == 1) {
		/* The footer and the breadcrumb: a click there goes back. */
		if (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED))
			tui_back(t);
		return;
	}
	item = tui_hit_find(t, ev.y, ev.x);
	if (item < 0 || !(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
		return;
	if (item == t->list[tui_view(t)].sel)
		tui_open_selected(t);
	else
		t->list[tui_view(t)].sel = item;
}

/* After an Esc from curses: read the rest of a SGR mouse report
 * (ESC [ < B ; X ; Y M or m) that curses did not know, because the
 * terminfo names another mouse protocol; 1 when it was one, in t->mouse_*.
 * Anything else is given back to curses, in order. */
static int
tui_sgr_read(struct tui *t)
{
	int seq[32], n = 0, ch, v[3] = { 0, 0, 0 }, k = 0;

	while (n < (int)(sizeof(seq) / sizeof(seq[0])) && (ch = getch()) != ERR) {
		seq[n++] = ch;
		if ((n == 1 && ch != '[') || (n == 2 && ch != '<'))
			break;
		if (n <= 2)
			continue;
		if (ch >= '0' && ch <= '9' && v[k] < 100000) {
			v[k] = v[k] * 10 + (ch - '0');
			continue;
		}
		if (ch == ';' && k < 2) {
			k++;
			continue;
		}
		if ((ch == 'M' || ch == 'm') && k == 2 && v[1] > 0 && v[2] > 0) {
			t->mouse_sgr = 1;
			t->mouse_x = v[1] - 1;
			t->mouse_y = v[2] - 1;
			t->mouse_b = v[0] == 64 ? BUTTON4_PRESSED :
#ifdef BUTTON5_PRESSED
			    v[0] == 65 ? BUTTON5_PRESSED :
#endif
			    v[0] == 0 ? (ch == 'M' ? BUTTON1_PRESSED : BUTTON1_RELEASED) : 0;
			return 1;
		}
		break;
	}
	while (n > 0)
		ungetch(seq[--n]);
	return 0;
}

/* Kiosk: feed CH to the exit chord; 1 when the whole chord was typed. */
static int
tui_chord_key(struct tui *t, int ch)
{
	const char *p = backend_kiosk_exit_chord(t->b);
	int want[8], n = 0;

	if (p == NULL)
		return 0;
	/* The inventory checked the syntax: C-x, Fn or one character. */
	while (*p != '\0' && n < 8) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (p[0] == 'C' && p[1] == '-' && p[2] >= 'a' && p[2] <= 'z')
			want[n++] = p[2] & 0x1f, p += 3;
		else if (p[0] == 'F' && p[1] >= '1' && p[1] <= '9' && p[2] >= '0' && p[2] <= '2')
			want[n++] = KEY_F((p[1] - '0') * 10 + (p[2] - '0')), p += 3;
		else if (p[0] == 'F' && p[1] >= '1' && p[1] <= '9')
			want[n++] = KEY_F(p[1] - '0'), p += 2;
		else
			want[n++] = (unsigned char)*p++;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	if (t->now - t->chord_time > 3.0)
		t->chord_pos = 0;
	if (t->chord_pos < n && ch == want[t->chord_pos]) {
		if (t->chord_pos == 0)
			t->chord_time = t->now;
		t->chord_pos++;
	} else {
		t->chord_pos = (n > 0 && ch == want[0]) ? 1 : 0;
		t->chord_time = t->now;
	}
	return n > 0 && t->chord_pos == n;
}

/* Handle one key; returns 1 when the user asked to quit. */
static int
tui_key(struct tui *t, int ch)
{
	if (ch == KEY_RESIZE) {
		tui_layout(t);
		return 0;
	}
	if (ch == 12) { /* ^L */
		clearok(curscr, TRUE);
		t->dirty = 1;
		return 0;
	}
	t->dirty = 1;
	/* Kiosk: nothing on the keyboard or mouse acts, and nothing quits but
	 * the exit chord the inventory configures, typed within 3 s. */
	if (t->opts->kiosk)
		return tui_chord_key(t, ch);
	if (t->ask != TA_NONE)
		return tui_answer(t, ch);
	if (t->msg_until == 0)
		t->msg[0] = '\0';    /* a notice stays until the next key */
	if (t->input != TI_NONE) {
		int r;

		if (ch == '\t' && t->input == TI_FILE) {
			t->input_sel = 0;
			tui_prompt_complete(t);
			return 0;
		}
		r = ch == KEY_MOUSE ? 0 : tui_edit_line(t->input_buf, sizeof(t->input_buf),
		    &t->input_sel, ch);

		/* The screen on top asked for the line: it is still on top. */
		if (r > 0 && tui_screen(t)->typed != NULL)
			tui_screen(t)->typed(t);
		else if (r != 0)
			t->input = TI_NONE;
		return 0;
	}
	if (ch == KEY_MOUSE) {
		tui_mouse(t);
		return 0;
	}
	if (t->filtering) {
		tui_filter_key(t, ch);
		return 0;
	}
	if (t->help) {
		t->help = 0;
		return ch == KEY_F(10) ? tui_quit(t) : 0;
	}
	if (tui_screen(t)->key != NULL && tui_screen(t)->key(t, ch))
		return 0;
	switch (ch) {
	case 'q':
	case KEY_F(10):
		return tui_quit(t);
	case 'D':
	case KEY_F(5):
		tui_open(t, TV_DEPLOYS, TUI_ROOT);
		break;
	case 'H':
	case KEY_F(7):
		tui_open(t, TV_HEALS, TUI_ROOT);
		break;
	case KEY_F(1):
	case '?':
		t->help = 1;
		break;
	case KEY_UP: case 'k': tui_move(t, -1); break;
	case KEY_DOWN: case 'j': tui_move(t, 1); break;
	case KEY_PPAGE: tui_move(t, -(t->page_rows > 1 ? t->page_rows - 1 : 1)); break;
	case KEY_NPAGE: case ' ': tui_move(t, t->page_rows > 1 ? t->page_rows - 1 : 1); break;
	case KEY_HOME: case 'g': tui_move(t, -1000000); break;
	case KEY_END: case 'G': tui_move(t, 1000000); break;
	case KEY_LEFT: case 'h':
		tui_back(t);
		break;
	case KEY_RIGHT:
		tui_open_selected(t);
		break;
	case '\n': case '\r': case KEY_ENTER: case 'l':
		tui_open_selected(t);
		break;
	case 27:
		/* A kept filter goes first; the next Esc goes back. */
		if ((tui_screen(t)->flags & TUI_FILTERS) && t->filter[tui_view(t)][0] != '\0') {
			t->filter[tui_view(t)][0] = '\0';
			t->list[tui_view(t)] = (struct tui_list){ 0, 0 };
			break;
		}
		tui_back(t);
		break;
	case KEY_BACKSPACE: case 127: case 8:
		tui_back(t);
		break;
	case '/': case KEY_F(3):
		if (tui_screen(t)->flags & TUI_FILTERS) {
			t->filtering = 1;
			t->filter_sel = t->filter[tui_view(t)][0] != '\0';
		}
		break;
	case 'e':
		if (tui_view(t) != TV_EVENTS)
			tui_open(t, TV_EVENTS, TUI_PUSH);
		break;
	case '!':
		tui_alarms_jump(t);
		break;
	default:
		break;
	}
	/* Up/Down in the tile grid move by a row of tiles. */
	return 0;
}

/* Kiosk pages: fleet tiles, then the alarm page, each ROTATE seconds. */
static void
tui_kiosk_rotate(struct tui *t)
{
	if (t->opts->rotate <= 0 || t->now < t->next_rotate)
		return;
	t->next_rotate = t->now + t->opts->rotate;
	t->stack[0] = t->stack[0] == TV_FLEET ? TV_ALARMS : TV_FLEET;
	t->dirty = 1;
}

/* Set up the theme for this terminal. */
static int
tui_theme_init(const struct tui_options *opts, struct theme **theme)
{
	char err[512];

	if (opts->theme != NULL) {
		if (theme_load(opts->theme, theme, err, sizeof(err)) != 0) {
			fprintf(stderr, "plantdeck: %s\n", err);
			return -1;
		}
	} else {
		*theme = theme_builtin();
	}
	return 0;
}

int
tui_run(const struct tui_options *opts, struct backend *b)
{
	struct tui *t;
	struct theme *theme = NULL;
	struct pollfd pfd[3] = { { 0 } };
	double last_frame = 0, wait;
	int quit = 0, ch, rc, mouse, model_changed = 0;
	char drain[64], err[PD_ERROR_LEN];
	const char *cs;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "plantdeck: the cockpit needs a terminal; "
		    "try 'plantdeck status' for a text report\n");
		return 1;
	}
	if (tui_theme_init(opts, &theme) != 0)
		return 2;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return 1;
	t->opts = opts;
	t->b = b;
	t->stack[0] = TV_FLEET;
	t->depth = 1;
	t->watched_id = -1;
	if (opts->log_path != NULL && backend_log_open(opts->log_path) != 0)
		fprintf(stderr, "plantdeck: cannot open log file %s: %s\n",
		    opts->log_path, strerror(errno));
	if (tui_signals_init() != 0) {
		fprintf(stderr, "plantdeck: cannot create a pipe: %s\n", strerror(errno));
		free(t);
		return 1;
	}
	backend_log_quiet(1);
	rc = backend_start(b, err, sizeof(err));
	if (rc != 0) {
		backend_log_quiet(0);
		fprintf(stderr, "plantdeck: cannot start the backend: %s\n", err);
		free(t);
		return 1;
	}
	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	t->utf8 = !opts->ascii && cs != NULL && strcmp(cs, "UTF-8") == 0;
	if (initscr() == NULL) {
		backend_log_quiet(0);
		fprintf(stderr, "plantdeck: cannot initialise the terminal\n");
		free(t);
		return 1;
	}
	if (opts->kiosk)
		raw();
	else
		cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors() && opts->colors != 0) {
		start_color();
		use_default_colors();
	}
	theme_apply(theme, opts->colors == 0 ? THEME_MONO :
	    opts->colors > 0 ? (opts->colors >= 256 ? THEME_256 : opts->colors >= 16 ?
	    THEME_16 : THEME_8) : theme_detect_depth());
	mouse = mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED |
	    BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
	    | BUTTON5_PRESSED
#endif
	    , NULL) != 0;
	mouseinterval(0);
	/* SGR reports (1006) whatever the terminfo says: the X10 ones curses
	 * asks for otherwise cannot say a column past 223; tui_sgr_read()
	 * reads the reports curses does not. */
	if (mouse)
		tui_raw_write("\033[?1006h");
	t->now = tui_now();
	t->next_rotate = t->now + opts->rotate;
	tui_layout(t);
	tui_refresh_model(t);
	for (int v = 0; v < TV_COUNT; v++)
		if (tui_screens[v]->start != NULL)
			tui_screens[v]->start(t);

	pfd[0].fd = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[1].fd = tui_sigpipe[0];
	pfd[1].events = POLLIN;
	pfd[2].fd = backend_wakeup_fd(b);
	pfd[2].events = POLLIN;
	while (!quit && !tui_got_quit) {
		t->now = tui_now();
		if (t->opts->kiosk)
			tui_kiosk_rotate(t);
		if (tui_records_refresh(t)) {
			tui_read(t, TR_DEPLOYS);
			tui_read(t, TR_HEALS);
		}
		tui_commands_read(t);           /* the commands done: their outcome */
		if (t->dirty && t->snap != NULL && t->now - last_frame >= TUI_FRAME_GAP) {
			if (model_changed) {
				tui_refresh_model(t);
				model_changed = 0;
			}
			tui_draw(t);
			refresh();
			t->dirty = 0;
			last_frame = t->now;
		}
		/* Sleep until input, a change, the next frame slot, or the clock tick. */
		wait = t->dirty ? TUI_FRAME_GAP - (t->now - last_frame) : 1.0 - fmod(t->now, 1.0);
		if (wait < 0.005)
			wait = 0.005;
		if (poll(pfd, 3, (int)(wait * 1000)) < 0) {
			if (errno != EINTR)
				break;
			pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		}
		if (pfd[1].revents & POLLIN) {
			while (read(tui_sigpipe[0], drain, sizeof(drain)) > 0)
				;
			if (tui_got_winch) {
				tui_got_winch = 0;
				tui_resize();
				tui_layout(t);
			}
		}
		if (pfd[2].revents & POLLIN) {
			/* The snapshot is taken when the next frame is drawn: the
			 * wakeups between two frames cost one copy of the model. */
			backend_wakeup_ack(b);
			model_changed = 1;
			t->dirty = 1;
		}
		if (pfd[0].revents & (POLLHUP | POLLERR))
			break;
		while ((ch = getch()) != ERR) {
			enum tui_input was = t->input;

			if (model_changed) {
				/* A key acts on the model as it is now. */
				tui_refresh_model(t);
				model_changed = 0;
			}

			if (ch == 27 && tui_sgr_read(t))
				ch = KEY_MOUSE;
			quit |= tui_key(t, ch);
			t->mouse_sgr = 0;       /* read by tui_mouse(), or not wanted */
			/* A prompt just opened: the text it starts with is selected. */
			if (t->input != TI_NONE && t->input != was)
				t->input_sel = t->input_buf[0] != '\0';
			last_frame = 0;  /* answer a key at once: the cap is for model changes */
		}
		if (!t->dirty && tui_now() - last_frame >= 1.0) {
			t->dirty = 1;  /* the clock and the ages move */
			tui_read(t, TR_WAKE);   /* and what waits on time (a log stream's resume) */
		}
	}
	endwin();
	if (mouse)
		tui_raw_write("\033[?1006l");
	for (int v = 0; v < TV_COUNT; v++)
		if (tui_screens[v]->stop != NULL)
			tui_screens[v]->stop(t);
	pd_snapshot_free(t->snap);
	tui_alarms_free(t);
	free(t->shown);
	tui_deploys_free(t);
	tui_heals_free(t);
	tui_approvals_free(t);
	free(t);
	theme_free(theme);
	backend_log_quiet(0);
	backend_log_close();
	return 0;
}
