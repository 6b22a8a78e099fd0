/* prepull.c: a deploy's pre-pull (moved out of rollout.c): every image of
 * the target revision onto every target node before anything is switched,
 * at most max_pulls at a time per registry host, each pull's progress
 * parsed from the engine's /images/create stream into the node's percent,
 * and what the pull did journaled per node.  A refusal from a registry says
 * which credentials were tried (registry-auth.c), never the credentials. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/base/log.h"
#include "backend/base/thread.h"
#include "backend/deploy/compose.h"
#include "backend/deploy/rollout.h"
#include "backend/deploy/rollout-int.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/engine/registry-auth.h"

/* Messages are cut to their fixed-size buffers on purpose (they end up in
 * one-line fields of the journal and the screen). */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define RO_MAX_LAYERS 128

/* ---------------------------------------------------------------- pulls */

struct ro_layer {
	char id[32];
	double current, total;
	int done;
};

struct ro_pull {
	struct ro_node *n;
	struct ro_layer layers[RO_MAX_LAYERS];
	size_t nlayers;
	char error[PD_ERROR_LEN];
	int last_pct;
	int complete;                /* the stream ended with a "Status:" line */
};

/* Update a layer from one /images/create progress message. */
static void
ro_pull_layer(struct ro_pull *p, const char *id, const char *status, cJSON *detail)
{
	struct ro_layer *l = NULL;
	cJSON *cur = cJSON_GetObjectItemCaseSensitive(detail, "current");
	cJSON *tot = cJSON_GetObjectItemCaseSensitive(detail, "total");

	for (size_t i = 0; i < p->nlayers; i++)
		if (strcmp(p->layers[i].id, id) == 0)
			l = &p->layers[i];
	if (l == NULL) {
		if (p->nlayers == RO_MAX_LAYERS)
			return;
		l = &p->layers[p->nlayers++];
		memset(l, 0, sizeof(*l));
		snprintf(l->id, sizeof(l->id), "%s", id);
	}
	if (strcmp(status, "Downloading") == 0 && cJSON_IsNumber(cur) && cJSON_IsNumber(tot) &&
	    tot->valuedouble > 0) {
		l->current = cur->valuedouble;
		l->total = tot->valuedouble;
	} else if (strcmp(status, "Pull complete") == 0 || strcmp(status, "Already exists") == 0 ||
	    strcmp(status, "Download complete") == 0) {
		l->done = 1;
	}
}

/* Percent of the image's layers pulled: downloaded bytes where known. */
static int
ro_pull_pct(const struct ro_pull *p)
{
	double have = 0, want = 0;
	size_t done = 0;

	for (size_t i = 0; i < p->nlayers; i++) {
		if (p->layers[i].done) {
			done++;
			continue;
		}
		have += p->layers[i].current;
		want += p->layers[i].total;
	}
	if (p->nlayers == 0)
		return 0;
	/* Each layer weighs the same; a layer in download counts its fraction. */
	return (int)(100.0 * (done + (want > 0 ? (have / want) * (p->nlayers - done) : 0)) /
	    p->nlayers);
}

/* One line of the /images/create stream. */
static int
ro_pull_line(void *ctx, const char *line)
{
	struct ro_pull *p = ctx;
	cJSON *j = cJSON_Parse(line);
	cJSON *ed, *msg, *status, *id;
	int pct;

	if (j == NULL)
		return 0;
	ed = cJSON_GetObjectItemCaseSensitive(j, "errorDetail");
	if (ed != NULL || cJSON_GetObjectItemCaseSensitive(j, "error") != NULL) {
		msg = cJSON_GetObjectItemCaseSensitive(ed, "message");
		if (!cJSON_IsString(msg))
			msg = cJSON_GetObjectItemCaseSensitive(j, "error");
		snprintf(p->error, sizeof(p->error), "%s",
		    cJSON_IsString(msg) ? msg->valuestring : "the pull failed");
		cJSON_Delete(j);
		return 1;
	}
	status = cJSON_GetObjectItemCaseSensitive(j, "status");
	id = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (cJSON_IsString(status) && cJSON_IsString(id))
		ro_pull_layer(p, id->valuestring, status->valuestring,
		    cJSON_GetObjectItemCaseSensitive(j, "progressDetail"));
	else if (cJSON_IsString(status) && strncmp(status->valuestring, "Status:", 7) == 0)
		p->complete = 1;
	cJSON_Delete(j);
	pct = ro_pull_pct(p);
	if (pct != p->last_pct) {
		p->last_pct = pct;
		pthread_mutex_lock(&p->n->r->lock);
		p->n->pull_pct = pct;
		pthread_mutex_unlock(&p->n->r->lock);
		ro_notify(p->n->r);
	}
	return 0;
}

/* Take (or give back) a pull slot of registry HOST. */
static void
ro_registry_slot(struct rollout *r, const char *host, int take)
{
	struct ro_registry *g = NULL;

	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->nregs; i++)
		if (strcmp(r->regs[i].host, host) == 0)
			g = &r->regs[i];
	if (g == NULL && r->nregs < RO_MAX_REGISTRIES) {
		g = &r->regs[r->nregs++];
		snprintf(g->host, sizeof(g->host), "%s", host);
		g->busy = 0;
	}
	if (g == NULL)
		g = &r->regs[RO_MAX_REGISTRIES - 1];   /* more hosts than slots: share */
	if (take) {
		while (g->busy >= r->pol.max_pulls)
			pthread_cond_wait(&r->cond, &r->lock);
		g->busy++;
	} else {
		g->busy--;
		pthread_cond_broadcast(&r->cond);
	}
	pthread_mutex_unlock(&r->lock);
}

/* Whether node N has IMAGE already. */
static int
ro_image_present(struct ro_node *n, const char *image)
{
	char path[600], enc[512], err[PD_ERROR_LEN];

	ro_urlencode(image, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/images/%s/json", enc);
	return ro_call(n, "GET", path, NULL, 10000, NULL, err, sizeof(err)) == 0;
}

/* Pull IMAGE onto N, with the credentials of its registry when there are
 * some (registry-auth.c); 0, or -1 with ERR.  A refusal from the registry
 * says what was tried; the credentials never reach ERR, the journal or
 * the log. */
static int
ro_pull_image(struct ro_node *n, const char *image, char *err, size_t errlen)
{
	struct rollout *r = n->r;
	char repo[512], tag[256], host[256], erepo[1024], etag[512], path[1700];
	char aerr[PD_ERROR_LEN] = "", why[PD_ERROR_LEN];
	struct registry_auth auth;
	struct engine_reply rep;
	struct ro_pull *p;
	int rc, looked;

	if (rollout_image_split(image, repo, sizeof(repo), tag, sizeof(tag), host,
	    sizeof(host)) != 0) {
		snprintf(err, errlen, "bad image reference '%s'", image);
		return -1;
	}
	if (r->pull_if_missing && ro_image_present(n, image))
		return 0;
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->n = n;
	p->last_pct = -1;
	ro_urlencode(repo, erepo, sizeof(erepo));
	ro_urlencode(tag, etag, sizeof(etag));
	snprintf(path, sizeof(path), "/images/create?fromImage=%s&tag=%s", erepo, etag);
	/* Credentials that cannot be read are no reason to fail a pull from a
	 * registry that asks for none: pull without, and say why if it asks. */
	if (registry_auth_cached(r->auths, r->ro->inv, host, &auth, &looked, aerr,
	    sizeof(aerr)) != 0 && looked)
		log_msg(LOG_WARN, "deploy #%lld: pulling from %s without credentials: %s",
		    (long long)r->id, host, aerr);
	ro_registry_slot(r, host, 1);
	rc = engine_call_stream_hdr(n->eng, "POST", path, NULL, auth.header, 0, ro_pull_line, p,
	    &rep);
	ro_registry_slot(r, host, 0);
	if (p->error[0] != '\0' || rc != 0) {
		const char *msg = p->error[0] != '\0' ? p->error : rep.error;

		if (registry_auth_refused(msg)) {
			registry_auth_explain(&auth, aerr, msg, why, sizeof(why));
			snprintf(err, errlen, "pull %s: %s", image, why);
		} else {
			snprintf(err, errlen, "pull %s: %s", image, msg);
		}
		rc = -1;
	} else if (!p->complete) {
		snprintf(err, errlen, "pull %s: the engine ended the stream without a result",
		    image);
		rc = -1;
	} else {
		/* For the journal: what the pull did, layer by layer. */
		size_t fresh = 0;

		for (size_t i = 0; i < p->nlayers; i++)
			fresh += p->layers[i].total > 0;
		snprintf(err, errlen, "%s: %zu layers, %zu downloaded%s%s", image, p->nlayers, fresh,
		    auth.found ? ", credentials from " : "", auth.found ? auth.source : "");
	}
	registry_auth_clear(&auth);
	engine_reply_free(&rep);
	free(p);
	return rc;
}

/* Pull every image of the target revision onto N. */
static int
ro_pull_node(struct ro_node *n)
{
	struct rollout *r = n->r;
	char err[PD_ERROR_LEN], step[64];

	if (r->spec == NULL)
		return 0;
	ro_phase(n, PD_PHASE_PULLING, "pull", NULL);
	for (size_t i = 0; i < r->spec->nservices; i++) {
		const char *image = r->spec->services[i].image;
		int dup = 0;

		for (size_t k = 0; k < i; k++)
			dup |= strcmp(r->spec->services[k].image, image) == 0;
		if (dup)
			continue;
		snprintf(step, sizeof(step), "pull %.56s", r->spec->services[i].name);
		ro_begin(r, n, step, image);
		err[0] = '\0';
		if (ro_pull_image(n, image, err, sizeof(err)) != 0) {
			ro_end(r, n, step, 0, err);
			ro_phase(n, PD_PHASE_FAILED, step, err);
			return -1;
		}
		ro_end(r, n, step, 1, err[0] ? err : image);
	}
	/* Named volumes now: a missing external one fails the node before
	 * anything is switched anywhere. */
	if (ro_vol_ensure(n, err, sizeof(err)) != 0) {
		ro_phase(n, PD_PHASE_FAILED, "volumes", err);
		return -1;
	}
	pthread_mutex_lock(&r->lock);
	n->pull_pct = 100;
	pthread_mutex_unlock(&r->lock);
	ro_phase(n, PD_PHASE_PULLED, "pulled", "");
	return 0;
}

/* Pre-pull on every node that still needs it: a pool of threads, as many
 * as the node steps' pool may have. */
struct ro_pool {
	struct rollout *r;
	size_t next;
	int running;                 /* workers not yet returned */
	pthread_mutex_t lock;
};

static void *
ro_pull_worker(void *arg)
{
	struct ro_pool *pool = arg;
	struct rollout *r = pool->r;

	for (;;) {
		struct ro_node *n = NULL;

		pthread_mutex_lock(&pool->lock);
		while (pool->next < r->nnodes) {
			struct ro_node *c = &r->nodes[pool->next++];

			if (c->phase == PD_PHASE_PENDING || c->phase == PD_PHASE_PULLING) {
				n = c;
				break;
			}
		}
		if (n == NULL)
			pool->running--;
		pthread_mutex_unlock(&pool->lock);
		if (n == NULL)
			return NULL;
		ro_pull_node(n);
	}
}

void
ro_prepull(struct rollout *r)
{
	struct ro_pool pool = { .r = r };
	pthread_t th[RO_WORKERS_MAX];
	size_t nth = r->nnodes < (size_t)r->pool_max ? r->nnodes : (size_t)r->pool_max;
	size_t started = 0;

	pthread_mutex_init(&pool.lock, NULL);
	ro_begin(r, NULL, "pre-pull", NULL);
	pool.running = (int)nth;
	for (size_t i = 0; i < nth; i++)
		if (pd_thread_start(&th[i], ro_pull_worker, &pool) == 0)
			started++;
		else
			break;
	pthread_mutex_lock(&pool.lock);
	pool.running -= (int)(nth - started);
	pthread_mutex_unlock(&pool.lock);
	if (started == 0)
		ro_pull_worker(&pool);
	/* Pulls may take long: keep the heartbeat going meanwhile. */
	for (;;) {
		int running, p = 0, a = 0;

		pthread_mutex_lock(&pool.lock);
		running = pool.running;
		pthread_mutex_unlock(&pool.lock);
		if (running <= 0)
			break;
		ro_requests(r, &p, &a);
		ro_sleep_ms(200);
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&pool.lock);
	ro_end(r, NULL, "pre-pull", 1, NULL);
}
