/* compose-volumes.c: a stack's named volumes.
 *
 * The top-level volumes: key declares them, as Compose does: driver,
 * driver_opts, labels, name: and external: true.  Each becomes an entry of
 * stack->volumes ({"key", "name", "external", "create"}, "create" the body
 * of an Engine API POST /volumes/create: Name, Driver, DriverOpts, Labels)
 * kept in the canonical text, on both targets.  A volume's engine name is
 * STACK_KEY, as Compose names it PROJECT_KEY and docker stack deploy
 * NAMESPACE_KEY, unless name: gives one or it is external (then KEY).
 *
 * A service mounts a volume by its key (short form "KEY:/path[:mode]" or
 * long form type: volume); its create body's bind holds the engine name,
 * so that a revision says which volume it mounts and a rollback to it
 * mounts the same one.  A key no top-level entry declares is an error, as
 * with Compose; a declared volume no service mounts is dropped with a
 * warning (nothing would make it).  The rollout makes the volumes on each
 * node (rollout-volumes.c) and never removes them: only plantdeck down
 * --volumes does. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose.h"
#include "backend/deploy/compose-int.h"

#define CV_LABEL_STACK "io.plantdeck.stack"
#define CV_MAX_VOLUMES 64

/* A top-level volume. */
enum { VOL_DRIVER, VOL_DRIVER_OPTS, VOL_LABELS, VOL_EXTERNAL, VOL_NAME, VOL_NKEYS };
static const char *const cv_volume_keys[VOL_NKEYS] = {
	[VOL_DRIVER] = "driver", [VOL_DRIVER_OPTS] = "driver_opts", [VOL_LABELS] = "labels",
	[VOL_EXTERNAL] = "external", [VOL_NAME] = "name",
};

/* Whether S is a volume name the engine takes: [a-zA-Z0-9][a-zA-Z0-9_.-]+,
 * at most a stack name, '_' and a key long. */
static int
cv_valid_engine_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 2 || len > 2 * CP_MAX_NAME + 1 || !yf_isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (!yf_isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	}
	return 1;
}

/* The stack volume with KEY, or NULL. */
static cJSON *
cv_find(const struct compose_stack *s, const char *key)
{
	cJSON *v;

	cJSON_ArrayForEach(v, s->volumes) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(v, "key");

		if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
			return v;
	}
	return NULL;
}

/* Volume KEY (node K) with settings V (NULL: the defaults) into the stack. */
static int
cv_volume(struct cp_file *f, yaml_node_t *k, yaml_node_t *v)
{
	static const struct cp_schema schema = { cv_volume_keys, VOL_NKEYS, NULL, 1 };
	struct compose_stack *s = f->stack;
	yaml_node_t *vals[VOL_NKEYS] = { 0 }, *keyn[VOL_NKEYS] = { 0 };
	char key[CP_MAX_NAME + 1], name[2 * CP_MAX_NAME + 2];
	cJSON *entry, *body, *labels = NULL;
	struct yf_q q;
	int external = 0;

	yf_quote(&q, yf_scalar(k), k->data.scalar.length, YF_QUOTE);
	if (!cp_valid_name(yf_scalar(k), k->data.scalar.length))
		return yf_error(&f->y, &k->start_mark, "bad volume name '%s': use 1 to %d of "
		    "A-Z a-z 0-9 _ . - starting with a letter or digit", q.s, CP_MAX_NAME);
	memcpy(key, yf_scalar(k), k->data.scalar.length);
	key[k->data.scalar.length] = '\0';
	if (v != NULL && v->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &v->start_mark, "expected a mapping for volume '%s'", q.s);
	if (v != NULL && cp_mapping(f, v, "a volume", &schema, vals, keyn) != 0)
		return -1;
	if (vals[VOL_EXTERNAL] != NULL) {
		if (vals[VOL_EXTERNAL]->type == YAML_MAPPING_NODE)
			return yf_error(&f->y, &vals[VOL_EXTERNAL]->start_mark, "'external': "
			    "use 'external: true' and 'name:' (external.name is obsolete)");
		if (cp_bool(f, vals[VOL_EXTERNAL], "'external'", &external) != 0)
			return -1;
	}
	if (vals[VOL_NAME] != NULL) {
		char *given = cp_str(f, vals[VOL_NAME], "'name'", 0);

		if (given == NULL)
			return -1;
		if (!cv_valid_engine_name(given)) {
			yf_error(&f->y, &vals[VOL_NAME]->start_mark, "bad volume name '%s': use 2 "
			    "to %d of A-Z a-z 0-9 _ . - starting with a letter or digit",
			    yf_quotes(&q, given, YF_QUOTE), 2 * CP_MAX_NAME + 1);
			free(given);
			return -1;
		}
		snprintf(name, sizeof(name), "%s", given);
		free(given);
	} else if (external)
		snprintf(name, sizeof(name), "%s", key);
	else
		snprintf(name, sizeof(name), "%s_%s", s->name, key);
	if (!cv_valid_engine_name(name))
		return yf_error(&f->y, &k->start_mark, "bad volume name '%s': an engine's volume "
		    "name has at least 2 characters", yf_quotes(&q, name, YF_QUOTE));
	if (external) {
		for (int i = 0; i < VOL_NKEYS; i++) {
			if (keyn[i] != NULL && i != VOL_EXTERNAL && i != VOL_NAME)
				return yf_error(&f->y, &keyn[i]->start_mark, "'%s': an external "
				    "volume is not created, so it takes no settings",
				    cv_volume_keys[i]);
		}
	}
	if (s->volumes == NULL && (s->volumes = cJSON_CreateArray()) == NULL)
		return yf_error(&f->y, &k->start_mark, "out of memory");
	if (cJSON_GetArraySize(s->volumes) >= CV_MAX_VOLUMES)
		return yf_error(&f->y, &k->start_mark, "too many volumes (at most %d)",
		    CV_MAX_VOLUMES);
	if ((entry = cJSON_CreateObject()) == NULL)
		return yf_error(&f->y, &k->start_mark, "out of memory");
	cJSON_AddItemToArray(s->volumes, entry);
	if (cJSON_AddStringToObject(entry, "key", key) == NULL ||
	    cJSON_AddStringToObject(entry, "name", name) == NULL ||
	    cJSON_AddBoolToObject(entry, "external", external) == NULL)
		return yf_error(&f->y, &k->start_mark, "out of memory");
	if (external)
		return 0;
	if ((body = cJSON_AddObjectToObject(entry, "create")) == NULL ||
	    cJSON_AddStringToObject(body, "Name", name) == NULL)
		return yf_error(&f->y, &k->start_mark, "out of memory");
	{
		char *d = vals[VOL_DRIVER] != NULL ? cp_str(f, vals[VOL_DRIVER], "'driver'", 0) :
		    strdup("local");

		if (d == NULL)
			return vals[VOL_DRIVER] != NULL ? -1 :
			    yf_error(&f->y, &k->start_mark, "out of memory");
		if (cJSON_AddStringToObject(body, "Driver", d) == NULL) {
			free(d);
			return yf_error(&f->y, &k->start_mark, "out of memory");
		}
		free(d);
	}
	if (vals[VOL_DRIVER_OPTS] != NULL) {
		struct cp_vars ov = { 0 };
		cJSON *o;

		if (cp_kv(f, vals[VOL_DRIVER_OPTS], "'driver_opts'", 0, &ov) != 0)
			return -1;
		o = cp_vars_json(&ov, 0);
		cp_vars_clear(&ov);
		if (o == NULL)
			return yf_error(&f->y, &k->start_mark, "out of memory");
		cJSON_AddItemToObject(body, "DriverOpts", o);
	}
	if (vals[VOL_LABELS] != NULL) {
		struct cp_vars lv = { 0 };

		if (cp_kv(f, vals[VOL_LABELS], "'labels'", 0, &lv) != 0)
			return -1;
		labels = cp_vars_json(&lv, 0);
		cp_vars_clear(&lv);
	} else
		labels = cJSON_CreateObject();
	if (labels == NULL)
		return yf_error(&f->y, &k->start_mark, "out of memory");
	cJSON_AddItemToObject(body, "Labels", labels);
	cJSON_DeleteItemFromObjectCaseSensitive(labels, "com.docker.compose.project");
	cJSON_DeleteItemFromObjectCaseSensitive(labels, "com.docker.compose.volume");
	cJSON_DeleteItemFromObjectCaseSensitive(labels, CV_LABEL_STACK);
	if (cJSON_AddStringToObject(labels, "com.docker.compose.project", s->name) == NULL ||
	    cJSON_AddStringToObject(labels, "com.docker.compose.volume", key) == NULL ||
	    cJSON_AddStringToObject(labels, CV_LABEL_STACK, s->name) == NULL)
		return yf_error(&f->y, &k->start_mark, "out of memory");
	return 0;
}

/* Top-level volumes: N into the stack. */
int
cp_volumes_top(struct cp_file *f, yaml_node_t *n)
{
	struct cp_pair *pairs;
	size_t np;
	int rc = -1;

	if (n->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &n->start_mark, "expected a mapping for 'volumes'");
	if (cp_pairs(f, n, &pairs, &np) != 0)
		return -1;
	for (size_t i = 0; i < np; i++) {
		if (pairs[i].k->data.scalar.length >= 2 && yf_scalar(pairs[i].k)[0] == 'x' &&
		    yf_scalar(pairs[i].k)[1] == '-')
			continue;
		if (cv_volume(f, pairs[i].k, yf_null(pairs[i].v) ? NULL : pairs[i].v) != 0)
			goto out;
	}
	rc = 0;
out:
	free(pairs);
	return rc;
}

/* The engine name of the volume a service mounts as KEY (at node N): a new
 * string, or NULL with an error when no top-level entry declares it. */
char *
cp_volume_use(struct cp_file *f, yaml_node_t *n, const char *key)
{
	cJSON *v = cv_find(f->stack, key);
	char *name;
	struct yf_q q;

	if (v == NULL) {
		yf_error(&f->y, &n->start_mark, "'volumes': named volume '%s' is not declared: "
		    "add it under the top-level 'volumes:'", yf_quotes(&q, key, YF_QUOTE));
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(v, "used");
	if (cJSON_AddTrueToObject(v, "used") == NULL ||
	    (name = strdup(cJSON_GetObjectItemCaseSensitive(v, "name")->valuestring)) == NULL) {
		yf_error(&f->y, &n->start_mark, "out of memory");
		return NULL;
	}
	return name;
}

/* Whether a service mounts the top-level volume V (for cp_drop_unused);
 * the mark the services left on it is taken off. */
static int
cv_used(const struct compose_stack *s, cJSON *v)
{
	(void)s;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "used")))
		return 0;
	cJSON_DeleteItemFromObjectCaseSensitive(v, "used");
	return 1;
}

/* After the services are read: volumes of top-level VOLS (NULL: none) no
 * service mounts are dropped with a warning. */
int
cp_volumes_check(struct cp_file *f, yaml_node_t *vols)
{
	return cp_drop_unused(f, &f->stack->volumes, vols, "volume", cv_used);
}

/* Whether the volumes array A of a canonical text is well formed. */
int
cp_volumes_valid(const cJSON *a)
{
	const cJSON *v;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > CV_MAX_VOLUMES)
		return 0;
	cJSON_ArrayForEach(v, a) {
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(v, "key");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "name");
		const cJSON *ext = cJSON_GetObjectItemCaseSensitive(v, "external");
		const cJSON *create = cJSON_GetObjectItemCaseSensitive(v, "create");
		const cJSON *cn, *drv, *item;

		if (!cJSON_IsString(key) || !cp_valid_name(key->valuestring,
		    strlen(key->valuestring)) || !cJSON_IsString(name) ||
		    !cv_valid_engine_name(name->valuestring) || !cJSON_IsBool(ext))
			return 0;
		if (cJSON_IsTrue(ext))
			continue;
		cn = cJSON_GetObjectItemCaseSensitive(create, "Name");
		drv = cJSON_GetObjectItemCaseSensitive(create, "Driver");
		if (!cJSON_IsObject(create) || !cJSON_IsString(cn) ||
		    strcmp(cn->valuestring, name->valuestring) != 0 || !cJSON_IsString(drv))
			return 0;
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(create, "DriverOpts")) {
			if (!cJSON_IsString(item))
				return 0;
		}
	}
	return 1;
}

/* The stack volume of STACK whose engine name is NAME, or NULL. */
const cJSON *
compose_volume_named(const struct compose_stack *stack, const char *name)
{
	const cJSON *v;

	if (stack == NULL)
		return NULL;
	cJSON_ArrayForEach(v, stack->volumes) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "name");

		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return v;
	}
	return NULL;
}
