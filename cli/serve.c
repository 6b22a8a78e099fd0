/* serve.c: `plantdeck serve` — the headless backend as a long-running
 * service: the fleet model, the heal detectors and executor (what `heal
 * watch` runs), and with --metrics-listen ADDR, GET /metrics in the
 * Prometheus text format (backend_metrics_listen; doc/prometheus.md).
 *
 *   serve [--metrics-listen ADDR] [--log-format text|json]
 *
 * It logs one line per change of a node's reachability, per start, reload
 * and stop, as text or (--log-format json) one JSON object a line with the
 * same labels as the metrics (node), for journald or Loki.  SIGTERM and
 * SIGINT end it cleanly (threads joined, database closed); SIGHUP re-reads
 * the inventory: a bad one is reported and the running fleet is kept.
 * Every BACKEND_SERVE_BEAT seconds it writes its heartbeat into the
 * database (deleted when it stops), which a cockpit on the same database
 * shows as SERVE in its header. */
#include "config.h"

#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backend/backend.h"
#include "cli.h"

static volatile sig_atomic_t serve_hup;

/* How serve writes its lines. */
struct serve_log {
	int json;
};

/* serve --help. */
static void
serve_usage(void)
{
	printf("Usage: plantdeck serve [--metrics-listen ADDR] [--log-format text|json]\n"
	    "Run the fleet model, the heal detectors and the executor as a service\n"
	    "(doc/prometheus.md).\n"
	    "\n"
	    "  --metrics-listen ADDR  serve GET /metrics (Prometheus text format) on ADDR:\n"
	    "                         HOST:PORT, [IPV6]:PORT or :PORT (every IPv4 address);\n"
	    "                         port 0 picks a free one (the start line says which)\n"
	    "  --log-format FORMAT    text (default) or json: one JSON object a line\n"
	    "\n"
	    "SIGTERM or SIGINT end it; SIGHUP re-reads the inventory.\n"
	    "Exit status: 0 ok, 1 could not start, 2 bad command line or inventory.\n");
}

/* SIGHUP: re-read the inventory (the loop looks). */
static void
serve_on_hup(int sig)
{
	(void)sig;
	serve_hup = 1;
}

/* One log line: MSG, and the label NODE and the detail ERROR when not NULL. */
static void
serve_line(const struct serve_log *l, const char *level, const char *msg, const char *node,
    const char *error)
{
	char t[40];

	cli_utc_time(t, sizeof(t), (double)time(NULL), CLI_TIME_DATE);
	if (l->json) {
		cJSON *j = cJSON_CreateObject();

		if (j == NULL)
			return;
		cJSON_AddStringToObject(j, "time", t);
		cJSON_AddStringToObject(j, "level", level);
		cJSON_AddStringToObject(j, "msg", msg);
		if (node != NULL)
			cJSON_AddStringToObject(j, "node", node);
		if (error != NULL && error[0] != '\0')
			cJSON_AddStringToObject(j, "error", error);
		cli_print_json(j, 0);
	} else {
		char n[PD_NAME_LEN * 4], e[PD_ERROR_LEN * 4];

		printf("%s %s %s%s%s%s%s\n", t, level, msg, node != NULL ? " node=" : "",
		    node != NULL ? cli_clean(n, sizeof(n), node) : "",
		    error != NULL && error[0] != '\0' ? ": " : "",
		    error != NULL && error[0] != '\0' ? cli_clean(e, sizeof(e), error) : "");
	}
	fflush(stdout);
}

/* What serve last said of each node. */
struct serve_node {
	char name[PD_NAME_LEN];
	enum pd_reach reach;
};

/* Log the nodes of S whose reachability changed since *SEEN (*NSEEN). */
static void
serve_nodes(const struct serve_log *l, const struct pd_snapshot *s, struct serve_node **seen,
    size_t *nseen)
{
	struct serve_node *nv = calloc(s->nnodes ? s->nnodes : 1, sizeof(*nv));

	if (nv == NULL)
		return;
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *n = &s->nodes[i];
		enum pd_reach was = PD_REACH_CONNECTING;
		char msg[64];

		for (size_t j = 0; j < *nseen; j++)
			if (strcmp((*seen)[j].name, n->name) == 0)
				was = (*seen)[j].reach;
		snprintf(nv[i].name, sizeof(nv[i].name), "%s", n->name);
		nv[i].reach = n->reach;
		if (n->reach == was)
			continue;
		snprintf(msg, sizeof(msg), "node %s", pd_reach_name(n->reach));
		serve_line(l, n->reach == PD_REACH_UP ? "info" : "warning", msg, n->name,
		    n->reach == PD_REACH_UP ? NULL : n->error);
	}
	free(*seen);
	*seen = nv;
	*nseen = s->nnodes;
}

/* Open and start the backend of G with the detectors, serving metrics on
 * ADDR (NULL: none; *BOUND gets what was bound); CLI_EXIT_OK, or an exit
 * status after the error was said. */
static int
serve_open(const struct cli_global *g, const struct serve_log *l, const char *addr,
    struct backend **out, char *bound, size_t boundlen)
{
	struct backend_config cfg;
	struct backend *b;
	char err[512];
	int rc;

	cli_backend_config(g, &cfg);
	cfg.heal = 1;
	if ((rc = cli_backend_open(g, &cfg, "serve", &b)) != CLI_EXIT_OK)
		return rc;
	if (backend_start(b, err, sizeof(err)) != 0 ||
	    (addr != NULL && backend_metrics_listen(b, addr, bound, boundlen, err,
	    sizeof(err)) != 0)) {
		serve_line(l, "error", "cannot start", NULL, err);
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	/* Nothing is on a screen: every container is sampled every few
	 * minutes (for heal and the metrics), not every stats interval. */
	backend_show(b, NULL, 0, NULL);
	*out = b;
	return CLI_EXIT_OK;
}

/* Say that B started, and where it serves metrics (BOUND, "" none). */
static void
serve_started(const struct serve_log *l, struct backend *b, const char *msg, const char *bound)
{
	char text[256];

	snprintf(text, sizeof(text), "%s%s%s%s%s", msg,
	    bound[0] != '\0' ? ": metrics on http://" : "", bound,
	    bound[0] != '\0' ? "/metrics" : "",
	    backend_read_only(b) ? " (read-only: the heal detectors do not run)" : "");
	serve_line(l, "info", text, NULL, NULL);
}

int
cli_serve(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "metrics-listen", required_argument, NULL, 'm' },
		{ "log-format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct serve_log l = { 0 };
	struct serve_node *seen = NULL;
	size_t nseen = 0;
	const char *addr = NULL;
	char bound[128] = "";
	struct sigaction sa;
	struct backend *b;
	struct timespec now, last = { 0, 0 }, beat = { 0, 0 };
	time_t started = time(NULL);
	int beat_said = 0;
	uint64_t gen = 0;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			addr = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
				return cli_usage_error("serve", "--log-format '%s': want text or json",
				    optarg);
			l.json = strcmp(optarg, "json") == 0;
			break;
		case 'h':
			serve_usage();
			return CLI_EXIT_OK;
		default:
			return cli_option_error("serve", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
	cli_catch_signals();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = serve_on_hup;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	if ((rc = serve_open(g, &l, addr, &b, bound, sizeof(bound))) != CLI_EXIT_OK)
		return rc;
	serve_started(&l, b, "serve started", bound);
	while (!cli_signals()) {
		struct pollfd pfd = { .fd = backend_wakeup_fd(b), .events = POLLIN };

		if (poll(&pfd, 1, 1000) > 0)
			backend_wakeup_ack(b);
		if (serve_hup) {
			struct backend_config cfg;
			struct backend *nb;
			char err[512];

			serve_hup = 0;
			serve_line(&l, "info", "SIGHUP: re-reading the inventory", NULL, NULL);
			cli_backend_config(g, &cfg);
			cfg.heal = 1;
			if (backend_open(&cfg, &nb, err, sizeof(err)) != 0) {
				serve_line(&l, "error", "the inventory is not re-read (the running fleet "
				    "is kept)", NULL, err);
				continue;
			}
			backend_close(nb);          /* it reads: now swap */
			backend_close(b);
			b = NULL;
			if ((rc = serve_open(g, &l, bound[0] != '\0' ? bound : NULL, &b, bound,
			    sizeof(bound))) != CLI_EXIT_OK) {
				free(seen);
				return rc;
			}
			gen = 0;
			beat.tv_sec = 0;            /* the new backend beats at once */
			serve_started(&l, b, "inventory re-read", bound);
		}
		/* The heartbeat a cockpit on the same database shows as SERVE. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (beat.tv_sec == 0 || now.tv_sec - beat.tv_sec >= BACKEND_SERVE_BEAT) {
			char err[512];

			beat = now;
			if (backend_serve_beat(b, started, bound, err, sizeof(err)) != 0 && !beat_said) {
				serve_line(&l, "warning", "no heartbeat in the database (cockpits do "
				    "not show SERVE)", NULL, err);
				beat_said = 1;
			}
		}
		/* A big fleet changes many times a second: its nodes are looked
		 * at once a second at most (a snapshot copies every container). */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (backend_generation(b) != gen && (now.tv_sec > last.tv_sec + 1 ||
		    (now.tv_sec == last.tv_sec + 1 && now.tv_nsec >= last.tv_nsec))) {
			struct pd_snapshot *s = backend_snapshot(b);

			last = now;
			if (s != NULL) {
				gen = s->generation;
				serve_nodes(&l, s, &seen, &nseen);
				pd_snapshot_free(s);
			}
		}
	}
	serve_line(&l, "info", "serve stopping", NULL, NULL);
	backend_serve_gone(b);
	backend_close(b);
	free(seen);
	serve_line(&l, "info", "serve stopped", NULL, NULL);
	return CLI_EXIT_OK;
}
