/* compose.c: loading a stack file (the docker-compose subset plants use),
 * the entry point of the stack format (compose.h).
 *
 * A stack file is read whole (at most CP_MAX_FILE bytes) and loaded by
 * base/yamlfile.c, as the inventory is, after the .env beside it
 * (compose-vars.c).  The document is walked against a small schema: here
 * the top level (services:, name:, volumes:, networks:, x-plantdeck:), and
 * from here each service (compose-service.c), the networks and start order
 * (compose-net.c), the named volumes (compose-volumes.c) and x-plantdeck
 * (compose-policy.c).
 * Each mapping is checked against a table of the keys plantdeck reads and
 * a list of the compose keys it does not (cp_mapping, compose-values.c):
 * an unsupported key is a warning, an unknown one an error, an "x-" key is
 * ignored (the compose convention).
 *
 * Every scalar value is interpolated (${VAR}, ${VAR:-default}, $$ ...)
 * from the environment, then from the .env file beside the stack file.
 * Each service becomes the body of an Engine API POST /containers/create,
 * built in a fixed field order, so that two loads of one file give the
 * same canonical text (compose-codec.c).
 *
 * Errors are one line, "FILE:LINE:COLUMN: message" (1-based; yf_error);
 * an env file names "FILE:LINE".  Warnings have the same form, and are
 * put in file order once the whole file is read.  Numbers that reach the
 * JSON are kept below 10^15, which cJSON prints as plain integers that the
 * Engine can read into an int64.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose.h"
#include "backend/deploy/compose-int.h"

/* The top level of a stack file. */
enum { TOP_SERVICES, TOP_NAME, TOP_VERSION, TOP_VOLUMES, TOP_PLANTDECK, TOP_NETWORKS,
	TOP_SECRETS, TOP_CONFIGS, TOP_NKEYS };
static const char *const cp_top_keys[TOP_NKEYS] = {
	[TOP_SERVICES] = "services", [TOP_NAME] = "name", [TOP_VERSION] = "version",
	[TOP_VOLUMES] = "volumes", [TOP_PLANTDECK] = "x-plantdeck", [TOP_NETWORKS] = "networks",
	[TOP_SECRETS] = "secrets", [TOP_CONFIGS] = "configs",
};
static const char *const cp_top_unsupported[] = {
	"include", "models", NULL,
};

/* What the front end set for every load (compose_set_options): the
 * profiles enabled and the images given per service. */
static pthread_mutex_t cp_opt_lock = PTHREAD_MUTEX_INITIALIZER;
static struct compose_options cp_opt;

/* Whether KEY is in the top level's key table or its list of unsupported
 * keys. */
int
cp_top_key_known(const char *key)
{
	for (size_t i = 0; i < TOP_NKEYS; i++) {
		if (strcmp(cp_top_keys[i], key) == 0)
			return 1;
	}
	for (size_t i = 0; cp_top_unsupported[i] != NULL; i++) {
		if (strcmp(cp_top_unsupported[i], key) == 0)
			return 1;
	}
	return 0;
}

/* Free the strings of a list of N. */
static void
cp_strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A copy of the N strings of V in *OUT; -1 on allocation failure. */
static int
cp_strings_dup(char *const *v, size_t n, char ***out)
{
	*out = NULL;
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (((*out)[i] = strdup(v[i])) == NULL) {
			cp_strings_free(*out, i);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

/* Set the profiles and images every later load uses. */
int
compose_set_options(const struct compose_options *o, char *err, size_t errlen)
{
	struct compose_options n = { 0 };

	for (size_t i = 0; o != NULL && i < o->nimages; i++) {
		const char *eq = strchr(o->images[i], '=');

		if (eq == NULL || eq == o->images[i] || eq[1] == '\0' ||
		    !cp_valid_name(o->images[i], (size_t)(eq - o->images[i])) ||
		    strpbrk(eq + 1, " \t") != NULL)
			return yf_seterr(err, errlen, "--image '%s': use SERVICE=REF, such as "
			    "web=registry.local/web:1.2", o->images[i]);
	}
	for (size_t i = 0; o != NULL && i < o->nprofiles; i++) {
		if (o->profiles[i][0] == '\0')
			return yf_seterr(err, errlen, "--profile: an empty name");
	}
	if (o != NULL && (cp_strings_dup(o->profiles, o->nprofiles, &n.profiles) != 0 ||
	    cp_strings_dup(o->images, o->nimages, &n.images) != 0)) {
		cp_strings_free(n.profiles, o->nprofiles);
		return yf_seterr(err, errlen, "out of memory");
	}
	if (o != NULL) {
		n.nprofiles = o->nprofiles;
		n.nimages = o->nimages;
	}
	pthread_mutex_lock(&cp_opt_lock);
	cp_strings_free(cp_opt.profiles, cp_opt.nprofiles);
	cp_strings_free(cp_opt.images, cp_opt.nimages);
	cp_opt = n;
	pthread_mutex_unlock(&cp_opt_lock);
	return 0;
}

/* The options into F: the profiles (--profile, else COMPOSE_PROFILES) and
 * the images of --image, after those of x-plantdeck.images. */
static int
cp_file_options(struct cp_file *f)
{
	const char *env = getenv("COMPOSE_PROFILES");
	int rc = 0;

	pthread_mutex_lock(&cp_opt_lock);
	if (cp_opt.nprofiles > 0) {
		rc = cp_strings_dup(cp_opt.profiles, cp_opt.nprofiles, &f->profiles);
		f->nprofiles = rc == 0 ? cp_opt.nprofiles : 0;
	}
	for (size_t i = 0; rc == 0 && i < cp_opt.nimages; i++) {
		const char *eq = strchr(cp_opt.images[i], '=');
		char *key = yf_strndup(cp_opt.images[i], (size_t)(eq - cp_opt.images[i]));

		rc = key == NULL ? -1 : cp_vars_put(&f->images, key, eq + 1);
		free(key);
	}
	pthread_mutex_unlock(&cp_opt_lock);
	if (rc == 0 && f->nprofiles == 0 && env != NULL && *env != '\0') {
		/* COMPOSE_PROFILES: names separated by commas. */
		for (const char *p = env; *p != '\0' && rc == 0;) {
			size_t len = strcspn(p, ",");
			char **np;

			if (len > 0) {
				np = realloc(f->profiles, (f->nprofiles + 1) * sizeof(*np));
				if (np == NULL || (np[f->nprofiles] = yf_strndup(p, len)) == NULL) {
					if (np != NULL)
						f->profiles = np;
					rc = -1;
					break;
				}
				f->profiles = np;
				f->nprofiles++;
			}
			p += len;
			if (*p == ',')
				p++;
		}
	}
	return rc == 0 ? 0 : yf_seterr(f->y.err, f->y.errlen, "%s: out of memory", f->y.path);
}

/* ---------------------------------------------------------------- stacks */

/* Free what service S holds, and zero it. */
static void
cp_service_free(struct compose_service *s)
{
	free(s->name);
	free(s->image);
	cJSON_Delete(s->create);
	cJSON_Delete(s->depends_on);
	cJSON_Delete(s->endpoints);
	cJSON_Delete(s->secrets);
	memset(s, 0, sizeof(*s));
}

/* Free a stack and everything in it. */
void
compose_free(struct compose_stack *stack)
{
	if (stack == NULL)
		return;
	for (size_t i = 0; i < stack->nservices; i++)
		cp_service_free(&stack->services[i]);
	cJSON_Delete(stack->networks);
	cJSON_Delete(stack->secrets);
	cJSON_Delete(stack->volumes);
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
struct compose_stack *
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

/* Add a "FILE:LINE:COLUMN: message" warning at MARK to the stack; only an
 * allocation failure is an error. */
int
cp_warn(struct cp_file *f, const yaml_mark_t *mark, const char *fmt, ...)
{
	struct compose_stack *s = f->stack;
	char line[2048 + YF_QUOTE_PATH * 4], **nw, *copy;
	va_list ap;

	if (s->nwarnings >= CP_MAX_WARNINGS || f->quiet)
		return 0;
	va_start(ap, fmt);
	yf_vformat(&f->y, mark, line, sizeof(line), fmt, ap);
	va_end(ap);
	copy = strdup(line);
	nw = realloc(s->warnings, (s->nwarnings + 1) * sizeof(*nw));
	if (copy == NULL || nw == NULL) {
		free(copy);
		if (nw != NULL)
			s->warnings = nw;
		return yf_error(&f->y, mark, "out of memory");
	}
	s->warnings = nw;
	s->warnings[s->nwarnings++] = copy;
	return 0;
}

/* Drop the entries of the top-level array *ARR (objects with a "key")
 * that USED says no service refers to, each with a warning at its key in
 * the mapping TOP (NULL: none), as Compose does; an array left empty is
 * freed.  WHAT names them ("network"). */
int
cp_drop_unused(struct cp_file *f, cJSON **arr, yaml_node_t *top, const char *what,
    int (*used)(const struct compose_stack *s, cJSON *item))
{
	cJSON *v = *arr != NULL ? (*arr)->child : NULL, *next;

	for (; v != NULL; v = next) {
		const char *key = cJSON_GetObjectItemCaseSensitive(v, "key")->valuestring;
		const yaml_mark_t *mark = top != NULL ? &top->start_mark : NULL;
		struct yf_q q;

		next = v->next;
		if (used(f->stack, v))
			continue;
		for (yaml_node_pair_t *p = top != NULL && top->type == YAML_MAPPING_NODE ?
		    top->data.mapping.pairs.start : NULL; p != NULL &&
		    p < top->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yf_get(&f->y, p->key);

			if (k != NULL && yf_scalar_is(k, key))
				mark = &k->start_mark;
		}
		if (mark != NULL && cp_warn(f, mark, "%s '%s' is used by no service: not "
		    "created", what, yf_quotes(&q, key, YF_QUOTE)) != 0)
			return -1;
		cJSON_Delete(cJSON_DetachItemViaPointer(*arr, v));
	}
	if (*arr != NULL && (*arr)->child == NULL) {
		cJSON_Delete(*arr);
		*arr = NULL;
	}
	return 0;
}

/* ---------------------------------------------------------------- files */

/* The stack's name: from node N (x-plantdeck.stack or name:), else the
 * directory's, normalised as Compose does a project name: lowercased, with
 * all but a-z 0-9 _ - dropped ("site.v2" is "sitev2"). */
static int
cp_stack_name(struct cp_file *f, yaml_node_t *n, const char *what)
{
	struct yf_q q;
	const char *base;
	char name[CP_MAX_NAME + 1];
	size_t len = 0;

	if (n != NULL) {
		char *s = cp_str(f, n, what, 0);

		if (s == NULL)
			return -1;
		if (!cp_valid_name(s, strlen(s))) {
			yf_error(&f->y, &n->start_mark, "bad stack name '%s': use 1 to %d of "
			    "A-Z a-z 0-9 _ . - starting with a letter or digit",
			    yf_quotes(&q, s, YF_QUOTE), CP_MAX_NAME);
			free(s);
			return -1;
		}
		if (f->stack->target == COMPOSE_TARGET_SWARM && strchr(s, '.') != NULL) {
			yf_error(&f->y, &n->start_mark, "bad stack name '%s' under x-plantdeck "
			    "target swarm: a Swarm service name cannot hold '.'",
			    yf_quotes(&q, s, YF_QUOTE));
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

		if (yf_isalnum((unsigned char)c) || (len > 0 && (c == '_' || c == '-')))
			name[len++] = c;
	}
	name[len] = '\0';
	if (len == 0)
		return yf_seterr(f->y.err, f->y.errlen, "%s: no stack name: the directory '%s' "
		    "gives none; set x-plantdeck.stack or name:", f->y.path,
		    yf_quotes(&q, f->dir, YF_QUOTE_PATH));
	if ((f->stack->name = strdup(name)) == NULL)
		return yf_seterr(f->y.err, f->y.errlen, "%s: out of memory", f->y.path);
	return 0;
}

/* Check the document's root and read the whole stack. */
static int
cp_file_parse(struct cp_file *f)
{
	static const struct cp_schema schema = { cp_top_keys, TOP_NKEYS, cp_top_unsupported, 1 };
	yaml_node_t *root = yf_root(&f->y, "stack file", "a mapping with 'services'");
	yaml_node_t *vals[TOP_NKEYS], *keyn[TOP_NKEYS], *services, *stack_n = NULL;
	struct compose_stack *s = f->stack;
	struct cp_pair *pairs;
	size_t np;
	int rc = -1;

	if (root == NULL)
		return -1;
	if (cp_mapping(f, root, "the stack file", &schema, vals, keyn) != 0)
		return -1;
	if (vals[TOP_VERSION] != NULL && vals[TOP_VERSION]->type != YAML_SCALAR_NODE)
		return yf_error(&f->y, &vals[TOP_VERSION]->start_mark,
		    "expected a string for 'version'");
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
	if (vals[TOP_NETWORKS] != NULL && cp_networks_top(f, vals[TOP_NETWORKS]) != 0)
		return -1;
	if ((vals[TOP_SECRETS] != NULL && cp_secrets_top(f, vals[TOP_SECRETS], "secrets") != 0) ||
	    (vals[TOP_CONFIGS] != NULL && cp_secrets_top(f, vals[TOP_CONFIGS], "configs") != 0))
		return -1;

	services = vals[TOP_SERVICES];
	if (services == NULL && keyn[TOP_SERVICES] != NULL)
		return yf_error(&f->y, &keyn[TOP_SERVICES]->start_mark, "'services' is empty: "
		    "define at least one service");
	if (services == NULL)
		return yf_error(&f->y, &root->start_mark,
		    "no 'services': define at least one service");
	if (services->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &services->start_mark, "expected a mapping for 'services'");
	if (cp_pairs(f, services, &pairs, &np) != 0)
		return -1;
	s->services = yf_items(&f->y, &services->start_mark, np, CP_MAX_SERVICES,
	    sizeof(*s->services), "services", "'services' is empty: define at least one service");
	if (s->services == NULL)
		goto out;
	for (size_t i = 0; i < np; i++) {
		struct yf_q q;

		s->nservices++;		/* so that compose_free sees it */
		if (pairs[i].k->data.scalar.length >= 2 && yf_scalar(pairs[i].k)[0] == 'x' &&
		    yf_scalar(pairs[i].k)[1] == '-') {
			yf_error(&f->y, &pairs[i].k->start_mark, "bad service name '%s': 'x-' "
			    "names are extensions", yf_quote(&q, yf_scalar(pairs[i].k),
			    pairs[i].k->data.scalar.length, YF_QUOTE));
			goto out;
		}
		switch (cp_service(f, pairs[i].k, pairs[i].v, &s->services[s->nservices - 1])) {
		case 0:
			break;
		case 1:		/* not deployed: forget it, the warning says why */
			cp_service_free(&s->services[s->nservices - 1]);
			s->nservices--;
			break;
		default:
			goto out;
		}
	}
	for (size_t i = 0; i < f->images.n; i++) {
		int found = 0;

		for (size_t j = 0; j < np && !found; j++)
			found = yf_scalar_is(pairs[j].k, f->images.v[i].key);
		if (!found) {
			rc = yf_seterr(f->y.err, f->y.errlen, "%s: an image is given for service "
			    "'%s', which the file does not have", f->y.path, f->images.v[i].key);
			goto out;
		}
	}
	if (cp_net_check(f, services, vals[TOP_NETWORKS]) != 0 ||
	    cp_volumes_check(f, vals[TOP_VOLUMES]) != 0)
		goto out;
	rc = 0;
out:
	free(pairs);
	return rc;
}

/* The LINE:COLUMN after "FILE:" of warning W, as one number to sort by. */
static unsigned long long
cp_warning_pos(const struct cp_file *f, const char *w)
{
	const char *p = w + strlen(f->y.path) + 1;
	unsigned long long line, col;
	char *end;

	/* Another file's (extends: file:), after this one's. */
	if (strncmp(w, f->y.path, strlen(f->y.path)) != 0 || w[strlen(f->y.path)] != ':')
		return ~0ULL;

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

/* Load the stack file PATH into *OUT; when WARN, the warnings are put
 * there even when the file has errors (*OUT is NULL then). */
static int
cp_load(const char *path, const char *const *vars, size_t nvars, struct compose_stack **out,
    char ***warn, size_t *nwarn, char *err, size_t errlen)
{
	struct cp_file f = { .y = { .path = path, .err = err, .errlen = errlen }, .set = vars,
	    .nset = nvars };
	char *buf, *dotenv = NULL;
	const char *nul;
	size_t len = 0;
	int rc = -1;

	if (out == NULL)
		return yf_seterr(err, errlen, "no place for the stack");
	*out = NULL;
	if (path == NULL || *path == '\0')
		return yf_seterr(err, errlen, "no stack file");
	buf = yf_read_file(path, CP_MAX_FILE, &len);
	if (buf == NULL)
		return yf_seterr(err, errlen, "%s: cannot open: %s", path,
		    errno == EFBIG ? "too large" : strerror(errno));
	f.reldir = yf_dirname(path);
	f.dir = f.reldir != NULL ? realpath(f.reldir, NULL) : NULL;
	f.stack = cp_stack_new(path);
	dotenv = f.reldir != NULL ? yf_join(f.reldir, ".env") : NULL;
	if (f.reldir == NULL || f.dir == NULL || f.stack == NULL || dotenv == NULL) {
		yf_seterr(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno ? errno : ENOMEM));
		goto out;
	}
	if (cp_env_file(&f, dotenv, &f.dotenv, 1, NULL, NULL) != 0 || cp_file_options(&f) != 0)
		goto out;
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		yaml_mark_t m = yf_mark_of(buf, len, (size_t)(nul - buf));

		yf_error(&f.y, &m, "a NUL byte: not a text file");
		goto out;
	}
	if (yf_load(&f.y, buf, len) != 0 || cp_file_parse(&f) != 0)
		goto out;
	cp_sort_warnings(&f);
	*out = f.stack;
	f.stack = NULL;
	rc = 0;

out:
	if (warn != NULL && f.stack != NULL) {
		cp_sort_warnings(&f);
		*warn = f.stack->warnings;
		*nwarn = f.stack->nwarnings;
		f.stack->warnings = NULL;
		f.stack->nwarnings = 0;
	}
	cp_vars_clear(&f.images);
	cp_strings_free(f.profiles, f.nprofiles);
	yf_close(&f.y);
	compose_free(f.stack);
	cp_vars_clear(&f.dotenv);
	free(dotenv);
	free(f.dir);
	free(f.reldir);
	free(buf);
	return rc;
}

/* Load the stack file PATH. */
int
compose_load(const char *path, struct compose_stack **out, char *err, size_t errlen)
{
	return cp_load(path, NULL, 0, out, NULL, NULL, err, errlen);
}

/* Whether S (LEN bytes) is a variable name: [A-Za-z_][A-Za-z0-9_]*. */
static int
cp_valid_var(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		    (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	return len > 0;
}

/* Load the stack file PATH with variables VARS set. */
int
compose_load_vars(const char *path, const char *const *vars, size_t nvars,
    struct compose_stack **out, char *err, size_t errlen)
{
	for (size_t i = 0; i < nvars; i++) {
		size_t len = strcspn(vars[i], "=");

		if (len == 0 || vars[i][len] != '=' || !cp_valid_var(vars[i], len)) {
			*out = NULL;
			return yf_seterr(err, errlen, "variable '%.100s': use NAME=VALUE, such as "
			    "PLC_TAG=2", vars[i]);
		}
	}
	return cp_load(path, vars, nvars, out, NULL, NULL, err, errlen);
}

/* The warnings of stack file PATH, even when it has errors. */
int
compose_warnings(const char *path, char ***out, size_t *n)
{
	struct compose_stack *stack = NULL;
	char err[512];

	*out = NULL;
	*n = 0;
	if (cp_load(path, NULL, 0, &stack, out, n, err, sizeof(err)) == 0) {
		*out = stack->warnings;
		*n = stack->nwarnings;
		stack->warnings = NULL;
		stack->nwarnings = 0;
		compose_free(stack);
	}
	return 0;
}
