/* log.c: a thread-safe, line-buffered log file with timestamps.
 *
 * Messages carry text from nodes (engine error messages, names): each one
 * goes through the sanitiser as one line before it is written, to the log
 * file or to stderr, so that neither gets a raw control byte. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backend/base/log.h"
#include "backend/base/sanitize.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;
static int log_is_quiet;
static enum log_level log_min = LOG_INFO;

static const char *const log_names[] = { "debug", "info", "warn", "error" };

int
log_open(const char *path)
{
	FILE *f = fopen(path, "ae");

	if (f == NULL)
		return -errno;
	setvbuf(f, NULL, _IOLBF, 0);
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void
log_quiet(int quiet)
{
	pthread_mutex_lock(&log_lock);
	log_is_quiet = quiet;
	pthread_mutex_unlock(&log_lock);
}

void
log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
	pthread_mutex_unlock(&log_lock);
}

void
log_set_level(enum log_level level)
{
	log_min = level;
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char stamp[32], raw[4096], clean[8192];
	struct timespec ts;
	struct tm tm;
	FILE *out;

	if (level < log_min)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	pd_sanitize(clean, sizeof(clean), raw, 0);

	pthread_mutex_lock(&log_lock);
	out = log_file;
	if (out == NULL && !log_is_quiet && level >= LOG_WARN)
		out = stderr;
	if (out != NULL) {
		if (out == stderr)
			fputs("plantdeck: ", out);
		else
			fprintf(out, "%s.%03ldZ %s ", stamp, ts.tv_nsec / 1000000L,
			    log_names[level]);
		fputs(clean, out);
		fputc('\n', out);
	}
	pthread_mutex_unlock(&log_lock);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
