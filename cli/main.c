/* main.c: parses the global options and hands over to a subcommand, or to
 * the full-screen cockpit when there is none. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "tui/tui.h"
#include "cli.h"

static const struct cli_command cli_commands[] = {
	{ "status", cli_status, "print the fleet's nodes and containers (text or JSON)" },
	{ "agent", cli_agent, "run capture and the drift checker headless (JSON lines)" },
	{ "tune", cli_tune, "set a container's memory and CPU limits, check drift" },
	{ "deploy", cli_deploy, "roll a stack (compose file) out over the fleet" },
	{ "rollout", cli_rollout, "status, pause, resume, abort or roll back a deploy" },
	{ "history", cli_history, "a stack's kept revisions" },
	{ "down", cli_down, "take a stack off its nodes (containers, networks; --volumes)" },
	{ "audit", cli_audit, "the audit trail of who changed what; verify its chain" },
	{ "audit-signer", cli_audit_signer, "sign audit entries with a key writers cannot read" },
	{ "heal", cli_heal, "self-healing: findings, proposals, approve, reject, watch" },
	{ "serve", cli_serve, "run the fleet and the healer as a service; Prometheus /metrics" },
	{ "approvals", cli_approvals, "four eyes: the requests waiting for a second person" },
	{ "approve", cli_approve, "four eyes: approve another person's request" },
	{ "reject", cli_reject, "four eyes: reject another person's request" },
	{ "container", cli_container, "restart, stop, start, pause, unpause or remove a container" },
	{ "logs", cli_logs, "a container's log: --follow, --tail, --since, --timestamps" },
	{ NULL, NULL, NULL },
};

/* Print the top-level help. */
static void
cli_help(void)
{
	const struct cli_command *c;

	printf("Usage: plantdeck [OPTION]... [COMMAND [ARG]...]\n"
	    "A terminal cockpit for fleets of industrial Docker hosts.\n"
	    "With no COMMAND, open the full-screen cockpit.\n"
	    "\n"
	    "Options:\n"
	    "  -i, --inventory FILE  the plant's inventory (default: $PLANTDECK_INVENTORY,\n"
	    "                        else DOCKER_HOST or the local Docker socket)\n"
	    "  -c, --context NAME    nodes from a Docker context ('*' for all of them)\n"
	    "  -n, --nodes SELECTOR  only these nodes: line=A,cell=3 or press-01,press-0*\n"
	    "  -a, --ascii           draw with ASCII characters only\n"
	    "      --theme NAME|FILE colour theme: default, light, high-contrast,\n"
	    "                        monochrome, colorblind, or a theme file\n"
	    "      --colors N        auto (from the terminal), mono, 8, 16 or 256\n"
	    "      --rotate SECS     kiosk: switch between fleet and alarm pages\n"
	    "  -k, --kiosk           read-only kiosk screen: nothing can be changed\n"
	    "  -r, --read-only       refuse every command that would change a node\n"
	    "  -l, --log FILE        write diagnostics to FILE while the screen is up\n"
	    "      --db FILE         the database of deploys and revisions (default:\n"
	    "                        $PLANTDECK_DB, else /var/lib/plantdeck/plantdeck.db\n"
	    "                        when that directory exists, else\n"
	    "                        ~/.local/state/plantdeck/plantdeck.db)\n"
	    "  -h, --help            show this help and exit\n"
	    "  -V, --version         show the version and exit\n");
	if (cli_commands[0].name != NULL) {
		printf("\nCommands:\n");
		for (c = cli_commands; c->name != NULL; c++)
			printf("  %-12s %s\n", c->name, c->summary);
	}
	printf("\nSee plantdeck(1) for details.\n");
}

/* The default log file: $XDG_STATE_HOME/plantdeck.log or
 * ~/.local/state/plantdeck.log; NULL when neither can be made. */
static const char *
cli_default_log(char *buf, size_t len)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (state != NULL && state[0] == '/') {
		snprintf(buf, len, "%s/plantdeck.log", state);
	} else if (home != NULL && home[0] == '/') {
		snprintf(buf, len, "%s/.local", home);
		mkdir(buf, 0700);
		snprintf(buf, len, "%s/.local/state", home);
		mkdir(buf, 0700);
		snprintf(buf, len, "%s/.local/state/plantdeck.log", home);
	} else {
		return NULL;
	}
	return buf;
}

/* The full-screen cockpit: open the backend first, so that a bad inventory
 * is reported on a normal terminal and nothing starts. */
static int
cli_cockpit(const struct cli_global *g)
{
	struct backend_config cfg;
	struct tui_options topts = { 0 };
	struct backend *b;
	char logbuf[512];
	int rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "plantdeck: the cockpit needs a terminal; "
		    "try 'plantdeck status' for a text report\n");
		return CLI_EXIT_FAIL;
	}
	cli_backend_config(g, &cfg);
	cfg.heal = !cfg.read_only;     /* the cockpit runs the detectors, unless read-only */
	if ((rc = cli_backend_open(g, &cfg, NULL, &b)) != CLI_EXIT_OK)
		return rc;
	topts.ascii = g->ascii;
	topts.kiosk = g->kiosk;
	topts.colors = g->colors;
	topts.rotate = g->rotate;
	topts.theme = g->theme;
	topts.log_path = g->log_path != NULL ? g->log_path : cli_default_log(logbuf, sizeof(logbuf));
	cli_plain_streams();	/* curses owns the terminal; it draws only sanitised text */
	rc = tui_run(&topts, b);
	cli_safe_streams();
	backend_close(b);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "context", required_argument, NULL, 'c' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "theme", required_argument, NULL, 'T' },
		{ "colors", required_argument, NULL, 'C' },
		{ "rotate", required_argument, NULL, 'R' },
		{ "kiosk", no_argument, NULL, 'k' },
		{ "log", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_global g = { .colors = -1 };
	const struct cli_command *c;
	int opt;

	cli_safe_streams();
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:i:c:n:rakl:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			g.inventory = optarg;
			break;
		case 'c':
			g.context = optarg;
			break;
		case 'n':
			g.selector = optarg;
			break;
		case 'r':
			g.read_only = 1;
			break;
		case 'a':
			g.ascii = 1;
			break;
		case 'T':
			g.theme = optarg;
			break;
		case 'C':
			if (strcmp(optarg, "auto") == 0)
				g.colors = -1;
			else if (strcmp(optarg, "mono") == 0 || strcmp(optarg, "0") == 0)
				g.colors = 0;
			else if (strcmp(optarg, "8") == 0 || strcmp(optarg, "16") == 0 ||
			    strcmp(optarg, "256") == 0)
				g.colors = (int)strtol(optarg, NULL, 10);
			else
				return cli_usage_error(NULL, "--colors '%s': use auto, mono, 8, 16 or 256",
				    optarg);
			break;
		case 'R':
			if (cli_parse_seconds(optarg, &g.rotate) != 0)
				return cli_usage_error(NULL, "--rotate '%s': want seconds, 0 < s <= 3600",
				    optarg);
			break;
		case 'k':
			g.kiosk = 1;
			break;
		case 'l':
			g.log_path = optarg;
			break;
		case 'D':
			g.db_path = optarg;
			break;
		case 'h':
			cli_help();
			return CLI_EXIT_OK;
		case 'V':
			printf("plantdeck %s\n", backend_version());
			return CLI_EXIT_OK;
		default:
			return cli_option_error(NULL, opt, argv);
		}
	}

	if (optind < argc) {
		for (c = cli_commands; c->name != NULL; c++)
			if (strcmp(c->name, argv[optind]) == 0)
				return c->run(&g, argc - optind, argv + optind);
		return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
	}

	return cli_cockpit(&g);
}
