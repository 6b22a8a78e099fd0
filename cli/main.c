/* main.c: parses the global options and hands over to a subcommand, or to
 * the full-screen cockpit when there is none. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "tui/tui.h"
#include "cli.h"

static const struct cli_command cli_commands[] = {
	{ "status", cli_status, "print the fleet's nodes and containers (text or JSON)" },
	{ NULL, NULL, NULL },
};

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
}

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
	    "  -k, --kiosk           read-only kiosk screen: nothing can be changed\n"
	    "  -r, --read-only       refuse every command that would change a node\n"
	    "  -l, --log FILE        write diagnostics to FILE while the screen is up\n"
	    "  -h, --help            show this help and exit\n"
	    "  -V, --version         show the version and exit\n");
	if (cli_commands[0].name != NULL) {
		printf("\nCommands:\n");
		for (c = cli_commands; c->name != NULL; c++)
			printf("  %-12s %s\n", c->name, c->summary);
	}
	printf("\nSee plantdeck(1) for details.\n");
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
		{ "kiosk", no_argument, NULL, 'k' },
		{ "log", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_global g = { 0 };
	struct tui_options topts = { 0 };
	const struct cli_command *c;
	int opt;

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
		case 'k':
			g.kiosk = 1;
			break;
		case 'l':
			g.log_path = optarg;
			break;
		case 'h':
			cli_help();
			return CLI_EXIT_OK;
		case 'V':
			printf("plantdeck %s\n", backend_version());
			return CLI_EXIT_OK;
		case ':':
			return cli_usage_error(NULL, "option '%s' needs an argument",
			    argv[optind - 1]);
		default:
			return cli_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}

	if (optind < argc) {
		for (c = cli_commands; c->name != NULL; c++)
			if (strcmp(c->name, argv[optind]) == 0)
				return c->run(&g, argc - optind, argv + optind);
		return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
	}

	topts.ascii = g.ascii;
	topts.kiosk = g.kiosk;
	topts.log_path = g.log_path;
	return tui_run(&topts);
}
