/* compose-policy.c: x-plantdeck, the part of a stack file that is
 * plantdeck's own: what runs the stack (target), where (placement) and
 * how a deploy goes (the rollout policy); and the name table of every enum
 * of compose.h.
 *
 * The rollout policy is a table (cp_policy_fields): each field's kind and
 * the one range it may take.  The file reader here (cp_rollout) and the
 * JSON codec (compose-codec.c) both check a field against its row, so a
 * stack file, a revision and a deploy record accept the same policies.
 * parallelism, for one, is a whole number from 0 (no limit) to 100000.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose-int.h"
#include "backend/engine/inventory.h"

/* ---------------------------------------------------------------- names */

/* One name table per enum, by value; the first name is the default's. */
static const char *const cp_action_names[] = {
	[COMPOSE_FAIL_PAUSE] = "pause",
	[COMPOSE_FAIL_ROLLBACK] = "rollback",
	[COMPOSE_FAIL_CONTINUE] = "continue",
};
static const char *const cp_order_names[] = {
	[COMPOSE_STOP_FIRST] = "stop-first",
	[COMPOSE_START_FIRST] = "start-first",
};
static const char *const cp_target_names[] = {
	[COMPOSE_TARGET_ENGINES] = "engines",
	[COMPOSE_TARGET_SWARM] = "swarm",
};
static const char *const cp_mode_names[] = {
	[COMPOSE_MODE_GLOBAL] = "global",
	[COMPOSE_MODE_REPLICATED] = "replicated",
};

#define CP_NAMES(t) { t, sizeof(t) / sizeof((t)[0]) }
const struct cp_names cp_failure_actions = CP_NAMES(cp_action_names);
const struct cp_names cp_orders = CP_NAMES(cp_order_names);
const struct cp_names cp_targets = CP_NAMES(cp_target_names);
const struct cp_names cp_modes = CP_NAMES(cp_mode_names);

/* The name of value V in NAMES, its first name when V is none of them. */
const char *
cp_name(const struct cp_names *names, int v)
{
	return v >= 0 && (size_t)v < names->n ? names->names[v] : names->names[0];
}

/* The value NAME has in NAMES, or -1. */
int
cp_value(const struct cp_names *names, const char *name)
{
	for (size_t i = 0; i < names->n; i++) {
		if (strcmp(names->names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

/* The name of failure action A, as written in a file. */
const char *
compose_failure_action_name(enum compose_failure_action a)
{
	return cp_name(&cp_failure_actions, (int)a);
}

/* The name of order O, as written in a file. */
const char *
compose_order_name(enum compose_order o)
{
	return cp_name(&cp_orders, (int)o);
}

/* The name of target T, as written in a file. */
const char *
compose_target_name(enum compose_target t)
{
	return cp_name(&cp_targets, (int)t);
}

/* The name of service mode M, as written in a file. */
const char *
compose_mode_name(enum compose_mode m)
{
	return cp_name(&cp_modes, (int)m);
}

/* ---------------------------------------------------------------- the policy */

/* The keys of x-plantdeck.rollout, which are the keys of a policy in JSON. */
const char *const cp_policy_keys[RO_NKEYS] = {
	[RO_CANARY] = "canary", [RO_PARALLELISM] = "parallelism", [RO_GROW] = "grow",
	[RO_DELAY] = "delay", [RO_MONITOR] = "monitor", [RO_DEADLINE] = "progress_deadline",
	[RO_RATIO] = "max_failure_ratio", [RO_ACTION] = "failure_action",
	[RO_ORDER] = "order", [RO_REVISIONS] = "revisions", [RO_PULLS] = "max_pulls",
};

/* What each field holds, and the one range it may take. */
const struct cp_field cp_policy_fields[RO_NKEYS] = {
	[RO_CANARY] = { .kind = CP_KIND_INT, .min = 0, .max = 100000 },
	[RO_PARALLELISM] = { .kind = CP_KIND_INT, .min = 0, .max = 100000 },
	[RO_GROW] = { .kind = CP_KIND_BOOL },
	[RO_DELAY] = { .kind = CP_KIND_SECONDS },
	[RO_MONITOR] = { .kind = CP_KIND_SECONDS },
	[RO_DEADLINE] = { .kind = CP_KIND_SECONDS, .positive = 1 },
	[RO_RATIO] = { .kind = CP_KIND_RATIO },
	[RO_ACTION] = { .kind = CP_KIND_ENUM, .names = &cp_failure_actions },
	[RO_ORDER] = { .kind = CP_KIND_ENUM, .names = &cp_orders },
	[RO_REVISIONS] = { .kind = CP_KIND_INT, .min = 1, .max = 100 },
	[RO_PULLS] = { .kind = CP_KIND_INT, .min = 1, .max = 1000 },
};

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

/* Field I of P as a number. */
double
cp_policy_get(const struct compose_policy *p, int i)
{
	switch (i) {
	case RO_CANARY:
		return p->canary;
	case RO_PARALLELISM:
		return p->parallelism;
	case RO_GROW:
		return p->grow;
	case RO_DELAY:
		return p->delay;
	case RO_MONITOR:
		return p->monitor;
	case RO_DEADLINE:
		return p->progress_deadline;
	case RO_RATIO:
		return p->max_failure_ratio;
	case RO_ACTION:
		return p->failure_action;
	case RO_ORDER:
		return p->order;
	case RO_REVISIONS:
		return p->revisions;
	default:
		return p->max_pulls;
	}
}

/* Set field I of P to V. */
void
cp_policy_set(struct compose_policy *p, int i, double v)
{
	switch (i) {
	case RO_CANARY:
		p->canary = (int)v;
		break;
	case RO_PARALLELISM:
		p->parallelism = (int)v;
		break;
	case RO_GROW:
		p->grow = v != 0;
		break;
	case RO_DELAY:
		p->delay = v;
		break;
	case RO_MONITOR:
		p->monitor = v;
		break;
	case RO_DEADLINE:
		p->progress_deadline = v;
		break;
	case RO_RATIO:
		p->max_failure_ratio = v;
		break;
	case RO_ACTION:
		p->failure_action = (enum compose_failure_action)(int)v;
		break;
	case RO_ORDER:
		p->order = (enum compose_order)(int)v;
		break;
	case RO_REVISIONS:
		p->revisions = (int)v;
		break;
	default:
		p->max_pulls = (int)v;
		break;
	}
}

/* ---------------------------------------------------------------- x-plantdeck */

/* The keys of x-plantdeck. */
enum { PD_STACK, PD_PLACEMENT, PD_ROLLOUT, PD_TARGET, PD_IMAGES, PD_NKEYS };
static const char *const cp_pd_keys[PD_NKEYS] = {
	[PD_STACK] = "stack", [PD_PLACEMENT] = "placement", [PD_ROLLOUT] = "rollout",
	[PD_TARGET] = "target", [PD_IMAGES] = "images",
};

/* rollout N into policy P, each field checked against its row of
 * cp_policy_fields. */
static int
cp_rollout(struct cp_file *f, yaml_node_t *n, struct compose_policy *p)
{
	static const struct cp_schema schema = { cp_policy_keys, RO_NKEYS, NULL, 0 };
	/* The order the fields are read in (the first error is the one told):
	 * the whole numbers first. */
	static const int order[RO_NKEYS] = {
		RO_CANARY, RO_PARALLELISM, RO_REVISIONS, RO_PULLS, RO_GROW, RO_DELAY,
		RO_MONITOR, RO_DEADLINE, RO_RATIO, RO_ACTION, RO_ORDER,
	};
	yaml_node_t *vals[RO_NKEYS], *keyn[RO_NKEYS];
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
	for (size_t j = 0; j < RO_NKEYS; j++) {
		const struct cp_field *fd = &cp_policy_fields[order[j]];
		yaml_node_t *v = vals[order[j]];
		long long x = 0;
		double d = 0;
		int b = 0, rc;

		if (v == NULL)
			continue;
		snprintf(what, sizeof(what), "'%s'", cp_policy_keys[order[j]]);
		switch (fd->kind) {
		case CP_KIND_INT:
			rc = cp_int(f, v, what, fd->min, fd->max, &x);
			d = (double)x;
			break;
		case CP_KIND_BOOL:
			rc = cp_bool(f, v, what, &b);
			d = b;
			break;
		case CP_KIND_SECONDS:
			rc = cp_seconds(f, v, what, &d);
			if (rc == 0 && fd->positive && d <= 0)
				rc = yf_error(&f->y, &v->start_mark, "%s must be more than 0",
				    what);
			break;
		case CP_KIND_RATIO:
			rc = cp_ratio(f, v, what, &d);
			break;
		default:
			rc = cp_enum(f, v, what, fd->names, &b);
			d = b;
			break;
		}
		if (rc != 0)
			return -1;
		cp_policy_set(p, order[j], d);
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

			const char *key = yf_scalar(pairs[i].k);
			size_t klen = pairs[i].k->data.scalar.length;

			/* a label name as cp_str checks a value: a tab or other control
			 * character in it was taken by the selector, and the stack's
			 * record then failed to read back (fuzz-compose, long run) */
			for (size_t j = 0; j < klen; j++) {
				struct yf_q q;

				if (!yf_iscntrl((unsigned char)key[j]) && key[j] != '\0')
					continue;
				yf_error(&f->y, &pairs[i].k->start_mark, "'placement' label '%s' "
				    "has a control character", yf_quote(&q, key, klen, YF_QUOTE));
				free(pairs);
				free(b.s);
				return -1;
			}
			if (pairs[i].v->type != YAML_SCALAR_NODE || yf_null(pairs[i].v)) {
				struct yf_q q;

				yf_error(&f->y, yf_null(pairs[i].v) ? &pairs[i].k->start_mark :
				    &pairs[i].v->start_mark,
				    "expected a string for 'placement' label '%s'",
				    yf_quote(&q, yf_scalar(pairs[i].k),
				    pairs[i].k->data.scalar.length, YF_QUOTE));
				free(pairs);
				free(b.s);
				return -1;
			}
			v = cp_str(f, pairs[i].v, "'placement'", 0);
			if (v == NULL || (i > 0 && cp_buf_add(&b, ",", 1) != 0) ||
			    cp_buf_add(&b, yf_scalar(pairs[i].k), pairs[i].k->data.scalar.length) != 0 ||
			    cp_buf_add(&b, "=", 1) != 0 || cp_buf_add(&b, v, strlen(v)) != 0) {
				free(pairs);
				free(b.s);
				if (v == NULL)
					return -1;
				free(v);
				return yf_error(&f->y, &n->start_mark, "'placement' is too long");
			}
			free(v);
		}
		free(pairs);
		if (np == 0)
			return yf_error(&f->y, &n->start_mark, "'placement' is empty");
		*out = cp_buf_take(&b);
	} else if (n->type == YAML_SCALAR_NODE)
		*out = cp_str(f, n, "'placement'", 0);
	else
		return yf_error(&f->y, &n->start_mark, "expected a string or a mapping for "
		    "'placement'");
	if (*out == NULL)
		return -1;
	if (inventory_selector_parse(*out, &sel, msg, sizeof(msg)) != 0) {
		free(*out);
		*out = NULL;
		return yf_error(&f->y, &n->start_mark, "'placement': %s", msg);
	}
	inventory_selector_free(sel);
	return 0;
}

/* x-plantdeck N into the stack; *STACK_N gets its stack's node. */
int
cp_plantdeck(struct cp_file *f, yaml_node_t *n, yaml_node_t **stack_n)
{
	static const struct cp_schema schema = { cp_pd_keys, PD_NKEYS, NULL, 0 };
	yaml_node_t *vals[PD_NKEYS], *keyn[PD_NKEYS];
	int target;

	if (cp_mapping(f, n, "'x-plantdeck'", &schema, vals, keyn) != 0)
		return -1;
	*stack_n = vals[PD_STACK];
	/* The target first: the rollout policy and the services depend on it. */
	if (vals[PD_TARGET] != NULL) {
		if (cp_enum(f, vals[PD_TARGET], "'target'", &cp_targets, &target) != 0)
			return -1;
		f->stack->target = target;
	}
	if (vals[PD_PLACEMENT] != NULL &&
	    cp_placement(f, vals[PD_PLACEMENT], &f->stack->placement) != 0)
		return -1;
	if (vals[PD_ROLLOUT] != NULL && cp_rollout(f, vals[PD_ROLLOUT], &f->stack->policy) != 0)
		return -1;
	/* images: SERVICE: REF, the image of a service the file builds (or
	 * one to deploy instead of its image:). */
	if (vals[PD_IMAGES] != NULL) {
		if (vals[PD_IMAGES]->type != YAML_MAPPING_NODE)
			return yf_error(&f->y, &vals[PD_IMAGES]->start_mark, "expected a mapping "
			    "of service names to image references for 'images'");
		struct cp_vars file = { 0 };
		int rc = cp_kv(f, vals[PD_IMAGES], "'images'", 0, &file);

		for (size_t i = 0; rc == 0 && i < file.n; i++) {
			const char *ref = file.v[i].value;

			if (ref == NULL || ref[0] == '\0' || strpbrk(ref, " \t") != NULL)
				rc = yf_error(&f->y, &vals[PD_IMAGES]->start_mark, "'images': "
				    "bad image for service '%s'", file.v[i].key);
		}
		/* --image (already in f->images) wins over the file. */
		for (size_t i = 0; rc == 0 && i < f->images.n; i++) {
			if (cp_vars_put(&file, f->images.v[i].key, f->images.v[i].value) != 0)
				rc = yf_error(&f->y, &vals[PD_IMAGES]->start_mark, "out of memory");
		}
		if (rc != 0) {
			cp_vars_clear(&file);
			return -1;
		}
		cp_vars_clear(&f->images);
		f->images = file;
	}
	return 0;
}
