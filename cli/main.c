/* main.c: parses the global options and hands over to a subcommand, or to
 * the full-screen cockpit when there is none. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "tui/tui.h"
#include "cli.h"

static const struct cli_command cli_commands[] = {
	{ NULL, NULL, NULL },
};

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
	    "  -a, --ascii       draw with ASCII characters only\n"
	    "  -k, --kiosk       read-only kiosk screen: nothing can be changed\n"
	    "  -l, --log FILE    write diagnostics to FILE while the screen is up\n"
	    "  -h, --help        show this help and exit\n"
	    "  -V, --version     show the version and exit\n");
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
	while ((opt = getopt_long(argc, argv, "+:akl:hV", longopts, NULL)) != -1) {
		switch (opt) {
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
