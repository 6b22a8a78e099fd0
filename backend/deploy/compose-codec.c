/* compose-codec.c: the one JSON codec of the stack format.
 *
 * A stack has a canonical text (compose_to_json) that holds everything a
 * deploy needs, so that no file is read again: revisions store it, and
 * compose_from_json() turns it back into a stack (a rollback, a node
 * brought to a revision, a heal).  A deploy record keeps the policy it
 * runs with, and the target, in a text of its own
 * (compose_policy_to_json), which a resumed deploy reads back
 * (compose_policy_from_json).
 *
 * A stack's networks (a "networks" array), each service's "endpoints" and
 * "depends_on" are in the text only when the stack has them (compose-net.c),
 * and so are its named volumes ("volumes", compose-volumes.c), so texts
 * from before they existed read back as stacks without them.  So are the
 * stack's "secrets" and each service's (compose-secrets.c): references and
 * digests, never the content of a secret.
 *
 * Both texts write and read the policy with the same two functions,
 * cp_policy_write and cp_policy_read, field by field from the table of
 * compose-policy.c, so that they hold exactly what a stack file may.
 * Reading checks every field; an error names the first bad one
 * ("revision: bad field 'canary'").
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose.h"
#include "backend/deploy/compose-int.h"
#include "backend/engine/inventory.h"

/* ---------------------------------------------------------------- members */

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
		if (yf_iscntrl((unsigned char)*p))
			return NULL;
	}
	return v->valuestring;
}

/* ---------------------------------------------------------------- policies */

/* Add the fields of policy P to object OBJ, in the table's order; 0, or -1
 * on allocation failure. */
static int
cp_policy_write(cJSON *obj, const struct compose_policy *p)
{
	for (int i = 0; i < RO_NKEYS; i++) {
		const struct cp_field *fd = &cp_policy_fields[i];
		double v = cp_policy_get(p, i);
		const cJSON *item;

		if (fd->kind == CP_KIND_BOOL)
			item = cJSON_AddBoolToObject(obj, cp_policy_keys[i], v != 0);
		else if (fd->kind == CP_KIND_ENUM)
			item = cJSON_AddStringToObject(obj, cp_policy_keys[i],
			    cp_name(fd->names, (int)v));
		else
			item = cJSON_AddNumberToObject(obj, cp_policy_keys[i], v);
		if (item == NULL)
			return -1;
	}
	return 0;
}

/* The policy object POL into P, each field checked against its row of
 * cp_policy_fields; the name of the first bad field, or NULL. */
static const char *
cp_policy_read(const cJSON *pol, struct compose_policy *p)
{
	/* Seconds are at most CP_MAX_INT ns, as a file's are. */
	const double maxs = (double)CP_MAX_INT / (double)CP_NS;

	if (!cJSON_IsObject(pol))
		return "policy";
	for (int i = 0; i < RO_NKEYS; i++) {
		const struct cp_field *fd = &cp_policy_fields[i];
		const char *key = cp_policy_keys[i], *name;
		const cJSON *b;
		double d = 0;
		int n = 0;

		switch (fd->kind) {
		case CP_KIND_INT:
			if (cp_json_int(pol, key, fd->min, fd->max, &n) != 0)
				return key;
			d = n;
			break;
		case CP_KIND_BOOL:
			b = cJSON_GetObjectItemCaseSensitive(pol, key);
			if (!cJSON_IsBool(b))
				return key;
			d = cJSON_IsTrue(b);
			break;
		case CP_KIND_SECONDS:
			if (cp_json_double(pol, key, 0, maxs, &d) != 0 || (fd->positive && d <= 0))
				return key;
			break;
		case CP_KIND_RATIO:
			if (cp_json_double(pol, key, 0, 1, &d) != 0)
				return key;
			break;
		default:
			name = cp_json_str(pol, key);
			if (name == NULL || (n = cp_value(fd->names, name)) < 0)
				return key;
			d = n;
			break;
		}
		cp_policy_set(p, i, d);
	}
	return NULL;
}

/* Member "target" of ROOT into *T; texts from before targets existed have
 * none, which is engines.  The name of a bad field, or NULL. */
static const char *
cp_target_read(const cJSON *root, enum compose_target *t)
{
	const char *name;
	int v;

	*t = COMPOSE_TARGET_ENGINES;
	if (cJSON_GetObjectItemCaseSensitive(root, "target") == NULL)
		return NULL;
	name = cp_json_str(root, "target");
	if (name == NULL || (v = cp_value(&cp_targets, name)) < 0)
		return "target";
	*t = v;
	return NULL;
}

/* The policy P of a deploy with target T, as a deploy record keeps it. */
char *
compose_policy_to_json(const struct compose_policy *p, enum compose_target t)
{
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;

	/* The target too: a rollback to no revision has no spec to say it. */
	if (root != NULL &&
	    cJSON_AddStringToObject(root, "target", compose_target_name(t)) != NULL &&
	    cp_policy_write(root, p) == 0)
		text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return text;
}

/* A deploy record's policy and target from its text. */
int
compose_policy_from_json(const char *json, struct compose_policy *p, enum compose_target *t,
    char *err, size_t errlen)
{
	struct compose_policy pol;
	enum compose_target target;
	const char *bad;
	struct yf_q q;
	cJSON *root;

	if (json == NULL || strlen(json) > CP_MAX_JSON)
		return yf_seterr(err, errlen, "policy: no text, or too long");
	root = cJSON_Parse(json);
	if (root == NULL)
		return yf_seterr(err, errlen, "policy: not valid JSON");
	compose_policy_defaults(&pol);
	if ((bad = cp_target_read(root, &target)) == NULL)
		bad = cp_policy_read(root, &pol);
	cJSON_Delete(root);
	if (bad != NULL)
		return yf_seterr(err, errlen, "policy: bad field '%s'",
		    yf_quotes(&q, bad, YF_QUOTE));
	*p = pol;
	*t = target;
	return 0;
}

/* ---------------------------------------------------------------- stacks */

/* The canonical text of STACK: name, placement, target, every policy
 * field and the services in file order (under target swarm with their mode
 * and replicas); no warnings, no file name. */
char *
compose_to_json(const struct compose_stack *stack)
{
	cJSON *root, *pol, *svcs;
	char *text = NULL;

	if (stack == NULL || stack->name == NULL)
		return NULL;
	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	if (cJSON_AddStringToObject(root, "name", stack->name) == NULL ||
	    (stack->placement != NULL ?
	    cJSON_AddStringToObject(root, "placement", stack->placement) :
	    cJSON_AddNullToObject(root, "placement")) == NULL ||
	    cJSON_AddStringToObject(root, "target", compose_target_name(stack->target)) == NULL ||
	    (pol = cJSON_AddObjectToObject(root, "policy")) == NULL ||
	    cp_policy_write(pol, &stack->policy) != 0 ||
	    (svcs = cJSON_AddArrayToObject(root, "services")) == NULL)
		goto out;
	/* Networks and depends_on only when there are some: the text of a
	 * stack without them is what it was before they existed. */
	if (stack->networks != NULL) {
		cJSON *nets = cJSON_Duplicate(stack->networks, 1);

		if (nets == NULL)
			goto out;
		cJSON_AddItemToObject(root, "networks", nets);
	}
	if (stack->secrets != NULL) {
		cJSON *sec = cJSON_Duplicate(stack->secrets, 1);

		if (sec == NULL)
			goto out;
		cJSON_AddItemToObject(root, "secrets", sec);
	}
	if (stack->volumes != NULL) {
		cJSON *vols = cJSON_Duplicate(stack->volumes, 1);

		if (vols == NULL)
			goto out;
		cJSON_AddItemToObject(root, "volumes", vols);
	}
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
		    cJSON_AddNumberToObject(o, "replicas", s->replicas) == NULL) ||
		    (s->dnsrr && cJSON_AddStringToObject(o, "endpoint_mode", "dnsrr") == NULL)))) {
			cJSON_Delete(create);
			goto out;
		}
		cJSON_AddItemToObject(o, "create", create);
		if (s->endpoints != NULL) {
			cJSON *eps = cJSON_Duplicate(s->endpoints, 1);

			if (eps == NULL)
				goto out;
			cJSON_AddItemToObject(o, "endpoints", eps);
		}
		if (s->depends_on != NULL) {
			cJSON *deps = cJSON_Duplicate(s->depends_on, 1);

			if (deps == NULL)
				goto out;
			cJSON_AddItemToObject(o, "depends_on", deps);
		}
		if (s->secrets != NULL) {
			cJSON *sec = cJSON_Duplicate(s->secrets, 1);

			if (sec == NULL)
				goto out;
			cJSON_AddItemToObject(o, "secrets", sec);
		}
	}
	text = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return text;
}

/* Service object O into S; the name of a bad field, or NULL. */
static const char *
cp_json_service(const cJSON *o, const struct compose_stack *stack, size_t index,
    struct compose_service *s)
{
	const cJSON *hc = cJSON_GetObjectItemCaseSensitive(o, "has_healthcheck");
	const cJSON *create = cJSON_GetObjectItemCaseSensitive(o, "create");
	const cJSON *deps = cJSON_GetObjectItemCaseSensitive(o, "depends_on");
	const cJSON *eps = cJSON_GetObjectItemCaseSensitive(o, "endpoints");
	const cJSON *sec = cJSON_GetObjectItemCaseSensitive(o, "secrets");
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
		int m = mode != NULL ? cp_value(&cp_modes, mode) : -1;

		if (m < 0)
			return "mode";
		s->mode = m;
		if (s->mode == COMPOSE_MODE_REPLICATED &&
		    cp_json_int(o, "replicas", 0, 100000, &s->replicas) != 0)
			return "replicas";
		/* Absent: Swarm's virtual IP (texts from before endpoint_mode). */
		if (cJSON_GetObjectItemCaseSensitive(o, "endpoint_mode") != NULL) {
			const char *em = cp_json_str(o, "endpoint_mode");

			if (em == NULL || strcmp(em, "dnsrr") != 0)
				return "endpoint_mode";
			s->dnsrr = 1;
		}
	}
	if (deps != NULL && !cp_depends_valid(deps))
		return "depends_on";
	if (deps != NULL && (s->depends_on = cJSON_Duplicate(deps, 1)) == NULL)
		return "(out of memory)";
	if (eps != NULL && !cp_endpoints_valid(eps))
		return "endpoints";
	if (eps != NULL && (s->endpoints = cJSON_Duplicate(eps, 1)) == NULL)
		return "(out of memory)";
	if (sec != NULL && !cp_secret_refs_valid(sec, stack))
		return "secrets";
	if (sec != NULL && (s->secrets = cJSON_Duplicate(sec, 1)) == NULL)
		return "(out of memory)";
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
	struct yf_q q;
	cJSON *root;
	int n;

	if (out == NULL)
		return yf_seterr(err, errlen, "no place for the stack");
	*out = NULL;
	if (json == NULL || strlen(json) > CP_MAX_JSON)
		return yf_seterr(err, errlen, "revision: no text, or too long");
	root = cJSON_Parse(json);
	if (root == NULL)
		return yf_seterr(err, errlen, "revision: not valid JSON");
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
	if ((bad = cp_target_read(root, &stack->target)) != NULL)
		goto fail;
	pol = cJSON_GetObjectItemCaseSensitive(root, "policy");
	if ((bad = cp_policy_read(pol, &stack->policy)) != NULL)
		goto fail;
	/* The definitions before the services that name them. */
	o = cJSON_GetObjectItemCaseSensitive(root, "secrets");
	if (o != NULL) {
		if (!cp_secrets_valid(o)) {
			bad = "secrets";
			goto fail;
		}
		if ((stack->secrets = cJSON_Duplicate(o, 1)) == NULL) {
			bad = "(out of memory)";
			goto fail;
		}
	}
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
	o = cJSON_GetObjectItemCaseSensitive(root, "networks");
	if (o != NULL) {
		if (!cp_networks_valid(o)) {
			bad = "networks";
			goto fail;
		}
		if ((stack->networks = cJSON_Duplicate(o, 1)) == NULL) {
			bad = "(out of memory)";
			goto fail;
		}
	}
	o = cJSON_GetObjectItemCaseSensitive(root, "volumes");
	if (o != NULL) {
		if (!cp_volumes_valid(o)) {
			bad = "volumes";
			goto fail;
		}
		if ((stack->volumes = cJSON_Duplicate(o, 1)) == NULL) {
			bad = "(out of memory)";
			goto fail;
		}
	}
	{
		size_t *order = calloc((size_t)n, sizeof(*order));
		char msg[256];

		if (order == NULL || compose_start_order(stack, order, msg, sizeof(msg)) != 0) {
			free(order);
			bad = "depends_on";
			goto fail;
		}
		free(order);
	}
	cJSON_Delete(root);
	*out = stack;
	return 0;

fail:
	cJSON_Delete(root);
	compose_free(stack);
	return yf_seterr(err, errlen, "revision: bad field '%s'", yf_quotes(&q, bad, YF_QUOTE));
}
