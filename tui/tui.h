/* tui.h: the full-screen cockpit.  Everything curses lives behind this. */
#ifndef PLANTDECK_TUI_H
#define PLANTDECK_TUI_H

struct tui_options {
	int ascii;            /* force ASCII line drawing */
	int kiosk;            /* read-only kiosk screen */
	const char *log_path; /* where diagnostics go while the screen is up */
};

/* Run the cockpit until the user quits; returns the process exit status. */
int tui_run(const struct tui_options *opts);

#endif
