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
#include <curl/curl.h>

#include "backend/base/log.h"
#include "backend/base/sanitize.h"
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
	/* Byte counts from a node: range-checked, so the percentage below
	 * stays a number an int holds. */
	if (strcmp(status, "Downloading") == 0 &&
	    pd_json_int(tot, 1, (long long)1 << 50, 0) > 0) {
		l->total = (double)pd_json_int(tot, 1, (long long)1 << 50, 0);
		l->current = (double)pd_json_int(cur, 0, (long long)l->total, 0);
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

/* One line of the /images/create stream into P's layers: 1 for an error
 * message (in P->error), else 0. */
static int
ro_pull_parse(struct ro_pull *p, const char *line)
{
	cJSON *j = cJSON_Parse(line);
	cJSON *ed, *msg, *status, *id;

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
	return 0;
}

/* One line of the /images/create stream: parsed, and the node's
 * percentage updated. */
static int
ro_pull_line(void *ctx, const char *line)
{
	struct ro_pull *p = ctx;
	int pct;

	if (ro_pull_parse(p, line) != 0)
		return 1;
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

#ifdef UNITTEST
int
rollout_test_pull(const char *const *lines, size_t n, int *complete, char *err, size_t errlen)
{
	struct ro_pull *p = calloc(1, sizeof(*p));
	int pct = 0;

	if (p == NULL)
		return -2;
	for (size_t i = 0; i < n && pct >= 0; i++)
		if (ro_pull_parse(p, lines[i]) != 0)
			pct = -1;
	if (pct == 0)
		pct = ro_pull_pct(p);
	snprintf(err, errlen, "%s", p->error);
	*complete = p->complete;
	free(p);
	return pct;
}
#endif

/* ---------------------------------------------------------------- the pre-pull
 *
 * One thread (the executor's) drives every node's pull on one curl multi
 * handle: a node's images one after another, every node at once, at most
 * max_pulls pulls in flight per registry host and PP_FLIGHT transfers in
 * all.  A pull waits on its engine and the registry, not on a CPU: a thread
 * each would bound a 270-node pre-pull by the pool's size (32 at a time)
 * for nothing. */

#define PP_FLIGHT 512            /* transfers in flight at once (sockets: 1,024 by default) */

/* One node's pre-pull. */
struct pp_job {
	struct ro_node *n;
	size_t img;                  /* the service whose image is pulled now */
	int state;                   /* PP_* */
	int host;                    /* its registry's index in the hosts table */
	CURL *h;
	struct curl_slist *hdr;
	struct engine_reply rep;
	struct ro_pull *p;
	struct registry_auth auth;
	char aerr[PD_ERROR_LEN];
	char step[64];
	char path[1700];             /* the transfer's path */
	char pull[1700];             /* the pull's path */
	char line[8192];             /* the stream's line being read */
	size_t llen;
	int stopped;                 /* the line callback ended the transfer */
};

enum {
	PP_NEXT,                     /* go to its next image (or finish) */
	PP_CHECK,                    /* pull_if_missing: GET /images/X/json in flight */
	PP_SLOT,                     /* waits for a pull slot of its registry */
	PP_PULL,                     /* POST /images/create in flight */
	PP_DONE,
};

/* The registries pulled from, and their pulls in flight. */
struct pp_hosts {
	char host[RO_MAX_REGISTRIES][256];
	int busy[RO_MAX_REGISTRIES];
	size_t n;
};

/* The index of registry HOST in H (the last one is shared past the table's end). */
static int
pp_host(struct pp_hosts *h, const char *host)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->host[i], host) == 0)
			return (int)i;
	if (h->n == RO_MAX_REGISTRIES)
		return RO_MAX_REGISTRIES - 1;
	snprintf(h->host[h->n], sizeof(h->host[0]), "%s", host);
	h->busy[h->n] = 0;
	return (int)h->n++;
}

/* Hand complete lines of a pull's stream to ro_pull_line; keep the start of
 * the body in the reply too, for an error message (as engine_call_stream). */
static size_t
pp_on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct pp_job *j = arg;
	size_t n = size * nmemb;

	if (j->rep.body.len < 4096)
		engine_buf_append(&j->rep.body, data, n < 4096 ? n : 4096);
	if (j->state != PP_PULL)
		return n;
	for (size_t i = 0; i < n; i++) {
		if (data[i] != '\n' && j->llen < sizeof(j->line) - 1) {
			j->line[j->llen++] = data[i];
			continue;
		}
		if (data[i] != '\n')
			continue;   /* an overlong line is cut, its end dropped */
		j->line[j->llen] = '\0';
		j->llen = 0;
		if (ro_pull_line(j->p, j->line) != 0) {
			j->stopped = 1;
			return 0;
		}
	}
	return n;
}

/* Zero the strings of header list L (one may hold credentials), then free it. */
static void
pp_headers_free(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p != NULL; p = p->next)
		if (p->data != NULL)
			explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/* Start J's transfer of METHOD on J->path (with J->hdr) on M; 0 or -1 (ERR). */
static int
pp_start(CURLM *m, struct pp_job *j, const char *method, char *err, size_t errlen)
{
	engine_reply_reset(&j->rep);
	j->llen = 0;
	j->stopped = 0;
	j->h = engine_easy(j->n->eng, method, j->path, 1, NULL, strcmp(method, "GET") == 0 ?
	    10000 : 0, &j->rep);
	if (j->h == NULL) {
		snprintf(err, errlen, "%s: %s %s: out of memory", j->n->inv->name, method, j->path);
		return -1;
	}
	curl_easy_setopt(j->h, CURLOPT_WRITEFUNCTION, pp_on_body);
	curl_easy_setopt(j->h, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(j->h, CURLOPT_PRIVATE, (char *)j);
	if (strcmp(method, "POST") == 0) {
		/* No deadline for a pull, but not a silent one either. */
		curl_easy_setopt(j->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(j->h, CURLOPT_LOW_SPEED_TIME, 60L);
		curl_easy_setopt(j->h, CURLOPT_HTTPHEADER, j->hdr);
	}
	if (curl_multi_add_handle(m, j->h) != CURLM_OK) {
		curl_easy_cleanup(j->h);
		j->h = NULL;
		snprintf(err, errlen, "%s: %s %s: cannot start the transfer", j->n->inv->name,
		    method, j->path);
		return -1;
	}
	return 0;
}

/* J's pull failed or went wrong with ERR: the node fails, nothing is switched. */
static void
pp_fail(struct pp_job *j, const char *err)
{
	ro_end(j->n->r, j->n, j->step, 0, err);
	ro_phase(j->n, PD_PHASE_FAILED, j->step, err);
	j->state = PP_DONE;
}

/* J goes on to its next image, or, with none left, is pulled (its named
 * volumes made first: a missing external one fails the node now). */
static void
pp_next(CURLM *m, struct pp_hosts *hosts, struct pp_job *j)
{
	struct rollout *r = j->n->r;
	char repo[512], tag[256], host[256], erepo[1024], etag[512], enc[1024];
	char err[PD_ERROR_LEN];
	const char *image;
	int dup;

	for (;;) {
		if (j->img >= r->spec->nservices) {
			if (ro_vol_ensure(j->n, err, sizeof(err)) != 0) {
				ro_phase(j->n, PD_PHASE_FAILED, "volumes", err);
			} else {
				pthread_mutex_lock(&r->lock);
				j->n->pull_pct = 100;
				pthread_mutex_unlock(&r->lock);
				ro_phase(j->n, PD_PHASE_PULLED, "pulled", "");
			}
			j->state = PP_DONE;
			return;
		}
		image = r->spec->services[j->img].image;
		dup = 0;
		for (size_t k = 0; k < j->img; k++)
			dup |= strcmp(r->spec->services[k].image, image) == 0;
		if (!dup)
			break;
		j->img++;
	}
	snprintf(j->step, sizeof(j->step), "pull %.56s", r->spec->services[j->img].name);
	ro_begin(r, j->n, j->step, image);
	if (rollout_image_split(image, repo, sizeof(repo), tag, sizeof(tag), host,
	    sizeof(host)) != 0) {
		snprintf(err, sizeof(err), "bad image reference '%s'", image);
		pp_fail(j, err);
		return;
	}
	j->host = pp_host(hosts, host);
	memset(j->p, 0, sizeof(*j->p));
	j->p->n = j->n;
	j->p->last_pct = -1;
	ro_urlencode(repo, erepo, sizeof(erepo));
	ro_urlencode(tag, etag, sizeof(etag));
	snprintf(j->pull, sizeof(j->pull), "/images/create?fromImage=%s&tag=%s", erepo, etag);
	if (r->pull_if_missing) {
		ro_urlencode(image, enc, sizeof(enc));
		snprintf(j->path, sizeof(j->path), "/images/%s/json", enc);
		if (pp_start(m, j, "GET", err, sizeof(err)) != 0) {
			pp_fail(j, err);
			return;
		}
		j->state = PP_CHECK;
		return;
	}
	snprintf(j->path, sizeof(j->path), "%s", j->pull);
	j->state = PP_SLOT;
}

/* Start J's pull (it has a slot of its registry). */
static void
pp_pull(CURLM *m, struct pp_hosts *hosts, struct pp_job *j)
{
	struct rollout *r = j->n->r;
	char err[PD_ERROR_LEN];
	int looked = 0;
	struct curl_slist *more;

	/* Credentials that cannot be read are no reason to fail a pull from a
	 * registry that asks for none: pull without, and say why if it asks. */
	j->aerr[0] = '\0';
	if (registry_auth_cached(r->auths, r->ro->inv, hosts->host[j->host], &j->auth, &looked,
	    j->aerr, sizeof(j->aerr)) != 0 && looked)
		log_msg(LOG_WARN, "deploy #%lld: pulling from %s without credentials: %s",
		    (long long)r->id, hosts->host[j->host], j->aerr);
	/* A POST without a body is no form either. */
	j->hdr = curl_slist_append(NULL, "Content-Type:");
	if (j->hdr != NULL && j->auth.header != NULL) {
		more = curl_slist_append(j->hdr, j->auth.header);
		if (more == NULL) {
			pp_headers_free(j->hdr);
			j->hdr = NULL;
		} else {
			j->hdr = more;
		}
	}
	if (j->hdr == NULL) {
		registry_auth_clear(&j->auth);
		snprintf(err, sizeof(err), "%s: out of memory", j->n->inv->name);
		pp_fail(j, err);
		return;
	}
	hosts->busy[j->host]++;
	j->state = PP_PULL;
	if (pp_start(m, j, "POST", err, sizeof(err)) != 0) {
		hosts->busy[j->host]--;
		pp_headers_free(j->hdr);
		j->hdr = NULL;
		registry_auth_clear(&j->auth);
		pp_fail(j, err);
	}
}

/* J's transfer ended with CODE: what it means for the node. */
static void
pp_done(struct pp_hosts *hosts, struct pp_job *j, CURLcode code)
{
	struct rollout *r = j->n->r;
	const char *image = r->spec->services[j->img].image;
	char err[PD_ERROR_LEN], why[PD_ERROR_LEN];
	int rc;

	curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &j->rep.status);
	if (j->stopped && code == CURLE_WRITE_ERROR)
		code = CURLE_OK;
	if (j->state == PP_PULL && code == CURLE_OK && j->llen > 0) {
		j->line[j->llen] = '\0';
		j->llen = 0;
		ro_pull_line(j->p, j->line);
	}
	rc = engine_finish(j->n->eng, j->state == PP_PULL ? "POST" : "GET", j->path, code,
	    &j->rep);
	if (j->state == PP_CHECK) {
		if (rc == 0) {
			/* It has the image already: nothing to pull. */
			ro_end(r, j->n, j->step, 1, image);
			j->img++;
			j->state = PP_NEXT;
			return;
		}
		/* Not there (or the check failed): pull it. */
		snprintf(j->path, sizeof(j->path), "%s", j->pull);
		j->state = PP_SLOT;
		return;
	}
	hosts->busy[j->host]--;
	pp_headers_free(j->hdr);
	j->hdr = NULL;
	if (j->p->error[0] != '\0' || rc != 0) {
		const char *msg = j->p->error[0] != '\0' ? j->p->error : j->rep.error;

		if (registry_auth_refused(msg)) {
			registry_auth_explain(&j->auth, j->aerr, msg, why, sizeof(why));
			snprintf(err, sizeof(err), "pull %s: %s", image, why);
		} else {
			snprintf(err, sizeof(err), "pull %s: %s", image, msg);
		}
		registry_auth_clear(&j->auth);
		pp_fail(j, err);
		return;
	}
	if (!j->p->complete) {
		snprintf(err, sizeof(err), "pull %s: the engine ended the stream without a result",
		    image);
		registry_auth_clear(&j->auth);
		pp_fail(j, err);
		return;
	}
	{
		/* For the journal: what the pull did, layer by layer. */
		size_t fresh = 0;

		for (size_t i = 0; i < j->p->nlayers; i++)
			fresh += j->p->layers[i].total > 0;
		snprintf(err, sizeof(err), "%s: %zu layers, %zu downloaded%s%s", image,
		    j->p->nlayers, fresh, j->auth.found ? ", credentials from " : "",
		    j->auth.found ? j->auth.source : "");
	}
	registry_auth_clear(&j->auth);
	ro_end(r, j->n, j->step, 1, err);
	j->img++;
	j->state = PP_NEXT;
}

/* Pre-pull on every node that still needs it (pending, or pulling when a
 * deploy resumes), all at once on one curl multi handle; the deploy's
 * heartbeat goes on meanwhile. */
void
ro_prepull(struct rollout *r)
{
	struct pp_job *jobs = NULL;
	struct pp_hosts hosts = { .n = 0 };
	size_t nj = 0, flight = 0;
	CURLM *m = NULL;
	double beat = 0;

	ro_begin(r, NULL, "pre-pull", NULL);
	if (r->spec != NULL && r->nnodes > 0) {
		jobs = calloc(r->nnodes, sizeof(*jobs));
		m = curl_multi_init();
	}
	for (size_t i = 0; jobs != NULL && m != NULL && i < r->nnodes; i++) {
		struct ro_node *n = &r->nodes[i];

		if (n->phase != PD_PHASE_PENDING && n->phase != PD_PHASE_PULLING)
			continue;
		jobs[nj].p = malloc(sizeof(*jobs[nj].p));
		if (jobs[nj].p == NULL) {
			ro_phase(n, PD_PHASE_FAILED, "pull", "out of memory");
			continue;
		}
		jobs[nj].n = n;
		jobs[nj].state = PP_NEXT;
		ro_phase(n, PD_PHASE_PULLING, "pull", NULL);
		nj++;
	}
	if (r->spec != NULL && (jobs == NULL || m == NULL)) {
		/* No memory for the multi: no node can be pulled. */
		for (size_t i = 0; i < r->nnodes; i++)
			if (r->nodes[i].phase == PD_PHASE_PENDING || r->nodes[i].phase ==
			    PD_PHASE_PULLING)
				ro_phase(&r->nodes[i], PD_PHASE_FAILED, "pull", "out of memory");
	}
	for (; m != NULL;) {
		CURLMsg *msg;
		int running, left, busy = 0, ended = 0;

		/* Start what can start: next images, pulls with a free slot. */
		for (size_t i = 0; i < nj; i++) {
			struct pp_job *j = &jobs[i];

			while (j->state == PP_NEXT && flight < PP_FLIGHT) {
				pp_next(m, &hosts, j);
				flight += j->state == PP_CHECK;
			}
			if (j->state == PP_SLOT && flight < PP_FLIGHT &&
			    hosts.busy[j->host] < r->pol.max_pulls) {
				pp_pull(m, &hosts, j);
				flight += j->state == PP_PULL;
			}
			busy |= j->state != PP_DONE;
		}
		if (!busy)
			break;
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct pp_job *j;
			char *priv = NULL;
			CURLcode code;

			if (msg->msg != CURLMSG_DONE)
				continue;
			code = msg->data.result;   /* MSG goes with its handle */
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			j = (struct pp_job *)(void *)priv;
			curl_multi_remove_handle(m, msg->easy_handle);
			pp_done(&hosts, j, code);
			curl_easy_cleanup(j->h);
			j->h = NULL;
			flight--;
			ended = 1;
		}
		/* Pulls may take long: keep the heartbeat going meanwhile. */
		if (ro_now() - beat >= 0.2) {
			int p = 0, a = 0;

			ro_requests(r, &p, &a);
			beat = ro_now();
		}
		/* A node whose transfer ended goes on at once (its next image, or done). */
		if (!ended)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	for (size_t i = 0; i < nj; i++) {
		engine_reply_free(&jobs[i].rep);
		free(jobs[i].p);
	}
	free(jobs);
	if (m != NULL)
		curl_multi_cleanup(m);
	ro_end(r, NULL, "pre-pull", 1, NULL);
}
