/* compose.c: stack files (the docker-compose subset plants use) and their
 * canonical JSON form.
 *
 * A stack file is read whole (at most CP_MAX_FILE bytes), its nesting
 * checked over the events (cp_check_depth), then loaded with libyaml's
 * document API and walked against a small schema, as inventory.c does.
 * Each mapping is checked against a table of the keys plantdeck reads and
 * a list of the compose keys it does not (cp_mapping): an unsupported key
 * is a warning, an unknown one an error, an "x-" key is ignored (the
 * compose convention).  Merge keys ("<<: *anchor") are flattened there
 * too, the mapping's own keys first; aliases are resolved by libyaml and
 * never expanded beyond what the schema reads.
 *
 * Every scalar value is interpolated (${VAR}, ${VAR:-default}, $$ ...)
 * from the environment, then from the .env file beside the stack file.
 * Each service becomes the body of an Engine API POST /containers/create,
 * built in a fixed field order, so that two loads of one file give the
 * same canonical text (compose_to_json).
 *
 * Errors are one line, "FILE:LINE:COLUMN: message" (1-based); an env file
 * names "FILE:LINE".  Text quoted in a message may be junk from the file,
 * so cp_quote() escapes and shortens it.  Numbers that reach the JSON are
 * kept below 10^15, which cJSON prints as plain integers that the Engine
 * can read into an int64.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "backend/deploy/compose.h"
#include "backend/engine/inventory.h"

#ifdef UNITTEST
#define COMPOSE_STATIC
/* Parsers exposed for tests/unit/test-compose.c. */
int compose_parse_size(const char *s, int64_t *bytes);
int compose_parse_duration(const char *s, int64_t *ns);
int compose_parse_cpus(const char *s, int64_t *nanocpus);
cJSON *compose_split_words(const char *s, const char **why);
#else
#define COMPOSE_STATIC static
#endif

#define CP_MAX_FILE (4 * 1024 * 1024)	/* bytes of YAML */
#define CP_MAX_ENV_FILE (1024 * 1024)	/* bytes of one .env or env_file */
#define CP_MAX_JSON (64 * 1024 * 1024)	/* bytes of canonical text */
#define CP_MAX_DEPTH 64			/* nested collections */
#define CP_MAX_SERVICES 256
#define CP_MAX_PAIRS 4096		/* keys of one mapping, merges included */
#define CP_MAX_ITEMS 4096		/* items of one list */
#define CP_MAX_MERGE 8			/* merges within merges */
#define CP_MAX_NEST 16			/* ${A:-${B:-...}} */
#define CP_MAX_TEXT (64 * 1024)		/* bytes of one value, interpolated */
#define CP_MAX_NAME 63			/* stack and service names */
#define CP_MAX_WARNINGS 256
#define CP_MAX_INT 999999999999999LL	/* cJSON prints it without an exponent */
#define CP_MAX_CPUS 4096
#define CP_MAX_PORT_RANGE 1024		/* ports in one "8000-8010" */
#define CP_QUOTE 64			/* bytes of junk shown in a message */
#define CP_QUOTE_PATH 256		/* bytes of a path shown in a message */

#define CP_NS 1000000000LL		/* ns in one second */

/* Untrusted text made printable for a message. */
struct cp_q {
	char s[4 * CP_QUOTE_PATH + 8];
};

/* A growing byte buffer, always NUL-terminated once anything is in it. */
struct cp_buf {
	char *s;
	size_t len, size;
};

/* One variable of an env file. */
struct cp_var {
	char *key;
	char *value;		/* NULL: a bare key with no value anywhere */
};

struct cp_vars {
	struct cp_var *v;
	size_t n, size;
};

/* A stack file being read. */
struct cp_file {
	const char *path;	/* as the caller gave it, for messages */
	char *reldir;		/* its directory as given ("." when none) */
	char *dir;		/* its absolute directory */
	yaml_document_t doc;
	struct cp_vars dotenv;	/* the .env beside it */
	struct compose_stack *stack;
	char *err;
	size_t errlen;
};

/* A key and value of a mapping, merges flattened. */
struct cp_pair {
	yaml_node_t *k, *v;
};

/* What a mapping may hold: KEYS by the index its value is returned at,
 * and the compose keys plantdeck ignores with a warning. */
struct cp_schema {
	const char *const *keys;
	size_t nkeys;
	const char *const *unsupported;		/* NULL-terminated, or NULL */
	int extensions;				/* "x-" keys are ignored */
};

/* ---------------------------------------------------------------- key tables */

enum { TOP_SERVICES, TOP_NAME, TOP_VERSION, TOP_VOLUMES, TOP_PLANTDECK, TOP_NKEYS };
static const char *const cp_top_keys[TOP_NKEYS] = {
	[TOP_SERVICES] = "services",
	[TOP_NAME] = "name",
	[TOP_VERSION] = "version",
	[TOP_VOLUMES] = "volumes",
	[TOP_PLANTDECK] = "x-plantdeck",
};
static const char *const cp_top_unsupported[] = {
	"networks", "secrets", "configs", "include", "models", NULL,
};

enum { PD_STACK, PD_PLACEMENT, PD_ROLLOUT, PD_TARGET, PD_NKEYS };
static const char *const cp_pd_keys[PD_NKEYS] = {
	[PD_STACK] = "stack",
	[PD_PLACEMENT] = "placement",
	[PD_ROLLOUT] = "rollout",
	[PD_TARGET] = "target",
};

enum { RO_CANARY, RO_PARALLELISM, RO_GROW, RO_DELAY, RO_MONITOR, RO_DEADLINE,
	RO_RATIO, RO_ACTION, RO_ORDER, RO_REVISIONS, RO_PULLS, RO_NKEYS };
static const char *const cp_rollout_keys[RO_NKEYS] = {
	[RO_CANARY] = "canary",
	[RO_PARALLELISM] = "parallelism",
	[RO_GROW] = "grow",
	[RO_DELAY] = "delay",
	[RO_MONITOR] = "monitor",
	[RO_DEADLINE] = "progress_deadline",
	[RO_RATIO] = "max_failure_ratio",
	[RO_ACTION] = "failure_action",
	[RO_ORDER] = "order",
	[RO_REVISIONS] = "revisions",
	[RO_PULLS] = "max_pulls",
};

enum { SVC_IMAGE, SVC_COMMAND, SVC_ENTRYPOINT, SVC_ENVIRONMENT, SVC_ENV_FILE,
	SVC_PORTS, SVC_VOLUMES, SVC_DEVICES, SVC_MEM_LIMIT, SVC_MEM_RESERVATION,
	SVC_CPUS, SVC_DEPLOY, SVC_RESTART, SVC_HEALTHCHECK, SVC_LABELS,
	SVC_NETWORK_MODE, SVC_CAP_ADD, SVC_CAP_DROP, SVC_PRIVILEGED, SVC_USER,
	SVC_READ_ONLY, SVC_WORKING_DIR, SVC_HOSTNAME, SVC_STOP_SIGNAL,
	SVC_STOP_GRACE, SVC_NKEYS };
static const char *const cp_service_keys[SVC_NKEYS] = {
	[SVC_IMAGE] = "image",
	[SVC_COMMAND] = "command",
	[SVC_ENTRYPOINT] = "entrypoint",
	[SVC_ENVIRONMENT] = "environment",
	[SVC_ENV_FILE] = "env_file",
	[SVC_PORTS] = "ports",
	[SVC_VOLUMES] = "volumes",
	[SVC_DEVICES] = "devices",
	[SVC_MEM_LIMIT] = "mem_limit",
	[SVC_MEM_RESERVATION] = "mem_reservation",
	[SVC_CPUS] = "cpus",
	[SVC_DEPLOY] = "deploy",
	[SVC_RESTART] = "restart",
	[SVC_HEALTHCHECK] = "healthcheck",
	[SVC_LABELS] = "labels",
	[SVC_NETWORK_MODE] = "network_mode",
	[SVC_CAP_ADD] = "cap_add",
	[SVC_CAP_DROP] = "cap_drop",
	[SVC_PRIVILEGED] = "privileged",
	[SVC_USER] = "user",
	[SVC_READ_ONLY] = "read_only",
	[SVC_WORKING_DIR] = "working_dir",
	[SVC_HOSTNAME] = "hostname",
	[SVC_STOP_SIGNAL] = "stop_signal",
	[SVC_STOP_GRACE] = "stop_grace_period",
};
/* The rest of the compose specification's service keys. */
static const char *const cp_service_unsupported[] = {
	"annotations", "attach", "blkio_config", "build", "cgroup", "cgroup_parent",
	"configs", "container_name", "cpu_count", "cpu_percent", "cpu_period",
	"cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpuset",
	"credential_spec", "depends_on", "develop", "device_cgroup_rules", "dns",
	"dns_opt", "dns_search", "domainname", "driver_opts", "expose", "extends",
	"external_links", "extra_hosts", "gpus", "group_add", "init", "ipc",
	"isolation", "label_file", "links", "logging", "mac_address",
	"mem_swappiness", "memswap_limit", "models", "networks", "oom_kill_disable",
	"oom_score_adj", "pid", "pids_limit", "platform", "post_start", "pre_stop",
	"profiles", "provider", "pull_policy", "runtime", "scale", "secrets",
	"security_opt", "shm_size", "stdin_open", "storage_opt", "sysctls", "tmpfs",
	"tty", "ulimits", "use_api_socket", "userns_mode", "uts", "volumes_from",
	NULL,
};

enum { DEP_RESOURCES, DEP_MODE, DEP_REPLICAS, DEP_NKEYS };
static const char *const cp_deploy_keys[DEP_NKEYS] = {
	[DEP_RESOURCES] = "resources",
	[DEP_MODE] = "mode",
	[DEP_REPLICAS] = "replicas",
};
/* Under target engines only resources is read; under target swarm mode
 * and replicas too. */
static const char *const cp_deploy_unsupported[] = {
	"endpoint_mode", "labels", "mode", "placement", "replicas", "restart_policy",
	"rollback_config", "update_config", NULL,
};
static const char *const cp_deploy_swarm_unsupported[] = {
	"endpoint_mode", "labels", "placement", "restart_policy", "rollback_config",
	"update_config", NULL,
};

enum { RES_LIMITS, RES_RESERVATIONS, RES_NKEYS };
static const char *const cp_resources_keys[RES_NKEYS] = {
	[RES_LIMITS] = "limits",
	[RES_RESERVATIONS] = "reservations",
};

enum { LIM_MEMORY, LIM_CPUS, LIM_NKEYS };
static const char *const cp_limits_keys[LIM_NKEYS] = {
	[LIM_MEMORY] = "memory",
	[LIM_CPUS] = "cpus",
};
static const char *const cp_limits_unsupported[] = { "pids", "devices", NULL };

enum { RSV_MEMORY, RSV_NKEYS };
static const char *const cp_reservations_keys[RSV_NKEYS] = {
	[RSV_MEMORY] = "memory",
};
static const char *const cp_reservations_unsupported[] = {
	"cpus", "devices", "generic_resources", "pids", NULL,
};

enum { HC_TEST, HC_INTERVAL, HC_TIMEOUT, HC_RETRIES, HC_START_PERIOD, HC_DISABLE,
	HC_NKEYS };
static const char *const cp_healthcheck_keys[HC_NKEYS] = {
	[HC_TEST] = "test",
	[HC_INTERVAL] = "interval",
	[HC_TIMEOUT] = "timeout",
	[HC_RETRIES] = "retries",
	[HC_START_PERIOD] = "start_period",
	[HC_DISABLE] = "disable",
};
static const char *const cp_healthcheck_unsupported[] = { "start_interval", NULL };

/* ---------------------------------------------------------------- helpers */

/* Write a message to ERR, if there is room for one; returns -1. */
static int __attribute__((format(printf, 3, 4)))
cp_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Untrusted TEXT (LEN bytes) for a one-line message: printable ASCII as
 * is, other bytes as \xHH, cut after MAX bytes with "...". */
static const char *
cp_quote(struct cp_q *q, const char *text, size_t len, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (max > CP_QUOTE_PATH)
		max = CP_QUOTE_PATH;
	for (i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c >= 0x20 && c < 0x7f)
			q->s[o++] = (char)c;
		else {
			q->s[o++] = '\\';
			q->s[o++] = 'x';
			q->s[o++] = hex[c >> 4];
			q->s[o++] = hex[c & 15];
		}
	}
	if (i < len) {
		memcpy(q->s + o, "...", 3);
		o += 3;
	}
	q->s[o] = '\0';
	return q->s;
}

/* A NUL-terminated string, quoted as above. */
static const char *
cp_quotes(struct cp_q *q, const char *s, size_t max)
{
	return cp_quote(q, s, strlen(s), max);
}

/* A new string holding LEN bytes of S. */
static char *
cp_strndup(const char *s, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return NULL;
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

/* A new string "A/B" (no doubled slash), or NULL. */
static char *
cp_join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int slash = la > 0 && a[la - 1] == '/';
	char *s = malloc(la + lb + 2);

	if (s == NULL)
		return NULL;
	snprintf(s, la + lb + 2, "%s%s%s", a, slash ? "" : "/", b);
	return s;
}

/* ASCII letter or digit, whatever the locale. */
static int
cp_isalnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* ASCII digit. */
static int
cp_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/* A control character (C0 or DEL). */
static int
cp_iscntrl(int c)
{
	return (c >= 0 && c < 0x20) || c == 0x7f;
}

/* Whether C may start (FIRST) or continue a variable name. */
static int
cp_isvar(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && cp_isdigit(c));
}

/* Whether S is a good stack or service name: [a-zA-Z0-9][a-zA-Z0-9_.-]*,
 * at most CP_MAX_NAME bytes. */
static int
cp_valid_name(const char *s, size_t len)
{
	if (len == 0 || len > CP_MAX_NAME || !cp_isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (!cp_isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	}
	return 1;
}

/* Append LEN bytes of S to B, which may hold at most CP_MAX_TEXT bytes. */
static int
cp_buf_add(struct cp_buf *b, const char *s, size_t len)
{
	char *ns;
	size_t size;

	if (len > CP_MAX_TEXT || b->len + len > CP_MAX_TEXT)
		return -1;
	if (b->len + len + 1 > b->size) {
		size = b->size ? b->size : 64;
		while (size < b->len + len + 1)
			size *= 2;
		ns = realloc(b->s, size);
		if (ns == NULL)
			return -1;
		b->s = ns;
		b->size = size;
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
	return 0;
}

/* The text of B, taken from it (an empty string when B is empty). */
static char *
cp_buf_take(struct cp_buf *b)
{
	char *s = b->s;

	if (s == NULL)
		s = strdup("");
	b->s = NULL;
	b->len = b->size = 0;
	return s;
}

/* All of PATH in a new NUL-terminated buffer of at most MAX bytes, or NULL
 * with errno (EISDIR for a directory, EFBIG when too large). */
static char *
cp_read_file(const char *path, size_t max, size_t *lenp)
{
	size_t len = 0, size = 4096;
	char *buf = NULL, *nbuf;
	struct stat st;
	ssize_t got;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	if (S_ISREG(st.st_mode) && st.st_size >= 0 && (size_t)st.st_size <= max)
		size = (size_t)st.st_size + 1;
	buf = malloc(size);
	if (buf == NULL)
		goto fail;
	for (;;) {
		if (len + 1 >= size) {
			if (size >= max + 2) {
				errno = EFBIG;
				goto fail;
			}
			size = size * 2 > max + 2 ? max + 2 : size * 2;
			nbuf = realloc(buf, size);
			if (nbuf == NULL)
				goto fail;
			buf = nbuf;
		}
		got = read(fd, buf + len, size - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;

fail:
	e = errno;
	free(buf);
	close(fd);
	errno = e;
	return NULL;
}

/* ---------------------------------------------------------------- numbers */

/* Digits D[.F] at *P (advanced past them) as an exact count of UNIT
 * parts, fractions of a part truncated; 0, -1 when there are no digits,
 * -2 when it passes MAX. */
static int
cp_decimal(const char **p, int64_t unit, int64_t max, int64_t *out)
{
	const char *s = *p;
	int64_t whole = 0, num = 0, den = 1, frac;
	int digits = 0, over = 0;

	for (; cp_isdigit((unsigned char)*s); s++, digits++) {
		int d = *s - '0';

		if (whole > (INT64_MAX - d) / 10)
			over = 1;
		else
			whole = whole * 10 + d;
	}
	if (*s == '.' && (digits > 0 || cp_isdigit((unsigned char)s[1]))) {
		for (s++; cp_isdigit((unsigned char)*s); s++, digits++) {
			if (den < 1000000000000000000LL) {	/* 18 digits are plenty */
				num = num * 10 + (*s - '0');
				den *= 10;
			}
		}
	}
	if (digits == 0)
		return -1;
	*p = s;
	/* unit * num / den exactly, then truncated: num < den <= 10^18. */
	frac = (int64_t)((unsigned __int128)unit * (unsigned __int128)num / (unsigned __int128)den);
	if (over || whole > max / unit || whole * unit > max - frac)
		return -2;
	*out = whole * unit + frac;
	return 0;
}

/* A memory size: bytes, or a number with b, k, m, g, t or p (powers of
 * 1024, as Docker reads them; "kb", "KiB" too); 0, -1 when bad, -2 when
 * too large. */
COMPOSE_STATIC int
compose_parse_size(const char *s, int64_t *bytes)
{
	static const char units[] = "bkmgtp";
	const char *p, *u;
	int64_t mult = 1, v;
	int rc;

	if (s == NULL || !cp_isdigit((unsigned char)*s))
		return -1;
	for (u = s; cp_isdigit((unsigned char)*u) || *u == '.'; u++)
		;
	p = u;
	if (*u == ' ')
		u++;
	if (*u != '\0') {
		const char *k = strchr(units, *u | 0x20);
		int shift;

		if (k == NULL)
			return -1;
		shift = (int)(k - units) * 10;
		mult = (int64_t)1 << shift;
		u++;
		if (shift > 0 && (*u | 0x20) == 'i')
			u++;
		if (shift > 0 && (*u | 0x20) == 'b')
			u++;
		if (*u != '\0')
			return -1;
	}
	u = s;
	rc = cp_decimal(&u, mult, CP_MAX_INT, &v);
	if (rc == -1 || u != p)
		return -1;
	if (rc != 0)
		return rc;
	*bytes = v;
	return 0;
}

/* A Go duration ("1m30s", "500ms", "1.5h"; "0" alone) in ns; 0, -1 when
 * bad, -2 when longer than CP_MAX_INT ns. */
COMPOSE_STATIC int
compose_parse_duration(const char *s, int64_t *ns)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "\xce\xbcs", 1000 },
		{ "ms", 1000000 }, { "s", CP_NS }, { "m", 60 * CP_NS }, { "h", 3600 * CP_NS },
	};
	const char *p = s;
	int64_t total = 0;
	int over = 0;

	if (s == NULL || *s == '\0')
		return -1;
	if (strcmp(s, "0") == 0) {
		*ns = 0;
		return 0;
	}
	while (*p != '\0') {
		const char *num = p, *q;
		size_t i, bestlen = 0;
		int64_t part = 0, unit = 0;
		int rc;

		while (cp_isdigit((unsigned char)*p) || *p == '.')
			p++;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t len = strlen(units[i].name);

			if (strncmp(p, units[i].name, len) == 0 && len > bestlen) {
				bestlen = len;
				unit = units[i].ns;
			}
		}
		if (bestlen == 0 || p == num)
			return -1;
		q = num;
		rc = cp_decimal(&q, unit, CP_MAX_INT, &part);
		if (rc == -1 || q != p)
			return -1;
		if (rc != 0 || part > CP_MAX_INT - total)
			over = 1;
		else
			total += part;
		p += bestlen;
	}
	if (over)
		return -2;
	*ns = total;
	return 0;
}

/* A number of CPUs ("0.5", "2") as NanoCpus; 0, -1 when bad, -2 when out
 * of range (0, or more than CP_MAX_CPUS). */
COMPOSE_STATIC int
compose_parse_cpus(const char *s, int64_t *nanocpus)
{
	const char *p = s;
	int64_t v;
	int rc;

	if (s == NULL)
		return -1;
	rc = cp_decimal(&p, CP_NS, CP_MAX_INT, &v);
	if (rc == -1 || *p != '\0')
		return -1;
	if (rc != 0 || v <= 0 || v > (int64_t)CP_MAX_CPUS * CP_NS)
		return -2;
	*nanocpus = v;
	return 0;
}

/* A whole number S in MIN..MAX; 0, or -1. */
static int
cp_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || !(cp_isdigit((unsigned char)*s) ||
	    (*s == '-' && cp_isdigit((unsigned char)s[1]))))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* ---------------------------------------------------------------- words */

/* S split into words as a shell would (and compose does): blanks
 * separate, '...' is literal, "..." and a backslash escape; a cJSON
 * array, or NULL with WHY. */
COMPOSE_STATIC cJSON *
compose_split_words(const char *s, const char **why)
{
	struct cp_buf w = { 0 };
	cJSON *arr = cJSON_CreateArray(), *item;
	int inword = 0, count = 0;
	const char *p = s;

	*why = "out of memory";
	if (arr == NULL)
		return NULL;
	for (;;) {
		char c = *p;

		if (c == '\0' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (inword) {
				char *word = cp_buf_take(&w);

				if (word == NULL || ++count > CP_MAX_ITEMS ||
				    (item = cJSON_CreateString(word)) == NULL) {
					if (count > CP_MAX_ITEMS)
						*why = "too many words";
					free(word);
					goto fail;
				}
				free(word);
				cJSON_AddItemToArray(arr, item);
				inword = 0;
			}
			if (c == '\0')
				break;
			p++;
			continue;
		}
		inword = 1;
		if (c == '\'') {
			const char *end = strchr(p + 1, '\'');

			if (end == NULL) {
				*why = "unterminated quote";
				goto fail;
			}
			if (cp_buf_add(&w, p + 1, (size_t)(end - p - 1)) != 0 ||
			    cp_buf_add(&w, "", 0) != 0)
				goto fail;
			p = end + 1;
		} else if (c == '"') {
			p++;
			while (*p != '"') {
				if (*p == '\0') {
					*why = "unterminated quote";
					goto fail;
				}
				if (*p == '\\' && p[1] != '\0' && strchr("\"\\$`\n", p[1]) != NULL)
					p++;
				if (cp_buf_add(&w, p, 1) != 0)
					goto fail;
				p++;
			}
			if (cp_buf_add(&w, "", 0) != 0)
				goto fail;
			p++;
		} else if (c == '\\') {
			if (p[1] == '\0') {
				*why = "a backslash at the end";
				goto fail;
			}
			if (p[1] != '\n' && cp_buf_add(&w, p + 1, 1) != 0)
				goto fail;
			p += 2;
		} else {
			if (cp_buf_add(&w, p, 1) != 0)
				goto fail;
			p++;
		}
	}
	free(w.s);
	*why = NULL;
	return arr;

fail:
	free(w.s);
	cJSON_Delete(arr);
	return NULL;
}
/* ---------------------------------------------------------------- stacks */

/* The policy every key of which is at its default (compose.h). */
void
compose_policy_defaults(struct compose_policy *p)
{
	if (p == NULL)
		return;
	memset(p, 0, sizeof(*p));
	p->canary = 1;
	p->parallelism = 0;
	p->grow = 1;
	p->delay = 0;
	p->monitor = 10;
	p->progress_deadline = 120;
	p->max_failure_ratio = 0.05;
	p->failure_action = COMPOSE_FAIL_PAUSE;
	p->order = COMPOSE_STOP_FIRST;
	p->revisions = 5;
	p->max_pulls = 8;
}

/* The name of failure action A, as written in a file. */
const char *
compose_failure_action_name(enum compose_failure_action a)
{
	switch (a) {
	case COMPOSE_FAIL_PAUSE:
		return "pause";
	case COMPOSE_FAIL_ROLLBACK:
		return "rollback";
	case COMPOSE_FAIL_CONTINUE:
		return "continue";
	}
	return "pause";
}

/* The name of order O, as written in a file. */
const char *
compose_order_name(enum compose_order o)
{
	switch (o) {
	case COMPOSE_STOP_FIRST:
		return "stop-first";
	case COMPOSE_START_FIRST:
		return "start-first";
	}
	return "stop-first";
}

/* The name of target T, as written in a file. */
const char *
compose_target_name(enum compose_target t)
{
	return t == COMPOSE_TARGET_SWARM ? "swarm" : "engines";
}

/* The name of service mode M, as written in a file. */
const char *
compose_mode_name(enum compose_mode m)
{
	return m == COMPOSE_MODE_REPLICATED ? "replicated" : "global";
}

/* Free a stack and everything in it. */
void
compose_free(struct compose_stack *stack)
{
	if (stack == NULL)
		return;
	for (size_t i = 0; i < stack->nservices; i++) {
		free(stack->services[i].name);
		free(stack->services[i].image);
		cJSON_Delete(stack->services[i].create);
	}
	for (size_t i = 0; i < stack->nwarnings; i++)
		free(stack->warnings[i]);
	free(stack->services);
	free(stack->warnings);
	free(stack->file);
	free(stack->name);
	free(stack->placement);
	free(stack);
}

/* A new empty stack from FILE with the default policy, or NULL. */
static struct compose_stack *
cp_stack_new(const char *file)
{
	struct compose_stack *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	compose_policy_defaults(&s->policy);
	if ((s->file = strdup(file)) == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

/* ---------------------------------------------------------------- YAML nodes */

/* Set a "FILE:LINE:COLUMN: message" error at MARK; returns -1. */
static int __attribute__((format(printf, 3, 4)))
cp_error(struct cp_file *f, const yaml_mark_t *mark, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cp_seterr(f->err, f->errlen, "%s:%zu:%zu: %s", f->path,
	    mark->line + 1, mark->column + 1, msg);
}

/* Add a "FILE:LINE:COLUMN: message" warning at MARK to the stack; only an
 * allocation failure is an error. */
static int __attribute__((format(printf, 3, 4)))
cp_warn(struct cp_file *f, const yaml_mark_t *mark, const char *fmt, ...)
{
	struct compose_stack *s = f->stack;
	char msg[2048], line[2048 + CP_QUOTE_PATH * 4], **nw, *copy;
	va_list ap;

	if (s->nwarnings >= CP_MAX_WARNINGS)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s:%zu:%zu: %s", f->path, mark->line + 1,
	    mark->column + 1, msg);
	copy = strdup(line);
	nw = realloc(s->warnings, (s->nwarnings + 1) * sizeof(*nw));
	if (copy == NULL || nw == NULL) {
		free(copy);
		if (nw != NULL)
			s->warnings = nw;
		return cp_error(f, mark, "out of memory");
	}
	s->warnings = nw;
	s->warnings[s->nwarnings++] = copy;
	return 0;
}

/* Scalar N's bytes. */
static const char *
cp_scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* Whether N is a scalar with exactly the text S. */
static int
cp_scalar_is(const yaml_node_t *n, const char *s)
{
	size_t len = strlen(s);

	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
	    memcmp(n->data.scalar.value, s, len) == 0;
}

/* Whether N is a YAML null (an empty plain scalar, ~ or null). */
static int
cp_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (n->data.scalar.length == 0 || cp_scalar_is(n, "~") || cp_scalar_is(n, "null") ||
	    cp_scalar_is(n, "Null") || cp_scalar_is(n, "NULL"));
}

/* Node INDEX of the document. */
static yaml_node_t *
cp_get(struct cp_file *f, int index)
{
	return yaml_document_get_node(&f->doc, index);
}

/* Number of characters (not bytes) in the first LEN bytes of S. */
static size_t
cp_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* The position of byte OFF of scalar N's value, where the file shows it
 * plainly (a one-line scalar without escapes); else the scalar's start. */
static yaml_mark_t
cp_mark_at(const yaml_node_t *n, size_t off)
{
	yaml_mark_t m = n->start_mark;
	size_t len = n->data.scalar.length, span, chars, quote;
	const char *s = cp_scalar(n);

	if (n->end_mark.line != n->start_mark.line || n->end_mark.index < m.index)
		return m;
	span = n->end_mark.index - m.index;
	chars = cp_chars(s, len);
	switch (n->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE:
		quote = 0;
		break;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		quote = 1;
		break;
	default:
		return m;
	}
	if (span != chars + 2 * quote && span != len + 2 * quote)
		return m;
	m.column += quote + cp_chars(s, off);
	return m;
}

/* ---------------------------------------------------------------- variables */

/* Free the variables of V. */
static void
cp_vars_clear(struct cp_vars *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].key);
		free(v->v[i].value);
	}
	free(v->v);
	memset(v, 0, sizeof(*v));
}

/* The variable KEY (LEN bytes) in V, or NULL. */
static struct cp_var *
cp_vars_find(const struct cp_vars *v, const char *key, size_t len)
{
	for (size_t i = 0; i < v->n; i++) {
		if (strlen(v->v[i].key) == len && memcmp(v->v[i].key, key, len) == 0)
			return &v->v[i];
	}
	return NULL;
}

/* Set KEY (LEN bytes) to VALUE (taken; NULL: no value) in V, replacing
 * an earlier value in place. */
static int
cp_vars_set(struct cp_vars *v, const char *key, size_t len, char *value)
{
	struct cp_var *var = cp_vars_find(v, key, len), *nv;

	if (var != NULL) {
		free(var->value);
		var->value = value;
		return 0;
	}
	if (v->n >= CP_MAX_ITEMS) {
		free(value);
		return -1;
	}
	if (v->n == v->size) {
		size_t size = v->size ? v->size * 2 : 16;

		nv = realloc(v->v, size * sizeof(*nv));
		if (nv == NULL) {
			free(value);
			return -1;
		}
		v->v = nv;
		v->size = size;
	}
	v->v[v->n].key = cp_strndup(key, len);
	if (v->v[v->n].key == NULL) {
		free(value);
		return -1;
	}
	v->v[v->n].value = value;
	v->n++;
	return 0;
}

/* The value of variable NAME (LEN bytes): the environment's, else the
 * .env file's; NULL when it is set in neither. */
static const char *
cp_lookup(struct cp_file *f, const char *name, size_t len)
{
	char key[256];
	const char *v;
	struct cp_var *var;

	if (len >= sizeof(key))
		return NULL;
	memcpy(key, name, len);
	key[len] = '\0';
	v = getenv(key);
	if (v != NULL)
		return v;
	var = cp_vars_find(&f->dotenv, name, len);
	return var != NULL ? var->value : NULL;
}

/* Interpolate S[0..LEN) (part of scalar N, whose value starts at WHOLE)
 * into B; WHAT names the value in messages. */
static int
cp_interp(struct cp_file *f, const yaml_node_t *n, const char *whole, const char *s,
    size_t len, struct cp_buf *b, const char *what, int depth)
{
	struct cp_q q, qm;
	size_t i = 0;

	if (depth > CP_MAX_NEST) {
		yaml_mark_t m = cp_mark_at(n, (size_t)(s - whole));

		return cp_error(f, &m, "%s: substitutions nested too deep (more than %d)",
		    what, CP_MAX_NEST);
	}
	while (i < len) {
		const char *dollar = memchr(s + i, '$', len - i);
		size_t at, nstart, nlen, j;
		const char *name, *val, *op;
		yaml_mark_t m;

		if (dollar == NULL) {
			if (cp_buf_add(b, s + i, len - i) != 0)
				goto toolong;
			break;
		}
		at = (size_t)(dollar - s);
		if (cp_buf_add(b, s + i, at - i) != 0)
			goto toolong;
		m = cp_mark_at(n, (size_t)(dollar - whole));
		if (at + 1 < len && s[at + 1] == '$') {
			if (cp_buf_add(b, "$", 1) != 0)
				goto toolong;
			i = at + 2;
			continue;
		}
		if (at + 1 < len && cp_isvar((unsigned char)s[at + 1], 1)) {
			nstart = at + 1;
			for (j = nstart; j < len && cp_isvar((unsigned char)s[j], 0); j++)
				;
			name = s + nstart;
			nlen = j - nstart;
			val = cp_lookup(f, name, nlen);
			if (val == NULL && cp_warn(f, &m, "variable '%s' is not set, using an "
			    "empty string", cp_quote(&q, name, nlen, CP_QUOTE)) != 0)
				return -1;
			if (val != NULL && cp_buf_add(b, val, strlen(val)) != 0)
				goto toolong;
			i = j;
			continue;
		}
		if (at + 1 >= len || s[at + 1] != '{')
			return cp_error(f, &m, "%s: bad '$' (write '$$' for a dollar sign)", what);

		/* ${...}: find the matching brace, nested ${ included. */
		{
			size_t end, open = 1, oplen = 0, inner;
			int colon = 0;
			char kind = '\0';

			for (end = at + 2; end < len; end++) {
				if (s[end] == '$' && end + 1 < len && s[end + 1] == '$')
					end++;
				else if (s[end] == '$' && end + 1 < len && s[end + 1] == '{') {
					open++;
					end++;
				} else if (s[end] == '}' && --open == 0)
					break;
			}
			if (end >= len)
				return cp_error(f, &m, "%s: unterminated '${'", what);
			nstart = at + 2;
			for (j = nstart; j < end && cp_isvar((unsigned char)s[j], j == nstart); j++)
				;
			name = s + nstart;
			nlen = j - nstart;
			op = s + j;
			if (j < end && *op == ':') {
				colon = 1;
				op++;
				oplen++;
			}
			if (j + oplen < end && strchr("-?+", *op) != NULL) {
				kind = *op;
				oplen++;
			}
			if (nlen == 0 || (j + oplen < end && kind == '\0') || (colon && kind == '\0'))
				return cp_error(f, &m, "%s: bad substitution '%s'", what,
				    cp_quote(&q, s + at, end + 1 - at, CP_QUOTE));
			inner = j + oplen;	/* the default, message or alternative */
			val = cp_lookup(f, name, nlen);
			switch (kind) {
			case '\0':
				if (val == NULL && cp_warn(f, &m, "variable '%s' is not set, "
				    "using an empty string", cp_quote(&q, name, nlen, CP_QUOTE)) != 0)
					return -1;
				break;
			case '-':
				if (val == NULL || (colon && *val == '\0')) {
					if (cp_interp(f, n, whole, s + inner, end - inner, b, what,
					    depth + 1) != 0)
						return -1;
					val = NULL;
				}
				break;
			case '?':
				if (val == NULL || (colon && *val == '\0')) {
					cp_quote(&q, name, nlen, CP_QUOTE);
					if (end == inner)
						return cp_error(f, &m, "%s: variable '%s' is required",
						    what, q.s);
					return cp_error(f, &m, "%s: variable '%s' is required: %s",
					    what, q.s, cp_quote(&qm, s + inner, end - inner, CP_QUOTE));
				}
				break;
			case '+':
				if (val != NULL && !(colon && *val == '\0') &&
				    cp_interp(f, n, whole, s + inner, end - inner, b, what,
				    depth + 1) != 0)
					return -1;
				val = NULL;
				break;
			}
			if (val != NULL && cp_buf_add(b, val, strlen(val)) != 0)
				goto toolong;
			i = end + 1;
		}
	}
	return 0;

toolong:
	return cp_error(f, &n->start_mark, "%s is too long (at most %d bytes)", what,
	    CP_MAX_TEXT);
}

/* Flags of cp_str. */
#define CP_EMPTY_OK 1		/* an empty value is fine */
#define CP_SPACE_OK 2		/* tabs and line ends are fine (commands) */

/* Scalar N's value, interpolated, as a new string; WHAT names it in
 * messages ("'image'"). */
static char *
cp_str(struct cp_file *f, yaml_node_t *n, const char *what, int flags)
{
	struct cp_buf b = { 0 };
	char *s;

	if (n->type != YAML_SCALAR_NODE) {
		cp_error(f, &n->start_mark, "expected a string for %s", what);
		return NULL;
	}
	if (cp_interp(f, n, cp_scalar(n), cp_scalar(n), n->data.scalar.length, &b, what, 0) != 0) {
		free(b.s);
		return NULL;
	}
	if (b.s != NULL && strlen(b.s) != b.len) {	/* "\0" in a quoted scalar */
		free(b.s);
		cp_error(f, &n->start_mark, "%s has a control character", what);
		return NULL;
	}
	s = cp_buf_take(&b);
	if (s == NULL) {
		cp_error(f, &n->start_mark, "out of memory");
		return NULL;
	}
	if (*s == '\0' && !(flags & CP_EMPTY_OK)) {
		cp_error(f, &n->start_mark, "%s is empty", what);
		free(s);
		return NULL;
	}
	for (const char *p = s; *p != '\0'; p++) {
		if (cp_iscntrl((unsigned char)*p) &&
		    !((flags & CP_SPACE_OK) && (*p == '\t' || *p == '\n' || *p == '\r'))) {
			cp_error(f, &n->start_mark, "%s has a control character", what);
			free(s);
			return NULL;
		}
	}
	return s;
}

/* Scalar N as a boolean (true/false); 0, or -1. */
static int
cp_bool(struct cp_file *f, yaml_node_t *n, const char *what, int *out)
{
	struct cp_q q;
	char *s = cp_str(f, n, what, 0);

	if (s == NULL)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
		*out = 0;
	else {
		cp_error(f, &n->start_mark, "%s must be true or false, not '%s'", what,
		    cp_quotes(&q, s, CP_QUOTE));
		free(s);
		return -1;
	}
	free(s);
	return 0;
}

/* Scalar N as a whole number in MIN..MAX; 0, or -1. */
static int
cp_int(struct cp_file *f, yaml_node_t *n, const char *what, long long min, long long max,
    long long *out)
{
	struct cp_q q;
	char *s = cp_str(f, n, what, 0);

	if (s == NULL)
		return -1;
	if (cp_parse_int(s, min, max, out) != 0) {
		cp_error(f, &n->start_mark, "%s must be a whole number from %lld to %lld, "
		    "not '%s'", what, min, max, cp_quotes(&q, s, CP_QUOTE));
		free(s);
		return -1;
	}
	free(s);
	return 0;
}

/* Scalar N as a memory size in bytes; 0, or -1. */
static int
cp_size(struct cp_file *f, yaml_node_t *n, const char *what, int64_t *out)
{
	struct cp_q q;
	char *s = cp_str(f, n, what, 0);
	int rc;

	if (s == NULL)
		return -1;
	rc = compose_parse_size(s, out);
	cp_quotes(&q, s, CP_QUOTE);
	free(s);
	if (rc == -2)
		return cp_error(f, &n->start_mark, "%s: size '%s' is too large (at most %lld "
		    "bytes)", what, q.s, CP_MAX_INT);
	if (rc != 0)
		return cp_error(f, &n->start_mark, "%s: bad size '%s'", what, q.s);
	return 0;
}

/* Scalar N as a Go duration in ns; 0, or -1. */
static int
cp_duration(struct cp_file *f, yaml_node_t *n, const char *what, int64_t *out)
{
	struct cp_q q;
	char *s = cp_str(f, n, what, 0);
	int rc;

	if (s == NULL)
		return -1;
	rc = compose_parse_duration(s, out);
	cp_quotes(&q, s, CP_QUOTE);
	free(s);
	if (rc == -2)
		return cp_error(f, &n->start_mark, "%s: duration '%s' is too long", what, q.s);
	if (rc != 0)
		return cp_error(f, &n->start_mark, "%s: bad duration '%s' (use a number with a "
		    "unit, such as 30s, 1m30s or 500ms)", what, q.s);
	return 0;
}

/* Scalar N as a number of CPUs, in NanoCpus; 0, or -1. */
static int
cp_cpus(struct cp_file *f, yaml_node_t *n, const char *what, int64_t *out)
{
	struct cp_q q;
	char *s = cp_str(f, n, what, 0);
	int rc;

	if (s == NULL)
		return -1;
	rc = compose_parse_cpus(s, out);
	cp_quotes(&q, s, CP_QUOTE);
	free(s);
	if (rc != 0)
		return cp_error(f, &n->start_mark, "%s: bad number of CPUs '%s' (use a number "
		    "more than 0 and at most %d, such as 0.5)", what, q.s, CP_MAX_CPUS);
	return 0;
}

/* ---------------------------------------------------------------- mappings */

/* Append the pairs of mapping N to *PAIRS (*NP of them, room for MAX):
 * its own keys (each at most once), then those of the mappings merged
 * with "<<" that are not there yet. */
static int
cp_flatten_into(struct cp_file *f, yaml_node_t *n, struct cp_pair *pairs, size_t *np,
    int depth)
{
	yaml_node_t *merges[64];
	size_t nmerges = 0, own = *np;
	struct cp_q q;

	if (depth > CP_MAX_MERGE)
		return cp_error(f, &n->start_mark, "merges nested too deep (more than %d)",
		    CP_MAX_MERGE);
	for (yaml_node_pair_t *pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = cp_get(f, pair->key), *v = cp_get(f, pair->value);
		size_t i;

		if (k == NULL || v == NULL)
			return cp_error(f, &n->start_mark, "broken mapping");
		if (k->type != YAML_SCALAR_NODE)
			return cp_error(f, &k->start_mark, "a key must be a string");
		if (cp_scalar_is(k, "<<") && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			if (v->type == YAML_MAPPING_NODE && nmerges < 64)
				merges[nmerges++] = v;
			else if (v->type == YAML_SEQUENCE_NODE) {
				for (yaml_node_item_t *it = v->data.sequence.items.start;
				    it < v->data.sequence.items.top; it++) {
					yaml_node_t *m = cp_get(f, *it);

					if (m == NULL || m->type != YAML_MAPPING_NODE)
						return cp_error(f, m != NULL ? &m->start_mark :
						    &v->start_mark, "'<<' merges mappings only");
					if (nmerges == 64)
						return cp_error(f, &v->start_mark,
						    "too many merges");
					merges[nmerges++] = m;
				}
			} else if (v->type != YAML_MAPPING_NODE)
				return cp_error(f, &v->start_mark, "'<<' merges mappings only");
			else
				return cp_error(f, &v->start_mark, "too many merges");
			continue;
		}
		cp_quote(&q, cp_scalar(k), k->data.scalar.length, CP_QUOTE);
		for (i = own; i < *np; i++) {
			if (pairs[i].k->data.scalar.length == k->data.scalar.length &&
			    memcmp(cp_scalar(pairs[i].k), cp_scalar(k), k->data.scalar.length) == 0)
				return cp_error(f, &k->start_mark,
				    "duplicate key '%s' (first at line %zu)", q.s,
				    pairs[i].k->start_mark.line + 1);
		}
		if (*np >= CP_MAX_PAIRS)
			return cp_error(f, &n->start_mark, "too many keys (at most %d)",
			    CP_MAX_PAIRS);
		pairs[*np].k = k;
		pairs[*np].v = v;
		(*np)++;
	}
	for (size_t m = 0; m < nmerges; m++) {
		struct cp_pair *more;
		size_t nmore = 0, i, j;

		more = malloc(CP_MAX_PAIRS * sizeof(*more));
		if (more == NULL)
			return cp_error(f, &n->start_mark, "out of memory");
		if (cp_flatten_into(f, merges[m], more, &nmore, depth + 1) != 0) {
			free(more);
			return -1;
		}
		for (j = 0; j < nmore; j++) {
			for (i = own; i < *np; i++) {
				if (pairs[i].k->data.scalar.length == more[j].k->data.scalar.length &&
				    memcmp(cp_scalar(pairs[i].k), cp_scalar(more[j].k),
				    more[j].k->data.scalar.length) == 0)
					break;
			}
			if (i < *np)
				continue;
			if (*np >= CP_MAX_PAIRS) {
				free(more);
				return cp_error(f, &n->start_mark, "too many keys (at most %d)",
				    CP_MAX_PAIRS);
			}
			pairs[(*np)++] = more[j];
		}
		free(more);
	}
	return 0;
}

/* The pairs of mapping N, merges flattened, in a new array; -1 on error. */
static int
cp_pairs(struct cp_file *f, yaml_node_t *n, struct cp_pair **out, size_t *np)
{
	size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	struct cp_pair *pairs;
	int merges = 0;

	*out = NULL;
	*np = 0;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cp_get(f, p->key);

		merges |= k != NULL && cp_scalar_is(k, "<<");
	}
	if (count > CP_MAX_PAIRS)
		return cp_error(f, &n->start_mark, "too many keys (at most %d)", CP_MAX_PAIRS);
	pairs = malloc((merges ? CP_MAX_PAIRS : count + 1) * sizeof(*pairs));
	if (pairs == NULL)
		return cp_error(f, &n->start_mark, "out of memory");
	if (cp_flatten_into(f, n, pairs, np, 0) != 0) {
		free(pairs);
		return -1;
	}
	*out = pairs;
	return 0;
}

/* Check that mapping N (the value of WHAT) holds only keys of SCHEMA:
 * VALS[i] and KEYN[i] get the value and key of its KEYS[i], or NULL (a
 * null value counts as none); an unsupported key is a warning. */
static int
cp_mapping(struct cp_file *f, yaml_node_t *n, const char *what, const struct cp_schema *schema,
    yaml_node_t **vals, yaml_node_t **keyn)
{
	struct cp_pair *pairs;
	struct cp_q q;
	size_t np;
	int rc = -1;

	for (size_t i = 0; i < schema->nkeys; i++)
		vals[i] = keyn[i] = NULL;
	if (n->type != YAML_MAPPING_NODE)
		return cp_error(f, &n->start_mark, "expected a mapping for %s", what);
	if (cp_pairs(f, n, &pairs, &np) != 0)
		return -1;
	for (size_t p = 0; p < np; p++) {
		yaml_node_t *k = pairs[p].k, *v = pairs[p].v;
		size_t i;

		for (i = 0; i < schema->nkeys; i++) {
			if (cp_scalar_is(k, schema->keys[i]))
				break;
		}
		if (i < schema->nkeys) {
			keyn[i] = k;
			vals[i] = cp_null(v) ? NULL : v;
			continue;
		}
		cp_quote(&q, cp_scalar(k), k->data.scalar.length, CP_QUOTE);
		if (schema->extensions && k->data.scalar.length >= 2 &&
		    (cp_scalar(k)[0] == 'x' || cp_scalar(k)[0] == 'X') && cp_scalar(k)[1] == '-')
			continue;
		for (i = 0; schema->unsupported != NULL && schema->unsupported[i] != NULL; i++) {
			if (cp_scalar_is(k, schema->unsupported[i]))
				break;
		}
		if (schema->unsupported != NULL && schema->unsupported[i] != NULL) {
			if (cp_warn(f, &k->start_mark, "unsupported key '%s' ignored", q.s) != 0)
				goto out;
			continue;
		}
		cp_error(f, &k->start_mark, "unknown key '%s'", q.s);
		goto out;
	}
	rc = 0;
out:
	free(pairs);
	return rc;
}

/* ---------------------------------------------------------------- env files */

/* Parse LINE (LEN bytes, line LINENO of env file SHOWN) into VARS:
 * KEY=VALUE, 'export KEY=VALUE', a quoted value, a bare KEY (taken from
 * the environment when BARE, else skipped); blank lines and # comments. */
static int
cp_env_line(struct cp_file *f, const char *shown, size_t lineno, const char *line, size_t len,
    struct cp_vars *vars, int bare)
{
	const char *p = line, *end = line + len, *key;
	struct cp_buf b = { 0 };
	size_t klen;
	struct cp_q q;
	char *value;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#')
		return 0;
	if (end - p > 7 && memcmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
		p += 7;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
	}
	key = p;
	while (p < end && (cp_isvar((unsigned char)*p, p == key) ||
	    (p > key && (*p == '.' || *p == '-'))))
		p++;
	klen = (size_t)(p - key);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (klen == 0 || (p < end && *p != '='))
		goto bad;
	if (p == end) {
		const char *v;

		if (!bare)
			return 0;
		v = cp_lookup(f, key, klen);
		if (v == NULL)
			return 0;
		if ((value = strdup(v)) == NULL)
			goto oom;
		if (cp_vars_set(vars, key, klen, value) != 0)
			return cp_seterr(f->err, f->errlen, "%s:%zu: too many variables "
			    "(at most %d)", shown, lineno, CP_MAX_ITEMS);
		return 0;
	}
	p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && (*p == '"' || *p == '\'')) {
		char quote = *p++;

		while (p < end && *p != quote) {
			const char *c = p;
			char esc;

			if (quote == '"' && *p == '\\' && p + 1 < end) {
				p++;
				esc = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p;
				c = &esc;
			}
			if (cp_buf_add(&b, c, 1) != 0)
				goto toolong;
			p++;
		}
		if (p == end) {
			free(b.s);
			return cp_seterr(f->err, f->errlen, "%s:%zu: unterminated quote in '%s'",
			    shown, lineno, cp_quote(&q, line, len, CP_QUOTE));
		}
		for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
			;
		if (p < end && *p != '#') {
			free(b.s);
			goto bad;
		}
	} else {
		const char *v = p;
		size_t vlen;

		while (p < end && !(*p == '#' && p > v && (p[-1] == ' ' || p[-1] == '\t')))
			p++;
		vlen = (size_t)(p - v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (cp_buf_add(&b, v, vlen) != 0 || cp_buf_add(&b, "", 0) != 0)
			goto toolong;
	}
	for (size_t i = 0; i < b.len; i++) {
		if (cp_iscntrl((unsigned char)b.s[i]) && b.s[i] != '\t' && b.s[i] != '\n') {
			free(b.s);
			return cp_seterr(f->err, f->errlen, "%s:%zu: control character in the "
			    "value of '%s'", shown, lineno, cp_quote(&q, key, klen, CP_QUOTE));
		}
	}
	if ((value = cp_buf_take(&b)) == NULL)
		goto oom;
	if (cp_vars_set(vars, key, klen, value) != 0)
		return cp_seterr(f->err, f->errlen, "%s:%zu: too many variables (at most %d)",
		    shown, lineno, CP_MAX_ITEMS);
	return 0;

bad:
	return cp_seterr(f->err, f->errlen, "%s:%zu: bad line '%s': expected KEY=VALUE",
	    shown, lineno, cp_quote(&q, line, len, CP_QUOTE));
toolong:
	free(b.s);
	return cp_seterr(f->err, f->errlen, "%s:%zu: value too long (at most %d bytes)",
	    shown, lineno, CP_MAX_TEXT);
oom:
	return cp_seterr(f->err, f->errlen, "%s:%zu: out of memory", shown, lineno);
}

/* Read env file PATH into VARS; a missing file is fine when OPTIONAL, else
 * an error at MARK naming WHAT. */
static int
cp_env_file(struct cp_file *f, const char *path, struct cp_vars *vars, int optional,
    const yaml_mark_t *mark, const char *what)
{
	size_t len = 0, lineno = 0;
	const char *p, *end, *nl;
	struct cp_q q;
	char *buf;

	buf = cp_read_file(path, CP_MAX_ENV_FILE, &len);
	if (buf == NULL && optional && errno == ENOENT)
		return 0;
	if (buf == NULL && mark != NULL)
		return cp_error(f, mark, "%s: cannot open '%s': %s", what,
		    cp_quotes(&q, path, CP_QUOTE_PATH), strerror(errno));
	if (buf == NULL)
		return cp_seterr(f->err, f->errlen, "%s: cannot open: %s", path, strerror(errno));
	end = buf + len;
	if (memchr(buf, '\0', len) != NULL) {
		free(buf);
		return cp_seterr(f->err, f->errlen, "%s: a NUL byte: not a text file", path);
	}
	for (p = buf; p < end; p = nl + 1) {
		size_t llen;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		llen = (size_t)(nl - p);
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		lineno++;
		if (cp_env_line(f, path, lineno, p, llen, vars, !optional) != 0) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

/* ---------------------------------------------------------------- service values */

/* Add string S to array ARR; -1 on allocation failure. */
static int
cp_add_string(cJSON *arr, const char *s)
{
	cJSON *item = cJSON_CreateString(s);

	if (item == NULL)
		return -1;
	cJSON_AddItemToArray(arr, item);
	return 0;
}

/* The items of list N (the value of WHAT), each checked to be a node. */
static int
cp_list(struct cp_file *f, yaml_node_t *n, const char *what, size_t *count)
{
	*count = 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return cp_error(f, &n->start_mark, "expected a list for %s", what);
	*count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (*count > CP_MAX_ITEMS)
		return cp_error(f, &n->start_mark, "%s has too many items (at most %d)", what,
		    CP_MAX_ITEMS);
	for (size_t i = 0; i < *count; i++) {
		if (cp_get(f, n->data.sequence.items.start[i]) == NULL)
			return cp_error(f, &n->start_mark, "broken list");
	}
	return 0;
}

/* Item I of list N. */
static yaml_node_t *
cp_item(struct cp_file *f, yaml_node_t *n, size_t i)
{
	return cp_get(f, n->data.sequence.items.start[i]);
}

/* A list of strings N as a cJSON array in *OUT. */
static int
cp_string_list(struct cp_file *f, yaml_node_t *n, const char *what, int flags, cJSON **out)
{
	size_t count;
	cJSON *arr;

	*out = NULL;
	if (cp_list(f, n, what, &count) != 0)
		return -1;
	if ((arr = cJSON_CreateArray()) == NULL)
		return cp_error(f, &n->start_mark, "out of memory");
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = cp_item(f, n, i);
		char *s = cp_str(f, item, what, flags);

		if (s == NULL) {
			cJSON_Delete(arr);
			return -1;
		}
		if (cp_add_string(arr, s) != 0) {
			free(s);
			cJSON_Delete(arr);
			return cp_error(f, &item->start_mark, "out of memory");
		}
		free(s);
	}
	*out = arr;
	return 0;
}

/* command or entrypoint N: a list of words, or a string split like a
 * shell would. */
static int
cp_words(struct cp_file *f, yaml_node_t *n, const char *what, cJSON **out)
{
	const char *why;
	struct cp_q q;
	char *s;

	*out = NULL;
	if (n->type == YAML_SEQUENCE_NODE)
		return cp_string_list(f, n, what, CP_EMPTY_OK | CP_SPACE_OK, out);
	if (n->type != YAML_SCALAR_NODE)
		return cp_error(f, &n->start_mark, "expected a list or a string for %s", what);
	s = cp_str(f, n, what, CP_EMPTY_OK | CP_SPACE_OK);
	if (s == NULL)
		return -1;
	*out = compose_split_words(s, &why);
	if (*out == NULL) {
		cp_error(f, &n->start_mark, "%s: %s in '%s'", what, why,
		    cp_quotes(&q, s, CP_QUOTE));
		free(s);
		return -1;
	}
	free(s);
	return 0;
}

/* One "KEY=VALUE" or "KEY" (VALUE NULL: from the environment) of the list
 * form of environment or labels into VARS. */
static int
cp_kv_item(struct cp_file *f, yaml_node_t *item, const char *what, int env,
    struct cp_vars *vars)
{
	struct cp_q q;
	char *s, *eq, *value = NULL;
	size_t klen;

	s = cp_str(f, item, what, CP_SPACE_OK);
	if (s == NULL)
		return -1;
	eq = strchr(s, '=');
	klen = eq != NULL ? (size_t)(eq - s) : strlen(s);
	for (size_t i = 0; i < klen; i++) {
		if (cp_iscntrl((unsigned char)s[i]) || (env && (s[i] == ' ' || s[i] == '\t')))
			klen = 0;
	}
	if (klen == 0) {
		cp_error(f, &item->start_mark, "%s: bad entry '%s' (use KEY=VALUE)", what,
		    cp_quotes(&q, s, CP_QUOTE));
		free(s);
		return -1;
	}
	if (eq != NULL)
		value = strdup(eq + 1);
	else if (env) {
		const char *v = cp_lookup(f, s, klen);

		value = v != NULL ? strdup(v) : NULL;
		if (v == NULL) {
			free(s);
			return 0;	/* unset: compose leaves it out */
		}
	} else
		value = strdup("");
	if (value == NULL || cp_vars_set(vars, s, klen, value) != 0) {
		free(s);
		return cp_error(f, &item->start_mark, "%s: too many entries, or out of memory",
		    what);
	}
	free(s);
	return 0;
}

/* environment or labels N (a list of KEY=VALUE, or a mapping) into VARS;
 * ENV: a bare key takes its value from the environment. */
static int
cp_kv(struct cp_file *f, yaml_node_t *n, const char *what, int env, struct cp_vars *vars)
{
	struct cp_pair *pairs;
	struct cp_q q;
	size_t np, count;
	int rc = -1;

	if (n->type == YAML_SEQUENCE_NODE) {
		if (cp_list(f, n, what, &count) != 0)
			return -1;
		for (size_t i = 0; i < count; i++) {
			if (cp_kv_item(f, cp_item(f, n, i), what, env, vars) != 0)
				return -1;
		}
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return cp_error(f, &n->start_mark, "expected a list or a mapping for %s", what);
	if (cp_pairs(f, n, &pairs, &np) != 0)
		return -1;
	for (size_t p = 0; p < np; p++) {
		yaml_node_t *k = pairs[p].k, *v = pairs[p].v;
		const char *key = cp_scalar(k);
		size_t klen = k->data.scalar.length;
		char *value = NULL;
		int bad = klen == 0;

		for (size_t i = 0; i < klen; i++)
			bad |= cp_iscntrl((unsigned char)key[i]) || key[i] == '=' ||
			    (env && key[i] == ' ');
		if (bad) {
			cp_error(f, &k->start_mark, "%s: bad key '%s'", what,
			    cp_quote(&q, key, klen, CP_QUOTE));
			goto out;
		}
		if (cp_null(v)) {
			const char *e = env ? cp_lookup(f, key, klen) : "";

			if (e == NULL)
				continue;
			value = strdup(e);
		} else {
			char w[sizeof(q.s) + 64];

			snprintf(w, sizeof(w), "%s '%s'", what, cp_quote(&q, key, klen, CP_QUOTE));
			if (v->type != YAML_SCALAR_NODE) {
				cp_error(f, &v->start_mark, "expected a string for %s", w);
				goto out;
			}
			value = cp_str(f, v, w, CP_EMPTY_OK | CP_SPACE_OK);
			if (value == NULL)
				goto out;
		}
		if (value == NULL || cp_vars_set(vars, key, klen, value) != 0) {
			cp_error(f, &k->start_mark, "%s: too many entries, or out of memory", what);
			goto out;
		}
	}
	rc = 0;
out:
	free(pairs);
	return rc;
}

/* env_file N (a path or a list of them, relative to the stack file's
 * directory) into VARS. */
static int
cp_env_files(struct cp_file *f, yaml_node_t *n, struct cp_vars *vars)
{
	size_t count = 1;

	if (n->type == YAML_SEQUENCE_NODE && cp_list(f, n, "'env_file'", &count) != 0)
		return -1;
	if (n->type != YAML_SEQUENCE_NODE && n->type != YAML_SCALAR_NODE)
		return cp_error(f, &n->start_mark, "expected a list or a string for 'env_file'");
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = n->type == YAML_SEQUENCE_NODE ? cp_item(f, n, i) : n;
		char *name, *path;
		int rc;

		if (item->type == YAML_MAPPING_NODE)
			return cp_error(f, &item->start_mark, "'env_file': only a path is "
			    "supported, not a mapping");
		name = cp_str(f, item, "'env_file'", 0);
		if (name == NULL)
			return -1;
		path = name[0] == '/' ? strdup(name) : cp_join(f->reldir, name);
		free(name);
		if (path == NULL)
			return cp_error(f, &item->start_mark, "out of memory");
		rc = cp_env_file(f, path, vars, 0, &item->start_mark, "'env_file'");
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* VARS as an array of "KEY=VALUE" (ENV) or an object of labels. */
static cJSON *
cp_vars_json(const struct cp_vars *vars, int env)
{
	cJSON *out = env ? cJSON_CreateArray() : cJSON_CreateObject();

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < vars->n; i++) {
		const struct cp_var *v = &vars->v[i];
		cJSON *item;

		if (env) {
			size_t len = strlen(v->key) + strlen(v->value) + 2;
			char *kv = malloc(len);

			if (kv == NULL)
				goto fail;
			snprintf(kv, len, "%s=%s", v->key, v->value);
			item = cJSON_CreateString(kv);
			free(kv);
			if (item == NULL)
				goto fail;
			cJSON_AddItemToArray(out, item);
		} else if (cJSON_AddStringToObject(out, v->key, v->value) == NULL)
			goto fail;
	}
	return out;
fail:
	cJSON_Delete(out);
	return NULL;
}

/* ---------------------------------------------------------------- ports, volumes, devices */

/* A port "N" or a range "N-M" (LEN bytes at S) into *LO and *HI; 0, or -1. */
static int
cp_port_range(const char *s, size_t len, long *lo, long *hi)
{
	char buf[16], *dash, *end;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if (!cp_isdigit((unsigned char)buf[i]) && buf[i] != '-')
			return -1;
	}
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	errno = 0;
	*lo = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf || *lo < 1 || *lo > 65535)
		return -1;
	*hi = *lo;
	if (dash != NULL) {
		*hi = strtol(dash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || end == dash + 1 || *hi < *lo || *hi > 65535 ||
		    *hi - *lo >= CP_MAX_PORT_RANGE)
			return -1;
	}
	return 0;
}

/* Publish or expose container port PORT/PROTO: an ExposedPorts entry and
 * a PortBindings one to HOSTIP:HOSTPORT. */
static int
cp_port_bind(cJSON *exposed, cJSON *bindings, long port, const char *proto,
    const char *hostip, const char *hostport)
{
	char key[32];
	cJSON *list, *b;

	snprintf(key, sizeof(key), "%ld/%s", port, proto);
	if (cJSON_GetObjectItemCaseSensitive(exposed, key) == NULL &&
	    cJSON_AddObjectToObject(exposed, key) == NULL)
		return -1;
	list = cJSON_GetObjectItemCaseSensitive(bindings, key);
	if (list == NULL && (list = cJSON_AddArrayToObject(bindings, key)) == NULL)
		return -1;
	if ((b = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddItemToArray(list, b);
	if (cJSON_AddStringToObject(b, "HostIp", hostip) == NULL ||
	    cJSON_AddStringToObject(b, "HostPort", hostport) == NULL)
		return -1;
	return 0;
}

/* One ports entry N, "[[IP:]HOST:]CONTAINER[/PROTOCOL]", into EXPOSED and
 * BINDINGS. */
static int
cp_port(struct cp_file *f, yaml_node_t *n, cJSON *exposed, cJSON *bindings)
{
	char ip[64] = "", *s, *slash, *rest, *colon;
	const char *proto = "tcp", *host = "", *cont;
	long clo, chi, hlo = 0, hhi = 0;
	unsigned char addr[16];
	struct cp_q q;
	int rc = -1;

	if (n->type == YAML_MAPPING_NODE)
		return cp_error(f, &n->start_mark, "'ports': the long syntax is not supported "
		    "(use \"[[IP:]HOST:]CONTAINER[/PROTOCOL]\")");
	s = cp_str(f, n, "'ports'", 0);
	if (s == NULL)
		return -1;
	cp_quotes(&q, s, CP_QUOTE);
	slash = strrchr(s, '/');
	if (slash != NULL) {
		*slash = '\0';
		proto = slash + 1;
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 &&
		    strcmp(proto, "sctp") != 0) {
			cp_error(f, &n->start_mark, "'ports': bad protocol in '%s' (use tcp, udp "
			    "or sctp)", q.s);
			goto out;
		}
	}
	rest = s;
	if (*rest == '[') {
		char *close = strchr(rest, ']');

		if (close == NULL || close[1] != ':' || (size_t)(close - rest - 1) >= sizeof(ip))
			goto bad;
		memcpy(ip, rest + 1, (size_t)(close - rest - 1));
		ip[close - rest - 1] = '\0';
		if (inet_pton(AF_INET6, ip, addr) != 1)
			goto bad;
		rest = close + 2;
		colon = strchr(rest, ':');
		if (colon == NULL)
			goto bad;
		*colon = '\0';
		host = rest;
		cont = colon + 1;
	} else {
		char *c1 = strchr(rest, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

		if (c2 != NULL && strchr(c2 + 1, ':') != NULL)
			goto bad;
		if (c2 != NULL) {
			if ((size_t)(c1 - rest) >= sizeof(ip))
				goto bad;
			memcpy(ip, rest, (size_t)(c1 - rest));
			ip[c1 - rest] = '\0';
			if (inet_pton(AF_INET, ip, addr) != 1)
				goto bad;
			*c2 = '\0';
			host = c1 + 1;
			cont = c2 + 1;
		} else if (c1 != NULL) {
			*c1 = '\0';
			host = rest;
			cont = c1 + 1;
		} else
			cont = rest;
	}
	if (cp_port_range(cont, strlen(cont), &clo, &chi) != 0)
		goto bad;
	if (*host != '\0') {
		if (cp_port_range(host, strlen(host), &hlo, &hhi) != 0)
			goto bad;
		if (hhi - hlo != chi - clo && chi != clo) {
			cp_error(f, &n->start_mark, "'ports': the ranges in '%s' differ in size", q.s);
			goto out;
		}
	}
	if (f->stack->target == COMPOSE_TARGET_SWARM && (ip[0] != '\0' || hhi - hlo != chi - clo)) {
		cp_error(f, &n->start_mark, "'ports': Swarm cannot do this (x-plantdeck target "
		    "swarm): '%s' %s", q.s, ip[0] != '\0' ? "binds a host address (a service "
		    "publishes on every address of the node)" : "maps one port to a range");
		goto out;
	}
	for (long p = clo; p <= chi; p++) {
		char hp[16];

		if (*host == '\0')
			hp[0] = '\0';
		else if (chi == clo && hhi != hlo)
			snprintf(hp, sizeof(hp), "%ld-%ld", hlo, hhi);
		else
			snprintf(hp, sizeof(hp), "%ld", hlo + (p - clo));
		if (cp_port_bind(exposed, bindings, p, proto, ip, hp) != 0) {
			cp_error(f, &n->start_mark, "out of memory");
			goto out;
		}
	}
	rc = 0;
	goto out;
bad:
	cp_error(f, &n->start_mark, "'ports': bad port '%s' (use [[IP:]HOST:]CONTAINER[/PROTOCOL], "
	    "such as 8080:80 or 127.0.0.1:8080:80/udp)", q.s);
out:
	free(s);
	return rc;
}

/* Clean absolute PATH in place: no "." or ".." parts, no doubled or
 * trailing slash. */
static void
cp_clean_path(char *path)
{
	char *out = path, *p = path;

	while (*p != '\0') {
		char *part, *end;
		size_t len;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		part = p;
		end = strchr(part, '/');
		if (end == NULL)
			end = part + strlen(part);
		len = (size_t)(end - part);
		p = end;
		if (len == 1 && part[0] == '.')
			continue;
		if (len == 2 && part[0] == '.' && part[1] == '.') {
			while (out > path && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, part, len);
		out += len;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

/* Whether mode OPTS ("ro", "rw,z", ...) of a volume is good; NAMED: of a
 * named volume (nocopy allowed). */
static int
cp_volume_mode(const char *opts, int named)
{
	static const char *const ok[] = {
		"ro", "rw", "z", "Z", "shared", "slave", "private", "rshared", "rslave",
		"rprivate", NULL,
	};
	const char *p = opts;

	if (*p == '\0')
		return 0;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		int good = named && len == 6 && memcmp(p, "nocopy", 6) == 0;

		for (size_t i = 0; !good && ok[i] != NULL; i++)
			good = strlen(ok[i]) == len && memcmp(ok[i], p, len) == 0;
		if (!good)
			return 0;
		p += len;
		if (*p == ',' && *++p == '\0')
			return 0;
	}
	return 1;
}

/* One volumes entry N: "SOURCE:TARGET[:MODE]" (a bind when SOURCE starts
 * with / . or ~, else a named volume) into BINDS, or "TARGET" alone (an
 * anonymous volume) into VOLUMES. */
static int
cp_volume(struct cp_file *f, yaml_node_t *n, cJSON *binds, cJSON *volumes)
{
	char *s, *parts[3] = { NULL, NULL, NULL }, *p, *src = NULL, *bind = NULL;
	const char *home = getenv("HOME");
	size_t nparts = 0, len;
	struct cp_q q;
	int rc = -1, named;

	if (n->type == YAML_MAPPING_NODE)
		return cp_error(f, &n->start_mark, "'volumes': the long syntax is not supported "
		    "(use \"SOURCE:TARGET[:MODE]\")");
	s = cp_str(f, n, "'volumes'", 0);
	if (s == NULL)
		return -1;
	cp_quotes(&q, s, CP_QUOTE);
	for (p = s; nparts < 3; p++) {
		parts[nparts++] = p;
		p = strchr(p, ':');
		if (p == NULL)
			break;
		*p = '\0';
	}
	if (p != NULL || parts[nparts - 1][0] == '\0' || parts[0][0] == '\0')
		goto bad;
	if (nparts == 1) {
		if (parts[0][0] != '/')
			goto bad;
		if (cJSON_GetObjectItemCaseSensitive(volumes, parts[0]) == NULL &&
		    cJSON_AddObjectToObject(volumes, parts[0]) == NULL)
			goto oom;
		rc = 0;
		goto out;
	}
	if (parts[1][0] != '/') {
		cp_error(f, &n->start_mark, "'volumes': the target must be an absolute path "
		    "in '%s'", q.s);
		goto out;
	}
	named = !(parts[0][0] == '/' || parts[0][0] == '.' || parts[0][0] == '~');
	if (nparts == 3 && !cp_volume_mode(parts[2], named)) {
		cp_error(f, &n->start_mark, "'volumes': bad mode '%s' in '%s' (use ro, rw, z, Z "
		    "or a propagation such as rslave)", parts[2], q.s);
		goto out;
	}
	if (nparts == 3 && f->stack->target == COMPOSE_TARGET_SWARM &&
	    strpbrk(parts[2], "zZ") != NULL) {
		cp_error(f, &n->start_mark, "'volumes': Swarm cannot do this (x-plantdeck target "
		    "swarm): mode '%s' in '%s' relabels for SELinux, which a service's mount "
		    "cannot", parts[2], q.s);
		goto out;
	}
	if (named) {
		if (!cp_valid_name(parts[0], strlen(parts[0]))) {
			cp_error(f, &n->start_mark, "'volumes': bad volume name '%s': use 1 to %d "
			    "of A-Z a-z 0-9 _ . - starting with a letter or digit, or a path",
			    parts[0], CP_MAX_NAME);
			goto out;
		}
		src = strdup(parts[0]);
	} else if (parts[0][0] == '~') {
		if (parts[0][1] != '\0' && parts[0][1] != '/')
			goto bad;
		if (home == NULL || home[0] != '/') {
			cp_error(f, &n->start_mark, "'volumes': '~' in '%s' but HOME is not set", q.s);
			goto out;
		}
		src = cp_join(home, parts[0] + 1);
	} else if (parts[0][0] == '.')
		src = cp_join(f->dir, parts[0]);
	else
		src = strdup(parts[0]);
	if (src == NULL)
		goto oom;
	if (!named)
		cp_clean_path(src);
	len = strlen(src) + strlen(parts[1]) + (nparts == 3 ? strlen(parts[2]) : 0) + 3;
	if ((bind = malloc(len)) == NULL)
		goto oom;
	snprintf(bind, len, "%s:%s%s%s", src, parts[1], nparts == 3 ? ":" : "",
	    nparts == 3 ? parts[2] : "");
	if (cp_add_string(binds, bind) != 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	cp_error(f, &n->start_mark, "out of memory");
	goto out;
bad:
	cp_error(f, &n->start_mark, "'volumes': bad volume '%s' (use SOURCE:TARGET[:MODE], "
	    "such as ./data:/data:ro or data:/data)", q.s);
out:
	free(bind);
	free(src);
	free(s);
	return rc;
}

/* Whether S is good cgroup permissions: some of r, w, m, each once. */
static int
cp_device_perms(const char *s)
{
	int seen = 0;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		const char *k = strchr("rwm", *s);
		int bit;

		if (*s == '\0' || k == NULL)
			return 0;
		bit = 1 << (k - "rwm");
		if (seen & bit)
			return 0;
		seen |= bit;
	}
	return 1;
}

/* One devices entry N, "HOST[:CONTAINER[:PERMISSIONS]]", into DEVICES. */
static int
cp_device(struct cp_file *f, yaml_node_t *n, cJSON *devices)
{
	char *s, *host, *cont, *perms = "rwm", *c;
	struct cp_q q;
	cJSON *d;
	int rc = -1;

	s = cp_str(f, n, "'devices'", 0);
	if (s == NULL)
		return -1;
	cp_quotes(&q, s, CP_QUOTE);
	host = cont = s;
	if ((c = strchr(s, ':')) != NULL) {
		*c = '\0';
		cont = c + 1;
		if ((c = strchr(cont, ':')) != NULL) {
			*c = '\0';
			perms = c + 1;
		} else if (cont[0] != '/') {
			perms = cont;
			cont = host;
		}
	}
	if (host[0] != '/' || cont[0] != '/' || !cp_device_perms(perms) || strchr(perms, ':')) {
		cp_error(f, &n->start_mark, "'devices': bad device '%s' (use "
		    "HOST[:CONTAINER[:PERMISSIONS]], such as /dev/ttyS0:/dev/ttyS0:rwm)", q.s);
		goto out;
	}
	if ((d = cJSON_CreateObject()) == NULL)
		goto oom;
	cJSON_AddItemToArray(devices, d);
	if (cJSON_AddStringToObject(d, "PathOnHost", host) == NULL ||
	    cJSON_AddStringToObject(d, "PathInContainer", cont) == NULL ||
	    cJSON_AddStringToObject(d, "CgroupPermissions", perms) == NULL)
		goto oom;
	rc = 0;
	goto out;
oom:
	cp_error(f, &n->start_mark, "out of memory");
out:
	free(s);
	return rc;
}

/* A list N of entries, each read by ONE into the given arrays or objects. */
static int
cp_entries(struct cp_file *f, yaml_node_t *n, const char *what,
    int (*one)(struct cp_file *, yaml_node_t *, cJSON *, cJSON *), cJSON *a, cJSON *b)
{
	size_t count;

	if (cp_list(f, n, what, &count) != 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (one(f, cp_item(f, n, i), a, b) != 0)
			return -1;
	}
	return 0;
}

/* cp_device in the shape cp_entries calls. */
static int
cp_device2(struct cp_file *f, yaml_node_t *n, cJSON *devices, cJSON *unused)
{
	(void)unused;
	return cp_device(f, n, devices);
}

/* ---------------------------------------------------------------- services */

/* What a service's keys give, before it becomes a create body. */
struct cp_res {
	int64_t memory, reservation, nanocpus;
	int has_memory, has_reservation, has_cpus;
	yaml_node_t *memory_n, *reservation_n, *cpus_n;	/* where they were given */
	enum compose_mode mode;				/* target swarm: deploy.mode */
	int replicas;					/* and deploy.replicas (-1: none) */
};

/* healthcheck N into *OUT (a Healthcheck object); *HAS: it gives a test. */
static int
cp_healthcheck(struct cp_file *f, yaml_node_t *n, cJSON **out, int *has)
{
	static const struct cp_schema schema = { cp_healthcheck_keys, HC_NKEYS,
	    cp_healthcheck_unsupported, 1 };
	static const struct { int key; const char *field; } durations[] = {
		{ HC_INTERVAL, "Interval" }, { HC_TIMEOUT, "Timeout" },
		{ HC_START_PERIOD, "StartPeriod" },
	};
	yaml_node_t *vals[HC_NKEYS], *keyn[HC_NKEYS], *t;
	cJSON *hc, *test = NULL;
	int disable = 0;
	struct cp_q q;
	char what[64];

	*out = NULL;
	*has = 0;
	if (cp_mapping(f, n, "'healthcheck'", &schema, vals, keyn) != 0)
		return -1;
	if ((hc = cJSON_CreateObject()) == NULL)
		return cp_error(f, &n->start_mark, "out of memory");
	if (vals[HC_DISABLE] != NULL && cp_bool(f, vals[HC_DISABLE], "'disable'", &disable) != 0)
		goto fail;
	t = vals[HC_TEST];
	if (disable && t != NULL) {
		cp_error(f, &keyn[HC_DISABLE]->start_mark, "'healthcheck': 'disable' and 'test' "
		    "cannot both be given");
		goto fail;
	}
	if (disable) {
		test = cJSON_CreateArray();
		if (test == NULL || cp_add_string(test, "NONE") != 0)
			goto oom;
	} else if (t != NULL && t->type == YAML_SEQUENCE_NODE) {
		const char *first;
		int count;

		if (cp_string_list(f, t, "'test'", CP_EMPTY_OK | CP_SPACE_OK, &test) != 0)
			goto fail;
		count = cJSON_GetArraySize(test);
		first = count > 0 ? cJSON_GetArrayItem(test, 0)->valuestring : "";
		if (!((strcmp(first, "CMD") == 0 && count >= 2) ||
		    (strcmp(first, "CMD-SHELL") == 0 && count == 2) ||
		    (strcmp(first, "NONE") == 0 && count == 1))) {
			cp_error(f, &t->start_mark, "'test' must start with CMD (and a command), "
			    "CMD-SHELL (and one string) or be [NONE], not '%s'",
			    cp_quotes(&q, first, CP_QUOTE));
			goto fail;
		}
		*has = strcmp(first, "NONE") != 0;
	} else if (t != NULL) {
		char *s;

		if (t->type != YAML_SCALAR_NODE) {
			cp_error(f, &t->start_mark, "expected a list or a string for 'test'");
			goto fail;
		}
		if ((s = cp_str(f, t, "'test'", CP_SPACE_OK)) == NULL)
			goto fail;
		test = cJSON_CreateArray();
		if (test == NULL || cp_add_string(test, "CMD-SHELL") != 0 ||
		    cp_add_string(test, s) != 0) {
			free(s);
			goto oom;
		}
		free(s);
		*has = 1;
	}
	if (test != NULL) {
		cJSON_AddItemToObject(hc, "Test", test);
		test = NULL;
	}
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		yaml_node_t *v = vals[durations[i].key];
		int64_t ns;

		if (v == NULL)
			continue;
		snprintf(what, sizeof(what), "'%s'", cp_healthcheck_keys[durations[i].key]);
		if (cp_duration(f, v, what, &ns) != 0)
			goto fail;
		if (ns != 0 && ns < 1000000) {
			cp_error(f, &v->start_mark, "%s must be 0 or at least 1ms", what);
			goto fail;
		}
		if (cJSON_AddNumberToObject(hc, durations[i].field, (double)ns) == NULL)
			goto oom;
	}
	if (vals[HC_RETRIES] != NULL) {
		long long r;

		if (cp_int(f, vals[HC_RETRIES], "'retries'", 0, 1000000, &r) != 0)
			goto fail;
		if (cJSON_AddNumberToObject(hc, "Retries", (double)r) == NULL)
			goto oom;
	}
	*out = hc;
	return 0;
oom:
	cp_error(f, &n->start_mark, "out of memory");
fail:
	cJSON_Delete(test);
	cJSON_Delete(hc);
	return -1;
}

/* restart N into a RestartPolicy object in *OUT. */
static int
cp_restart(struct cp_file *f, yaml_node_t *n, cJSON **out)
{
	static const char *const names[] = { "no", "always", "unless-stopped", NULL };
	long long retries = -1;
	const char *name = NULL;
	struct cp_q q;
	char *s;
	cJSON *rp;

	*out = NULL;
	if ((s = cp_str(f, n, "'restart'", 0)) == NULL)
		return -1;
	for (size_t i = 0; names[i] != NULL; i++) {
		if (strcmp(s, names[i]) == 0)
			name = names[i];
	}
	if (strcmp(s, "on-failure") == 0)
		name = "on-failure";
	else if (strncmp(s, "on-failure:", 11) == 0 &&
	    cp_parse_int(s + 11, 0, INT_MAX, &retries) == 0 && cp_isdigit((unsigned char)s[11]))
		name = "on-failure";
	if (name == NULL) {
		cp_error(f, &n->start_mark, "'restart' must be no, always, on-failure[:N] or "
		    "unless-stopped, not '%s'", cp_quotes(&q, s, CP_QUOTE));
		free(s);
		return -1;
	}
	free(s);
	rp = cJSON_CreateObject();
	if (rp == NULL || cJSON_AddStringToObject(rp, "Name", name) == NULL ||
	    (retries >= 0 && cJSON_AddNumberToObject(rp, "MaximumRetryCount",
	    (double)retries) == NULL)) {
		cJSON_Delete(rp);
		return cp_error(f, &n->start_mark, "out of memory");
	}
	*out = rp;
	return 0;
}

/* Record a resource given at N, checking that one given twice (mem_limit
 * and deploy's memory) agrees. */
static int
cp_res_set(struct cp_file *f, yaml_node_t *n, const char *what, int64_t v,
    int64_t *field, int *has, yaml_node_t **where, const char *other)
{
	struct cp_q q, qo;

	if (*has && *field != v) {
		cp_quote(&q, cp_scalar(n), n->data.scalar.length, CP_QUOTE);
		cp_quote(&qo, cp_scalar(*where), (*where)->data.scalar.length, CP_QUOTE);
		return cp_error(f, &n->start_mark, "%s '%s' disagrees with '%s' '%s' (line %zu)",
		    what, q.s, other, qo.s, (*where)->start_mark.line + 1);
	}
	*field = v;
	*has = 1;
	*where = n;
	return 0;
}

/* deploy N: resources.limits.{memory,cpus} and resources.reservations.memory
 * are read, into R, and under target swarm mode and replicas. */
static int
cp_deploy(struct cp_file *f, yaml_node_t *n, struct cp_res *r)
{
	/* Under target engines mode and replicas are unsupported keys: the
	 * schema reads only resources. */
	static const struct cp_schema deploy = { cp_deploy_keys, 1, cp_deploy_unsupported, 1 };
	static const struct cp_schema deploy_swarm = { cp_deploy_keys, DEP_NKEYS,
	    cp_deploy_swarm_unsupported, 1 };
	static const struct cp_schema resources = { cp_resources_keys, RES_NKEYS, NULL, 1 };
	static const struct cp_schema limits = { cp_limits_keys, LIM_NKEYS,
	    cp_limits_unsupported, 1 };
	static const struct cp_schema reservations = { cp_reservations_keys, RSV_NKEYS,
	    cp_reservations_unsupported, 1 };
	yaml_node_t *dv[DEP_NKEYS], *dk[DEP_NKEYS], *rv[RES_NKEYS], *rk[RES_NKEYS];
	yaml_node_t *lv[LIM_NKEYS], *lk[LIM_NKEYS], *sv[RSV_NKEYS], *sk[RSV_NKEYS];
	int swarm = f->stack->target == COMPOSE_TARGET_SWARM;
	struct cp_q q;
	int64_t v;

	for (size_t i = 0; i < DEP_NKEYS; i++)
		dv[i] = dk[i] = NULL;
	if (cp_mapping(f, n, "'deploy'", swarm ? &deploy_swarm : &deploy, dv, dk) != 0)
		return -1;
	if (dv[DEP_MODE] != NULL) {
		char *s = cp_str(f, dv[DEP_MODE], "'mode'", 0);

		if (s == NULL)
			return -1;
		if (strcmp(s, "global") == 0)
			r->mode = COMPOSE_MODE_GLOBAL;
		else if (strcmp(s, "replicated") == 0)
			r->mode = COMPOSE_MODE_REPLICATED;
		else {
			cp_error(f, &dv[DEP_MODE]->start_mark, "'mode' must be global or replicated, "
			    "not '%s'", cp_quotes(&q, s, CP_QUOTE));
			free(s);
			return -1;
		}
		free(s);
	}
	if (dv[DEP_REPLICAS] != NULL) {
		long long x;

		if (r->mode != COMPOSE_MODE_REPLICATED)
			return cp_error(f, &dk[DEP_REPLICAS]->start_mark, "'replicas' needs 'mode: "
			    "replicated' (a global service runs one task on every target node)");
		if (cp_int(f, dv[DEP_REPLICAS], "'replicas'", 0, 100000, &x) != 0)
			return -1;
		r->replicas = (int)x;
	}
	if (dv[DEP_RESOURCES] == NULL)
		return 0;
	if (cp_mapping(f, dv[DEP_RESOURCES], "'resources'", &resources, rv, rk) != 0)
		return -1;
	if (rv[RES_LIMITS] != NULL) {
		if (cp_mapping(f, rv[RES_LIMITS], "'limits'", &limits, lv, lk) != 0)
			return -1;
		if (lv[LIM_MEMORY] != NULL &&
		    (cp_size(f, lv[LIM_MEMORY], "'memory'", &v) != 0 ||
		    cp_res_set(f, lv[LIM_MEMORY], "'memory'", v, &r->memory, &r->has_memory,
		    &r->memory_n, "mem_limit") != 0))
			return -1;
		if (lv[LIM_CPUS] != NULL &&
		    (cp_cpus(f, lv[LIM_CPUS], "'cpus'", &v) != 0 ||
		    cp_res_set(f, lv[LIM_CPUS], "'cpus'", v, &r->nanocpus, &r->has_cpus,
		    &r->cpus_n, "cpus") != 0))
			return -1;
	}
	if (rv[RES_RESERVATIONS] != NULL) {
		if (cp_mapping(f, rv[RES_RESERVATIONS], "'reservations'", &reservations,
		    sv, sk) != 0)
			return -1;
		if (sv[RSV_MEMORY] != NULL &&
		    (cp_size(f, sv[RSV_MEMORY], "'memory'", &v) != 0 ||
		    cp_res_set(f, sv[RSV_MEMORY], "'memory'", v, &r->reservation,
		    &r->has_reservation, &r->reservation_n, "mem_reservation") != 0))
			return -1;
	}
	return 0;
}

/* Whether S is a capability name: letters, digits and '_'. */
static int
cp_valid_cap(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++) {
		if (!cp_isalnum((unsigned char)*s) && *s != '_')
			return 0;
	}
	return 1;
}

/* cap_add or cap_drop N as an array in *OUT. */
static int
cp_caps(struct cp_file *f, yaml_node_t *n, const char *what, cJSON **out)
{
	const cJSON *item;
	struct cp_q q;
	size_t i = 0;

	if (cp_string_list(f, n, what, 0, out) != 0)
		return -1;
	cJSON_ArrayForEach(item, *out) {
		if (!cp_valid_cap(item->valuestring)) {
			cp_error(f, &cp_item(f, n, i)->start_mark, "%s: bad capability '%s'", what,
			    cp_quotes(&q, item->valuestring, CP_QUOTE));
			cJSON_Delete(*out);
			*out = NULL;
			return -1;
		}
		i++;
	}
	return 0;
}

/* Scalar N as a string without blanks (image, user, hostname, ...). */
static char *
cp_word(struct cp_file *f, yaml_node_t *n, const char *what, size_t max)
{
	struct cp_q q;
	char *s = cp_str(f, n, what, 0);

	if (s == NULL)
		return NULL;
	if (strlen(s) > max || strpbrk(s, " \t") != NULL) {
		cp_error(f, &n->start_mark, "%s: bad value '%s'%s", what,
		    cp_quotes(&q, s, CP_QUOTE), strlen(s) > max ? " (too long)" : " (a blank)");
		free(s);
		return NULL;
	}
	return s;
}

/* Add string field NAME to OBJ from scalar N (a word unless TEXT). */
static int
cp_add_field(struct cp_file *f, cJSON *obj, const char *name, yaml_node_t *n,
    const char *what, size_t max)
{
	char *s = cp_word(f, n, what, max);

	if (s == NULL)
		return -1;
	if (cJSON_AddStringToObject(obj, name, s) == NULL) {
		free(s);
		return cp_error(f, &n->start_mark, "out of memory");
	}
	free(s);
	return 0;
}

/* Under target swarm: an error for the first service key (of VALS, their
 * keys KEYN) that a Swarm service cannot have. */
static int
cp_swarm_keys(struct cp_file *f, yaml_node_t **vals, yaml_node_t **keyn)
{
	static const struct { int key; const char *why; } cannot[] = {
		{ SVC_DEVICES, "a service cannot be given host devices" },
		{ SVC_NETWORK_MODE, "a service's tasks join the node's default network "
		    "(leave network_mode out)" },
	};
	int b;

	for (size_t i = 0; i < sizeof(cannot) / sizeof(cannot[0]); i++) {
		int k = cannot[i].key;

		if (keyn[k] != NULL)
			return cp_error(f, &keyn[k]->start_mark, "'%s': Swarm cannot do this "
			    "(x-plantdeck target swarm): %s", cp_service_keys[k], cannot[i].why);
	}
	if (vals[SVC_PRIVILEGED] != NULL) {
		if (cp_bool(f, vals[SVC_PRIVILEGED], "'privileged'", &b) != 0)
			return -1;
		if (b)
			return cp_error(f, &keyn[SVC_PRIVILEGED]->start_mark, "'privileged': Swarm "
			    "cannot do this (x-plantdeck target swarm): a service has no "
			    "privileged mode");
	}
	return 0;
}

/* Read service mapping V under key K into SVC. */
static int
cp_service(struct cp_file *f, yaml_node_t *k, yaml_node_t *v, struct compose_service *svc)
{
	static const struct cp_schema schema = { cp_service_keys, SVC_NKEYS,
	    cp_service_unsupported, 1 };
	yaml_node_t *vals[SVC_NKEYS], *keyn[SVC_NKEYS], *n;
	struct cp_vars env = { 0 }, labels = { 0 };
	struct cp_res r = { .mode = COMPOSE_MODE_GLOBAL, .replicas = -1 };
	cJSON *c, *hc, *item = NULL, *exposed = NULL, *bindings = NULL, *binds = NULL;
	cJSON *volumes = NULL, *devices = NULL;
	struct cp_q q;
	int64_t v64;
	int rc = -1, b;

	cp_quote(&q, cp_scalar(k), k->data.scalar.length, CP_QUOTE);
	svc->line = k->start_mark.line >= INT_MAX ? INT_MAX : (int)k->start_mark.line + 1;
	svc->column = k->start_mark.column >= INT_MAX ? INT_MAX : (int)k->start_mark.column + 1;
	if (!cp_valid_name(cp_scalar(k), k->data.scalar.length))
		return cp_error(f, &k->start_mark, "bad service name '%s': use 1 to %d of A-Z a-z "
		    "0-9 _ . - starting with a letter or digit", q.s, CP_MAX_NAME);
	if ((svc->name = cp_strndup(cp_scalar(k), k->data.scalar.length)) == NULL)
		return cp_error(f, &k->start_mark, "out of memory");
	if (cp_null(v) || v->type != YAML_MAPPING_NODE)
		return cp_error(f, cp_null(v) ? &k->start_mark : &v->start_mark,
		    "expected a mapping for service '%s'", q.s);
	if (cp_mapping(f, v, "service", &schema, vals, keyn) != 0)
		return -1;
	if (f->stack->target == COMPOSE_TARGET_SWARM && cp_swarm_keys(f, vals, keyn) != 0)
		return -1;
	if (vals[SVC_IMAGE] == NULL)
		return cp_error(f, keyn[SVC_IMAGE] != NULL ? &keyn[SVC_IMAGE]->start_mark :
		    &k->start_mark, "service '%s' has no 'image'", q.s);
	if ((svc->image = cp_word(f, vals[SVC_IMAGE], "'image'", 1024)) == NULL)
		return -1;
	if ((svc->create = c = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(c, "Image", svc->image) == NULL)
		goto oom;

	if ((n = vals[SVC_COMMAND]) != NULL) {
		if (cp_words(f, n, "'command'", &item) != 0)
			goto out;
		cJSON_AddItemToObject(c, "Cmd", item);
	}
	if ((n = vals[SVC_ENTRYPOINT]) != NULL) {
		if (cp_words(f, n, "'entrypoint'", &item) != 0)
			goto out;
		cJSON_AddItemToObject(c, "Entrypoint", item);
	}
	if (vals[SVC_ENV_FILE] != NULL && cp_env_files(f, vals[SVC_ENV_FILE], &env) != 0)
		goto out;
	if (vals[SVC_ENVIRONMENT] != NULL &&
	    cp_kv(f, vals[SVC_ENVIRONMENT], "'environment'", 1, &env) != 0)
		goto out;
	if (vals[SVC_ENV_FILE] != NULL || vals[SVC_ENVIRONMENT] != NULL) {
		if ((item = cp_vars_json(&env, 1)) == NULL)
			goto oom;
		cJSON_AddItemToObject(c, "Env", item);
	}
	if (vals[SVC_LABELS] != NULL) {
		if (cp_kv(f, vals[SVC_LABELS], "'labels'", 0, &labels) != 0)
			goto out;
		if ((item = cp_vars_json(&labels, 0)) == NULL)
			goto oom;
		cJSON_AddItemToObject(c, "Labels", item);
	}
	if ((exposed = cJSON_CreateObject()) == NULL || (bindings = cJSON_CreateObject()) == NULL ||
	    (binds = cJSON_CreateArray()) == NULL || (volumes = cJSON_CreateObject()) == NULL ||
	    (devices = cJSON_CreateArray()) == NULL)
		goto oom;
	if (vals[SVC_PORTS] != NULL &&
	    cp_entries(f, vals[SVC_PORTS], "'ports'", cp_port, exposed, bindings) != 0)
		goto out;
	if (vals[SVC_VOLUMES] != NULL &&
	    cp_entries(f, vals[SVC_VOLUMES], "'volumes'", cp_volume, binds, volumes) != 0)
		goto out;
	if (vals[SVC_DEVICES] != NULL &&
	    cp_entries(f, vals[SVC_DEVICES], "'devices'", cp_device2, devices, NULL) != 0)
		goto out;
	if (vals[SVC_PORTS] != NULL) {
		cJSON_AddItemToObject(c, "ExposedPorts", exposed);
		exposed = NULL;
	}
	if (cJSON_GetArraySize(volumes) > 0) {
		cJSON_AddItemToObject(c, "Volumes", volumes);
		volumes = NULL;
	}
	if (vals[SVC_WORKING_DIR] != NULL) {
		char *s = cp_str(f, vals[SVC_WORKING_DIR], "'working_dir'", 0);

		if (s == NULL)
			goto out;
		if (s[0] != '/') {
			cp_error(f, &vals[SVC_WORKING_DIR]->start_mark, "'working_dir' must be an "
			    "absolute path, not '%s'", cp_quotes(&q, s, CP_QUOTE));
			free(s);
			goto out;
		}
		item = cJSON_AddStringToObject(c, "WorkingDir", s);
		free(s);
		if (item == NULL)
			goto oom;
	}
	if (vals[SVC_USER] != NULL &&
	    cp_add_field(f, c, "User", vals[SVC_USER], "'user'", 256) != 0)
		goto out;
	if (vals[SVC_HOSTNAME] != NULL &&
	    cp_add_field(f, c, "Hostname", vals[SVC_HOSTNAME], "'hostname'", 253) != 0)
		goto out;
	if (vals[SVC_HEALTHCHECK] != NULL) {
		if (cp_healthcheck(f, vals[SVC_HEALTHCHECK], &item, &svc->has_healthcheck) != 0)
			goto out;
		cJSON_AddItemToObject(c, "Healthcheck", item);
	}
	if (vals[SVC_STOP_SIGNAL] != NULL &&
	    cp_add_field(f, c, "StopSignal", vals[SVC_STOP_SIGNAL], "'stop_signal'", 32) != 0)
		goto out;
	if (vals[SVC_STOP_GRACE] != NULL) {
		if (cp_duration(f, vals[SVC_STOP_GRACE], "'stop_grace_period'", &v64) != 0)
			goto out;
		/* Whole seconds, rounded up: never less grace than asked for. */
		if (cJSON_AddNumberToObject(c, "StopTimeout",
		    (double)((v64 + CP_NS - 1) / CP_NS)) == NULL)
			goto oom;
	}

	/* HostConfig */
	if (vals[SVC_MEM_LIMIT] != NULL &&
	    (cp_size(f, vals[SVC_MEM_LIMIT], "'mem_limit'", &v64) != 0 ||
	    cp_res_set(f, vals[SVC_MEM_LIMIT], "'mem_limit'", v64, &r.memory, &r.has_memory,
	    &r.memory_n, "memory") != 0))
		goto out;
	if (vals[SVC_MEM_RESERVATION] != NULL &&
	    (cp_size(f, vals[SVC_MEM_RESERVATION], "'mem_reservation'", &v64) != 0 ||
	    cp_res_set(f, vals[SVC_MEM_RESERVATION], "'mem_reservation'", v64, &r.reservation,
	    &r.has_reservation, &r.reservation_n, "memory") != 0))
		goto out;
	if (vals[SVC_CPUS] != NULL &&
	    (cp_cpus(f, vals[SVC_CPUS], "'cpus'", &v64) != 0 ||
	    cp_res_set(f, vals[SVC_CPUS], "'cpus'", v64, &r.nanocpus, &r.has_cpus,
	    &r.cpus_n, "cpus") != 0))
		goto out;
	if (vals[SVC_DEPLOY] != NULL && cp_deploy(f, vals[SVC_DEPLOY], &r) != 0)
		goto out;
	svc->mode = r.mode;
	svc->replicas = r.mode == COMPOSE_MODE_REPLICATED ? (r.replicas >= 0 ? r.replicas : 1) : 0;
	if ((hc = cJSON_AddObjectToObject(c, "HostConfig")) == NULL)
		goto oom;
	if (cJSON_GetArraySize(binds) > 0) {
		cJSON_AddItemToObject(hc, "Binds", binds);
		binds = NULL;
	}
	if (vals[SVC_PORTS] != NULL) {
		cJSON_AddItemToObject(hc, "PortBindings", bindings);
		bindings = NULL;
	}
	if (cJSON_GetArraySize(devices) > 0) {
		cJSON_AddItemToObject(hc, "Devices", devices);
		devices = NULL;
	}
	if ((r.has_memory && cJSON_AddNumberToObject(hc, "Memory", (double)r.memory) == NULL) ||
	    (r.has_reservation && cJSON_AddNumberToObject(hc, "MemoryReservation",
	    (double)r.reservation) == NULL) ||
	    (r.has_cpus && cJSON_AddNumberToObject(hc, "NanoCpus", (double)r.nanocpus) == NULL))
		goto oom;
	if (vals[SVC_RESTART] != NULL) {
		if (cp_restart(f, vals[SVC_RESTART], &item) != 0)
			goto out;
		cJSON_AddItemToObject(hc, "RestartPolicy", item);
	}
	if ((n = vals[SVC_NETWORK_MODE]) != NULL) {
		char *s = cp_word(f, n, "'network_mode'", 256);

		if (s == NULL)
			goto out;
		if (strncmp(s, "service:", 8) == 0) {
			cp_error(f, &n->start_mark, "'network_mode': 'service:' is not supported "
			    "(use container:NAME)");
			free(s);
			goto out;
		}
		item = cJSON_AddStringToObject(hc, "NetworkMode", s);
		free(s);
		if (item == NULL)
			goto oom;
	}
	if (vals[SVC_CAP_ADD] != NULL) {
		if (cp_caps(f, vals[SVC_CAP_ADD], "'cap_add'", &item) != 0)
			goto out;
		cJSON_AddItemToObject(hc, "CapAdd", item);
	}
	if (vals[SVC_CAP_DROP] != NULL) {
		if (cp_caps(f, vals[SVC_CAP_DROP], "'cap_drop'", &item) != 0)
			goto out;
		cJSON_AddItemToObject(hc, "CapDrop", item);
	}
	if (vals[SVC_PRIVILEGED] != NULL) {
		if (cp_bool(f, vals[SVC_PRIVILEGED], "'privileged'", &b) != 0)
			goto out;
		if (cJSON_AddBoolToObject(hc, "Privileged", b) == NULL)
			goto oom;
	}
	if (vals[SVC_READ_ONLY] != NULL) {
		if (cp_bool(f, vals[SVC_READ_ONLY], "'read_only'", &b) != 0)
			goto out;
		if (cJSON_AddBoolToObject(hc, "ReadonlyRootfs", b) == NULL)
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	cp_error(f, &v->start_mark, "out of memory");
out:
	cJSON_Delete(exposed);
	cJSON_Delete(bindings);
	cJSON_Delete(binds);
	cJSON_Delete(volumes);
	cJSON_Delete(devices);
	cp_vars_clear(&env);
	cp_vars_clear(&labels);
	return rc;
}

/* ---------------------------------------------------------------- x-plantdeck */

/* Scalar N as seconds: a Go duration ("10s", "2m") or a plain number. */
static int
cp_seconds(struct cp_file *f, yaml_node_t *n, const char *what, double *out)
{
	struct cp_q q;
	const char *p;
	char *s = cp_str(f, n, what, 0);
	int64_t ns = 0;
	int rc;

	if (s == NULL)
		return -1;
	p = s + strspn(s, "0123456789.");
	if (*p == '\0') {
		p = s;
		rc = cp_decimal(&p, CP_NS, CP_MAX_INT, &ns);
		if (rc == 0 && *p != '\0')
			rc = -1;
	} else
		rc = compose_parse_duration(s, &ns);
	cp_quotes(&q, s, CP_QUOTE);
	free(s);
	if (rc == -2)
		return cp_error(f, &n->start_mark, "%s: duration '%s' is too long", what, q.s);
	if (rc != 0)
		return cp_error(f, &n->start_mark, "%s: bad duration '%s' (use seconds, or a "
		    "number with a unit, such as 10s or 2m)", what, q.s);
	*out = (double)ns / (double)CP_NS;
	return 0;
}

/* Scalar N as a ratio: 0..1, or a percentage "5%". */
static int
cp_ratio(struct cp_file *f, yaml_node_t *n, const char *what, double *out)
{
	struct cp_q q;
	const char *p;
	char *s = cp_str(f, n, what, 0);
	int64_t v = 0;
	int rc, percent;

	if (s == NULL)
		return -1;
	p = s;
	rc = cp_decimal(&p, CP_NS, CP_MAX_INT, &v);
	percent = rc == 0 && *p == '%';
	if (percent)
		p++;
	if (rc == 0 && *p == '\0' && v <= (percent ? 100 : 1) * CP_NS) {
		*out = (double)v / (percent ? 100.0 * (double)CP_NS : (double)CP_NS);
		free(s);
		return 0;
	}
	cp_error(f, &n->start_mark, "%s must be from 0 to 1, or a percentage such as 5%%, "
	    "not '%s'", what, cp_quotes(&q, s, CP_QUOTE));
	free(s);
	return -1;
}

/* rollout N into policy P. */
static int
cp_rollout(struct cp_file *f, yaml_node_t *n, struct compose_policy *p)
{
	static const struct cp_schema schema = { cp_rollout_keys, RO_NKEYS, NULL, 0 };
	yaml_node_t *vals[RO_NKEYS], *keyn[RO_NKEYS];
	static const struct {
		int key;
		long long min, max;
	} ints[] = {
		{ RO_CANARY, 0, 100000 }, { RO_PARALLELISM, 0, 100000 },
		{ RO_REVISIONS, 1, 100 }, { RO_PULLS, 1, 1000 },
	};
	struct cp_q q;
	char what[64];

	if (cp_mapping(f, n, "'rollout'", &schema, vals, keyn) != 0)
		return -1;
	if (f->stack->target == COMPOSE_TARGET_SWARM) {
		if (keyn[RO_CANARY] != NULL && cp_warn(f, &keyn[RO_CANARY]->start_mark, "'canary' "
		    "is a plantdeck-engine notion: Swarm's rolling update has no canary wave "
		    "(ignored under target swarm)") != 0)
			return -1;
		if (keyn[RO_GROW] != NULL && cp_warn(f, &keyn[RO_GROW]->start_mark, "'grow' is a "
		    "plantdeck-engine notion: Swarm updates parallelism tasks at a time "
		    "(ignored under target swarm)") != 0)
			return -1;
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		yaml_node_t *v = vals[ints[i].key];
		long long x;

		if (v == NULL)
			continue;
		snprintf(what, sizeof(what), "'%s'", cp_rollout_keys[ints[i].key]);
		if (cp_int(f, v, what, ints[i].min, ints[i].max, &x) != 0)
			return -1;
		switch (ints[i].key) {
		case RO_CANARY:
			p->canary = (int)x;
			break;
		case RO_PARALLELISM:
			p->parallelism = (int)x;
			break;
		case RO_REVISIONS:
			p->revisions = (int)x;
			break;
		default:
			p->max_pulls = (int)x;
			break;
		}
	}
	if (vals[RO_GROW] != NULL && cp_bool(f, vals[RO_GROW], "'grow'", &p->grow) != 0)
		return -1;
	if ((vals[RO_DELAY] != NULL && cp_seconds(f, vals[RO_DELAY], "'delay'", &p->delay) != 0) ||
	    (vals[RO_MONITOR] != NULL &&
	    cp_seconds(f, vals[RO_MONITOR], "'monitor'", &p->monitor) != 0) ||
	    (vals[RO_DEADLINE] != NULL &&
	    cp_seconds(f, vals[RO_DEADLINE], "'progress_deadline'", &p->progress_deadline) != 0))
		return -1;
	if (vals[RO_DEADLINE] != NULL && p->progress_deadline <= 0)
		return cp_error(f, &vals[RO_DEADLINE]->start_mark,
		    "'progress_deadline' must be more than 0");
	if (vals[RO_RATIO] != NULL &&
	    cp_ratio(f, vals[RO_RATIO], "'max_failure_ratio'", &p->max_failure_ratio) != 0)
		return -1;
	if (vals[RO_ACTION] != NULL) {
		char *s = cp_str(f, vals[RO_ACTION], "'failure_action'", 0);

		if (s == NULL)
			return -1;
		if (strcmp(s, "pause") == 0)
			p->failure_action = COMPOSE_FAIL_PAUSE;
		else if (strcmp(s, "rollback") == 0)
			p->failure_action = COMPOSE_FAIL_ROLLBACK;
		else if (strcmp(s, "continue") == 0)
			p->failure_action = COMPOSE_FAIL_CONTINUE;
		else {
			cp_error(f, &vals[RO_ACTION]->start_mark, "'failure_action' must be pause, "
			    "rollback or continue, not '%s'", cp_quotes(&q, s, CP_QUOTE));
			free(s);
			return -1;
		}
		free(s);
	}
	if (vals[RO_ORDER] != NULL) {
		char *s = cp_str(f, vals[RO_ORDER], "'order'", 0);

		if (s == NULL)
			return -1;
		if (strcmp(s, "stop-first") == 0)
			p->order = COMPOSE_STOP_FIRST;
		else if (strcmp(s, "start-first") == 0)
			p->order = COMPOSE_START_FIRST;
		else {
			cp_error(f, &vals[RO_ORDER]->start_mark, "'order' must be stop-first or "
			    "start-first, not '%s'", cp_quotes(&q, s, CP_QUOTE));
			free(s);
			return -1;
		}
		free(s);
	}
	return 0;
}

/* placement N: a selector string, or a mapping of labels to values
 * ("line=A,cell=3"); checked as inventory_selector_parse reads it. */
static int
cp_placement(struct cp_file *f, yaml_node_t *n, char **out)
{
	struct inv_selector *sel = NULL;
	struct cp_buf b = { 0 };
	char msg[1024];

	*out = NULL;
	if (n->type == YAML_MAPPING_NODE) {
		struct cp_pair *pairs;
		size_t np;

		if (cp_pairs(f, n, &pairs, &np) != 0)
			return -1;
		for (size_t i = 0; i < np; i++) {
			char *v;

			if (pairs[i].v->type != YAML_SCALAR_NODE || cp_null(pairs[i].v)) {
				struct cp_q q;

				cp_error(f, cp_null(pairs[i].v) ? &pairs[i].k->start_mark :
				    &pairs[i].v->start_mark,
				    "expected a string for 'placement' label '%s'",
				    cp_quote(&q, cp_scalar(pairs[i].k),
				    pairs[i].k->data.scalar.length, CP_QUOTE));
				free(pairs);
				free(b.s);
				return -1;
			}
			v = cp_str(f, pairs[i].v, "'placement'", 0);
			if (v == NULL || (i > 0 && cp_buf_add(&b, ",", 1) != 0) ||
			    cp_buf_add(&b, cp_scalar(pairs[i].k), pairs[i].k->data.scalar.length) != 0 ||
			    cp_buf_add(&b, "=", 1) != 0 || cp_buf_add(&b, v, strlen(v)) != 0) {
				free(pairs);
				free(b.s);
				if (v == NULL)
					return -1;
				free(v);
				return cp_error(f, &n->start_mark, "'placement' is too long");
			}
			free(v);
		}
		free(pairs);
		if (np == 0)
			return cp_error(f, &n->start_mark, "'placement' is empty");
		*out = cp_buf_take(&b);
	} else if (n->type == YAML_SCALAR_NODE)
		*out = cp_str(f, n, "'placement'", 0);
	else
		return cp_error(f, &n->start_mark, "expected a string or a mapping for 'placement'");
	if (*out == NULL)
		return -1;
	if (inventory_selector_parse(*out, &sel, msg, sizeof(msg)) != 0) {
		free(*out);
		*out = NULL;
		return cp_error(f, &n->start_mark, "'placement': %s", msg);
	}
	inventory_selector_free(sel);
	return 0;
}

/* x-plantdeck N into the stack; *STACK_N gets its stack's node. */
static int
cp_plantdeck(struct cp_file *f, yaml_node_t *n, yaml_node_t **stack_n)
{
	static const struct cp_schema schema = { cp_pd_keys, PD_NKEYS, NULL, 0 };
	yaml_node_t *vals[PD_NKEYS], *keyn[PD_NKEYS];

	if (cp_mapping(f, n, "'x-plantdeck'", &schema, vals, keyn) != 0)
		return -1;
	*stack_n = vals[PD_STACK];
	/* The target first: the rollout policy and the services depend on it. */
	if (vals[PD_TARGET] != NULL) {
		struct cp_q q;
		char *s = cp_str(f, vals[PD_TARGET], "'target'", 0);

		if (s == NULL)
			return -1;
		if (strcmp(s, "engines") == 0)
			f->stack->target = COMPOSE_TARGET_ENGINES;
		else if (strcmp(s, "swarm") == 0)
			f->stack->target = COMPOSE_TARGET_SWARM;
		else {
			cp_error(f, &vals[PD_TARGET]->start_mark, "'target' must be engines or swarm, "
			    "not '%s'", cp_quotes(&q, s, CP_QUOTE));
			free(s);
			return -1;
		}
		free(s);
	}
	if (vals[PD_PLACEMENT] != NULL &&
	    cp_placement(f, vals[PD_PLACEMENT], &f->stack->placement) != 0)
		return -1;
	if (vals[PD_ROLLOUT] != NULL && cp_rollout(f, vals[PD_ROLLOUT], &f->stack->policy) != 0)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- files */

/* The stack's name: from node N (x-plantdeck.stack or name:), else the
 * directory's, lowercased with what a name may not hold dropped. */
static int
cp_stack_name(struct cp_file *f, yaml_node_t *n, const char *what)
{
	struct cp_q q;
	const char *base;
	char name[CP_MAX_NAME + 1];
	size_t len = 0;

	if (n != NULL) {
		char *s = cp_str(f, n, what, 0);

		if (s == NULL)
			return -1;
		if (!cp_valid_name(s, strlen(s))) {
			cp_error(f, &n->start_mark, "bad stack name '%s': use 1 to %d of A-Z a-z "
			    "0-9 _ . - starting with a letter or digit", cp_quotes(&q, s, CP_QUOTE),
			    CP_MAX_NAME);
			free(s);
			return -1;
		}
		f->stack->name = s;
		return 0;
	}
	base = strrchr(f->dir, '/');
	base = base != NULL ? base + 1 : f->dir;
	for (; *base != '\0' && len < CP_MAX_NAME; base++) {
		char c = *base >= 'A' && *base <= 'Z' ? (char)(*base - 'A' + 'a') : *base;

		if (cp_isalnum((unsigned char)c) || (len > 0 && (c == '_' || c == '.' || c == '-')))
			name[len++] = c;
	}
	name[len] = '\0';
	if (len == 0)
		return cp_seterr(f->err, f->errlen, "%s: no stack name: the directory '%s' gives "
		    "none; set x-plantdeck.stack or name:", f->path,
		    cp_quotes(&q, f->dir, CP_QUOTE_PATH));
	if ((f->stack->name = strdup(name)) == NULL)
		return cp_seterr(f->err, f->errlen, "%s: out of memory", f->path);
	return 0;
}

/* Named volumes (top-level volumes:): accepted; any setting is a warning,
 * the engine creates a volume the first time a container uses it. */
static int
cp_volumes_top(struct cp_file *f, yaml_node_t *n)
{
	struct cp_pair *pairs;
	size_t np;
	int rc = -1;

	if (n->type != YAML_MAPPING_NODE)
		return cp_error(f, &n->start_mark, "expected a mapping for 'volumes'");
	if (cp_pairs(f, n, &pairs, &np) != 0)
		return -1;
	for (size_t i = 0; i < np; i++) {
		yaml_node_t *v = pairs[i].v;
		struct cp_pair *opts;
		size_t nopts;
		struct cp_q q;

		if (!cp_valid_name(cp_scalar(pairs[i].k), pairs[i].k->data.scalar.length)) {
			cp_error(f, &pairs[i].k->start_mark, "bad volume name '%s': use 1 to %d of "
			    "A-Z a-z 0-9 _ . - starting with a letter or digit",
			    cp_quote(&q, cp_scalar(pairs[i].k), pairs[i].k->data.scalar.length,
			    CP_QUOTE), CP_MAX_NAME);
			goto out;
		}
		if (cp_null(v))
			continue;
		if (v->type != YAML_MAPPING_NODE) {
			cp_error(f, &v->start_mark, "expected a mapping for volume '%s'",
			    cp_quote(&q, cp_scalar(pairs[i].k), pairs[i].k->data.scalar.length,
			    CP_QUOTE));
			goto out;
		}
		if (cp_pairs(f, v, &opts, &nopts) != 0)
			goto out;
		for (size_t j = 0; j < nopts; j++) {
			const yaml_node_t *k = opts[j].k;

			if (k->data.scalar.length >= 2 && cp_scalar(k)[0] == 'x' &&
			    cp_scalar(k)[1] == '-')
				continue;
			if (cp_warn(f, &k->start_mark, "unsupported key '%s' ignored",
			    cp_quote(&q, cp_scalar(k), k->data.scalar.length, CP_QUOTE)) != 0) {
				free(opts);
				goto out;
			}
		}
		free(opts);
	}
	rc = 0;
out:
	free(pairs);
	return rc;
}

/* Check the document's root and read the whole stack. */
static int
cp_file_parse(struct cp_file *f)
{
	static const struct cp_schema schema = { cp_top_keys, TOP_NKEYS, cp_top_unsupported, 1 };
	yaml_node_t *root = yaml_document_get_root_node(&f->doc);
	yaml_node_t *vals[TOP_NKEYS], *keyn[TOP_NKEYS], *services, *stack_n = NULL;
	yaml_mark_t start = { 0, 0, 0 };
	struct compose_stack *s = f->stack;
	struct cp_pair *pairs;
	size_t np;
	int rc = -1;

	if (root == NULL)
		return cp_error(f, &start, "empty stack file: expected a mapping with 'services'");
	if (root->type != YAML_MAPPING_NODE)
		return cp_error(f, &root->start_mark,
		    "the stack file must be a mapping with 'services'");
	if (cp_mapping(f, root, "the stack file", &schema, vals, keyn) != 0)
		return -1;
	if (vals[TOP_VERSION] != NULL && vals[TOP_VERSION]->type != YAML_SCALAR_NODE)
		return cp_error(f, &vals[TOP_VERSION]->start_mark, "expected a string for 'version'");
	if (vals[TOP_PLANTDECK] != NULL && cp_plantdeck(f, vals[TOP_PLANTDECK], &stack_n) != 0)
		return -1;
	if (cp_stack_name(f, stack_n != NULL ? stack_n : vals[TOP_NAME],
	    stack_n != NULL ? "'stack'" : "'name'") != 0)
		return -1;
	if (stack_n != NULL && vals[TOP_NAME] != NULL) {
		char *other = cp_str(f, vals[TOP_NAME], "'name'", 0);	/* checked all the same */

		if (other == NULL)
			return -1;
		free(other);
	}
	if (vals[TOP_VOLUMES] != NULL && cp_volumes_top(f, vals[TOP_VOLUMES]) != 0)
		return -1;

	services = vals[TOP_SERVICES];
	if (services == NULL && keyn[TOP_SERVICES] != NULL)
		return cp_error(f, &keyn[TOP_SERVICES]->start_mark, "'services' is empty: "
		    "define at least one service");
	if (services == NULL)
		return cp_error(f, &root->start_mark, "no 'services': define at least one service");
	if (services->type != YAML_MAPPING_NODE)
		return cp_error(f, &services->start_mark, "expected a mapping for 'services'");
	if (cp_pairs(f, services, &pairs, &np) != 0)
		return -1;
	if (np == 0) {
		cp_error(f, &services->start_mark, "'services' is empty: define at least one service");
		goto out;
	}
	if (np > CP_MAX_SERVICES) {
		cp_error(f, &services->start_mark, "too many services (at most %d)", CP_MAX_SERVICES);
		goto out;
	}
	s->services = calloc(np, sizeof(*s->services));
	if (s->services == NULL) {
		cp_error(f, &services->start_mark, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < np; i++) {
		struct cp_q q;

		s->nservices = i + 1;	/* so that compose_free sees it */
		if (pairs[i].k->data.scalar.length >= 2 && cp_scalar(pairs[i].k)[0] == 'x' &&
		    cp_scalar(pairs[i].k)[1] == '-') {
			cp_error(f, &pairs[i].k->start_mark, "bad service name '%s': 'x-' names "
			    "are extensions", cp_quote(&q, cp_scalar(pairs[i].k),
			    pairs[i].k->data.scalar.length, CP_QUOTE));
			goto out;
		}
		if (cp_service(f, pairs[i].k, pairs[i].v, &s->services[i]) != 0)
			goto out;
	}
	rc = 0;
out:
	free(pairs);
	return rc;
}

/* Report PARSER's error on BUF (LEN bytes) as "FILE:LINE:COLUMN: ...". */
static int
cp_yaml_error(struct cp_file *f, const yaml_parser_t *parser, const char *buf, size_t len)
{
	const char *problem = parser->problem != NULL ? parser->problem : "cannot parse";
	yaml_mark_t mark = { 0, 0, 0 };

	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		return cp_seterr(f->err, f->errlen, "%s: out of memory", f->path);
	case YAML_READER_ERROR:
		/* No mark for these: count lines and characters to the offset. */
		for (size_t i = 0; i < parser->problem_offset && i < len; i++) {
			if (buf[i] == '\n') {
				mark.line++;
				mark.column = 0;
			} else if (((unsigned char)buf[i] & 0xc0) != 0x80)
				mark.column++;
		}
		return cp_error(f, &mark, "%s", problem);
	default:
		if (parser->context != NULL)
			return cp_error(f, &parser->problem_mark, "%s (%s at %zu:%zu)", problem,
			    parser->context, parser->context_mark.line + 1,
			    parser->context_mark.column + 1);
		return cp_error(f, &parser->problem_mark, "%s", problem);
	}
}

/* Parse BUF (LEN bytes) as events only, to report syntax errors and refuse
 * nesting deeper than CP_MAX_DEPTH cheaply. */
static int
cp_check_depth(struct cp_file *f, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_type_t type;
	yaml_event_t ev;
	int depth = 0, rc = 0;

	if (!yaml_parser_initialize(&parser))
		return cp_seterr(f->err, f->errlen, "%s: out of memory", f->path);
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	do {
		if (!yaml_parser_parse(&parser, &ev)) {
			rc = cp_yaml_error(f, &parser, buf, len);
			break;
		}
		type = ev.type;
		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > CP_MAX_DEPTH)
				rc = cp_error(f, &ev.start_mark, "nesting too deep "
				    "(more than %d levels)", CP_MAX_DEPTH);
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT)
			depth--;
		yaml_event_delete(&ev);
	} while (rc == 0 && type != YAML_STREAM_END_EVENT);
	yaml_parser_delete(&parser);
	return rc;
}

/* The LINE:COLUMN after "FILE:" of warning W, as one number to sort by. */
static unsigned long long
cp_warning_pos(const struct cp_file *f, const char *w)
{
	const char *p = w + strlen(f->path) + 1;
	unsigned long long line, col;
	char *end;

	line = strtoull(p, &end, 10);
	col = *end == ':' ? strtoull(end + 1, NULL, 10) : 0;
	return line << 24 | (col & 0xffffff);
}

/* Put the stack's warnings in file order (stable: the schema's order for
 * one position). */
static void
cp_sort_warnings(const struct cp_file *f)
{
	struct compose_stack *s = f->stack;

	for (size_t i = 1; i < s->nwarnings; i++) {
		char *w = s->warnings[i];
		unsigned long long pos = cp_warning_pos(f, w);
		size_t j = i;

		while (j > 0 && cp_warning_pos(f, s->warnings[j - 1]) > pos) {
			s->warnings[j] = s->warnings[j - 1];
			j--;
		}
		s->warnings[j] = w;
	}
}

/* Load the stack file PATH. */
int
compose_load(const char *path, struct compose_stack **out, char *err, size_t errlen)
{
	struct cp_file f = { .path = path, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_document_t more;
	const char *slash;
	char *buf, *dotenv = NULL;
	size_t len = 0;
	int loaded = 0, rc = -1;

	if (out == NULL)
		return cp_seterr(err, errlen, "no place for the stack");
	*out = NULL;
	if (path == NULL || *path == '\0')
		return cp_seterr(err, errlen, "no stack file");
	buf = cp_read_file(path, CP_MAX_FILE, &len);
	if (buf == NULL)
		return cp_seterr(err, errlen, "%s: cannot open: %s", path,
		    errno == EFBIG ? "too large" : strerror(errno));
	slash = strrchr(path, '/');
	f.reldir = slash == NULL ? strdup(".") :
	    cp_strndup(path, slash == path ? 1 : (size_t)(slash - path));
	f.dir = f.reldir != NULL ? realpath(f.reldir, NULL) : NULL;
	f.stack = cp_stack_new(path);
	dotenv = f.reldir != NULL ? cp_join(f.reldir, ".env") : NULL;
	if (f.reldir == NULL || f.dir == NULL || f.stack == NULL || dotenv == NULL) {
		cp_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno ? errno : ENOMEM));
		goto out_buf;
	}
	if (cp_env_file(&f, dotenv, &f.dotenv, 1, NULL, NULL) != 0)
		goto out_buf;
	if (memchr(buf, '\0', len) != NULL) {
		yaml_mark_t m = { 0, 0, 0 };

		for (const char *p = buf; *p != '\0'; p++) {
			if (*p == '\n') {
				m.line++;
				m.column = 0;
			} else if (((unsigned char)*p & 0xc0) != 0x80)
				m.column++;
		}
		cp_error(&f, &m, "a NUL byte: not a text file");
		goto out_buf;
	}
	if (cp_check_depth(&f, buf, len) != 0)
		goto out_buf;
	if (!yaml_parser_initialize(&parser)) {
		cp_seterr(err, errlen, "%s: out of memory", path);
		goto out_buf;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &f.doc)) {
		cp_yaml_error(&f, &parser, buf, len);
		goto out_parser;
	}
	loaded = 1;
	if (!yaml_parser_load(&parser, &more)) {
		cp_yaml_error(&f, &parser, buf, len);
		goto out_parser;
	}
	if (yaml_document_get_root_node(&more) != NULL) {
		cp_error(&f, &more.start_mark, "only one YAML document is allowed");
		yaml_document_delete(&more);
		goto out_parser;
	}
	yaml_document_delete(&more);
	if (cp_file_parse(&f) != 0)
		goto out_parser;
	cp_sort_warnings(&f);
	*out = f.stack;
	f.stack = NULL;
	rc = 0;

out_parser:
	if (loaded)
		yaml_document_delete(&f.doc);
	yaml_parser_delete(&parser);
out_buf:
	compose_free(f.stack);
	cp_vars_clear(&f.dotenv);
	free(dotenv);
	free(f.dir);
	free(f.reldir);
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------- canonical JSON */

/* The canonical text of STACK: name, placement, target, every policy
 * field and the services in file order (under target swarm with their mode
 * and replicas); no warnings, no file name. */
char *
compose_to_json(const struct compose_stack *stack)
{
	const struct compose_policy *p;
	cJSON *root, *pol, *svcs;
	char *text = NULL;

	if (stack == NULL || stack->name == NULL)
		return NULL;
	p = &stack->policy;
	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(root, "name", stack->name) == NULL ||
	    (stack->placement != NULL ?
	    cJSON_AddStringToObject(root, "placement", stack->placement) :
	    cJSON_AddNullToObject(root, "placement")) == NULL ||
	    cJSON_AddStringToObject(root, "target", compose_target_name(stack->target)) == NULL ||
	    (pol = cJSON_AddObjectToObject(root, "policy")) == NULL ||
	    cJSON_AddNumberToObject(pol, "canary", p->canary) == NULL ||
	    cJSON_AddNumberToObject(pol, "parallelism", p->parallelism) == NULL ||
	    cJSON_AddBoolToObject(pol, "grow", p->grow != 0) == NULL ||
	    cJSON_AddNumberToObject(pol, "delay", p->delay) == NULL ||
	    cJSON_AddNumberToObject(pol, "monitor", p->monitor) == NULL ||
	    cJSON_AddNumberToObject(pol, "progress_deadline", p->progress_deadline) == NULL ||
	    cJSON_AddNumberToObject(pol, "max_failure_ratio", p->max_failure_ratio) == NULL ||
	    cJSON_AddStringToObject(pol, "failure_action",
	    compose_failure_action_name(p->failure_action)) == NULL ||
	    cJSON_AddStringToObject(pol, "order", compose_order_name(p->order)) == NULL ||
	    cJSON_AddNumberToObject(pol, "revisions", p->revisions) == NULL ||
	    cJSON_AddNumberToObject(pol, "max_pulls", p->max_pulls) == NULL ||
	    (svcs = cJSON_AddArrayToObject(root, "services")) == NULL)
		goto out;
	for (size_t i = 0; i < stack->nservices; i++) {
		const struct compose_service *s = &stack->services[i];
		cJSON *o = cJSON_CreateObject(), *create;

		if (o == NULL)
			goto out;
		cJSON_AddItemToArray(svcs, o);
		create = s->create != NULL ? cJSON_Duplicate(s->create, 1) : cJSON_CreateObject();
		if (create == NULL)
			goto out;
		if (cJSON_AddStringToObject(o, "name", s->name) == NULL ||
		    cJSON_AddStringToObject(o, "image", s->image) == NULL ||
		    cJSON_AddBoolToObject(o, "has_healthcheck", s->has_healthcheck != 0) == NULL ||
		    cJSON_AddNumberToObject(o, "line", s->line) == NULL ||
		    cJSON_AddNumberToObject(o, "column", s->column) == NULL ||
		    (stack->target == COMPOSE_TARGET_SWARM &&
		    (cJSON_AddStringToObject(o, "mode", compose_mode_name(s->mode)) == NULL ||
		    (s->mode == COMPOSE_MODE_REPLICATED &&
		    cJSON_AddNumberToObject(o, "replicas", s->replicas) == NULL)))) {
			cJSON_Delete(create);
			goto out;
		}
		cJSON_AddItemToObject(o, "create", create);
	}
	text = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return text;
}

/* Member KEY of OBJ as a number that is a whole number in MIN..MAX. */
static int
cp_json_int(const cJSON *obj, const char *key, long long min, long long max, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < (double)min ||
	    v->valuedouble > (double)max || v->valuedouble != floor(v->valuedouble))
		return -1;
	*out = (int)v->valuedouble;
	return 0;
}

/* Member KEY of OBJ as a number in MIN..MAX. */
static int
cp_json_double(const cJSON *obj, const char *key, double min, double max, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < min ||
	    v->valuedouble > max)
		return -1;
	*out = v->valuedouble;
	return 0;
}

/* Member KEY of OBJ as a string without control characters, or NULL. */
static const char *
cp_json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return NULL;
	for (const char *p = v->valuestring; *p != '\0'; p++) {
		if (cp_iscntrl((unsigned char)*p))
			return NULL;
	}
	return v->valuestring;
}

/* The policy object POL into P; the name of a bad field, or NULL. */
static const char *
cp_json_policy(const cJSON *pol, struct compose_policy *p)
{
	const double maxs = (double)CP_MAX_INT / (double)CP_NS;
	const cJSON *grow = cJSON_GetObjectItemCaseSensitive(pol, "grow");
	const char *s;

	if (!cJSON_IsObject(pol))
		return "policy";
	if (cp_json_int(pol, "canary", 0, 100000, &p->canary) != 0)
		return "canary";
	if (cp_json_int(pol, "parallelism", 0, 100000, &p->parallelism) != 0)
		return "parallelism";
	if (!cJSON_IsBool(grow))
		return "grow";
	p->grow = cJSON_IsTrue(grow);
	if (cp_json_double(pol, "delay", 0, maxs, &p->delay) != 0)
		return "delay";
	if (cp_json_double(pol, "monitor", 0, maxs, &p->monitor) != 0)
		return "monitor";
	if (cp_json_double(pol, "progress_deadline", 0, maxs, &p->progress_deadline) != 0 ||
	    p->progress_deadline <= 0)
		return "progress_deadline";
	if (cp_json_double(pol, "max_failure_ratio", 0, 1, &p->max_failure_ratio) != 0)
		return "max_failure_ratio";
	s = cp_json_str(pol, "failure_action");
	if (s != NULL && strcmp(s, "pause") == 0)
		p->failure_action = COMPOSE_FAIL_PAUSE;
	else if (s != NULL && strcmp(s, "rollback") == 0)
		p->failure_action = COMPOSE_FAIL_ROLLBACK;
	else if (s != NULL && strcmp(s, "continue") == 0)
		p->failure_action = COMPOSE_FAIL_CONTINUE;
	else
		return "failure_action";
	s = cp_json_str(pol, "order");
	if (s != NULL && strcmp(s, "stop-first") == 0)
		p->order = COMPOSE_STOP_FIRST;
	else if (s != NULL && strcmp(s, "start-first") == 0)
		p->order = COMPOSE_START_FIRST;
	else
		return "order";
	if (cp_json_int(pol, "revisions", 1, 100, &p->revisions) != 0)
		return "revisions";
	if (cp_json_int(pol, "max_pulls", 1, 1000, &p->max_pulls) != 0)
		return "max_pulls";
	return NULL;
}

/* Service object O into S; the name of a bad field, or NULL. */
static const char *
cp_json_service(const cJSON *o, const struct compose_stack *stack, size_t index,
    struct compose_service *s)
{
	const cJSON *hc = cJSON_GetObjectItemCaseSensitive(o, "has_healthcheck");
	const cJSON *create = cJSON_GetObjectItemCaseSensitive(o, "create");
	const char *name = cp_json_str(o, "name"), *image = cp_json_str(o, "image"), *ci;

	if (!cJSON_IsObject(o))
		return "services";
	if (name == NULL || !cp_valid_name(name, strlen(name)))
		return "name";
	for (size_t i = 0; i < index; i++) {
		if (strcmp(stack->services[i].name, name) == 0)
			return "name";
	}
	if (image == NULL || *image == '\0')
		return "image";
	if (!cJSON_IsBool(hc))
		return "has_healthcheck";
	if (cp_json_int(o, "line", 0, INT_MAX, &s->line) != 0)
		return "line";
	if (cp_json_int(o, "column", 0, INT_MAX, &s->column) != 0)
		return "column";
	ci = cp_json_str(create, "Image");
	if (!cJSON_IsObject(create) || ci == NULL || strcmp(ci, image) != 0)
		return "create";
	s->mode = COMPOSE_MODE_GLOBAL;
	s->replicas = 0;
	if (stack->target == COMPOSE_TARGET_SWARM) {
		const char *mode = cp_json_str(o, "mode");

		if (mode != NULL && strcmp(mode, "global") == 0)
			s->mode = COMPOSE_MODE_GLOBAL;
		else if (mode != NULL && strcmp(mode, "replicated") == 0)
			s->mode = COMPOSE_MODE_REPLICATED;
		else
			return "mode";
		if (s->mode == COMPOSE_MODE_REPLICATED &&
		    cp_json_int(o, "replicas", 0, 100000, &s->replicas) != 0)
			return "replicas";
	}
	s->has_healthcheck = cJSON_IsTrue(hc);
	s->name = strdup(name);
	s->image = strdup(image);
	s->create = cJSON_Duplicate(create, 1);
	if (s->name == NULL || s->image == NULL || s->create == NULL)
		return "(out of memory)";
	return NULL;
}

/* A stack from its canonical text, every field checked. */
int
compose_from_json(const char *json, struct compose_stack **out, char *err, size_t errlen)
{
	struct compose_stack *stack = NULL;
	const cJSON *pol, *svcs, *placement, *o;
	const char *name, *bad = NULL;
	struct cp_q q;
	cJSON *root;
	int n;

	if (out == NULL)
		return cp_seterr(err, errlen, "no place for the stack");
	*out = NULL;
	if (json == NULL || strlen(json) > CP_MAX_JSON)
		return cp_seterr(err, errlen, "revision: no text, or too long");
	root = cJSON_Parse(json);
	if (root == NULL)
		return cp_seterr(err, errlen, "revision: not valid JSON");
	if (!cJSON_IsObject(root)) {
		bad = "(not an object)";
		goto fail;
	}
	if ((stack = cp_stack_new("revision")) == NULL) {
		bad = "(out of memory)";
		goto fail;
	}
	name = cp_json_str(root, "name");
	if (name == NULL || !cp_valid_name(name, strlen(name))) {
		bad = "name";
		goto fail;
	}
	if ((stack->name = strdup(name)) == NULL) {
		bad = "(out of memory)";
		goto fail;
	}
	placement = cJSON_GetObjectItemCaseSensitive(root, "placement");
	if (cJSON_IsString(placement)) {
		struct inv_selector *sel;
		char msg[256];

		if (cp_json_str(root, "placement") == NULL ||
		    inventory_selector_parse(placement->valuestring, &sel, msg, sizeof(msg)) != 0) {
			bad = "placement";
			goto fail;
		}
		inventory_selector_free(sel);
		if ((stack->placement = strdup(placement->valuestring)) == NULL) {
			bad = "(out of memory)";
			goto fail;
		}
	} else if (!cJSON_IsNull(placement)) {
		bad = "placement";
		goto fail;
	}
	/* Revisions from before targets existed have none: engines. */
	if (cJSON_GetObjectItemCaseSensitive(root, "target") != NULL) {
		const char *t = cp_json_str(root, "target");

		if (t != NULL && strcmp(t, "engines") == 0)
			stack->target = COMPOSE_TARGET_ENGINES;
		else if (t != NULL && strcmp(t, "swarm") == 0)
			stack->target = COMPOSE_TARGET_SWARM;
		else {
			bad = "target";
			goto fail;
		}
	}
	pol = cJSON_GetObjectItemCaseSensitive(root, "policy");
	if ((bad = cp_json_policy(pol, &stack->policy)) != NULL)
		goto fail;
	svcs = cJSON_GetObjectItemCaseSensitive(root, "services");
	n = cJSON_GetArraySize(svcs);
	if (!cJSON_IsArray(svcs) || n == 0 || n > CP_MAX_SERVICES) {
		bad = "services";
		goto fail;
	}
	if ((stack->services = calloc((size_t)n, sizeof(*stack->services))) == NULL) {
		bad = "(out of memory)";
		goto fail;
	}
	cJSON_ArrayForEach(o, svcs) {
		size_t i = stack->nservices++;

		if ((bad = cp_json_service(o, stack, i, &stack->services[i])) != NULL)
			goto fail;
	}
	cJSON_Delete(root);
	*out = stack;
	return 0;

fail:
	cJSON_Delete(root);
	compose_free(stack);
	return cp_seterr(err, errlen, "revision: bad field '%s'", cp_quotes(&q, bad, CP_QUOTE));
}
