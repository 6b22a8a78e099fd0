/* safeout.c: the command line's stdout and stderr, through the sanitiser.
 *
 * Every CLI command prints text from nodes: container names and states,
 * engine error messages, agent answers, log lines. Each print site cleans
 * its fields (cli_clean), which also keeps a node's newline from forging a
 * line of ours; this is the guard behind them: stdout and stderr are
 * replaced by streams (fopencookie) whose every byte goes through
 * pd_sanitize_buf() before write(2), newlines and tabs kept. A control
 * byte, an escape sequence, a C1 control, a bidi override or a byte that
 * is not UTF-8 reaches the terminal, pipe or file only as a visible escape,
 * whichever print forgot to clean it. The CLI itself writes no escape
 * sequences. A UTF-8 sequence split over two writes is held until the
 * next one. The cockpit does not use these streams: curses owns the
 * terminal there, and every string it draws is sanitised where drawn. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "cli.h"

/* One guarded stream: the descriptor it writes to, and the start of a
 * UTF-8 sequence the last write ended in. */
struct safeout {
	int fd;
	char held[4];
	size_t nheld;
};

/* Write all of BUF to FD; 0, or -1 on an error other than EINTR. */
static int
safeout_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Sanitise N bytes of SRC and write them; with FINAL, an incomplete
 * sequence at the end is escaped rather than held. Returns 0 or -1. */
static int
safeout_emit(struct safeout *so, const char *src, size_t n, int final)
{
	char out[4096 + 64];

	so->nheld = 0;
	while (n > 0) {
		size_t used = 0;
		size_t o = pd_sanitize_buf(out, sizeof(out), src, n,
		    PD_SAN_KEEP_LINES | (final ? 0 : PD_SAN_PARTIAL), &used);

		if (o > 0 && safeout_write_all(so->fd, out, o) != 0)
			return -1;
		if (used == 0) {
			/* Only the start of a character is left: hold it. */
			if (n > sizeof(so->held))
				return -1;	/* cannot happen: a start is < 4 bytes */
			memcpy(so->held, src, n);
			so->nheld = n;
			return 0;
		}
		src += used;
		n -= used;
	}
	return 0;
}

/* fopencookie's write: whatever the stream's buffer hands over, after the
 * start of a character the last write held back. */
static ssize_t
safeout_cookie_write(void *cookie, const char *buf, size_t size)
{
	struct safeout *so = cookie;
	char *joined;
	int rc;

	if (so->nheld == 0)
		return safeout_emit(so, buf, size, 0) == 0 ? (ssize_t)size : -1;
	joined = malloc(so->nheld + size);
	if (joined == NULL)
		return -1;
	memcpy(joined, so->held, so->nheld);
	memcpy(joined + so->nheld, buf, size);
	rc = safeout_emit(so, joined, so->nheld + size, 0);
	free(joined);
	return rc == 0 ? (ssize_t)size : -1;
}

/* fopencookie's close: a held start that never completed is escaped. */
static int
safeout_cookie_close(void *cookie)
{
	struct safeout *so = cookie;
	int rc = 0;

	if (so->nheld > 0)
		rc = safeout_emit(so, so->held, so->nheld, 1);
	so->nheld = 0;
	return rc;
}

/* The two guarded streams' state: static, as the streams live until the
 * process ends (stdio flushes them at exit; nothing is left to free). */
static struct safeout safeout_state[2];

/* A guarded stream writing to FD with state SO, buffered like the stream
 * it replaces. */
static FILE *
safeout_open(struct safeout *so, int fd, int mode)
{
	cookie_io_functions_t io = { .write = safeout_cookie_write,
		.close = safeout_cookie_close };
	FILE *f;

	so->fd = fd;
	so->nheld = 0;
	f = fopencookie(so, "w", io);
	if (f == NULL)
		return NULL;
	setvbuf(f, NULL, mode, mode == _IONBF ? 0 : BUFSIZ);
	return f;
}

/* The streams the guarded ones replaced (restored for the cockpit), and
 * the guarded ones (opened once, put back after the cockpit). */
static FILE *safeout_plain_out, *safeout_plain_err;
static FILE *safeout_guard_out, *safeout_guard_err;

void
cli_safe_streams(void)
{
	FILE *out, *err;

	if (safeout_plain_out != NULL)
		return;
	fflush(stdout);
	fflush(stderr);
	safeout_plain_out = stdout;
	safeout_plain_err = stderr;
	if (safeout_guard_out == NULL)
		safeout_guard_out = safeout_open(&safeout_state[0], STDOUT_FILENO,
		    isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);
	if (safeout_guard_err == NULL)
		safeout_guard_err = safeout_open(&safeout_state[1], STDERR_FILENO, _IONBF);
	out = safeout_guard_out;
	err = safeout_guard_err;
	if (out != NULL)
		stdout = out;
	if (err != NULL)
		stderr = err;
}

void
cli_plain_streams(void)
{
	if (safeout_plain_out == NULL)
		return;
	fflush(stdout);
	fflush(stderr);
	stdout = safeout_plain_out;
	stderr = safeout_plain_err;
	safeout_plain_out = safeout_plain_err = NULL;
}
