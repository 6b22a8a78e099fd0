/* logs.c: plantdeck logs NODE/CONTAINER — a container's log, as the
 * cockpit's log viewer streams it (backend_logs_open), for a terminal or a
 * script.
 *
 * stdout lines go to stdout and stderr lines to stderr, as docker logs
 * does, each sanitised; with --timestamps each starts with the engine's
 * time in UTC.  Without --follow it ends when the engine has sent what it
 * has; with it, on SIGINT or SIGTERM.  Reading the log changes nothing, so
 * --read-only and --kiosk allow it. */
#include "config.h"

#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/backend.h"
#include "cli.h"

/* Parse --since: "10m", "2h", "1d", "30s" back from now, or seconds since
 * the epoch; 0 or -1. */
static int
logs_parse_since(const char *s, time_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || v < 0)
		return -1;
	if (*end == '\0' && v > 100000000) {
		*out = (time_t)v;
		return 0;
	}
	if (end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (*end) {
	case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -1;
	}
	*out = time(NULL) - (time_t)v;
	return 0;
}

/* Print the lines of V (N), sanitised, with their times when STAMPS. */
static void
logs_print(const struct pd_log_line *v, size_t n, int stamps)
{
	static char clean[4 * PD_LOGS_LINE_MAX + 16];
	char stamp[48];

	for (size_t i = 0; i < n; i++) {
		FILE *out = v[i].err ? stderr : stdout;

		stamp[0] = '\0';
		if (stamps && v[i].time > 0) {
			time_t sec = (time_t)v[i].time;
			struct tm tm;
			char day[32];

			gmtime_r(&sec, &tm);
			strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
			snprintf(stamp, sizeof(stamp), "%s.%03dZ ", day,
			    (int)((v[i].time - (double)sec) * 1000) % 1000);
		}
		if (v[i].err)
			fflush(stdout);   /* the two streams stay in order on one terminal */
		fprintf(out, "%s%s%s\n", stamp, cli_clean(clean, sizeof(clean), v[i].text),
		    v[i].cut ? " [cut]" : "");
		if (v[i].err)
			fflush(stderr);
	}
	fflush(stdout);
}

int
cli_logs(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "tail", required_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 's' },
		{ "timestamps", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pd_logs_query q = { .tail = -1 };
	struct pd_logs_status st;
	struct backend_logs *l;
	struct backend *b;
	struct pd_log_line *v;
	char err[PD_ERROR_LEN], node[PD_NAME_LEN], ce[4 * PD_ERROR_LEN];
	const char *slash;
	uint64_t last = 0;
	size_t n;
	int opt, stamps = 0, rc = CLI_EXIT_OK;
	char *end;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":fn:s:th", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			q.follow = 1;
			break;
		case 'n':
			if (strcmp(optarg, "all") == 0) {
				q.tail = -1;
				break;
			}
			q.tail = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || q.tail < 0)
				return cli_usage_error("logs", "--tail '%s': want a number of lines or "
				    "all", optarg);
			break;
		case 's':
			if (logs_parse_since(optarg, &q.since) != 0)
				return cli_usage_error("logs", "--since '%s': want 30s, 10m, 2h, 1d or "
				    "seconds since the epoch", optarg);
			break;
		case 't':
			stamps = 1;
			break;
		case 'h':
			printf("Usage: plantdeck [OPTION]... logs NODE/CONTAINER [-f] [--tail N]\n"
			    "    [--since T] [-t]\n"
			    "Print a container's log, stdout lines on stdout and stderr lines on\n"
			    "stderr, sanitised, as the cockpit's log viewer streams it.  CONTAINER\n"
			    "is its name or id.  Reading changes nothing: allowed in --read-only.\n"
			    "\n"
			    "  -f, --follow       keep printing new lines until interrupted\n"
			    "  -n, --tail N       only the last N lines (all: every line, the default)\n"
			    "  -s, --since T      only lines from T on: 30s, 10m, 2h, 1d back, or\n"
			    "                     seconds since the epoch\n"
			    "  -t, --timestamps   each line starts with the engine's time, UTC\n"
			    "\n"
			    "Exit status: 0 done, 1 the stream failed (no such container, node\n"
			    "unreachable), 2 bad command line.\n");
			return CLI_EXIT_OK;
		default:
			return cli_option_error("logs", opt, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("logs", "want NODE/CONTAINER");
	slash = strchr(argv[optind], '/');
	if (slash == NULL || slash == argv[optind] || slash[1] == '\0' ||
	    (size_t)(slash - argv[optind]) >= sizeof(node))
		return cli_usage_error("logs", "'%s': want NODE/CONTAINER", argv[optind]);
	snprintf(node, sizeof(node), "%.*s", (int)(slash - argv[optind]), argv[optind]);
	if (cli_backend_open(g, NULL, "logs", &b) != CLI_EXIT_OK)
		return CLI_EXIT_USAGE;
	l = backend_logs_open(b, node, slash + 1, &q, err, sizeof(err));
	if (l == NULL) {
		fprintf(stderr, "plantdeck: logs: %s\n", cli_clean(ce, sizeof(ce), err));
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	cli_catch_signals();
	while (!cli_signals()) {
		struct pollfd p = { .fd = backend_wakeup_fd(b), .events = POLLIN };

		if (backend_logs_read(l, last, &v, &n, &st) != 0) {
			fprintf(stderr, "plantdeck: logs: out of memory\n");
			rc = CLI_EXIT_FAIL;
			break;
		}
		logs_print(v, n, stamps);
		if (n > 0)
			last = v[n - 1].seq;
		pd_log_lines_free(v, n);
		if (st.state == PD_LOGS_FAILED) {
			fprintf(stderr, "plantdeck: logs: %s\n", cli_clean(ce, sizeof(ce), st.error));
			rc = CLI_EXIT_FAIL;
			break;
		}
		if (st.state == PD_LOGS_ENDED && n == 0)
			break;
		poll(&p, 1, 500);
		backend_wakeup_ack(b);
	}
	backend_logs_close(l);
	backend_close(b);
	return rc;
}
