/* fleet.c: the live fleet model and the io thread that keeps it.
 *
 * Per node, a small state machine:
 *
 *   (connect) GET /_ping ──ok──> GET /info, GET /containers/json?all=1,
 *        ^        │               GET /events (a stream that stays open)
 *        │      fail                   │
 *        └─ backoff with jitter <──────┘ ping fails / stream ends
 *
 * (For a reader of one snapshot, `status`, there is no stream: it would
 * end with the snapshot unread. fl_events_due.)
 *
 * While a node is up it is pinged every ping_interval (a hung engine keeps
 * its TCP socket open, so only an answer proves it alive), its container
 * list is reconciled every reconcile_interval as a safety net, containers
 * are inspected when an event or the list says they changed, and running
 * containers are sampled with one-shot stats, at most stats_budget calls in
 * flight for the whole fleet, as often as what the front end shows of them
 * asks (sampling.c).  What changes nothing a reader sees (a ping's answer
 * from a node that is up, a list or /info that says what the model says, a
 * sample of a container nothing shows) wakes no reader.  Everything runs
 * in one thread on one curl multi handle, driven by curl_multi_socket_action
 * over epoll, so that a turn costs the sockets that have something rather
 * than every transfer in flight; the model is guarded by one mutex that is
 * never held across I/O.
 *
 * This file holds the model, the requests and what each reply changes;
 * the reply parsers are in fleet-parse.c, the swarm in fleet-swarm.c, the
 * scheduling and the loop in fleet-io.c (fleet-int.h, what they share). */
#include "config.h"

#include "backend/engine/fleet-int.h"

/* ------------------------------------------------------------ helpers */

/* Mark the model changed; the io loop wakes readers once per turn. */
void
fl_touch(struct fleet *f)
{
	f->generation++;
	f->dirty = 1;
}

/* ------------------------------------------------------------ the model */

#ifdef UNITTEST
int fleet_test_linear;
#endif

/* The id of container POS of node ARG, for its index. */
static const char *
fl_key(const void *arg, size_t pos)
{
	return ((const struct fl_node *)arg)->c[pos].pub.id;
}

/* The container with ID on node N, or NULL. */
struct fl_container *
fl_find(struct fl_node *n, const char *id)
{
	long pos;

#ifdef UNITTEST
	if (fleet_test_linear) {
		for (size_t i = 0; i < n->nc; i++)
			if (strcmp(n->c[i].pub.id, id) == 0)
				return &n->c[i];
		return NULL;
	}
#endif
	pos = cindex_find(&n->ix, id);
	return pos < 0 ? NULL : &n->c[pos];
}

/* Something of node N changed (an answer, an event): its next turn and
 * its stats are due at once. */
void
fl_poke(struct fl_node *n)
{
	n->tick_at = 0;
	n->stats_at = 0;
}

/* Container C wants an inspect. */
static void
fl_want(struct fl_node *n, struct fl_container *c)
{
	c->want_inspect = 1;
	c->steady = 0;          /* something happened: sampled at its pace again */
	n->want_any = 1;
	fl_poke(n);
}

/* Set container C's strings to ID, NAME, IMAGE, NETWORKS, STACK and PORTS
 * (NULL: keep C's), each cut to its cap as the arrays they were in cut it
 * (PD_NAME_LEN - 1 bytes for a name...), into one block of their lengths,
 * made again only when one differs.  0, or -1 out of memory (C as it was). */
static int
fl_cset(struct fl_container *c, const char *id, const char *name, const char *image,
    const char *networks, const char *stack, const char *ports)
{
	static const size_t cap[6] = { PD_ID_LEN, PD_NAME_LEN, PD_IMAGE_LEN, PD_NAME_LEN,
	    PD_NAME_LEN, PD_PORTS_LEN };
	const char **field[6] = { &c->pub.id, &c->pub.name, &c->pub.image, &c->pub.networks,
	    &c->pub.stack, &c->pub.ports };
	const char *v[6] = { id, name, image, networks, stack, ports };
	size_t len[6], total = 0;
	int same = c->str != NULL;
	char *p, *q;

	for (int i = 0; i < 6; i++) {
		if (v[i] == NULL)
			v[i] = c->str != NULL ? *field[i] : "";
		len[i] = strnlen(v[i], cap[i] - 1);
		total += len[i] + 1;
		if (same && (strncmp(*field[i], v[i], len[i]) != 0 || (*field[i])[len[i]] != '\0'))
			same = 0;
	}
	if (same)
		return 0;
	p = malloc(total);
	if (p == NULL)
		return -1;
	q = p;
	for (int i = 0; i < 6; i++) {
		memcpy(q, v[i], len[i]);
		q[len[i]] = '\0';
		q += len[i] + 1;
	}
	free(c->str);
	c->str = p;
	c->slen = total;
	for (int i = 0; i < 6; i++) {
		*field[i] = p;
		p += len[i] + 1;
	}
	return 0;
}

/* The container with ID, added if new and there is room (NULL when not). */
static struct fl_container *
fl_get(struct fl_node *n, const char *id)
{
	struct fl_container *c = fl_find(n, id), *p;

	if (c != NULL)
		return c;
	if (strlen(id) >= PD_ID_LEN || id[0] == '\0' || n->nc >= n->fleet->cfg.max_containers)
		return NULL;
	if (n->nc == n->capc) {
		size_t cap = n->capc ? n->capc * 2 : 4;

		p = realloc(n->c, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		n->c = p;
		n->capc = cap;
	}
	c = &n->c[n->nc];
	memset(c, 0, sizeof(*c));
	if (fl_cset(c, id, NULL, NULL, NULL, NULL, NULL) != 0)
		return NULL;
	if (cindex_insert(&n->ix, id, n->nc) != 0) {
		free(c->str);
		return NULL;
	}
	n->nc++;
	c->pub.cpu_pct = -1;
	c->stop_timeout = -1;
	fl_want(n, c);
	return c;
}

/* Forget container C of node N; the others keep their order. */
static void
fl_remove(struct fl_node *n, struct fl_container *c)
{
	size_t i = (size_t)(c - n->c);

	cindex_remove(&n->ix, c->pub.id);
	n->pub.running -= strcmp(c->pub.state, "running") == 0;
	free(c->str);
	memmove(&n->c[i], &n->c[i + 1], (n->nc - i - 1) * sizeof(*c));
	n->nc--;
	for (size_t k = i; k < n->nc; k++)
		cindex_move(&n->ix, n->c[k].pub.id, k + 1, k);
}

/* Set container C's STATE, keeping the node's running count (no recount:
 * an event or an inspect costs O(1), not the node's size). */
static void
fl_set_state(struct fl_node *n, struct fl_container *c, const char *state)
{
	int was = strcmp(c->pub.state, "running") == 0;

	snprintf(c->pub.state, sizeof(c->pub.state), "%.*s", (int)sizeof(c->pub.state) - 1,
	    state);
	n->pub.running += (strcmp(c->pub.state, "running") == 0) - was;
}

/* Recount running/total. */
static void
fl_count(struct fl_node *n)
{
	int running = 0;

	for (size_t i = 0; i < n->nc; i++)
		if (strcmp(n->c[i].pub.state, "running") == 0)
			running++;
	n->pub.running = running;
	n->pub.total = (int)n->nc;
}

static void
fl_cevent(struct fl_node *n, const char *id, const char *name, const char *action,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void
fl_vevent(struct fl_node *n, enum pd_event_kind kind, const char *id, const char *container,
    const char *action, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

/* A new event at the end of the node's history (the oldest goes when it is
 * full), stamped now; NULL when no history is kept. */
static struct pd_event *
fl_event_slot(struct fl_node *n)
{
	size_t cap = n->fleet->cfg.event_history;
	struct pd_event *e;

	/* Grow while the ring has not wrapped yet: most nodes only ever
	 * record a few events, and a full ring costs event_history x 552
	 * bytes a node. */
	if (n->ring_len == n->ring_cap && n->ring_cap < cap && n->ring_head == 0) {
		size_t want = n->ring_cap ? n->ring_cap * 2 : FLEET_RING_FIRST;
		struct pd_event *grown;

		if (want > cap)
			want = cap;
		grown = realloc(n->ring, want * sizeof(*grown));
		if (grown != NULL) {
			n->ring = grown;
			n->ring_cap = want;
		}
	}
	cap = n->ring_cap;
	if (cap == 0 || n->ring == NULL)
		return NULL;
	e = &n->ring[(n->ring_head + n->ring_len) % cap];
	if (n->ring_len == cap)
		n->ring_head = (n->ring_head + 1) % cap;
	else
		n->ring_len++;
	memset(e, 0, sizeof(*e));
	e->time = time(NULL);
	e->seq = ++n->fleet->event_seq;
	snprintf(e->node, sizeof(e->node), "%s", n->pub.name);
	return e;
}

/* Record an event of NODE; ID is the container's id (NULL: none). */
static void
fl_vevent(struct fl_node *n, enum pd_event_kind kind, const char *id, const char *container,
    const char *action, const char *fmt, va_list ap)
{
	struct pd_event *e = fl_event_slot(n);

	if (e == NULL)
		return;
	e->kind = kind;
	snprintf(e->id, sizeof(e->id), "%s", id ? id : "");
	snprintf(e->container, sizeof(e->container), "%s", container ? container : "");
	snprintf(e->action, sizeof(e->action), "%s", action);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
}

void
fl_event(struct fl_node *n, enum pd_event_kind kind, const char *container,
    const char *action, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fl_vevent(n, kind, NULL, container, action, fmt, ap);
	va_end(ap);
}

/* Record an event of container ID (named NAME) on node N. */
static void
fl_cevent(struct fl_node *n, const char *id, const char *name, const char *action,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fl_vevent(n, PD_EV_CONTAINER, id, name, action, fmt, ap);
	va_end(ap);
}

/* Set the node's reachability, recording a change as an event. */
static void
fl_set_reach(struct fl_node *n, enum pd_reach r, const char *error)
{
	if (error != NULL)
		snprintf(n->pub.error, sizeof(n->pub.error), "%s", error);
	else if (r == PD_REACH_UP)
		n->pub.error[0] = '\0';
	if (r == PD_REACH_UP)
		n->pub.tls_refused = 0;
	if (n->pub.reach == r)
		return;
	if (r == PD_REACH_UP)
		fl_event(n, PD_EV_NODE, NULL, "up", "answering, API %s", n->pub.api_version);
	else if (r == PD_REACH_DOWN)
		fl_event(n, PD_EV_NODE, NULL, "down", "%s", n->pub.error);
	n->pub.reach = r;
	fl_touch(n->fleet);
}

/* ------------------------------------------------------------ requests */

static void fl_events_apply(struct fl_node *n, cJSON *j);

/* Write callback of the /events stream: split into lines, apply each. */
static size_t
fl_on_events(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fl_req *r = arg;
	struct fl_node *n = r->node;
	size_t len = size * nmemb;
	char *nl;

	if (engine_buf_append(&n->evline, data, len) != len) {
		log_msg(LOG_WARN, "%s: event line longer than %zu bytes, dropped",
		    n->pub.name, n->evline.max);
		engine_buf_free(&n->evline);
		n->evline.max = FLEET_MAX_EVENT_LINE;
		return len;
	}
	while (n->evline.data != NULL && (nl = memchr(n->evline.data, '\n', n->evline.len)) != NULL) {
		size_t used = (size_t)(nl - n->evline.data) + 1;
		cJSON *j;

		*nl = '\0';
		/* Parsed before the lock is taken; only the change is made under it. */
		j = cJSON_Parse(n->evline.data);
		if (j == NULL && n->evline.data[0] != '\0')
			log_msg(LOG_DEBUG, "%s: unparsable event line", n->pub.name);
		if (j != NULL) {
			pthread_mutex_lock(&n->fleet->lock);
			fl_events_apply(n, j);
			fl_poke(n);              /* an agent adopted, an inspect wished */
			pthread_mutex_unlock(&n->fleet->lock);
			cJSON_Delete(j);
		}
		memmove(n->evline.data, n->evline.data + used, n->evline.len - used + 1);
		n->evline.len -= used;
	}
	return len;
}

/* Verify agent line LINE ("STAMP {...}" as the engine sends it) of N's
 * trusted agent: 0 when it verifies (LINE is cut back to what the agent
 * sealed), 2 when it is a repeat of a line already taken (a reconnect), 1
 * when it does not verify: counted on the node, the first one an event. */
static int
fl_agent_verify(struct fl_node *n, char *line, long long *sec, long *nsec)
{
	const char *p = line;
	int rc;

	if (fl_parse_stamp(&p, sec, nsec) != 0)
		return 1;
	if (*sec < n->ag_sec || (*sec == n->ag_sec && *nsec <= n->ag_nsec))
		return 2;
	rc = n->pub.agent_verified ? agent_trust_open(n->trust.key, n->trust.id, &n->ag_seq,
	    line + (p - line)) : AGENT_TRUST_UNSEALED;
	if (rc == AGENT_TRUST_OK)
		return 0;
	pthread_mutex_lock(&n->fleet->lock);
	if (n->pub.agent_rejected++ == 0) {
		log_msg(LOG_WARN, "%s: a line of agent container %.12s did not verify (%s): "
		    "dropped", n->pub.name, n->pub.agent, agent_trust_why(rc));
		fl_event(n, PD_EV_NODE, NULL, "agent_untrusted", "a line of agent container "
		    "%.12s did not verify (%s): dropped, and every other one that does not",
		    n->pub.agent, agent_trust_why(rc));
	}
	fl_touch(n->fleet);
	pthread_mutex_unlock(&n->fleet->lock);
	return 1;
}

/* Payload of the agent's logs stream: split into lines, apply each (its
 * stdout: stderr holds the agent's diagnostics, not events). */
static void
fl_agent_payload(void *arg, int stream, const char *data, size_t len)
{
	struct fl_node *n = arg;
	struct fleet *f = n->fleet;
	struct pd_event ev, *e;
	long long sec;
	long nsec;
	char *nl;
	int rc;

	if (stream == 2)
		return;
	if (engine_buf_append(&n->agline, data, len) != len) {
		log_msg(LOG_WARN, "%s: agent line longer than %zu bytes, dropped",
		    n->pub.name, n->agline.max);
		engine_buf_free(&n->agline);
		n->agline.max = 1u << 20;
		return;
	}
	while (n->agline.data != NULL &&
	    (nl = memchr(n->agline.data, '\n', n->agline.len)) != NULL) {
		size_t used = (size_t)(nl - n->agline.data) + 1;

		*nl = '\0';
		rc = fl_agent_verify(n, n->agline.data, &sec, &nsec);
		if (rc == 0)
			rc = fleet_parse_agent_line(n->agline.data, 1, &ev, &sec, &nsec);
		else
			rc = rc == 1 ? -2 : -3;
		memmove(n->agline.data, n->agline.data + used, n->agline.len - used + 1);
		n->agline.len -= used;
		if (rc == -3)
			continue;          /* a repeat after a reconnect */
		if (rc == -2)
			continue;          /* did not verify: counted, never an event */
		if (rc < 0) {
			log_msg(LOG_DEBUG, "%s: unparsable agent line", n->pub.name);
			continue;
		}
		/* After a reconnect the engine repeats what came at the second
		 * resumed from: take only lines newer than the last one taken. */
		if (sec < n->ag_sec || (sec == n->ag_sec && nsec <= n->ag_nsec))
			continue;
		n->ag_sec = sec;
		n->ag_nsec = nsec;
		n->agent_step = 0;
		if (rc == 0)
			continue;
		pthread_mutex_lock(&f->lock);
		e = fl_event_slot(n);
		if (e != NULL) {
			uint64_t seq = e->seq;

			snprintf(ev.node, sizeof(ev.node), "%s", n->pub.name);
			*e = ev;
			e->seq = seq;
		}
		fl_touch(f);
		pthread_mutex_unlock(&f->lock);
	}
}

/* Write callback of the agent's logs stream. */
static size_t
fl_on_agent(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fl_req *r = arg;
	struct fl_node *n = r->node;
	size_t len = size * nmemb;

	if (fleet_demux_feed(&n->agdemux, data, len, fl_agent_payload, n) != 0) {
		log_msg(LOG_WARN, "%s: the agent's logs stream is malformed", n->pub.name);
		return 0;  /* ends the transfer; it is opened again after a backoff */
	}
	return len;
}

/* Write callback of the swarm manager's /events stream: any event of a
 * service or node makes the lists stale, so read them again soon (a burst
 * of events is one read). */
static size_t
fl_on_swarm_events(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fl_req *r = arg;
	struct fleet *f = r->node->fleet;
	size_t len = size * nmemb;
	double soon = fl_now() + FLEET_SWARM_DEBOUNCE;

	if (memchr(data, '\n', len) == NULL)
		return len;
	pthread_mutex_lock(&f->lock);
	if (f->sw.next_poll > soon)
		f->sw.next_poll = soon;
	pthread_mutex_unlock(&f->lock);
	return len;
}

/* Write callback of a container list: a 2xx body goes entry by entry to
 * the request's list (outside the model lock), an error body to the reply
 * for its message. */
static size_t
fl_on_list(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fl_req *r = arg;
	size_t len = size * nmemb;
	long status = 0;

	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		return engine_buf_append(&r->reply.body, data, len);
	return fleet_list_feed(r->list, data, len) == 0 ? len : 0;
}

/* The most a reply of KIND may weigh. */
static size_t
fl_body_max(enum fl_kind kind)
{
	switch (kind) {
	case FL_INSPECT: case FL_DETAILS: return FLEET_MAX_INSPECT;
	case FL_STATS: return FLEET_MAX_STATS;
	case FL_LOGS: return FLEET_MAX_LOGS;
	case FL_PING: case FL_INFO: case FL_ACTION: return FLEET_MAX_SMALL;
	case FL_LIST: return FLEET_MAX_SMALL;    /* an error body; the list has its own */
	default: return ENGINE_MAX_BODY_DEFAULT;
	}
}

/* Whether a request of KIND and METHOD is a small GET, whose easy handle
 * a node keeps for the next one (struct fl_node, small_h): engine_easy's
 * options, the default callbacks, FLEET_SMALL_BUFFER. */
static int
fl_small(enum fl_kind kind, const char *method)
{
	return (kind == FL_PING || kind == FL_INFO || kind == FL_INSPECT || kind == FL_STATS) &&
	    strcmp(method, "GET") == 0;
}

/* Start METHOD PATH of KIND on node N.  Returns the request or NULL. */
static struct fl_req *
fl_send_method(struct fl_node *n, enum fl_kind kind, const char *method, const char *path,
    const char *id, double timeout)
{
	struct fleet *f = n->fleet;
	struct fl_req *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->node = n;
	r->kind = kind;
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->path, sizeof(r->path), "%s", path);
	if (id != NULL)
		snprintf(r->id, sizeof(r->id), "%s", id);
	r->started = fl_now();
	if (fl_small(kind, method) && n->small_h != NULL) {
		/* Its options are those of every small GET to the node: the
		 * URL (unless both are pings), the deadline and the reply are
		 * new. */
		r->h = n->small_h;
		n->small_h = NULL;
		if (kind != FL_PING || !n->small_ping) {
			char *url = engine_url(n->engine, path, kind != FL_PING);

			if (url == NULL) {
				curl_easy_cleanup(r->h);
				free(r);
				return NULL;
			}
			curl_easy_setopt(r->h, CURLOPT_URL, url);
			free(url);
		}
		curl_easy_setopt(r->h, CURLOPT_WRITEDATA, &r->reply);
		curl_easy_setopt(r->h, CURLOPT_HEADERDATA, &r->reply);
		curl_easy_setopt(r->h, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
	} else {
		r->h = engine_easy(n->engine, method, path, kind != FL_PING, NULL,
		    (long)(timeout * 1000), &r->reply);
	}
	if (r->h == NULL) {
		free(r);
		return NULL;
	}
	curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
	if (n->share != NULL)
		curl_easy_setopt(r->h, CURLOPT_SHARE, n->share);
	r->reply.body.max = fl_body_max(kind);
	if (kind == FL_PING || kind == FL_INFO || kind == FL_INSPECT || kind == FL_STATS ||
	    kind == FL_ACTION)
		curl_easy_setopt(r->h, CURLOPT_BUFFERSIZE, (long)FLEET_SMALL_BUFFER);
	if (kind == FL_LIST) {
		r->list = fleet_list_new(f->cfg.max_containers);
		if (r->list == NULL) {
			curl_easy_cleanup(r->h);
			free(r);
			return NULL;
		}
		fl_list_for(r->list, n);
		curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, fl_on_list);
		curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
	} else if (kind == FL_EVENTS) {
		curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, fl_on_events);
		curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
		curl_easy_setopt(r->h, CURLOPT_BUFFERSIZE, (long)FLEET_STREAM_BUFFER);
	} else if (kind == FL_AGENT) {
		curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, fl_on_agent);
		curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
		curl_easy_setopt(r->h, CURLOPT_BUFFERSIZE, (long)FLEET_STREAM_BUFFER);
	} else if (kind == FL_SW_EVENTS) {
		curl_easy_setopt(r->h, CURLOPT_WRITEFUNCTION, fl_on_swarm_events);
		curl_easy_setopt(r->h, CURLOPT_WRITEDATA, r);
	}
	if (curl_multi_add_handle(f->multi, r->h) != CURLM_OK) {
		curl_easy_cleanup(r->h);
		fleet_list_free(r->list);
		free(r);
		return NULL;
	}
	r->prev = NULL;
	r->next = f->inflight;
	if (f->inflight != NULL)
		f->inflight->prev = r;
	f->inflight = r;
	switch (kind) {
	case FL_PING: n->ping_inflight++; break;
	case FL_INFO: n->info_inflight++; break;
	case FL_LIST: n->list_inflight++; break;
	case FL_INSPECT: n->inspect_inflight++; break;
	case FL_STATS: n->stats_inflight++; f->stats_inflight++; break;
	case FL_EVENTS: n->events = r; break;
	case FL_DETAILS: case FL_LOGS: f->watch.inflight++; break;
	case FL_AGENT: n->agent = r; break;
	case FL_ACTION: break;
	case FL_SW_NODES: case FL_SW_SERVICES: case FL_SW_TASKS: f->sw.inflight++; break;
	case FL_SW_EVENTS: f->sw.events = r; break;
	}
	return r;
}

/* Start GET PATH of KIND on node N.  Returns the request or NULL. */
struct fl_req *
fl_send(struct fl_node *n, enum fl_kind kind, const char *path, const char *id, double timeout)
{
	return fl_send_method(n, kind, "GET", path, id, timeout);
}

/* Take R off the multi handle and the in-flight list, and free it. */
void
fl_release(struct fleet *f, struct fl_req *r)
{
	struct fl_node *n = r->node;

	/* Unlinked in O(1): a walk of the list cost each answer the number of
	 * requests in flight (an /events stream per node). */
	if (r->prev != NULL)
		r->prev->next = r->next;
	else if (f->inflight == r)
		f->inflight = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	switch (r->kind) {
	case FL_PING: n->ping_inflight--; break;
	case FL_INFO: n->info_inflight--; break;
	case FL_LIST: n->list_inflight--; break;
	case FL_INSPECT: n->inspect_inflight--; break;
	case FL_STATS: n->stats_inflight--; f->stats_inflight--; break;
	case FL_EVENTS: n->events = NULL; break;
	case FL_DETAILS: case FL_LOGS: f->watch.inflight--; break;
	case FL_AGENT: n->agent = NULL; break;
	case FL_ACTION: break;
	case FL_SW_NODES: case FL_SW_SERVICES: case FL_SW_TASKS: f->sw.inflight--; break;
	case FL_SW_EVENTS: f->sw.events = NULL; break;
	}
	curl_multi_remove_handle(f->multi, r->h);
	if (fl_small(r->kind, r->method) && n->small_h == NULL && !n->first_done) {
		n->small_h = r->h;
		n->small_ping = r->kind == FL_PING;
	} else {
		curl_easy_cleanup(r->h);
	}
	engine_reply_free(&r->reply);
	fleet_list_free(r->list);
	free(r->sw_v);
	free(r);
}

/* Drop every request of node N (it went down): a hung engine must not keep
 * sockets and budget forever. */
static void
fl_cancel_node(struct fl_node *n)
{
	struct fleet *f = n->fleet;
	struct fl_req *r = f->inflight, *next;

	for (; r != NULL; r = next) {
		next = r->next;
		if (r->node != n)
			continue;
		if (r->kind == FL_ACTION)
			fl_cevent(n, r->id, r->name, "action", "%s by %s: failed: the node went down "
			    "before it answered (it may have been done)",
			    pd_container_action_name(r->action), r->actor);
		fl_release(f, r);
	}
	engine_buf_free(&n->evline);
	n->evline.max = FLEET_MAX_EVENT_LINE;
	engine_buf_free(&n->agline);
	n->agline.max = 1u << 20;
	n->pub.agent_connected = 0;
	for (size_t i = 0; i < n->nc; i++)
		n->c[i].inspecting = 0;
}

/* Node N's first snapshot is done (or failed).  When it was the last one,
 * hand the first snapshot's peak back to the system: every node's list,
 * inspects and buffers were in flight at once, and malloc would keep the
 * freed pages (~90 KiB a node) for good. */
void
fl_first_done(struct fl_node *n)
{
	struct fleet *f = n->fleet;

	if (n->first_done)
		return;
	n->first_done = 1;
	if (n->small_h != NULL)
		curl_easy_cleanup(n->small_h);
	n->small_h = NULL;
	/* Not for a reader of one snapshot: it stops the fleet and ends,
	 * and the trim would only compete with its print. */
	if (f->first_left > 0 && --f->first_left == 0 && !f->cfg.one_snapshot)
		f->trim = 1;
}

/* The node failed: record it, cancel its requests, plan a reconnect.
 * ERROR may live in a request that is cancelled here: it is copied first. */
static void
fl_node_failed(struct fl_node *n, const char *why, double now)
{
	struct fleet *f = n->fleet;
	double delay = 0.5 * pow(2.0, n->backoff_step);
	double jitter;
	char error[PD_ERROR_LEN];

	snprintf(error, sizeof(error), "%s", why);

	if (delay > f->cfg.backoff_max)
		delay = f->cfg.backoff_max;
	else
		n->backoff_step++;
	f->rand_state = f->rand_state * 1103515245u + 12345u;
	jitter = delay * 0.25 * ((double)((f->rand_state >> 8) % 1000) / 1000.0);
	n->next_connect = now + delay + jitter;
	if (n->connected || !n->first_done)
		log_msg(LOG_WARN, "%s", error);
	n->connected = 0;
	fl_first_done(n);
	n->pub.events_connected = 0;
	fl_cancel_node(n);
	fl_set_reach(n, PD_REACH_DOWN, error);
}

/* ------------------------------------------------------------ replies */

/* Adopt ID (or "": none) as the node's agent container. */
static void
fl_agent_set(struct fl_node *n, const char *id)
{
	if (strcmp(n->pub.agent, id) == 0)
		return;
	if (id[0] != '\0')
		log_msg(LOG_INFO, "%s: agent container %.12s (verified: the one agent --start "
		    "recorded)", n->pub.name, id);
	else
		OPENSSL_cleanse(&n->trust, sizeof(n->trust));
	snprintf(n->pub.agent, sizeof(n->pub.agent), "%s", id);
	n->pub.agent_verified = id[0] != '\0';
	/* The agent has no engine: it gets its node's containers from us. */
	if (id[0] != '\0' && n->fleet->cfg.agent_kick != NULL)
		n->fleet->cfg.agent_kick(n->fleet->cfg.agent_kick_arg, n->pub.name);
	n->ag_seq = 0;
	n->agent_next = 0;
	fl_poke(n);
	n->agent_step = 0;
	fl_touch(n->fleet);
}

/* Whether container ID (created from IMAGE, image id IMAGE_ID; NULL: not
 * known here) is node N's trusted agent: the inventory pins an image, the
 * record agent --start wrote names ID, and it runs the pinned image.  Its
 * record (the key) is then in N->trust. */
static int
fl_agent_trusted(struct fl_node *n, const char *id, const char *image, const char *image_id)
{
	struct fleet *f = n->fleet;
	struct agent_trust_record rec;

	if (f->agent_image[0] == '\0' || f->agent_dir[0] == '\0' ||
	    agent_trust_record_read(f->agent_dir, n->pub.name, &rec) != 0)
		return 0;
	if (strcmp(rec.id, id) != 0 || (image != NULL && strcmp(image, f->agent_image) != 0) ||
	    (image_id != NULL && strcmp(image_id, rec.image_id) != 0)) {
		OPENSSL_cleanse(&rec, sizeof(rec));
		return 0;
	}
	n->trust = rec;
	OPENSSL_cleanse(&rec, sizeof(rec));
	return 1;
}

/* Note ID (or "": none) as a running container labelled as an agent that
 * is not node N's trusted one: shown on the node, never followed. */
static void
fl_agent_untrusted(struct fl_node *n, const char *id)
{
	if (strcmp(n->pub.agent_untrusted, id) == 0)
		return;
	snprintf(n->pub.agent_untrusted, sizeof(n->pub.agent_untrusted), "%s", id);
	if (id[0] != '\0') {
		log_msg(LOG_WARN, "%s: container %.12s is labelled %s=1 but is not the pinned "
		    "agent: ignored", n->pub.name, id, FLEET_AGENT_LABEL);
		fl_event(n, PD_EV_NODE, NULL, "agent_untrusted", "container %.12s is labelled "
		    "%s=1 but is not the agent plantdeck started from the pinned image: its "
		    "output is ignored", id, FLEET_AGENT_LABEL);
	}
	fl_touch(n->fleet);
}

/* What container C of N takes from its entry E of a container list. */
static void
fl_take_listed(struct fl_node *n, struct fl_container *c, const struct fl_listed *e)
{
	/* Out of memory: the strings stay as they were, and the entry is
	 * parsed again next time. */
	int rc = fl_cset(c, NULL, e->s.name, e->s.image, e->s.networks, e->s.stack, e->s.ports);

	fl_set_state(n, c, e->pub.state);
	c->pub.health = e->pub.health;
	c->pub.created = e->pub.created;
	/* The agent's entry is read every time: fl_apply_list adopts it anew
	 * from each list. */
	c->list_hash = e->agent || rc != 0 ? 0 : e->hash;
}

static void fl_reserve(struct fl_node *n, const struct fl_list *l);

/* Apply a container list read outside the lock (L): update, add up to the
 * cap, remove what is gone, and mark the node when the list was cut.  Each
 * entry costs one index lookup. */
static void
fl_apply_list(struct fl_node *n, struct fl_list *l)
{
	struct fl_container *c;
	size_t keep = 0, agent = (size_t)-1, untrusted = (size_t)-1;
	int removed = 0;

	for (size_t i = 0; i < n->nc; i++)
		n->c[i].seen = 0;
	/* Those known first, so that the ones gone make room for new ones. */
	for (size_t i = 0; i < l->n; i++) {
		struct fl_listed *e = &l->v[i];

		if (e->agent && agent == (size_t)-1 &&
		    fl_agent_trusted(n, e->s.id, e->s.image, e->image_id))
			agent = i;
		else if (e->agent && untrusted == (size_t)-1)
			untrusted = i;
		c = fl_find(n, e->s.id);
		e->fresh = c == NULL && !e->same;
		if (c == NULL || c->seen)
			continue;
		c->seen = 1;
		/* What the engine said last time, word for word: the model has
		 * it, and whatever events and inspects told since. */
		if (e->same)
			continue;
		if (strcmp(e->pub.state, c->pub.state) != 0 || e->pub.health != c->pub.health)
			fl_want(n, c);
		fl_take_listed(n, c, e);
	}
	for (size_t i = 0; i < n->nc; i++) {
		if (!n->c[i].seen) {
			free(n->c[i].str);
			removed = 1;
			continue;
		}
		if (keep != i)
			n->c[keep] = n->c[i];
		keep++;
	}
	if (removed) {
		n->nc = keep;
		cindex_clear(&n->ix);
		for (size_t i = 0; i < n->nc; i++)
			cindex_insert(&n->ix, n->c[i].pub.id, i);  /* the table has room */
	}
	fl_reserve(n, l);
	for (size_t i = 0; i < l->n; i++) {
		struct fl_listed *e = &l->v[i];

		if (!e->fresh || fl_find(n, e->s.id) != NULL)
			continue;
		c = fl_get(n, e->s.id);
		if (c == NULL)
			continue;
		c->seen = 1;
		fl_take_listed(n, c, e);
	}
	/* The agent: only the trusted one (there is one record a node). */
	fl_agent_set(n, agent == (size_t)-1 ? "" : l->v[agent].s.id);
	fl_agent_untrusted(n, untrusted == (size_t)-1 ? "" : l->v[untrusted].s.id);
	n->pub.listed = l->total;
	if (l->total > l->max)
		snprintf(n->pub.warning, sizeof(n->pub.warning),
		    "list truncated: %zu containers, %zu shown", l->total, n->nc);
	else
		n->pub.warning[0] = '\0';
	fl_count(n);
	n->listed = 1;
	fl_touch(n->fleet);
}

/* Room in node N's container array for the fresh entries of list L, to the
 * entry: a node's array is its size, not the next power of two (a
 * container costs 224 bytes, and its strings apart). */
static void
fl_reserve(struct fl_node *n, const struct fl_list *l)
{
	size_t want = n->nc;
	struct fl_container *p;

	for (size_t i = 0; i < l->n; i++)
		want += l->v[i].fresh;
	if (want > n->fleet->cfg.max_containers)
		want = n->fleet->cfg.max_containers;
	if (want <= n->capc)
		return;
	p = realloc(n->c, want * sizeof(*p));
	if (p == NULL)
		return;                  /* fl_get grows it one by one */
	n->c = p;
	n->capc = want;
}

/* Apply a /containers/{id}/json inspect, as fleet_parse_inspect read it. */
static void
fl_apply_inspect(struct fl_node *n, const char *id, const struct fleet_inspect *x)
{
	struct fl_container *c = fl_find(n, id);

	if (c == NULL)
		return;
	fl_cset(c, NULL, x->name[0] != '\0' ? x->name + (x->name[0] == '/') : NULL, x->image,
	    x->networks, x->stack, NULL);
	fl_set_state(n, c, x->status);
	c->pub.health = x->health;
	c->pub.restart_count = x->restart_count;
	c->stop_timeout = x->stop_timeout;
	c->pub.exit_code = x->exit_code;
	/* OOMKilled is cleared on restart; an oom event seen earlier stays. */
	if (x->oom_killed)
		c->pub.oom_killed = 1;
	c->pub.started_at = x->started_at;
	c->pub.finished_at = x->finished_at;
	if (x->created != 0)
		c->pub.created = x->created;
	c->pub.inspected = 1;
	fl_touch(n->fleet);
}

/* A hash of what readers see of node N: its facts and its containers,
 * but for what changes with every answer (last_seen, rtt_ms, req). */
static uint64_t
fl_node_hash(const struct fl_node *n)
{
	struct pd_node p;
	uint64_t h = 1469598103934665603ull ^ n->nc;

	memcpy(&p, &n->pub, sizeof(p));
	p.last_seen = 0;
	p.rtt_ms = 0;
	memset(&p.req, 0, sizeof(p.req));
	h = fl_hash(h, &p, sizeof(p));
	for (size_t k = 0; k < n->nc; k++) {
		struct pd_container c;

		/* The strings by what they say, not where they are. */
		memcpy(&c, &n->c[k].pub, sizeof(c));
		c.id = c.name = c.image = c.networks = c.stack = c.ports = NULL;
		h = fl_hash(h, &c, sizeof(c));
		h = fl_hash(h, n->c[k].str, n->c[k].slen);
	}
	return h;
}

/* The sampling tier of container C of node N (sampling.c): every
 * container is SAMPLING_EACH until a front end says what it shows. */
enum sampling_tier
fl_tier(const struct fl_node *n, const struct fl_container *c)
{
	const struct fleet *f = n->fleet;
	const struct fl_watch *w = &f->watch;

	if (!f->show_declared)
		return SAMPLING_EACH;
	return sampling_tier(n->show, &c->pub, w->active && strcmp(w->id, c->pub.id) == 0 &&
	    strcmp(w->node, n->pub.name) == 0);
}

/* Apply a one-shot stats sample. */
static void
fl_apply_stats(struct fl_node *n, const char *id, const cJSON *j)
{
	struct fl_container *c = fl_find(n, id);
	const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(j, "cpu_stats");
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(cpu, "cpu_usage");
	const cJSON *mem = cJSON_GetObjectItemCaseSensitive(j, "memory_stats");
	double total = fl_num(usage, "total_usage", -1);
	double system = fl_num(cpu, "system_cpu_usage", -1);
	int ncpu = (int)fl_int(cpu, "online_cpus", 0, 1 << 20, 0);
	double cpu_before;
	uint64_t mem_before;

	if (c == NULL)
		return;
	cpu_before = c->pub.cpu_pct;
	mem_before = c->pub.mem_usage;
	if (ncpu <= 0)
		ncpu = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(usage, "percpu_usage"));
	if (ncpu <= 0)
		ncpu = n->pub.ncpu > 0 ? n->pub.ncpu : 1;
	if (total >= 0 && system > 0) {
		if (c->have_prev)
			c->pub.cpu_pct = fleet_cpu_percent(total - c->prev_cpu,
			    system - c->prev_system, ncpu);
		c->prev_cpu = total;
		c->prev_system = system;
		c->have_prev = 1;
	}
	if (cJSON_IsObject(mem)) {
		c->pub.mem_usage = fleet_mem_usage(mem);
		c->pub.mem_limit = (uint64_t)fl_int(mem, "limit", 0, LLONG_MAX, 0);
	}
	c->pub.sampled_at = time(NULL);
	c->steady = c->samples >= 2 &&
	    sampling_steady(cpu_before, c->pub.cpu_pct, mem_before, c->pub.mem_usage);
	if (c->samples < 2)
		c->samples++;
	/* A sample of what nothing shows is for the next snapshot, whoever
	 * takes it: it wakes no reader.  One that is shown wakes readers with
	 * the others of the same second (fleet_samples_wake). */
	if (fl_tier(n, c) != SAMPLING_BACKGROUND)
		n->fleet->samples_pending = 1;
}

/* Apply the watched container's inspect. */
static void
fl_apply_details(struct fleet *f, const cJSON *j)
{
	struct pd_details *d = &f->watch.pub;
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(j, "Config");
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(j, "HostConfig");
	const cJSON *rp = cJSON_GetObjectItemCaseSensitive(host, "RestartPolicy");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(j, "State");
	const cJSON *hlog = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(state, "Health"), "Log");
	const char *parts[] = { "Entrypoint", "Cmd" };
	const cJSON *it;
	size_t off = 0;
	double nano, quota, period;
	int n, first;

	d->command[0] = '\0';
	for (int k = 0; k < 2; k++) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(config, parts[k])) {
			if (!cJSON_IsString(it) || off + 2 >= sizeof(d->command))
				continue;
			n = snprintf(d->command + off, sizeof(d->command) - off, "%s%s",
			    off ? " " : "", it->valuestring);
			off = n < 0 ? off : off + (size_t)n;
			if (off >= sizeof(d->command))
				off = sizeof(d->command) - 1;
		}
	}
	fl_copy_str(d->restart_policy, sizeof(d->restart_policy), rp, "Name");
	d->restart_max = (int)fl_int(rp, "MaximumRetryCount", 0, INT_MAX, 0);
	d->mem_limit = (uint64_t)fl_int(host, "Memory", 0, LLONG_MAX, 0);
	d->mem_reservation = (uint64_t)fl_int(host, "MemoryReservation", 0, LLONG_MAX, 0);
	nano = fl_num(host, "NanoCpus", 0);
	quota = fl_num(host, "CpuQuota", 0);
	period = fl_num(host, "CpuPeriod", 0);
	d->cpus = nano > 0 ? nano / 1e9 : (quota > 0 ? quota / (period > 0 ? period : 100000) : 0);
	fl_copy_str(d->user, sizeof(d->user), config, "User");
	d->privileged = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(host, "Privileged"));
	d->read_only_rootfs = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(host,
	    "ReadonlyRootfs"));
	n = cJSON_GetArraySize(hlog);
	first = n > PD_HEALTH_LOG ? n - PD_HEALTH_LOG : 0;
	d->nhealth = 0;
	for (int k = first; k < n; k++) {
		it = cJSON_GetArrayItem(hlog, k);
		fl_copy_str(d->health_log[d->nhealth], PD_LINE_LEN, it, "Output");
		d->health_exit[d->nhealth] = (int)fl_int(it, "ExitCode", INT_MIN, INT_MAX, 0);
		d->nhealth++;
	}
	d->ready = 1;
	d->error[0] = '\0';
	d->fetched = time(NULL);
	fl_touch(f);
}

/* Apply /info. */
static void
fl_apply_info(struct fl_node *n, const cJSON *j)
{
	fl_copy_str(n->pub.engine_version, sizeof(n->pub.engine_version), j, "ServerVersion");
	fl_copy_str(n->pub.os, sizeof(n->pub.os), j, "OperatingSystem");
	n->pub.ncpu = (int)fl_int(j, "NCPU", 0, 1 << 20, 0);
	n->pub.mem_total = (uint64_t)fl_int(j, "MemTotal", 0, LLONG_MAX, 0);
	fl_touch(n->fleet);
}

/* Apply one line of the /events stream, parsed (J, which the caller frees). */
static void
fl_events_apply(struct fl_node *n, cJSON *j)
{
	const cJSON *actor, *attrs;
	char type[32], action[64], id[PD_ID_LEN], name[PD_NAME_LEN], image[PD_IMAGE_LEN];
	char exitcode[16];
	struct fl_container *c;

	actor = cJSON_GetObjectItemCaseSensitive(j, "Actor");
	attrs = cJSON_GetObjectItemCaseSensitive(actor, "Attributes");
	fl_copy_str(type, sizeof(type), j, "Type");
	fl_copy_str(action, sizeof(action), j, "Action");
	fl_copy_str(id, sizeof(id), actor, "ID");
	fl_copy_str(name, sizeof(name), attrs, "name");
	fl_copy_str(image, sizeof(image), attrs, "image");
	fl_copy_str(exitcode, sizeof(exitcode), attrs, "exitCode");
	if (strcmp(type, "container") != 0 || id[0] == '\0' ||
	    strncmp(action, "exec_", 5) == 0)
		return;

	{
		const cJSON *al = cJSON_GetObjectItemCaseSensitive(attrs, FLEET_AGENT_LABEL);

		if (cJSON_IsString(al) && strcmp(al->valuestring, "1") == 0) {
			if (strcmp(action, "start") == 0 && strlen(id) == 64 &&
			    fl_agent_trusted(n, id, NULL, NULL))
				fl_agent_set(n, id);
			else if (strcmp(action, "start") == 0 && strlen(id) == 64)
				fl_agent_untrusted(n, id);
			else if ((strcmp(action, "die") == 0 || strcmp(action, "destroy") == 0) &&
			    strcmp(id, n->pub.agent) == 0)
				fl_agent_set(n, "");
		}
	}
	if (n->pub.agent_verified && n->fleet->cfg.agent_kick != NULL &&
	    strcmp(id, n->pub.agent) != 0 && (strcmp(action, "start") == 0 ||
	    strcmp(action, "die") == 0 || strcmp(action, "destroy") == 0 ||
	    strcmp(action, "update") == 0))
		n->fleet->cfg.agent_kick(n->fleet->cfg.agent_kick_arg, n->pub.name);
	if (strcmp(action, "destroy") == 0) {
		c = fl_find(n, id);
		if (c != NULL)
			fl_remove(n, c);
		fl_cevent(n, id, name, "destroy", "removed");
		goto done;
	}
	c = fl_get(n, id);
	if (c == NULL)
		goto done;
	fl_cset(c, NULL, name[0] != '\0' ? name : NULL,
	    image[0] != '\0' && c->pub.image[0] == '\0' ? image : NULL, NULL, NULL, NULL);
	fl_want(n, c);

	if (strcmp(action, "create") == 0) {
		fl_set_state(n, c, "created");
		fl_cevent(n, id, name, action, "image %s", image);
	} else if (strcmp(action, "start") == 0 || strcmp(action, "unpause") == 0) {
		fl_set_state(n, c, "running");
		c->pub.started_at = time(NULL);
		fl_cevent(n, id, name, action, "running");
	} else if (strcmp(action, "die") == 0) {
		char *end;
		long code = strtol(exitcode, &end, 10);

		fl_set_state(n, c, "exited");
		if (exitcode[0] != '\0' && *end == '\0')
			c->pub.exit_code = (int)code;
		c->pub.finished_at = time(NULL);
		c->pub.cpu_pct = -1;
		c->have_prev = 0;
		fl_cevent(n, id, name, action, "exit code %s", exitcode);
	} else if (strcmp(action, "pause") == 0) {
		fl_set_state(n, c, "paused");
		fl_cevent(n, id, name, action, "paused");
	} else if (strcmp(action, "oom") == 0) {
		c->pub.oom_killed = 1;
		fl_cevent(n, id, name, action, "out of memory: killed by the kernel");
	} else if (strncmp(action, "health_status", 13) == 0) {
		const char *st = strchr(action, ':');

		st = st != NULL ? st + 1 : "";
		while (*st == ' ')
			st++;
		c->pub.health = fleet_parse_health_status(st);
		fl_cevent(n, id, name, "health", "%s", st);
	} else {
		fl_cevent(n, id, name, action, "%s", "");
	}
done:
	n->pub.total = (int)n->nc;
	fl_touch(n->fleet);
}

/* ------------------------------------------------------------ container actions */

/* The engine call of ACTION on container ID: METHOD and PATH.  Remove is
 * forced: a running container is killed first (the front end's question
 * says so). */
FLEET_STATIC void
fleet_action_request(enum pd_container_action a, const char *id, char *method, size_t mlen,
    char *path, size_t plen)
{
	snprintf(method, mlen, "%s", a == PD_CACT_REMOVE ? "DELETE" : "POST");
	if (a == PD_CACT_REMOVE)
		snprintf(path, plen, "/containers/%s?force=1", id);
	else
		snprintf(path, plen, "/containers/%s/%s", id, pd_container_action_name(a));
}

/* Seconds to wait for the answer to ACTION: a stop or restart lasts up to
 * the container's stop timeout (STOP_TIMEOUT; < 0: the engine's default,
 * 10 s) before the engine kills it, plus a margin for a slow node. */
FLEET_STATIC double
fleet_action_timeout(enum pd_container_action a, double stop_timeout)
{
	if (stop_timeout < 0)
		stop_timeout = 10.0;
	switch (a) {
	case PD_CACT_STOP:
	case PD_CACT_RESTART:
		return stop_timeout + 20.0;
	case PD_CACT_REMOVE:
		return 30.0;
	default:
		return 20.0;
	}
}

/* Action R on node N was answered (RC from engine_finish): its result is
 * an event of the container. */
static void
fl_action_done(struct fl_node *n, struct fl_req *r, int rc)
{
	const char *what = pd_container_action_name(r->action);
	struct fl_container *c = fl_find(n, r->id);

	if (rc == 0)
		fl_cevent(n, r->id, r->name, "action", "%s by %s: done", what, r->actor);
	else if (r->reply.status == 304)
		fl_cevent(n, r->id, r->name, "action", "%s by %s: done, nothing to change "
		    "(the engine says it already was)", what, r->actor);
	else
		fl_cevent(n, r->id, r->name, "action", "%s by %s: failed: %s", what, r->actor,
		    r->reply.error);
	log_msg(rc == 0 || r->reply.status == 304 ? LOG_INFO : LOG_WARN,
	    "%s: %s %s by %s: %s", n->pub.name, what, r->name, r->actor,
	    rc == 0 || r->reply.status == 304 ? "done" : r->reply.error);
	if (c != NULL)
		fl_want(n, c);
	fl_touch(n->fleet);
}

/* Send the container actions that were queued (the model lock is held). */
void
fl_action_tick(struct fleet *f)
{
	while (f->actions != NULL) {
		struct fl_action *a = f->actions;
		struct fl_node *n = NULL;
		struct fl_container *c;
		struct fl_req *r = NULL;
		char method[8], path[256];

		f->actions = a->next;
		for (size_t i = 0; i < f->nnodes; i++)
			if (strcmp(f->nodes[i].pub.name, a->node) == 0)
				n = &f->nodes[i];
		if (n == NULL) {
			free(a);
			continue;
		}
		if (!n->connected) {
			fl_cevent(n, a->id, a->name, "action", "%s by %s: failed: %s is not "
			    "connected: not sent", pd_container_action_name(a->action), a->actor,
			    n->pub.name);
			fl_touch(f);
			free(a);
			continue;
		}
		c = fl_find(n, a->id);
		fleet_action_request(a->action, a->id, method, sizeof(method), path, sizeof(path));
		r = fl_send_method(n, FL_ACTION, method, path, a->id,
		    fleet_action_timeout(a->action, c != NULL ? c->stop_timeout : -1));
		if (r == NULL) {
			fl_cevent(n, a->id, a->name, "action", "%s by %s: failed: %s",
			    pd_container_action_name(a->action), a->actor, n->engine->read_only ?
			    "refused: read-only" : "cannot start the request (out of memory?)");
			fl_touch(f);
		} else {
			r->action = a->action;
			snprintf(r->name, sizeof(r->name), "%s", a->name);
			snprintf(r->actor, sizeof(r->actor), "%s", a->actor);
		}
		free(a);
	}
}

/* The /events path with its filters (container events that change state). */
static const char fl_events_path[] =
	"/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22event%22%3A%5B"
	"%22create%22%2C%22start%22%2C%22die%22%2C%22destroy%22%2C%22stop%22%2C"
	"%22kill%22%2C%22oom%22%2C%22pause%22%2C%22unpause%22%2C%22rename%22%2C"
	"%22restart%22%2C%22update%22%2C%22health_status%22%5D%7D";

/* (Re)open node N's event stream, then list (RELIST): events may have
 * been missed. */
void
fl_open_events(struct fl_node *n, double now, int relist)
{
	if (fl_send(n, FL_EVENTS, fl_events_path, NULL, 0) != NULL) {
		n->pub.events_connected = 1;
		if (relist)
			n->next_reconcile = now;
	}
}

/* The seconds from a reconcile list to the next: INTERVAL, or STREAMED
 * while the node's event stream is up (STREAM_UP: the engine answered it).
 * Events that come over a live stream are not lost; the list only catches
 * what a broken stream missed, and a stream that ends is opened again with
 * a list at once (fl_open_events).  On 27 real nodes the lists of a 10 s
 * cadence were a seventh of the idle cockpit's requests and the biggest
 * replies it read. */
FLEET_STATIC double
fleet_reconcile_every(double interval, double streamed, int stream_up)
{
	return stream_up && streamed > interval ? streamed : interval;
}

/* Whether node N's event stream is up: open, and the engine's answer
 * (the headers it sends at once, before any event) says 200. */
static int
fl_stream_up(const struct fl_node *n)
{
	long code = 0;

	return n->events != NULL &&
	    curl_easy_getinfo(n->events->h, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK &&
	    code == 200;
}

/* Send node N's /info (swarm membership changes: a node joins, leaves, is
 * promoted) and its container list when they are due and not in flight. */
void
fl_info_list_due(struct fl_node *n, double now)
{
	struct fleet *f = n->fleet;

	if (n->info_inflight == 0 && now >= n->next_info) {
		fl_send(n, FL_INFO, "/info", NULL, 10.0);
		n->next_info = now + FLEET_INFO_EVERY;
	}
	if (n->list_inflight == 0 && now >= n->next_reconcile) {
		fl_send(n, FL_LIST, "/containers/json?all=1", NULL, 10.0);
		n->next_reconcile = now + fleet_reconcile_every(f->cfg.reconcile_interval,
		    f->reconcile_streamed, fl_stream_up(n));
	}
}

/* Whether a node's event stream, not OPEN, is to be opened now: not while
 * a ping of it is PINGING (a reconnect opens it at the answer), and never
 * for a reader of ONE_SNAPSHOT (struct fleet_config: `status` without
 * --watch).  That reader ends with its snapshot: a stream would cost it a
 * connection and a request a node (270 of each at 270 nodes) for events
 * it never reads, and what the snapshot shows comes from the lists and
 * inspects alone.  Its nodes say events_connected false, which is what
 * they are. */
FLEET_STATIC int
fleet_events_due(int open, int pinging, int one_snapshot)
{
	return !open && !pinging && !one_snapshot;
}

/* fleet_events_due for node N. */
int
fl_events_due(const struct fl_node *n)
{
	return fleet_events_due(n->events != NULL, n->ping_inflight > 0,
	    n->fleet->cfg.one_snapshot);
}

/* Node N just answered its first ping: /info, the list and the event
 * stream at once -- the stream first, so that the list sees what it may
 * have missed -- but no stream for a reader of one snapshot
 * (fleet_events_due; the ping that answered is still counted in flight
 * here, so its test is made without it). */
static void
fl_first_requests(struct fl_node *n, double now)
{
	n->next_info = now;
	if (fleet_events_due(n->events != NULL, 0, n->fleet->cfg.one_snapshot))
		fl_open_events(n, now, 1);
	fl_info_list_due(n, now);
}

/* Inspects node N may have in flight: more while its first snapshot is
 * being read (the engine answers them side by side), fewer after. */
int
fl_inspect_limit(const struct fl_node *n)
{
	return n->first_done ? FLEET_INSPECTS_PER_NODE : FLEET_INSPECTS_FIRST;
}

/* Count a request of SECS to a node in ST (FAILED: it failed). */
static void
fl_req_count(struct pd_req_stats *st, double secs, int failed)
{
	int i;

	st->count++;
	st->errors += failed != 0;
	st->seconds += secs > 0 ? secs : 0;
	for (i = 0; i < PD_REQ_BUCKETS && secs > pd_req_bounds[i]; i++)
		;
	if (i < PD_REQ_BUCKETS)
		st->le[i]++;
}

/* A request finished: apply its result to the model. */
void
fl_done(struct fleet *f, struct fl_req *r, CURLcode code, double now)
{
	struct fl_node *n = r->node;
	cJSON *j = NULL;
	struct fleet_inspect x;
	int rc, listbad = 0, bad = 0;

	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &r->reply.status);
	rc = engine_finish(n->engine, r->method, r->path, code, &r->reply);
	/* A list has its own verdict: over its cap, cut short, not an array. */
	if (r->kind == FL_LIST && r->reply.status >= 200 && r->reply.status <= 299 &&
	    (r->list->state < 0 || (rc == 0 && fleet_list_end(r->list) != 0))) {
		snprintf(r->reply.error, sizeof(r->reply.error), "%.64s: %s %.200s: %.159s",
		    n->pub.name, r->method, r->path, r->list->error);
		rc = -1;
		listbad = 1;
	}
	/* Replies are parsed before the model lock is taken: a big one must
	 * not stall readers. */
	if (rc == 0 && (r->kind == FL_INFO || r->kind == FL_STATS || r->kind == FL_DETAILS))
		bad = (j = cJSON_ParseWithLength(r->reply.body.data ? r->reply.body.data : "",
		    r->reply.body.len)) == NULL;
	/* An inspect, ten a node for its first snapshot, is read in place. */
	if (rc == 0 && r->kind == FL_INSPECT)
		bad = fleet_parse_inspect(r->reply.body.data, r->reply.body.len, &x) != 0;
	if (rc == 0)
		fl_parse_swarm(r, j);

	pthread_mutex_lock(&f->lock);
	fl_poke(n);
	if (r->kind != FL_EVENTS && r->kind != FL_AGENT && r->kind != FL_SW_EVENTS)
		fl_req_count(&n->pub.req, now - r->started, rc != 0);
	if (r->kind >= FL_SW_NODES) {
		fl_swarm_done(f, r, rc, now);
		goto out;
	}
	if (r->kind == FL_EVENTS) {
		/* The stream ended: an engine restart, a crash, or a cut link.
		 * Ping at once to learn which. */
		n->pub.events_connected = 0;
		n->next_ping = now;
		n->ping_now = 1;
		log_msg(LOG_INFO, "%s: event stream ended: %s", n->pub.name,
		    rc != 0 ? r->reply.error : "closed by the engine");
		fl_touch(f);
		goto out;
	}
	if (r->kind == FL_AGENT) {
		/* The stream ended: the agent stopped, the engine restarted, or the
		 * link broke.  Open it again after a backoff, from the last line. */
		double delay = 0.5 * pow(2.0, n->agent_step);

		if (delay > f->cfg.backoff_max)
			delay = f->cfg.backoff_max;
		else
			n->agent_step++;
		n->agent_next = now + delay;
		n->pub.agent_connected = 0;
		if (rc != 0 && r->reply.status == 404 && strcmp(r->id, n->pub.agent) == 0)
			fl_agent_set(n, "");     /* gone: the list finds the next one */
		log_msg(LOG_INFO, "%s: agent stream ended: %s", n->pub.name,
		    rc != 0 ? r->reply.error : "closed by the engine");
		fl_touch(f);
		goto out;
	}
	if (r->kind == FL_DETAILS || r->kind == FL_LOGS) {
		struct fl_watch *w = &f->watch;

		if (!w->active || strcmp(w->id, r->id) != 0 || strcmp(w->node, n->pub.name) != 0)
			goto out;  /* the UI looks at something else by now */
		if (rc != 0) {
			snprintf(w->pub.error, sizeof(w->pub.error), "%.*s", (int)sizeof(w->pub.error) - 1,
			    r->reply.error);
			fl_touch(f);
		} else if (r->kind == FL_LOGS) {
			if (fleet_parse_logs(r->reply.body.data, r->reply.body.len, &w->pub) != 0)
				snprintf(w->pub.error, sizeof(w->pub.error),
				    "%s: logs: the engine's stream is malformed", n->pub.name);
			fl_touch(f);
		} else if (j != NULL) {
			fl_apply_details(f, j);
		}
		goto out;
	}
	if (r->kind == FL_ACTION) {
		fl_action_done(n, r, rc);
		goto out;
	}
	if (rc != 0) {
		if (r->kind == FL_PING || !n->connected) {
			n->pub.tls_refused = r->reply.tls_refused;
			fl_node_failed(n, r->reply.error, now);
			r = NULL;  /* released with the node's requests */
			goto out;
		}
		if (r->kind == FL_INSPECT && r->reply.status == 404) {
			struct fl_container *c = fl_find(n, r->id);

			if (c != NULL)
				fl_remove(n, c);
			fl_count(n);
			fl_touch(f);
		} else {
			log_msg(LOG_WARN, "%s", r->reply.error);
			if (r->kind == FL_INFO)
				n->info_done = 1;  /* facts stay unknown; not worth waiting */
			if (listbad || (r->kind == FL_LIST && r->reply.body.overflow)) {
				/* Asking again gets the same: the node says so, and its
				 * first snapshot does not wait for it. */
				snprintf(n->pub.warning, sizeof(n->pub.warning), "%.*s",
				    (int)sizeof(n->pub.warning) - 1, r->reply.error);
				n->listed = 1;
				fl_touch(f);
			}
		}
		goto out;
	}
	n->last_ok = now;
	n->pub.last_seen = time(NULL);
	if (r->kind != FL_PING && r->kind != FL_LIST && bad) {
		/* Stats of a container that just stopped come back empty. */
		log_msg(r->kind == FL_STATS ? LOG_DEBUG : LOG_WARN,
		    "%s: %s %s: the engine sent something that is not JSON",
		    n->pub.name, r->method, r->path);
		goto out;
	}
	switch (r->kind) {
	case FL_PING:
		n->pub.rtt_ms = (now - r->started) * 1000.0;
		/* The answer of a node that is up changes its round trip and
		 * last_seen alone: they go out with the next snapshot, whoever
		 * takes it, and wake no reader. */
		if (!n->connected || n->pub.error[0] != '\0')
			fl_touch(f);
		if (!n->connected) {
			if (engine_set_version(n->engine, r->reply.api_version) != 0) {
				char err[PD_ERROR_LEN];

				snprintf(err, sizeof(err),
				    "%s: GET /_ping: no usable Api-Version header (is this a Docker Engine?)",
				    n->pub.name);
				fl_node_failed(n, err, now);
				r = NULL;
				goto out;
			}
			snprintf(n->pub.api_version, sizeof(n->pub.api_version), "%s",
			    n->engine->api_version);
			n->connected = 1;
			n->ever_answered = 1;
			n->backoff_step = 0;
			n->next_reconcile = now;  /* list at once */
			/* Everything the first snapshot needs goes out now, side by
			 * side on their own connections: /info, the event stream and
			 * the list (fl_node_tick would send them a turn later). */
			fl_first_requests(n, now);
		}
		fl_set_reach(n, PD_REACH_UP, NULL);
		n->next_ping = now + f->cfg.ping_interval;
		break;
	case FL_INFO: {
		uint64_t gen = f->generation, was = fl_node_hash(n);
		int dirty = f->dirty;

		n->info_done = 1;
		fl_apply_info(n, j);
		if (r->si_rc == 0)
			fl_apply_swarm_info(n, &r->si);
		fl_set_reach(n, PD_REACH_UP, NULL);
		/* The same facts again (every FLEET_INFO_EVERY s) outside a
		 * swarm: nothing for readers to wake for. */
		if (!swarm_has_managers(f->sw.sw) && fl_node_hash(n) == was) {
			f->generation = gen;
			f->dirty = dirty;
		}
		break;
	}
	case FL_LIST: {
		uint64_t gen = f->generation, was = fl_node_hash(n);
		int dirty = f->dirty;

		fl_apply_list(n, r->list);
		/* The reconcile list (every reconcile_interval) says what the
		 * model says: no reader wakes for it. */
		if (n->first_done && fl_node_hash(n) == was) {
			f->generation = gen;
			f->dirty = dirty;
		}
		break;
	}
	case FL_INSPECT: {
		struct fl_container *c = fl_find(n, r->id);

		if (c != NULL)
			c->inspecting = 0;
		fl_apply_inspect(n, r->id, &x);
		break;
	}
	case FL_STATS:
		fl_apply_stats(n, r->id, j);
		break;
	case FL_EVENTS:
	case FL_DETAILS:
	case FL_LOGS:
	case FL_AGENT:
	case FL_ACTION:
	case FL_SW_NODES:
	case FL_SW_SERVICES:
	case FL_SW_TASKS:
	case FL_SW_EVENTS:
		break;
	}
out:
	if (r != NULL && r->kind == FL_INSPECT) {
		struct fl_container *c = fl_find(n, r->id);

		if (c != NULL)
			c->inspecting = 0;
	}
	pthread_mutex_unlock(&f->lock);
	cJSON_Delete(j);
	if (r != NULL)
		fl_release(f, r);
}

/* Room for the labels of every node of INV (at most PD_MAX_LABELS a node),
 * filled by fleet_new: one block the nodes and their snapshots share, since
 * the inventory's labels never change while the fleet runs. */
static struct pd_label *
fl_labels_new(const struct inventory *inv)
{
	size_t total = 0;

	for (size_t i = 0; i < inv->nnodes; i++)
		total += inv->nodes[i].nlabels < PD_MAX_LABELS ? inv->nodes[i].nlabels : PD_MAX_LABELS;
	return calloc(total ? total : 1, sizeof(struct pd_label));
}

/* Put node I in a group of nodes that share a connection cache and TLS
 * sessions: the group of the node before it while that has room and the
 * same client certificate, else a new one of its own.  Without a share its
 * requests use the multi's cache: slower to release, as correct.
 *
 * One client identity a group, because a node in a share carries its
 * certificate decoded once (engine.tls_preload), which curl cannot tell
 * apart: a connection or session opened with one certificate must never be
 * offered to a request made with another, and two nodes of an inventory may
 * name one endpoint with two certificates. */
static void
fl_share_join(struct fleet *f, size_t i)
{
	struct fl_node *n = &f->nodes[i], *prev = i > 0 ? &f->nodes[i - 1] : NULL;

	if (prev != NULL && prev->share != NULL && prev->share_pos + 1 < FLEET_SHARE_NODES &&
	    engine_same_client(prev->engine, n->engine)) {
		n->share = prev->share;
		n->share_pos = prev->share_pos + 1;
	} else if ((n->share = curl_share_init()) != NULL &&
	    curl_share_setopt(n->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK) {
		curl_share_cleanup(n->share);
		n->share = NULL;
	} else if (n->share != NULL) {
		n->share_own = 1;
		/* TLS sessions as well: each request is an easy handle of
		 * its own, so without this every new connection to a TLS
		 * engine is a full handshake (certificates sent and
		 * verified both ways), and a first snapshot opens several
		 * a node.  Without it, only slower. */
		curl_share_setopt(n->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	}
	n->engine->tls_preload = n->share != NULL;
}

/* The length of S (NULL: "") cut to CAP - 1 bytes, as snprintf into an
 * array of CAP cuts it. */
static size_t
fl_cut_len(const char *s, size_t cap)
{
	return s != NULL ? strnlen(s, cap - 1) : 0;
}

/* S (NULL: "") cut to CAP - 1 bytes into OUT (room for it); OUT. */
static char *
fl_cut(char *out, const char *s, size_t cap)
{
	size_t len = fl_cut_len(s, cap);

	if (len > 0)
		memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

/* Every node of INV's name and endpoint, cut where the arrays they were in
 * cut them, one after the other in one block, as the labels are: they
 * never change while the fleet runs.  NULL when out of memory. */
static char *
fl_names_new(const struct inventory *inv)
{
	size_t total = 0;
	char *b, *p;

	for (size_t i = 0; i < inv->nnodes; i++)
		total += fl_cut_len(inv->nodes[i].name, PD_NAME_LEN) + 1 +
		    fl_cut_len(inv->nodes[i].endpoint, PD_IMAGE_LEN) + 1;
	b = p = malloc(total ? total : 1);
	for (size_t i = 0; b != NULL && i < inv->nnodes; i++) {
		p += strlen(fl_cut(p, inv->nodes[i].name, PD_NAME_LEN)) + 1;
		p += strlen(fl_cut(p, inv->nodes[i].endpoint, PD_IMAGE_LEN)) + 1;
	}
	return b;
}

/* ------------------------------------------------------------ public */

struct fleet *
fleet_new(const struct inventory *inv, const struct fleet_config *cfg)
{
	struct fleet *f = calloc(1, sizeof(*f));
	size_t nlabels = 0;
	const char *name;

	if (f == NULL)
		return NULL;
	f->cfg = *cfg;
	if (f->cfg.ping_interval <= 0)
		f->cfg.ping_interval = fleet_ping_default(inv->nnodes);
	if (f->cfg.ping_timeout <= 0)
		f->cfg.ping_timeout = 2.0;
	/* A list interval set by the user is kept, stream or not. */
	f->reconcile_streamed = f->cfg.reconcile_interval > 0 ? f->cfg.reconcile_interval :
	    FLEET_RECONCILE_STREAMED;
	if (f->cfg.reconcile_interval <= 0)
		f->cfg.reconcile_interval = 10.0;
	if (f->cfg.stats_interval <= 0)
		f->cfg.stats_interval = 10.0;
	if (f->cfg.stats_budget == 0)
		f->cfg.stats_budget = 8;
	if (f->cfg.stats_background == 0)
		f->cfg.stats_background = 300.0;
	if (f->cfg.event_history == 0)
		f->cfg.event_history = 64;
	if (f->cfg.backoff_max <= 0)
		f->cfg.backoff_max = 30.0;
	if (f->cfg.swarm_interval <= 0)
		f->cfg.swarm_interval = 3.0;
	if (f->cfg.max_containers == 0)
		f->cfg.max_containers = PD_MAX_CONTAINERS;
	f->sw.cur = -1;
	snprintf(f->site, sizeof(f->site), "%s", inv->site ? inv->site : "");
	if (inv->agent.image != NULL) {
		char err[PD_ERROR_LEN];

		snprintf(f->agent_image, sizeof(f->agent_image), "%s", inv->agent.image);
		if (agent_trust_dir(inv, f->agent_dir, sizeof(f->agent_dir), err, sizeof(err)) != 0) {
			log_msg(LOG_WARN, "agent records: %s: no agent is trusted", err);
			f->agent_dir[0] = '\0';
		}
	}
	pthread_mutex_init(&f->lock, NULL);
	f->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->kickfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->epfd = epoll_create1(EPOLL_CLOEXEC);
	f->curl_due = -1;
	f->multi = curl_multi_init();
	f->nodes = calloc(inv->nnodes ? inv->nnodes : 1, sizeof(*f->nodes));
	f->labels = fl_labels_new(inv);
	f->names = fl_names_new(inv);
	name = f->names;
	f->rand_state = (unsigned)getpid() ^ (unsigned)time(NULL);
	f->sw.sw = swarm_new(inv, f->cfg.read_only);
	if (f->wakefd < 0 || f->kickfd < 0 || f->epfd < 0 || f->multi == NULL ||
	    f->nodes == NULL || f->labels == NULL || f->names == NULL || f->sw.sw == NULL ||
	    fl_epoll_setup(f) != 0) {
		fleet_free(f);
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	for (size_t i = 0; i < inv->nnodes; i++) {
		struct fl_node *n = &f->nodes[i];
		const struct inv_node *in = &inv->nodes[i];

		n->fleet = f;
		f->rand_state = f->rand_state * 1103515245u + 12345u;
		cindex_init(&n->ix, fl_key, n, f->rand_state);
		n->engine = engine_new(in);
		if (n->engine == NULL) {
			f->nnodes = i + 1;
			fleet_free(f);
			return NULL;
		}
		n->engine->connect_timeout_ms = (long)(f->cfg.ping_timeout * 1000);
		fl_share_join(f, i);
		n->engine->read_only = f->cfg.read_only;
		n->evline.max = FLEET_MAX_EVENT_LINE;
		n->agline.max = 1u << 20;
		n->pub.rtt_ms = -1;
		n->pub.name = name;
		name += strlen(name) + 1;
		n->pub.endpoint = name;
		name += strlen(name) + 1;
		n->pub.insecure = in->insecure;
		n->pub.labels = &f->labels[nlabels];
		for (size_t k = 0; k < in->nlabels && k < PD_MAX_LABELS; k++) {
			snprintf(f->labels[nlabels].key, PD_LABEL_LEN, "%s", in->labels[k].key);
			snprintf(f->labels[nlabels].value, PD_LABEL_LEN, "%s", in->labels[k].value);
			nlabels++;
			n->pub.nlabels++;
		}
	}
	f->nnodes = inv->nnodes;
	f->first_left = f->nnodes;
	return f;
}

int
fleet_start(struct fleet *f)
{
	int rc;

	f->started = time(NULL);
	rc = pd_thread_start(&f->thread, fl_thread, f);

	if (rc != 0)
		return -rc;
	f->running = 1;
	return 0;
}

/* Release every transfer of F and close its connections: the requests in
 * flight, the nodes' kept handles, the groups' connection caches.  Called
 * by the io thread once stopped (fl_thread), and again by fleet_free, where
 * it finds nothing left unless the thread never ran. */
void
fl_close_transfers(struct fleet *f)
{
	while (f->inflight != NULL)
		fl_release(f, f->inflight);
	/* The kept handles hold their group's share: they go first. */
	for (size_t i = 0; i < f->nnodes; i++) {
		if (f->nodes[i].small_h != NULL)
			curl_easy_cleanup(f->nodes[i].small_h);
		f->nodes[i].small_h = NULL;
	}
	for (size_t i = 0; i < f->nnodes; i++) {
		if (f->nodes[i].share_own)
			curl_share_cleanup(f->nodes[i].share);
		f->nodes[i].share = NULL;
	}
}

void
fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	if (f->running) {
		f->stop = 1;
		fl_kick(f);
		pthread_join(f->thread, NULL);
	}
	fl_close_transfers(f);  /* the io thread's last act, unless it never ran */
	while (f->actions != NULL) {
		struct fl_action *a = f->actions;

		f->actions = a->next;
		free(a);
	}
	for (size_t i = 0; i < f->nnodes; i++) {
		engine_free(f->nodes[i].engine);
		engine_buf_free(&f->nodes[i].evline);
		engine_buf_free(&f->nodes[i].agline);
		for (size_t k = 0; k < f->nodes[i].nc; k++)
			free(f->nodes[i].c[k].str);
		free(f->nodes[i].c);
		cindex_free(&f->nodes[i].ix);
		free(f->nodes[i].ring);
	}
	free(f->nodes);
	pd_snapshot_free(f->shared);
	free(f->labels);
	free(f->names);
	free(f->sw.nodes);
	free(f->sw.services);
	free(f->sw.tasks);
	swarm_free(f->sw.sw);
	if (f->multi != NULL)
		curl_multi_cleanup(f->multi);
	if (f->wakefd >= 0)
		close(f->wakefd);
	if (f->kickfd >= 0)
		close(f->kickfd);
	if (f->epfd >= 0)
		close(f->epfd);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

struct swarm *
fleet_swarm(struct fleet *f)
{
	return f->sw.sw;
}

int
fleet_wakeup_fd(const struct fleet *f)
{
	return f->wakefd;
}

void
fleet_wakeup_ack(struct fleet *f)
{
	uint64_t v;

	if (read(f->wakefd, &v, sizeof(v)) < 0) {
		/* Nothing pending. */
	}
}

/* Order events newest first. */
static int
fl_event_cmp(const void *a, const void *b)
{
	const struct pd_event *x = a, *y = b;

	return (x->seq < y->seq) - (x->seq > y->seq);
}

/* A copy of N items of SIZE bytes at P (at least one byte), or NULL. */
static void *
fl_dup(const void *p, size_t n, size_t size)
{
	void *q = malloc(n ? n * size : 1);

	if (q != NULL && n > 0)
		memcpy(q, p, n * size);
	return q;
}

/* Copy the swarm part of the model into OUT; called with the lock held.
 * 0, or -1 when out of memory. */
static int
fl_swarm_snapshot(struct fleet *f, struct pd_swarm *out)
{
	struct fl_swarm *w = &f->sw;

	memset(out, 0, sizeof(*out));
	out->active = swarm_has_managers(w->sw);
	if (!out->active)
		return 0;
	snprintf(out->manager, sizeof(out->manager), "%s", w->manager);
	snprintf(out->error, sizeof(out->error), "%s", w->error);
	out->stale = w->stale;
	out->complete = w->complete;
	out->events_connected = w->events != NULL;
	for (int k = 0; k < 3; k++) {
		if (w->read_wall[k] == 0) {
			out->updated = 0;
			break;
		}
		if (out->updated == 0 || w->read_wall[k] < out->updated)
			out->updated = w->read_wall[k];
	}
	out->nmanagers = swarm_managers(w->sw, out->managers);
	out->nodes = fl_dup(w->nodes, w->nnodes, sizeof(*w->nodes));
	out->services = fl_dup(w->services, w->nservices, sizeof(*w->services));
	out->tasks = fl_dup(w->tasks, w->ntasks, sizeof(*w->tasks));
	if (out->nodes == NULL || out->services == NULL || out->tasks == NULL)
		return -1;
	out->nnodes = w->nnodes;
	out->nservices = w->nservices;
	out->ntasks = w->ntasks;
	return 0;
}

/* Copy container C into OUT, its strings to *STR (its block whole, one
 * copy) and *STR past them; called with the lock held. */
static void
fl_snapshot_container(struct pd_container *out, const struct fl_container *c, char **str)
{
	char *p = *str;

	memcpy(p, c->str, c->slen);
	*out = c->pub;
	out->id = p + (c->pub.id - c->str);
	out->name = p + (c->pub.name - c->str);
	out->image = p + (c->pub.image - c->str);
	out->networks = p + (c->pub.networks - c->str);
	out->stack = p + (c->pub.stack - c->str);
	out->ports = p + (c->pub.ports - c->str);
	*str = p + c->slen;
}

struct pd_snapshot *
fleet_snapshot(struct fleet *f)
{
	struct pd_snapshot *s = calloc(1, sizeof(*s));
	size_t nc = 0, ne = 0, ci = 0, ei = 0, nstr = 0;
	int complete = 1;
	char *str;

	if (s == NULL)
		return NULL;
	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->nnodes; i++) {
		nc += f->nodes[i].nc;
		ne += f->nodes[i].ring_len;
		for (size_t k = 0; k < f->nodes[i].nc; k++)
			nstr += f->nodes[i].c[k].slen;
	}
	/* Every element is written below: no zeroing first (at 1,000 nodes
	 * the containers alone are 9 MB, and the cockpit copies them up to
	 * ten times a second). */
	s->nodes = malloc((f->nnodes ? f->nnodes : 1) * sizeof(*s->nodes));
	s->containers = malloc((nc ? nc : 1) * sizeof(*s->containers));
	s->events = malloc((ne ? ne : 1) * sizeof(*s->events));
	s->strings = malloc(nstr ? nstr : 1);
	if (s->nodes == NULL || s->containers == NULL || s->events == NULL ||
	    s->strings == NULL) {
		pthread_mutex_unlock(&f->lock);
		pd_snapshot_free(s);
		return NULL;
	}
	s->generation = f->generation;
	s->taken = time(NULL);
	snprintf(s->site, sizeof(s->site), "%s", f->site);
	str = s->strings;
	for (size_t i = 0; i < f->nnodes; i++) {
		struct fl_node *n = &f->nodes[i];

		s->nodes[i] = n->pub;
		s->nodes[i].first_container = ci;
		s->nodes[i].ncontainers = n->nc;
		for (size_t k = 0; k < n->nc; k++)
			fl_snapshot_container(&s->containers[ci++], &n->c[k], &str);
		for (size_t k = 0; k < n->ring_len; k++)
			s->events[ei++] = n->ring[(n->ring_head + k) % n->ring_cap];
		if (!n->first_done)
			complete = 0;
	}
	if (fl_swarm_snapshot(f, &s->swarm) != 0) {
		pthread_mutex_unlock(&f->lock);
		pd_snapshot_free(s);
		return NULL;
	}
	if (s->swarm.active && !s->swarm.complete)
		complete = 0;
	pthread_mutex_unlock(&f->lock);
	s->nnodes = f->nnodes;
	s->ncontainers = ci;
	s->nevents = ei;
	s->complete = complete;
	qsort(s->events, s->nevents, sizeof(*s->events), fl_event_cmp);
	return s;
}

struct pd_snapshot *
fleet_snapshot_recent(struct fleet *f, double max_age)
{
	struct pd_snapshot *s, *old = NULL;

	pthread_mutex_lock(&f->lock);
	s = f->shared;
	if (s != NULL && s->generation == f->generation && fl_now() - f->shared_at < max_age) {
		__atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
		pthread_mutex_unlock(&f->lock);
		return s;
	}
	pthread_mutex_unlock(&f->lock);
	s = fleet_snapshot(f);
	if (s == NULL)
		return NULL;
	s->refs = 2;                     /* the caller's and the fleet's */
	pthread_mutex_lock(&f->lock);
	/* Another reader may have made one meanwhile: the newer one stays. */
	if (f->shared == NULL || f->shared->generation <= s->generation) {
		old = f->shared;
		f->shared = s;
		f->shared_at = fl_now();
	} else {
		s->refs = 1;
	}
	pthread_mutex_unlock(&f->lock);
	pd_snapshot_free(old);
	return s;
}

uint64_t
fleet_generation(struct fleet *f)
{
	uint64_t g;

	pthread_mutex_lock(&f->lock);
	g = f->generation;
	pthread_mutex_unlock(&f->lock);
	return g;
}

int
fleet_complete(struct fleet *f)
{
	int complete;

	pthread_mutex_lock(&f->lock);
	complete = f->first_left == 0;
	if (complete && swarm_has_managers(f->sw.sw) && !f->sw.complete)
		complete = 0;
	pthread_mutex_unlock(&f->lock);
	return complete;
}

void
fleet_stop(struct fleet *f)
{
	if (f == NULL || !f->running)
		return;
	f->stop = 1;
	fl_kick(f);
}

void
fleet_watch_container(struct fleet *f, const char *node, const char *id)
{
	struct fl_watch *w = &f->watch;

	pthread_mutex_lock(&f->lock);
	if (node == NULL || id == NULL) {
		w->active = 0;
	} else if (!w->active || strcmp(w->node, node) != 0 || strcmp(w->id, id) != 0) {
		memset(&w->pub, 0, sizeof(w->pub));
		snprintf(w->node, sizeof(w->node), "%s", node);
		snprintf(w->id, sizeof(w->id), "%s", id);
		snprintf(w->pub.node, sizeof(w->pub.node), "%s", node);
		snprintf(w->pub.id, sizeof(w->pub.id), "%s", id);
		w->active = 1;
		w->next = 0;
	}
	pthread_mutex_unlock(&f->lock);
	fl_kick(f);
}

void
fleet_show(struct fleet *f, const char *const *sums, size_t nsums, const char *each)
{
	pthread_mutex_lock(&f->lock);
	f->show_declared = 1;
	for (size_t i = 0; i < f->nnodes; i++)
		f->nodes[i].show = sampling_node_tier(f->nodes[i].pub.name, sums, nsums, each);
	pthread_mutex_unlock(&f->lock);
	fl_kick(f);
}

int
fleet_details(struct fleet *f, struct pd_details *out)
{
	int rc = -1;

	pthread_mutex_lock(&f->lock);
	if (f->watch.active) {
		*out = f->watch.pub;
		rc = 0;
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

int
fleet_container_find(struct fleet *f, const char *node, const char *ref,
    struct fleet_found *out)
{
	struct fl_container *c, *hit = NULL;
	int rc = -1;
	size_t len = strlen(ref);

	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->nnodes && rc == -1; i++) {
		struct fl_node *n = &f->nodes[i];

		if (strcmp(n->pub.name, node) != 0)
			continue;
		rc = -2;
		/* As the engine resolves a reference: the full id first (the id
		 * index: what the cockpit sends), then the name, then an id
		 * prefix (these two scan the node's containers: the CLI's). */
		c = fl_find(n, ref);
		if (c != NULL) {
			hit = c;
			rc = 0;
		}
		for (size_t k = 0; k < n->nc && rc == -2; k++)
			if (strcmp(n->c[k].pub.name, ref) == 0) {
				hit = &n->c[k];
				rc = 0;
			}
		for (size_t k = 0; k < n->nc && rc == -2 && len >= 4; k++)
			if (strncmp(n->c[k].pub.id, ref, len) == 0) {
				hit = &n->c[k];
				rc = 0;
			}
	}
	if (hit != NULL) {
		snprintf(out->id, sizeof(out->id), "%s", hit->pub.id);
		snprintf(out->name, sizeof(out->name), "%s", hit->pub.name);
		snprintf(out->state, sizeof(out->state), "%s", hit->pub.state);
		snprintf(out->image, sizeof(out->image), "%s", hit->pub.image);
		out->exit_code = hit->pub.exit_code;
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

int
fleet_container_action(struct fleet *f, const char *node, const char *id, const char *name,
    enum pd_container_action action, const char *actor)
{
	struct fl_action *a = calloc(1, sizeof(*a)), **pp;

	if (a == NULL)
		return -1;
	snprintf(a->node, sizeof(a->node), "%s", node);
	snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->actor, sizeof(a->actor), "%s", actor);
	a->action = action;
	pthread_mutex_lock(&f->lock);
	for (pp = &f->actions; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = a;
	pthread_mutex_unlock(&f->lock);
	fl_kick(f);
	return 0;
}

#ifdef UNITTEST
int
fleet_test_apply_list(struct fleet *f, size_t node, const char *body, size_t len)
{
	struct fl_list *l = fleet_list_new(f->cfg.max_containers);
	int rc = -1;

	if (l == NULL)
		return -1;
	fl_list_for(l, &f->nodes[node]);
	if (fleet_list_feed(l, body, len) == 0 && fleet_list_end(l) == 0) {
		f->test_reused = l->reused;
		pthread_mutex_lock(&f->lock);
		fl_apply_list(&f->nodes[node], l);
		pthread_mutex_unlock(&f->lock);
		rc = 0;
	}
	fleet_list_free(l);
	return rc;
}

size_t
fleet_test_list_reused(const struct fleet *f)
{
	return f->test_reused;
}

void
fleet_test_event(struct fleet *f, size_t node, const char *line)
{
	struct fl_node *n = &f->nodes[node];

	fl_on_events((char *)line, 1, strlen(line), &(struct fl_req){ .node = n });
}

/* Apply BODY as the reply of KIND ("inspect", "stats", "info", "details")
 * about container ID of node NODE, as fl_done would. */
int
fleet_test_reply(struct fleet *f, size_t node, const char *kind, const char *id,
    const char *body, size_t len)
{
	struct fleet_inspect x;
	cJSON *j;

	if (strcmp(kind, "inspect") == 0) {
		if (fleet_parse_inspect(body, len, &x) != 0)
			return -1;
		pthread_mutex_lock(&f->lock);
		fl_apply_inspect(&f->nodes[node], id, &x);
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	if ((j = cJSON_ParseWithLength(body, len)) == NULL)
		return -1;
	pthread_mutex_lock(&f->lock);
	if (strcmp(kind, "stats") == 0)
		fl_apply_stats(&f->nodes[node], id, j);
	else if (strcmp(kind, "info") == 0)
		fl_apply_info(&f->nodes[node], j);
	else if (strcmp(kind, "details") == 0)
		fl_apply_details(f, j);
	pthread_mutex_unlock(&f->lock);
	cJSON_Delete(j);
	return 0;
}

size_t
fleet_body_max(const char *kind)
{
	if (strcmp(kind, "list") == 0)
		return FLEET_MAX_LIST;
	if (strcmp(kind, "inspect") == 0)
		return fl_body_max(FL_INSPECT);
	if (strcmp(kind, "stats") == 0)
		return fl_body_max(FL_STATS);
	if (strcmp(kind, "events") == 0)
		return FLEET_MAX_EVENT_LINE;
	return 0;
}
#endif
