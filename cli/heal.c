/* heal.c: `plantdeck heal` — the self-healer's queue from the command line.
 *
 *   heal list [--all] [--json]   open findings (with why one has no proposal,
 *                                and what to do) and live proposals (--all: all)
 *   heal approve ID              approve a pending proposal
 *   heal reject ID [--reason T]  reject one
 *   heal watch                   run the fleet, the detectors and the executor
 *                                headless: a line once the fleet is seen whole
 *                                and streaming, then one per new finding and per
 *                                change of a proposal, until Ctrl-C
 *
 * Approvals are carried out by the process that runs the detectors (`heal
 * watch`, or a cockpit); `heal approve` only records the decision, and says
 * so when no such process runs.  See doc/heal.md. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend/backend.h"
#include "cli.h"

#define HEAL_SCHEMA "plantdeck.heal/1"

static void
heal_usage(void)
{
	printf("Usage: plantdeck heal list [--all] [--json]\n"
	    "       plantdeck heal approve ID\n"
	    "       plantdeck heal reject ID [--reason TEXT]\n"
	    "       plantdeck heal watch\n"
	    "The self-healer's findings and proposals (doc/heal.md).\n"
	    "\n"
	    "  list      open findings and proposals not yet over (--all: every one);\n"
	    "            a finding without a live proposal says why, and what to do\n"
	    "  approve   approve a pending proposal; the process running the detectors\n"
	    "            (heal watch, or the cockpit) carries it out\n"
	    "  reject    reject a pending proposal (no further stage for its finding)\n"
	    "  watch     run the fleet, the detectors and the executor headless: a line\n"
	    "            once every node answered or failed and the answering ones stream\n"
	    "            their events, then one per finding and per change of a proposal,\n"
	    "            until Ctrl-C\n"
	    "\n"
	    "Exit status: 0 ok, 1 refused or failed, 2 bad command line.\n");
}

/* A proposal's target and action as one line (sanitised). */
static void
heal_what(const struct pd_proposal *p, char *out, size_t len)
{
	char node[PD_NAME_LEN * 4], ctr[PD_NAME_LEN * 4], to[PD_NAME_LEN * 4], a[16], b[16];

	cli_clean(node, sizeof(node), p->node);
	cli_clean(ctr, sizeof(ctr), p->container);
	if (p->kind == PD_FIND_TASK_FAILING) {
		if (p->action == PD_HEAL_ROLLBACK && p->to_revision > 0)
			snprintf(out, len, "rollback stack of service %s to revision %d (through "
			    "Swarm)", ctr, p->to_revision);
		else
			snprintf(out, len, "%s %s (service %s)", p->action == PD_HEAL_RESCHEDULE ?
			    "drain node" : p->action == PD_HEAL_ROLLBACK ? "rollback (Swarm's) on" :
			    "force-update on", node[0] ? node : "every node", ctr);
		return;
	}
	switch (p->action) {
	case PD_HEAL_RESCHEDULE:
		snprintf(out, len, "reschedule %s/%s to %s", node, ctr,
		    cli_clean(to, sizeof(to), p->to_node));
		break;
	case PD_HEAL_ROLLBACK:
		snprintf(out, len, "rollback %s/%s to revision %d", node, ctr, p->to_revision);
		break;
	case PD_HEAL_MEMORY:
		pd_format_bytes(a, sizeof(a), p->memory_from);
		pd_format_bytes(b, sizeof(b), p->memory_to);
		snprintf(out, len, "memory %s/%s %s -> %s", node, ctr, a, b);
		break;
	case PD_HEAL_QUARANTINE:
		snprintf(out, len, "quarantine %s/%s as %s", node, ctr,
		    cli_clean(to, sizeof(to), p->snapshot));
		break;
	case PD_HEAL_RESTART:
	case PD_HEAL_REAPPLY:
		snprintf(out, len, "%s %s/%s", pd_heal_action_name(p->action), node, ctr);
		break;
	}
}

static void
heal_print_finding(const struct pd_finding *f, time_t now)
{
	char node[PD_NAME_LEN * 4], ctr[PD_NAME_LEN * 4], ev[PD_ERROR_LEN * 4], age[16];

	pd_format_age(age, sizeof(age), now, f->first_seen);
	printf("finding #%" PRId64 " %s %s%s%s %s x%d since %s: %s\n", f->id,
	    pd_finding_kind_name(f->kind), cli_clean(node, sizeof(node), f->node),
	    f->container[0] ? "/" : "", cli_clean(ctr, sizeof(ctr), f->container),
	    f->open ? "open" : "resolved", f->count, age,
	    cli_clean(ev, sizeof(ev), f->evidence));
	if (f->open && f->reason[0] != '\0')
		printf("    no proposal: %s\n", cli_clean(ev, sizeof(ev), f->reason));
}

static void
heal_print_proposal(const struct pd_proposal *p, int full)
{
	char what[PD_NAME_LEN * 14], t[PD_ERROR_LEN * 4], who[512];

	heal_what(p, what, sizeof(what));
	printf("proposal #%" PRId64 " [%s] stage %d %s (finding #%" PRId64 " %s)%s\n", p->id,
	    pd_proposal_state_name(p->state), p->stage, what, p->finding,
	    pd_finding_kind_name(p->kind), p->automatic ? " auto" : "");
	if (!full)
		return;
	printf("    reason:   %s\n", cli_clean(t, sizeof(t), p->reason));
	printf("    evidence: %s\n", cli_clean(t, sizeof(t), p->evidence));
	printf("    expected: %s\n", cli_clean(t, sizeof(t), p->expected));
	if (p->decided_by[0])
		printf("    decided:  %s%s%s\n", cli_clean(who, sizeof(who), p->decided_by),
		    p->reject_reason[0] ? ": " : "", cli_clean(t, sizeof(t), p->reject_reason));
	if (p->result[0])
		printf("    result:   %s\n", cli_clean(t, sizeof(t), p->result));
}

/* JSON strings are escaped by cJSON; node text stays as it came (a JSON
 * reader is not a terminal). */
static cJSON *
heal_json_finding(const struct pd_finding *f)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)f->id);
	cJSON_AddStringToObject(j, "kind", pd_finding_kind_name(f->kind));
	cJSON_AddStringToObject(j, "node", f->node);
	cJSON_AddStringToObject(j, "container", f->container);
	cJSON_AddStringToObject(j, "stack", f->stack);
	cJSON_AddBoolToObject(j, "open", f->open);
	cJSON_AddNumberToObject(j, "count", f->count);
	cJSON_AddItemToObject(j, "first_seen", cli_json_time(f->first_seen));
	cJSON_AddItemToObject(j, "last_seen", cli_json_time(f->last_seen));
	cJSON_AddItemToObject(j, "resolved", cli_json_time(f->resolved));
	cJSON_AddStringToObject(j, "evidence", f->evidence);
	cJSON_AddStringToObject(j, "reason", f->reason);
	return j;
}

static cJSON *
heal_json_proposal(const struct pd_proposal *p)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)p->id);
	cJSON_AddNumberToObject(j, "finding", (double)p->finding);
	cJSON_AddStringToObject(j, "kind", pd_finding_kind_name(p->kind));
	cJSON_AddNumberToObject(j, "stage", p->stage);
	cJSON_AddStringToObject(j, "action", pd_heal_action_name(p->action));
	cJSON_AddStringToObject(j, "state", pd_proposal_state_name(p->state));
	cJSON_AddStringToObject(j, "node", p->node);
	cJSON_AddStringToObject(j, "container", p->container);
	cJSON_AddStringToObject(j, "stack", p->stack);
	if (p->action == PD_HEAL_RESCHEDULE)
		cJSON_AddStringToObject(j, "to_node", p->to_node);
	if (p->action == PD_HEAL_ROLLBACK)
		cJSON_AddNumberToObject(j, "to_revision", p->to_revision);
	if (p->action == PD_HEAL_QUARANTINE)
		cJSON_AddStringToObject(j, "snapshot", p->snapshot);
	if (p->action == PD_HEAL_MEMORY) {
		cJSON_AddNumberToObject(j, "memory_from", (double)p->memory_from);
		cJSON_AddNumberToObject(j, "memory_to", (double)p->memory_to);
	}
	cJSON_AddStringToObject(j, "reason", p->reason);
	cJSON_AddStringToObject(j, "evidence", p->evidence);
	cJSON_AddStringToObject(j, "expected", p->expected);
	cJSON_AddStringToObject(j, "result", p->result);
	cJSON_AddBoolToObject(j, "automatic", p->automatic);
	cJSON_AddStringToObject(j, "decided_by", p->decided_by);
	cJSON_AddStringToObject(j, "reject_reason", p->reject_reason);
	cJSON_AddItemToObject(j, "created", cli_json_time(p->created));
	cJSON_AddItemToObject(j, "updated", cli_json_time(p->updated));
	cJSON_AddItemToObject(j, "decided", cli_json_time(p->decided));
	return j;
}

static int
heal_cmd_list(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pd_finding *f = NULL;
	struct pd_proposal *p = NULL;
	size_t nf = 0, np = 0;
	struct backend *b;
	char err[512], who[256];
	int opt, all = 0, json = 0, rc, runner;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+ajh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			heal_usage();
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("heal", "list: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("heal", "list: unexpected argument '%s'", argv[optind]);
	if ((rc = cli_backend_open(g, NULL, NULL, &b)) != CLI_EXIT_OK)
		return rc;
	if (backend_heal_findings(b, all, &f, &nf, err, sizeof(err)) != 0 ||
	    backend_heal_list(b, all, &p, &np, err, sizeof(err)) != 0) {
		fprintf(stderr, "plantdeck: heal: %s\n", err);
		free(f);
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	runner = backend_heal_runner(b, who, sizeof(who));
	if (json) {
		cJSON *j = cJSON_CreateObject(), *a;

		cJSON_AddStringToObject(j, "schema", HEAL_SCHEMA);
		if (runner == 1)
			cJSON_AddStringToObject(j, "runner", who);
		else
			cJSON_AddNullToObject(j, "runner");
		a = cJSON_AddArrayToObject(j, "findings");
		for (size_t i = 0; i < nf; i++)
			cJSON_AddItemToArray(a, heal_json_finding(&f[i]));
		a = cJSON_AddArrayToObject(j, "proposals");
		for (size_t i = 0; i < np; i++)
			cJSON_AddItemToArray(a, heal_json_proposal(&p[i]));
		cli_print_json(j, 1);
	} else {
		time_t now = time(NULL);
		char clean[512];

		printf("detectors: %s\n", runner == 1 ? cli_clean(clean, sizeof(clean), who) :
		    "not running (start plantdeck heal watch, or the cockpit)");
		if (nf == 0)
			printf("no %sfindings\n", all ? "" : "open ");
		for (size_t i = 0; i < nf; i++)
			heal_print_finding(&f[i], now);
		if (np == 0)
			printf("no %sproposals\n", all ? "" : "live ");
		for (size_t i = 0; i < np; i++)
			heal_print_proposal(&p[i], 1);
	}
	free(f);
	free(p);
	backend_close(b);
	return CLI_EXIT_OK;
}

/* Parse a proposal id. */
static int
heal_parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0)
		return -1;
	*id = v;
	return 0;
}

static int
heal_cmd_decide(const struct cli_global *g, int approve, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = approve ? "approve" : "reject", *reason = NULL;
	struct backend *b;
	char err[512], who[256];
	int64_t id;
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, approve ? "+h" : "+r:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (approve)
				return cli_usage_error("heal", "approve takes no --reason");
			reason = optarg;
			break;
		case 'h':
			heal_usage();
			return CLI_EXIT_OK;
		case ':':
			return cli_usage_error("heal", "%s: option '%s' needs an argument", cmd,
			    argv[optind - 1]);
		default:
			return cli_usage_error("heal", "%s: unknown option '%s'", cmd,
			    argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("heal", "%s: want one proposal ID", cmd);
	if (heal_parse_id(argv[optind], &id) != 0)
		return cli_usage_error("heal", "%s: '%s' is not a proposal ID", cmd, argv[optind]);
	if ((rc = cli_backend_open(g, NULL, NULL, &b)) != CLI_EXIT_OK)
		return rc;
	rc = approve ? backend_heal_approve(b, id, err, sizeof(err)) :
	    backend_heal_reject(b, id, reason, err, sizeof(err));
	if (rc == 1) {
		int64_t done;

		rc = cli_await_approval(b, err, &done) == CLI_EXIT_OK ? 0 : 2;
		if (rc == 2) {
			backend_close(b);
			return CLI_EXIT_FAIL;
		}
	}
	if (rc != 0) {
		fprintf(stderr, "plantdeck: heal %s: %s\n", cmd, err);
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	if (approve) {
		char clean[512];

		if (backend_heal_runner(b, who, sizeof(who)) == 1)
			printf("proposal #%" PRId64 " approved; %s carries it out\n", id,
			    cli_clean(clean, sizeof(clean), who));
		else
			printf("proposal #%" PRId64 " approved; no process runs the detectors now: "
			    "it is carried out when one starts (plantdeck heal watch, or the "
			    "cockpit)\n", id);
	} else {
		printf("proposal #%" PRId64 " rejected\n", id);
	}
	backend_close(b);
	return CLI_EXIT_OK;
}

/* What heal watch has printed already. */
struct heal_seen {
	int64_t id;
	int state;        /* proposals: the state printed; findings: open */
	int count;
	unsigned long why;  /* findings: a hash of the reason printed */
};

/* A hash of S (djb2), to notice a finding's new reason. */
static unsigned long
heal_hash(const char *s)
{
	unsigned long h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static struct heal_seen *
heal_seen_find(struct heal_seen *v, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].id == id)
			return &v[i];
	return NULL;
}

static struct heal_seen *
heal_seen_add(struct heal_seen **v, size_t *n, int64_t id)
{
	struct heal_seen *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return NULL;
	*v = nv;
	nv[*n].id = id;
	nv[*n].state = -1;
	nv[*n].count = 0;
	nv[*n].why = heal_hash("");
	return &nv[(*n)++];
}

/* The time of day (UTC) in front of a line of heal watch. */
static void
heal_stamp(void)
{
	char buf[16];

	printf("%s ", cli_utc_time(buf, sizeof(buf), (double)time(NULL), 0));
}

/* Once the fleet's first snapshot is complete and every node that answers
 * streams its events, say so in one line: until then a headless watcher
 * can miss a change (an OOM kill seen only as its event), and a person or
 * a script starting it has nothing else to wait for.  Returns 1 once
 * said.  A copy of the model only once the cheap check says complete. */
static int
heal_watch_ready(struct backend *b)
{
	struct pd_snapshot *s;
	size_t up = 0, streaming = 0;

	if (!backend_complete(b))
		return 0;
	if ((s = backend_snapshot(b)) == NULL)
		return 0;
	for (size_t i = 0; i < s->nnodes; i++) {
		up += s->nodes[i].reach == PD_REACH_UP;
		streaming += s->nodes[i].reach == PD_REACH_UP && s->nodes[i].events_connected;
	}
	if (streaming == up) {
		heal_stamp();
		printf("watching %zu node%s (%zu up, events from each), %zu containers\n",
		    s->nnodes, s->nnodes == 1 ? "" : "s", up, s->ncontainers);
	}
	pd_snapshot_free(s);
	return streaming == up;
}

static int
heal_cmd_watch(const struct cli_global *g, int argc, char **argv)
{
	struct heal_seen *sf = NULL, *sp = NULL;
	size_t nsf = 0, nsp = 0;
	struct backend_config cfg;
	struct backend *b;
	char err[512];
	int rc, ready = 0;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		heal_usage();
		return CLI_EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("heal", "watch: unexpected argument '%s'", argv[1]);
	cli_backend_config(g, &cfg);
	cfg.heal = 1;
	if ((rc = cli_backend_open(g, &cfg, NULL, &b)) != CLI_EXIT_OK)
		return rc;
	cli_catch_signals();
	if (backend_read_only(b))
		printf("read-only: the detectors do not run here; showing the queue\n");
	rc = backend_start(b, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "plantdeck: heal watch: cannot start: %s\n", err);
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	fflush(stdout);
	while (!cli_signals()) {
		struct pollfd pfd = { .fd = backend_wakeup_fd(b), .events = POLLIN };
		struct pd_finding *f = NULL;
		struct pd_proposal *p = NULL;
		size_t nf = 0, np = 0;

		if (poll(&pfd, 1, 1000) > 0)
			backend_wakeup_ack(b);
		if (!ready)
			ready = heal_watch_ready(b);
		if (backend_heal_findings(b, 1, &f, &nf, err, sizeof(err)) != 0 ||
		    backend_heal_list(b, 1, &p, &np, err, sizeof(err)) != 0) {
			heal_stamp();
			printf("error: %s\n", err);
			free(f);
			fflush(stdout);
			continue;
		}
		for (size_t i = nf; i-- > 0;) {
			struct heal_seen *s = heal_seen_find(sf, nsf, f[i].id);

			if (s == NULL && !f[i].open)
				continue;
			if (s == NULL)
				s = heal_seen_add(&sf, &nsf, f[i].id);
			if (s == NULL || (s->state == f[i].open && s->count == f[i].count &&
			    s->why == heal_hash(f[i].reason)))
				continue;
			if (s->state != f[i].open || s->count == 0) {
				heal_stamp();
				heal_print_finding(&f[i], time(NULL));
			} else if (s->why != heal_hash(f[i].reason) && f[i].open &&
			    f[i].reason[0] != '\0') {
				char t[PD_ERROR_LEN * 4];

				heal_stamp();
				printf("finding #%" PRId64 " no proposal: %s\n", f[i].id,
				    cli_clean(t, sizeof(t), f[i].reason));
			}
			s->state = f[i].open;
			s->count = f[i].count;
			s->why = heal_hash(f[i].reason);
		}
		for (size_t i = np; i-- > 0;) {
			struct heal_seen *s = heal_seen_find(sp, nsp, p[i].id);
			char t[PD_ERROR_LEN * 4];

			if (s == NULL)
				s = heal_seen_add(&sp, &nsp, p[i].id);
			if (s == NULL || s->state == (int)p[i].state)
				continue;
			heal_stamp();
			heal_print_proposal(&p[i], 0);
			if (p[i].state == PD_PROP_PENDING || (s->state < 0 && p[i].automatic)) {
				printf("    reason:   %s\n", cli_clean(t, sizeof(t), p[i].reason));
				printf("    evidence: %s\n", cli_clean(t, sizeof(t), p[i].evidence));
				printf("    expected: %s\n", cli_clean(t, sizeof(t), p[i].expected));
			}
			if (p[i].result[0])
				printf("    result:   %s\n", cli_clean(t, sizeof(t), p[i].result));
			s->state = (int)p[i].state;
		}
		free(f);
		free(p);
		fflush(stdout);
	}
	free(sf);
	free(sp);
	backend_close(b);
	return CLI_EXIT_OK;
}

int
cli_heal(const struct cli_global *g, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		if (argc < 2)
			return cli_usage_error("heal", "want list, approve, reject or watch");
		heal_usage();
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "list") == 0)
		return heal_cmd_list(g, argc - 1, argv + 1);
	if (strcmp(argv[1], "approve") == 0)
		return heal_cmd_decide(g, 1, argc - 1, argv + 1);
	if (strcmp(argv[1], "reject") == 0)
		return heal_cmd_decide(g, 0, argc - 1, argv + 1);
	if (strcmp(argv[1], "watch") == 0)
		return heal_cmd_watch(g, argc - 1, argv + 1);
	return cli_usage_error("heal", "unknown command '%s': want list, approve, reject or watch",
	    argv[1]);
}
