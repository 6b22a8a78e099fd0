/* cli.h: the command-line front end: subcommands in the style of git.
 * main.c parses the global options and picks a subcommand (one file each);
 * what the subcommands share is in common.c, declared at the end. */
#ifndef PLANTDECK_CLI_H
#define PLANTDECK_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

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

/* The subcommands. */
int cli_status(const struct cli_global *g, int argc, char **argv);
int cli_agent(const struct cli_global *g, int argc, char **argv);
int cli_tune(const struct cli_global *g, int argc, char **argv);
int cli_deploy(const struct cli_global *g, int argc, char **argv);
int cli_rollout(const struct cli_global *g, int argc, char **argv);
int cli_history(const struct cli_global *g, int argc, char **argv);
int cli_down(const struct cli_global *g, int argc, char **argv);
int cli_audit(const struct cli_global *g, int argc, char **argv);
int cli_audit_signer(const struct cli_global *g, int argc, char **argv);
int cli_heal(const struct cli_global *g, int argc, char **argv);
int cli_container(const struct cli_global *g, int argc, char **argv);
int cli_logs(const struct cli_global *g, int argc, char **argv);
int cli_approvals(const struct cli_global *g, int argc, char **argv);
int cli_approve(const struct cli_global *g, int argc, char **argv);
int cli_reject(const struct cli_global *g, int argc, char **argv);
int cli_serve(const struct cli_global *g, int argc, char **argv);

/* One subcommand. */
struct cli_command {
	const char *name;
	int (*run)(const struct cli_global *g, int argc, char **argv);
	const char *summary;
};

/* ---------------------------------------------------------- common.c */

struct backend;

/* approve.c: print MSG (why the action waits) and wait until this
 * process's newest four-eyes request ran (0, *RESULT: what it started) or
 * was rejected or cancelled (1, said on stderr); Ctrl-C withdraws it. */
int cli_await_approval(struct backend *b, const char *msg, int64_t *result);
struct backend_config;
struct cJSON;

/* Print "plantdeck: [CMD: ]MESSAGE" and the --help hint to stderr; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* cli_usage_error() for what getopt_long returned for ARGV[optind - 1]:
 * ':' (the option needs an argument) or anything else (an unknown one). */
int cli_option_error(const char *cmd, int opt, char **argv);

/* Parse seconds, 0 < s <= 3600; 0 or -1. */
int cli_parse_seconds(const char *text, double *out);

/* Fill a backend configuration from the global options. */
void cli_backend_config(const struct cli_global *g, struct backend_config *cfg);

/* Open (not start) the backend of CFG, or of the global options when CFG is
 * NULL.  CLI_EXIT_OK, or CLI_EXIT_USAGE after "plantdeck: [CMD: ]ERROR" on
 * stderr. */
int cli_backend_open(const struct cli_global *g, const struct backend_config *cfg,
    const char *cmd, struct backend **b);

/* From now on SIGINT and SIGTERM are counted (cli_signals()), not fatal. */
void cli_catch_signals(void);

/* How many SIGINT and SIGTERM arrived since cli_catch_signals(). */
int cli_signals(void);

/* Untrusted text S made safe for a terminal, in BUF of LEN bytes; BUF. */
const char *cli_clean(char *buf, size_t len, const char *s);

/* stdout and stderr through the sanitiser from now on (safeout.c). */
void cli_safe_streams(void);

/* The plain stdout and stderr back (the cockpit: curses owns the terminal). */
void cli_plain_streams(void);

/* An ISO 8601 UTC time as a JSON string, or JSON null for 0. */
struct cJSON *cli_json_time(time_t t);

/* Print J (indented when PRETTY, else on one line) and a newline; free J. */
void cli_print_json(struct cJSON *j, int pretty);

/* What cli_utc_time() shows besides the time of day. */
enum {
	CLI_TIME_DATE = 1,  /* the date: "2026-12-04T05:35:31Z" */
	CLI_TIME_MS = 2,    /* milliseconds: "05:35:31.250Z" */
};

/* T (seconds since the epoch) as every human-readable time of the CLI is
 * shown: UTC with a 'Z', "HH:MM:SSZ" plus FLAGS; "-" for 0.  In BUF of
 * LEN bytes; BUF. */
const char *cli_utc_time(char *buf, size_t len, double t, int flags);

/* Seconds on the monotonic clock. */
double cli_now(void);

#endif
