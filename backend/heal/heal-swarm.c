/* heal-swarm.c: the self-healer's Swarm side — services whose tasks keep
 * failing, through detect, propose and execute.
 *
 * Swarm restarts and replaces a service's tasks itself, so the detectors
 * judge the service, not its containers: heal_detect_swarm() opens a
 * task_failing finding for a service whose tasks fail on one node (that
 * node's finding) or on several (the service's, node "").  Its ladder is
 * the one of a container, carried out through the managers (swarm_call):
 * restart is a force-update of the service, reschedule a drain of the
 * node, rollback the stack's previous revision when plantdeck deployed it
 * (through the rollout engine, execute.c), else Swarm's own rollback to
 * the previous spec.  heal_verify_swarm() judges the outcome on the
 * snapshot's task list, and only on a fresh word from a manager. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "backend/base/log.h"
#include "backend/base/sanitize.h"
#include "backend/engine/engine.h"
#include "backend/engine/fleet.h"
#include "backend/engine/registry-auth.h"
#include "backend/engine/swarm.h"
#include "backend/deploy/rollout.h"
#include "backend/heal/heal-int.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---------------------------------------------------------------- the swarm seen */

/* Whether container C is a Swarm task's: Swarm restarts and replaces those
 * itself, so its service is what the detectors judge, not the container. */
int
heal_is_task(const struct pd_snapshot *s, const struct pd_container *c)
{
	const char *dot = strrchr(c->name, '.');

	for (size_t i = 0; i < s->swarm.ntasks; i++)
		if (s->swarm.tasks[i].container_id[0] != '\0' &&
		    strcmp(s->swarm.tasks[i].container_id, c->id) == 0)
			return 1;
	/* Swarm names them SERVICE.SLOT.TASK or SERVICE.NODE.TASK, TASK being
	 * 25 lower-case letters and digits: one the task list no longer has. */
	return dot != NULL && dot != c->name && memchr(c->name, '.', (size_t)(dot - c->name)) &&
	    strlen(dot + 1) == 25 && strspn(dot + 1, "abcdefghijklmnopqrstuvwxyz0123456789") == 25;
}

/* The swarm node the snapshot calls NAME (its inventory name, else its
 * hostname), or NULL. */
static const struct pd_swarm_node *
heal_swarm_node(const struct pd_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->swarm.nnodes; i++) {
		const struct pd_swarm_node *n = &s->swarm.nodes[i];

		if (strcmp(n->inventory[0] ? n->inventory : n->hostname, name) == 0)
			return n;
	}
	return NULL;
}

/* The service NAME in S, or NULL. */
static const struct pd_swarm_service *
heal_swarm_service(const struct pd_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->swarm.nservices; i++)
		if (strcmp(s->swarm.services[i].name, name) == 0)
			return &s->swarm.services[i];
	return NULL;
}

/* Tasks of service SVC that failed on NODE ("": anywhere) after SINCE
 * (failed, rejected); the newest in *LAST (NULL when none). */
static int
heal_task_failures(const struct pd_snapshot *s, const char *svc, const char *node,
    time_t since, const struct pd_swarm_task **last)
{
	int n = 0;

	*last = NULL;
	for (size_t i = 0; i < s->swarm.ntasks; i++) {
		const struct pd_swarm_task *t = &s->swarm.tasks[i];

		if (strcmp(t->service, svc) != 0 || (node[0] != '\0' && strcmp(t->node, node) != 0) ||
		    (strcmp(t->state, "failed") != 0 && strcmp(t->state, "rejected") != 0) ||
		    t->since <= since)
			continue;
		n++;
		if (*last == NULL || t->since > (*last)->since)
			*last = t;
	}
	return n;
}

/* Tasks of service SVC meant to run and running: on NODE (NULL: anywhere). */
static int
heal_tasks_running(const struct pd_snapshot *s, const char *svc, const char *node)
{
	int n = 0;

	for (size_t i = 0; i < s->swarm.ntasks; i++) {
		const struct pd_swarm_task *t = &s->swarm.tasks[i];

		if (strcmp(t->service, svc) == 0 && (node == NULL || strcmp(t->node, node) == 0) &&
		    strcmp(t->desired_state, "running") == 0 && strcmp(t->state, "running") == 0)
			n++;
	}
	return n;
}

/* How many nodes other than the first failing one (FIRST) saw tasks of
 * SVC fail since SINCE. */
static int
heal_task_other_nodes(const struct pd_snapshot *s, const char *svc, time_t since,
    char *first, size_t firstlen)
{
	int others = 0;

	first[0] = '\0';
	for (size_t i = 0; i < s->swarm.ntasks; i++) {
		const struct pd_swarm_task *t = &s->swarm.tasks[i];

		if (strcmp(t->service, svc) != 0 || t->node[0] == '\0' || t->since <= since ||
		    (strcmp(t->state, "failed") != 0 && strcmp(t->state, "rejected") != 0))
			continue;
		if (first[0] == '\0')
			snprintf(first, firstlen, "%s", t->node);
		else if (strcmp(first, t->node) != 0)
			others++;
	}
	return others;
}

/* ---------------------------------------------------------------- detect */

/* Open task_failing findings: a service's tasks failing on one node (that
 * node's finding), or on several (one finding of the service, node ""). */
void
heal_detect_swarm(struct heal *h, const struct pd_snapshot *s, time_t now)
{
	time_t since = now - (time_t)h->tm.crash_window;

	if (!s->swarm.active || !s->swarm.complete || s->swarm.stale)
		return;
	for (size_t i = 0; i < s->swarm.nservices; i++) {
		const struct pd_swarm_service *svc = &s->swarm.services[i];
		const struct pd_swarm_task *last;
		const struct pd_swarm_node *sn;
		struct heal_fnd *wide, *one;
		char node[PD_NAME_LEN];
		int others;

		if (heal_task_failures(s, svc->name, "", since, &last) < h->tm.crash_restarts)
			continue;
		others = heal_task_other_nodes(s, svc->name, since, node, sizeof(node));
		wide = heal_fnd_find(h, PD_FIND_TASK_FAILING, "", svc->name);
		if (others > 0) {
			if (wide != NULL)
				continue;
			wide = heal_fnd_open(h, PD_FIND_TASK_FAILING, "", svc->name, svc->stack, "",
			    "tasks failing on several nodes", now);
			if (wide == NULL)
				continue;
			/* One node's finding of it was the start of the same trouble. */
			for (size_t k = 0, wid = (size_t)wide->id; k < h->nfnds; k++)
				if (h->fnds[k].kind == PD_FIND_TASK_FAILING &&
				    strcmp(h->fnds[k].container, svc->name) == 0 &&
				    h->fnds[k].node[0] != '\0') {
					heal_fnd_supersede(h, &h->fnds[k], (int64_t)wid, now);
					break;
				}
			continue;
		}
		one = heal_fnd_find(h, PD_FIND_TASK_FAILING, node, svc->name);
		sn = heal_swarm_node(s, node);
		if (wide != NULL || one != NULL || sn == NULL ||
		    strcmp(sn->availability, "active") != 0 ||
		    heal_task_failures(s, svc->name, node, since, &last) < h->tm.crash_restarts)
			continue;
		heal_fnd_open(h, PD_FIND_TASK_FAILING, node, svc->name, svc->stack, "",
		    "tasks failing", now);
	}
}

/* heal_evaluate() for task_failing finding F (a service on a node, or on
 * several): ACTIVE, RESOLVED (both left 0 without a fresh word from a
 * manager), and its evidence. */
void
heal_evaluate_swarm(struct heal *h, struct heal_fnd *f, const struct pd_snapshot *s, time_t now,
    int *active, int *resolved)
{
	const struct pd_swarm_node *sn = heal_swarm_node(s, f->node);
	const struct pd_swarm_task *last;
	char at[16];
	int k;

	if (!s->swarm.complete || s->swarm.stale)
		return;             /* no fresh word from a manager: keep the state */
	k = heal_task_failures(s, f->container, f->node, now - (time_t)h->tm.crash_window,
	    &last);
	if (f->node[0] == '\0') {
		/* The service's: over when it fails nowhere and runs. */
		*active = k >= h->tm.crash_restarts;
		*resolved = heal_swarm_service(s, f->container) == NULL ||
		    (k == 0 && heal_tasks_running(s, f->container, NULL) > 0);
	} else {
		*active = k >= h->tm.crash_restarts && sn != NULL &&
		    strcmp(sn->availability, "active") == 0;
		/* Over when it runs there again, or no longer can (drained, gone). */
		*resolved = heal_swarm_service(s, f->container) == NULL || sn == NULL ||
		    strcmp(sn->availability, "active") != 0 ||
		    (k == 0 && heal_tasks_running(s, f->container, f->node) > 0);
	}
	if (*active && last != NULL) {
		heal_hms(last->since, at, sizeof(at));
		snprintf(f->evidence, sizeof(f->evidence), "%d tasks of service %s failed on "
		    "%s in the last %.0fs, the last at %s on %s (%s, exit code %d): %s", k,
		    f->container, f->node[0] ? f->node : "several nodes", h->tm.crash_window,
		    at, last->node, last->state, last->exit_code,
		    last->error[0] ? last->error : last->message);
		if (k > f->count)
			f->count = k;
	}
}

/* ---------------------------------------------------------------- propose */

/* One call to the swarm through its managers, with one more request header
 * HEADER (NULL: none); the reply's JSON in *JSON (may be NULL).  0, or -1
 * with ERR. */
static int
heal_swarm_call_hdr(struct heal *h, const char *method, const char *path, const char *body,
    const char *header, cJSON **json, char *err, size_t errlen)
{
	struct swarm *sw = fleet_swarm(h->fleet);
	struct engine_reply rep;
	int rc;

	if (json != NULL)
		*json = NULL;
	if (sw == NULL) {
		snprintf(err, errlen, "no swarm manager in the inventory");
		return -1;
	}
	rc = swarm_call_hdr(sw, method, path, body, header, 30000, &rep, NULL, 0);
	if (rc != 0)
		snprintf(err, errlen, "%s", rep.error);
	else if (json != NULL && rep.body.data != NULL)
		*json = cJSON_Parse(rep.body.data);
	engine_reply_free(&rep);
	return rc;
}

/* heal_swarm_call_hdr without a header. */
static int
heal_swarm_call(struct heal *h, const char *method, const char *path, const char *body,
    cJSON **json, char *err, size_t errlen)
{
	return heal_swarm_call_hdr(h, method, path, body, NULL, json, err, errlen);
}

/* The image of a service Spec, or "". */
static const char *
heal_spec_image(const cJSON *spec)
{
	const cJSON *i = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(spec, "TaskTemplate"), "ContainerSpec"), "Image");

	return cJSON_IsString(i) ? i->valuestring : "";
}

/* The Spec of service NAME (a new object) and its version; whether its
 * PreviousSpec runs another image (what a rollback would change) in
 * *HAS_PREVIOUS.  NULL with ERR. */
static cJSON *
heal_service_spec(struct heal *h, const char *name, uint64_t *version, int *has_previous,
    char *err, size_t errlen)
{
	char path[400], *enc = curl_easy_escape(NULL, name, 0);
	cJSON *j = NULL, *spec, *v;

	snprintf(path, sizeof(path), "/services/%s", enc != NULL ? enc : "");
	curl_free(enc);
	if (heal_swarm_call(h, "GET", path, NULL, &j, err, errlen) != 0)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "Version"),
	    "Index");
	spec = cJSON_DetachItemFromObjectCaseSensitive(j, "Spec");
	if (!cJSON_IsNumber(v) || !cJSON_IsObject(spec)) {
		snprintf(err, errlen, "service %s: the manager's answer has no Spec or Version", name);
		cJSON_Delete(spec);
		cJSON_Delete(j);
		return NULL;
	}
	*version = (uint64_t)pd_json_int(v, 0, LLONG_MAX, 0);
	if (has_previous != NULL) {
		const cJSON *prev = cJSON_GetObjectItemCaseSensitive(j, "PreviousSpec");

		/* A force-update (a heal restart) is a previous spec too: rolling
		 * back to the same image would change nothing. */
		*has_previous = cJSON_IsObject(prev) &&
		    strcmp(heal_spec_image(prev), heal_spec_image(spec)) != 0;
	}
	cJSON_Delete(j);
	return spec;
}

/* Fill P for ACTION on task_failing finding F (a Swarm service on a node):
 * restart is a force-update, reschedule a drain of the node, rollback the
 * service's own rollback.  1 when it applies now, else 0. */
int
heal_prepare_swarm(struct heal *h, const struct heal_fnd *f, const struct pd_snapshot *s,
    enum pd_heal_action action, struct pd_proposal *p)
{
	const struct pd_swarm_service *svc = heal_swarm_service(s, f->container);
	double w = h->tm.verify_window;
	const char *where = f->node[0] ? f->node : "several nodes";
	int others = 0, elsewhere;

	if (svc == NULL || (f->node[0] != '\0' && heal_swarm_node(s, f->node) == NULL))
		return 0;
	heal_proposal_init(f, action, p);
	elsewhere = f->node[0] == '\0' ? 0 : heal_tasks_running(s, f->container, NULL) -
	    heal_tasks_running(s, f->container, f->node);
	switch (action) {
	case PD_HEAL_RESTART:
		if (f->node[0] == '\0')
			return 0;     /* failing everywhere: its spec, not a task, is at fault */
		snprintf(p->reason, sizeof(p->reason), "tasks of service %s keep failing on %s: a "
		    "force-update replaces every task of it (Swarm's own restart), which clears "
		    "what a task carries", f->container, where);
		snprintf(p->expected, sizeof(p->expected), "service %s's tasks are replaced, and "
		    "none fails on %s within %.0fs", f->container, f->node[0] ? f->node : "any node",
		    w);
		return 1;
	case PD_HEAL_RESCHEDULE:
		if (f->node[0] == '\0')
			return 0;     /* it fails on several nodes: no node is to blame */
		for (size_t i = 0; i < s->swarm.nnodes; i++) {
			const struct pd_swarm_node *n = &s->swarm.nodes[i];

			others += strcmp(n->inventory[0] ? n->inventory : n->hostname, f->node) != 0 &&
			    strcmp(n->state, "ready") == 0 && strcmp(n->availability, "active") == 0;
		}
		if (others == 0)
			return 0;
		snprintf(p->reason, sizeof(p->reason), "tasks of service %s still fail on %s after "
		    "a restart%s: the node itself may be at fault; draining it makes Swarm move "
		    "every task off it (undone with docker node update --availability active)",
		    f->container, f->node, elsewhere > 0 ? ", and run elsewhere" : "");
		snprintf(p->expected, sizeof(p->expected), "%s is drained, no task of %s runs "
		    "there, and %s runs its tasks on the %d other ready node%s within %.0fs",
		    f->node, f->container, f->container, others, others == 1 ? "" : "s", w);
		return 1;
	case PD_HEAL_ROLLBACK: {
		char err[PD_ERROR_LEN];
		uint64_t version;
		int prev = 0, cur;
		cJSON *spec;

		/* A stack plantdeck deployed goes back by its own revisions (so its
		 * records stay true); any other service by Swarm's rollback. */
		if (f->stack[0] != '\0' &&
		    (p->to_revision = heal_previous_revision(h, f->stack, &cur)) > 0) {
			snprintf(p->reason, sizeof(p->reason), "service %s fails %s: revision %d of "
			    "stack %s is likely at fault", f->container, f->node[0] ?
			    "after a restart and on another node" : "on several nodes", cur, f->stack);
			snprintf(p->expected, sizeof(p->expected), "stack %s runs revision %d again "
			    "through Swarm (plantdeck rollout, its placement kept) and the tasks of %s "
			    "run without failing within %.0fs", f->stack, p->to_revision, f->container,
			    w);
			return 1;
		}
		spec = heal_service_spec(h, f->container, &version, &prev, err, sizeof(err));
		cJSON_Delete(spec);
		if (spec == NULL || !prev)
			return 0;
		snprintf(p->reason, sizeof(p->reason), "service %s fails %s: its current spec "
		    "(image %s) is likely at fault, and its previous one ran another image",
		    f->container, f->node[0] ? "after a restart and on another node" :
		    "on several nodes", svc->image);
		snprintf(p->expected, sizeof(p->expected), "service %s is back on its previous "
		    "spec (Swarm's rollback) and its tasks run without failing within %.0fs",
		    f->container, w);
		return 1;
	}
	default:
		return 0;
	}
}

/* ---------------------------------------------------------------- execute */

/* The registry credentials for IMAGE into A (A->header NULL: none, or
 * they could not be read: the log says why). */
static void
heal_swarm_auth(struct heal *h, const char *image, struct registry_auth *a)
{
	char repo[512], tag[256], host[256], err[PD_ERROR_LEN];

	memset(a, 0, sizeof(*a));
	if (image[0] == '\0' || rollout_image_split(image, repo, sizeof(repo), tag, sizeof(tag),
	    host, sizeof(host)) != 0)
		return;
	if (registry_auth_lookup(h->inv, host, a, err, sizeof(err)) != 0)
		log_msg(LOG_WARN, "heal: force-update of a service of %s without registry "
		    "credentials: %s", image, err);
}

/* Carry out P, a task_failing proposal, through the swarm's managers: 0
 * with RES, -1 with ERR. */
int
heal_swarm_act(struct heal *h, const struct pd_proposal *p, char *res, size_t reslen,
    char *err, size_t errlen)
{
	char path[600], id[PD_SWARM_ID_LEN] = "", *body, *enc;
	struct registry_auth auth = { .found = 0 };
	uint64_t version;
	cJSON *spec, *j = NULL, *tt, *fu, *v;
	int rc;

	if (p->action == PD_HEAL_RESCHEDULE) {
		struct pd_snapshot *s = fleet_snapshot(h->fleet);
		const struct pd_swarm_node *sn = s != NULL ? heal_swarm_node(s, p->node) : NULL;

		if (sn != NULL)
			snprintf(id, sizeof(id), "%s", sn->id);
		pd_snapshot_free(s);
		if (id[0] == '\0') {
			snprintf(err, errlen, "the swarm does not list node %s", p->node);
			return -1;
		}
		snprintf(path, sizeof(path), "/nodes/%s", id);
		if (heal_swarm_call(h, "GET", path, NULL, &j, err, errlen) != 0)
			return -1;
		v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "Version"),
		    "Index");
		spec = cJSON_GetObjectItemCaseSensitive(j, "Spec");
		if (!cJSON_IsNumber(v) || !cJSON_IsObject(spec)) {
			snprintf(err, errlen, "node %s: the manager's answer has no Spec or Version",
			    p->node);
			cJSON_Delete(j);
			return -1;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "Availability");
		cJSON_AddStringToObject(spec, "Availability", "drain");
		body = cJSON_PrintUnformatted(spec);
		snprintf(path, sizeof(path), "/nodes/%s/update?version=%llu", id,
		    (unsigned long long)pd_json_int(v, 0, LLONG_MAX, 0));
		cJSON_Delete(j);
		rc = body != NULL ? heal_swarm_call(h, "POST", path, body, NULL, err, errlen) : -1;
		free(body);
		if (rc == 0)
			snprintf(res, reslen, "drained %s (swarm node %.12s): Swarm moves its tasks",
			    p->node, id);
		return rc;
	}
	spec = heal_service_spec(h, p->container, &version, NULL, err, errlen);
	if (spec == NULL)
		return -1;
	enc = curl_easy_escape(NULL, p->container, 0);
	if (p->action == PD_HEAL_RESTART) {
		tt = cJSON_GetObjectItemCaseSensitive(spec, "TaskTemplate");
		fu = cJSON_GetObjectItemCaseSensitive(tt, "ForceUpdate");
		if (!cJSON_IsObject(tt)) {
			tt = cJSON_AddObjectToObject(spec, "TaskTemplate");
			fu = NULL;
		}
		v = cJSON_CreateNumber(cJSON_IsNumber(fu) ? fu->valuedouble + 1 : 1);
		if (fu != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(tt, "ForceUpdate", v);
		else
			cJSON_AddItemToObject(tt, "ForceUpdate", v);
		snprintf(path, sizeof(path), "/services/%s/update?version=%llu", enc ? enc : "",
		    (unsigned long long)version);
	} else {
		snprintf(path, sizeof(path), "/services/%s/update?version=%llu&rollback=previous",
		    enc ? enc : "", (unsigned long long)version);
	}
	curl_free(enc);
	/* A force-update without X-Registry-Auth keeps the credentials the
	 * service was created with (registryAuthFrom=spec); current ones are
	 * sent when there are some, as `docker service update --force
	 * --with-registry-auth` does, so that a rotated password reaches the
	 * nodes that pull again. */
	if (p->action == PD_HEAL_RESTART)
		heal_swarm_auth(h, heal_spec_image(spec), &auth);
	body = cJSON_PrintUnformatted(spec);
	cJSON_Delete(spec);
	rc = body != NULL ? heal_swarm_call_hdr(h, "POST", path, body, auth.header, NULL,
	    err, errlen) : -1;
	registry_auth_clear(&auth);
	free(body);
	if (rc == 0)
		snprintf(res, reslen, p->action == PD_HEAL_RESTART ? "force-updated service %s: "
		    "Swarm replaces its tasks" : "rolled service %s back to its previous spec",
		    p->container);
	return rc;
}

/* Note in JOB the spec its action left service P->container on: what its
 * verification judges.  When the manager cannot say, tasks are judged by
 * when they failed alone, and the log says so. */
void
heal_swarm_spec_after(struct heal *h, struct heal_job *job)
{
	char err[PD_ERROR_LEN];
	uint64_t version;
	cJSON *spec = heal_service_spec(h, job->p.container, &version, NULL, err, sizeof(err));
	const cJSON *fu;

	if (spec == NULL) {
		log_msg(LOG_WARN, "heal: proposal #%lld: cannot read the spec its action left (%s): "
		    "judging every task that fails after it", (long long)job->p.id, err);
		return;
	}
	fu = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(spec,
	    "TaskTemplate"), "ForceUpdate");
	snprintf(job->spec_image, sizeof(job->spec_image), "%s", heal_spec_image(spec));
	job->spec_force = cJSON_IsNumber(fu) && fu->valuedouble > 0 &&
	    fu->valuedouble < 9007199254740992.0 ? (uint64_t)fu->valuedouble : 0;
	job->spec_known = 1;
	cJSON_Delete(spec);
}

int
heal_job_task_failures(const struct pd_snapshot *s, const struct heal_job *job,
    const struct pd_swarm_task **last)
{
	const char *node = job->p.node;
	int n = 0;

	*last = NULL;
	for (size_t i = 0; i < s->swarm.ntasks; i++) {
		const struct pd_swarm_task *t = &s->swarm.tasks[i];

		if (strcmp(t->service, job->p.container) != 0 ||
		    (node[0] != '\0' && strcmp(t->node, node) != 0) ||
		    (strcmp(t->state, "failed") != 0 && strcmp(t->state, "rejected") != 0))
			continue;
		if (job->spec_known) {
			/* A task of another spec (the one the action replaced, still
			 * starting when it was issued) says nothing of this one. */
			if (strcmp(t->image, job->spec_image) != 0 ||
			    t->force_update != job->spec_force || t->since < job->issued_at)
				continue;
		} else if (t->since <= job->done_at) {
			continue;
		}
		n++;
		if (*last == NULL || t->since > (*last)->since)
			*last = t;
	}
	return n;
}

/* Verify the swarm action of job slot J: a restart or rollback fails when a
 * task made from the spec it left fails (on the node, if it had one); at
 * the end the service must run tasks there (restart, rollback), or none
 * there and every one it wants elsewhere (drain). */
void
heal_verify_swarm(struct heal *h, size_t j, const struct pd_snapshot *s, time_t now)
{
	struct heal_job *job = h->jobs[j];
	const struct pd_swarm_task *last;
	const struct pd_swarm_service *svc;
	char msg[PD_ERROR_LEN * 2], at[16], where[PD_NAME_LEN + 32];
	int failed, here, all, good;

	if (!s->swarm.complete || s->swarm.stale)
		return;             /* judge only on a fresh word from a manager */
	failed = heal_job_task_failures(s, job, &last);
	if (failed > 0 && job->p.action != PD_HEAL_RESCHEDULE) {
		heal_hms(last->since, at, sizeof(at));
		if (last->node[0] != '\0')
			snprintf(where, sizeof(where), "on %s", last->node);
		else
			snprintf(where, sizeof(where), "before Swarm gave it a node");
		snprintf(msg, sizeof(msg), "%s; did not help: a task failed %s again at %s: %s",
		    job->result, where, at, last->error[0] ? last->error : last->message);
		heal_job_end(h, j, "failed", msg, now);
		return;
	}
	if (now < job->until)
		return;
	svc = heal_swarm_service(s, job->p.container);
	/* Swarm replaces tasks at its own pace (a rollback goes one task at a
	 * time unless told otherwise, each old task given its stop grace
	 * period): while the update or rollback the action started is under
	 * way, the verdict waits for it, HEAL_SWARM_SETTLE seconds at most. */
	if (svc != NULL && job->p.action != PD_HEAL_RESCHEDULE &&
	    (strcmp(svc->update_state, "updating") == 0 ||
	    strcmp(svc->update_state, "rollback_started") == 0) &&
	    now < job->until + HEAL_SWARM_SETTLE)
		return;
	here = heal_tasks_running(s, job->p.container, job->p.node[0] ? job->p.node : NULL);
	all = heal_tasks_running(s, job->p.container, NULL);
	if (job->p.action == PD_HEAL_RESCHEDULE)
		good = svc != NULL && here == 0 && all > 0 && (svc->desired <= 0 || all >= svc->desired);
	else if (job->p.node[0] == '\0')
		good = svc != NULL && all > 0 && (svc->desired <= 0 || all >= svc->desired);
	else
		good = svc != NULL && here > 0;
	if (job->p.node[0] != '\0')
		snprintf(where, sizeof(where), ", %d on %s", here, job->p.node);
	else
		where[0] = '\0';
	snprintf(msg, sizeof(msg), "%s; %s: service %s runs %d task%s (%d wanted)%s, after %.0fs%s",
	    job->result, good ? "verified" : "did not help", job->p.container, all,
	    all == 1 ? "" : "s", svc != NULL ? svc->desired : 0, where,
	    difftime(now, job->done_at), svc != NULL && (strcmp(svc->update_state, "updating") == 0 ||
	    strcmp(svc->update_state, "rollback_started") == 0) ? " (Swarm's update still under way)" :
	    "");
	heal_job_end(h, j, good ? "succeeded" : "failed", msg, now);
}
