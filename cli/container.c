/* container.c: plantdeck container ACTION NODE/NAME — the cockpit's
 * container actions (restart, stop, start, pause, unpause, remove) for
 * scripts and tests.
 *
 * The backend does the work as for the cockpit: it refuses in read-only,
 * audits before sending, and reports the result as an event of the
 * container; this file waits for the fleet to have seen the container,
 * asks, and waits for that event.  No question is asked: the command line
 * is the confirmation. */
#include "config.h"

#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "cli.h"

/* The container REF of NODE in S, or NULL. */
static const struct pd_container *
container_find(const struct pd_snapshot *s, const char *node, const char *ref)
{
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *n = &s->nodes[i];

		if (strcmp(n->name, node) != 0)
			continue;
		for (size_t k = 0; k < n->ncontainers; k++) {
			const struct pd_container *c = &s->containers[n->first_container + k];

			if (strcmp(c->name, ref) == 0 ||
			    (strlen(ref) >= 4 && strncmp(c->id, ref, strlen(ref)) == 0))
				return c;
		}
	}
	return NULL;
}

/* The node NAME in S is up and listed, or is not in the inventory at all
 * (nothing to wait for: the backend names the error): 1; or 0. */
static int
container_node_ready(const struct pd_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (strcmp(s->nodes[i].name, name) == 0)
			return s->nodes[i].reach == PD_REACH_UP && s->complete;
	return 1;
}

/* The result event of the action on ID of NODE after SEQ, or NULL. */
static const struct pd_event *
container_result(const struct pd_snapshot *s, const char *node, const char *id, uint64_t seq)
{
	for (size_t i = 0; i < s->nevents; i++) {
		const struct pd_event *e = &s->events[i];

		if (e->seq > seq && strcmp(e->action, "action") == 0 &&
		    strcmp(e->node, node) == 0 && strcmp(e->id, id) == 0)
			return e;
	}
	return NULL;
}

/* Wait for a snapshot that PRED(S, ARG...) accepts, until DEADLINE; the
 * last snapshot (the caller frees it), or NULL out of memory. */
static struct pd_snapshot *
container_wait(struct backend *b, double deadline, int (*pred)(const struct pd_snapshot *,
    const void *), const void *arg)
{
	struct pd_snapshot *s;

	for (;;) {
		struct pollfd p = { .fd = backend_wakeup_fd(b), .events = POLLIN };
		double left = deadline - cli_now();

		s = backend_snapshot(b);
		if (s == NULL || pred(s, arg) || left <= 0 || cli_signals())
			return s;
		pd_snapshot_free(s);
		poll(&p, 1, (int)(left * 1000) + 1);
		backend_wakeup_ack(b);
	}
}

/* What the waits look for. */
struct container_want {
	const char *node, *ref, *id;
	uint64_t seq;
};

/* The node answered and its list is in. */
static int
want_ready(const struct pd_snapshot *s, const void *arg)
{
	const struct container_want *w = arg;

	return container_node_ready(s, w->node);
}

/* The action's result came. */
static int
want_result(const struct pd_snapshot *s, const void *arg)
{
	const struct container_want *w = arg;

	return container_result(s, w->node, w->id, w->seq) != NULL;
}

int
cli_container(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct container_want w = { 0 };
	struct backend *b;
	struct pd_snapshot *s;
	const struct pd_container *c;
	const struct pd_event *e;
	char err[1024], node[PD_NAME_LEN], id[PD_ID_LEN], ce[sizeof(err) * 4];
	const char *slash;
	double timeout = 120;
	int opt, action, rc;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":t:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (cli_parse_seconds(optarg, &timeout) != 0)
				return cli_usage_error("container", "--timeout '%s': want seconds", optarg);
			break;
		case 'h':
			printf("Usage: plantdeck [OPTION]... container ACTION NODE/CONTAINER\n"
			    "Restart, stop, start, pause, unpause or remove one container, as the\n"
			    "cockpit's a key does, without a question.  Written to the audit trail\n"
			    "(container-ACTION, with who) before it is sent; refused in --read-only.\n"
			    "A remove is forced: a running container is killed first.  CONTAINER is\n"
			    "its name, or its id or a prefix of 4 or more.\n"
			    "\n"
			    "  -t, --timeout S   wait at most S seconds in all (default 120)\n"
			    "\n"
			    "Exit status: 0 done, 1 failed or no answer in time, 2 bad command\n"
			    "line, refused, or no such node or container.\n");
			return CLI_EXIT_OK;
		default:
			return cli_option_error("container", opt, argv);
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("container", "want ACTION NODE/CONTAINER");
	action = pd_container_action_from_name(argv[optind]);
	if (action < 0)
		return cli_usage_error("container", "'%s': not an action (restart, stop, start, "
		    "pause, unpause, remove)", argv[optind]);
	slash = strchr(argv[optind + 1], '/');
	if (slash == NULL || slash == argv[optind + 1] || slash[1] == '\0' ||
	    (size_t)(slash - argv[optind + 1]) >= sizeof(node))
		return cli_usage_error("container", "'%s': want NODE/CONTAINER", argv[optind + 1]);
	snprintf(node, sizeof(node), "%.*s", (int)(slash - argv[optind + 1]), argv[optind + 1]);
	w.node = node;
	w.ref = slash + 1;
	if (cli_backend_open(g, NULL, "container", &b) != CLI_EXIT_OK)
		return CLI_EXIT_USAGE;
	if (backend_read_only(b)) {
		/* Refused before anything else: the backend says it in its words. */
		rc = backend_container_action(b, node, w.ref, (enum pd_container_action)action, err,
		    sizeof(err));
		fprintf(stderr, "plantdeck: container: %s\n", cli_clean(ce, sizeof(ce), err));
		backend_close(b);
		return CLI_EXIT_USAGE;
	}
	if (backend_start(b, err, sizeof(err)) != 0) {
		fprintf(stderr, "plantdeck: cannot start the backend: %s\n", err);
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	cli_catch_signals();
	timeout += cli_now();
	s = container_wait(b, timeout, want_ready, &w);
	if (s == NULL || !container_node_ready(s, node)) {
		fprintf(stderr, "plantdeck: container: %s: %s\n", cli_clean(ce, sizeof(ce), node),
		    s == NULL ? "out of memory" : "not reached in time");
		pd_snapshot_free(s);
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	c = container_find(s, node, w.ref);
	for (size_t i = 0; i < s->nevents; i++)
		if (s->events[i].seq > w.seq)
			w.seq = s->events[i].seq;
	if (c != NULL)
		snprintf(id, sizeof(id), "%s", c->id);
	pd_snapshot_free(s);
	rc = backend_container_action(b, node, w.ref, (enum pd_container_action)action, err,
	    sizeof(err));
	if (rc == 0 && c == NULL)
		snprintf(err, sizeof(err), "%s/%s: sent, but it appeared only now: its result "
		    "is not followed (see the cockpit's events)", node, w.ref);
	if (rc != 0 || c == NULL) {
		fprintf(stderr, "plantdeck: container: %s\n", cli_clean(ce, sizeof(ce), err));
		backend_close(b);
		return CLI_EXIT_USAGE;
	}
	w.id = id;
	s = container_wait(b, timeout, want_result, &w);
	e = s != NULL ? container_result(s, node, id, w.seq) : NULL;
	if (e == NULL) {
		fprintf(stderr, "plantdeck: container: %s %s/%s: sent, no answer in time\n",
		    argv[optind], cli_clean(ce, sizeof(ce), node), w.ref);
		rc = CLI_EXIT_FAIL;
	} else {
		printf("%s/", cli_clean(ce, sizeof(ce), e->node));
		printf("%s: ", cli_clean(ce, sizeof(ce), e->container));
		printf("%s\n", cli_clean(ce, sizeof(ce), e->text));
		rc = strstr(e->text, ": failed") != NULL ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	}
	pd_snapshot_free(s);
	backend_close(b);
	return rc;
}
