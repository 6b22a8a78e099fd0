/* audit.c: `plantdeck audit` — list the audit trail, and check its chain.
 *
 *   plantdeck audit [--since T] [--json]   the entries, oldest first
 *   plantdeck audit verify [--public-key F] [--checkpoints F]
 *                                          exit 0 when the chain is intact,
 *                                          1 naming the first entry that was
 *                                          altered, removed or inserted; with
 *                                          the key, every signature and the
 *                                          chain against the last checkpoint
 *   plantdeck audit-signer --key F ...     the signer (root), on a socket
 *
 * T is an ISO 8601 date or time ("2025-03-01", "2025-03-01T14:30",
 * "2025-03-01 14:30:00Z", "2025-03-01T16:30+02:00": UTC, as every time the
 * CLI prints, unless an offset follows) or a duration back from now ("90m",
 * "2h", "3d", "1w").  doc/audit.md has the rest. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backend/backend.h"
#include "cli.h"

/* Seconds east of UTC of an ISO 8601 offset, "+02:00", "-0530" or "+02";
 * 0 with *OK clear when S is not one. */
static long
audit_parse_offset(const char *s, int *ok)
{
	int h, m = 0;

	*ok = 0;
	if ((s[0] != '+' && s[0] != '-') || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]))
		return 0;
	h = (s[1] - '0') * 10 + (s[2] - '0');
	s += 3;
	if (s[0] == ':')
		s++;
	if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1])) {
		m = (s[0] - '0') * 10 + (s[1] - '0');
		s += 2;
	}
	if (s[0] != '\0' || h > 14 || m > 59)
		return 0;
	*ok = 1;
	return h * 3600L + m * 60L;
}

/* Parse --since: a duration back from NOW, or an ISO 8601 date or time
 * (UTC unless an offset follows); the time, or -1. */
static time_t
audit_parse_since(const char *text, time_t now)
{
	static const char *const formats[] = {
		"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
		"%Y-%m-%d",
	};
	char *end;
	long long n;

	if (isdigit((unsigned char)text[0])) {
		errno = 0;
		n = strtoll(text, &end, 10);
		if (errno == 0 && n >= 0 && n <= 100LL * 366 * 86400 && end[0] != '\0' &&
		    end[1] == '\0') {
			long long unit = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ?
			    3600 : end[0] == 'd' ? 86400 : end[0] == 'w' ? 7 * 86400 : 0;

			if (unit != 0 && n * unit <= (long long)now)
				return now - (time_t)(n * unit);
		}
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct tm tm;
		const char *rest;
		time_t t;

		memset(&tm, 0, sizeof(tm));
		rest = strptime(text, formats[i], &tm);
		if (rest == NULL)
			continue;
		if (rest[0] == '.') {               /* fractions of a second: ignored */
			rest++;
			while (isdigit((unsigned char)rest[0]))
				rest++;
		}
		if (strcmp(rest, "Z") == 0 || rest[0] == '\0') {
			t = timegm(&tm);
		} else {
			int ok;
			long off = audit_parse_offset(rest, &ok);

			if (!ok)
				continue;
			/* 16:30+02:00 is 14:30Z. */
			t = timegm(&tm) - (rest[0] == '-' ? -off : off);
		}
		return t;
	}
	return (time_t)-1;
}

/* S made safe for a terminal; a new string (S itself when out of memory
 * is not an option: NULL). */
static char *
audit_clean(const char *s, int ascii)
{
	size_t len = strlen(s) * 6 + 16;
	char *out = malloc(len);

	if (out != NULL)
		pd_sanitize(out, len, s, ascii);
	return out;
}

/* Print what verify checked besides the chain (REP), sanitised. */
static void
audit_verify_report(const struct pd_audit_report *rep, const char *key, int ascii)
{
	char *k = audit_clean(key != NULL ? key : "", ascii);
	char *cp = audit_clean(rep->cp_path, ascii);
	char *t = audit_clean(rep->cp_time, ascii);

	if (!rep->keyed)
		printf("signatures: not checked (no audit.public_key or --public-key); %zu "
		    "entr%s carry one\n", rep->nsigned, rep->nsigned == 1 ? "y" : "ies");
	else
		printf("signatures: %zu entr%s signed, all good (%s)\n", rep->nsigned,
		    rep->nsigned == 1 ? "y" : "ies", k != NULL ? k : "");
	if (rep->unsigned_first != 0)
		printf("unsigned: entries %lld-%lld (written before signing was configured)\n",
		    (long long)rep->unsigned_first, (long long)rep->unsigned_last);
	if (rep->checkpoint)
		printf("checkpoint: entry %lld, signed %s (%s line %ld): the chain reaches it\n",
		    (long long)rep->cp_id, t != NULL ? t : "", cp != NULL ? cp : "", rep->cp_line);
	else if (rep->keyed)
		printf("checkpoint: none in %s\n", cp != NULL ? cp : "");
	free(k);
	free(cp);
	free(t);
}

static int
audit_verify_cmd(const struct cli_global *g, const char *key, const char *checkpoints)
{
	struct pd_audit_report rep;
	struct backend *b;
	char why[1536];
	int64_t bad;
	int rc;

	if (cli_backend_open(g, NULL, "audit", &b) != CLI_EXIT_OK)
		return CLI_EXIT_USAGE;
	rc = backend_audit_verify(b, key, checkpoints, &rep, &bad, why, sizeof(why));
	backend_close(b);
	if (rc < 0) {
		fprintf(stderr, "plantdeck: audit verify: %s\n", why);
		return CLI_EXIT_FAIL;
	}
	if (rc > 0) {
		char *w = audit_clean(why, g->ascii);

		printf("audit chain broken: %s\n", w != NULL ? w : why);
		free(w);
		return CLI_EXIT_FAIL;
	}
	printf("audit chain intact: %zu entr%s\n", rep.count, rep.count == 1 ? "y" : "ies");
	audit_verify_report(&rep, key != NULL ? key : "audit.public_key", g->ascii);
	return CLI_EXIT_OK;
}

static volatile sig_atomic_t audit_signer_stop;

/* SIGTERM, SIGINT: stop the signer. */
static void
audit_signer_on_signal(int sig)
{
	(void)sig;
	audit_signer_stop = 1;
}

int
cli_audit_signer(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "socket", required_argument, NULL, 's' },
		{ "checkpoints", required_argument, NULL, 'c' },
		{ "group", required_argument, NULL, 'g' },
		{ "no-syslog", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *sock = "/run/plantdeck/audit-signer.sock", *cps = NULL;
	const char *group = NULL;
	struct sigaction sa;
	char err[1024];
	int opt, no_syslog = 0;

	(void)g;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'k':
			key = optarg;
			break;
		case 's':
			sock = optarg;
			break;
		case 'c':
			cps = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'n':
			no_syslog = 1;
			break;
		case 'h':
			printf("Usage: plantdeck audit-signer --key FILE [--socket PATH] "
			    "[--checkpoints FILE]\n"
			    "                              [--group NAME] [--no-syslog]\n"
			    "Sign audit entries with the Ed25519 private key FILE, which the\n"
			    "database's writers cannot read; they reach the signer on PATH\n"
			    "(default /run/plantdeck/audit-signer.sock; mode 0660 with --group,\n"
			    "else 0600).  Each signature appends a signed checkpoint of the\n"
			    "chain's head to FILE (default /var/log/plantdeck/audit-checkpoints)\n"
			    "and to syslog (authpriv.notice).  Runs until SIGTERM (doc/audit.md).\n");
			return CLI_EXIT_OK;
		case ':':
			return cli_usage_error("audit-signer", "'%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("audit-signer", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("audit-signer", "unknown argument '%s'", argv[optind]);
	if (key == NULL)
		return cli_usage_error("audit-signer", "--key FILE is needed (the PEM Ed25519 "
		    "private key: openssl genpkey -algorithm ed25519 -out FILE)");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = audit_signer_on_signal;        /* no SA_RESTART: poll returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (backend_audit_signer(key, sock, cps, group, no_syslog, &audit_signer_stop, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "plantdeck: audit-signer: %s\n", err);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static void
audit_print_json(const struct pd_audit_entry *v, size_t n)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < n && arr != NULL; i++) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddNumberToObject(r, "id", (double)v[i].id);
		cJSON_AddStringToObject(r, "time", v[i].time);
		cJSON_AddStringToObject(r, "actor", v[i].actor);
		cJSON_AddStringToObject(r, "action", v[i].action);
		cJSON_AddStringToObject(r, "target", v[i].target);
		cJSON_AddStringToObject(r, "detail", v[i].detail);
		cJSON_AddStringToObject(r, "prev_hash", v[i].prev_hash);
		cJSON_AddStringToObject(r, "hash", v[i].hash);
		if (v[i].sig[0] != '\0')
			cJSON_AddStringToObject(r, "sig", v[i].sig);
		else
			cJSON_AddNullToObject(r, "sig");
		cJSON_AddItemToArray(arr, r);
	}
	cli_print_json(arr, 0);
}

static int
audit_print_text(const struct pd_audit_entry *v, size_t n, int ascii)
{
	printf("%5s  %-24s  %-16s  %-14s  %s\n", "ID", "TIME (UTC)", "ACTOR", "ACTION",
	    "TARGET: DETAIL");
	for (size_t i = 0; i < n; i++) {
		char *actor = audit_clean(v[i].actor, ascii);
		char *action = audit_clean(v[i].action, ascii);
		char *target = audit_clean(v[i].target, ascii);
		char *detail = audit_clean(v[i].detail, ascii);
		char *time = audit_clean(v[i].time, ascii);

		if (actor == NULL || action == NULL || target == NULL || detail == NULL ||
		    time == NULL) {
			free(actor);
			free(action);
			free(target);
			free(detail);
			free(time);
			fprintf(stderr, "plantdeck: audit: out of memory\n");
			return CLI_EXIT_FAIL;
		}
		printf("%5lld  %-24s  %-16s  %-14s  %s%s%s\n", (long long)v[i].id, time, actor,
		    action, target, detail[0] != '\0' ? ": " : "", detail);
		free(actor);
		free(action);
		free(target);
		free(detail);
		free(time);
	}
	return CLI_EXIT_OK;
}

int
cli_audit(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "public-key", required_argument, NULL, 'p' },
		{ "checkpoints", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *checkpoints = NULL;
	struct pd_audit_entry *v;
	struct backend *b;
	char err[1024];
	time_t since = 0;
	size_t n;
	int json = 0, opt, rc;

	optind = 0;         /* 0: glibc starts over (main() used "+") */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			since = audit_parse_since(optarg, time(NULL));
			if (since == (time_t)-1)
				return cli_usage_error("audit", "--since '%s': want an ISO 8601 date or "
				    "time, UTC unless an offset follows (2025-03-01, 2025-03-01T14:30, "
				    "2025-03-01T16:30+02:00) or a duration (90m, 2h, 3d, 1w)", optarg);
			break;
		case 'j':
			json = 1;
			break;
		case 'p':
			key = optarg;
			break;
		case 'c':
			checkpoints = optarg;
			break;
		case 'h':
			printf("Usage: plantdeck [OPTION]... audit [--since T] [--json]\n"
			    "       plantdeck [OPTION]... audit verify [--public-key F] [--checkpoints F]\n"
			    "The audit trail: every deploy, rollback, pause, resume, abort, approval,\n"
			    "rejection, automatic action and tuning change, oldest first; each entry\n"
			    "carries the SHA-256 of the one before it, and with a signer its\n"
			    "Ed25519 signature.\n"
			    "\n"
			    "  --since T   entries written at or after T: an ISO 8601 date or time\n"
			    "              (UTC, as the entries are shown, unless an offset such as\n"
			    "              +02:00 follows) or a duration (90m, 2h, 3d, 1w)\n"
			    "  --json      one JSON array, with each entry's prev_hash and hash\n"
			    "\n"
			    "verify checks the whole chain: exit 0 when intact, 1 naming the first\n"
			    "entry that was altered, removed or inserted (doc/audit.md).  With the\n"
			    "signer's public key (--public-key F, or the inventory's audit.public_key)\n"
			    "it checks every signature and the chain against the last checkpoint\n"
			    "(--checkpoints F, audit.checkpoints, else\n"
			    "/var/log/plantdeck/audit-checkpoints).\n");
			return CLI_EXIT_OK;
		case ':':
			return cli_usage_error("audit", "'%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage_error("audit", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc && strcmp(argv[optind], "verify") == 0) {
		if (argc - optind > 1)
			return cli_usage_error("audit", "verify takes no arguments");
		if (json || since != 0)
			return cli_usage_error("audit", "verify checks the whole chain: no --since "
			    "or --json");
		return audit_verify_cmd(g, key, checkpoints);
	}
	if (optind < argc)
		return cli_usage_error("audit", "unknown argument '%s' (verify?)", argv[optind]);
	if (key != NULL || checkpoints != NULL)
		return cli_usage_error("audit", "--public-key and --checkpoints are for verify");
	if (cli_backend_open(g, NULL, "audit", &b) != CLI_EXIT_OK)
		return CLI_EXIT_USAGE;
	if (backend_audit_list(b, since, &v, &n, err, sizeof(err)) != 0) {
		fprintf(stderr, "plantdeck: audit: %s\n", err);
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	backend_close(b);
	if (json) {
		audit_print_json(v, n);
		rc = CLI_EXIT_OK;
	} else {
		rc = audit_print_text(v, n, g->ascii);
	}
	pd_audit_free(v, n);
	return rc;
}
