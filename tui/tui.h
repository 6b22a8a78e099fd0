/* tui.h: the full-screen cockpit.  Everything curses lives behind this. */
#ifndef PLANTDECK_TUI_H
#define PLANTDECK_TUI_H

struct backend;

struct tui_options {
	int ascii;            /* force ASCII line drawing and bars */
	int kiosk;            /* read-only kiosk screen */
	int colors;           /* -1 from the terminal, 0 monochrome, 8, 16 or 256 */
	double rotate;        /* kiosk: seconds per page, 0 no rotation */
	const char *theme;    /* name or path, NULL for the built-in default */
	const char *log_path; /* where diagnostics go while the screen is up */
};

/* Run the cockpit on backend B (opened, not started) until the user quits;
 * returns the process exit status. */
int tui_run(const struct tui_options *opts, struct backend *b);

#endif
