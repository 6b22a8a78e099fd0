/* deploy.c: `plantdeck deploy`, `plantdeck rollout` and `plantdeck history`.
 *
 * A deploy runs in this process, in the backend's executor thread, while
 * this file prints its progress: one line per change of a node's phase.
 * The exit status says the outcome: 0 completed, 3 paused, 1 anything else
 * that did not end with every node on the new revision, 2 bad input.  The
 * first Ctrl-C asks the deploy to pause (in-flight nodes finish); a second
 * one leaves at once, and the deploy shows as interrupted. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend/backend.h"
#include "cli.h"

static void
deploy_print_plan(const struct pd_plan *p)
{
	char a[512], b[512];
	int wave = -1;

	printf("stack %s: revision %d -> %d, from %s\n", cli_clean(a, sizeof(a), p->stack),
	    p->from_revision, p->revision, cli_clean(b, sizeof(b), p->file));
	if (p->vars[0] != '\0')
		printf("  variables: %s\n", cli_clean(a, sizeof(a), p->vars));
	if (p->ndiff > 0) {
		printf("  changes against revision %d:\n", p->from_revision);
		for (size_t i = 0; i < p->ndiff; i++)
			printf("    %s\n", cli_clean(a, sizeof(a), p->diff[i]));
	}
	for (size_t i = 0; i < p->nservices; i++)
		printf("  service %s: %s\n", cli_clean(a, sizeof(a), p->services[i].name),
		    cli_clean(b, sizeof(b), p->services[i].image));
	if (p->networks[0] != '\0')
		printf("  networks: %s\n", cli_clean(a, sizeof(a), p->networks));
	if (p->volumes[0] != '\0')
		printf("  volumes: %s\n", cli_clean(a, sizeof(a), p->volumes));
	if (p->secrets[0] != '\0')
		printf("  secrets and configs: %s\n", cli_clean(a, sizeof(a), p->secrets));
	if (p->order[0] != '\0')
		printf("  start order: %s\n", cli_clean(a, sizeof(a), p->order));
	printf("  policy: %s\n", p->policy);
	if (strcmp(p->target, "swarm") == 0) {
		/* Swarm places the tasks and picks its batches: no waves to show. */
		printf("  target swarm: one service per compose service, on the %zu node%s "
		    "labelled for its placement:\n   ", p->nnodes, p->nnodes == 1 ? "" : "s");
		for (size_t i = 0; i < p->nnodes; i++)
			printf(" %s", cli_clean(a, sizeof(a), p->nodes[i].node));
		printf("\n");
		return;
	}
	printf("  %zu node%s in %d wave%s:", p->nnodes, p->nnodes == 1 ? "" : "s", p->nwaves,
	    p->nwaves == 1 ? "" : "s");
	for (size_t i = 0; i < p->nnodes; i++) {
		if (p->nodes[i].wave != wave) {
			wave = p->nodes[i].wave;
			printf("\n    wave %d:", wave);
		}
		printf(" %s", cli_clean(a, sizeof(a), p->nodes[i].node));
	}
	printf("\n");
}

/* Ask on the terminal; 1 for yes. */
static int
deploy_confirm(const char *question)
{
	char line[16];

	printf("%s [y/N] ", question);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

/* What was printed last for each node, to print only changes. */
struct deploy_seen {
	char node[PD_NAME_LEN];
	enum pd_phase phase;
	int pct;
};

/* Print the changes of deploy D since SEEN (resized as needed). */
static void
deploy_print_changes(const struct pd_deploy *d, struct deploy_seen **seen, size_t *nseen,
    double t0)
{
	char a[PD_NAME_LEN * 2], e[PD_ERROR_LEN * 2];

	if (*nseen < d->nnodes) {
		struct deploy_seen *ns = realloc(*seen, d->nnodes * sizeof(**seen));

		if (ns == NULL)
			return;
		for (size_t i = *nseen; i < d->nnodes; i++) {
			snprintf(ns[i].node, sizeof(ns[i].node), "%s", d->nodes[i].node);
			ns[i].phase = PD_PHASE_PENDING;
			ns[i].pct = -1;
		}
		*seen = ns;
		*nseen = d->nnodes;
	}
	for (size_t i = 0; i < d->nnodes; i++) {
		const struct pd_deploy_node *n = &d->nodes[i];
		struct deploy_seen *s = &(*seen)[i];

		if (n->phase == s->phase)
			continue;
		s->phase = n->phase;
		printf("%7.1fs  #%lld %-16s %-12s", cli_now() - t0, (long long)d->id,
		    cli_clean(a, sizeof(a), n->node), pd_phase_name(n->phase));
		if (n->phase == PD_PHASE_FAILED && n->error[0] != '\0')
			printf(" %s", cli_clean(e, sizeof(e), n->error));
		printf("\n");
	}
	fflush(stdout);
}

/* Follow deploy ID (run by this process) until it ends; its exit status. */
static int
deploy_follow(struct backend *b, int64_t id)
{
	struct deploy_seen *seen = NULL;
	size_t nseen = 0;
	struct pd_deploy d;
	char err[512], msg[PD_ERROR_LEN * 2];
	double t0 = cli_now();
	int64_t shown = id, child = 0;
	int paused_asked = 0, rc;

	cli_catch_signals();
	for (;;) {
		int ended = backend_deploy_wait(b, id, 250) == 0;

		if (cli_signals() >= 2) {
			fprintf(stderr, "plantdeck: leaving deploy #%lld behind: it shows as "
			    "interrupted; resume or roll it back with plantdeck rollout\n",
			    (long long)id);
			free(seen);
			_exit(CLI_EXIT_FAIL);
		}
		if (cli_signals() == 1 && !paused_asked) {
			paused_asked = 1;
			fprintf(stderr, "plantdeck: pausing deploy #%lld: nodes in flight finish "
			    "(Ctrl-C again to leave now)\n", (long long)id);
			if (backend_deploy_command(b, id, PD_CMD_PAUSE, 0, NULL, err, sizeof(err)) != 0)
				fprintf(stderr, "plantdeck: %s\n", err);
		}
		if (backend_deploy_get(b, shown, &d, err, sizeof(err)) == 0) {
			deploy_print_changes(&d, &seen, &nseen, t0);
			pd_deploy_free(&d);
		}
		/* A rollback started by the breaker: follow its nodes too. */
		if (child == 0 && backend_deploy_get(b, 0, &d, err, sizeof(err)) == 0) {
			if (d.parent == id && strcmp(d.kind, "rollback") == 0) {
				child = d.id;
				printf("%7.1fs  #%lld rolling back to revision %d as deploy #%lld\n",
				    cli_now() - t0, (long long)id, d.revision, (long long)child);
				shown = child;
				free(seen);
				seen = NULL;
				nseen = 0;
			}
			pd_deploy_free(&d);
		}
		if (ended)
			break;
	}
	free(seen);
	if (backend_deploy_get(b, id, &d, err, sizeof(err)) != 0) {
		fprintf(stderr, "plantdeck: %s\n", err);
		return CLI_EXIT_FAIL;
	}
	printf("deploy #%lld %s: %s\n", (long long)d.id, pd_deploy_state_name(d.state),
	    cli_clean(msg, sizeof(msg), d.message));
	if (d.state == PD_DEPLOY_COMPLETED)
		rc = CLI_EXIT_OK;
	else if (d.state == PD_DEPLOY_PAUSED)
		rc = CLI_EXIT_PAUSED;
	else
		rc = CLI_EXIT_FAIL;
	if (d.state == PD_DEPLOY_PAUSED)
		printf("resume with: plantdeck rollout resume %lld (or rollback %lld)\n",
		    (long long)d.id, (long long)d.id);
	pd_deploy_free(&d);
	return rc;
}

static void
deploy_usage(void)
{
	printf("Usage: plantdeck [OPTION]... deploy FILE [--nodes SEL] [--profile NAME]...\n"
	    "                  [--image SERVICE=REF]... [--var NAME=VALUE]... [--dry-run]\n"
	    "                  [--yes]\n"
	    "Roll the stack in FILE (a docker-compose file with an x-plantdeck: part) out\n"
	    "to the nodes its placement and --nodes select: pull everywhere first, then\n"
	    "switch in waves, each node healthy and monitored, with a failure breaker.\n"
	    "\n"
	    "  -n, --nodes SEL   only these nodes (line=A, lab-0*, ...)\n"
	    "      --profile NAME  deploy the services of Compose profile NAME too\n"
	    "                    (repeatable; default: COMPOSE_PROFILES)\n"
	    "      --image SERVICE=REF  deploy image REF for SERVICE (one the file\n"
	    "                    builds, or instead of its image:); repeatable\n"
	    "      --var NAME=VALUE  set variable NAME of the stack file (${NAME}) for\n"
	    "                    this deploy alone; wins over the environment and .env;\n"
	    "                    repeatable\n"
	    "      --dry-run     print the plan (with what changes against the running\n"
	    "                    revision) and change nothing\n"
	    "  -y, --yes         do not ask for confirmation\n"
	    "\n"
	    "Exit status: 0 every node on the new revision, 3 paused, 1 failed or\n"
	    "rolled back, 2 bad command line or stack file.\n");
}

int
cli_deploy(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "nodes", required_argument, NULL, 'n' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "yes", no_argument, NULL, 'y' },
		{ "profile", required_argument, NULL, 'p' },
		{ "image", required_argument, NULL, 'i' },
		{ "var", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *selector = NULL, *profiles[64], *images[256], *vars[64];
	size_t nprofiles = 0, nimages = 0, nvars = 0;
	int dry = 0, yes = 0, opt, rc;
	struct backend *b;
	struct pd_plan *plan;
	char err[1024], q[256], clean[2048];
	int64_t id;

	optind = 0;         /* 0: glibc starts over (main() used "+") */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":n:yh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			selector = optarg;
			break;
		case 'd':
			dry = 1;
			break;
		case 'y':
			yes = 1;
			break;
		case 'p':
			if (nprofiles == sizeof(profiles) / sizeof(profiles[0]))
				return cli_usage_error("deploy", "too many --profile");
			profiles[nprofiles++] = optarg;
			break;
		case 'i':
			if (nimages == sizeof(images) / sizeof(images[0]))
				return cli_usage_error("deploy", "too many --image");
			images[nimages++] = optarg;
			break;
		case 'v':
			if (nvars == sizeof(vars) / sizeof(vars[0]))
				return cli_usage_error("deploy", "too many --var");
			if (strchr(optarg, '=') == NULL || optarg[0] == '=')
				return cli_usage_error("deploy", "--var '%s': use NAME=VALUE, such as "
				    "PLC_TAG=2", optarg);
			vars[nvars++] = optarg;
			break;
		case 'h':
			deploy_usage();
			return CLI_EXIT_OK;
		default:
			return cli_option_error("deploy", opt, argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("deploy", optind == argc ? "no stack file given" :
		    "one stack file at a time");
	if (backend_deploy_options(profiles, nprofiles, images, nimages, err, sizeof(err)) != 0)
		return cli_usage_error("deploy", "%s", err);
	if (cli_backend_open(g, NULL, NULL, &b) != CLI_EXIT_OK)
		return CLI_EXIT_USAGE;
	if (backend_deploy_plan_vars(b, argv[optind], selector, vars, nvars, &plan, err,
	    sizeof(err)) != 0) {
		char **warnings;
		size_t nwarnings;

		/* The file's warnings too: they may say why it fails. */
		backend_stack_warnings(argv[optind], &warnings, &nwarnings);
		for (size_t i = 0; i < nwarnings; i++)
			fprintf(stderr, "plantdeck: warning: %s\n",
			    cli_clean(clean, sizeof(clean), warnings[i]));
		backend_stack_warnings_free(warnings, nwarnings);
		fprintf(stderr, "plantdeck: %s\n", err);
		backend_close(b);
		return CLI_EXIT_USAGE;
	}
	for (size_t i = 0; i < plan->nwarnings; i++)
		fprintf(stderr, "plantdeck: warning: %s\n",
		    cli_clean(clean, sizeof(clean), plan->warnings[i]));
	deploy_print_plan(plan);
	if (dry) {
		printf("dry run: nothing changed\n");
		pd_plan_free(plan);
		backend_close(b);
		return CLI_EXIT_OK;
	}
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			pd_plan_free(plan);
			backend_close(b);
			return cli_usage_error("deploy", "not a terminal to confirm on: add --yes");
		}
		snprintf(q, sizeof(q), "Deploy revision %d of %s to %zu node%s?", plan->revision,
		    plan->stack, plan->nnodes, plan->nnodes == 1 ? "" : "s");
		if (!deploy_confirm(q)) {
			printf("nothing changed\n");
			pd_plan_free(plan);
			backend_close(b);
			return CLI_EXIT_FAIL;
		}
	}
	rc = backend_deploy_start(b, plan, &id, err, sizeof(err));
	if (rc == 1 && cli_await_approval(b, err, &id) != CLI_EXIT_OK)
		rc = -1;
	else if (rc == 1)
		rc = 0;
	else if (rc != 0)
		fprintf(stderr, "plantdeck: %s\n", cli_clean(clean, sizeof(clean), err));
	if (rc != 0) {
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	printf("deploy #%lld started\n", (long long)id);
	fflush(stdout);
	rc = deploy_follow(b, id);
	backend_close(b);
	return rc;
}

/* ---------------------------------------------------------------- rollout */

static cJSON *
deploy_json(const struct pd_deploy *d)
{
	cJSON *j = cJSON_CreateObject(), *nodes;

	cJSON_AddNumberToObject(j, "id", (double)d->id);
	cJSON_AddStringToObject(j, "stack", d->stack);
	cJSON_AddStringToObject(j, "kind", d->kind);
	cJSON_AddStringToObject(j, "target", d->target);
	cJSON_AddNumberToObject(j, "parent", (double)d->parent);
	cJSON_AddNumberToObject(j, "revision", d->revision);
	cJSON_AddNumberToObject(j, "from_revision", d->from_revision);
	cJSON_AddStringToObject(j, "state", pd_deploy_state_name(d->state));
	cJSON_AddStringToObject(j, "failure_action", d->failure_action);
	cJSON_AddNumberToObject(j, "max_failure_ratio", d->max_failure_ratio);
	cJSON_AddNumberToObject(j, "total", d->total);
	cJSON_AddNumberToObject(j, "done", d->done);
	cJSON_AddNumberToObject(j, "failed", d->failed);
	cJSON_AddNumberToObject(j, "touched", d->touched);
	cJSON_AddStringToObject(j, "message", d->message);
	cJSON_AddStringToObject(j, "user", d->user);
	cJSON_AddItemToObject(j, "started", cli_json_time(d->started));
	cJSON_AddItemToObject(j, "updated", cli_json_time(d->updated));
	if (d->nodes != NULL) {
		nodes = cJSON_AddArrayToObject(j, "nodes");
		for (size_t i = 0; i < d->nnodes; i++) {
			cJSON *n = cJSON_CreateObject();

			cJSON_AddStringToObject(n, "node", d->nodes[i].node);
			cJSON_AddNumberToObject(n, "wave", d->nodes[i].wave);
			cJSON_AddStringToObject(n, "phase", pd_phase_name(d->nodes[i].phase));
			cJSON_AddStringToObject(n, "step", d->nodes[i].step);
			cJSON_AddStringToObject(n, "error", d->nodes[i].error);
			cJSON_AddBoolToObject(n, "failed", d->nodes[i].failed);
			cJSON_AddItemToArray(nodes, n);
		}
	}
	return j;
}

static void
deploy_print_status(const struct pd_deploy *d)
{
	char a[512], b[512], t[32];

	cli_utc_time(t, sizeof(t), (double)d->started, CLI_TIME_DATE);
	printf("deploy #%lld  %s %s  revision %d -> %d  %s%s\n", (long long)d->id, d->kind,
	    cli_clean(a, sizeof(a), d->stack), d->from_revision, d->revision,
	    pd_deploy_state_name(d->state), strcmp(d->target, "swarm") == 0 ? "  (through Swarm)" :
	    "");
	if (d->parent > 0)
		printf("  undoes deploy #%lld\n", (long long)d->parent);
	printf("  started %s by %s; %d of %d done, %d failed (limit %.0f%%, then %s)\n", t,
	    cli_clean(b, sizeof(b), d->user), d->done, d->total, d->failed,
	    100 * d->max_failure_ratio, d->failure_action);
	if (d->message[0] != '\0')
		printf("  %s\n", cli_clean(a, sizeof(a), d->message));
	if (d->state == PD_DEPLOY_INTERRUPTED)
		printf("  interrupted: plantdeck rollout resume %lld, or rollback %lld\n",
		    (long long)d->id, (long long)d->id);
	if (d->nnodes > 0)
		printf("  %-16s %4s %-12s %-28s %s\n", "NODE", "WAVE", "PHASE", "STEP", "ERROR");
	for (size_t i = 0; i < d->nnodes; i++) {
		const struct pd_deploy_node *n = &d->nodes[i];
		char s[PD_ERROR_LEN * 2];

		/* A node the breaker counted that a rollback restored says so. */
		printf("  %-16s %4d %-12s %-28s %s%s\n", cli_clean(a, sizeof(a), n->node), n->wave,
		    pd_phase_name(n->phase), cli_clean(b, sizeof(b), n->step),
		    n->failed && n->phase != PD_PHASE_FAILED ? "(had failed) " : "",
		    cli_clean(s, sizeof(s), n->error));
	}
}

static void
deploy_journal_line(void *ctx, double time, const char *node, const char *step,
    const char *status, const char *detail)
{
	char a[256], b[256], c[PD_ERROR_LEN * 2], ts[40];

	(void)ctx;
	cli_utc_time(ts, sizeof(ts), time, CLI_TIME_DATE | CLI_TIME_MS);
	printf("%s %-16s %-28s %-5s %s\n", ts, cli_clean(a, sizeof(a), node),
	    cli_clean(b, sizeof(b), step), status, cli_clean(c, sizeof(c), detail));
}

static void
rollout_usage(void)
{
	printf("Usage: plantdeck [OPTION]... rollout COMMAND [ID] [--json] [--to REV]\n"
	    "Look at and steer deploys (ID: a deploy number; default the newest).\n"
	    "\n"
	    "  list              the newest deploys\n"
	    "  status [ID]       one deploy, node by node (--json for a program)\n"
	    "  journal [ID]      every step it took, before and after\n"
	    "  pause [ID]        stop starting nodes; the ones in flight finish\n"
	    "  resume [ID]       go on with a paused or interrupted deploy (here)\n"
	    "  abort [ID]        stop starting nodes, for good\n"
	    "  rollback [ID]     return its touched nodes to the revision before it,\n"
	    "                    or to --to REV (a kept revision: plantdeck history)\n"
	    "\n"
	    "resume and rollback run here, printing progress; their exit status is\n"
	    "that of plantdeck deploy.\n");
}

int
cli_rollout(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "to", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	int json = 0, to = 0, opt, rc = CLI_EXIT_OK;
	int64_t id = 0, newid = 0;
	struct backend *b;
	char err[1024], *end;

	optind = 0;         /* 0: glibc starts over (main() used "+") */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 't':
			errno = 0;
			to = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || to < 1)
				return cli_usage_error("rollout", "--to '%s': want a revision number",
				    optarg);
			break;
		case 'h':
			rollout_usage();
			return CLI_EXIT_OK;
		default:
			return cli_option_error("rollout", opt, argv);
		}
	}
	if (optind >= argc)
		return cli_usage_error("rollout", "no command: list, status, journal, pause, "
		    "resume, abort or rollback");
	cmd = argv[optind++];
	if (optind < argc) {
		errno = 0;
		id = strtoll(argv[optind], &end, 10);
		if (errno != 0 || *end != '\0' || id < 1)
			return cli_usage_error("rollout", "'%s' is not a deploy number", argv[optind]);
		optind++;
	}
	if (optind < argc)
		return cli_usage_error("rollout", "unexpected '%s'", argv[optind]);
	if (cli_backend_open(g, NULL, NULL, &b) != CLI_EXIT_OK)
		return CLI_EXIT_USAGE;
	if (strcmp(cmd, "list") == 0) {
		struct pd_deploy *v;
		size_t n;

		if (backend_deploys(b, 20, &v, &n, err, sizeof(err)) != 0)
			goto fail;
		if (json) {
			cJSON *arr = cJSON_CreateArray();

			for (size_t i = 0; i < n; i++)
				cJSON_AddItemToArray(arr, deploy_json(&v[i]));
			cli_print_json(arr, 0);
		} else {
			printf("%5s  %-16s %-8s %4s %-13s %5s %6s  %s\n", "ID", "STACK", "KIND", "REV",
			    "STATE", "DONE", "FAILED", "MESSAGE");
			for (size_t i = 0; i < n; i++) {
				char a[256], m[PD_ERROR_LEN * 2];

				printf("%5lld  %-16s %-8s %4d %-13s %2d/%-2d %6d  %s\n",
				    (long long)v[i].id, cli_clean(a, sizeof(a), v[i].stack), v[i].kind,
				    v[i].revision, pd_deploy_state_name(v[i].state), v[i].done,
				    v[i].total, v[i].failed, cli_clean(m, sizeof(m), v[i].message));
			}
		}
		pd_deploys_free(v, n);
	} else if (strcmp(cmd, "status") == 0) {
		struct pd_deploy d;

		if (backend_deploy_get(b, id, &d, err, sizeof(err)) != 0)
			goto fail;
		if (json)
			cli_print_json(deploy_json(&d), 0);
		else
			deploy_print_status(&d);
		pd_deploy_free(&d);
	} else if (strcmp(cmd, "journal") == 0) {
		if (backend_deploy_journal(b, id, deploy_journal_line, NULL, err, sizeof(err)) != 0)
			goto fail;
	} else if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "abort") == 0) {
		enum pd_deploy_cmd c = cmd[0] == 'p' ? PD_CMD_PAUSE : PD_CMD_ABORT;

		if (backend_deploy_command(b, id, c, 0, NULL, err, sizeof(err)) != 0)
			goto fail;
		printf("%s requested: the deploy's nodes in flight finish first\n", cmd);
	} else if (strcmp(cmd, "resume") == 0 || strcmp(cmd, "rollback") == 0) {
		enum pd_deploy_cmd c = cmd[1] == 'e' ? PD_CMD_RESUME : PD_CMD_ROLLBACK;

		rc = backend_deploy_command(b, id, c, to, &newid, err, sizeof(err));
		if (rc == 1) {
			rc = cli_await_approval(b, err, &newid);
			if (rc != CLI_EXIT_OK) {
				backend_close(b);
				return rc;
			}
		}
		if (rc != 0)
			goto fail;
		printf("deploy #%lld %s\n", (long long)newid, c == PD_CMD_RESUME ? "resumed" :
		    "started: a rollback");
		fflush(stdout);
		rc = deploy_follow(b, newid);
	} else {
		backend_close(b);
		return cli_usage_error("rollout", "unknown command '%s'", cmd);
	}
	backend_close(b);
	return rc;
fail:
	fprintf(stderr, "plantdeck: rollout %s: %s\n", cmd, err);
	backend_close(b);
	return CLI_EXIT_FAIL;
}

/* ---------------------------------------------------------------- history */

int
cli_history(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pd_revision *v;
	size_t n;
	struct backend *b;
	char err[1024];
	int json = 0, opt;

	optind = 0;         /* 0: glibc starts over (main() used "+") */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'h':
			printf("Usage: plantdeck [OPTION]... history [STACK] [--json]\n"
			    "The kept revisions of STACK (or of every stack), newest first; the\n"
			    "current one (the last a deploy completed, or a rollback returned to)\n"
			    "is marked '*'.  Times are UTC.  A STACK this database has no\n"
			    "revision of is an error (exit status 1).\n");
			return CLI_EXIT_OK;
		default:
			return cli_option_error("history", opt, argv);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("history", "one stack at a time");
	if (cli_backend_open(g, NULL, NULL, &b) != CLI_EXIT_OK)
		return CLI_EXIT_USAGE;
	if (backend_history(b, optind < argc ? argv[optind] : NULL, &v, &n, err,
	    sizeof(err)) != 0) {
		char e[sizeof(err) * 4];

		/* An unknown stack too: exit 1, as rollout does for an unknown deploy. */
		fprintf(stderr, "plantdeck: history: %s\n", cli_clean(e, sizeof(e), err));
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	if (json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; i < n; i++) {
			cJSON *r = cJSON_CreateObject();

			cJSON_AddStringToObject(r, "stack", v[i].stack);
			cJSON_AddNumberToObject(r, "revision", v[i].revision);
			cJSON_AddBoolToObject(r, "current", v[i].current);
			cJSON_AddNumberToObject(r, "deploy", (double)v[i].deploy);
			cJSON_AddItemToObject(r, "created", cli_json_time(v[i].created));
			cJSON_AddStringToObject(r, "file", v[i].file);
			cJSON_AddStringToObject(r, "images", v[i].images);
			cJSON_AddItemToArray(arr, r);
		}
		cli_print_json(arr, 0);
	} else {
		printf("  %-16s %4s %6s  %-20s  %s\n", "STACK", "REV", "DEPLOY", "CREATED (UTC)",
		    "IMAGES");
		for (size_t i = 0; i < n; i++) {
			char a[256], im[PD_ERROR_LEN * 2], t[32];

			cli_utc_time(t, sizeof(t), (double)v[i].created, CLI_TIME_DATE);
			printf("%c %-16s %4d %6lld  %-20s  %s\n", v[i].current ? '*' : ' ',
			    cli_clean(a, sizeof(a), v[i].stack), v[i].revision,
			    (long long)v[i].deploy, t, cli_clean(im, sizeof(im), v[i].images));
		}
		if (n == 0)
			printf("no revisions\n");
	}
	free(v);
	backend_close(b);
	return CLI_EXIT_OK;
}
