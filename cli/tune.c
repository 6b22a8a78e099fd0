/* tune.c: `plantdeck tune`, a container's resource limits from the command
 * line.
 *
 * It sets KEY=VALUE limits through the backend (backend_tune: the Engine
 * API where it has the field, the cgroup files where it has not), then
 * prints what the engine and, when the container runs on this machine, its
 * cgroup files read back.  `--check` reports drift, `--fix` re-applies.
 * Changing anything is refused by the backend under --read-only/--kiosk. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/backend.h"
#include "cli.h"

/* Print untrusted S sanitised. */
static void
tune_out(const char *s)
{
	char clean[1024];

	fputs(cli_clean(clean, sizeof(clean), s), stdout);
}

/* Print the help of `plantdeck tune`. */
static void
tune_help(void)
{
	printf("Usage: plantdeck tune [OPTION]... CONTAINER KEY=VALUE...\n"
	    "       plantdeck tune --check [--fix] [OPTION]... CONTAINER\n"
	    "Set a container's resource limits, then read them back from the engine and,\n"
	    "when the container runs on this machine, from its cgroup files.\n"
	    "\n"
	    "Keys (sizes: 256M, 1G, 512k or bytes; binary units):\n"
	    "  memory=SIZE       hard limit: engine Memory, cgroup memory.max\n"
	    "                    (v1 memory.limit_in_bytes); alias memory.max\n"
	    "  memory.high=SIZE  throttle above SIZE, cgroup v2 only, written to memory.high\n"
	    "                    on this machine (no Engine API field); 'max' lifts it\n"
	    "  memory.low=SIZE   soft limit: engine MemoryReservation, cgroup memory.low\n"
	    "                    (v1 memory.soft_limit_in_bytes); alias memory.reservation\n"
	    "  cpus=N            CPU limit: 0.5 CPUs, or 50%% of one CPU (engine NanoCpus;\n"
	    "                    cgroup cpu.max, v1 cpu.cfs_quota_us/cpu.cfs_period_us)\n"
	    "  cpu.max=Q[/P]     CPU quota Q µs per period P µs (default 100000), or max\n"
	    "  cpu.weight=W      CPU weight 1..10000, 100 by default (engine CpuShares;\n"
	    "                    cgroup cpu.weight, v1 cpu.shares)\n"
	    "\n"
	    "Options:\n"
	    "      --node NAME   the node that runs CONTAINER (default: the one node of the\n"
	    "                    inventory that has it)\n"
	    "  -C, --check       report drift: the cgroup files against the desired values\n"
	    "                    (the engine's record; this process remembers nothing else)\n"
	    "  -f, --fix         with --check: re-apply what drifted\n"
	    "  -j, --json        print the result as one JSON object (doc/agent.md)\n"
	    "  -h, --help        show this help\n"
	    "\n"
	    "Exit status: 0 when everything reads back as asked (--check: no drift left),\n"
	    "1 when refused (--read-only, --kiosk), failed or read back differently\n"
	    "(--check: drift), 2 on bad usage.\n");
}

/* The result as a JSON object like the agent's "tune" and "check" lines. */
static void
tune_print_json(const char *type, int rc, const struct pd_tune_result *res, const char *err)
{
	cJSON *j = cJSON_CreateObject(), *items;

	cJSON_AddStringToObject(j, "type", type);
	cJSON_AddBoolToObject(j, "ok", rc == 0);
	if (rc < 0) {
		cJSON_AddStringToObject(j, "error", err);
	} else {
		cJSON_AddNullToObject(j, "error");
		cJSON_AddStringToObject(j, "node", res->node);
		cJSON *c = cJSON_AddObjectToObject(j, "container");
		cJSON_AddStringToObject(c, "id", res->id);
		cJSON_AddStringToObject(c, "name", res->name);
		cJSON_AddBoolToObject(j, "local", res->local);
		if (res->cgroup_version)
			cJSON_AddNumberToObject(j, "cgroup_version", res->cgroup_version);
		else
			cJSON_AddNullToObject(j, "cgroup_version");
		if (strcmp(type, "check") == 0) {
			cJSON_AddNumberToObject(j, "drifted", res->drifted);
			cJSON_AddNumberToObject(j, "fixed", res->fixed);
		}
		if (res->warnings[0] != '\0')
			cJSON_AddStringToObject(j, "warnings", res->warnings);
		items = cJSON_AddArrayToObject(j, "items");
		for (size_t i = 0; i < res->nitems; i++) {
			const struct pd_tune_item *it = &res->items[i];
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "key", it->key);
			cJSON_AddStringToObject(o, "want", it->want);
			if (it->engine[0])
				cJSON_AddStringToObject(o, "engine", it->engine);
			else
				cJSON_AddNullToObject(o, "engine");
			if (it->cgroup[0])
				cJSON_AddStringToObject(o, "cgroup", it->cgroup);
			else
				cJSON_AddNullToObject(o, "cgroup");
			if (it->file[0])
				cJSON_AddStringToObject(o, "file", it->file);
			else
				cJSON_AddNullToObject(o, "file");
			cJSON_AddStringToObject(o, "via", it->via);
			cJSON_AddBoolToObject(o, "ok", it->ok);
			if (it->note[0])
				cJSON_AddStringToObject(o, "note", it->note);
			cJSON_AddItemToArray(items, o);
		}
	}
	cli_print_json(j, 0);
}

/* The result for humans. */
static void
tune_print_text(int check, const struct pd_tune_result *res)
{
	tune_out(res->name);
	printf(" (%.12s) on ", res->id);
	tune_out(res->node);
	if (res->local)
		printf(", cgroup v%d files on this machine\n", res->cgroup_version);
	else
		printf(" (its cgroup files are not on this machine: engine only)\n");
	if (res->warnings[0] != '\0') {
		printf("  engine warnings: ");
		tune_out(res->warnings);
		putchar('\n');
	}
	if (check && res->nitems == 0)
		printf("  nothing to compare: no limits set by the engine%s\n",
		    res->local ? "" : " (and no cgroup files here)");
	for (size_t i = 0; i < res->nitems; i++) {
		const struct pd_tune_item *it = &res->items[i];

		printf("  %-11s %s %-14s engine %-14s cgroup %-14s %s\n", it->key,
		    check ? "desired" : "asked", it->want, it->engine[0] ? it->engine : "-",
		    it->cgroup[0] ? it->cgroup : "-", it->ok ? "ok" : check ? "DRIFT" : "DIFFERS");
		if (it->file[0] != '\0')
			printf("              file %s\n", it->file);
		printf("              %s %s", check ? "desired value from" : "set via", it->via);
		if (it->note[0] != '\0') {
			printf("; ");
			tune_out(it->note);
		}
		putchar('\n');
	}
	if (check)
		printf("%d drifted, %d fixed\n", res->drifted, res->fixed);
}

int
cli_tune(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "node", required_argument, NULL, 'N' },
		{ "check", no_argument, NULL, 'C' },
		{ "fix", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct backend_config cfg;
	struct pd_tune_result res;
	const char *node = NULL, *container;
	char err[512];
	int opt, check = 0, fix = 0, json = 0, rc;

	cli_backend_config(g, &cfg);
	optind = 0;         /* 0: glibc starts over (main() used "+") */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":Cfjh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'N': node = optarg; break;
		case 'C': check = 1; break;
		case 'f': fix = 1; break;
		case 'j': json = 1; break;
		case 'h': tune_help(); return CLI_EXIT_OK;
		default: return cli_option_error("tune", opt, argv);
		}
	}
	if (fix && !check)
		return cli_usage_error("tune", "--fix goes with --check");
	if (optind >= argc)
		return cli_usage_error("tune", "which container?");
	container = argv[optind++];
	if (check) {
		if (optind < argc)
			return cli_usage_error("tune", "--check takes no KEY=VALUE ('%s')", argv[optind]);
		rc = backend_tune_check(&cfg, node, container, fix, &res, err, sizeof(err));
	} else {
		if (optind >= argc)
			return cli_usage_error("tune", "what to set? KEY=VALUE (memory=256M, cpus=0.5, "
			    "memory.high=200M, cpu.weight=50 ...)");
		for (int i = optind; i < argc; i++)
			if (backend_tune_parse(argv[i], err, sizeof(err)) != 0)
				return cli_usage_error("tune", "%s", err);
		rc = backend_tune(&cfg, node, container, argv + optind, (size_t)(argc - optind),
		    &res, err, sizeof(err));
	}
	if (json) {
		tune_print_json(check ? "check" : "tune", rc, &res, err);
	} else if (rc < 0) {
		char clean[1024];

		fprintf(stderr, "plantdeck: tune: %s\n", cli_clean(clean, sizeof(clean), err));
	} else {
		tune_print_text(check, &res);
	}
	fflush(stdout);
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
