/* rollout-swarm.c: deploys of stacks whose x-plantdeck target is swarm.
 *
 * The executor (rollout.c) records the deploy, journals its begin and runs
 * the pre-pull on every target as for standalone engines; then it hands
 * the deploy to ro_swarm_run(), and takes it back for the common end
 * (revision current, prune, audit, journal).  Here:
 *
 *   pin        each image is pinned to the digest the pre-pull fetched
 *              ("repo:tag@sha256:..."), so that Swarm's tasks use the
 *              pulled image and skip their own pull;
 *   networks   the stack's overlay networks, made or checked through the
 *              managers before any service changes (rollout-swarm-net.c);
 *   secrets    the revision's secrets and configs as Swarm objects with
 *              versioned names, made or reused (rollout-secrets.c), and
 *              named in each service's ContainerSpec;
 *   services   one Swarm service per compose service, "STACK_SERVICE",
 *              created or updated (POST /services/{id}/update?version=)
 *              with the spec rollout_swarm_spec() translates from the
 *              stored create body, through swarm_call() (manager
 *              failover; a 409 or "out of sequence" after a failover is
 *              "look again": the call may have landed);
 *   placement  every target's swarm node gets the label
 *              io.plantdeck.placement.STACK=true, which the services'
 *              constraint asks for; after a completed deploy, nodes that
 *              carry it and are no longer targets lose it;
 *   watch      Swarm's rolling update does the switching.  Four times
 *              a second the services' UpdateStatus (journaled at each
 *              change, shown as the deploy's message) and the tasks are
 *              read from the manager, and each target's new task (the one
 *              labelled with this deploy) is followed into its container
 *              through that node's own engine: switching (task created),
 *              health (container up, not healthy yet), monitor (healthy
 *              for `monitor` seconds), done; failed with the task's
 *              Status.Err.  A node whose new task is not healthy within
 *              progress_deadline of its creation (Swarm waits forever)
 *              gets the failure_action: rollback (rollback=previous of
 *              every updated service, and removal of created ones),
 *              pause (the deploy pauses, Swarm's update left running) or
 *              continue (the node is failed);
 *   end        Swarm's own rollback ends the deploy rolled_back saying
 *              why; a completed one prunes the stack's services that the
 *              revision no longer has (as docker stack deploy --prune).
 *
 * Everything against the swarm goes through swarm_call(); everything
 * against a node's containers through that node's engine.  Nothing here
 * runs in read-only mode: rollout_start() refuses first, and swarm_call()
 * refuses any change itself. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "backend/base/sanitize.h"
#include "backend/deploy/compose.h"
#include "backend/engine/engine.h"
#include "backend/engine/fleet.h"
#include "backend/engine/inventory.h"
#include "backend/engine/registry-auth.h"
#include "backend/base/log.h"
#include "backend/base/thread.h"
#include "backend/deploy/rollout.h"
#include "backend/deploy/rollout-int.h"
#include "backend/store/store.h"
#include "backend/engine/swarm.h"

/* Messages are cut to their fixed-size buffers on purpose (one-line fields
 * of the journal and the screen). */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define RS_NS 1e9                  /* ns in one second */
#define RS_MAX_NAME 63             /* Swarm's limit on a service name */
#define RS_CALL_MS 15000           /* one call to the swarm */
#define RS_INFO_MS 5000            /* one node's GET /info or inspect */
#define RS_PROBE_THREADS 32
#define RS_RETRIES 3               /* versioned updates that lost a race */
#define RS_NODES_EVERY 8           /* polls between reads of the node list */
#define RS_QUIET_S 60              /* s without a manager before the watch gives up */
#define RS_POLL_MS 250             /* between two reads of the services and tasks */

/* ---------------------------------------------------------------- translation */

int
rollout_swarm_name(const char *stack, const char *svc, char *out, size_t len)
{
	int n = snprintf(out, len, "%s_%s", stack, svc);

	return n < 0 || (size_t)n >= len || n > RS_MAX_NAME ? -1 : 0;
}

/* Set the labels plantdeck puts on a service and on its containers. */
static int
rs_labels(cJSON *labels, const char *stack, const char *svc, int rev, int64_t deploy)
{
	static const char *const keys[] = {
		RO_LABEL_NAMESPACE, RO_LABEL_STACK, RO_LABEL_SERVICE, RO_LABEL_REVISION,
		RO_LABEL_DEPLOY,
	};
	char r[32], d[32];

	snprintf(r, sizeof(r), "%d", rev);
	snprintf(d, sizeof(d), "%lld", (long long)deploy);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(labels, keys[i]);
	return cJSON_AddStringToObject(labels, RO_LABEL_NAMESPACE, stack) == NULL ||
	    cJSON_AddStringToObject(labels, RO_LABEL_STACK, stack) == NULL ||
	    cJSON_AddStringToObject(labels, RO_LABEL_SERVICE, svc) == NULL ||
	    cJSON_AddStringToObject(labels, RO_LABEL_REVISION, r) == NULL ||
	    cJSON_AddStringToObject(labels, RO_LABEL_DEPLOY, d) == NULL ? -1 : 0;
}

/* Whether S is one of the NULL-terminated WORDS. */
static int
rs_one_of(const char *s, const char *const *words)
{
	for (size_t i = 0; words[i] != NULL; i++)
		if (strcmp(s, words[i]) == 0)
			return 1;
	return 0;
}

/* The VolumeOptions of mount M of named volume VOL (an entry of the
 * stack's volumes) of STACK: its driver, options and labels, as docker
 * stack deploy gives them, so that each node's engine makes it alike. */
static int
rs_volume_options(const struct compose_stack *stack, const cJSON *vol, cJSON *m)
{
	const cJSON *create = cJSON_GetObjectItemCaseSensitive(vol, "create");
	const cJSON *drv = cJSON_GetObjectItemCaseSensitive(create, "Driver");
	const cJSON *opts = cJSON_GetObjectItemCaseSensitive(create, "DriverOpts");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(create, "Labels");
	cJSON *o = cJSON_GetObjectItemCaseSensitive(m, "VolumeOptions"), *l, *dc;

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(vol, "external")) || create == NULL)
		return 0;
	if (o == NULL && (o = cJSON_AddObjectToObject(m, "VolumeOptions")) == NULL)
		return -1;
	l = labels != NULL ? cJSON_Duplicate(labels, 1) : cJSON_CreateObject();
	if (l == NULL)
		return -1;
	cJSON_AddItemToObject(o, "Labels", l);
	cJSON_DeleteItemFromObjectCaseSensitive(l, RO_LABEL_NAMESPACE);
	if (cJSON_AddStringToObject(l, RO_LABEL_NAMESPACE, stack->name) == NULL ||
	    (dc = cJSON_AddObjectToObject(o, "DriverConfig")) == NULL ||
	    cJSON_AddStringToObject(dc, "Name", cJSON_IsString(drv) ? drv->valuestring :
	    "local") == NULL)
		return -1;
	if (opts != NULL) {
		cJSON *d = cJSON_Duplicate(opts, 1);

		if (d == NULL)
			return -1;
		cJSON_AddItemToObject(dc, "Options", d);
	}
	return 0;
}

/* One bind "SOURCE:TARGET[:MODE]" of the create body as a Mount in MOUNTS
 * (a named volume of STACK with its VolumeOptions). */
static int
rs_bind(const struct compose_stack *stack, const char *bind, cJSON *mounts, char *err,
    size_t errlen)
{
	static const char *const propagations[] = {
		"shared", "slave", "private", "rshared", "rslave", "rprivate", NULL,
	};
	char buf[4096], *parts[3] = { NULL, NULL, NULL }, *p = buf, *opt, *save = NULL;
	size_t np = 0;
	cJSON *m;
	int named;

	if (strlen(bind) >= sizeof(buf)) {
		snprintf(err, errlen, "bind '%.64s...' is too long", bind);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", bind);
	while (np < 3 && p != NULL) {
		parts[np++] = p;
		p = strchr(p, ':');
		if (p != NULL)
			*p++ = '\0';
	}
	if (p != NULL || np < 2 || parts[0][0] == '\0' || parts[1][0] != '/') {
		snprintf(err, errlen, "bind '%.200s' is not SOURCE:TARGET[:MODE]", bind);
		return -1;
	}
	named = parts[0][0] != '/';
	if ((m = cJSON_CreateObject()) == NULL)
		goto oom;
	cJSON_AddItemToArray(mounts, m);
	if (cJSON_AddStringToObject(m, "Type", named ? "volume" : "bind") == NULL ||
	    cJSON_AddStringToObject(m, "Source", parts[0]) == NULL ||
	    cJSON_AddStringToObject(m, "Target", parts[1]) == NULL)
		goto oom;
	for (opt = np == 3 ? strtok_r(parts[2], ",", &save) : NULL; opt != NULL;
	    opt = strtok_r(NULL, ",", &save)) {
		cJSON *o;

		if (strcmp(opt, "ro") == 0) {
			if (cJSON_AddBoolToObject(m, "ReadOnly", 1) == NULL)
				goto oom;
		} else if (strcmp(opt, "rw") == 0) {
			continue;
		} else if (strcmp(opt, "nocopy") == 0 && named) {
			if ((o = cJSON_AddObjectToObject(m, "VolumeOptions")) == NULL ||
			    cJSON_AddBoolToObject(o, "NoCopy", 1) == NULL)
				goto oom;
		} else if (!named && rs_one_of(opt, propagations)) {
			if ((o = cJSON_AddObjectToObject(m, "BindOptions")) == NULL ||
			    cJSON_AddStringToObject(o, "Propagation", opt) == NULL)
				goto oom;
		} else {
			snprintf(err, errlen, "bind '%.200s': mode '%s' has no Swarm mount option",
			    bind, opt);
			return -1;
		}
	}
	if (named && compose_volume_named(stack, parts[0]) != NULL &&
	    rs_volume_options(stack, compose_volume_named(stack, parts[0]), m) != 0)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* The PortBindings of the create body as EndpointSpec ports in PORTS
 * (published on the node itself: PublishMode host). */
static int
rs_ports(const cJSON *bindings, cJSON *ports, char *err, size_t errlen)
{
	const cJSON *key;

	cJSON_ArrayForEach(key, bindings) {
		char proto[16];
		long target;
		const cJSON *b;
		char *end;

		errno = 0;
		target = strtol(key->string, &end, 10);
		if (errno != 0 || end == key->string || *end != '/' || target < 1 ||
		    target > 65535 || strlen(end + 1) >= sizeof(proto)) {
			snprintf(err, errlen, "port '%.64s' is not PORT/PROTOCOL", key->string);
			return -1;
		}
		snprintf(proto, sizeof(proto), "%s", end + 1);
		cJSON_ArrayForEach(b, key) {
			const cJSON *ip = cJSON_GetObjectItemCaseSensitive(b, "HostIp");
			const cJSON *hp = cJSON_GetObjectItemCaseSensitive(b, "HostPort");
			long published = 0;
			cJSON *o;

			if (cJSON_IsString(ip) && ip->valuestring[0] != '\0') {
				snprintf(err, errlen, "port %ld/%s is bound to host address %.64s, which a "
				    "Swarm service cannot", target, proto, ip->valuestring);
				return -1;
			}
			if (cJSON_IsString(hp) && hp->valuestring[0] != '\0') {
				errno = 0;
				published = strtol(hp->valuestring, &end, 10);
				if (errno != 0 || *end != '\0' || published < 1 || published > 65535) {
					snprintf(err, errlen, "port %ld/%s: host port '%.32s' is not one "
					    "port", target, proto, hp->valuestring);
					return -1;
				}
			}
			if ((o = cJSON_CreateObject()) == NULL)
				goto oom;
			cJSON_AddItemToArray(ports, o);
			if (cJSON_AddStringToObject(o, "Protocol", proto) == NULL ||
			    cJSON_AddNumberToObject(o, "TargetPort", (double)target) == NULL ||
			    (published > 0 && cJSON_AddNumberToObject(o, "PublishedPort",
			    (double)published) == NULL) ||
			    cJSON_AddStringToObject(o, "PublishMode", "host") == NULL)
				goto oom;
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* The create body's RestartPolicy as a task RestartPolicy in *OUT. */
static int
rs_restart(const cJSON *rp, cJSON **out, char *err, size_t errlen)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(rp, "Name");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(rp, "MaximumRetryCount");
	const char *cond;
	cJSON *o;

	*out = NULL;
	if (!cJSON_IsString(name)) {
		snprintf(err, errlen, "RestartPolicy has no Name");
		return -1;
	}
	if (strcmp(name->valuestring, "no") == 0)
		cond = "none";
	else if (strcmp(name->valuestring, "always") == 0 ||
	    strcmp(name->valuestring, "unless-stopped") == 0)
		cond = "any";
	else if (strcmp(name->valuestring, "on-failure") == 0)
		cond = "on-failure";
	else {
		snprintf(err, errlen, "restart '%.32s' has no Swarm condition", name->valuestring);
		return -1;
	}
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "Condition", cond) == NULL ||
	    (cJSON_IsNumber(max) && strcmp(cond, "on-failure") == 0 &&
	    cJSON_AddNumberToObject(o, "MaxAttempts", max->valuedouble) == NULL)) {
		cJSON_Delete(o);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*out = o;
	return 0;
}

/* Swarm's UpdateConfig (or, ROLLBACK, RollbackConfig) from policy P.  A
 * rollback never rolls itself back: rollback becomes pause. */
static cJSON *
rs_update_config(const struct compose_policy *p, int rollback)
{
	cJSON *o = cJSON_CreateObject();
	const char *action = compose_failure_action_name(p->failure_action);

	if (rollback && p->failure_action == COMPOSE_FAIL_ROLLBACK)
		action = compose_failure_action_name(COMPOSE_FAIL_PAUSE);
	if (o == NULL ||
	    cJSON_AddNumberToObject(o, "Parallelism", p->parallelism) == NULL ||
	    cJSON_AddNumberToObject(o, "Delay", p->delay * RS_NS) == NULL ||
	    cJSON_AddStringToObject(o, "FailureAction", action) == NULL ||
	    cJSON_AddNumberToObject(o, "Monitor", p->monitor * RS_NS) == NULL ||
	    cJSON_AddNumberToObject(o, "MaxFailureRatio", p->max_failure_ratio) == NULL ||
	    cJSON_AddStringToObject(o, "Order", compose_order_name(p->order)) == NULL) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* Copy member KEY of FROM (if any) into TO as NAME. */
static int
rs_copy(cJSON *to, const char *name, const cJSON *from, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);
	cJSON *d;

	if (v == NULL)
		return 0;
	if ((d = cJSON_Duplicate(v, 1)) == NULL)
		return -1;
	cJSON_AddItemToObject(to, name, d);
	return 0;
}

/* Whether every member of O is one of KEYS; if not, BAD names the first. */
static int
rs_known(const cJSON *o, const char *const *keys, const char **bad)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, o) {
		if (!rs_one_of(m->string, keys)) {
			*bad = m->string;
			return 0;
		}
	}
	return 1;
}

cJSON *
rollout_swarm_spec(const struct compose_stack *stack, size_t index, const char *image, int rev,
    int64_t deploy, char *err, size_t errlen)
{
	/* What compose-service.c puts in a create body; anything else would be dropped
	 * silently, so it is an error until it is translated. */
	static const char *const create_keys[] = {
		"Image", "Cmd", "Entrypoint", "Env", "Labels", "ExposedPorts", "Volumes",
		"WorkingDir", "User", "Hostname", "Healthcheck", "StopSignal", "StopTimeout",
		"HostConfig", NULL,
	};
	static const char *const host_keys[] = {
		"Binds", "PortBindings", "Memory", "MemoryReservation", "NanoCpus",
		"RestartPolicy", "CapAdd", "CapDrop", "Privileged", "ReadonlyRootfs", "NetworkMode",
		NULL,
	};
	const struct compose_service *s;
	const cJSON *c, *hc, *v, *item;
	cJSON *spec = NULL, *labels, *tt, *cs, *cl, *mounts, *res, *lim, *rsv, *pl, *cons, *mode;
	cJSON *ep, *ports, *x;
	char name[PD_NAME_LEN], constraint[PD_NAME_LEN + 64], inner[PD_ERROR_LEN];
	const char *bad = NULL;

	if (stack == NULL || index >= stack->nservices) {
		snprintf(err, errlen, "no such service");
		return NULL;
	}
	s = &stack->services[index];
	c = s->create;
	hc = cJSON_GetObjectItemCaseSensitive(c, "HostConfig");
	if (rollout_swarm_name(stack->name, s->name, name, sizeof(name)) != 0) {
		snprintf(err, errlen, "service %s: the Swarm service name %s_%s is longer than %d "
		    "characters", s->name, stack->name, s->name, RS_MAX_NAME);
		return NULL;
	}
	if (!cJSON_IsObject(c) || !rs_known(c, create_keys, &bad) ||
	    (hc != NULL && !rs_known(hc, host_keys, &bad))) {
		snprintf(err, errlen, "service %s: '%s' has no Swarm translation", s->name,
		    bad != NULL ? bad : "(create body)");
		return NULL;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(hc, "Privileged"))) {
		snprintf(err, errlen, "service %s: privileged: a Swarm service cannot be", s->name);
		return NULL;
	}
	if ((spec = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(spec, "Name", name) == NULL ||
	    (labels = cJSON_AddObjectToObject(spec, "Labels")) == NULL ||
	    rs_labels(labels, stack->name, s->name, rev, deploy) != 0 ||
	    (tt = cJSON_AddObjectToObject(spec, "TaskTemplate")) == NULL ||
	    (cs = cJSON_AddObjectToObject(tt, "ContainerSpec")) == NULL ||
	    cJSON_AddStringToObject(cs, "Image", image != NULL ? image : s->image) == NULL)
		goto oom;
	/* The containers: the file's labels, then plantdeck's. */
	v = cJSON_GetObjectItemCaseSensitive(c, "Labels");
	cl = cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) : cJSON_CreateObject();
	if (cl == NULL)
		goto oom;
	cJSON_AddItemToObject(cs, "Labels", cl);
	if (rs_labels(cl, stack->name, s->name, rev, deploy) != 0 ||
	    rs_copy(cs, "Command", c, "Entrypoint") != 0 || rs_copy(cs, "Args", c, "Cmd") != 0 ||
	    rs_copy(cs, "Hostname", c, "Hostname") != 0 || rs_copy(cs, "Env", c, "Env") != 0 ||
	    rs_copy(cs, "Dir", c, "WorkingDir") != 0 || rs_copy(cs, "User", c, "User") != 0)
		goto oom;
	mounts = cJSON_CreateArray();
	if (mounts == NULL)
		goto oom;
	cJSON_AddItemToObject(cs, "Mounts", mounts);
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(hc, "Binds")) {
		if (!cJSON_IsString(item) || rs_bind(stack, item->valuestring, mounts, inner,
		    sizeof(inner)) != 0) {
			snprintf(err, errlen, "service %s: %s", s->name, cJSON_IsString(item) ? inner :
			    "a bind that is not a string");
			goto fail;
		}
	}
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(c, "Volumes")) {
		/* An anonymous volume: a volume mount without a source. */
		if ((x = cJSON_CreateObject()) == NULL)
			goto oom;
		cJSON_AddItemToArray(mounts, x);
		if (cJSON_AddStringToObject(x, "Type", "volume") == NULL ||
		    cJSON_AddStringToObject(x, "Target", item->string) == NULL)
			goto oom;
	}
	if (cJSON_GetArraySize(mounts) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(cs, "Mounts");
	if (rs_copy(cs, "StopSignal", c, "StopSignal") != 0 ||
	    rs_copy(cs, "Healthcheck", c, "Healthcheck") != 0)
		goto oom;
	v = cJSON_GetObjectItemCaseSensitive(c, "StopTimeout");
	if (cJSON_IsNumber(v) && cJSON_AddNumberToObject(cs, "StopGracePeriod",
	    v->valuedouble * RS_NS) == NULL)
		goto oom;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(hc, "ReadonlyRootfs")) &&
	    cJSON_AddBoolToObject(cs, "ReadOnly", 1) == NULL)
		goto oom;
	if (rs_copy(cs, "CapabilityAdd", hc, "CapAdd") != 0 ||
	    rs_copy(cs, "CapabilityDrop", hc, "CapDrop") != 0)
		goto oom;

	/* Resources and restarts belong to the task. */
	if ((res = cJSON_AddObjectToObject(tt, "Resources")) == NULL ||
	    (lim = cJSON_AddObjectToObject(res, "Limits")) == NULL ||
	    (rsv = cJSON_AddObjectToObject(res, "Reservations")) == NULL ||
	    rs_copy(lim, "MemoryBytes", hc, "Memory") != 0 ||
	    rs_copy(lim, "NanoCPUs", hc, "NanoCpus") != 0 ||
	    rs_copy(rsv, "MemoryBytes", hc, "MemoryReservation") != 0)
		goto oom;
	v = cJSON_GetObjectItemCaseSensitive(hc, "RestartPolicy");
	if (v != NULL) {
		if (rs_restart(v, &x, inner, sizeof(inner)) != 0) {
			snprintf(err, errlen, "service %s: %s", s->name, inner);
			goto fail;
		}
		cJSON_AddItemToObject(tt, "RestartPolicy", x);
	}
	snprintf(constraint, sizeof(constraint), "node.labels." RO_LABEL_PLACEMENT "%s==true",
	    stack->name);
	if ((pl = cJSON_AddObjectToObject(tt, "Placement")) == NULL ||
	    (cons = cJSON_AddArrayToObject(pl, "Constraints")) == NULL ||
	    (x = cJSON_CreateString(constraint)) == NULL)
		goto oom;
	cJSON_AddItemToArray(cons, x);
	if (s->mode == COMPOSE_MODE_REPLICATED &&
	    cJSON_AddNumberToObject(pl, "MaxReplicas", 1) == NULL)
		goto oom;
	/* The stack's networks (rollout-swarm-net.c). */
	if (ro_swarm_net_attach(stack, s, tt, err, errlen) != 0)
		goto fail;

	if ((mode = cJSON_AddObjectToObject(spec, "Mode")) == NULL)
		goto oom;
	if (s->mode == COMPOSE_MODE_REPLICATED) {
		if ((x = cJSON_AddObjectToObject(mode, "Replicated")) == NULL ||
		    cJSON_AddNumberToObject(x, "Replicas", s->replicas) == NULL)
			goto oom;
	} else if (cJSON_AddObjectToObject(mode, "Global") == NULL)
		goto oom;
	if ((x = rs_update_config(&stack->policy, 0)) == NULL)
		goto oom;
	cJSON_AddItemToObject(spec, "UpdateConfig", x);
	if ((x = rs_update_config(&stack->policy, 1)) == NULL)
		goto oom;
	cJSON_AddItemToObject(spec, "RollbackConfig", x);
	v = cJSON_GetObjectItemCaseSensitive(hc, "PortBindings");
	if (cJSON_GetArraySize(v) > 0 || s->dnsrr) {
		/* deploy.endpoint_mode: dnsrr needs no IPVS; ports stay host-mode. */
		if ((ep = cJSON_AddObjectToObject(spec, "EndpointSpec")) == NULL ||
		    cJSON_AddStringToObject(ep, "Mode", s->dnsrr ? "dnsrr" : "vip") == NULL ||
		    (ports = cJSON_AddArrayToObject(ep, "Ports")) == NULL)
			goto oom;
		if (rs_ports(v, ports, inner, sizeof(inner)) != 0) {
			snprintf(err, errlen, "service %s: %s", s->name, inner);
			goto fail;
		}
	}
	return spec;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	cJSON_Delete(spec);
	return NULL;
}

/* ---------------------------------------------------------------- the swarm */

/* One call to the swarm through RO's managers, with one more request
 * header HEADER (NULL: none): 0 with the body of a 2xx reply in *JSON (if
 * JSON is not NULL), or -1 with ERR; *STATUS (if not NULL) gets the HTTP
 * status, 0 when no manager answered. */
static int
rs_call_hdr(struct rollouts *ro, const char *method, const char *path, const char *body,
    const char *header, cJSON **json, long *status, char *err, size_t errlen)
{
	struct engine_reply rep;
	int rc;

	if (json != NULL)
		*json = NULL;
	if (status != NULL)
		*status = 0;
	if (ro->sw == NULL) {
		snprintf(err, errlen, "swarm: %s %s: no swarm to ask", method, path);
		return -1;
	}
	rc = swarm_call_hdr(ro->sw, method, path, body, header, RS_CALL_MS, &rep, NULL, 0);
	if (status != NULL)
		*status = rep.status;
	if (rc != 0) {
		snprintf(err, errlen, "%s", rep.error);
	} else if (json != NULL && rep.body.data != NULL && rep.body.len > 0) {
		*json = cJSON_Parse(rep.body.data);
		if (*json == NULL) {
			snprintf(err, errlen, "swarm: %s %s: the reply is not JSON", method, path);
			rc = -1;
		}
	}
	engine_reply_free(&rep);
	return rc;
}

/* rs_call_hdr without a header. */
static int
rs_call(struct rollouts *ro, const char *method, const char *path, const char *body,
    cJSON **json, long *status, char *err, size_t errlen)
{
	return rs_call_hdr(ro, method, path, body, NULL, json, status, err, errlen);
}

/* Whether a failed changing call may have landed or lost a race: Swarm's
 * 409 (a name taken) and "update out of sequence" (an old version). */
static int
rs_look_again(long status, const char *err)
{
	return status == 409 || strstr(err, "out of sequence") != NULL;
}

/* A string member of O along PATH ("Spec", "Labels", KEY...), or "". */
static const char *
rs_str(const cJSON *o, int depth, ...)
{
	va_list ap;
	const cJSON *v = o;

	va_start(ap, depth);
	for (int i = 0; i < depth && v != NULL; i++)
		v = cJSON_GetObjectItemCaseSensitive(v, va_arg(ap, const char *));
	va_end(ap);
	return cJSON_IsString(v) && v->valuestring != NULL ? v->valuestring : "";
}

/* Copy an object id S into OUT; "" when S is not a plain id. */
static void
rs_id(char *out, size_t len, const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");

	out[0] = '\0';
	if (n > 0 && s[n] == '\0' && n < len)
		snprintf(out, len, "%s", s);
}

/* The placement label of STACK into OUT. */
static void
rs_label_key(const char *stack, char *out, size_t len)
{
	snprintf(out, len, RO_LABEL_PLACEMENT "%s", stack);
}

/* A swarm node as the deploy needs it. */
struct rs_snode {
	char id[PD_SWARM_ID_LEN];
	char hostname[PD_NAME_LEN];
	char availability[PD_STATE_LEN];  /* active, pause, drain */
	char state[PD_STATE_LEN];         /* ready, down... */
	int labelled;                     /* carries the stack's placement label */
};

/* The swarm's nodes (GET /nodes), with whether each carries STACK's label. */
static int
rs_nodes(struct rollouts *ro, const char *stack, struct rs_snode **out, size_t *n, char *err,
    size_t errlen)
{
	char key[PD_NAME_LEN + 32];
	cJSON *arr;
	const cJSON *it;
	struct rs_snode *v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (rs_call(ro, "GET", "/nodes", NULL, &arr, NULL, err, errlen) != 0)
		return -1;
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(arr);
		snprintf(err, errlen, "swarm: GET /nodes: not a list");
		return -1;
	}
	v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v));
	if (v == NULL) {
		cJSON_Delete(arr);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rs_label_key(stack, key, sizeof(key));
	cJSON_ArrayForEach(it, arr) {
		struct rs_snode *x = &v[k];

		rs_id(x->id, sizeof(x->id), rs_str(it, 1, "ID"));
		if (x->id[0] == '\0')
			continue;
		snprintf(x->hostname, sizeof(x->hostname), "%s", rs_str(it, 2, "Description",
		    "Hostname"));
		snprintf(x->availability, sizeof(x->availability), "%s", rs_str(it, 2, "Spec",
		    "Availability"));
		snprintf(x->state, sizeof(x->state), "%s", rs_str(it, 2, "Status", "State"));
		x->labelled = strcmp(rs_str(it, 3, "Spec", "Labels", key), "true") == 0;
		k++;
	}
	cJSON_Delete(arr);
	*out = v;
	*n = k;
	return 0;
}

/* The swarm node of id ID in V, or NULL. */
static struct rs_snode *
rs_snode_find(struct rs_snode *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			return &v[i];
	return NULL;
}

/* ---------------------------------------------------------------- nodes' /info */

/* What one inventory node's GET /info says of its swarm membership. */
struct rs_probe {
	const struct inv_node *inv;
	struct swarm_info info;
	char err[PD_ERROR_LEN];
	int ok;                      /* it answered */
};

struct rs_pool {
	struct rs_probe *v;
	size_t n, next;
	pthread_mutex_t lock;
};

/* Ask one node. */
static void
rs_probe_one(struct rs_probe *p)
{
	struct engine *e = engine_new(p->inv);
	struct engine_reply rep;

	if (e == NULL) {
		snprintf(p->err, sizeof(p->err), "out of memory");
		return;
	}
	e->read_only = 1;
	e->timeout_ms = RS_INFO_MS;
	if (engine_negotiate(e, &rep) != 0) {
		snprintf(p->err, sizeof(p->err), "%s", rep.error);
	} else {
		engine_reply_free(&rep);
		if (engine_call(e, "GET", "/info", NULL, &rep) != 0)
			snprintf(p->err, sizeof(p->err), "%s", rep.error);
		else if (swarm_parse_info(rep.body.data, rep.body.len, &p->info) != 0)
			snprintf(p->err, sizeof(p->err), "%s: GET /info: not JSON", p->inv->name);
		else
			p->ok = 1;
	}
	engine_reply_free(&rep);
	engine_free(e);
}

/* A probe thread: asks the pool's nodes until none is left. */
static void *
rs_probe_worker(void *arg)
{
	struct rs_pool *pool = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&pool->lock);
		i = pool->next++;
		pthread_mutex_unlock(&pool->lock);
		if (i >= pool->n)
			return NULL;
		rs_probe_one(&pool->v[i]);
	}
}

/* Ask the N nodes of V at once (a few threads); the managers among them
 * become candidates of RO's swarm. */
static void
rs_probe(struct rollouts *ro, struct rs_probe *v, size_t n)
{
	struct rs_pool pool = { .v = v, .n = n };
	pthread_t th[RS_PROBE_THREADS];
	size_t nth = n < RS_PROBE_THREADS ? n : RS_PROBE_THREADS, started = 0;

	pthread_mutex_init(&pool.lock, NULL);
	for (; started < nth; started++)
		if (pd_thread_start(&th[started], rs_probe_worker, &pool) != 0)
			break;
	rs_probe_worker(&pool);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&pool.lock);
	for (size_t i = 0; ro->sw != NULL && i < n; i++)
		if (v[i].ok && v[i].info.manager)
			swarm_set_detected(ro->sw, (size_t)(v[i].inv - ro->inv->nodes), 1);
}

/* Probes of plan nodes NODES (N of them, inventory nodes) in a new array;
 * NULL with ERR. */
static struct rs_probe *
rs_probe_plan(struct rollouts *ro, const struct pd_plan_node *nodes, size_t n, char *err,
    size_t errlen)
{
	struct rs_probe *v = calloc(n ? n : 1, sizeof(*v));

	if (v == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		v[i].inv = ro_inv_node(ro, nodes[i].node);
		if (v[i].inv == NULL) {
			snprintf(err, errlen, "node %s is not in the inventory", nodes[i].node);
			free(v);
			return NULL;
		}
	}
	rs_probe(ro, v, n);
	return v;
}

/* Check that every probe of V is a node of the swarm in NODES; 0, or -1
 * with ERR naming those that are not. */
static int
rs_members(const struct rs_probe *v, size_t n, struct rs_snode *nodes, size_t nnodes,
    const char *what, char *err, size_t errlen)
{
	char list[PD_ERROR_LEN] = "";
	size_t bad = 0, at = 0;

	for (size_t i = 0; i < n; i++) {
		char why[PD_ERROR_LEN];

		if (!v[i].ok)
			snprintf(why, sizeof(why), "does not answer: %s", v[i].err);
		else if (v[i].info.node_id[0] == '\0' || strcmp(v[i].info.state, "active") != 0)
			snprintf(why, sizeof(why), "is in no swarm (Swarm.LocalNodeState %s)",
			    v[i].info.state[0] ? v[i].info.state : "unknown");
		else if (nodes != NULL && rs_snode_find(nodes, nnodes, v[i].info.node_id) == NULL)
			snprintf(why, sizeof(why), "is in another swarm (node %s)", v[i].info.node_id);
		else
			continue;
		if (bad++ < 3 && at < sizeof(list))
			at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s %s",
			    at > 0 ? "; " : "", v[i].inv->name, why);
	}
	if (bad == 0)
		return 0;
	snprintf(err, errlen, "%s: %zu of %zu targets %s not swarm nodes of the managers' "
	    "swarm: %s%s", what, bad, n, bad == 1 ? "is" : "are", list, bad > 3 ? "; ..." : "");
	return -1;
}

/* ---------------------------------------------------------------- plans */

/* "2s", "1.5s", "2m". */
static void
rs_secs(char *out, size_t len, double s)
{
	if (s >= 120 && (long)s % 60 == 0)
		snprintf(out, len, "%ldm", (long)s / 60);
	else
		snprintf(out, len, "%gs", s);
}

/* Add warning TEXT to plan P. */
static void
rs_plan_warn(struct pd_plan *p, const char *text)
{
	char **nw = realloc(p->warnings, (p->nwarnings + 1) * sizeof(*nw));
	char *copy = strdup(text);

	if (nw == NULL || copy == NULL) {
		free(copy);
		if (nw != NULL)
			p->warnings = nw;
		return;
	}
	p->warnings = nw;
	p->warnings[p->nwarnings++] = copy;
}

int
ro_swarm_plan(struct rollouts *ro, struct pd_plan *p, const struct compose_stack *stack,
    char *err, size_t errlen)
{
	const struct compose_policy *pol = &stack->policy;
	struct rs_probe *probes;
	struct rs_snode *nodes = NULL;
	size_t nnodes = 0;
	char delay[16], mon[16], dl[16], upto[32], inner[PD_ERROR_LEN];
	int rc = -1;

	for (size_t i = 0; i < stack->nservices; i++) {
		cJSON *spec = rollout_swarm_spec(stack, i, NULL, p->revision, 0, inner,
		    sizeof(inner));

		if (spec == NULL) {
			snprintf(err, errlen, "%s: target swarm: %s", p->file, inner);
			return -1;
		}
		cJSON_Delete(spec);
		if (stack->services[i].mode == COMPOSE_MODE_REPLICATED &&
		    (size_t)stack->services[i].replicas > p->nnodes) {
			snprintf(err, errlen, "%s:%d:%d: service %s: %d replicas, at most one per node, "
			    "but only %zu target node%s", p->file, stack->services[i].line,
			    stack->services[i].column, stack->services[i].name,
			    stack->services[i].replicas, p->nnodes, p->nnodes == 1 ? "" : "s");
			return -1;
		}
	}
	if (ro->sw == NULL) {
		snprintf(err, errlen, "%s: target swarm, but this backend has no swarm", p->file);
		return -1;
	}
	probes = rs_probe_plan(ro, p->nodes, p->nnodes, err, errlen);
	if (probes == NULL)
		return -1;
	if (rs_members(probes, p->nnodes, NULL, 0, p->file, err, errlen) != 0)
		goto out;
	if (!swarm_has_managers(ro->sw)) {
		snprintf(err, errlen, "%s: target swarm: no Swarm manager among the inventory's "
		    "nodes (mark one 'swarm: manager', or include one in the inventory)", p->file);
		goto out;
	}
	if (ro_swarm_net_plan(ro, p, stack, err, errlen) != 0)
		goto out;
	if (rs_nodes(ro, stack->name, &nodes, &nnodes, inner, sizeof(inner)) != 0) {
		snprintf(err, errlen, "%s: target swarm: %s", p->file, inner);
		goto out;
	}
	if (rs_members(probes, p->nnodes, nodes, nnodes, p->file, err, errlen) != 0)
		goto out;
	for (size_t i = 0; i < p->nnodes; i++) {
		struct rs_snode *sn = rs_snode_find(nodes, nnodes, probes[i].info.node_id);
		char w[PD_ERROR_LEN];

		p->nodes[i].wave = 0;
		if (sn != NULL && (strcmp(sn->availability, "active") != 0 ||
		    strcmp(sn->state, "ready") != 0)) {
			snprintf(w, sizeof(w), "%s: its swarm node is %s and %s: Swarm will place no "
			    "task there, and the node will fail", p->nodes[i].node, sn->availability,
			    sn->state);
			rs_plan_warn(p, w);
		}
	}
	p->nwaves = 1;
	rs_secs(delay, sizeof(delay), pol->delay);
	rs_secs(mon, sizeof(mon), pol->monitor);
	rs_secs(dl, sizeof(dl), pol->progress_deadline);
	if (pol->parallelism > 0)
		snprintf(upto, sizeof(upto), "%d at a time", pol->parallelism);
	else
		snprintf(upto, sizeof(upto), "all at once");
	snprintf(p->policy, sizeof(p->policy), "Swarm rolling update: %s, delay %s, "
	    "monitor %s, max failure %g%% -> %s, %s; plantdeck: pre-pull first (pulls <= %d per "
	    "registry), deadline %s per node", upto, delay, mon, 100 * pol->max_failure_ratio,
	    compose_failure_action_name(pol->failure_action), compose_order_name(pol->order),
	    pol->max_pulls, dl);
	rc = 0;
out:
	free(probes);
	free(nodes);
	return rc;
}

int
ro_swarm_placed(struct rollouts *ro, const char *stack, struct pd_plan_node **out, size_t *n,
    char *err, size_t errlen)
{
	struct rs_snode *nodes = NULL;
	struct rs_probe *probes = NULL;
	struct pd_plan_node *v = NULL;
	size_t nnodes = 0, k = 0, ninv = ro->inv->nnodes;
	char key[PD_NAME_LEN + 32];
	int rc = -1;

	*out = NULL;
	*n = 0;
	rs_label_key(stack, key, sizeof(key));
	if (rs_nodes(ro, stack, &nodes, &nnodes, err, errlen) != 0)
		return -1;
	probes = calloc(ninv ? ninv : 1, sizeof(*probes));
	v = calloc(nnodes ? nnodes : 1, sizeof(*v));
	if (probes == NULL || v == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ninv; i++)
		probes[i].inv = &ro->inv->nodes[i];
	rs_probe(ro, probes, ninv);
	for (size_t i = 0; i < nnodes; i++) {
		size_t j;

		if (!nodes[i].labelled)
			continue;
		for (j = 0; j < ninv; j++)
			if (probes[j].ok && strcmp(probes[j].info.node_id, nodes[i].id) == 0)
				break;
		if (j == ninv) {
			snprintf(err, errlen, "stack %s: swarm node %s (%s) carries %s=true but is no "
			    "inventory node: its placement cannot be kept", stack, nodes[i].id,
			    nodes[i].hostname, key);
			goto out;
		}
		snprintf(v[k].node, sizeof(v[k].node), "%s", probes[j].inv->name);
		v[k++].wave = 0;
	}
	if (k == 0) {
		snprintf(err, errlen, "stack %s: no swarm node carries %s=true: no placement to keep",
		    stack, key);
		goto out;
	}
	*out = v;
	*n = k;
	v = NULL;
	rc = 0;
out:
	free(v);
	free(probes);
	free(nodes);
	return rc;
}

/* ---------------------------------------------------------------- the run */

/* One compose service of the deploy as a Swarm service. */
struct rs_svc {
	const struct compose_service *cs;
	char name[PD_NAME_LEN];          /* STACK_SERVICE */
	char id[PD_SWARM_ID_LEN];        /* once created or found */
	char image[PD_IMAGE_LEN + 80];   /* the task image: pinned to its digest */
	int global;
	int created;                     /* created by this deploy */
	int updated;                     /* updated by this deploy */
	char before[64];                 /* UpdateStatus.StartedAt before the update: a
	                                    status that still says it is not ours */
	char state[24];                  /* UpdateStatus.State of our update, "" none yet */
	char message[PD_ERROR_LEN];
	int rollback;                    /* plantdeck asked Swarm to roll it back */
	int removed;                     /* created here, removed again by a rollback */
};

/* The swarm side of target I of the deploy. */
struct rs_node {
	char id[PD_SWARM_ID_LEN];        /* its swarm node */
	char availability[PD_STATE_LEN];
	char state[PD_STATE_LEN];
	int level;                       /* 0 no new task, 1 switching, 2 health,
	                                    3 monitor; -1 failed */
	double t_new;                    /* when its first new task was seen; 0 none */
	double t_level;                  /* when it reached LEVEL */
	int final;                       /* done, or failed for good */
	char failed[PD_SWARM_ID_LEN];    /* its newest failed task that was recorded */
	int back;                        /* rolled back: its tasks of the previous spec run
	                                    and are healthy again */
	int labelled;                    /* it carried the placement label before */
	int added;                       /* this deploy labelled it */
};

/* A task, as the watch needs it. */
struct rs_task {
	char id[PD_SWARM_ID_LEN];
	char service[PD_SWARM_ID_LEN];
	char node[PD_SWARM_ID_LEN];
	char desired[PD_STATE_LEN];
	char state[PD_STATE_LEN];
	char err[PD_ERROR_LEN];
	char container[PD_ID_LEN];
	int64_t deploy;                  /* its io.plantdeck.deploy label; 0 none */
	double created;                  /* Meta.CreatedAt, s */
};

/* A service of the stack as the manager lists it. */
struct rs_seen {
	char id[PD_SWARM_ID_LEN];
	char name[PD_NAME_LEN];
	unsigned long long version;
	int global;
	int64_t deploy;                  /* its io.plantdeck.deploy label; 0 none */
	char state[24];                  /* UpdateStatus */
	char started[64];
	char message[PD_ERROR_LEN];
};

struct rs_run {
	struct rollout *r;
	struct rs_svc *svcs;
	size_t nsvcs;
	struct rs_node *nodes;           /* one per r->nodes */
	int rolling;                     /* the stack is being rolled back by Swarm */
	char why[PD_ERROR_LEN];          /* why: the deploy's final message */
	double rolling_until;            /* the rollback must be through by then */
	double settled;                  /* when every service's update was through */
	double answered;                 /* when a manager last answered */
	char last_err[PD_ERROR_LEN];     /* the last read failure journaled */
	cJSON *secret_ids;               /* the revision's secrets and configs in the
	                                    swarm (ro_swarm_secrets), or NULL */
};

/* Seconds since the epoch of an RFC 3339 time with its fraction. */
static double
rs_time(const char *s)
{
	const char *p = strchr(s, '.');
	double t = (double)fleet_parse_time(s), scale = 0.1;

	if (t <= 0 || p == NULL)
		return t;
	for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
		t += (*p - '0') * scale;
	return t;
}

/* The io.plantdeck.deploy label among LABELS, 0 without. */
static int64_t
rs_deploy_label(const cJSON *labels)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, RO_LABEL_DEPLOY);

	return cJSON_IsString(v) ? strtoll(v->valuestring, NULL, 10) : 0;
}

/* The Spec of a service object as text to POST back; NULL without one. */
static char *
rs_spec_text(const cJSON *service)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(service, "Spec");

	return cJSON_IsObject(spec) ? cJSON_PrintUnformatted(spec) : NULL;
}

/* The stack's services in the swarm (label com.docker.stack.namespace). */
static int
rs_services(struct rollout *r, struct rs_seen **out, size_t *n, char *err, size_t errlen)
{
	char filt[PD_NAME_LEN + 64], enc[3 * (PD_NAME_LEN + 64)], path[sizeof(enc) + 32];
	cJSON *arr;
	const cJSON *it;
	struct rs_seen *v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	snprintf(filt, sizeof(filt), "{\"label\":[\"" RO_LABEL_NAMESPACE "=%s\"]}", r->stack);
	ro_urlencode(filt, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/services?filters=%s", enc);
	if (rs_call(r->ro, "GET", path, NULL, &arr, NULL, err, errlen) != 0)
		return -1;
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(arr);
		snprintf(err, errlen, "swarm: GET /services: not a list");
		return -1;
	}
	v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v));
	if (v == NULL) {
		cJSON_Delete(arr);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(it, "Spec");
		const cJSON *ver = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(it, "Version"), "Index");
		struct rs_seen *x = &v[k];

		rs_id(x->id, sizeof(x->id), rs_str(it, 1, "ID"));
		if (x->id[0] == '\0' || !cJSON_IsNumber(ver))
			continue;
		x->version = (unsigned long long)pd_json_int(ver, 0, LLONG_MAX, 0);
		snprintf(x->name, sizeof(x->name), "%s", rs_str(spec, 1, "Name"));
		x->global = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(spec, "Mode"), "Global") != NULL;
		x->deploy = rs_deploy_label(cJSON_GetObjectItemCaseSensitive(spec, "Labels"));
		snprintf(x->state, sizeof(x->state), "%s", rs_str(it, 2, "UpdateStatus", "State"));
		snprintf(x->started, sizeof(x->started), "%s", rs_str(it, 2, "UpdateStatus",
		    "StartedAt"));
		snprintf(x->message, sizeof(x->message), "%s", rs_str(it, 2, "UpdateStatus",
		    "Message"));
		k++;
	}
	cJSON_Delete(arr);
	*out = v;
	*n = k;
	return 0;
}

/* The one of V called NAME (or, NAME NULL, with id ID), or NULL. */
static struct rs_seen *
rs_seen_find(struct rs_seen *v, size_t n, const char *name, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (name != NULL ? strcmp(v[i].name, name) == 0 : strcmp(v[i].id, id) == 0)
			return &v[i];
	return NULL;
}

/* The tasks of the deploy's services. */
static int
rs_tasks(struct rs_run *x, struct rs_task **out, size_t *n, char *err, size_t errlen)
{
	cJSON *filt = cJSON_CreateObject(), *ids, *arr = NULL;
	const cJSON *it;
	char *text = NULL, *enc = NULL, *path = NULL;
	struct rs_task *v = NULL;
	size_t k = 0, len;
	int rc = -1;

	*out = NULL;
	*n = 0;
	if (filt == NULL || (ids = cJSON_AddArrayToObject(filt, "service")) == NULL)
		goto oom;
	for (size_t i = 0; i < x->nsvcs; i++)
		if (x->svcs[i].id[0] != '\0' && !x->svcs[i].removed)
			cJSON_AddItemToArray(ids, cJSON_CreateString(x->svcs[i].id));
	if (cJSON_GetArraySize(ids) == 0) {
		cJSON_Delete(filt);
		return 0;
	}
	if ((text = cJSON_PrintUnformatted(filt)) == NULL)
		goto oom;
	len = 3 * strlen(text) + 1;
	enc = malloc(len);
	path = malloc(len + 32);
	if (enc == NULL || path == NULL)
		goto oom;
	ro_urlencode(text, enc, len);
	snprintf(path, len + 32, "/tasks?filters=%s", enc);
	if (rs_call(x->r->ro, "GET", path, NULL, &arr, NULL, err, errlen) != 0)
		goto out;
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "swarm: GET /tasks: not a list");
		goto out;
	}
	v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v));
	if (v == NULL)
		goto oom;
	cJSON_ArrayForEach(it, arr) {
		struct rs_task *t = &v[k];
		const cJSON *status = cJSON_GetObjectItemCaseSensitive(it, "Status");

		rs_id(t->id, sizeof(t->id), rs_str(it, 1, "ID"));
		rs_id(t->service, sizeof(t->service), rs_str(it, 1, "ServiceID"));
		if (t->id[0] == '\0' || t->service[0] == '\0')
			continue;
		rs_id(t->node, sizeof(t->node), rs_str(it, 1, "NodeID"));
		snprintf(t->desired, sizeof(t->desired), "%s", rs_str(it, 1, "DesiredState"));
		snprintf(t->state, sizeof(t->state), "%s", rs_str(status, 1, "State"));
		snprintf(t->err, sizeof(t->err), "%s", rs_str(status, 1, "Err"));
		rs_id(t->container, sizeof(t->container), rs_str(status, 2, "ContainerStatus",
		    "ContainerID"));
		t->deploy = rs_deploy_label(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "Spec"),
		    "ContainerSpec"), "Labels"));
		t->created = rs_time(rs_str(it, 1, "CreatedAt"));
		k++;
	}
	*out = v;
	*n = k;
	v = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(v);
	cJSON_Delete(arr);
	cJSON_Delete(filt);
	free(text);
	free(enc);
	free(path);
	return rc;
}

/* ---- changes, each journaled before and after, and audited */

/* Set (SET) or remove the stack's placement label on swarm node ID, which
 * is target N (or NULL: WHO names it). */
static int
rs_label(struct rollout *r, struct ro_node *n, const char *id, const char *who, int set,
    char *err, size_t errlen)
{
	char key[PD_NAME_LEN + 32], path[PD_SWARM_ID_LEN + 64], step[64], detail[PD_ERROR_LEN];
	const char *name = n != NULL ? n->inv->name : who;
	int rc = -1;

	rs_label_key(r->stack, key, sizeof(key));
	snprintf(step, sizeof(step), set ? "label" : "unlabel %.48s", name);
	snprintf(detail, sizeof(detail), "swarm node %s: %s %s%s", id, set ? "set" : "remove",
	    key, set ? "=true" : "");
	ro_begin(r, n, step, detail);
	for (int attempt = 0; attempt < RS_RETRIES && rc != 0; attempt++) {
		cJSON *node, *spec, *labels;
		const cJSON *ver;
		char *body;
		long status;
		int has;

		snprintf(path, sizeof(path), "/nodes/%s", id);
		if (rs_call(r->ro, "GET", path, NULL, &node, NULL, err, errlen) != 0)
			break;
		spec = cJSON_GetObjectItemCaseSensitive(node, "Spec");
		ver = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(node,
		    "Version"), "Index");
		if (!cJSON_IsObject(spec) || !cJSON_IsNumber(ver)) {
			snprintf(err, errlen, "swarm: GET %s: no Spec or Version", path);
			cJSON_Delete(node);
			break;
		}
		labels = cJSON_GetObjectItemCaseSensitive(spec, "Labels");
		if (!cJSON_IsObject(labels)) {
			cJSON_DeleteItemFromObjectCaseSensitive(spec, "Labels");
			labels = cJSON_AddObjectToObject(spec, "Labels");
		}
		has = strcmp(rs_str(labels, 1, key), "true") == 0;
		if (has == set) {
			cJSON_Delete(node);
			rc = 0;                  /* already so (a call that landed) */
			break;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(labels, key);
		if (set)
			cJSON_AddStringToObject(labels, key, "true");
		body = cJSON_PrintUnformatted(spec);
		snprintf(path, sizeof(path), "/nodes/%s/update?version=%llu", id,
		    (unsigned long long)pd_json_int(ver, 0, LLONG_MAX, 0));
		cJSON_Delete(node);
		if (body == NULL) {
			snprintf(err, errlen, "out of memory");
			break;
		}
		rc = rs_call(r->ro, "POST", path, body, NULL, &status, err, errlen);
		free(body);
		if (rc != 0 && !rs_look_again(status, err))
			break;
	}
	ro_end(r, n, step, rc == 0, rc == 0 ? detail : err);
	if (rc == 0) {
		char what[PD_ERROR_LEN + 64];

		snprintf(what, sizeof(what), "deploy #%lld: node %s, %s", (long long)r->id, name,
		    detail);
		ro_audit(r->ro, "swarm-label", r->stack, r->revision, what);
	}
	return rc;
}

/* Remove service S (id ID, name NAME) of the stack from the swarm. */
static int
rs_remove(struct rollout *r, const char *id, const char *name, char *err, size_t errlen)
{
	char path[PD_SWARM_ID_LEN + 16], step[64], what[PD_ERROR_LEN];
	long status;
	int rc;

	snprintf(step, sizeof(step), "remove %.56s", name);
	snprintf(path, sizeof(path), "/services/%s", id);
	ro_begin(r, NULL, step, id);
	rc = rs_call(r->ro, "DELETE", path, NULL, NULL, &status, err, errlen);
	if (rc != 0 && status == 404)
		rc = 0;                          /* gone already (a call that landed) */
	ro_end(r, NULL, step, rc == 0, rc == 0 ? NULL : err);
	if (rc == 0) {
		snprintf(what, sizeof(what), "deploy #%lld: removed service %s (%s)",
		    (long long)r->id, name, id);
		ro_audit(r->ro, "swarm-service", r->stack, r->revision, what);
	}
	return rc;
}

/* Ask Swarm to roll service S back to its previous spec. */
static int
rs_rollback_svc(struct rs_run *x, struct rs_svc *s, char *err, size_t errlen)
{
	struct rollout *r = x->r;
	char path[PD_SWARM_ID_LEN + 80], step[64], what[PD_ERROR_LEN];
	int rc = -1;

	snprintf(step, sizeof(step), "rollback %.54s", s->name);
	ro_begin(r, NULL, step, "rollback=previous");
	for (int attempt = 0; attempt < RS_RETRIES && rc != 0; attempt++) {
		cJSON *svc;
		const cJSON *ver;
		char *body;
		long status;

		snprintf(path, sizeof(path), "/services/%s", s->id);
		if (rs_call(r->ro, "GET", path, NULL, &svc, NULL, err, errlen) != 0)
			break;
		ver = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(svc,
		    "Version"), "Index");
		body = rs_spec_text(svc);
		if (!cJSON_IsNumber(ver) || body == NULL) {
			snprintf(err, errlen, "swarm: GET %s: no Spec or Version", path);
			cJSON_Delete(svc);
			free(body);
			break;
		}
		snprintf(path, sizeof(path), "/services/%s/update?version=%llu&rollback=previous",
		    s->id, (unsigned long long)pd_json_int(ver, 0, LLONG_MAX, 0));
		cJSON_Delete(svc);
		rc = rs_call(r->ro, "POST", path, body, NULL, &status, err, errlen);
		free(body);
		if (rc != 0 && !rs_look_again(status, err))
			break;
	}
	ro_end(r, NULL, step, rc == 0, rc == 0 ? NULL : err);
	if (rc == 0) {
		s->rollback = 1;
		snprintf(what, sizeof(what), "deploy #%lld: service %s rolled back to its previous "
		    "spec (%s)", (long long)r->id, s->name, x->why);
		ro_audit(r->ro, "swarm-rollback", r->stack, r->revision, what);
	}
	return rc;
}

/* Make the swarm roll the whole stack back: the updated services to their
 * previous spec, the created ones removed.  Nodes that were touched go to
 * rolling_back. */
static void
rs_rollback_all(struct rs_run *x)
{
	struct rollout *r = x->r;
	char err[PD_ERROR_LEN];

	if (!x->rolling) {
		x->rolling = 1;
		x->rolling_until = ro_now() + 2 * (r->pol.progress_deadline + r->pol.monitor) + 60;
		for (size_t i = 0; i < r->nnodes; i++) {
			struct rs_node *sn = &x->nodes[i];

			if (!r->nodes[i].touched)
				continue;
			if (sn->level > 0 && !sn->final)
				ro_end(r, &r->nodes[i], sn->level == 1 ? "switch" : sn->level == 2 ?
				    "health wait" : "monitor", 0, "cut short: the stack is being rolled "
				    "back");
			ro_phase(&r->nodes[i], PD_PHASE_ROLLING_BACK, "rollback", NULL);
		}
		store_deploy_set_state(r->ro->st, r->id, PD_DEPLOY_ROLLING_BACK, x->why, NULL, 0);
		ro_notify(r);
	}
	for (size_t i = 0; i < x->nsvcs; i++) {
		struct rs_svc *s = &x->svcs[i];

		if (s->created && !s->removed) {
			if (rs_remove(r, s->id, s->name, err, sizeof(err)) == 0)
				s->removed = 1;
		} else if (s->updated && !s->rollback && strncmp(s->state, "rollback_", 9) != 0) {
			rs_rollback_svc(x, s, err, sizeof(err));
		}
	}
}

/* ---- the steps of a run */

/* Resolve every target's swarm node (through its own engine's /info) and
 * read the swarm's node list; 0, or -1 with MSG. */
static int
rs_init(struct rs_run *x, char *msg, size_t msglen)
{
	struct rollout *r = x->r;
	struct rs_probe *probes;
	struct rs_snode *nodes = NULL;
	size_t nnodes = 0;
	char detail[PD_ERROR_LEN];
	int rc = -1;

	x->nodes = calloc(r->nnodes ? r->nnodes : 1, sizeof(*x->nodes));
	probes = calloc(r->nnodes ? r->nnodes : 1, sizeof(*probes));
	if (r->spec != NULL) {
		x->nsvcs = r->spec->nservices;
		x->svcs = calloc(x->nsvcs ? x->nsvcs : 1, sizeof(*x->svcs));
	}
	if (x->nodes == NULL || probes == NULL || (r->spec != NULL && x->svcs == NULL)) {
		snprintf(msg, msglen, "out of memory");
		free(probes);
		return -1;
	}
	for (size_t i = 0; i < x->nsvcs; i++) {
		struct rs_svc *s = &x->svcs[i];

		s->cs = &r->spec->services[i];
		s->global = s->cs->mode != COMPOSE_MODE_REPLICATED;
		snprintf(s->image, sizeof(s->image), "%s", s->cs->image);
		if (rollout_swarm_name(r->stack, s->cs->name, s->name, sizeof(s->name)) != 0) {
			snprintf(msg, msglen, "service %s: the Swarm service name is longer than %d "
			    "characters", s->cs->name, RS_MAX_NAME);
			free(probes);
			return -1;
		}
	}
	ro_begin(r, NULL, "swarm nodes", NULL);
	for (size_t i = 0; i < r->nnodes; i++)
		probes[i].inv = r->nodes[i].inv;
	rs_probe(r->ro, probes, r->nnodes);
	if (rs_members(probes, r->nnodes, NULL, 0, "target swarm", msg, msglen) != 0 ||
	    rs_nodes(r->ro, r->stack, &nodes, &nnodes, msg, msglen) != 0 ||
	    rs_members(probes, r->nnodes, nodes, nnodes, "target swarm", msg, msglen) != 0) {
		ro_end(r, NULL, "swarm nodes", 0, msg);
		goto out;
	}
	for (size_t i = 0; i < r->nnodes; i++) {
		struct rs_node *sn = &x->nodes[i];
		struct rs_snode *w = rs_snode_find(nodes, nnodes, probes[i].info.node_id);

		snprintf(sn->id, sizeof(sn->id), "%s", probes[i].info.node_id);
		snprintf(sn->availability, sizeof(sn->availability), "%s", w->availability);
		snprintf(sn->state, sizeof(sn->state), "%s", w->state);
		sn->labelled = w->labelled;
		/* A resumed deploy: what is through stays through. */
		if (r->nodes[i].phase == PD_PHASE_DONE) {
			sn->level = 3;
			sn->final = 1;
		} else if (r->nodes[i].phase == PD_PHASE_FAILED) {
			sn->level = -1;
		}
	}
	snprintf(detail, sizeof(detail), "%zu target%s, each a node of the swarm of %zu",
	    r->nnodes, r->nnodes == 1 ? "" : "s", nnodes);
	ro_end(r, NULL, "swarm nodes", 1, detail);
	rc = 0;
out:
	free(probes);
	free(nodes);
	return rc;
}

/* Pin each service's image to the digest the pre-pull brought ("repo:tag@
 * sha256:..."): Swarm's tasks then use the image every node has, and skip
 * their own pull. */
static void
rs_pin(struct rs_run *x)
{
	struct rollout *r = x->r;

	for (size_t i = 0; i < x->nsvcs; i++) {
		struct rs_svc *s = &x->svcs[i];
		const char *image = s->cs->image, *slash = strrchr(image, '/'), *colon;
		char path[PD_IMAGE_LEN * 3 + 32], enc[PD_IMAGE_LEN * 3], err[PD_ERROR_LEN], step[64];
		size_t repolen;
		struct ro_node *n = NULL;
		cJSON *j = NULL;
		const cJSON *d;
		int pinned = 0;

		if (strchr(image, '@') != NULL)
			continue;                        /* pinned by the file */
		colon = strrchr(image, ':');
		repolen = colon != NULL && (slash == NULL || colon > slash) ?
		    (size_t)(colon - image) : strlen(image);
		for (size_t k = 0; k < r->nnodes && n == NULL; k++)
			if (r->nodes[k].phase != PD_PHASE_FAILED)
				n = &r->nodes[k];
		if (n == NULL)
			continue;
		snprintf(step, sizeof(step), "pin %.56s", s->cs->name);
		ro_begin(r, NULL, step, image);
		ro_urlencode(image, enc, sizeof(enc));
		snprintf(path, sizeof(path), "/images/%s/json", enc);
		if (ro_call(n, "GET", path, NULL, RS_INFO_MS, &j, err, sizeof(err)) == 0) {
			cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(j, "RepoDigests")) {
				if (!pinned && cJSON_IsString(d) &&
				    strncmp(d->valuestring, image, repolen) == 0 &&
				    d->valuestring[repolen] == '@') {
					snprintf(s->image, sizeof(s->image), "%s%s", image,
					    d->valuestring + repolen);
					pinned = 1;
				}
			}
			if (!pinned)
				snprintf(err, sizeof(err), "%s has no repository digest on %s: not "
				    "pinned", image, n->inv->name);
		}
		cJSON_Delete(j);
		ro_end(r, NULL, step, pinned, pinned ? s->image : err);
	}
}

/* The registry credentials for IMAGE into A (A->header NULL: none, or they
 * could not be read; the pre-pull already said so). */
static void
rs_auth(struct rollout *r, const char *image, struct registry_auth *a)
{
	char repo[512], tag[256], host[256], err[PD_ERROR_LEN];

	memset(a, 0, sizeof(*a));
	if (rollout_image_split(image, repo, sizeof(repo), tag, sizeof(tag), host,
	    sizeof(host)) != 0)
		return;
	if (registry_auth_cached(r->auths, r->ro->inv, host, a, NULL, err, sizeof(err)) != 0)
		log_msg(LOG_WARN, "deploy #%lld: service of %s without registry credentials: %s",
		    (long long)r->id, image, err);
}

/* Create or update every service of the revision; 0, or -1 with MSG. */
static int
rs_apply(struct rs_run *x, char *msg, size_t msglen)
{
	struct rollout *r = x->r;
	struct rs_seen *seen = NULL;
	size_t nseen = 0;
	char err[PD_ERROR_LEN];

	ro_begin(r, NULL, "swarm services", NULL);
	if (ro_swarm_secrets(r, &x->secret_ids, msg, msglen) != 0 ||
	    rs_services(r, &seen, &nseen, msg, msglen) != 0) {
		ro_end(r, NULL, "swarm services", 0, msg);
		return -1;
	}
	for (size_t i = 0; i < x->nsvcs; i++) {
		struct rs_svc *s = &x->svcs[i];
		struct rs_seen *cur = rs_seen_find(seen, nseen, s->name, NULL);
		cJSON *spec = rollout_swarm_spec(r->spec, i, s->image, r->revision, r->id, err,
		    sizeof(err));
		char *body;

		if (spec != NULL && ro_swarm_secrets_attach(r->spec, i, x->secret_ids, spec, err,
		    sizeof(err)) != 0) {
			cJSON_Delete(spec);
			spec = NULL;
		}
		body = spec != NULL ? cJSON_PrintUnformatted(spec) : NULL;
		char step[64], path[PD_SWARM_ID_LEN + 64], what[PD_ERROR_LEN];
		struct registry_auth auth = { .found = 0 };
		int rc = -1;

		cJSON_Delete(spec);
		if (body == NULL) {
			snprintf(msg, msglen, "%s", spec == NULL ? err : "out of memory");
			goto fail;
		}
		/* As docker stack deploy --with-registry-auth: the manager keeps
		 * the credentials with the service, for the nodes' own pulls. */
		rs_auth(r, s->cs->image, &auth);
		for (int attempt = 0; attempt <= RS_RETRIES && rc != 0; attempt++) {
			long status;
			cJSON *reply = NULL;

			if (cur != NULL && cur->global != s->global) {
				snprintf(err, sizeof(err), "service %s is %s in the swarm and %s in "
				    "revision %d: Swarm cannot change a service's mode (remove it "
				    "first: docker service rm %s)", s->name, cur->global ? "global" :
				    "replicated", s->global ? "global" : "replicated", r->revision,
				    s->name);
				break;
			}
			snprintf(step, sizeof(step), "%s %.56s", cur != NULL ? "update" : "create",
			    s->name);
			if (cur != NULL) {
				/* A status of an update before ours is not ours; one of this
				 * deploy (resumed) is. */
				snprintf(s->before, sizeof(s->before), "%s", cur->deploy == r->id ? "" :
				    cur->started);
				snprintf(path, sizeof(path), "/services/%s/update?version=%llu", cur->id,
				    cur->version);
				snprintf(what, sizeof(what), "service %s version %llu", cur->id,
				    cur->version);
				ro_begin(r, NULL, step, what);
				rc = rs_call_hdr(r->ro, "POST", path, body, auth.header, NULL, &status,
				    err, sizeof(err));
				if (rc == 0) {
					snprintf(s->id, sizeof(s->id), "%s", cur->id);
					s->updated = 1;
				}
			} else {
				ro_begin(r, NULL, step, s->image);
				rc = rs_call_hdr(r->ro, "POST", "/services/create", body, auth.header,
				    &reply, &status, err, sizeof(err));
				if (rc == 0) {
					rs_id(s->id, sizeof(s->id), rs_str(reply, 1, "ID"));
					s->created = 1;
					if (s->id[0] == '\0') {
						snprintf(err, sizeof(err), "swarm: create %s: no ID in the reply",
						    s->name);
						rc = -1;
						status = 409;     /* look for it by name */
					}
				}
				cJSON_Delete(reply);
			}
			ro_end(r, NULL, step, rc == 0, rc == 0 ? s->id : err);
			if (rc == 0 || !rs_look_again(status, err))
				break;
			/* The call may have landed (a failover), or lost a race: look again. */
			free(seen);
			if (rs_services(r, &seen, &nseen, err, sizeof(err)) != 0)
				break;
			cur = rs_seen_find(seen, nseen, s->name, NULL);
			if (cur != NULL && cur->deploy == r->id) {
				snprintf(s->id, sizeof(s->id), "%s", cur->id);
				s->created = status == 409 && strncmp(step, "create", 6) == 0;
				s->updated = !s->created;
				rc = 0;
				store_journal(r->ro->st, r->id, NULL, step, "ok", "it had landed");
			}
		}
		free(body);
		registry_auth_clear(&auth);
		if (rc != 0) {
			snprintf(msg, msglen, "%s", err);
			goto fail;
		}
		snprintf(what, sizeof(what), "deploy #%lld: %s service %s (%s), image %s",
		    (long long)r->id, s->created ? "created" : "updated", s->name, s->id, s->image);
		ro_audit(r->ro, "swarm-service", r->stack, r->revision, what);
	}
	free(seen);
	ro_end(r, NULL, "swarm services", 1, NULL);
	return 0;
fail:
	free(seen);
	ro_end(r, NULL, "swarm services", 0, msg);
	return -1;
}

/* Whether a task in desired state D is meant to run. */
static int
rs_live(const char *d)
{
	return !(strcmp(d, "shutdown") == 0 || strcmp(d, "remove") == 0 ||
	    strcmp(d, "complete") == 0 || strcmp(d, "failed") == 0 ||
	    strcmp(d, "rejected") == 0 || strcmp(d, "orphaned") == 0);
}

/* Whether a task in state S failed (or will never run). */
static int
rs_failed(const char *s, const char *err)
{
	return strcmp(s, "failed") == 0 || strcmp(s, "rejected") == 0 ||
	    strcmp(s, "orphaned") == 0 || (strcmp(s, "shutdown") == 0 && err[0] != '\0');
}

/* How far container CID on target N is: 3 running and healthy (or without
 * a check), 2 not yet (DETAIL says how). */
static int
rs_container(struct ro_node *n, const char *cid, char *detail, size_t dlen)
{
	char path[PD_ID_LEN + 32], err[PD_ERROR_LEN];
	cJSON *j = NULL;
	const char *st, *hs;
	int level = 2;

	if (cid[0] == '\0') {
		snprintf(detail, dlen, "no container yet");
		return 2;
	}
	snprintf(path, sizeof(path), "/containers/%s/json", cid);
	if (ro_call(n, "GET", path, NULL, RS_INFO_MS, &j, err, sizeof(err)) != 0) {
		snprintf(detail, dlen, "%s", err);
		return 2;
	}
	st = rs_str(j, 2, "State", "Status");
	hs = rs_str(j, 3, "State", "Health", "Status");
	if (strcmp(st, "running") == 0 && (hs[0] == '\0' || strcmp(hs, "healthy") == 0))
		level = 3;
	else
		snprintf(detail, dlen, "container %.12s %s%s%s", cid, st, hs[0] ? ", " : "", hs);
	cJSON_Delete(j);
	return level;
}

/* Where target I stands, from the tasks T: its level (see rs_node) over
 * every service expected on it (global ones; replicated ones that have a
 * task there); *ANY says whether any is.  ERR gets why it failed, DETAIL
 * what it shows. */
static int
rs_eval(struct rs_run *x, size_t i, const struct rs_task *t, size_t nt, int *any, char *err,
    size_t errlen, char *detail, size_t dlen)
{
	struct rollout *r = x->r;
	struct rs_node *sn = &x->nodes[i];
	int level = 3;

	*any = 0;
	err[0] = detail[0] = '\0';
	for (size_t k = 0; k < x->nsvcs; k++) {
		const struct rs_svc *s = &x->svcs[k];
		const struct rs_task *cur = NULL, *ours = NULL;
		char d[PD_ERROR_LEN] = "";
		int l;

		if (s->id[0] == '\0' || s->removed)
			continue;
		for (size_t j = 0; j < nt; j++) {
			if (strcmp(t[j].service, s->id) != 0 || strcmp(t[j].node, sn->id) != 0)
				continue;
			if (rs_live(t[j].desired) && (cur == NULL || t[j].created > cur->created))
				cur = &t[j];
			if (t[j].deploy == r->id && (ours == NULL || t[j].created > ours->created))
				ours = &t[j];
		}
		if (!s->global && cur == NULL && ours == NULL)
			continue;
		*any = 1;
		if (cur != NULL && cur->deploy == r->id && !rs_failed(cur->state, cur->err)) {
			if (strcmp(cur->state, "running") == 0)
				l = rs_container(&r->nodes[i], cur->container, d, sizeof(d));
			else
				l = strcmp(cur->state, "starting") == 0 ? 2 : 1;
			snprintf(detail, dlen, "%s: task %.12s %s%s%.12s%s%s", s->cs->name, cur->id,
			    cur->state, cur->container[0] ? ", container " : "", cur->container,
			    d[0] || cur->err[0] ? ": " : "", d[0] ? d : cur->err);
		} else if (ours != NULL && rs_failed(ours->state, ours->err)) {
			l = -1;
			snprintf(err, errlen, "%s: task %.12s %s: %s", s->cs->name, ours->id,
			    ours->state, ours->err[0] ? ours->err : "(Swarm gives no error)");
		} else if (cur == NULL && ours == NULL && (strcmp(sn->availability, "active") != 0 ||
		    strcmp(sn->state, "ready") != 0)) {
			l = -1;
			snprintf(err, errlen, "%s: no task: the swarm node is %s and %s", s->cs->name,
			    sn->availability, sn->state);
		} else {
			l = 0;
		}
		if (l < level)
			level = l;
	}
	return level;
}

/* Move target I to LEVEL (see rs_node), journaling each step it passes
 * before and after; ERR says why it failed (LEVEL -1). */
static void
rs_step(struct rs_run *x, size_t i, int level, const char *detail, const char *err)
{
	static const char *const steps[] = { NULL, "switch", "health wait", "monitor" };
	static const enum pd_phase phases[] = {
		PD_PHASE_PULLED, PD_PHASE_SWITCHING, PD_PHASE_HEALTH, PD_PHASE_MONITOR,
	};
	struct rollout *r = x->r;
	struct ro_node *n = &r->nodes[i];
	struct rs_node *sn = &x->nodes[i];
	double now = ro_now();
	char d[PD_ERROR_LEN];

	if (level == sn->level)
		return;
	if (level > 0 && sn->t_new == 0)
		sn->t_new = now;
	if (level < 0) {
		if (sn->level > 0)
			ro_end(r, n, steps[sn->level], 0, err);
		else
			store_journal(r->ro->st, r->id, n->inv->name, "failed", "fail", err);
		/* Its step is no longer its pull's: a failed pull is another finding. */
		ro_phase(n, PD_PHASE_FAILED, sn->level > 0 ? NULL : "switch", err);
		sn->level = -1;
		sn->t_level = now;
		return;
	}
	if (level < sn->level) {
		/* Back: the new task went away (Swarm replaces a failed one). */
		ro_end(r, n, steps[sn->level], 0, detail[0] ? detail : "the task went back");
		sn->level = 0;
	}
	if (sn->level < 0)
		sn->level = 0;           /* a new task after a failed one */
	while (sn->level < level) {
		if (sn->level > 0) {
			if (sn->level == 2)
				snprintf(d, sizeof(d), "healthy after %.1fs", now - sn->t_new);
			else
				snprintf(d, sizeof(d), "%s", detail);
			ro_end(r, n, steps[sn->level], 1, d);
		}
		sn->level++;
		ro_phase(n, phases[sn->level], steps[sn->level], sn->level == 1 ? "" : NULL);
		ro_begin(r, n, steps[sn->level], detail);
	}
	if (level == 0)
		ro_phase(n, PD_PHASE_PULLED, "pulled", NULL);
	sn->t_level = now;
}

/* Journal what Swarm's UpdateStatus says of each service now (SEEN), when
 * it changed, and make it the deploy's message. */
static void
rs_statuses(struct rs_run *x, struct rs_seen *seen, size_t nseen)
{
	struct rollout *r = x->r;

	for (size_t i = 0; i < x->nsvcs; i++) {
		struct rs_svc *s = &x->svcs[i];
		struct rs_seen *w = s->id[0] ? rs_seen_find(seen, nseen, NULL, s->id) : NULL;
		char step[64], detail[PD_ERROR_LEN + 64], msg[PD_ERROR_LEN];
		int bad;

		if (w == NULL || w->state[0] == '\0' || !(s->updated || s->created) ||
		    (s->before[0] != '\0' && strcmp(w->started, s->before) == 0))
			continue;                /* no status, or not ours */
		if (strcmp(w->state, s->state) == 0 && strcmp(w->message, s->message) == 0)
			continue;
		snprintf(s->state, sizeof(s->state), "%s", w->state);
		snprintf(s->message, sizeof(s->message), "%s", w->message);
		bad = strcmp(s->state, "paused") == 0 || strncmp(s->state, "rollback", 8) == 0;
		snprintf(step, sizeof(step), "swarm %.56s", s->name);
		snprintf(detail, sizeof(detail), "UpdateStatus %s: %s", s->state, s->message);
		store_journal(r->ro->st, r->id, NULL, step, bad ? "fail" : "ok", detail);
		snprintf(msg, sizeof(msg), "Swarm: %s %s: %s", s->name, s->state, s->message);
		if (!x->rolling)
			store_deploy_set_state(r->ro->st, r->id, PD_DEPLOY_RUNNING, msg, NULL, 0);
		log_msg(LOG_INFO, "deploy #%lld: %s", (long long)r->id, msg);
		ro_notify(r);
	}
}

/* Record on each target the error of its newest task of this deploy that
 * failed (Swarm may replace it between two reads). */
static void
rs_report_failures(struct rs_run *x, const struct rs_task *t, size_t nt)
{
	struct rollout *r = x->r;

	for (size_t i = 0; i < r->nnodes; i++) {
		struct rs_node *sn = &x->nodes[i];
		const struct rs_task *newest = NULL;
		const struct rs_svc *s = NULL;
		char err[PD_ERROR_LEN];

		for (size_t j = 0; j < nt; j++)
			if (t[j].deploy == r->id && strcmp(t[j].node, sn->id) == 0 &&
			    rs_failed(t[j].state, t[j].err) &&
			    (newest == NULL || t[j].created > newest->created))
				newest = &t[j];
		if (newest == NULL || strcmp(newest->id, sn->failed) == 0)
			continue;
		snprintf(sn->failed, sizeof(sn->failed), "%s", newest->id);
		for (size_t k = 0; k < x->nsvcs; k++)
			if (strcmp(x->svcs[k].id, newest->service) == 0)
				s = &x->svcs[k];
		snprintf(err, sizeof(err), "%s: task %.12s %s: %s", s != NULL ? s->cs->name : "?",
		    newest->id, newest->state, newest->err[0] ? newest->err :
		    "(Swarm gives no error)");
		store_journal(r->ro->st, r->id, r->nodes[i].inv->name, "task", "fail", err);
		ro_phase(&r->nodes[i], r->nodes[i].phase, NULL, err);
	}
}

/* Swarm's messages name a task by its id ("update paused due to failure
 * ... of task ID"): append to TEXT which target it ran on and its error. */
static void
rs_blame(struct rs_run *x, const struct rs_task *t, size_t nt, char *text, size_t len)
{
	struct rollout *r = x->r;

	if (strstr(text, " (on ") != NULL)
		return;
	for (size_t j = 0; j < nt; j++) {
		if (t[j].id[0] == '\0' || strstr(text, t[j].id) == NULL)
			continue;
		for (size_t i = 0; i < r->nnodes; i++)
			if (strcmp(x->nodes[i].id, t[j].node) == 0) {
				snprintf(text + strlen(text), len - strlen(text), " (on %s: %s)",
				    r->nodes[i].inv->name, t[j].err[0] ? t[j].err : t[j].state);
				return;
			}
	}
}

/* Mark every target that was never touched skipped. */
static void
rs_skip_rest(struct rs_run *x)
{
	struct rollout *r = x->r;

	for (size_t i = 0; i < r->nnodes; i++) {
		enum pd_phase p = r->nodes[i].phase;

		if (p == PD_PHASE_PENDING || p == PD_PHASE_PULLING || p == PD_PHASE_PULLED)
			ro_phase(&r->nodes[i], PD_PHASE_SKIPPED, NULL, NULL);
	}
}

/* While Swarm rolls back: each touched target whose tasks are again those
 * of another deploy, running and healthy (read through its own engine), is
 * rolled back.  Returns how many touched targets are not back yet. */
static size_t
rs_back(struct rs_run *x, const struct rs_task *t, size_t nt)
{
	struct rollout *r = x->r;
	size_t waiting = 0;

	for (size_t i = 0; i < r->nnodes; i++) {
		struct rs_node *sn = &x->nodes[i];
		char detail[PD_ERROR_LEN] = "";
		int back = 1;

		if (!r->nodes[i].touched || sn->back)
			continue;
		for (size_t k = 0; k < x->nsvcs && back; k++) {
			const struct rs_svc *s = &x->svcs[k];
			const struct rs_task *cur = NULL;

			if (s->id[0] == '\0' || s->removed)
				continue;
			for (size_t j = 0; j < nt; j++)
				if (strcmp(t[j].service, s->id) == 0 && strcmp(t[j].node, sn->id) == 0 &&
				    rs_live(t[j].desired) && (cur == NULL || t[j].created > cur->created))
					cur = &t[j];
			if (cur == NULL && !s->global)
				continue;
			back = cur != NULL && cur->deploy != r->id &&
			    strcmp(cur->state, "running") == 0 &&
			    rs_container(&r->nodes[i], cur->container, detail, sizeof(detail)) == 3;
			if (back)
				snprintf(detail, sizeof(detail), "%s: task %.12s running, healthy",
				    s->cs->name, cur->id);
		}
		if (!back) {
			waiting++;
			continue;
		}
		sn->back = 1;
		store_journal(r->ro->st, r->id, r->nodes[i].inv->name, "rollback", "ok", detail);
		ro_phase(&r->nodes[i], PD_PHASE_ROLLED_BACK, "rolled back", NULL);
	}
	return waiting;
}

/* Whether every service's rollback is through: FAILED set when Swarm's
 * rollback of one paused instead (its name and words in MSG). */
static int
rs_rollback_through(struct rs_run *x, int *failed, char *msg, size_t msglen)
{
	int through = 1;

	*failed = 0;
	for (size_t i = 0; i < x->nsvcs; i++) {
		const struct rs_svc *s = &x->svcs[i];

		if (s->created) {
			through &= s->removed;
		} else if (s->updated) {
			if (strcmp(s->state, "rollback_paused") == 0) {
				*failed = 1;
				snprintf(msg, msglen, "ALARM: Swarm's rollback of %s paused: %s (%s)",
				    s->name, s->message, x->why);
				return 0;
			}
			through &= strcmp(s->state, "rollback_completed") == 0;
		}
	}
	return through;
}

/* Follow Swarm's update and every target until the deploy is over. */
static enum pd_deploy_state
rs_watch(struct rs_run *x, char *msg, size_t msglen, int *tripped)
{
	struct rollout *r = x->r;
	double deadline = r->pol.progress_deadline;
	unsigned long loops = 0;

	x->answered = ro_now();
	for (;; loops++) {
		struct rs_seen *seen = NULL;
		struct rs_task *tasks = NULL;
		size_t nseen = 0, ntasks = 0, nfinal = 0, nfailed = 0;
		char err[PD_ERROR_LEN];
		int pause = 0, abort_ = 0, closing, settled = 1, failed;
		double now;

		if (loops > 0)
			ro_sleep_ms(RS_POLL_MS);
		ro_requests(r, &pause, &abort_);
		pthread_mutex_lock(&r->lock);
		closing = r->closing;
		pthread_mutex_unlock(&r->lock);
		if (pause || abort_) {
			snprintf(msg, msglen, "%s: plantdeck stopped watching; Swarm's %s was left "
			    "running", closing ? "paused: plantdeck was closed" : abort_ ?
			    "aborted by request" : "paused by request", x->rolling ? "rollback" :
			    "update");
			if (abort_)
				rs_skip_rest(x);
			return abort_ ? PD_DEPLOY_ABORTED : PD_DEPLOY_PAUSED;
		}
		now = ro_now();
		if (rs_services(r, &seen, &nseen, err, sizeof(err)) != 0 ||
		    rs_tasks(x, &tasks, &ntasks, err, sizeof(err)) != 0) {
			free(seen);
			if (strcmp(err, x->last_err) != 0) {
				snprintf(x->last_err, sizeof(x->last_err), "%s", err);
				store_journal(r->ro->st, r->id, NULL, "swarm read", "fail", err);
			}
			if (now - x->answered > (deadline > RS_QUIET_S ? deadline : RS_QUIET_S)) {
				snprintf(msg, msglen, "no Swarm manager answered for %.0fs (%s): plantdeck "
				    "stopped watching; Swarm's update was left running", now - x->answered,
				    err);
				*tripped = 1;
				return PD_DEPLOY_PAUSED;
			}
			continue;
		}
		x->answered = now;
		x->last_err[0] = '\0';
		if (loops % RS_NODES_EVERY == 0) {
			struct rs_snode *nodes;
			size_t nnodes;

			if (rs_nodes(r->ro, r->stack, &nodes, &nnodes, err, sizeof(err)) == 0) {
				for (size_t i = 0; i < r->nnodes; i++) {
					struct rs_snode *w = rs_snode_find(nodes, nnodes, x->nodes[i].id);

					snprintf(x->nodes[i].availability, sizeof(x->nodes[i].availability),
					    "%s", w != NULL ? w->availability : "gone");
					snprintf(x->nodes[i].state, sizeof(x->nodes[i].state), "%s",
					    w != NULL ? w->state : "gone");
				}
				free(nodes);
			}
		}
		rs_report_failures(x, tasks, ntasks);
		rs_statuses(x, seen, nseen);
		free(seen);

		/* What Swarm's update says of the stack. */
		for (size_t i = 0; i < x->nsvcs && !x->rolling; i++) {
			struct rs_svc *s = &x->svcs[i];

			if (strcmp(s->state, "paused") == 0) {
				snprintf(msg, msglen, "Swarm paused the update of %s: %s", s->name,
				    s->message);
				rs_blame(x, tasks, ntasks, msg, msglen);
				snprintf(msg + strlen(msg), msglen - strlen(msg), "; failure_action pause: "
				    "resume goes on");
				*tripped = 1;
				free(tasks);
				return PD_DEPLOY_PAUSED;
			}
			if (strncmp(s->state, "rollback", 8) == 0) {
				snprintf(x->why, sizeof(x->why), "Swarm rolled it back: %s: %s", s->name,
				    s->message);
				s->rollback = 1;
				rs_rollback_all(x);
			}
		}
		if (x->rolling) {
			size_t waiting;
			int through;

			rs_blame(x, tasks, ntasks, x->why, sizeof(x->why));
			through = rs_rollback_through(x, &failed, msg, msglen);
			/* Swarm's word first, then every touched node healthy again. */
			waiting = through ? rs_back(x, tasks, ntasks) : 1;
			free(tasks);
			if (through && waiting == 0) {
				rs_skip_rest(x);
				snprintf(msg, msglen, "%s", x->why);
				*tripped = 1;
				return PD_DEPLOY_ROLLED_BACK;
			}
			if (failed || now > x->rolling_until) {
				if (!failed)
					snprintf(msg, msglen, "ALARM: the rollback is not through after %.0fs "
					    "(%s; %zu node%s not healthy on the previous spec): %s",
					    now - (x->rolling_until - 2 * (deadline + r->pol.monitor) - 60),
					    through ? "Swarm says rollback_completed" : "Swarm's rollback "
					    "goes on", waiting, waiting == 1 ? "" : "s", x->why);
				*tripped = 1;
				return PD_DEPLOY_FAILED;
			}
			continue;
		}

		for (size_t i = 0; i < x->nsvcs; i++) {
			const struct rs_svc *s = &x->svcs[i];

			if (s->updated && strcmp(s->state, "completed") != 0)
				settled = 0;
		}
		if (settled && x->settled == 0)
			x->settled = now;

		/* Each target, through its tasks and its own engine. */
		for (size_t i = 0; i < r->nnodes; i++) {
			struct rs_node *sn = &x->nodes[i];
			char detail[PD_ERROR_LEN], why[PD_ERROR_LEN];
			int any, level;

			if (sn->final) {
				nfinal++;
				nfailed += sn->level < 0;
				continue;
			}
			level = rs_eval(x, i, tasks, ntasks, &any, why, sizeof(why), detail,
			    sizeof(detail));
			if (!any) {
				/* Replicated only, and Swarm put no replica here. */
				if (x->settled > 0) {
					ro_phase(&r->nodes[i], PD_PHASE_DONE, "no task here", "");
					store_journal(r->ro->st, r->id, r->nodes[i].inv->name, "done", "ok",
					    "Swarm placed the stack's replicas on other nodes");
					sn->final = 1;
					sn->level = 3;
				}
				continue;
			}
			rs_step(x, i, level, detail, why);
			if (level == 3 && now - sn->t_level >= r->pol.monitor) {
				ro_end(r, &r->nodes[i], "monitor", 1, NULL);
				ro_phase(&r->nodes[i], PD_PHASE_DONE, "done", "");
				sn->final = 1;
				continue;
			}
			if (level < 0 && x->settled > 0 && sn->t_new == 0) {
				sn->final = 1;       /* no task will come: the node is out */
				continue;
			}
			if (level < 3 && ((sn->t_new > 0 && now - sn->t_new > deadline) ||
			    (sn->t_new == 0 && x->settled > 0 && now - x->settled > deadline))) {
				char what[PD_ERROR_LEN + 128];

				snprintf(what, sizeof(what), "not healthy %.0fs after %s (progress_deadline)%s%s",
				    deadline, sn->t_new > 0 ? "its new task was created" :
				    "Swarm's update was through", why[0] || detail[0] ? ": " : "",
				    why[0] ? why : detail);
				rs_step(x, i, -1, "", what);
				switch (r->pol.failure_action) {
				case COMPOSE_FAIL_CONTINUE:
					sn->final = 1;
					break;
				case COMPOSE_FAIL_PAUSE:
					snprintf(msg, msglen, "progress deadline passed on %s (%s): paused; "
					    "Swarm's update was left running", r->nodes[i].inv->name, what);
					*tripped = 1;
					free(tasks);
					return PD_DEPLOY_PAUSED;
				case COMPOSE_FAIL_ROLLBACK:
					snprintf(x->why, sizeof(x->why), "progress deadline passed on %s (%s): "
					    "Swarm rolled it back to the previous spec", r->nodes[i].inv->name,
					    what);
					rs_rollback_all(x);
					break;
				}
				if (x->rolling)
					break;
			}
		}
		free(tasks);
		if (x->rolling)
			continue;
		if (settled && nfinal == r->nnodes) {
			if (nfailed > 0) {
				snprintf(msg, msglen, "%zu of %zu nodes failed (failure_action continue)",
				    nfailed, r->nnodes);
				return PD_DEPLOY_FAILED;
			}
			snprintf(msg, msglen, "%zu node%s on revision %d through Swarm", r->nnodes,
			    r->nnodes == 1 ? "" : "s", r->revision);
			return PD_DEPLOY_COMPLETED;
		}
	}
}

/* After a completed deploy: the stack's services that the revision does
 * not have are removed (docker stack deploy --prune), and the nodes that
 * carry the placement label without being targets lose it. */
static void
rs_prune(struct rs_run *x)
{
	struct rollout *r = x->r;
	struct rs_seen *seen = NULL;
	struct rs_snode *nodes = NULL;
	size_t nseen = 0, nnodes = 0;
	char err[PD_ERROR_LEN];

	if (rs_services(r, &seen, &nseen, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < nseen; i++) {
			int keep = 0;

			for (size_t k = 0; k < x->nsvcs; k++)
				keep |= strcmp(x->svcs[k].name, seen[i].name) == 0;
			if (!keep)
				rs_remove(r, seen[i].id, seen[i].name, err, sizeof(err));
		}
		ro_swarm_secrets_prune(r, x->secret_ids);
	} else {
		store_journal(r->ro->st, r->id, NULL, "prune", "fail", err);
	}
	free(seen);
	if (rs_nodes(r->ro, r->stack, &nodes, &nnodes, err, sizeof(err)) != 0) {
		store_journal(r->ro->st, r->id, NULL, "unlabel", "fail", err);
		return;
	}
	for (size_t i = 0; i < nnodes; i++) {
		int target = 0;

		if (!nodes[i].labelled)
			continue;
		for (size_t k = 0; k < r->nnodes; k++)
			target |= strcmp(x->nodes[k].id, nodes[i].id) == 0;
		if (!target) {
			char who[PD_NAME_LEN + 40];

			snprintf(who, sizeof(who), "%.12s (%s)", nodes[i].id, nodes[i].hostname);
			rs_label(r, NULL, nodes[i].id, who, 0, err, sizeof(err));
		}
	}
	free(nodes);
}

/* A rollback to no revision: the stack leaves the swarm. */
static enum pd_deploy_state
rs_remove_stack(struct rs_run *x, char *msg, size_t msglen, int *tripped)
{
	struct rollout *r = x->r;
	struct rs_seen *seen = NULL;
	size_t nseen = 0, removed = 0;
	char err[PD_ERROR_LEN];
	int bad = 0;

	if (rs_services(r, &seen, &nseen, msg, msglen) != 0) {
		*tripped = 1;
		return PD_DEPLOY_FAILED;
	}
	for (size_t i = 0; i < nseen; i++) {
		if (rs_remove(r, seen[i].id, seen[i].name, err, sizeof(err)) == 0)
			removed++;
		else
			bad = 1;
	}
	free(seen);
	if (!bad)
		ro_swarm_secrets_prune(r, NULL);
	for (size_t i = 0; i < r->nnodes; i++) {
		if (x->nodes[i].labelled && rs_label(r, &r->nodes[i], x->nodes[i].id, NULL, 0, err,
		    sizeof(err)) != 0)
			bad = 1;
		ro_phase(&r->nodes[i], bad ? PD_PHASE_FAILED : PD_PHASE_DONE, "removed",
		    bad ? err : "");
	}
	if (bad) {
		snprintf(msg, msglen, "the stack did not leave the swarm cleanly: %s", err);
		*tripped = 1;
		return PD_DEPLOY_FAILED;
	}
	snprintf(msg, msglen, "no revision: %zu service%s of the stack removed from the swarm",
	    removed, removed == 1 ? "" : "s");
	return PD_DEPLOY_COMPLETED;
}

enum pd_deploy_state
ro_swarm_run(struct rollout *r, char *msg, size_t msglen, int *tripped)
{
	struct rs_run x = { .r = r };
	enum pd_deploy_state final;
	char err[PD_ERROR_LEN];

	*tripped = 0;
	if (rs_init(&x, msg, msglen) != 0) {
		rs_skip_rest(&x);
		*tripped = 1;
		final = PD_DEPLOY_FAILED;
		goto out;
	}
	if (r->spec == NULL) {
		final = rs_remove_stack(&x, msg, msglen, tripped);
		goto out;
	}
	rs_pin(&x);
	/* The stack's networks before its services, as docker stack deploy. */
	if (ro_swarm_net_ensure(r, msg, msglen) != 0) {
		rs_skip_rest(&x);
		*tripped = 1;
		final = PD_DEPLOY_FAILED;
		goto out;
	}
	if (rs_apply(&x, msg, msglen) != 0) {
		size_t changed = 0;

		for (size_t i = 0; i < x.nsvcs; i++)
			changed += x.svcs[i].created || x.svcs[i].updated;
		if (changed > 0)
			snprintf(msg + strlen(msg), msglen - strlen(msg), " (%zu service%s already "
			    "changed: Swarm's update of %s goes on)", changed, changed == 1 ? "" : "s",
			    changed == 1 ? "it" : "them");
		rs_skip_rest(&x);
		*tripped = 1;
		final = PD_DEPLOY_FAILED;
		goto out;
	}
	/* The services first, then the label: a new target gets the new
	 * revision's task directly, not the old one's to be updated. */
	for (size_t i = 0; i < r->nnodes; i++) {
		if (x.nodes[i].labelled)
			continue;
		if (rs_label(r, &r->nodes[i], x.nodes[i].id, NULL, 1, err, sizeof(err)) == 0) {
			x.nodes[i].added = 1;
		} else {
			ro_phase(&r->nodes[i], PD_PHASE_FAILED, "placement label", err);
			x.nodes[i].level = -1;
			x.nodes[i].final = 1;
		}
	}
	final = rs_watch(&x, msg, msglen, tripped);
	if (final == PD_DEPLOY_COMPLETED || (final == PD_DEPLOY_FAILED && !*tripped))
		rs_prune(&x);
	if (final == PD_DEPLOY_ROLLED_BACK)
		for (size_t i = 0; i < r->nnodes; i++)
			if (x.nodes[i].added)
				rs_label(r, &r->nodes[i], x.nodes[i].id, NULL, 0, err, sizeof(err));
out:
	cJSON_Delete(x.secret_ids);
	free(x.svcs);
	free(x.nodes);
	return final;
}

/* plantdeck down: the swarm nodes that carry the stack's placement label
 * lose it (each journaled and audited); DRY: each is only named.  EACH is
 * told every node's hostname and swarm id; 0, or -1 with ERR. */
int
ro_swarm_unplace(struct rollout *r, int dry, void (*each)(void *ctx, const char *host,
    const char *id, int ok, const char *err), void *ctx, char *err, size_t errlen)
{
	struct rs_snode *nodes;
	size_t n;
	int rc = 0;

	if (rs_nodes(r->ro, r->stack, &nodes, &n, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char e[PD_ERROR_LEN] = "";
		int ok = -1;

		if (!nodes[i].labelled)
			continue;
		if (!dry) {
			ok = rs_label(r, NULL, nodes[i].id, nodes[i].hostname, 0, e, sizeof(e)) == 0;
			if (!ok) {
				snprintf(err, errlen, "%s", e);
				rc = -1;
			}
		}
		each(ctx, nodes[i].hostname, nodes[i].id, ok, e);
	}
	free(nodes);
	return rc;
}
