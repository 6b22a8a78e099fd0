/* cgroup.c: finds a container's cgroup and reads and writes its limits.
 *
 * Everything that comes from outside — a /proc/PID/cgroup line, a cgroup
 * name, a value typed by a user, the contents of a cgroup file — is parsed
 * with explicit bounds and rejected whole when any part is off: no atoi, no
 * strtod, no silent truncation.  Paths are built only from a checked
 * 64-hex container id or from a /proc path without ".." components. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/node/cgroup.h"

#define CGROUP_FILE_MAX 4096            /* a limit or counter file */
#define CGROUP_PROC_MAX 65536           /* a /proc/PID/cgroup file */
#define CGROUP_V1_UNLIMITED (1ull << 62) /* v1 reads "unlimited" as ~2^63 */
#define CGROUP_QUOTA_MIN 1000
#define CGROUP_PERIOD_MIN 1000
#define CGROUP_PERIOD_MAX 1000000
#define CGROUP_NANO 1000000000ull

/* Runtimes whose systemd scopes are "<prefix><64 hex>.scope". */
static const char *const cgroup_scope_prefixes[] = {
	"docker-", "cri-containerd-", "crio-", "libpod-", NULL,
};

/* Copy untrusted S into OUT for an error message: at most 40 characters,
 * anything but printable ASCII shown as '?', "..." when cut. */
static const char *
cgroup_quote(const char *s, char *out, size_t outlen)
{
	size_t i, n = 0;

	if (outlen == 0)
		return "";
	for (i = 0; s[i] != '\0' && n + 4 < outlen && i < 40; i++)
		out[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s[i] != '\0' && n + 4 <= outlen) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/* Whether the N characters at S are lower-case hex digits. */
static int
cgroup_is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* ------------------------------------------------------------ container ids */

int
cgroup_container_id_from_name(const char *name, char id[CGROUP_ID_LEN])
{
	size_t len, plen;

	if (name == NULL)
		return -1;
	len = strnlen(name, 256);
	if (len == 64 && cgroup_is_hex(name, 64)) {
		memcpy(id, name, 64);
		id[64] = '\0';
		return 0;
	}
	if (len < 64 + 6 || len >= 256 || strcmp(name + len - 6, ".scope") != 0)
		return -1;
	for (int i = 0; cgroup_scope_prefixes[i] != NULL; i++) {
		plen = strlen(cgroup_scope_prefixes[i]);
		if (len == plen + 64 + 6 && strncmp(name, cgroup_scope_prefixes[i], plen) == 0 &&
		    cgroup_is_hex(name + plen, 64)) {
			memcpy(id, name + plen, 64);
			id[64] = '\0';
			return 0;
		}
	}
	return -1;
}

int
cgroup_container_id_from_path(const char *path, char id[CGROUP_ID_LEN])
{
	char comp[256], found[CGROUP_ID_LEN];
	const char *p, *slash;
	size_t n;
	int ok = 0;

	if (path == NULL || strnlen(path, CGROUP_PATH_LEN) >= CGROUP_PATH_LEN)
		return -1;
	for (p = path; *p != '\0'; p = slash + 1) {
		slash = strchr(p, '/');
		if (slash == NULL)
			slash = p + strlen(p);
		n = (size_t)(slash - p);
		if (n > 0 && n < sizeof(comp)) {
			memcpy(comp, p, n);
			comp[n] = '\0';
			if (cgroup_container_id_from_name(comp, found) == 0)
				ok = 1;
		}
		if (*slash == '\0')
			break;
	}
	if (!ok)
		return -1;
	memcpy(id, found, CGROUP_ID_LEN);
	return 0;
}

/* Whether PATH is absolute, printable and free of "." and ".." components. */
static int
cgroup_path_safe(const char *path)
{
	const char *p;

	if (path[0] != '/')
		return 0;
	for (p = path; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	for (p = path; (p = strstr(p, "/.")) != NULL; p++) {
		if (p[2] == '/' || p[2] == '\0')
			return 0;
		if (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))
			return 0;
	}
	return 1;
}

int
cgroup_parse_proc_line(const char *line, struct cgroup_proc_line *out)
{
	const char *c1, *c2, *end;
	long h = 0;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (line == NULL)
		return -1;
	end = line + strnlen(line, CGROUP_PATH_LEN + 256);
	if (*end != '\0' && *end != '\n')
		return -1;
	if (memchr(line, '\n', (size_t)(end - line)) != NULL)
		end = memchr(line, '\n', (size_t)(end - line));
	c1 = memchr(line, ':', (size_t)(end - line));
	if (c1 == NULL || c1 == line || c1 - line > 7)
		return -1;
	for (const char *p = line; p < c1; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		h = h * 10 + (*p - '0');
	}
	c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
	if (c2 == NULL)
		return -1;
	n = (size_t)(c2 - c1 - 1);
	if (n >= sizeof(out->controllers))
		return -1;
	for (const char *p = c1 + 1; p < c2; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' ||
		    *p == ',' || *p == '=' || *p == '.' || *p == '-'))
			return -1;
	memcpy(out->controllers, c1 + 1, n);
	out->controllers[n] = '\0';
	n = (size_t)(end - c2 - 1);
	if (n == 0 || n >= sizeof(out->path))
		return -1;
	memcpy(out->path, c2 + 1, n);
	out->path[n] = '\0';
	if (!cgroup_path_safe(out->path))
		return -1;
	out->hierarchy = (int)h;
	return 0;
}

int
cgroup_has_controller(const char *controllers, const char *controller)
{
	size_t n = strlen(controller);
	const char *p = controllers;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, controller, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return 0;
}

/* Read at most MAX-1 bytes of PATH into a new NUL-terminated buffer. */
static char *
cgroup_slurp(const char *path, size_t max, size_t *lenp, int *errp)
{
	char *buf = malloc(max);
	size_t len = 0;
	ssize_t r;
	int fd;

	*errp = 0;
	if (buf == NULL) {
		*errp = ENOMEM;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*errp = errno;
		free(buf);
		return NULL;
	}
	while (len + 1 < max && (r = read(fd, buf + len, max - 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*errp = errno;
			close(fd);
			free(buf);
			return NULL;
		}
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

int
cgroup_container_of_pid(const char *proc_root, int pid, char id[CGROUP_ID_LEN], char *path,
    size_t pathlen)
{
	struct cgroup_proc_line pl;
	char file[CGROUP_PATH_LEN], best_path[CGROUP_PATH_LEN] = "";
	char cand[CGROUP_ID_LEN], best[CGROUP_ID_LEN] = "";
	int rank, best_rank = 0, e;
	char *buf, *line, *save = NULL;

	if (pid <= 0)
		return -1;
	if ((size_t)snprintf(file, sizeof(file), "%s/%d/cgroup", proc_root ? proc_root : "/proc",
	    pid) >= sizeof(file))
		return -1;
	buf = cgroup_slurp(file, CGROUP_PROC_MAX, NULL, &e);
	if (buf == NULL)
		return -1;
	/* Prefer the v2 line, then memory, then cpu, then any. */
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (cgroup_parse_proc_line(line, &pl) != 0 ||
		    cgroup_container_id_from_path(pl.path, cand) != 0)
			continue;
		if (pl.hierarchy == 0 && pl.controllers[0] == '\0')
			rank = 4;
		else if (cgroup_has_controller(pl.controllers, "memory"))
			rank = 3;
		else if (cgroup_has_controller(pl.controllers, "cpu"))
			rank = 2;
		else
			rank = 1;
		if (rank > best_rank) {
			best_rank = rank;
			memcpy(best, cand, sizeof(best));
			snprintf(best_path, sizeof(best_path), "%s", pl.path);
		}
	}
	free(buf);
	if (best_rank == 0)
		return -1;
	memcpy(id, best, CGROUP_ID_LEN);
	if (path != NULL && pathlen > 0)
		snprintf(path, pathlen, "%s", best_path);
	return 0;
}

/* ------------------------------------------------------------ hierarchies */

/* Whether DIR/NAME exists. */
static int
cgroup_exists(const char *dir, const char *name)
{
	char p[CGROUP_PATH_LEN + 64];

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, name) >= sizeof(p))
		return 0;
	return access(p, F_OK) == 0;
}

/* Whether PATH is a directory. */
static int
cgroup_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int
cgroup_fs_detect(const char *root, struct cgroup_fs *fs, char *err, size_t errlen)
{
	char sub[CGROUP_PATH_LEN + 16];

	memset(fs, 0, sizeof(*fs));
	if (root == NULL || strlen(root) >= sizeof(fs->root) - 32) {
		snprintf(err, errlen, "cgroup root: path too long");
		return -1;
	}
	snprintf(fs->root, sizeof(fs->root), "%s", root);
	if (!cgroup_is_dir(root)) {
		snprintf(err, errlen, "%s: %s", root, strerror(errno ? errno : ENOTDIR));
		return -1;
	}
	if (cgroup_exists(root, "cgroup.controllers")) {
		fs->version = CGROUP_V2;
		return 0;
	}
	snprintf(sub, sizeof(sub), "%s/memory", root);
	fs->v1_memory = cgroup_exists(sub, "cgroup.procs");
	snprintf(sub, sizeof(sub), "%s/cpu", root);
	if (cgroup_exists(sub, "cgroup.procs")) {
		snprintf(fs->v1_cpu, sizeof(fs->v1_cpu), "cpu");
	} else {
		snprintf(sub, sizeof(sub), "%s/cpu,cpuacct", root);
		if (cgroup_exists(sub, "cgroup.procs"))
			snprintf(fs->v1_cpu, sizeof(fs->v1_cpu), "cpu,cpuacct");
	}
	if (fs->v1_memory || fs->v1_cpu[0] != '\0') {
		fs->version = CGROUP_V1;
		return 0;
	}
	snprintf(err, errlen, "%s: no cgroup hierarchy here (neither cgroup.controllers "
	    "nor memory/ nor cpu/)", root);
	return -1;
}

/* Set OUT to BASE+PATH if that is a directory; 0 or -1. */
static int
cgroup_try_dir(char *out, size_t outlen, const char *base, const char *path)
{
	char p[CGROUP_PATH_LEN];

	if ((size_t)snprintf(p, sizeof(p), "%s%s", base, path) >= sizeof(p) || !cgroup_is_dir(p))
		return -1;
	snprintf(out, outlen, "%s", p);
	return 0;
}

/* Try the usual layouts of container ID below BASE ("ROOT" or "ROOT/memory"). */
static int
cgroup_try_layouts(char *out, size_t outlen, const char *base, const char *id)
{
	char p[160];

	snprintf(p, sizeof(p), "/docker/%s", id);
	if (cgroup_try_dir(out, outlen, base, p) == 0)
		return 0;
	snprintf(p, sizeof(p), "/system.slice/docker-%s.scope", id);
	return cgroup_try_dir(out, outlen, base, p);
}

int
cgroup_find_dirs(const struct cgroup_fs *fs, const char *id, const char *proc_root, int pid,
    struct cgroup_dirs *d, char *err, size_t errlen)
{
	char base[CGROUP_PATH_LEN + 16], file[CGROUP_PATH_LEN], cid[CGROUP_ID_LEN];
	struct cgroup_proc_line pl;
	char *buf, *line, *save = NULL;
	int e;

	memset(d, 0, sizeof(*d));
	if (id == NULL || strlen(id) != 64 || !cgroup_is_hex(id, 64)) {
		snprintf(err, errlen, "not a full container id (64 hex digits)");
		return -1;
	}
	/* What the kernel says about the container's process wins. */
	if (pid > 0 && (size_t)snprintf(file, sizeof(file), "%s/%d/cgroup",
	    proc_root ? proc_root : "/proc", pid) < sizeof(file) &&
	    (buf = cgroup_slurp(file, CGROUP_PROC_MAX, NULL, &e)) != NULL) {
		for (line = strtok_r(buf, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			if (cgroup_parse_proc_line(line, &pl) != 0 ||
			    cgroup_container_id_from_path(pl.path, cid) != 0 || strcmp(cid, id) != 0)
				continue;
			if (fs->version == CGROUP_V2 && pl.hierarchy == 0) {
				cgroup_try_dir(d->memory, sizeof(d->memory), fs->root, pl.path);
				cgroup_try_dir(d->cpu, sizeof(d->cpu), fs->root, pl.path);
			} else if (fs->version == CGROUP_V1 && fs->v1_memory &&
			    cgroup_has_controller(pl.controllers, "memory")) {
				snprintf(base, sizeof(base), "%s/memory", fs->root);
				cgroup_try_dir(d->memory, sizeof(d->memory), base, pl.path);
			} else if (fs->version == CGROUP_V1 && fs->v1_cpu[0] != '\0' &&
			    cgroup_has_controller(pl.controllers, "cpu")) {
				snprintf(base, sizeof(base), "%s/%s", fs->root, fs->v1_cpu);
				cgroup_try_dir(d->cpu, sizeof(d->cpu), base, pl.path);
			}
		}
		free(buf);
	}
	if (fs->version == CGROUP_V2) {
		if (d->memory[0] == '\0' &&
		    cgroup_try_layouts(d->memory, sizeof(d->memory), fs->root, id) == 0)
			snprintf(d->cpu, sizeof(d->cpu), "%s", d->memory);
	} else {
		if (d->memory[0] == '\0' && fs->v1_memory) {
			snprintf(base, sizeof(base), "%s/memory", fs->root);
			cgroup_try_layouts(d->memory, sizeof(d->memory), base, id);
		}
		if (d->cpu[0] == '\0' && fs->v1_cpu[0] != '\0') {
			snprintf(base, sizeof(base), "%s/%s", fs->root, fs->v1_cpu);
			cgroup_try_layouts(d->cpu, sizeof(d->cpu), base, id);
		}
	}
	if (d->memory[0] == '\0' && d->cpu[0] == '\0') {
		snprintf(err, errlen, "container %.12s has no cgroup under %s (not on this "
		    "machine, or not running)", id, fs->root);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ values */

/* A decimal number "123", "1.5": integer part, fraction scaled to 9
 * digits.  *END is set after it.  0, or -1 with ERR. */
static int
cgroup_parse_decimal(const char *text, uint64_t *ip, uint64_t *frac9, int *has_frac,
    const char **end, const char *what, char *err, size_t errlen)
{
	const char *p = text;
	uint64_t v = 0, f = 0;
	int nf = 0;
	char q[64];

	*has_frac = 0;
	if (*p == '-') {
		snprintf(err, errlen, "%s '%s': must not be negative", what,
		    cgroup_quote(text, q, sizeof(q)));
		return -1;
	}
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1]))) {
		snprintf(err, errlen, "%s '%s': not a number", what, cgroup_quote(text, q, sizeof(q)));
		return -1;
	}
	for (; isdigit((unsigned char)*p); p++) {
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v)) {
			snprintf(err, errlen, "%s '%s': too large", what, cgroup_quote(text, q, sizeof(q)));
			return -1;
		}
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p)) {
			snprintf(err, errlen, "%s '%s': not a number", what,
			    cgroup_quote(text, q, sizeof(q)));
			return -1;
		}
		*has_frac = 1;
		for (; isdigit((unsigned char)*p); p++)
			if (nf < 9) {
				f = f * 10 + (uint64_t)(*p - '0');
				nf++;
			}
		for (; nf < 9; nf++)
			f *= 10;
	}
	*ip = v;
	*frac9 = f;
	*end = p;
	return 0;
}

int
cgroup_parse_bytes(const char *text, uint64_t *out, char *err, size_t errlen)
{
	static const struct { const char *name; unsigned shift; } units[] = {
		{ "", 0 }, { "b", 0 },
		{ "k", 10 }, { "kb", 10 }, { "ki", 10 }, { "kib", 10 },
		{ "m", 20 }, { "mb", 20 }, { "mi", 20 }, { "mib", 20 },
		{ "g", 30 }, { "gb", 30 }, { "gi", 30 }, { "gib", 30 },
		{ "t", 40 }, { "tb", 40 }, { "ti", 40 }, { "tib", 40 },
	};
	uint64_t ip, f9, mult = 0, v, fpart;
	const char *end;
	char unit[8], q[64], q2[24];
	int has_frac, found = 0;
	size_t n;

	if (text == NULL || text[0] == '\0') {
		snprintf(err, errlen, "empty value: want bytes like 256M, 1G, 512k or max");
		return -1;
	}
	if (strcmp(text, "max") == 0) {
		*out = CGROUP_UNLIMITED;
		return 0;
	}
	if (cgroup_parse_decimal(text, &ip, &f9, &has_frac, &end, "bytes", err, errlen) != 0)
		return -1;
	n = strlen(end);
	if (n >= sizeof(unit)) {
		snprintf(err, errlen, "'%s': unknown unit (use k, M, G or T, plain bytes, or max)",
		    cgroup_quote(text, q, sizeof(q)));
		return -1;
	}
	for (size_t i = 0; i <= n; i++)
		unit[i] = (char)tolower((unsigned char)end[i]);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(unit, units[i].name) == 0) {
			mult = 1ull << units[i].shift;
			found = 1;
			break;
		}
	if (!found) {
		snprintf(err, errlen, "'%s': unknown unit '%s' (use k, M, G or T, plain bytes, "
		    "or max)", cgroup_quote(text, q, sizeof(q)), cgroup_quote(end, q2, sizeof(q2)));
		return -1;
	}
	if (has_frac && mult == 1) {
		snprintf(err, errlen, "'%s': bytes must be a whole number", cgroup_quote(text, q,
		    sizeof(q)));
		return -1;
	}
	/* v = ip * mult + f9 * mult / 10^9, each step checked. */
	fpart = (uint64_t)(((unsigned __int128)f9 * mult) / CGROUP_NANO);
	if (__builtin_mul_overflow(ip, mult, &v) || __builtin_add_overflow(v, fpart, &v) ||
	    v > (uint64_t)INT64_MAX) {
		snprintf(err, errlen, "'%s': too large (at most 8E, or max)", cgroup_quote(text, q,
		    sizeof(q)));
		return -1;
	}
	*out = v;
	return 0;
}

int
cgroup_parse_cpus(const char *text, uint64_t *nanocpus, char *err, size_t errlen)
{
	uint64_t ip, f9, v;
	const char *end;
	int has_frac, pct;
	char q[64];

	if (text == NULL || text[0] == '\0') {
		snprintf(err, errlen, "empty value: want CPUs like 0.5, 2 or 50%%");
		return -1;
	}
	if (cgroup_parse_decimal(text, &ip, &f9, &has_frac, &end, "CPUs", err, errlen) != 0)
		return -1;
	pct = strcmp(end, "%") == 0;
	if (*end != '\0' && !pct) {
		snprintf(err, errlen, "CPUs '%s': want a number of CPUs (0.5, 2) or a percentage "
		    "of one CPU (50%%)", cgroup_quote(text, q, sizeof(q)));
		return -1;
	}
	if (ip > 1024 * (pct ? 100 : 1)) {
		snprintf(err, errlen, "CPUs '%s': too large (at most 1024 CPUs)",
		    cgroup_quote(text, q, sizeof(q)));
		return -1;
	}
	v = ip * CGROUP_NANO + f9;
	if (pct)
		v /= 100;
	if (v < CGROUP_NANO / 100 || v > 1024 * CGROUP_NANO) {
		snprintf(err, errlen, "CPUs '%s': out of range (0.01 to 1024 CPUs, 1%% to 102400%%)",
		    cgroup_quote(text, q, sizeof(q)));
		return -1;
	}
	*nanocpus = v;
	return 0;
}

/* Parse an unsigned integer of at most 12 digits that fills TEXT..END. */
static int
cgroup_parse_uint(const char *text, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 12)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)text[i]))
			return -1;
		v = v * 10 + (uint64_t)(text[i] - '0');
	}
	*out = v;
	return 0;
}

int
cgroup_parse_cpu_max(const char *text, int64_t *quota, uint64_t *period, char *err,
    size_t errlen)
{
	const char *sep;
	uint64_t q = 0, p = CGROUP_PERIOD_DEFAULT;
	size_t qlen;
	int is_max;
	char qq[64];

	if (text == NULL || text[0] == '\0') {
		snprintf(err, errlen, "empty value: want cpu.max as QUOTA[/PERIOD] in us, or max");
		return -1;
	}
	sep = strpbrk(text, " /");
	qlen = sep ? (size_t)(sep - text) : strlen(text);
	is_max = qlen == 3 && strncmp(text, "max", 3) == 0;
	if (!is_max && (cgroup_parse_uint(text, qlen, &q) != 0)) {
		snprintf(err, errlen, "cpu.max '%s': want QUOTA[/PERIOD] in microseconds "
		    "(50000/100000) or max", cgroup_quote(text, qq, sizeof(qq)));
		return -1;
	}
	if (sep != NULL && cgroup_parse_uint(sep + 1, strlen(sep + 1), &p) != 0) {
		snprintf(err, errlen, "cpu.max '%s': the period must be a number of microseconds",
		    cgroup_quote(text, qq, sizeof(qq)));
		return -1;
	}
	if (p < CGROUP_PERIOD_MIN || p > CGROUP_PERIOD_MAX) {
		snprintf(err, errlen, "cpu.max '%s': the period must be 1000 to 1000000 us",
		    cgroup_quote(text, qq, sizeof(qq)));
		return -1;
	}
	if (!is_max && (q < CGROUP_QUOTA_MIN || q > p * 1024)) {
		snprintf(err, errlen, "cpu.max '%s': the quota must be 1000 us to 1024 periods",
		    cgroup_quote(text, qq, sizeof(qq)));
		return -1;
	}
	*quota = is_max ? -1 : (int64_t)q;
	*period = p;
	return 0;
}

int
cgroup_parse_weight(const char *text, unsigned *weight, char *err, size_t errlen)
{
	uint64_t v;
	char q[64];

	if (text == NULL || cgroup_parse_uint(text, strlen(text), &v) != 0 || v < 1 || v > 10000) {
		snprintf(err, errlen, "cpu.weight '%s': want a whole number from 1 to 10000 "
		    "(100 is the default)", text ? cgroup_quote(text, q, sizeof(q)) : "");
		return -1;
	}
	*weight = (unsigned)v;
	return 0;
}

void
cgroup_format_bytes(uint64_t v, char *out, size_t outlen)
{
	static const char units[] = "KMGT";
	int u = -1;

	if (v == CGROUP_UNLIMITED) {
		snprintf(out, outlen, "max");
		return;
	}
	while (u < 3 && v != 0 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(out, outlen, "%llu", (unsigned long long)v);
	else
		snprintf(out, outlen, "%llu%c", (unsigned long long)v, units[u]);
}

unsigned
cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return (unsigned)(1 + ((shares - 2) * 9999) / 262142);
}

unsigned
cgroup_shares_to_weight_log(uint64_t shares)
{
	double l, exponent;

	if (shares == 0)
		return 0;
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	l = log2((double)shares);
	exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
	return (unsigned)ceil(pow(10, exponent));
}

uint64_t
cgroup_weight_to_shares(unsigned weight)
{
	if (weight < 1)
		weight = 1;
	if (weight > 10000)
		weight = 10000;
	/* The smallest share count that converts back to WEIGHT. */
	return 2 + (((uint64_t)weight - 1) * 262142 + 9998) / 9999;
}

/* ------------------------------------------------------------ files */

/* Read DIR/NAME into BUF (trailing newline removed); 0 or -1 with ERR. */
static int
cgroup_read_file(const char *dir, const char *name, char *buf, size_t buflen, char *err,
    size_t errlen)
{
	char path[CGROUP_PATH_LEN + 64];
	size_t len;
	char *data;
	int e;

	if (dir[0] == '\0') {
		snprintf(err, errlen, "%s: the container has no cgroup for it here", name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	data = cgroup_slurp(path, buflen < CGROUP_FILE_MAX ? buflen : CGROUP_FILE_MAX, &len, &e);
	if (data == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -1;
	}
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' '))
		data[--len] = '\0';
	snprintf(buf, buflen, "%s", data);
	free(data);
	return 0;
}

/* Write VALUE to DIR/NAME in one write(); 0 or -1 with ERR. */
static int
cgroup_write_file(const char *dir, const char *name, const char *value, char *err,
    size_t errlen)
{
	char path[CGROUP_PATH_LEN + 64];
	size_t len = strlen(value);
	ssize_t w;
	int fd, e;

	if (dir[0] == '\0') {
		snprintf(err, errlen, "%s: the container has no cgroup for it here", name);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	do
		w = write(fd, value, len);
	while (w < 0 && errno == EINTR);
	e = errno;
	if (close(fd) != 0 && w >= 0) {
		e = errno;
		w = -1;
	}
	if (w < 0 || (size_t)w != len) {
		snprintf(err, errlen, "%s: writing '%s': %s", path, value,
		    w < 0 ? strerror(e) : "short write");
		return -1;
	}
	return 0;
}

/* Parse a file's unsigned number, or "max"/-1/a v1 huge value as unlimited. */
static int
cgroup_file_bytes(const char *text, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = strlen(text);

	if (strcmp(text, "max") == 0 || strcmp(text, "-1") == 0) {
		*out = CGROUP_UNLIMITED;
		return 0;
	}
	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)text[i]) ||
		    __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(text[i] - '0'), &v))
			return -1;
	}
	*out = v >= CGROUP_V1_UNLIMITED ? CGROUP_UNLIMITED : v;
	return 0;
}

const char *
cgroup_key_name(enum cgroup_key key)
{
	switch (key) {
	case CGROUP_MEMORY_MAX: return "memory.max";
	case CGROUP_MEMORY_HIGH: return "memory.high";
	case CGROUP_MEMORY_LOW: return "memory.low";
	case CGROUP_CPU_MAX: return "cpu.max";
	case CGROUP_CPU_WEIGHT: return "cpu.weight";
	case CGROUP_NKEYS: break;
	}
	return "?";
}

const char *
cgroup_key_file(const struct cgroup_fs *fs, enum cgroup_key key)
{
	if (fs->version == CGROUP_V2)
		return cgroup_key_name(key);
	switch (key) {
	case CGROUP_MEMORY_MAX: return "memory.limit_in_bytes";
	case CGROUP_MEMORY_HIGH: return NULL;
	case CGROUP_MEMORY_LOW: return "memory.soft_limit_in_bytes";
	case CGROUP_CPU_MAX: return "cpu.cfs_quota_us";
	case CGROUP_CPU_WEIGHT: return "cpu.shares";
	case CGROUP_NKEYS: break;
	}
	return NULL;
}

int
cgroup_validate(const struct cgroup_fs *fs, const struct cgroup_setting *s, char *err,
    size_t errlen)
{
	switch (s->key) {
	case CGROUP_MEMORY_HIGH:
		if (fs->version == CGROUP_V1) {
			snprintf(err, errlen, "memory.high needs cgroup v2; this host runs cgroup v1, "
			    "which has no equivalent (memory.low sets the v1 soft limit)");
			return -1;
		}
		/* fall through */
	case CGROUP_MEMORY_MAX:
		if (s->bytes != CGROUP_UNLIMITED && s->bytes < CGROUP_MEMORY_MIN) {
			snprintf(err, errlen, "%s below 6M would stall the container (the engine's "
			    "minimum is 6M)", cgroup_key_name(s->key));
			return -1;
		}
		/* fall through */
	case CGROUP_MEMORY_LOW:
		if (s->bytes != CGROUP_UNLIMITED && s->bytes > (uint64_t)INT64_MAX) {
			snprintf(err, errlen, "%s: too large", cgroup_key_name(s->key));
			return -1;
		}
		return 0;
	case CGROUP_CPU_MAX:
		if (s->period < CGROUP_PERIOD_MIN || s->period > CGROUP_PERIOD_MAX ||
		    (s->quota != -1 && (s->quota < CGROUP_QUOTA_MIN ||
		    (uint64_t)s->quota > s->period * 1024))) {
			snprintf(err, errlen, "cpu.max: quota %lld us per %llu us is out of range",
			    (long long)s->quota, (unsigned long long)s->period);
			return -1;
		}
		return 0;
	case CGROUP_CPU_WEIGHT:
		if (s->weight < 1 || s->weight > 10000) {
			snprintf(err, errlen, "cpu.weight %u: out of range 1..10000", s->weight);
			return -1;
		}
		return 0;
	case CGROUP_NKEYS:
		break;
	}
	snprintf(err, errlen, "unknown cgroup setting");
	return -1;
}

int
cgroup_write(const struct cgroup_fs *fs, const struct cgroup_dirs *d,
    const struct cgroup_setting *s, char *err, size_t errlen)
{
	char v[64], v2[32], cur[64], e2[256];
	const char *dir = s->key == CGROUP_CPU_MAX || s->key == CGROUP_CPU_WEIGHT ?
	    d->cpu : d->memory;
	const char *file = cgroup_key_file(fs, s->key);
	uint64_t memsw;

	if (cgroup_validate(fs, s, err, errlen) != 0)
		return -1;
	switch (s->key) {
	case CGROUP_MEMORY_MAX:
	case CGROUP_MEMORY_HIGH:
	case CGROUP_MEMORY_LOW:
		if (s->bytes == CGROUP_UNLIMITED)
			snprintf(v, sizeof(v), fs->version == CGROUP_V2 ? "max" : "-1");
		else
			snprintf(v, sizeof(v), "%llu", (unsigned long long)s->bytes);
		if (cgroup_write_file(dir, file, v, err, errlen) == 0)
			return 0;
		/* On v1 the memory limit may not exceed memory+swap's. */
		if (fs->version == CGROUP_V1 && s->key == CGROUP_MEMORY_MAX &&
		    cgroup_read_file(dir, "memory.memsw.limit_in_bytes", cur, sizeof(cur), e2,
		    sizeof(e2)) == 0 && cgroup_file_bytes(cur, &memsw) == 0 &&
		    memsw != CGROUP_UNLIMITED && s->bytes > memsw)
			snprintf(err, errlen, "%s/memory.limit_in_bytes: %s is above "
			    "memory.memsw.limit_in_bytes (%llu): set memory through the engine, which "
			    "moves both", dir, v, (unsigned long long)memsw);
		return -1;
	case CGROUP_CPU_MAX:
		if (fs->version == CGROUP_V2) {
			if (s->quota < 0)
				snprintf(v, sizeof(v), "max %llu", (unsigned long long)s->period);
			else
				snprintf(v, sizeof(v), "%lld %llu", (long long)s->quota,
				    (unsigned long long)s->period);
			return cgroup_write_file(dir, "cpu.max", v, err, errlen);
		}
		snprintf(v, sizeof(v), "%lld", (long long)(s->quota < 0 ? -1 : s->quota));
		snprintf(v2, sizeof(v2), "%llu", (unsigned long long)s->period);
		/* Lift the quota before moving the period, else move the period first. */
		if (s->quota < 0)
			return cgroup_write_file(dir, "cpu.cfs_quota_us", v, err, errlen) ||
			    cgroup_write_file(dir, "cpu.cfs_period_us", v2, err, errlen) ? -1 : 0;
		return cgroup_write_file(dir, "cpu.cfs_period_us", v2, err, errlen) ||
		    cgroup_write_file(dir, "cpu.cfs_quota_us", v, err, errlen) ? -1 : 0;
	case CGROUP_CPU_WEIGHT:
		if (fs->version == CGROUP_V2)
			snprintf(v, sizeof(v), "%u", s->weight);
		else
			snprintf(v, sizeof(v), "%llu",
			    (unsigned long long)cgroup_weight_to_shares(s->weight));
		return cgroup_write_file(dir, file, v, err, errlen);
	case CGROUP_NKEYS:
		break;
	}
	snprintf(err, errlen, "unknown cgroup setting");
	return -1;
}

/* Report that FILE in DIR holds something unexpected. */
static int
cgroup_bad_content(const char *dir, const char *file, const char *text, char *err,
    size_t errlen)
{
	char q[64];

	snprintf(err, errlen, "%s/%s: unexpected content '%s'", dir, file,
	    cgroup_quote(text, q, sizeof(q)));
	return -1;
}

int
cgroup_read(const struct cgroup_fs *fs, const struct cgroup_dirs *d, enum cgroup_key key,
    struct cgroup_setting *out, char *err, size_t errlen)
{
	char buf[128], buf2[64];
	const char *dir = key == CGROUP_CPU_MAX || key == CGROUP_CPU_WEIGHT ? d->cpu : d->memory;
	const char *file = cgroup_key_file(fs, key);
	uint64_t v, p;
	char *sp;

	memset(out, 0, sizeof(*out));
	out->key = key;
	if (file == NULL) {
		snprintf(err, errlen, "%s needs cgroup v2; this host runs cgroup v1",
		    cgroup_key_name(key));
		return -1;
	}
	if (cgroup_read_file(dir, file, buf, sizeof(buf), err, errlen) != 0)
		return -1;
	switch (key) {
	case CGROUP_MEMORY_MAX:
	case CGROUP_MEMORY_HIGH:
	case CGROUP_MEMORY_LOW:
		if (cgroup_file_bytes(buf, &out->bytes) != 0)
			return cgroup_bad_content(dir, file, buf, err, errlen);
		return 0;
	case CGROUP_CPU_MAX:
		if (fs->version == CGROUP_V2) {
			sp = strchr(buf, ' ');
			if (sp == NULL)
				return cgroup_bad_content(dir, file, buf, err, errlen);
			*sp = '\0';
			if (cgroup_file_bytes(buf, &v) != 0 || cgroup_file_bytes(sp + 1, &p) != 0 ||
			    p == CGROUP_UNLIMITED) {
				*sp = ' ';
				return cgroup_bad_content(dir, file, buf, err, errlen);
			}
		} else {
			if (cgroup_read_file(dir, "cpu.cfs_period_us", buf2, sizeof(buf2), err,
			    errlen) != 0)
				return -1;
			if (cgroup_file_bytes(buf, &v) != 0)
				return cgroup_bad_content(dir, file, buf, err, errlen);
			if (cgroup_file_bytes(buf2, &p) != 0 || p == CGROUP_UNLIMITED)
				return cgroup_bad_content(dir, "cpu.cfs_period_us", buf2, err, errlen);
		}
		out->quota = v == CGROUP_UNLIMITED ? -1 : (int64_t)v;
		out->period = p;
		return 0;
	case CGROUP_CPU_WEIGHT:
		if (cgroup_file_bytes(buf, &v) != 0 || v == CGROUP_UNLIMITED)
			return cgroup_bad_content(dir, file, buf, err, errlen);
		out->weight = fs->version == CGROUP_V2 ? (unsigned)(v > 10000 ? 10000 : v) :
		    cgroup_shares_to_weight(v);
		return 0;
	case CGROUP_NKEYS:
		break;
	}
	snprintf(err, errlen, "unknown cgroup setting");
	return -1;
}

int
cgroup_setting_equal(const struct cgroup_setting *a, const struct cgroup_setting *b)
{
	long page = sysconf(_SC_PAGESIZE);

	if (a->key != b->key)
		return 0;
	if (page <= 0)
		page = 4096;
	switch (a->key) {
	case CGROUP_MEMORY_MAX:
	case CGROUP_MEMORY_HIGH:
	case CGROUP_MEMORY_LOW:
		if (a->bytes == CGROUP_UNLIMITED || b->bytes == CGROUP_UNLIMITED)
			return a->bytes == b->bytes;
		return a->bytes / (uint64_t)page == b->bytes / (uint64_t)page;
	case CGROUP_CPU_MAX:
		return a->period == b->period && (a->quota < 0 ? -1 : a->quota) ==
		    (b->quota < 0 ? -1 : b->quota);
	case CGROUP_CPU_WEIGHT:
		return a->weight == b->weight;
	case CGROUP_NKEYS:
		break;
	}
	return 0;
}

void
cgroup_format_setting(const struct cgroup_setting *s, char *out, size_t outlen)
{
	switch (s->key) {
	case CGROUP_MEMORY_MAX:
	case CGROUP_MEMORY_HIGH:
	case CGROUP_MEMORY_LOW:
		cgroup_format_bytes(s->bytes, out, outlen);
		return;
	case CGROUP_CPU_MAX:
		if (s->quota < 0)
			snprintf(out, outlen, "max %llu", (unsigned long long)s->period);
		else
			snprintf(out, outlen, "%lld %llu", (long long)s->quota,
			    (unsigned long long)s->period);
		return;
	case CGROUP_CPU_WEIGHT:
		snprintf(out, outlen, "%u", s->weight);
		return;
	case CGROUP_NKEYS:
		break;
	}
	snprintf(out, outlen, "?");
}

/* The value of KEY in a "key value" lines file such as memory.events. */
static int
cgroup_keyed(const char *text, const char *key, uint64_t *out)
{
	size_t n = strlen(key);
	const char *p = text;
	char num[24];
	size_t len;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, n) == 0 && p[n] == ' ') {
			len = strcspn(p + n + 1, "\n");
			if (len == 0 || len >= sizeof(num))
				return -1;
			memcpy(num, p + n + 1, len);
			num[len] = '\0';
			return cgroup_file_bytes(num, out);
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

int
cgroup_read_stats(const struct cgroup_fs *fs, const struct cgroup_dirs *d,
    struct cgroup_stats *out, char *err, size_t errlen)
{
	char buf[1024], e2[256];
	int got = 0;

	err[0] = '\0';
	memset(out, 0xff, sizeof(*out));
	if (fs->version == CGROUP_V2) {
		if (cgroup_read_file(d->memory, "memory.current", buf, sizeof(buf), err, errlen) == 0 &&
		    cgroup_file_bytes(buf, &out->memory_current) == 0)
			got++;
		if (cgroup_read_file(d->memory, "memory.events", buf, sizeof(buf), e2,
		    sizeof(e2)) == 0) {
			got += cgroup_keyed(buf, "high", &out->events_high) == 0;
			got += cgroup_keyed(buf, "max", &out->events_max) == 0;
			got += cgroup_keyed(buf, "oom", &out->events_oom) == 0;
			got += cgroup_keyed(buf, "oom_kill", &out->events_oom_kill) == 0;
		}
	} else {
		if (cgroup_read_file(d->memory, "memory.usage_in_bytes", buf, sizeof(buf), err,
		    errlen) == 0 && cgroup_file_bytes(buf, &out->memory_current) == 0)
			got++;
		if (cgroup_read_file(d->memory, "memory.failcnt", buf, sizeof(buf), e2,
		    sizeof(e2)) == 0 && cgroup_file_bytes(buf, &out->failcnt) == 0)
			got++;
		if (cgroup_read_file(d->memory, "memory.oom_control", buf, sizeof(buf), e2,
		    sizeof(e2)) == 0)
			got += cgroup_keyed(buf, "oom_kill", &out->events_oom_kill) == 0;
	}
	if (got == 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "no memory counters could be read");
		return -1;
	}
	return 0;
}
