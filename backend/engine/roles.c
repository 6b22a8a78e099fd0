/* roles.c: the inventory's "roles:" and "four_eyes:" sections, and the
 * caller's role (roles.h).
 *
 * The sections are read with base/yamlfile.c like the rest of the
 * inventory: each mapping against a table of its keys, every error
 * "FILE:LINE:COL: message".  The caller's role is resolved afresh at each
 * check from the process's credentials (getuid, getgid, getgroups) and the
 * groups' ids (getgrnam_r); roles_resolve() is the pure rule the unit test
 * drives. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/engine/roles.h"

#define ROLES_GROUP_MAX 32      /* bytes of a group name (useradd's limit) */
#define ROLES_NODES_MAX 100000

static const char *const roles_names[ROLES_N] = {
	[ROLES_NONE] = "none", [ROLES_VIEWER] = "viewer", [ROLES_OPERATOR] = "operator",
	[ROLES_APPROVER] = "approver",
};

const char *
roles_name(enum roles_role role)
{
	return (int)role >= 0 && role < ROLES_N ? roles_names[role] : "none";
}

/* Whether S (LEN bytes) is a group name: a letter or _, then letters,
 * digits, _ . -, at most ROLES_GROUP_MAX bytes, an optional final $. */
static int
roles_valid_group(const char *s, size_t len)
{
	if (len == 0 || len > ROLES_GROUP_MAX)
		return 0;
	if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (s[i] == '$' && i == len - 1)
			break;
		if (!yf_isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	}
	return 1;
}

/* Read "roles:" mapping M into R. */
static int
roles_parse_roles(struct yf_file *f, const yaml_node_t *key, yaml_node_t *m,
    struct inv_roles *r)
{
	const yaml_mark_t *at = key != NULL ? &key->start_mark : &m->start_mark;
	yaml_node_t *seen[ROLES_N] = { 0 };
	struct yf_q q;

	if (m->type != YAML_MAPPING_NODE)
		return yf_error(f, &m->start_mark, "'roles' must be a mapping of roles (viewer, "
		    "operator, approver) to Unix group names");
	for (size_t p = 0; p < yf_npairs(m); p++) {
		static const char *const keys[] = { "viewer", "operator", "approver" };
		yaml_node_t *k, *v;
		size_t i;

		if (yf_pair(f, m, p, &k, &v) != 0)
			return -1;
		i = yf_key_index(k, keys, 3);
		yf_quote(&q, yf_scalar(k), k->data.scalar.length, YF_QUOTE);
		if (i == 3)
			return yf_error(f, &k->start_mark, "unknown role '%s': the roles are viewer, "
			    "operator and approver", q.s);
		i += ROLES_VIEWER;
		if (seen[i] != NULL)
			return yf_error(f, &k->start_mark, "duplicate key '%s' (first at line %zu)",
			    q.s, seen[i]->start_mark.line + 1);
		seen[i] = k;
		if (v->type != YAML_SCALAR_NODE)
			return yf_error(f, &v->start_mark, "role '%s' must be a Unix group name", q.s);
		if (!roles_valid_group(yf_scalar(v), v->data.scalar.length)) {
			struct yf_q g;

			yf_quote(&g, yf_scalar(v), v->data.scalar.length, YF_QUOTE);
			return yf_error(f, &v->start_mark, "role '%s': bad group name '%s': use 1 to "
			    "%d of letters, digits, '_', '.' and '-', starting with a letter or '_'",
			    q.s, g.s, ROLES_GROUP_MAX);
		}
		r->group[i] = yf_strndup(yf_scalar(v), v->data.scalar.length);
		if (r->group[i] == NULL)
			return yf_error(f, &v->start_mark, "out of memory");
	}
	if (r->group[ROLES_OPERATOR] == NULL)
		return yf_error(f, &m->start_mark, "'roles' names no 'operator' group: nobody but "
		    "root could change anything");
	r->set = 1;
	snprintf(r->where, sizeof(r->where), "%s:%zu:%zu", f->path, at->line + 1,
	    at->column + 1);
	return 0;
}

/* Read "four_eyes:" mapping M (nodes: N) into R. */
static int
roles_parse_four_eyes(struct yf_file *f, yaml_node_t *m, struct inv_roles *r)
{
	yaml_node_t *nodes = NULL;
	const char *s;
	char *end;
	unsigned long v;
	struct yf_q q;

	if (m->type != YAML_MAPPING_NODE)
		return yf_error(f, &m->start_mark, "'four_eyes' must be a mapping (nodes: N)");
	for (size_t p = 0; p < yf_npairs(m); p++) {
		yaml_node_t *k, *val;

		if (yf_pair(f, m, p, &k, &val) != 0)
			return -1;
		yf_quote(&q, yf_scalar(k), k->data.scalar.length, YF_QUOTE);
		if (!yf_scalar_is(k, "nodes"))
			return yf_error(f, &k->start_mark, "unknown key '%s' (four_eyes has 'nodes')",
			    q.s);
		if (nodes != NULL)
			return yf_error(f, &k->start_mark, "duplicate key 'nodes'");
		nodes = val;
	}
	if (nodes == NULL)
		return yf_error(f, &m->start_mark, "'four_eyes' needs 'nodes': a deploy or "
		    "rollback to more nodes than this needs a second person");
	s = nodes->type == YAML_SCALAR_NODE ? yf_scalar(nodes) : "";
	errno = 0;
	v = yf_isdigit((unsigned char)s[0]) ? strtoul(s, &end, 10) : 0;
	if (!yf_isdigit((unsigned char)s[0]) || errno != 0 || *end != '\0' ||
	    (size_t)(end - s) != nodes->data.scalar.length || v > ROLES_NODES_MAX) {
		yf_quotes(&q, s, YF_QUOTE);
		return yf_error(f, &nodes->start_mark, "'nodes' must be a whole number from 0 to "
		    "%d, not '%s'", ROLES_NODES_MAX, q.s);
	}
	r->four_eyes = 1;
	r->four_eyes_nodes = (unsigned)v;
	return 0;
}

int
roles_parse(struct yf_file *f, const yaml_node_t *roles_key, yaml_node_t *roles,
    yaml_node_t *four_eyes, struct inv_roles *r)
{
	if (roles != NULL && roles_parse_roles(f, roles_key, roles, r) != 0)
		return -1;
	if (four_eyes == NULL)
		return 0;
	if (roles_parse_four_eyes(f, four_eyes, r) != 0)
		return -1;
	if (r->group[ROLES_APPROVER] == NULL)
		return yf_error(f, &four_eyes->start_mark, "'four_eyes' needs 'roles' with an "
		    "'approver' group: the second person must be an approver");
	return 0;
}

void
roles_clear(struct inv_roles *r)
{
	for (int i = 0; i < ROLES_N; i++) {
		free(r->group[i]);
		r->group[i] = NULL;
	}
	r->set = 0;
}

enum roles_role
roles_resolve(const struct inv_roles *r, uid_t uid, const gid_t *gids, size_t n,
    const long rg[ROLES_N])
{
	if (r == NULL || !r->set || uid == 0)
		return ROLES_APPROVER;
	for (int role = ROLES_APPROVER; role >= ROLES_VIEWER; role--) {
		if (rg[role] < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if ((long)gids[i] == rg[role])
				return (enum roles_role)role;
	}
	return rg[ROLES_VIEWER] == -1 ? ROLES_VIEWER : ROLES_NONE;
}

/* The gid of group NAME, -1 for no NAME, -2 when this machine has no
 * such group. */
static long
roles_gid(const char *name)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (name == NULL)
		return -1;
	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) != 0 || res == NULL)
		return -2;
	return (long)gr.gr_gid;
}

/* "alice (uid 1001)", or "uid 1001" for a uid without a name. */
static void
roles_who(uid_t uid, char *out, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, len, "%s (uid %u)", pw.pw_name, (unsigned)uid);
	else
		snprintf(out, len, "uid %u", (unsigned)uid);
}

enum roles_role
roles_caller(const struct inv_roles *r, char *who, size_t wholen)
{
	long rg[ROLES_N];
	gid_t *gids;
	int n;
	enum roles_role role;
	uid_t uid = getuid();

	if (who != NULL)
		roles_who(uid, who, wholen);
	if (r == NULL || !r->set)
		return ROLES_APPROVER;
	for (int i = 0; i < ROLES_N; i++)
		rg[i] = roles_gid(r->group[i]);
	n = getgroups(0, NULL);
	gids = calloc((size_t)(n > 0 ? n : 0) + 1, sizeof(*gids));
	if (gids == NULL)
		return ROLES_NONE;
	gids[0] = getgid();
	n = n > 0 ? getgroups(n, gids + 1) : 0;
	role = roles_resolve(r, uid, gids, (size_t)(n > 0 ? n : 0) + 1, rg);
	free(gids);
	return role;
}

int
roles_check(const struct inv_roles *r, enum roles_role need, const char *what, char *err,
    size_t errlen)
{
	char who[128];
	enum roles_role role;
	const char *g;

	if (r == NULL || !r->set)
		return 0;
	role = roles_caller(r, who, sizeof(who));
	if (role >= need)
		return 0;
	/* The group that grants NEED (or the least one above it that is named). */
	g = NULL;
	for (int i = need; i < ROLES_N && g == NULL; i++)
		g = r->group[i];
	snprintf(err, errlen, "%s: refused: user %s %s; this needs the %s role (group %s%s, "
	    "roles at %s)", what, who, role == ROLES_NONE ? "has no role" :
	    role == ROLES_VIEWER ? "is a viewer" : role == ROLES_OPERATOR ? "is an operator" :
	    "is an approver", roles_name(need), g != NULL ? g : "?",
	    g != NULL && roles_gid(g) == -2 ? ", which this machine does not have" : "",
	    r->where);
	return -1;
}

void
roles_label(const struct inv_roles *r, char *out, size_t len)
{
	char who[128], *sp;
	enum roles_role role;

	if (r == NULL || !r->set) {
		if (len > 0)
			out[0] = '\0';
		return;
	}
	role = roles_caller(r, who, sizeof(who));
	sp = strchr(who, ' ');
	if (sp != NULL && strncmp(who, "uid ", 4) != 0)
		*sp = '\0';
	snprintf(out, len, "%s: %s", who, getuid() == 0 ? "root" : roles_name(role));
}
