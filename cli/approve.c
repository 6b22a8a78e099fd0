/* approve.c: four eyes on the command line (doc/security.md).
 *
 *   plantdeck approvals [--all] [--json]   the requests waiting (--all: every one)
 *   plantdeck approve ID                   approve another person's request
 *   plantdeck reject ID [--reason TEXT]    reject it
 *
 * and cli_await_approval(), with which deploy, rollout rollback and heal
 * approve wait while their action is held for a second person. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/backend.h"
#include "cli.h"

/* "plantdeck approve|reject|approvals --help". */
static void
approve_usage(void)
{
	printf("usage: plantdeck approvals [--all] [--json]\n"
	    "       plantdeck approve ID\n"
	    "       plantdeck reject ID [--reason TEXT]\n\n"
	    "Four eyes: a deploy or rollback to more nodes than the inventory's\n"
	    "four_eyes.nodes, and every quarantine, wait until a second, different\n"
	    "person with the approver role approves their request.  The process that\n"
	    "asked runs the action then.\n");
}

int
cli_await_approval(struct backend *b, const char *msg, int64_t *result)
{
	char clean[PD_ERROR_LEN * 2], err[PD_ERROR_LEN * 2];
	int rc;

	printf("%s\nwaiting for the approval (Ctrl-C cancels the request)\n",
	    cli_clean(clean, sizeof(clean), msg));
	fflush(stdout);
	cli_catch_signals();
	do {
		rc = backend_approval_wait(b, 0, 250, result, err, sizeof(err));
	} while (rc == 2 && cli_signals() == 0);
	if (rc == 0) {
		printf("approved\n");
		return CLI_EXIT_OK;
	}
	fprintf(stderr, "plantdeck: %s\n", rc == 2 ? "cancelled: the request is withdrawn" :
	    cli_clean(clean, sizeof(clean), err));
	return CLI_EXIT_FAIL;
}

/* Parse a request number; 0, or -1. */
static int
approve_parse_id(const char *s, int64_t *id)
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

/* One request as JSON. */
static cJSON *
approve_json(const struct pd_approval *a)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)a->id);
	cJSON_AddStringToObject(j, "kind", a->kind);
	cJSON_AddStringToObject(j, "target", a->target);
	cJSON_AddStringToObject(j, "detail", a->detail);
	cJSON_AddNumberToObject(j, "nodes", a->nodes);
	cJSON_AddStringToObject(j, "state", a->state);
	cJSON_AddStringToObject(j, "requester", a->requester);
	cJSON_AddStringToObject(j, "decider", a->decider);
	cJSON_AddStringToObject(j, "reason", a->reason);
	cJSON_AddStringToObject(j, "result", a->result);
	cJSON_AddItemToObject(j, "created", cli_json_time(a->created));
	cJSON_AddItemToObject(j, "decided", cli_json_time(a->decided));
	return j;
}

/* plantdeck approvals */
static int
approve_list(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pd_approval *v;
	struct backend *b;
	char err[PD_ERROR_LEN * 2];
	size_t n;
	int all = 0, json = 0, opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			approve_usage();
			return CLI_EXIT_OK;
		default:
			return cli_option_error("approvals", opt, argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("approvals", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_backend_open(g, NULL, NULL, &b)) != CLI_EXIT_OK)
		return rc;
	if (backend_approvals(b, all, &v, &n, err, sizeof(err)) != 0) {
		fprintf(stderr, "plantdeck: approvals: %s\n", err);
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	if (json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, approve_json(&v[i]));
		cli_print_json(arr, 0);
	} else if (n == 0) {
		printf(all ? "no four-eyes requests\n" : "no four-eyes request waits\n");
	} else {
		printf("%5s  %-10s %-9s %-28s %s\n", "ID", "KIND", "STATE", "ASKED BY", "WHAT");
		for (size_t i = 0; i < n; i++) {
			char a[256], t[PD_ERROR_LEN * 2], d[PD_ERROR_LEN * 2];

			printf("%5" PRId64 "  %-10s %-9s %-28s %s\n", v[i].id, v[i].kind, v[i].state,
			    cli_clean(a, sizeof(a), v[i].requester),
			    cli_clean(t, sizeof(t), v[i].target));
			if (v[i].detail[0] != '\0')
				printf("%57s%s\n", "", cli_clean(d, sizeof(d), v[i].detail));
			if (v[i].decider[0] != '\0' || v[i].result[0] != '\0')
				printf("%57s%s%s%s%s\n", "", v[i].decider[0] ? "decided by " : "",
				    cli_clean(a, sizeof(a), v[i].decider),
				    v[i].decider[0] && v[i].result[0] ? "; " : "",
				    cli_clean(d, sizeof(d), v[i].result));
		}
	}
	free(v);
	backend_close(b);
	return CLI_EXIT_OK;
}

/* plantdeck approve ID / plantdeck reject ID [--reason TEXT] */
static int
approve_decide(const struct cli_global *g, int approve, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = approve ? "approve" : "reject", *reason = NULL;
	struct backend *b;
	char err[PD_ERROR_LEN * 2], clean[PD_ERROR_LEN * 2];
	int64_t id;
	int opt, rc;

	optind = 0;         /* 0: glibc starts over, and permutes (ID --reason TEXT) */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, approve ? "h" : "r:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (approve)
				return cli_usage_error(cmd, "approve takes no --reason");
			reason = optarg;
			break;
		case 'h':
			approve_usage();
			return CLI_EXIT_OK;
		default:
			return cli_option_error(cmd, opt, argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(cmd, "want one request ID (plantdeck approvals lists them)");
	if (approve_parse_id(argv[optind], &id) != 0)
		return cli_usage_error(cmd, "'%s' is not a request ID", argv[optind]);
	if ((rc = cli_backend_open(g, NULL, NULL, &b)) != CLI_EXIT_OK)
		return rc;
	if (backend_approval_decide(b, id, approve, reason, err, sizeof(err)) != 0) {
		fprintf(stderr, "plantdeck: %s: %s\n", cmd, cli_clean(clean, sizeof(clean), err));
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	printf("request #%" PRId64 " %s%s\n", id, approve ? "approved" : "rejected",
	    approve ? ": the process that asked for it runs it now" : "");
	backend_close(b);
	return CLI_EXIT_OK;
}

int
cli_approvals(const struct cli_global *g, int argc, char **argv)
{
	return approve_list(g, argc, argv);
}

int
cli_approve(const struct cli_global *g, int argc, char **argv)
{
	return approve_decide(g, 1, argc, argv);
}

int
cli_reject(const struct cli_global *g, int argc, char **argv)
{
	return approve_decide(g, 0, argc, argv);
}
