/* rollout-swarm-net.c: the networks of a stack of x-plantdeck target swarm.
 *
 * As docker stack deploy does: the stack's networks (compose-net.c:
 * STACK_default and the file's networks:, overlay unless the file names a
 * driver, scope swarm, labelled com.docker.stack.namespace and
 * io.plantdeck.stack) are made through the swarm's managers before any
 * service is created or updated, and each service is attached to its own
 * in TaskTemplate.Networks: {Target, Aliases}, sorted by target, the file's
 * aliases and then the service's name (a built-in network such as host
 * takes no alias).  network_mode: host becomes the host network as a
 * service network, what a stack file's external network named host gives
 * under docker stack deploy (which ignores network_mode itself).
 *
 * Unlike docker stack deploy, a network that exists is checked as
 * rollout-net.c checks one on an engine: it must carry the stack's label,
 * scope swarm and the settings the revision asks for, else the deploy
 * stops, naming it, before anything is switched; an external one must
 * exist in scope swarm (a built-in one, host, always does).  The plan does
 * the same checks, reading only.  Networks are never removed by a deploy:
 * a kept revision may use them again.  Everything a manager says is
 * untrusted: names are compared, never printed unquoted from a reply. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/deploy/compose.h"
#include "backend/deploy/rollout-int.h"
#include "backend/engine/engine.h"
#include "backend/engine/swarm.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define RSN_CALL_MS 15000          /* one call to the swarm */

/* ---------------------------------------------------------------- attachments */

/* Whether network NAME is user-defined, so that it takes DNS aliases (not
 * one of the engine's built-in ones). */
static int
rsn_user_defined(const char *name)
{
	return strcmp(name, "default") != 0 && strcmp(name, "bridge") != 0 &&
	    strcmp(name, "host") != 0 && strcmp(name, "none") != 0 &&
	    strncmp(name, "container:", 10) != 0;
}

/* qsort: endpoints by network name. */
static int
rsn_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

/* One attachment {Target: NAME, Aliases} of service SVC into NETS; ALIASES
 * the endpoint's (the service's name among them), NULL: none. */
static int
rsn_attach_one(cJSON *nets, const char *name, const char *svc, const cJSON *aliases)
{
	cJSON *o = cJSON_CreateObject(), *al, *c;
	const cJSON *a;

	if (o == NULL)
		return -1;
	cJSON_AddItemToArray(nets, o);
	if (cJSON_AddStringToObject(o, "Target", name) == NULL)
		return -1;
	if (!rsn_user_defined(name))
		return 0;
	if ((al = cJSON_AddArrayToObject(o, "Aliases")) == NULL)
		return -1;
	/* docker stack deploy: the file's aliases, then the service's name. */
	cJSON_ArrayForEach(a, aliases) {
		if (!cJSON_IsString(a) || strcmp(a->valuestring, svc) == 0)
			continue;
		if ((c = cJSON_CreateString(a->valuestring)) == NULL)
			return -1;
		cJSON_AddItemToArray(al, c);
	}
	if ((c = cJSON_CreateString(svc)) == NULL)
		return -1;
	cJSON_AddItemToArray(al, c);
	return 0;
}

/* Service S's TaskTemplate.Networks into TT (see rollout-int.h). */
int
ro_swarm_net_attach(const struct compose_stack *stack, const struct compose_service *s,
    cJSON *tt, char *err, size_t errlen)
{
	const cJSON *hc = cJSON_GetObjectItemCaseSensitive(s->create, "HostConfig");
	const cJSON *mode = cJSON_GetObjectItemCaseSensitive(hc, "NetworkMode");
	const cJSON **eps;
	const cJSON *ep;
	size_t n = 0;
	cJSON *nets;
	int rc = 0;

	(void)stack;
	if (mode != NULL) {
		if (!cJSON_IsString(mode) || strcmp(mode->valuestring, "host") != 0) {
			snprintf(err, errlen, "service %s: network_mode '%.64s' has no Swarm "
			    "translation (only host has)", s->name, cJSON_IsString(mode) ?
			    mode->valuestring : "?");
			return -1;
		}
		if ((nets = cJSON_AddArrayToObject(tt, "Networks")) == NULL ||
		    rsn_attach_one(nets, "host", s->name, NULL) != 0)
			goto oom;
		return 0;
	}
	/* A revision from before swarm networks has none: the tasks keep the
	 * node's default network mode. */
	if (s->endpoints == NULL || s->endpoints->child == NULL)
		return 0;
	eps = calloc((size_t)cJSON_GetArraySize(s->endpoints), sizeof(*eps));
	if (eps == NULL)
		goto oom;
	cJSON_ArrayForEach(ep, s->endpoints)
		eps[n++] = ep;
	qsort(eps, n, sizeof(*eps), rsn_cmp);
	if ((nets = cJSON_AddArrayToObject(tt, "Networks")) == NULL)
		rc = -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = rsn_attach_one(nets, eps[i]->string, s->name,
		    cJSON_GetObjectItemCaseSensitive(eps[i], "Aliases"));
	free(eps);
	if (rc == 0)
		return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* ---------------------------------------------------------------- the managers */

/* One call to the swarm through RO's managers: 0 with a 2xx reply's body in
 * *JSON (if JSON), or -1 with ERR; *STATUS the HTTP status (0: no answer). */
static int
rsn_call(struct rollouts *ro, const char *method, const char *path, const char *body,
    cJSON **json, long *status, char *err, size_t errlen)
{
	struct engine_reply rep;
	int rc;

	if (json != NULL)
		*json = NULL;
	*status = 0;
	if (ro->sw == NULL) {
		snprintf(err, errlen, "swarm: %s %s: no swarm to ask", method, path);
		return -1;
	}
	rc = swarm_call(ro->sw, method, path, body, RSN_CALL_MS, &rep, NULL, 0);
	*status = rep.status;
	if (rc != 0) {
		snprintf(err, errlen, "%s", rep.error);
	} else if (json != NULL && rep.body.data != NULL && rep.body.len > 0 &&
	    (*json = cJSON_Parse(rep.body.data)) == NULL) {
		snprintf(err, errlen, "swarm: %s %s: the reply is not JSON", method, path);
		rc = -1;
	}
	engine_reply_free(&rep);
	return rc;
}

/* Network NAME as the managers see it, into *OUT: 1 it exists, 0 it does
 * not, -1 error (ERR). */
static int
rsn_inspect(struct rollouts *ro, const char *name, cJSON **out, char *err, size_t errlen)
{
	char path[400], enc[300];
	const cJSON *got;
	long status;

	ro_urlencode(name, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/networks/%s", enc);
	if (rsn_call(ro, "GET", path, NULL, out, &status, err, errlen) != 0)
		return status == 404 ? 0 : -1;
	/* The engine also matches an id prefix: only the same name counts. */
	got = cJSON_GetObjectItemCaseSensitive(*out, "Name");
	if (!cJSON_IsString(got) || strcmp(got->valuestring, name) != 0) {
		cJSON_Delete(*out);
		*out = NULL;
		return 0;
	}
	return 1;
}

/* Whether network NAME (HAVE, an inspect) may serve STACK as the network
 * of create body WANT: the stack's label, scope swarm, the same settings. */
static int
rsn_check(const char *stack, const char *name, const cJSON *have, const cJSON *want,
    char *err, size_t errlen)
{
	const cJSON *lab = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(have,
	    "Labels"), RO_LABEL_STACK);
	const cJSON *scope = cJSON_GetObjectItemCaseSensitive(have, "Scope");
	char why[128];

	if (!cJSON_IsString(lab) || strcmp(lab->valuestring, stack) != 0) {
		snprintf(err, errlen, "swarm: network %s exists and is not stack %s's (no %s=%s "
		    "label): remove or rename it", name, stack, RO_LABEL_STACK, stack);
		return -1;
	}
	if (!cJSON_IsString(scope) || strcmp(scope->valuestring, "swarm") != 0)
		snprintf(why, sizeof(why), "its scope is not swarm");
	else if (ro_net_same(have, want, why, sizeof(why)))
		return 0;
	snprintf(err, errlen, "swarm: network %s exists with other settings (%s): remove it "
	    "once no service uses it (docker network rm %s)", name, why, name);
	return -1;
}

/* Whether external network NAME (HAVE, an inspect; NULL: none) will do. */
static int
rsn_external(const char *name, const cJSON *have, char *err, size_t errlen)
{
	const cJSON *scope = cJSON_GetObjectItemCaseSensitive(have, "Scope");

	if (have == NULL) {
		snprintf(err, errlen, "swarm: external network %s does not exist on the swarm's "
		    "managers: create it first (docker network create --driver overlay %s)", name,
		    name);
		return -1;
	}
	if (!cJSON_IsString(scope) || strcmp(scope->valuestring, "swarm") != 0) {
		snprintf(err, errlen, "swarm: external network %s is not in scope swarm: a "
		    "service can only join a swarm network (or host)", name);
		return -1;
	}
	return 0;
}

/* Network NET (an entry of the stack's networks): there and usable.  R
 * NULL: only look (a plan: *NEW says whether the deploy will make it);
 * else make it when it is not there, journaled and audited. */
static int
rsn_one(struct rollouts *ro, struct rollout *r, const char *stack, const cJSON *net,
    int *new, char *err, size_t errlen)
{
	const char *name = cJSON_GetObjectItemCaseSensitive(net, "name")->valuestring;
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(net, "create");
	int external = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(net, "external"));
	char step[PD_NAME_LEN + 16], what[PD_ERROR_LEN];
	cJSON *have = NULL;
	long status;
	char *body;
	int rc;

	*new = 0;
	if (external && !rsn_user_defined(name))
		return 0;        /* host: on every node, not to be inspected */
	rc = rsn_inspect(ro, name, &have, err, errlen);
	if (rc < 0)
		return -1;
	if (external || rc == 1) {
		rc = external ? rsn_external(name, have, err, errlen) :
		    rsn_check(stack, name, have, want, err, errlen);
		cJSON_Delete(have);
		return rc;
	}
	*new = 1;
	if (r == NULL)
		return 0;        /* the plan: made by the deploy */
	if ((body = cJSON_PrintUnformatted(want)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(step, sizeof(step), "network %s", name);
	ro_begin(r, NULL, step, "create");
	rc = rsn_call(ro, "POST", "/networks/create", body, NULL, &status, err, errlen);
	free(body);
	if (rc != 0 && status == 409 && rsn_inspect(ro, name, &have, err, errlen) == 1) {
		/* Made meanwhile, or a call that landed before a failover. */
		rc = rsn_check(stack, name, have, want, err, errlen);
		cJSON_Delete(have);
	}
	ro_end(r, NULL, step, rc == 0, rc == 0 ? "created" : err);
	if (rc == 0) {
		snprintf(what, sizeof(what), "deploy #%lld: network %s (%s)", (long long)r->id,
		    name, cJSON_GetObjectItemCaseSensitive(want, "Driver") != NULL ?
		    cJSON_GetObjectItemCaseSensitive(want, "Driver")->valuestring : "overlay");
		ro_audit(ro, "swarm-network", r->stack, r->revision, what);
	}
	return rc;
}

/* The plan's check of a swarm stack's networks, and its networks line. */
int
ro_swarm_net_plan(struct rollouts *ro, struct pd_plan *p, const struct compose_stack *stack,
    char *err, size_t errlen)
{
	const cJSON *net;
	char inner[PD_ERROR_LEN];
	size_t o = 0;
	int new;

	/* The line ro_plan_net() wrote, again, with what the managers have:
	 * "STACK_default (overlay, new)" is made by the deploy. */
	p->networks[0] = '\0';
	cJSON_ArrayForEach(net, stack->networks) {
		const cJSON *drv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    net, "create"), "Driver");
		int ext = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(net, "external"));

		if (rsn_one(ro, NULL, stack->name, net, &new, inner, sizeof(inner)) != 0) {
			snprintf(err, errlen, "%s: target swarm: %s", p->file, inner);
			return -1;
		}
		if (o < sizeof(p->networks))
			o += (size_t)snprintf(p->networks + o, sizeof(p->networks) - o, "%s%s (%s%s)",
			    o ? ", " : "", cJSON_GetObjectItemCaseSensitive(net, "name")->valuestring,
			    ext ? "external" : cJSON_IsString(drv) ? drv->valuestring : "overlay",
			    new ? ", new" : "");
	}
	/* Services on the host network, which no entry of stack->networks is. */
	for (size_t i = 0; i < stack->nservices && o < sizeof(p->networks); i++) {
		const cJSON *hc = cJSON_GetObjectItemCaseSensitive(stack->services[i].create,
		    "HostConfig");

		if (cJSON_GetObjectItemCaseSensitive(hc, "NetworkMode") != NULL)
			o += (size_t)snprintf(p->networks + o, sizeof(p->networks) - o,
			    "%shost (%s)", o ? ", " : "", stack->services[i].name);
	}
	return 0;
}

/* The revision's networks through the managers, before its services. */
int
ro_swarm_net_ensure(struct rollout *r, char *msg, size_t msglen)
{
	const cJSON *net;
	int new;

	if (r->spec == NULL)
		return 0;
	cJSON_ArrayForEach(net, r->spec->networks) {
		if (rsn_one(r->ro, r, r->stack, net, &new, msg, msglen) != 0)
			return -1;
	}
	return 0;
}
