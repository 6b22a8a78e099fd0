/* rollout-net.c: a stack's networks and start order on standalone engines.
 *
 * Before a node's containers are switched, the networks of the revision
 * (compose-net.c: STACK_default and the file's networks:) are made on it:
 * one that exists is reused when it carries the stack's io.plantdeck.stack
 * label and the settings the revision asks for; one with other settings or
 * of someone else is an error naming it, and an external one must exist.
 * Networks are never removed by a deploy: a kept revision (a rollback)
 * may use them again, and plantdeck has no stack removal yet.
 *
 * A container is created on its service's first network
 * (HostConfig.NetworkMode, one endpoint in NetworkingConfig, which every
 * API version takes) and
 * connected to the others before it starts; network_mode service:NAME
 * becomes container:ID of NAME's container on the same node.  A service
 * starts after the ones it depends on have reached their condition
 * (started, healthy, completed successfully), each wait bounded by the
 * node's progress deadline.  Everything from a node is untrusted: names
 * and states are compared, never printed unquoted. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/base/log.h"
#include "backend/deploy/compose.h"
#include "backend/deploy/rollout-int.h"
#include "backend/engine/inventory.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---------------------------------------------------------------- networks */

/* Whether the existing network HAVE (an inspect) is what WANT (a create
 * body) asks for; WHY gets the first difference.  (rollout-swarm-net.c
 * checks a stack's swarm networks with it too.) */
int
ro_net_same(const cJSON *have, const cJSON *want, char *why, size_t whylen)
{
	static const char *const flags[] = { "Internal", "Attachable" };
	const cJSON *hd = cJSON_GetObjectItemCaseSensitive(have, "Driver");
	const cJSON *wd = cJSON_GetObjectItemCaseSensitive(want, "Driver");
	const cJSON *wcfg, *c;

	if (cJSON_IsString(wd) && (!cJSON_IsString(hd) ||
	    strcmp(hd->valuestring, wd->valuestring) != 0)) {
		snprintf(why, whylen, "driver is not %s", wd->valuestring);
		return 0;
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		int w = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(want, flags[i]));
		int h = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(have, flags[i]));

		if (w != h) {
			snprintf(why, whylen, "%s is %s", flags[i], h ? "true" : "false");
			return 0;
		}
	}
	wcfg = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(want, "IPAM"),
	    "Config");
	cJSON_ArrayForEach(c, wcfg) {
		const cJSON *ws = cJSON_GetObjectItemCaseSensitive(c, "Subnet"), *h;
		int found = 0;

		if (!cJSON_IsString(ws))
			continue;
		cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(have, "IPAM"), "Config")) {
			const cJSON *hs = cJSON_GetObjectItemCaseSensitive(h, "Subnet");

			if (cJSON_IsString(hs) && strcmp(hs->valuestring, ws->valuestring) == 0)
				found = 1;
		}
		if (!found) {
			snprintf(why, whylen, "it has no subnet %s", ws->valuestring);
			return 0;
		}
	}
	return 1;
}

/* Whether the existing network HAVE on N may serve as network NAME of the
 * stack (WANT its create body): the stack's label and the same settings. */
static int
rn_check(struct ro_node *n, const char *name, const cJSON *have, const cJSON *want, char *err,
    size_t errlen)
{
	const cJSON *lab = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(have,
	    "Labels"), RO_LABEL_STACK);
	char why[128];

	if (!cJSON_IsString(lab) || strcmp(lab->valuestring, n->r->stack) != 0) {
		snprintf(err, errlen, "%s: network %s exists and is not stack %s's (no %s=%s "
		    "label): remove or rename it", n->inv->name, name, n->r->stack, RO_LABEL_STACK,
		    n->r->stack);
		return -1;
	}
	if (!ro_net_same(have, want, why, sizeof(why))) {
		snprintf(err, errlen, "%s: network %s exists with other settings (%s): remove it "
		    "once no container uses it", n->inv->name, name, why);
		return -1;
	}
	return 0;
}

/* Network NET (an entry of the stack's networks) on N: there and usable. */
static int
rn_ensure_one(struct ro_node *n, const cJSON *net, char *err, size_t errlen)
{
	struct rollout *r = n->r;
	const char *name = cJSON_GetObjectItemCaseSensitive(net, "name")->valuestring;
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(net, "create");
	char step[PD_NAME_LEN + 16];
	cJSON *have = NULL;
	char *body;
	int rc;

	rc = ro_inspect_named(n, "networks", name, &have, err, errlen);
	if (rc < 0)
		return -1;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(net, "external"))) {
		cJSON_Delete(have);
		if (rc == 0) {
			snprintf(err, errlen, "%s: external network %s does not exist", n->inv->name,
			    name);
			return -1;
		}
		return 0;
	}
	if (rc == 1) {
		rc = rn_check(n, name, have, want, err, errlen);
		cJSON_Delete(have);
		return rc;
	}
	if ((body = cJSON_PrintUnformatted(want)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(step, sizeof(step), "network %s", name);
	ro_begin(r, n, step, "create");
	rc = ro_call(n, "POST", "/networks/create", body, 30000, NULL, err, errlen);
	free(body);
	if (rc != 0 && strstr(err, "HTTP 409") != NULL) {
		/* Made meanwhile (another deploy of the stack): check it as above. */
		if (ro_inspect_named(n, "networks", name, &have, err, errlen) == 1) {
			rc = rn_check(n, name, have, want, err, errlen);
			cJSON_Delete(have);
		}
	}
	ro_end(r, n, step, rc == 0, rc == 0 ? "created" : err);
	return rc;
}

/* The networks of the target revision on N, before its switch. */
int
ro_net_ensure(struct ro_node *n, char *err, size_t errlen)
{
	const struct compose_stack *spec = n->r->spec;
	const cJSON *net;

	if (spec == NULL || spec->networks == NULL)
		return 0;
	cJSON_ArrayForEach(net, spec->networks) {
		if (rn_ensure_one(n, net, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Create body BODY of service S ready for N: on its first network (the
 * others in *EXTRA, NULL: none), network_mode service:NAME as container:ID. */
int
ro_net_prepare(struct ro_node *n, const struct compose_service *s, cJSON *body, cJSON **extra,
    char *err, size_t errlen)
{
	cJSON *hc = cJSON_GetObjectItemCaseSensitive(body, "HostConfig");
	cJSON *mode = cJSON_GetObjectItemCaseSensitive(hc, "NetworkMode");
	const cJSON *ep;
	cJSON *nc, *eps;

	*extra = NULL;
	if (cJSON_IsString(mode) && strncmp(mode->valuestring, "service:", 8) == 0) {
		char name[PD_NAME_LEN], path[400], enc[300], to[PD_ID_LEN + 16];
		cJSON *j = NULL;
		const cJSON *id;

		snprintf(name, sizeof(name), "%s-%s", n->r->stack, mode->valuestring + 8);
		ro_urlencode(name, enc, sizeof(enc));
		snprintf(path, sizeof(path), "/containers/%s/json", enc);
		if (ro_call(n, "GET", path, NULL, 10000, &j, err, errlen) != 0)
			return -1;
		id = cJSON_GetObjectItemCaseSensitive(j, "Id");
		if (!cJSON_IsString(id) || strlen(id->valuestring) != 64 ||
		    strspn(id->valuestring, "0123456789abcdef") != 64) {
			cJSON_Delete(j);
			snprintf(err, errlen, "%s: network_mode service: %s has no container id",
			    n->inv->name, name);
			return -1;
		}
		snprintf(to, sizeof(to), "container:%s", id->valuestring);
		cJSON_Delete(j);
		cJSON_ReplaceItemInObjectCaseSensitive(hc, "NetworkMode", cJSON_CreateString(to));
	}
	if (s->endpoints == NULL || s->endpoints->child == NULL)
		return 0;
	ep = s->endpoints->child;
	if (hc == NULL)
		hc = cJSON_AddObjectToObject(body, "HostConfig");
	cJSON_DeleteItemFromObjectCaseSensitive(hc, "NetworkMode");
	cJSON_DeleteItemFromObjectCaseSensitive(body, "NetworkingConfig");
	if (hc == NULL || cJSON_AddStringToObject(hc, "NetworkMode", ep->string) == NULL ||
	    (nc = cJSON_AddObjectToObject(body, "NetworkingConfig")) == NULL ||
	    (eps = cJSON_AddObjectToObject(nc, "EndpointsConfig")) == NULL)
		goto oom;
	cJSON_AddItemToObject(eps, ep->string, cJSON_Duplicate(ep, 1));
	if (ep->next == NULL)
		return 0;
	if ((*extra = cJSON_CreateObject()) == NULL)
		goto oom;
	for (ep = ep->next; ep != NULL; ep = ep->next)
		cJSON_AddItemToObject(*extra, ep->string, cJSON_Duplicate(ep, 1));
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Connect container ID (NAME) to the networks of EXTRA, before it starts. */
int
ro_net_connect(struct ro_node *n, const char *id, const char *name, const cJSON *extra,
    char *err, size_t errlen)
{
	const cJSON *ep;

	cJSON_ArrayForEach(ep, extra) {
		char path[400], enc[300], step[PD_NAME_LEN * 2 + 16];
		cJSON *b = cJSON_CreateObject();
		char *text;
		int rc;

		if (b == NULL || cJSON_AddStringToObject(b, "Container", id) == NULL) {
			cJSON_Delete(b);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		cJSON_AddItemToObject(b, "EndpointConfig", cJSON_Duplicate(ep, 1));
		text = cJSON_PrintUnformatted(b);
		cJSON_Delete(b);
		if (text == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		ro_urlencode(ep->string, enc, sizeof(enc));
		snprintf(path, sizeof(path), "/networks/%s/connect", enc);
		snprintf(step, sizeof(step), "connect %.56s %.56s", name, ep->string);
		ro_begin(n->r, n, step, NULL);
		rc = ro_call(n, "POST", path, text, 30000, NULL, err, errlen);
		ro_end(n->r, n, step, rc == 0, rc == 0 ? NULL : err);
		free(text);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- order */

/* Whether service SVC of SPEC is one another service waits to complete
 * (service_completed_successfully): its exit 0 is success. */
int
ro_completes(const struct compose_stack *spec, const char *svc)
{
	for (size_t i = 0; spec != NULL && i < spec->nservices; i++) {
		const cJSON *d;

		cJSON_ArrayForEach(d, spec->services[i].depends_on) {
			const cJSON *s = cJSON_GetObjectItemCaseSensitive(d, "service");

			if (cJSON_IsString(s) && strcmp(s->valuestring, svc) == 0 &&
			    compose_dep_condition(d) == COMPOSE_DEP_COMPLETED)
				return 1;
		}
	}
	return 0;
}

/* Whether SPEC has service NAME. */
static int
rn_has(const struct compose_stack *spec, const char *name)
{
	for (size_t i = 0; i < spec->nservices; i++)
		if (strcmp(spec->services[i].name, name) == 0)
			return 1;
	return 0;
}

/* Where container NAME on N stands for condition C: 1 reached, 0 not
 * yet, -1 never (ERR says why). */
static int
rn_dep_state(struct ro_node *n, const char *name, enum compose_dep_condition c, char *err,
    size_t errlen)
{
	char path[400], enc[300];
	const cJSON *state, *status, *health, *code;
	cJSON *j = NULL;
	int rc = 0, exited;

	ro_urlencode(name, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/containers/%s/json", enc);
	if (ro_call(n, "GET", path, NULL, 10000, &j, err, errlen) != 0)
		return strstr(err, "HTTP 404") != NULL ? 0 : -1;
	state = cJSON_GetObjectItemCaseSensitive(j, "State");
	status = cJSON_GetObjectItemCaseSensitive(state, "Status");
	health = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(state,
	    "Health"), "Status");
	code = cJSON_GetObjectItemCaseSensitive(state, "ExitCode");
	exited = cJSON_IsString(status) && (strcmp(status->valuestring, "exited") == 0 ||
	    strcmp(status->valuestring, "dead") == 0);
	if (exited && (!cJSON_IsNumber(code) || code->valueint != 0)) {
		snprintf(err, errlen, "%s exited (code %d)", name,
		    cJSON_IsNumber(code) ? code->valueint : -1);
		rc = -1;
	} else if (c == COMPOSE_DEP_COMPLETED) {
		rc = exited;
	} else if (exited) {
		/* A one-shot that is done counts as started; never as healthy. */
		rc = c == COMPOSE_DEP_STARTED ? 1 : -1;
		if (rc < 0)
			snprintf(err, errlen, "%s exited before it was healthy", name);
	} else if (!cJSON_IsString(status) || strcmp(status->valuestring, "running") != 0) {
		rc = 0;
	} else if (c == COMPOSE_DEP_STARTED) {
		rc = 1;
	} else if (!cJSON_IsString(health)) {
		snprintf(err, errlen, "%s has no healthcheck (depends_on condition "
		    "service_healthy)", name);
		rc = -1;
	} else if (strcmp(health->valuestring, "healthy") == 0) {
		rc = 1;
	} else if (strcmp(health->valuestring, "unhealthy") == 0) {
		snprintf(err, errlen, "%s unhealthy", name);
		rc = -1;
	}
	cJSON_Delete(j);
	return rc;
}

/* Wait on N until every service S depends on has reached its condition,
 * at most until DEADLINE (ro_now()). */
int
ro_dep_wait(struct ro_node *n, const struct compose_service *s, double deadline, char *err,
    size_t errlen)
{
	struct rollout *r = n->r;
	const cJSON *d;

	cJSON_ArrayForEach(d, s->depends_on) {
		const char *svc = cJSON_GetObjectItemCaseSensitive(d, "service")->valuestring;
		enum compose_dep_condition c = compose_dep_condition(d);
		char name[PD_NAME_LEN], step[PD_NAME_LEN + 16], detail[PD_NAME_LEN + 48];
		double t0 = ro_now();
		int st;

		if (!rn_has(r->spec, svc))
			continue;	/* required: false, and not in the stack */
		snprintf(name, sizeof(name), "%s-%s", r->stack, svc);
		snprintf(step, sizeof(step), "wait %.56s", name);
		snprintf(detail, sizeof(detail), "for %s: %s", s->name,
		    compose_dep_condition_name(c));
		ro_begin(r, n, step, detail);
		while ((st = rn_dep_state(n, name, c, err, errlen)) == 0) {
			if (ro_now() > deadline) {
				snprintf(err, errlen, "%s: %s not %s after %.0fs (progress_deadline)",
				    s->name, svc, compose_dep_condition_name(c), ro_now() - t0);
				st = -1;
				break;
			}
			ro_sleep_ms(RO_POLL_MS / 2);
		}
		snprintf(detail, sizeof(detail), "after %.1fs", ro_now() - t0);
		ro_end(r, n, step, st > 0, st > 0 ? detail : err);
		if (st < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- plan */

/* The plan's networks and start order lines for STACK. */
void
ro_plan_net(const struct compose_stack *stack, struct pd_plan *p)
{
	size_t *order, o = 0;
	const cJSON *net;
	int deps = 0;
	char msg[128];

	p->networks[0] = p->order[0] = '\0';
	cJSON_ArrayForEach(net, stack->networks) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(net, "name");
		const cJSON *drv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    net, "create"), "Driver");
		int ext = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(net, "external"));

		if (o < sizeof(p->networks))
			o += (size_t)snprintf(p->networks + o, sizeof(p->networks) - o, "%s%s (%s)",
			    o ? ", " : "", name->valuestring, ext ? "external" :
			    cJSON_IsString(drv) ? drv->valuestring : "bridge");
	}
	for (size_t i = 0; i < stack->nservices; i++) {
		const cJSON *hc = cJSON_GetObjectItemCaseSensitive(stack->services[i].create,
		    "HostConfig");
		const cJSON *mode = cJSON_GetObjectItemCaseSensitive(hc, "NetworkMode");

		if (cJSON_GetArraySize(stack->services[i].depends_on) > 0 ||
		    (cJSON_IsString(mode) && strncmp(mode->valuestring, "service:", 8) == 0))
			deps = 1;
	}
	if (!deps || (order = calloc(stack->nservices, sizeof(*order))) == NULL)
		return;
	if (compose_start_order(stack, order, msg, sizeof(msg)) != 0) {
		free(order);
		return;
	}
	o = 0;
	for (size_t k = 0; k < stack->nservices && o < sizeof(p->order); k++) {
		const struct compose_service *s = &stack->services[order[k]];
		const cJSON *d;
		int first = 1;

		o += (size_t)snprintf(p->order + o, sizeof(p->order) - o, "%s%s", k ? ", " : "",
		    s->name);
		cJSON_ArrayForEach(d, s->depends_on) {
			const char *c = compose_dep_condition_name(compose_dep_condition(d));

			if (o >= sizeof(p->order))
				break;
			/* "service_healthy" reads "healthy" here. */
			if (strncmp(c, "service_", 8) == 0)
				c += 8;
			o += (size_t)snprintf(p->order + o, sizeof(p->order) - o, "%s%s %s",
			    first ? " (after " : ", ",
			    cJSON_GetObjectItemCaseSensitive(d, "service")->valuestring, c);
			first = 0;
		}
		{
			const cJSON *hc = cJSON_GetObjectItemCaseSensitive(s->create, "HostConfig");
			const cJSON *mode = cJSON_GetObjectItemCaseSensitive(hc, "NetworkMode");

			int named = 0;

			/* depends_on may name the service already: once is enough. */
			cJSON_ArrayForEach(d, s->depends_on) {
				const cJSON *svc = cJSON_GetObjectItemCaseSensitive(d, "service");

				named |= cJSON_IsString(mode) && cJSON_IsString(svc) &&
				    strncmp(mode->valuestring, "service:", 8) == 0 &&
				    strcmp(mode->valuestring + 8, svc->valuestring) == 0;
			}
			if (cJSON_IsString(mode) && strncmp(mode->valuestring, "service:", 8) == 0 &&
			    !named && o < sizeof(p->order)) {
				o += (size_t)snprintf(p->order + o, sizeof(p->order) - o, "%s%s started",
				    first ? " (after " : ", ", mode->valuestring + 8);
				first = 0;
			}
		}
		if (!first && o < sizeof(p->order))
			o += (size_t)snprintf(p->order + o, sizeof(p->order) - o, ")");
	}
	free(order);
}
