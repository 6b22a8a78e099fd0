/* detect.c: the detectors — events and samples become findings with their
 * evidence.
 *
 * Each tick (heal.c) feeds the fleet snapshot's new events to per-container
 * tracks (rings of die and oom times, the agent's anomalies and drifts),
 * then heal_detect() opens a finding for each situation it sees: crash
 * loop, exited non-zero, OOM, unhealthy, node unreachable, stranded on an
 * unreachable node, agent anomaly, drift; heal_detect_pulls() turns failed
 * pulls of the deploy records into findings.  A finding is one per kind and
 * target, and is written to the database when it opens (store-heal.c).
 *
 * heal_evaluate() judges an open finding each tick (active, resolved, its
 * evidence); the hysteresis of heal_hyst_step() lets one close only after
 * its situation looked resolved for clear_after seconds, and one that
 * comes back before that counts up instead of opening another.  What to do
 * about a finding is propose.c's; Swarm services are heal-swarm.c's. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "backend/base/log.h"
#include "backend/engine/cindex.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/heal/heal-int.h"
#include "backend/store/store-heal.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---------------------------------------------------------------- pure logic */

/* Add time T to R, overwriting the oldest when full. */
STATIC void
heal_ring_push(struct heal_ring *r, time_t t)
{
	r->t[(r->head + r->n) % HEAL_RING] = t;
	if (r->n == HEAL_RING)
		r->head = (r->head + 1) % HEAL_RING;
	else
		r->n++;
}

/* How many of R's times lie in (NOW - WINDOW, NOW]. */
int
heal_ring_count(const struct heal_ring *r, time_t now, double window)
{
	int c = 0;

	for (size_t i = 0; i < r->n; i++) {
		time_t t = r->t[(r->head + i) % HEAL_RING];

		if (t <= now && (double)(now - t) < window)
			c++;
	}
	return c;
}

/* The newest time in R, or 0. */
STATIC time_t
heal_ring_last(const struct heal_ring *r)
{
	time_t last = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->t[(r->head + i) % HEAL_RING] > last)
			last = r->t[(r->head + i) % HEAL_RING];
	return last;
}

/* One tick of a finding's hysteresis.  ACTIVE: the detector sees the
 * situation now; RESOLVED: it looks over (the two may both be false, e.g. a
 * container still starting).  A closed finding opens when active; an open
 * one goes quiet when resolved, closes after CLEAR_AFTER seconds of quiet,
 * and "returns" (counts up, stays one finding) when active again before. */
enum heal_edge
heal_hyst_step(struct heal_hyst *h, int active, int resolved, time_t now, double clear_after)
{
	if (!h->open) {
		if (!active)
			return HEAL_NONE;
		h->open = 1;
		h->quiet = 0;
		h->quiet_since = 0;
		return HEAL_OPENED;
	}
	if (active) {
		if (h->quiet) {
			h->quiet = 0;
			h->quiet_since = 0;
			return HEAL_RETURNED;
		}
		return HEAL_NONE;
	}
	if (!resolved) {
		/* Neither: keep the state (a quiet spell is not broken by "starting"). */
		return HEAL_NONE;
	}
	if (!h->quiet) {
		h->quiet = 1;
		h->quiet_since = now;
		return clear_after <= 0 ? (h->open = 0, HEAL_CLOSED) : HEAL_QUIETED;
	}
	if ((double)(now - h->quiet_since) >= clear_after) {
		h->open = 0;
		h->quiet = 0;
		return HEAL_CLOSED;
	}
	return HEAL_NONE;
}

/* Split container NAME "STACK-SERVICE" by the longest of STACKS that
 * prefixes it (heal.h); 1 with STACK and SERVICE, else 0. */
STATIC int
heal_split_name(const char *name, char *const *stacks, size_t n, char *stack, size_t stacklen,
    char *service, size_t servicelen)
{
	size_t best = 0, len;
	const char *svc, *dot;

	for (size_t i = 0; i < n; i++) {
		len = strlen(stacks[i]);
		if (len > best && strncmp(name, stacks[i], len) == 0 && name[len] == '-' &&
		    name[len + 1] != '\0')
			best = len;
	}
	if (best == 0)
		return 0;
	svc = name + best + 1;
	/* "STACK-SVC.rREV" is a set-aside container, not the current one. */
	dot = strrchr(svc, '.');
	if (dot != NULL && dot[1] == 'r' && dot[2] != '\0' &&
	    strspn(dot + 2, "0123456789") == strlen(dot + 2))
		return 0;
	snprintf(stack, stacklen, "%.*s", (int)best, name);
	snprintf(service, servicelen, "%s", svc);
	return 1;
}

/* Whether STACK is one of the stacks' names read from the database. */
static int
heal_stack_known(const struct heal *h, const char *stack)
{
	for (size_t i = 0; i < h->nstacks; i++)
		if (strcmp(h->stacks[i], stack) == 0)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------- tracks and findings */

/* A track's key in the index: NODE and NAME (each cut to PD_NAME_LEN - 1,
 * as a track keeps them) as "LEN:NODEname", the length keeping the split
 * unambiguous whatever a node or an agent put in a name.  Made without
 * printf: it is made for every container every tick. */
static void
heal_track_key(char key[HEAL_TRACK_KEY_LEN], const char *node, const char *name)
{
	size_t nl = strnlen(node, PD_NAME_LEN - 1), ml = strnlen(name, PD_NAME_LEN - 1), k = 0;

	_Static_assert(PD_NAME_LEN <= 1000 && HEAL_TRACK_KEY_LEN >= 3 + 1 + 2 * PD_NAME_LEN - 1,
	    "a track's key: up to three digits, ':', node and name");
	if (nl >= 100)
		key[k++] = (char)('0' + nl / 100);
	if (nl >= 10)
		key[k++] = (char)('0' + nl / 10 % 10);
	key[k++] = (char)('0' + nl % 10);
	key[k++] = ':';
	memcpy(key + k, node, nl);
	memcpy(key + k + nl, name, ml);
	key[k + nl + ml] = '\0';
}

/* NODE and NAME back from a track's KEY; 0, or -1 when it is not a key. */
int
heal_track_split(const char *key, char node[PD_NAME_LEN], char name[PD_NAME_LEN])
{
	char *end;
	unsigned long nl = strtoul(key, &end, 10);

	if (end == key || *end != ':' || nl >= PD_NAME_LEN || strnlen(end + 1, nl) < nl ||
	    strlen(end + 1 + nl) >= PD_NAME_LEN)
		return -1;
	memcpy(node, end + 1, nl);
	node[nl] = '\0';
	snprintf(name, PD_NAME_LEN, "%s", end + 1 + nl);
	return 0;
}

/* The key of the track at POS (cindex reads the keys from the array). */
static const char *
heal_track_key_at(const void *arg, size_t pos)
{
	const struct heal *h = arg;

	return h->tracks[pos].key;
}

/* No tracks yet, and their index.  Names come from nodes and their agents:
 * the index's hash is seeded per process. */
void
heal_tracks_init(struct heal *h)
{
	h->tracks = NULL;
	h->ntracks = 0;
	cindex_init(&h->track_ix, heal_track_key_at, h, (uint32_t)getpid() ^ (uint32_t)time(NULL));
}

/* Forget every track. */
void
heal_tracks_free(struct heal *h)
{
	cindex_free(&h->track_ix);
	for (size_t i = 0; i < h->ntracks; i++)
		free(h->tracks[i].log);
	free(h->tracks);
	h->tracks = NULL;
	h->ntracks = 0;
}

/* The track of container NAME on NODE (made when CREATE), or NULL.  The
 * detectors ask for every track every tick, mostly in the order the tracks
 * were made in, and 10,000 tracks do not stay in the cache: the one after
 * the last found is looked at first (a walk in order, which the processor
 * fetches ahead), then the index by node and name; the tracks that events,
 * deploys and the database made out of that order cost a look in the
 * index rather than a walk over every track. */
struct heal_track *
heal_track_get(struct heal *h, const char *node, const char *name, int create)
{
	char key[HEAL_TRACK_KEY_LEN];
	struct heal_track *t;
	long pos;

	heal_track_key(key, node, name);
	if (h->track_next < h->ntracks && strcmp(h->tracks[h->track_next].key, key) == 0)
		pos = (long)h->track_next;
	else
		pos = cindex_find(&h->track_ix, key);
	if (pos >= 0) {
		h->track_next = (size_t)pos + 1;
		return &h->tracks[pos];
	}
	if (!create)
		return NULL;
	t = realloc(h->tracks, (h->ntracks + 1) * sizeof(*t));
	if (t == NULL)
		return NULL;
	h->tracks = t;
	t = &h->tracks[h->ntracks];
	memset(t, 0, sizeof(*t));
	snprintf(t->key, sizeof(t->key), "%s", key);
	t->seen = time(NULL);
	/* A track the index lacks would be made again on every look. */
	if (cindex_insert(&h->track_ix, t->key, h->ntracks) != 0)
		return NULL;
	h->ntracks++;
	return t;
}

/* T's log to read: its own, or an empty one. */
const struct heal_track_log *
heal_track_read(const struct heal_track *t)
{
	static const struct heal_track_log none = { .last_exit = -1 };

	return t->log != NULL ? t->log : &none;
}

/* T's log to write, made on first use. */
struct heal_track_log *
heal_track_log(struct heal_track *t)
{
	if (t->log == NULL && (t->log = calloc(1, sizeof(*t->log))) != NULL)
		t->log->last_exit = -1;
	return t->log;
}

/* Forget T's exits and kills. */
void
heal_track_forget(struct heal_track *t)
{
	if (t->log != NULL)
		t->log->dies.n = t->log->ooms.n = 0;
}

/* Whether a finding or a job of heal's names container NAME on NODE (a
 * proposal in flight, or one the finding will make). */
static int
heal_track_busy(const struct heal *h, const char *node, const char *name)
{
	for (size_t i = 0; i < h->nfnds; i++)
		if (strcmp(h->fnds[i].node, node) == 0 && strcmp(h->fnds[i].container, name) == 0)
			return 1;
	for (size_t j = 0; j < HEAL_MAX_JOBS; j++) {
		const struct heal_job *job = h->jobs[j];

		if (job != NULL && strcmp(job->p.container, name) == 0 &&
		    (strcmp(job->p.node, node) == 0 || strcmp(job->p.to_node, node) == 0))
			return 1;
	}
	return 0;
}

/* Remove the tracks of containers gone from the snapshots for longer than
 * any window a track's rings serve (a gone container's exits and kills
 * count for nothing after that, and one that comes back starts afresh as
 * a recreated one does): without this, every container a deploy or a
 * user ever replaced kept its track for the life of the process.  A track
 * a finding or a job still names stays, and so does one holding the
 * agent's report (anomalies, a drift), which only a finding clears.  The
 * last track fills the hole, so the array stays dense for the tick's walk. */
void
heal_tracks_sweep(struct heal *h, time_t now)
{
	double keep = h->tm.crash_window;

	if (now - h->swept < HEAL_TRACK_SWEEP)
		return;
	h->swept = now;
	if (h->tm.oom_window > keep)
		keep = h->tm.oom_window;
	if (h->tm.verify_window > keep)
		keep = h->tm.verify_window;
	keep += HEAL_TRACK_SWEEP;
	for (size_t i = 0; i < h->ntracks;) {
		struct heal_track *t = &h->tracks[i];
		char node[PD_NAME_LEN], name[PD_NAME_LEN];

		if ((double)(now - t->seen) <= keep || t->anomalies > 0 || t->drifting ||
		    heal_track_split(t->key, node, name) != 0 || heal_track_busy(h, node, name)) {
			i++;
			continue;
		}
		cindex_remove(&h->track_ix, t->key);
		free(t->log);
		if (i + 1 < h->ntracks) {
			*t = h->tracks[h->ntracks - 1];
			cindex_move(&h->track_ix, t->key, h->ntracks - 1, i);
		}
		h->ntracks--;
	}
	h->track_next = 0;
}

/* The open finding of KIND on NODE's CONTAINER, or NULL. */
struct heal_fnd *
heal_fnd_find(struct heal *h, enum pd_finding_kind kind, const char *node, const char *container)
{
	for (size_t i = 0; i < h->nfnds; i++)
		if (h->fnds[i].kind == kind && strcmp(h->fnds[i].node, node) == 0 &&
		    strcmp(h->fnds[i].container, container) == 0)
			return &h->fnds[i];
	return NULL;
}

/* The open finding ID, or NULL. */
struct heal_fnd *
heal_fnd_by_id(struct heal *h, int64_t id)
{
	for (size_t i = 0; i < h->nfnds; i++)
		if (h->fnds[i].id == id)
			return &h->fnds[i];
	return NULL;
}

/* Record a new open finding; NULL when it cannot be. */
struct heal_fnd *
heal_fnd_open(struct heal *h, enum pd_finding_kind kind, const char *node, const char *container,
    const char *stack, const char *service, const char *evidence, time_t now)
{
	struct heal_fnd *f;
	int64_t id = store_heal_finding_add(h->st, kind, node, container, stack, evidence, now);

	if (id == 0) {
		log_msg(LOG_ERROR, "heal: cannot record a finding");
		return NULL;
	}
	f = realloc(h->fnds, (h->nfnds + 1) * sizeof(*f));
	if (f == NULL)
		return NULL;
	h->fnds = f;
	f = &h->fnds[h->nfnds++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->kind = kind;
	snprintf(f->node, sizeof(f->node), "%s", node);
	snprintf(f->container, sizeof(f->container), "%s", container);
	snprintf(f->stack, sizeof(f->stack), "%s", stack);
	snprintf(f->service, sizeof(f->service), "%s", service);
	snprintf(f->evidence, sizeof(f->evidence), "%s", evidence);
	f->count = 1;
	f->hy.open = 1;
	f->active = 1;
	log_msg(LOG_INFO, "heal: finding #%lld: %s on %s %s", (long long)id,
	    pd_finding_kind_name(kind), node, container);
	return f;
}

/* Write F's evidence, count and last_seen. */
void
heal_fnd_save(struct heal *h, const struct heal_fnd *f, time_t now)
{
	store_heal_finding_save(h->st, f->id, f->node, f->count, f->evidence, now);
}

/* Close finding F (it stayed resolved), expiring a pending proposal. */
void
heal_fnd_close(struct heal *h, struct heal_fnd *f, time_t now)
{
	store_heal_finding_close(h->st, f->id, now);
	if (f->live != 0)
		store_heal_proposal_expire(h->st, f->live, "expired: the finding resolved", now);
	log_msg(LOG_INFO, "heal: finding #%lld resolved", (long long)f->id);
	if (f->kind == PD_FIND_ANOMALY) {
		struct heal_track *t = heal_track_get(h, f->node, f->container, 0);

		/* What comes after this finding is a new one. */
		if (t != NULL) {
			t->anomalies = 0;
			if (t->log != NULL) {
				t->log->anomaly_first = t->log->anomaly_last = 0;
				t->log->anomaly_sev[0] = t->log->anomaly_text[0] = '\0';
			}
		}
	}
	*f = h->fnds[--h->nfnds];
}

/* Close finding F because finding BY (of the same container) covers it; a
 * pending proposal of F expires, one in flight carries on. */
void
heal_fnd_supersede(struct heal *h, struct heal_fnd *f, int64_t by, time_t now)
{
	char why[96];

	for (size_t j = 0; j < HEAL_MAX_JOBS; j++)
		if (h->jobs[j] != NULL && h->jobs[j]->p.finding == f->id)
			return;
	snprintf(why, sizeof(why), "expired: superseded by finding #%lld", (long long)by);
	store_heal_finding_expire(h->st, f->id, why, now);
	store_heal_finding_close(h->st, f->id, now);
	log_msg(LOG_INFO, "heal: finding #%lld superseded by #%lld", (long long)f->id,
	    (long long)by);
	*f = h->fnds[--h->nfnds];
}

/* ---------------------------------------------------------------- evaluation */

/* Whether a container counts as crash-looping, and as over it. */
static void
heal_cond_crash(const struct heal *h, const struct pd_container *c, const struct heal_track *t,
    time_t now, int *active, int *resolved)
{
	int n = t != NULL ? heal_ring_count(&heal_track_read(t)->dies, now, h->tm.crash_window) : 0;

	/* The engine's restart backoff doubles up to a minute: a container
	 * that has looped for a while exits less often than the window sees,
	 * but the engine says it is restarting and has restarted N times. */
	*active = c != NULL && (n >= h->tm.crash_restarts ||
	    (c->restart_count >= h->tm.crash_restarts && strcmp(c->state, "restarting") == 0));
	*resolved = c == NULL || (strcmp(c->state, "running") == 0 && n == 0);
}

/* Since when node N has been unreachable, when that is past node_grace;
 * else 0. */
static time_t
heal_down_at(const struct heal *h, int i, time_t now)
{
	if (i < 0 || h->down_since[i] == 0 || (double)(now - h->down_since[i]) < h->tm.node_grace)
		return 0;
	return h->down_since[i];
}

/* The same for node N (NULL: none). */
static time_t
heal_down_since(const struct heal *h, const struct pd_node *n, time_t now)
{
	return heal_down_at(h, n != NULL ? heal_inv_index(h, n->name) : -1, now);
}

/* Evaluate finding F on snapshot S: active/resolved, and its evidence. */
void
heal_evaluate(struct heal *h, struct heal_fnd *f, const struct pd_snapshot *s, time_t now,
    int *active, int *resolved)
{
	const struct pd_container *c = f->container[0] ?
	    heal_container(s, f->node, f->container) : NULL;
	struct heal_track *t = f->container[0] ?
	    heal_track_get(h, f->node, f->container, 0) : NULL;
	const struct heal_track_log *tl = t != NULL ? heal_track_read(t) : NULL;
	char at[16], lim[16], use[16];

	*active = *resolved = 0;
	switch (f->kind) {
	case PD_FIND_CRASH_LOOP: {
		int n = t != NULL ? heal_ring_count(&tl->dies, now, h->tm.crash_window) : 0;

		heal_cond_crash(h, c, t, now, active, resolved);
		if (*active) {
			if (t != NULL && tl->dies.n > 0) {
				heal_hms(heal_ring_last(&tl->dies), at, sizeof(at));
				snprintf(f->evidence, sizeof(f->evidence), "%d exits in the last %.0fs, "
				    "the last at %s with exit code %d; state %s, restart count %d", n,
				    h->tm.crash_window, at, tl->last_exit, c->state, c->restart_count);
			} else {
				snprintf(f->evidence, sizeof(f->evidence), "%d exits in the last %.0fs; "
				    "state %s, restart count %d, exit code %d", n, h->tm.crash_window,
				    c->state, c->restart_count, c->exit_code);
			}
		}
		break;
	}
	case PD_FIND_EXITED:
		*active = c != NULL && strcmp(c->state, "exited") == 0 && c->exit_code != 0 &&
		    t != NULL && t->exited_since != 0 && now - t->exited_since >= HEAL_EXITED_GRACE;
		*resolved = c == NULL || strcmp(c->state, "running") == 0;
		if (*active) {
			heal_hms(c->finished_at ? c->finished_at : t->exited_since, at, sizeof(at));
			snprintf(f->evidence, sizeof(f->evidence), "exited with code %d at %s and "
			    "was not restarted", c->exit_code, at);
		}
		break;
	case PD_FIND_OOM: {
		time_t last = t != NULL ? heal_ring_last(&tl->ooms) : 0;
		int n = t != NULL ? heal_ring_count(&tl->ooms, now, h->tm.oom_window) : 0;

		*active = c != NULL && last != 0 && (double)(now - last) < h->tm.oom_window;
		*resolved = c == NULL || (strcmp(c->state, "running") == 0 && !*active);
		if (*active) {
			heal_hms(last, at, sizeof(at));
			pd_format_bytes(lim, sizeof(lim), c->mem_limit);
			pd_format_bytes(use, sizeof(use), c->mem_usage);
			snprintf(f->evidence, sizeof(f->evidence), "%d oom event%s in the last %.0fs, "
			    "the last at %s; state %s; memory limit %s, usage %s (last sample)", n,
			    n == 1 ? "" : "s", h->tm.oom_window, at, c->state,
			    c->mem_limit ? lim : "-", c->mem_usage ? use : "-");
		}
		break;
	}
	case PD_FIND_UNHEALTHY:
		/* Unhealthy while running; a container that exits is another finding's. */
		*active = c != NULL && c->health == PD_HEALTH_UNHEALTHY &&
		    strcmp(c->state, "running") == 0;
		*resolved = c == NULL || c->health == PD_HEALTH_HEALTHY ||
		    c->health == PD_HEALTH_NONE || strcmp(c->state, "running") != 0;
		break;
	case PD_FIND_NODE_DOWN: {
		const struct pd_node *n = heal_node(s, f->node);
		time_t since = heal_down_since(h, n, now);

		*active = since != 0;
		*resolved = n == NULL || n->reach == PD_REACH_UP;
		if (*active) {
			heal_hms(since, at, sizeof(at));
			snprintf(f->evidence, sizeof(f->evidence), "unreachable (%s) since %s: %s",
			    pd_reach_name(n->reach), at, n->error);
		}
		break;
	}
	case PD_FIND_PULL_FAILED:
		/* Opened from the deploy records; it closes after clear_after. */
		*active = 0;
		*resolved = 1;
		break;
	case PD_FIND_ANOMALY:
		/* A security finding does not resolve by itself when the intruder
		 * goes quiet: only quarantine (paused) or the container's removal
		 * ends it, or an engineer's rejection stops its proposals. */
		*active = c != NULL && t != NULL && t->anomalies > 0 &&
		    strcmp(c->state, "paused") != 0;
		*resolved = c == NULL || strcmp(c->state, "paused") == 0;
		if (*active && !t->seeded) {
			char first[16];

			heal_hms(tl->anomaly_first, first, sizeof(first));
			heal_hms(tl->anomaly_last, at, sizeof(at));
			snprintf(f->evidence, sizeof(f->evidence), "%d anomal%s caught by the agent on "
			    "%s since %s, the last at %s; the worst (%s): %s", t->anomalies,
			    t->anomalies == 1 ? "y" : "ies", f->node, first, at, tl->anomaly_sev,
			    tl->anomaly_text);
			if (t->anomalies > f->count)
				f->count = t->anomalies;
		}
		break;
	case PD_FIND_DRIFT:
		*active = c != NULL && t != NULL && t->drifting && strcmp(c->state, "running") == 0;
		*resolved = c == NULL || (t != NULL && !t->drifting);
		if (*active && !t->seeded) {
			heal_hms(tl->drift_since, at, sizeof(at));
			snprintf(f->evidence, sizeof(f->evidence), "the agent on %s reports since %s: %s",
			    f->node, at, tl->drift_text);
		}
		break;
	case PD_FIND_TASK_FAILING:
		heal_evaluate_swarm(h, f, s, now, active, resolved);
		break;
	case PD_FIND_STRANDED: {
		const struct pd_node *n = heal_node(s, f->node);
		time_t since = heal_down_since(h, n, now);

		*active = c != NULL && since != 0;
		*resolved = c == NULL || n == NULL || n->reach == PD_REACH_UP;
		if (*active) {
			heal_hms(since, at, sizeof(at));
			snprintf(f->evidence, sizeof(f->evidence), "node %s unreachable (%s) since %s: "
			    "%s; %s of stack %s was %s there when last seen", f->node,
			    pd_reach_name(n->reach), at, n->error, f->container, f->stack, c->state);
		}
		break;
	}
	}
}

/* ---------------------------------------------------------------- events */

/* The name of event E's container: an agent names one that its engine did
 * not know by its short id, which the snapshot may know by name. */
static const char *
heal_event_container(const struct pd_snapshot *s, const struct pd_event *e)
{
	size_t len = strlen(e->container);

	if (e->kind != PD_EV_ANOMALY || len != 12 ||
	    strspn(e->container, "0123456789abcdef") != len)
		return e->container;
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *n = &s->nodes[i];

		if (strcmp(n->name, e->node) != 0)
			continue;
		for (size_t k = 0; k < n->ncontainers; k++) {
			const struct pd_container *c = &s->containers[n->first_container + k];

			if (strncmp(c->id, e->container, len) == 0 && c->name[0] != '\0')
				return c->name;
		}
	}
	return e->container;
}

/* Whether agent event E is an anomaly that the policy makes a finding of. */
static int
heal_is_anomaly(const struct heal *h, const struct pd_event *e)
{
	if (e->kind != PD_EV_ANOMALY || (strcmp(e->action, "signal") != 0 &&
	    strcmp(e->action, "exec") != 0 && strcmp(e->action, "ptrace") != 0))
		return 0;
	if (strcmp(e->severity, "critical") == 0)
		return 1;
	return strcmp(e->severity, "warning") == 0 && !h->inv->heal.anomaly_critical_only;
}

/* Feed agent event E (anomaly, drift) to track T. */
static void
heal_agent_event(struct heal *h, struct heal_track *t, const struct pd_event *e)
{
	struct heal_track_log *l = heal_track_log(t);

	if (l == NULL)
		return;
	if (t->seeded) {
		t->seeded = 0;
		l->anomaly_sev[0] = '\0';
	}
	if (heal_is_anomaly(h, e)) {
		if (t->anomalies == 0)
			l->anomaly_first = e->time;
		t->anomalies++;
		if (e->time >= l->anomaly_last)
			l->anomaly_last = e->time;
		if (l->anomaly_sev[0] == '\0' || strcmp(e->severity, "critical") == 0) {
			snprintf(l->anomaly_sev, sizeof(l->anomaly_sev), "%s", e->severity);
			snprintf(l->anomaly_text, sizeof(l->anomaly_text), "%s", e->text);
		}
	} else if (e->kind == PD_EV_ANOMALY && strcmp(e->action, "drift") == 0) {
		if (!t->drifting)
			l->drift_since = e->time;
		t->drifting = 1;
		snprintf(l->drift_text, sizeof(l->drift_text), "%s", e->text);
	} else if (e->kind == PD_EV_ANOMALY && strcmp(e->action, "drift_resolved") == 0) {
		t->drifting = 0;
	}
}

/* Feed the events newer than the last tick to the tracks and the jobs. */
void
heal_events(struct heal *h, const struct pd_snapshot *s)
{
	uint64_t top = h->last_seq;

	for (size_t k = s->nevents; k-- > 0;) {
		const struct pd_event *e = &s->events[k];
		struct heal_track *t;
		const char *name;

		if (e->seq <= h->last_seq || e->kind == PD_EV_NODE || e->container[0] == '\0') {
			if (e->seq > top)
				top = e->seq;
			continue;
		}
		if (e->seq > top)
			top = e->seq;
		name = heal_event_container(s, e);
		t = heal_track_get(h, e->node, name, 1);
		if (t != NULL && e->kind == PD_EV_ANOMALY) {
			heal_agent_event(h, t, e);
		} else if (t != NULL && (strcmp(e->action, "die") == 0 ||
		    strcmp(e->action, "oom") == 0) && heal_track_log(t) != NULL) {
			struct heal_track_log *l = t->log;

			if (e->id[0] != '\0' && strcmp(l->evid, e->id) != 0) {
				/* Another container under this name: its count starts afresh. */
				l->dies.n = l->ooms.n = 0;
				snprintf(l->evid, sizeof(l->evid), "%s", e->id);
			}
			if (e->action[0] == 'o') {
				heal_ring_push(&l->ooms, e->time);
			} else {
				heal_ring_push(&l->dies, e->time);
				if (strncmp(e->text, "exit code ", 10) == 0)
					l->last_exit = (int)strtol(e->text + 10, NULL, 10);
			}
		}
		heal_jobs_event(h, e, name);
	}
	h->last_seq = top;
}

/* ---------------------------------------------------------------- detectors */

/* The last output of container NAME's healthcheck (inspect), made one line. */
static void
heal_health_output(struct engine *e, const char *name, char *out, size_t len)
{
	struct engine_reply rep;
	char path[400], *enc;
	cJSON *j, *log, *last, *o;

	out[0] = '\0';
	if (e == NULL)
		return;
	enc = curl_easy_escape(NULL, name, 0);
	snprintf(path, sizeof(path), "/containers/%s/json", enc != NULL ? enc : "");
	curl_free(enc);
	if (engine_call(e, "GET", path, NULL, &rep) == 0 && rep.body.data != NULL &&
	    (j = cJSON_Parse(rep.body.data)) != NULL) {
		log = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(j, "State"), "Health"), "Log");
		last = cJSON_GetArrayItem(log, cJSON_GetArraySize(log) - 1);
		o = cJSON_GetObjectItemCaseSensitive(last, "Output");
		if (cJSON_IsString(o)) {
			size_t k = 0;

			/* Keep it one line; pd_sanitize makes the rest safe on output. */
			for (const char *p = o->valuestring; *p != '\0' && k + 1 < len; p++)
				out[k++] = (*p == '\n' || *p == '\r') ? ' ' : *p;
			while (k > 0 && out[k - 1] == ' ')
				k--;
			out[k] = '\0';
		}
		cJSON_Delete(j);
	}
	engine_reply_free(&rep);
}

/* Open findings for what the snapshot shows now. */
void
heal_detect(struct heal *h, const struct pd_snapshot *s, time_t now)
{
	char stack[PD_NAME_LEN], service[PD_NAME_LEN], out[PD_LINE_LEN], ev[PD_ERROR_LEN];

	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *n = &s->nodes[i];
		/* The fleet lists the nodes in the inventory's order: a lookup
		 * by name for each node made a tick cost the fleet's square. */
		int ix = heal_inv_index_at(h, n->name, i);

		if (ix >= 0) {
			if (n->reach == PD_REACH_DOWN || n->reach == PD_REACH_STALE) {
				if (h->down_since[ix] == 0)
					h->down_since[ix] = now;
			} else {
				h->down_since[ix] = 0;
			}
			if (heal_down_at(h, ix, now) != 0 &&
			    heal_fnd_find(h, PD_FIND_NODE_DOWN, n->name, "") == NULL)
				heal_fnd_open(h, PD_FIND_NODE_DOWN, n->name, "", "", "",
				    "unreachable", now);
		}
		for (size_t k = 0; k < n->ncontainers; k++) {
			const struct pd_container *c = &s->containers[n->first_container + k];
			struct heal_track *t;
			int is_stack, active, resolved;

			if (c->name[0] == '\0' || strcmp(c->id, n->agent) == 0)
				continue;
			is_stack = heal_split_name(c->name, h->stacks, h->nstacks, stack,
			    sizeof(stack), service, sizeof(service));
			/* Its label names a stack that prefixes its name and is not among
			 * the names read: perhaps one deployed since they were last read
			 * ("S-x-plc" of stack S-x was taken for service x-plc of S, and a
			 * rollback of S-x did not supersede its proposal). */
			if (c->stack[0] != '\0' && (!is_stack || strcmp(stack, c->stack) != 0) &&
			    strncmp(c->name, c->stack, strlen(c->stack)) == 0 &&
			    c->name[strlen(c->stack)] == '-' && !heal_stack_known(h, c->stack) &&
			    heal_refresh_stacks(h, now, c->stack))
				is_stack = heal_split_name(c->name, h->stacks, h->nstacks, stack,
				    sizeof(stack), service, sizeof(service));
			if (!is_stack) {
				char base[PD_NAME_LEN], *dot;

				stack[0] = service[0] = '\0';
				/* A stack's set-aside container ("NAME.rREV") is none of ours. */
				snprintf(base, sizeof(base), "%s", c->name);
				dot = strrchr(base, '.');
				if (dot != NULL && dot[1] == 'r') {
					*dot = '\0';
					if (heal_split_name(base, h->stacks, h->nstacks, ev, sizeof(ev), out,
					    sizeof(out)))
						continue;
				}
			}
			t = heal_track_get(h, n->name, c->name, 1);
			if (t == NULL || heal_moving_to(h, n->name, c->name))
				continue;
			t->seen = now;
			/* A deploy (or anyone) replaced the container the exits and
			 * kills were of: they say nothing of this one. */
			if (t->log != NULL && (t->log->dies.n > 0 || t->log->ooms.n > 0) &&
			    t->log->evid[0] != '\0' && strcmp(t->log->evid, c->id) != 0)
				heal_track_forget(t);
			if (strcmp(c->state, "exited") == 0) {
				if (t->exited_since == 0)
					t->exited_since = now;
			} else {
				t->exited_since = 0;
			}
			if (heal_is_task(s, c))
				goto agent_findings;
			heal_cond_crash(h, c, t, now, &active, &resolved);
			if (active && heal_fnd_find(h, PD_FIND_CRASH_LOOP, n->name, c->name) == NULL) {
				struct heal_fnd *cl = heal_fnd_open(h, PD_FIND_CRASH_LOOP, n->name,
				    c->name, stack, service, "crash loop", now);
				struct heal_fnd *uh = heal_fnd_find(h, PD_FIND_UNHEALTHY, n->name, c->name);

				/* Failing checks before the exits were the same trouble. */
				if (cl != NULL && uh != NULL)
					heal_fnd_supersede(h, uh, cl->id, now);
			}
			if (is_stack && strcmp(c->state, "exited") == 0 && c->exit_code != 0 &&
			    now - t->exited_since >= HEAL_EXITED_GRACE &&
			    heal_fnd_find(h, PD_FIND_CRASH_LOOP, n->name, c->name) == NULL &&
			    heal_fnd_find(h, PD_FIND_OOM, n->name, c->name) == NULL &&
			    heal_fnd_find(h, PD_FIND_EXITED, n->name, c->name) == NULL)
				heal_fnd_open(h, PD_FIND_EXITED, n->name, c->name, stack, service,
				    "exited", now);
			if (t->log != NULL && heal_ring_last(&t->log->ooms) != 0 &&
			    (double)(now - heal_ring_last(&t->log->ooms)) < h->tm.oom_window &&
			    heal_fnd_find(h, PD_FIND_OOM, n->name, c->name) == NULL)
				heal_fnd_open(h, PD_FIND_OOM, n->name, c->name, stack, service, "oom", now);
			if (c->health == PD_HEALTH_UNHEALTHY && strcmp(c->state, "running") == 0 &&
			    heal_fnd_find(h, PD_FIND_CRASH_LOOP, n->name, c->name) == NULL &&
			    heal_fnd_find(h, PD_FIND_UNHEALTHY, n->name, c->name) == NULL) {
				char at[16];

				heal_health_output(heal_engine(h, n->name), c->name, out, sizeof(out));
				heal_hms(now, at, sizeof(at));
				snprintf(ev, sizeof(ev), "unhealthy since %s; last check: %s", at,
				    out[0] ? out : "(no output)");
				heal_fnd_open(h, PD_FIND_UNHEALTHY, n->name, c->name, stack, service, ev,
				    now);
			}
agent_findings:
			if (t->anomalies > 0 && strcmp(c->state, "paused") != 0 &&
			    heal_fnd_find(h, PD_FIND_ANOMALY, n->name, c->name) == NULL)
				heal_fnd_open(h, PD_FIND_ANOMALY, n->name, c->name, stack, service,
				    heal_track_read(t)->anomaly_text, now);
			if (t->drifting && heal_fnd_find(h, PD_FIND_DRIFT, n->name, c->name) == NULL)
				heal_fnd_open(h, PD_FIND_DRIFT, n->name, c->name, stack, service,
				    heal_track_read(t)->drift_text, now);
			if (is_stack && heal_down_at(h, ix, now) != 0 &&
			    heal_fnd_find(h, PD_FIND_STRANDED, n->name, c->name) == NULL)
				heal_fnd_open(h, PD_FIND_STRANDED, n->name, c->name, stack, service,
				    "its node is unreachable", now);
		}
	}
}

/* Findings from the deploy records: nodes whose pull failed lately. */
void
heal_detect_pulls(struct heal *h, time_t now)
{
	struct store_heal_pull rows[16];
	struct {
		char node[PD_NAME_LEN], stack[PD_NAME_LEN], ev[PD_ERROR_LEN];
	} found[16];
	size_t n = 0, nrows;

	if (now - h->pulls_at < 10)
		return;
	h->pulls_at = now;
	/* Each failed pull makes one finding: one that closed does not come back. */
	nrows = store_heal_failed_pulls(h->st, h->pulls_seen > now - HEAL_PULL_RECENT ?
	    h->pulls_seen : now - HEAL_PULL_RECENT, rows, 16);
	for (size_t i = 0; i < nrows; i++) {
		char at[16];

		if (rows[i].updated > h->pulls_seen)
			h->pulls_seen = rows[i].updated;

		heal_hms(rows[i].updated, at, sizeof(at));
		snprintf(found[n].stack, sizeof(found[n].stack), "%s", rows[i].stack);
		snprintf(found[n].node, sizeof(found[n].node), "%s", rows[i].node);
		snprintf(found[n].ev, sizeof(found[n].ev), "deploy #%lld of stack %s could not "
		    "pull at %s: %s", (long long)rows[i].deploy, rows[i].stack, at, rows[i].error);
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		int seen = 0;

		for (size_t k = 0; k < h->nfnds; k++)
			seen |= h->fnds[k].kind == PD_FIND_PULL_FAILED &&
			    strcmp(h->fnds[k].node, found[i].node) == 0 &&
			    strcmp(h->fnds[k].stack, found[i].stack) == 0;
		if (!seen)
			heal_fnd_open(h, PD_FIND_PULL_FAILED, found[i].node, "", found[i].stack, "",
			    found[i].ev, now);
	}
}
