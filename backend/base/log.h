/* log.h: the log file, the one place diagnostics go while the screen is up.
 *
 * Nothing in plantdeck writes to stdout or stderr while curses is active;
 * backend threads, libbpf and libcurl all report here instead.  Before a
 * log file is opened (CLI subcommands), messages at WARN and above go to
 * stderr. */
#ifndef PLANTDECK_LOG_H
#define PLANTDECK_LOG_H

#include <stdarg.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Send every later message to PATH (appending); 0 on success, -errno. */
int log_open(const char *path);
/* Stop writing to stderr even when no log file is open (screen is up). */
void log_quiet(int quiet);
/* Close the log file. */
void log_close(void);
/* Set the lowest level that is written. */
void log_set_level(enum log_level level);
/* Write one line; thread-safe. */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Write one line from a va_list; thread-safe. */
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
