/* cli.h: the command-line front end: subcommands in the style of git. */
#ifndef PLANTDECK_CLI_H
#define PLANTDECK_CLI_H

/* Exit statuses shared by every subcommand. */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,   /* the command ran and the outcome is bad */
	CLI_EXIT_USAGE = 2,  /* bad command line or bad input file */
	CLI_EXIT_PAUSED = 3, /* a deploy paused (resume or roll it back) */
};

/* Options that come before the subcommand. */
struct cli_global {
	const char *log_path;
	const char *inventory;  /* --inventory, else $PLANTDECK_INVENTORY */
	const char *context;    /* --context */
	const char *selector;   /* --nodes */
	const char *theme;      /* --theme */
	int colors;             /* --colors: -1 auto, 0 mono, 8, 16, 256 */
	double rotate;          /* --rotate */
	int ascii;
	int kiosk;
	int read_only;          /* --read-only, implied by --kiosk */
	const char *db_path;    /* --db */
};

struct backend_config;

/* Fill a backend configuration from the global options. */
void cli_backend_config(const struct cli_global *g, struct backend_config *cfg);

/* Parse seconds, 0 < s <= 3600; 0 or -1. */
int cli_parse_seconds(const char *text, double *out);

/* The subcommands. */
int cli_status(const struct cli_global *g, int argc, char **argv);
int cli_agent(const struct cli_global *g, int argc, char **argv);
int cli_tune(const struct cli_global *g, int argc, char **argv);
int cli_deploy(const struct cli_global *g, int argc, char **argv);
int cli_rollout(const struct cli_global *g, int argc, char **argv);
int cli_history(const struct cli_global *g, int argc, char **argv);
int cli_audit(const struct cli_global *g, int argc, char **argv);
int cli_heal(const struct cli_global *g, int argc, char **argv);

/* One subcommand. */
struct cli_command {
	const char *name;
	int (*run)(const struct cli_global *g, int argc, char **argv);
	const char *summary;
};

/* Print "plantdeck: MESSAGE" and the --help hint to stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
