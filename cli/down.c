/* down.c: plantdeck down STACK — take a stack off its nodes, as docker
 * compose down and docker stack rm do.  Only the command line and the
 * printing are here: the removal is backend_stack_down's
 * (backend/deploy/rollout-down.c). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "cli.h"

/* What the command saw, for its summary. */
struct down_ctx {
	int dry;
	size_t count, failed;
};

/* Print one thing removed, failed, or that a dry run would remove. */
static void
down_item(void *ctx, const struct pd_down_item *it)
{
	struct down_ctx *c = ctx;
	char n[PD_NAME_LEN * 4], m[PD_NAME_LEN * 8], e[PD_ERROR_LEN * 4];

	c->count++;
	cli_clean(n, sizeof(n), it->node[0] != '\0' ? it->node : "swarm");
	cli_clean(m, sizeof(m), it->name);
	if (strcmp(it->kind, "node") == 0) {
		c->failed++;
		printf("%-16s unreachable: %s\n", n, cli_clean(e, sizeof(e), it->error));
	} else if (it->ok < 0) {
		printf("%-16s would remove %s %s\n", n, it->kind, m);
	} else if (it->ok) {
		printf("%-16s removed %s %s\n", n, it->kind, m);
	} else {
		c->failed++;
		printf("%-16s FAILED to remove %s %s: %s\n", n, it->kind, m,
		    cli_clean(e, sizeof(e), it->error));
	}
	fflush(stdout);
}

/* Nothing of STACK was found: when the database has no revision of it
 * either, say so (a typo, or another --db); not an error, as with docker
 * compose down, since a stack may be on the nodes without being in it. */
static void
down_warn_unknown(struct backend *b, const char *stack)
{
	struct pd_revision *v = NULL;
	char err[1024], e[sizeof(err) * 4];
	size_t n;

	if (backend_history(b, stack, &v, &n, err, sizeof(err)) != 0)
		fprintf(stderr, "plantdeck: down: warning: %s\n", cli_clean(e, sizeof(e), err));
	free(v);
}

int
cli_down(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "volumes", no_argument, NULL, 'v' },
		{ "dry-run", no_argument, NULL, 'd' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct down_ctx c = { 0 };
	struct cli_global own = *g;
	struct backend *b;
	char err[1024];
	int volumes = 0, opt, rc;
	int64_t id = 0;

	optind = 0;         /* 0: glibc starts over (main() used "+") */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":vn:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			own.selector = optarg;  /* as deploy's --nodes, after the command */
			break;
		case 'v':
			volumes = 1;
			break;
		case 'd':
			c.dry = 1;
			break;
		case 'h':
			printf("Usage: plantdeck [OPTION]... down STACK [--nodes SELECTOR] [--volumes] [--dry-run]\n"
			    "Take STACK off its nodes, as docker compose down and docker stack rm\n"
			    "do: its containers (dependents first) and the networks plantdeck made\n"
			    "for it, on every node of the inventory (narrowed by --nodes); under\n"
			    "target swarm its services, networks, secrets and configs.  Named\n"
			    "volumes stay unless --volumes is given; external networks and volumes\n"
			    "always stay.  The kept revisions stay in the database.\n"
			    "\n"
			    "  -n, --nodes SEL only these nodes (as before the command)\n"
			    "  -v, --volumes   remove the stack's named volumes too (their data)\n"
			    "      --dry-run   list what would be removed, change nothing\n"
			    "\n"
			    "Exit status: 0 all removed (or nothing found: a warning says when the\n"
			    "database has no revision of STACK either), 1 something could not be\n"
			    "removed or a node not reached (the rest was removed), 2 bad command\n"
			    "line or refused.\n");
			return CLI_EXIT_OK;
		default:
			return cli_option_error("down", opt, argv);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("down", "name one stack: plantdeck down STACK");
	if (cli_backend_open(&own, NULL, "down", &b) != CLI_EXIT_OK)
		return CLI_EXIT_USAGE;
	rc = backend_stack_down(b, argv[optind], volumes, c.dry, down_item, &c, &id, err,
	    sizeof(err));
	if (rc < 0) {
		char e[sizeof(err) * 4];

		fprintf(stderr, "plantdeck: down: %s\n", cli_clean(e, sizeof(e), err));
		backend_close(b);
		return strncmp(err, "refused", 7) == 0 || strncmp(err, "bad stack", 9) == 0 ?
		    CLI_EXIT_USAGE : CLI_EXIT_FAIL;
	}
	if (c.count == 0)
		down_warn_unknown(b, argv[optind]);
	if (c.dry)
		printf("dry run: %zu thing%s would be removed%s\n", c.count, c.count == 1 ? "" :
		    "s", volumes ? "" : " (named volumes stay: --volumes removes them)");
	else if (c.count == 0)
		printf("deploy #%lld: nothing of stack %s was found on the nodes\n",
		    (long long)id, argv[optind]);
	else
		printf("deploy #%lld: %zu removed, %zu failed (plantdeck rollout journal %lld)\n",
		    (long long)id, c.count - c.failed, c.failed, (long long)id);
	backend_close(b);
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
