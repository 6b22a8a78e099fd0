/* execute.c: the self-healer's executor — an approved proposal becomes an
 * action, its outcome is verified, and one that did not help escalates.
 *
 * heal_claim() takes approved proposals (an UPDATE that only one process
 * wins) and starts a worker thread for each, at most HEAL_MAX_JOBS at a
 * time.  The worker carries the action out through the Engine API
 * (restart, quarantine's pause and commit, the start after a memory
 * raise), the rollout engine (reschedule and rollback are placements of
 * the stack), the tuner (memory) or the node's agent (reapply), and
 * leaves its result in its job.  heal_jobs_tick() then watches the target
 * for verify_window seconds: an event that shows the action did not help
 * (heal_jobs_event, fed by detect.c) or the target's state at the end
 * fails the proposal, which lets propose.c offer the next stage while the
 * finding persists.  Every executed action is audited.  Swarm services'
 * actions and verification are heal-swarm.c's. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "backend/base/log.h"
#include "backend/base/thread.h"
#include "backend/deploy/rollout.h"
#include "backend/engine/engine.h"
#include "backend/engine/fleet.h"
#include "backend/engine/inventory.h"
#include "backend/heal/heal-int.h"
#include "backend/node/node.h"
#include "backend/store/audit.h"
#include "backend/store/store-heal.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---------------------------------------------------------------- jobs in flight */

/* Whether an action in flight moves container NAME onto NODE (a
 * reschedule): what it sees there is its finding's, not a new one. */
int
heal_moving_to(const struct heal *h, const char *node, const char *name)
{
	for (size_t j = 0; j < HEAL_MAX_JOBS; j++) {
		const struct heal_job *job = h->jobs[j];

		if (job != NULL && strcmp(job->p.container, name) == 0 &&
		    job->p.action == PD_HEAL_RESCHEDULE && strcmp(job->p.to_node, node) == 0)
			return 1;
	}
	return 0;
}

/* Whether event E, seen while verifying JOB, shows that its action did not help. */
static int
heal_event_fails(const struct heal_job *job, const struct pd_event *e)
{
	switch (job->p.action) {
	case PD_HEAL_QUARANTINE:
		/* Someone let it run again, or it went while it was to be kept. */
		return e->kind == PD_EV_CONTAINER && (strcmp(e->action, "unpause") == 0 ||
		    strcmp(e->action, "destroy") == 0);
	case PD_HEAL_REAPPLY:
		if (e->kind == PD_EV_ANOMALY)
			return strcmp(e->action, "drift") == 0;
		break;
	case PD_HEAL_MEMORY:
		return e->kind == PD_EV_CONTAINER && strcmp(e->action, "oom") == 0;
	case PD_HEAL_RESTART:
	case PD_HEAL_RESCHEDULE:
	case PD_HEAL_ROLLBACK:
		if (job->p.kind == PD_FIND_OOM)
			return e->kind == PD_EV_CONTAINER && strcmp(e->action, "oom") == 0;
		break;
	}
	return e->kind == PD_EV_CONTAINER && (strcmp(e->action, "die") == 0 ||
	    strcmp(e->action, "oom") == 0 ||
	    (strcmp(e->action, "health") == 0 && strcmp(e->text, "unhealthy") == 0));
}

/* Event E of container NAME: end early the verification of each job it
 * shows did not help. */
void
heal_jobs_event(struct heal *h, const struct pd_event *e, const char *name)
{
	for (size_t j = 0; j < HEAL_MAX_JOBS; j++) {
		struct heal_job *job = h->jobs[j];
		const char *node;
		int bad;

		if (job == NULL || !job->verifying || job->failed_early || e->time <= job->done_at)
			continue;
		node = job->node_after[0] ? job->node_after : job->p.node;
		if (strcmp(node, e->node) != 0 || strcmp(job->p.container, name) != 0 ||
		    (job->replaced_id[0] != '\0' && strcmp(e->id, job->replaced_id) == 0))
			continue;
		bad = heal_event_fails(job, e);
		if (bad) {
			char at[16];

			heal_hms(e->time, at, sizeof(at));
			job->failed_early = 1;
			snprintf(job->fail_text, sizeof(job->fail_text), "%s (%s) at %s",
			    e->action, e->text, at);
		}
	}
}

/* ---------------------------------------------------------------- actions */

/* A blocking call on a fresh engine of NODE; 0, or -1 with ERR. */
static int
heal_call(struct heal *h, const char *node, const char *method, const char *path,
    long timeout_ms, cJSON **json, char *err, size_t errlen)
{
	int i = heal_inv_index(h, node);
	struct engine *e;
	struct engine_reply rep;
	int rc;

	if (json != NULL)
		*json = NULL;
	if (i < 0) {
		snprintf(err, errlen, "node %s is not in the inventory", node);
		return -1;
	}
	e = engine_new(&h->inv->nodes[i]);
	if (e == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (engine_negotiate(e, &rep) != 0)
		engine_set_version(e, "1.41");
	engine_reply_free(&rep);
	rc = engine_call_stream(e, method, path, NULL, timeout_ms, NULL, NULL, &rep);
	if (rc != 0)
		snprintf(err, errlen, "%s", rep.error);
	else if (json != NULL && rep.body.data != NULL)
		*json = cJSON_Parse(rep.body.data);
	engine_reply_free(&rep);
	engine_free(e);
	return rc;
}

/* Remove every container of STACK from NODE (created before BEFORE, when
 * not 0); returns how many, or -1. */
static int
heal_remove_stack(struct heal *h, const char *node, const char *stack, time_t before,
    char *err, size_t errlen)
{
	char filt[300], path[1200], *enc;
	cJSON *arr = NULL, *c;
	int n = 0;

	snprintf(filt, sizeof(filt), "{\"label\":[\"" HEAL_LABEL_STACK "=%s\"]}", stack);
	enc = curl_easy_escape(NULL, filt, 0);
	snprintf(path, sizeof(path), "/containers/json?all=1&filters=%s", enc ? enc : "");
	curl_free(enc);
	if (heal_call(h, node, "GET", path, 15000, &arr, err, errlen) != 0)
		return -1;
	cJSON_ArrayForEach(c, arr) {
		cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "Id");
		cJSON *created = cJSON_GetObjectItemCaseSensitive(c, "Created");

		if (!cJSON_IsString(id) || strspn(id->valuestring, "0123456789abcdef") !=
		    strlen(id->valuestring))
			continue;
		if (before != 0 && (!cJSON_IsNumber(created) || created->valuedouble >= (double)before))
			continue;
		snprintf(path, sizeof(path), "/containers/%s?force=1&v=0", id->valuestring);
		if (heal_call(h, node, "DELETE", path, 30000, NULL, err, errlen) == 0)
			n++;
	}
	cJSON_Delete(arr);
	return n;
}

/* Run a placement of the stack and wait for it: 0 with D filled, -1. */
static int
heal_place(struct heal_job *job, int rev, const char *node, struct pd_deploy *d, char *err,
    size_t errlen)
{
	struct heal *h = job->h;
	char why[200];
	int64_t id;

	snprintf(why, sizeof(why), "heal #%lld: %s", (long long)job->p.id,
	    pd_heal_action_name(job->p.action));
	if (rollout_place(h->ro, job->p.stack, rev, node, why,
	    job->p.decided_by[0] ? job->p.decided_by : NULL, &id, err, errlen) != 0)
		return -1;
	rollout_wait(h->ro, id, 15 * 60 * 1000);
	if (rollout_get(h->ro, id, d, err, errlen) != 0)
		return -1;
	return 0;
}

/* Quarantine P's container (ENC: its name, URL-escaped): pause it when it
 * runs, then commit its files to P's snapshot image; 0 with RES, -1 with ERR. */
static int
heal_quarantine(struct heal *h, const struct pd_proposal *p, const char *enc, char *res,
    size_t reslen, char *err, size_t errlen)
{
	char path[1400], repo[PD_NAME_LEN], *tag, *erepo, *etag, *ecomment, comment[300];
	cJSON *j = NULL, *st, *img;
	int paused = 0, running = 0;

	snprintf(path, sizeof(path), "/containers/%s/json", enc);
	if (heal_call(h, p->node, "GET", path, 15000, &j, err, errlen) != 0)
		return -1;
	st = cJSON_GetObjectItemCaseSensitive(j, "State");
	paused = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Paused"));
	running = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Running"));
	cJSON_Delete(j);
	j = NULL;
	if (running && !paused) {
		snprintf(path, sizeof(path), "/containers/%s/pause", enc);
		if (heal_call(h, p->node, "POST", path, 30000, NULL, err, errlen) != 0)
			return -1;
		paused = 1;
	}
	snprintf(repo, sizeof(repo), "%s", p->snapshot);
	tag = strrchr(repo, ':');
	if (tag == NULL) {
		snprintf(err, errlen, "the proposal names no snapshot image");
		return -1;
	}
	*tag++ = '\0';
	snprintf(comment, sizeof(comment), "plantdeck quarantine of %s on %s, proposal #%lld",
	    p->container, p->node, (long long)p->id);
	erepo = curl_easy_escape(NULL, repo, 0);
	etag = curl_easy_escape(NULL, tag, 0);
	ecomment = curl_easy_escape(NULL, comment, 0);
	/* pause=false: it is paused already, or stopped; a commit must not unpause it. */
	snprintf(path, sizeof(path), "/commit?container=%s&repo=%s&tag=%s&comment=%s&pause=false",
	    enc, erepo ? erepo : "", etag ? etag : "", ecomment ? ecomment : "");
	curl_free(erepo);
	curl_free(etag);
	curl_free(ecomment);
	if (heal_call(h, p->node, "POST", path, 120000, &j, err, errlen) != 0) {
		if (paused)
			snprintf(res, reslen, "paused %s on %s", p->container, p->node);
		snprintf(err + strlen(err), errlen - strlen(err), "%s%s", paused ? "; it stays "
		    "paused, but its files were not committed: " : "", paused ? res : "");
		return -1;
	}
	img = cJSON_GetObjectItemCaseSensitive(j, "Id");
	snprintf(res, reslen, "%s %s on %s; its files are image %s (%.19s)", paused ?
	    "paused" : "did not pause (not running)", p->container, p->node, p->snapshot,
	    cJSON_IsString(img) ? img->valuestring : "?");
	cJSON_Delete(j);
	return 0;
}

/* Member KEY of object J as a small whole number, or 0. */
static int
heal_json_int(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e6 ?
	    (int)v->valuedouble : 0;
}

/* Have the node's agent re-apply P's container's desired limits; 0 with
 * RES, -1 with ERR. */
static int
heal_reapply(struct heal *h, const struct pd_proposal *p, char *res, size_t reslen, char *err,
    size_t errlen)
{
	char line[PD_NAME_LEN + 8], *out = NULL;
	cJSON *j;
	int ok, drifted, fixed;

	snprintf(line, sizeof(line), "fix %s", p->container);
	if (agent_remote_request(&h->cfg, p->node, line, &out, err, errlen) != 0)
		return -1;
	j = cJSON_Parse(out);
	free(out);
	if (j == NULL) {
		snprintf(err, errlen, "the agent on %s answered no JSON", p->node);
		return -1;
	}
	ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"));
	drifted = heal_json_int(j, "drifted");
	fixed = heal_json_int(j, "fixed");
	if (!ok) {
		cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");

		snprintf(err, errlen, "the agent on %s could not re-apply: %s", p->node,
		    cJSON_IsString(e) ? e->valuestring : (drifted > fixed ? "still drifted after "
		    "the fix" : "not ok"));
		cJSON_Delete(j);
		return -1;
	}
	snprintf(res, reslen, "the agent on %s re-applied %d drifted limit%s of %s; none "
	    "drifts now", p->node, fixed, fixed == 1 ? "" : "s", p->container);
	cJSON_Delete(j);
	return 0;
}

/* The worker: carry out one approved proposal. */
static void *
heal_worker(void *arg)
{
	struct heal_job *job = arg;
	struct heal *h = job->h;
	struct pd_proposal *p = &job->p;
	char err[PD_ERROR_LEN] = "", res[PD_ERROR_LEN] = "", path[400], *enc;
	char after[PD_NAME_LEN] = "";
	int ok = 0;

	job->issued_at = time(NULL);
	if (p->kind != PD_FIND_TASK_FAILING &&
	    (p->action == PD_HEAL_RESCHEDULE || p->action == PD_HEAL_ROLLBACK)) {
		/* These replace the container: note which one, so that its late
		 * events (a stop the switch made) are not taken for the new one's. */
		struct pd_snapshot *s = fleet_snapshot(h->fleet);
		const struct pd_container *c = s != NULL ? heal_container(s, p->node, p->container) :
		    NULL;

		if (c != NULL)
			snprintf(job->replaced_id, sizeof(job->replaced_id), "%s", c->id);
		pd_snapshot_free(s);
	}
	if (p->kind == PD_FIND_TASK_FAILING && p->action == PD_HEAL_ROLLBACK &&
	    p->to_revision > 0) {
		struct pd_deploy d;

		/* A plantdeck stack on Swarm: the whole stack, its placement kept. */
		if (heal_place(job, p->to_revision, NULL, &d, err, sizeof(err)) == 0) {
			snprintf(res, sizeof(res), "deploy #%lld brought stack %s to revision %d "
			    "through Swarm: %s%s%s", (long long)d.id, d.stack, d.revision,
			    pd_deploy_state_name(d.state), d.message[0] ? ": " : "", d.message);
			ok = d.state == PD_DEPLOY_COMPLETED;
			if (!ok)
				snprintf(err, sizeof(err), "%s", res);
			pd_deploy_free(&d);
		}
		if (ok)
			heal_swarm_spec_after(h, job);
		pthread_mutex_lock(&h->lock);
		job->ok = ok;
		snprintf(job->result, sizeof(job->result), "%s", ok ? res : err);
		job->done = 1;
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	if (p->kind == PD_FIND_TASK_FAILING) {
		ok = heal_swarm_act(h, p, res, sizeof(res), err, sizeof(err)) == 0;
		if (ok)
			heal_swarm_spec_after(h, job);
		pthread_mutex_lock(&h->lock);
		job->ok = ok;
		snprintf(job->result, sizeof(job->result), "%s", ok ? res : err);
		job->done = 1;
		pthread_mutex_unlock(&h->lock);
		return NULL;
	}
	enc = curl_easy_escape(NULL, p->container, 0);
	switch (p->action) {
	case PD_HEAL_RESTART:
		snprintf(path, sizeof(path), "/containers/%s/restart?t=10", enc ? enc : "");
		if (heal_call(h, p->node, "POST", path, 60000, NULL, err, sizeof(err)) == 0) {
			snprintf(res, sizeof(res), "restarted %s on %s", p->container, p->node);
			ok = 1;
		}
		break;
	case PD_HEAL_RESCHEDULE: {
		struct pd_deploy d;
		int created = 0;

		if (heal_place(job, 0, p->to_node, &d, err, sizeof(err)) != 0)
			break;
		if (d.nnodes == 1) {
			const struct pd_deploy_node *dn = &d.nodes[0];

			created = dn->phase == PD_PHASE_DONE || dn->phase == PD_PHASE_MONITOR ||
			    dn->phase == PD_PHASE_HEALTH || strncmp(dn->step, "health", 6) == 0 ||
			    strncmp(dn->step, "monitor", 7) == 0;
			snprintf(res, sizeof(res), "deploy #%lld put stack %s revision %d on %s "
			    "(%s%s%s)", (long long)d.id, d.stack, d.revision, p->to_node,
			    pd_phase_name(dn->phase), dn->error[0] ? ": " : "", dn->error);
		}
		if (!created) {
			snprintf(err, sizeof(err), "%s", res[0] ? res : "the deploy did not start it");
			pd_deploy_free(&d);
			break;
		}
		pd_deploy_free(&d);
		if (p->kind == PD_FIND_STRANDED) {
			/* Its node does not answer: remove the old containers when it does,
			 * or they would run twice. */
			if (store_heal_cleanup_add(h->st, p->id, p->node, p->stack, time(NULL)) == 1)
				snprintf(res + strlen(res), sizeof(res) - strlen(res), "; its containers "
				    "on %s are removed when that node answers again", p->node);
			else
				snprintf(res + strlen(res), sizeof(res) - strlen(res), "; ALARM: could "
				    "not record the removal from %s: remove stack %s there by hand",
				    p->node, p->stack);
		} else {
			int n = heal_remove_stack(h, p->node, p->stack, 0, err, sizeof(err));

			if (n >= 0)
				snprintf(res + strlen(res), sizeof(res) - strlen(res),
				    "; removed %d container%s of it from %s", n, n == 1 ? "" : "s",
				    p->node);
			else
				snprintf(res + strlen(res), sizeof(res) - strlen(res),
				    "; ALARM: could not remove it from %s: %s", p->node, err);
		}
		snprintf(after, sizeof(after), "%s", p->to_node);
		ok = 1;
		break;
	}
	case PD_HEAL_ROLLBACK: {
		struct pd_deploy d;

		if (heal_place(job, p->to_revision, p->node, &d, err, sizeof(err)) != 0)
			break;
		snprintf(res, sizeof(res), "deploy #%lld brought stack %s on %s to revision %d: "
		    "%s%s%s", (long long)d.id, d.stack, p->node, d.revision,
		    pd_deploy_state_name(d.state), d.message[0] ? ": " : "", d.message);
		ok = d.state == PD_DEPLOY_COMPLETED;
		if (!ok)
			snprintf(err, sizeof(err), "%s", res);
		pd_deploy_free(&d);
		break;
	}
	case PD_HEAL_MEMORY: {
		struct pd_tune_result tr;
		char kv[64], a[16], b[16];
		char *kvs[1] = { kv };
		int rc;

		snprintf(kv, sizeof(kv), "memory=%llu", (unsigned long long)p->memory_to);
		memset(&tr, 0, sizeof(tr));
		rc = backend_tune(&h->cfg, p->node, p->container, kvs, 1, &tr, err, sizeof(err));
		if (rc < 0)
			break;
		pd_format_bytes(a, sizeof(a), p->memory_from);
		pd_format_bytes(b, sizeof(b), p->memory_to);
		snprintf(res, sizeof(res), "memory limit %s -> %s; the engine reads back %s%s", a, b,
		    tr.nitems > 0 && tr.items[0].engine[0] ? tr.items[0].engine : "?",
		    rc == 1 ? " (NOT as asked)" : "");
		if (rc == 1) {
			snprintf(err, sizeof(err), "%s", res);
			break;
		}
		/* A container the kernel killed stays stopped: start it on the new limit. */
		snprintf(path, sizeof(path), "/containers/%s/start", enc ? enc : "");
		if (heal_call(h, p->node, "POST", path, 30000, NULL, err, sizeof(err)) == 0)
			snprintf(res + strlen(res), sizeof(res) - strlen(res), "; started it");
		else if (strstr(err, "304") == NULL)
			snprintf(res + strlen(res), sizeof(res) - strlen(res), "; start: %s", err);
		ok = 1;
		break;
	}
	case PD_HEAL_QUARANTINE:
		ok = heal_quarantine(h, p, enc ? enc : "", res, sizeof(res), err, sizeof(err)) == 0;
		break;
	case PD_HEAL_REAPPLY:
		ok = heal_reapply(h, p, res, sizeof(res), err, sizeof(err)) == 0;
		break;
	}
	curl_free(enc);
	pthread_mutex_lock(&h->lock);
	job->ok = ok;
	snprintf(job->result, sizeof(job->result), "%s", ok ? res : err);
	snprintf(job->node_after, sizeof(job->node_after), "%s", after);
	job->done = 1;
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* ---------------------------------------------------------------- verification */

/* Audit what the executor did with P. */
static void
heal_audit_result(struct heal *h, const struct pd_proposal *p, const char *state,
    const char *result)
{
	char target[PD_ERROR_LEN], detail[PD_ERROR_LEN * 2], actor[PD_ERROR_LEN], err[PD_ERROR_LEN];

	heal_target(p, target, sizeof(target));
	snprintf(detail, sizeof(detail), "%s: %s", state, result);
	snprintf(actor, sizeof(actor), "%s, approved by %s", h->actor,
	    p->automatic ? "heal.auto" : p->decided_by);
	if (audit_append_as(h->st, actor, "heal", target, detail, err, sizeof(err)) != 0)
		log_msg(LOG_ERROR, "heal: audit: %s", err);
}

/* End job slot J with STATE and RESULT. */
void
heal_job_end(struct heal *h, size_t j, const char *state, const char *result, time_t now)
{
	struct heal_job *job = h->jobs[j];
	struct heal_fnd *f = heal_fnd_by_id(h, job->p.finding);

	store_heal_proposal_set(h->st, job->p.id, state, result, now);
	log_msg(LOG_INFO, "heal: proposal #%lld %s: %s", (long long)job->p.id, state, result);
	heal_audit_result(h, &job->p, state, result);
	if (f != NULL && f->live == job->p.id)
		f->live = 0;    /* failed: the next stage comes while it persists */
	if (f != NULL && strcmp(state, "succeeded") == 0) {
		/* It helped: the exits and kills before it were the old trouble's,
		 * not a reason for the next stage while they age out of the window. */
		struct heal_track *t = heal_track_get(h, f->node, f->container, 0);

		if (t != NULL) {
			heal_track_forget(t);
			t->exited_since = 0;
		}
	}
	free(job);
	h->jobs[j] = NULL;
}

/* Finished workers start verifying; verifications end. */
void
heal_jobs_tick(struct heal *h, const struct pd_snapshot *s, time_t now)
{
	for (size_t j = 0; j < HEAL_MAX_JOBS; j++) {
		struct heal_job *job = h->jobs[j];
		char msg[PD_ERROR_LEN * 2];
		int done;

		if (job == NULL)
			continue;
		pthread_mutex_lock(&h->lock);
		done = job->done;
		pthread_mutex_unlock(&h->lock);
		if (!job->verifying) {
			struct heal_fnd *f;

			if (!done)
				continue;
			pthread_join(job->th, NULL);
			if (!job->ok) {
				heal_job_end(h, j, "failed", job->result, now);
				continue;
			}
			f = heal_fnd_by_id(h, job->p.finding);
			if (job->node_after[0] != '\0' && f != NULL) {
				snprintf(f->node, sizeof(f->node), "%s", job->node_after);
				heal_fnd_save(h, f, now);
			}
			job->verifying = 1;
			job->done_at = now;
			job->until = now + (time_t)h->tm.verify_window;
			snprintf(msg, sizeof(msg), "%s; verifying for %.0fs", job->result,
			    h->tm.verify_window);
			store_heal_proposal_set(h->st, job->p.id, "verifying", msg, now);
			log_msg(LOG_INFO, "heal: proposal #%lld: %s", (long long)job->p.id, msg);
			continue;
		}
		if (job->p.kind == PD_FIND_TASK_FAILING) {
			heal_verify_swarm(h, j, s, now);
			continue;
		}
		if (job->failed_early) {
			snprintf(msg, sizeof(msg), "%s; did not help: %s", job->result, job->fail_text);
			heal_job_end(h, j, "failed", msg, now);
		} else if (now >= job->until) {
			const char *node = job->node_after[0] ? job->node_after : job->p.node;
			const struct pd_container *c = heal_container(s, node, job->p.container);
			int good = c != NULL && strcmp(c->state, "running") == 0 &&
			    c->health != PD_HEALTH_UNHEALTHY;

			if (job->p.action == PD_HEAL_QUARANTINE) {
				good = c != NULL && strcmp(c->state, "running") != 0 &&
				    strcmp(c->state, "restarting") != 0;
				if (good)
					snprintf(msg, sizeof(msg), "%s; verified: %s on %s is %s (kept) "
					    "after %.0fs", job->result, job->p.container, node, c->state,
					    h->tm.verify_window);
				else
					snprintf(msg, sizeof(msg), "%s; did not hold: %s on %s is %s",
					    job->result, job->p.container, node, c != NULL ? c->state : "gone");
				heal_job_end(h, j, good ? "succeeded" : "failed", msg, now);
				continue;
			}
			if (job->p.action == PD_HEAL_REAPPLY) {
				struct heal_track *t = heal_track_get(h, node, job->p.container, 0);

				if (good && t != NULL && t->drifting) {
					good = 0;
					snprintf(msg, sizeof(msg), "%s; did not help: the agent still reports "
					    "%s", job->result, heal_track_read(t)->drift_text);
					heal_job_end(h, j, "failed", msg, now);
					continue;
				}
			}
			if (good)
				snprintf(msg, sizeof(msg), "%s; verified: %s on %s running%s for %.0fs",
				    job->result, job->p.container, node,
				    c->health == PD_HEALTH_HEALTHY ? " and healthy" : "",
				    h->tm.verify_window);
			else
				snprintf(msg, sizeof(msg), "%s; did not help: %s on %s is %s%s",
				    job->result, job->p.container, node, c != NULL ? c->state : "gone",
				    c != NULL && c->health == PD_HEALTH_UNHEALTHY ? " and unhealthy" : "");
			heal_job_end(h, j, good ? "succeeded" : "failed", msg, now);
		}
	}
}

/* Remove the stacks that reschedules moved off unreachable nodes from those
 * nodes once they answer again (only containers older than the move). */
void
heal_cleanups_tick(struct heal *h, const struct pd_snapshot *s, time_t now)
{
	struct store_heal_cleanup todo[8];
	size_t n = store_heal_cleanups(h->st, todo, 8);
	char err[PD_ERROR_LEN], res[PD_ERROR_LEN], target[PD_ERROR_LEN], aerr[PD_ERROR_LEN];

	for (size_t i = 0; i < n; i++) {
		const struct pd_node *nd = heal_node(s, todo[i].node);
		int removed;

		if (nd == NULL || nd->reach != PD_REACH_UP)
			continue;
		removed = heal_remove_stack(h, todo[i].node, todo[i].stack, todo[i].created, err,
		    sizeof(err));
		if (removed < 0) {
			log_msg(LOG_WARN, "heal: cleanup of stack %s on %s: %s", todo[i].stack,
			    todo[i].node, err);
			continue;     /* again next tick */
		}
		snprintf(res, sizeof(res), "removed %d container%s of stack %s from %s, which "
		    "answers again (moved away by proposal #%lld)", removed, removed == 1 ? "" : "s",
		    todo[i].stack, todo[i].node, (long long)todo[i].proposal);
		store_heal_cleanup_done(h->st, todo[i].id, now, res);
		snprintf(target, sizeof(target), "proposal #%lld: cleanup node %s (stack %s)",
		    (long long)todo[i].proposal, todo[i].node, todo[i].stack);
		if (audit_append_as(h->st, h->actor, "heal", target, res, aerr, sizeof(aerr)) != 0)
			log_msg(LOG_ERROR, "heal: audit: %s", aerr);
		log_msg(LOG_INFO, "heal: %s", res);
	}
}

/* Claim approved proposals and start their workers. */
void
heal_claim(struct heal *h, time_t now)
{
	int64_t ids[HEAL_MAX_JOBS];
	size_t nids = store_heal_approved(h->st, ids, HEAL_MAX_JOBS), slot;
	char err[PD_ERROR_LEN];

	for (size_t i = 0; i < nids; i++) {
		struct heal_job *job;

		for (slot = 0; slot < HEAL_MAX_JOBS && h->jobs[slot] != NULL; slot++)
			;
		if (slot == HEAL_MAX_JOBS)
			return;
		if (!store_heal_proposal_claim(h->st, ids[i], h->me, now))
			continue;     /* another process claimed it */
		job = calloc(1, sizeof(*job));
		if (job == NULL)
			return;
		job->h = h;
		if (store_heal_proposal_get(h->st, ids[i], &job->p, err, sizeof(err)) != 0) {
			free(job);
			continue;
		}
		log_msg(LOG_INFO, "heal: proposal #%lld: executing %s", (long long)ids[i],
		    pd_heal_action_name(job->p.action));
		if (pd_thread_start(&job->th, heal_worker, job) != 0) {
			store_heal_proposal_set(h->st, ids[i], "failed", "cannot start a thread", now);
			free(job);
			continue;
		}
		h->jobs[slot] = job;
	}
}
