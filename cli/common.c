/* common.c: the helpers every subcommand shares, so that each of them says
 * the same thing the same way: usage errors and the --help hint, opening
 * the backend of the global options, terminal-safe text, times (UTC, in
 * JSON and for people alike), the monotonic clock, and Ctrl-C counted
 * rather than fatal.
 * Nothing here knows a subcommand; main.c only parses the global options. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backend/backend.h"
#include "cli.h"

static volatile sig_atomic_t cli_signal_count;

/* SIGINT, SIGTERM: count them; the subcommand's loop looks. */
static void
cli_on_signal(int sig)
{
	(void)sig;
	cli_signal_count++;
}

/* Count SIGINT and SIGTERM from now on instead of dying of them. */
void
cli_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cli_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* How many SIGINT and SIGTERM came since cli_catch_signals(). */
int
cli_signals(void)
{
	return (int)cli_signal_count;
}

/* Parse seconds, 0 < s <= 3600. */
int
cli_parse_seconds(const char *text, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || end == text || *end != '\0' || !(v > 0 && v <= 3600))
		return -1;
	*out = v;
	return 0;
}

/* The backend configuration of the global options. */
void
cli_backend_config(const struct cli_global *g, struct backend_config *cfg)
{
	const char *env = getenv("PLANTDECK_INVENTORY");

	memset(cfg, 0, sizeof(*cfg));
	cfg->inventory_path = g->inventory;
	cfg->context = g->context;
	if (cfg->inventory_path == NULL && cfg->context == NULL && env != NULL && env[0] != '\0')
		cfg->inventory_path = env;
	cfg->selector = g->selector;
	cfg->read_only = g->read_only || g->kiosk;
	cfg->db_path = g->db_path;
}

/* Open the backend (not started), saying why not on stderr. */
int
cli_backend_open(const struct cli_global *g, const struct backend_config *cfg,
    const char *cmd, struct backend **b)
{
	struct backend_config own;
	char err[512];

	if (cfg == NULL) {
		cli_backend_config(g, &own);
		cfg = &own;
	}
	if (backend_open(cfg, b, err, sizeof(err)) != 0) {
		fprintf(stderr, "plantdeck: %s%s%s\n", cmd != NULL ? cmd : "",
		    cmd != NULL ? ": " : "", err);
		return CLI_EXIT_USAGE;
	}
	return CLI_EXIT_OK;
}

/* A bad command line: the message and the --help hint. */
int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("plantdeck: ", stderr);
	if (cmd != NULL)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'plantdeck %s%s--help' for more information.\n",
	    cmd != NULL ? cmd : "", cmd != NULL ? " " : "");
	return CLI_EXIT_USAGE;
}

/* getopt's complaint about an option, as a usage error. */
int
cli_option_error(const char *cmd, int opt, char **argv)
{
	if (opt == ':')
		return cli_usage_error(cmd, "option '%s' needs an argument", argv[optind - 1]);
	return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

/* Untrusted text made safe for a terminal. */
const char *
cli_clean(char *buf, size_t len, const char *s)
{
	pd_sanitize(buf, len, s, 0);
	return buf;
}

/* An ISO 8601 UTC time, or JSON null for 0. */
cJSON *
cli_json_time(time_t t)
{
	char buf[32];
	struct tm tm;

	if (t == 0)
		return cJSON_CreateNull();
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return cJSON_CreateString(buf);
}

/* Print a JSON document on one line of its own, and free it. */
void
cli_print_json(cJSON *j, int pretty)
{
	char *text = NULL;

	if (j != NULL)
		text = pd_json_print(j, pretty);
	if (text != NULL)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(j);
}

/* T as the CLI shows every time to people: UTC, ISO 8601, with its 'Z'. */
const char *
cli_utc_time(char *buf, size_t len, double t, int flags)
{
	time_t whole = (time_t)t;
	char base[32];
	struct tm tm;
	int ms;

	if (len == 0)
		return buf;
	if (t <= 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	gmtime_r(&whole, &tm);
	strftime(base, sizeof(base), flags & CLI_TIME_DATE ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S",
	    &tm);
	ms = (int)((t - (double)whole) * 1000);
	if (ms < 0 || ms > 999)
		ms = 0;
	if (flags & CLI_TIME_MS)
		snprintf(buf, len, "%s.%03dZ", base, ms);
	else
		snprintf(buf, len, "%sZ", base);
	return buf;
}

/* Seconds on the monotonic clock. */
double
cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
