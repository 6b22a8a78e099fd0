/* tui.c: the cockpit's main loop.
 *
 * The UI thread is the only one that calls curses.  It sleeps in poll() on
 * the terminal and on a self-pipe that signal handlers write to, relayouts
 * on SIGWINCH from LINES/COLS in one place, and redraws only when a dirty
 * flag says something changed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/log.h"
#include "tui.h"
#include "provide-curses.h"

#define TUI_MIN_COLS 40
#define TUI_MIN_LINES 10

static int tui_sigpipe[2] = { -1, -1 };
static volatile sig_atomic_t tui_got_winch;
static volatile sig_atomic_t tui_got_quit;

struct tui {
	const struct tui_options *opts;
	int dirty;
	int cols, lines;
};

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

/* Draw the whole screen. */
static void
tui_draw(struct tui *t)
{
	char line[256];

	erase();
	if (t->cols < TUI_MIN_COLS || t->lines < TUI_MIN_LINES) {
		snprintf(line, sizeof(line), "Terminal too small: %dx%d, need %dx%d",
		    t->cols, t->lines, TUI_MIN_COLS, TUI_MIN_LINES);
		mvaddnstr(0, 0, line, t->cols);
		return;
	}
	attron(A_REVERSE);
	mvhline(0, 0, ' ', t->cols);
	snprintf(line, sizeof(line), " plantdeck %s%s", backend_version(),
	    t->opts->kiosk ? "  [KIOSK]" : "");
	mvaddnstr(0, 0, line, t->cols);
	attroff(A_REVERSE);

	snprintf(line, sizeof(line), "Terminal %dx%d", t->cols, t->lines);
	mvaddnstr(2, 2, line, t->cols - 2);

	attron(A_REVERSE);
	mvhline(t->lines - 1, 0, ' ', t->cols);
	mvaddnstr(t->lines - 1, 0, t->opts->kiosk ? " kiosk: read-only" : " q Quit",
	    t->cols);
	attroff(A_REVERSE);
}

/* Handle one key; returns 1 when the user asked to quit. */
static int
tui_key(struct tui *t, int ch)
{
	switch (ch) {
	case 'q':
	case KEY_F(10):
		return !t->opts->kiosk;
	case KEY_RESIZE:
		tui_layout(t);
		return 0;
	case 12: /* ^L */
		clearok(curscr, TRUE);
		t->dirty = 1;
		return 0;
	default:
		return 0;
	}
}

int
tui_run(const struct tui_options *opts)
{
	struct tui t = { .opts = opts };
	struct pollfd pfd[2] = { { 0 } };
	int quit = 0, ch;
	char drain[64];

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "plantdeck: the cockpit needs a terminal; "
		    "try 'plantdeck status' for a text report\n");
		return 1;
	}
	if (opts->log_path != NULL && log_open(opts->log_path) != 0)
		fprintf(stderr, "plantdeck: cannot open log file %s: %s\n",
		    opts->log_path, strerror(errno));
	if (tui_signals_init() != 0) {
		fprintf(stderr, "plantdeck: cannot create a pipe: %s\n", strerror(errno));
		return 1;
	}
	setlocale(LC_ALL, "");
	if (initscr() == NULL) {
		fprintf(stderr, "plantdeck: cannot initialise the terminal\n");
		return 1;
	}
	log_quiet(1);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	tui_layout(&t);

	pfd[0].fd = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[1].fd = tui_sigpipe[0];
	pfd[1].events = POLLIN;
	while (!quit && !tui_got_quit) {
		if (t.dirty) {
			tui_draw(&t);
			refresh();
			t.dirty = 0;
		}
		if (poll(pfd, 2, -1) < 0) {
			if (errno != EINTR)
				break;
			pfd[0].revents = pfd[1].revents = 0;
		}
		if (pfd[1].revents & POLLIN) {
			while (read(tui_sigpipe[0], drain, sizeof(drain)) > 0)
				;
			if (tui_got_winch) {
				tui_got_winch = 0;
				tui_resize();
				tui_layout(&t);
			}
		}
		if (pfd[0].revents & (POLLHUP | POLLERR))
			break;
		while ((ch = getch()) != ERR)
			quit |= tui_key(&t, ch);
	}
	endwin();
	log_quiet(0);
	log_close();
	return 0;
}
