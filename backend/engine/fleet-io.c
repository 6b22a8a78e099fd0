/* fleet-io.c: the io thread -- when each node is pinged, listed,
 * inspected and sampled, the watched container, when readers are woken,
 * and the loop that waits on curl's sockets in epoll and runs a turn for
 * what happened (fleet.c's top comment tells the whole). */
#include "config.h"

#include <poll.h>

#include "backend/engine/fleet-int.h"

/* ------------------------------------------------------------ scheduling */

/* When a node that is up (UP) and was to be pinged at NEXT is pinged:
 * only an answer proves an engine alive, and an answer to anything else
 * (a list, /info, an inspect, a sample) at LAST_OK proves it as well as a
 * ping would, so the ping waits for INTERVAL after it.  At 1,000 nodes the
 * pings were three quarters of the idle fleet's requests. */
FLEET_STATIC double
fleet_ping_due(double next, double last_ok, double interval, int up)
{
	if (up && last_ok + interval > next)
		return last_ok + interval;
	return next;
}

/* The ping interval when none is set, for a fleet of NNODES: every 2 s,
 * and beyond 500 nodes as often as keeps the fleet's pings at 250 a second
 * (4 s at 1,000), so that an idle fleet's cost stays flat as it grows.  A
 * node shows stale after the interval and the ping's timeout without an
 * answer: 4 s up to 500 nodes, 6 s at 1,000.  An interval set by the
 * user (status --ping-interval) is kept as it is. */
double
fleet_ping_default(size_t nnodes)
{
	double every = (double)nnodes / FLEET_PINGS_PER_SEC;

	return every > FLEET_PING_EVERY ? every : FLEET_PING_EVERY;
}

/* Start what is due on node N; returns the seconds until it next needs a
 * turn. */
static double
fl_node_tick(struct fl_node *n, double now)
{
	struct fleet *f = n->fleet;
	double next = 1.0;
	char path[256];

	if (!n->connected) {
		if (n->ping_inflight == 0 && now >= n->next_connect)
			fl_send(n, FL_PING, "/_ping", NULL, f->cfg.ping_timeout);
		return n->next_connect > now ? n->next_connect - now : f->cfg.ping_timeout;
	}
	if (n->ping_inflight == 0 && now >= n->next_ping) {
		n->next_ping = fleet_ping_due(n->next_ping, n->last_ok, f->cfg.ping_interval,
		    n->pub.reach == PD_REACH_UP && !n->ping_now);
		if (now >= n->next_ping) {
			n->ping_now = 0;
			fl_send(n, FL_PING, "/_ping", NULL, f->cfg.ping_timeout);
		}
	}
	if (fl_events_due(n))
		fl_open_events(n, now, 1);
	if (n->pub.agent[0] != '\0' && n->agent == NULL && now >= n->agent_next) {
		/* Follow the agent's stdout from the last line taken, else from
		 * when this fleet started. */
		if (n->ag_sec > 0)
			snprintf(path, sizeof(path), "/containers/%s/logs?follow=1&stdout=1&"
			    "timestamps=1&since=%lld.%09ld", n->pub.agent, n->ag_sec, n->ag_nsec);
		else
			snprintf(path, sizeof(path), "/containers/%s/logs?follow=1&stdout=1&"
			    "timestamps=1&since=%lld", n->pub.agent, (long long)f->started);
		memset(&n->agdemux, 0, sizeof(n->agdemux));
		engine_buf_free(&n->agline);
		n->agline.max = 1u << 20;
		if (fl_send(n, FL_AGENT, path, n->pub.agent, 0) != NULL) {
			n->pub.agent_connected = 1;
			fl_touch(f);
		}
		n->agent_next = now + 1.0;
	}
	fl_info_list_due(n, now);
	/* Inspects: from where the last turn stopped, so that a turn costs
	 * what it sends, not the node's size; a whole round without a wish
	 * clears want_any. */
	if (n->want_any && n->inspect_inflight < fl_inspect_limit(n)) {
		int found = 0;
		size_t k;

		for (k = 0; k < n->nc; k++) {
			size_t i = (n->inspect_cursor + k) % n->nc;
			struct fl_container *c = &n->c[i];

			if (!c->want_inspect)
				continue;
			found = 1;
			if (c->inspecting)
				continue;
			if (n->inspect_inflight >= fl_inspect_limit(n))
				break;
			snprintf(path, sizeof(path), "/containers/%s/json", c->pub.id);
			if (fl_send(n, FL_INSPECT, path, c->pub.id, 10.0) != NULL) {
				c->want_inspect = 0;
				c->inspecting = 1;
			}
		}
		n->inspect_cursor = n->nc ? (n->inspect_cursor + k) % n->nc : 0;
		n->want_any = found;
	}
	if (!n->first_done && n->listed && n->info_done && n->inspect_inflight == 0 &&
	    !n->want_any) {
		fl_first_done(n);
		fl_touch(f);
	}
	/* The node's next deadline: no turn looks at it before (fl_thread). */
	if (n->next_ping - now < next)
		next = n->next_ping - now;
	if (n->list_inflight == 0 && n->next_reconcile - now < next)
		next = n->next_reconcile - now;
	if (n->info_inflight == 0 && n->next_info - now < next)
		next = n->next_info - now;
	if (n->pub.agent[0] != '\0' && n->agent == NULL && n->agent_next - now < next)
		next = n->agent_next - now;
	return next;
}

/* Hand out stats calls to running containers that are due at their tier
 * (fl_tier), round robin over the nodes, never more than the fleet-wide
 * budget in flight, one per node. */
static void
fl_stats_tick(struct fleet *f, double now)
{
	char path[160];

	for (size_t k = 0; k < f->nnodes && f->stats_inflight < f->cfg.stats_budget; k++) {
		struct fl_node *n = &f->nodes[(f->stats_cursor + k) % f->nnodes];
		double due = 1e300;
		int sent = 0;

		if (!n->connected || n->stats_inflight > 0 || n->nc == 0 ||
		    now < n->stats_at)
			continue;
		/* Round robin over the node's containers from its cursor, looking
		 * at FLEET_STATS_SCAN of them at most: a turn's cost is flat. */
		for (size_t m = 0; m < n->nc && m < FLEET_STATS_SCAN; m++) {
			size_t i = (n->stats_cursor + m) % n->nc;
			struct fl_container *c = &n->c[i];
			double every;

			if (strcmp(c->pub.state, "running") != 0)
				continue;
			every = sampling_every(fl_tier(n, c), f->cfg.stats_interval,
			    f->cfg.stats_background, c->samples >= 2, c->steady);
			if (every < 0)
				continue;
			if (c->last_stats > 0 && now < c->last_stats + every) {
				if (c->last_stats + every < due)
					due = c->last_stats + every;
				continue;
			}
			snprintf(path, sizeof(path),
			    "/containers/%s/stats?stream=false&one-shot=true", c->pub.id);
			if (fl_send(n, FL_STATS, path, c->pub.id, 10.0) != NULL)
				c->last_stats = now;
			n->stats_cursor = i + 1;
			sent = 1;
			break;
		}
		/* Every container looked at and none due: none will be before
		 * DUE unless something of the node changes (fl_poke) or what the
		 * front end shows does (a kick). */
		if (!sent && n->nc <= FLEET_STATS_SCAN)
			n->stats_at = due;
		if (n->nc > FLEET_STATS_SCAN && n->stats_inflight == 0)
			n->stats_cursor = (n->stats_cursor + FLEET_STATS_SCAN) % n->nc;
	}
	f->stats_cursor = f->nnodes ? (f->stats_cursor + 1) % f->nnodes : 0;
}

/* Refresh the watched container's details when due. */
static void
fl_watch_tick(struct fleet *f, double now)
{
	struct fl_watch *w = &f->watch;
	char path[200];

	if (!w->active || w->inflight > 0 || now < w->next)
		return;
	for (size_t i = 0; i < f->nnodes; i++) {
		struct fl_node *n = &f->nodes[i];

		if (strcmp(n->pub.name, w->node) != 0)
			continue;
		w->next = now + FLEET_DETAILS_EVERY;
		if (!n->connected)
			return;
		snprintf(path, sizeof(path), "/containers/%s/json", w->id);
		fl_send(n, FL_DETAILS, path, w->id, 10.0);
		snprintf(path, sizeof(path),
		    "/containers/%s/logs?stdout=1&stderr=1&tail=%d", w->id, PD_LOG_LINES);
		fl_send(n, FL_LOGS, path, w->id, 10.0);
		return;
	}
}

/* Make the shown figures that samples changed since readers last woke a
 * new generation, at most once every FLEET_SAMPLES_WAKE s; returns the
 * seconds until the io loop must call it again.  On 27 real nodes the
 * fleet table's sums took 9 samples a second, each a wakeup, a copy of
 * the model and a redraw of the table in the cockpit that changed a
 * figure or none; a sample is 10 or 30 s apart from the one before, so a
 * second's delay shows nothing later that matters. */
FLEET_STATIC double
fleet_samples_wake(struct fleet *f, double now)
{
	if (!f->samples_pending)
		return FLEET_SAMPLES_WAKE;
	if (now < f->samples_wake_at)
		return f->samples_wake_at - now;
	f->samples_pending = 0;
	f->samples_wake_at = now + FLEET_SAMPLES_WAKE;
	fl_touch(f);
	return FLEET_SAMPLES_WAKE;
}

/* Wake readers if the model changed this turn. */
static void
fl_wake(struct fleet *f)
{
	uint64_t one = 1;

	if (!f->dirty)
		return;
	f->dirty = 0;
	if (write(f->wakefd, &one, sizeof(one)) < 0) {
		/* The counter is already non-zero: readers are awake. */
	}
}

/* curl's socket callback: keep epoll's interest in socket S as curl
 * wants it.  SOCKP is what we assigned to the socket when we added it
 * (curl forgets it with CURL_POLL_REMOVE): a socket without is added, one
 * with is modified -- one epoll_ctl a change, where trying MOD first cost
 * a failed call for every connection a transfer took from the cache.  A
 * socket curl closed without saying so left epoll by itself (the kernel
 * drops a closed file), so each call falls back on the other. */
static int
fl_on_socket(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct fleet *f = arg;
	struct epoll_event ev = { 0 };
	int op = sockp != NULL ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(f->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
	ev.data.fd = s;
	if (epoll_ctl(f->epfd, op, s, &ev) != 0) {
		op = op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
		if (epoll_ctl(f->epfd, op, s, &ev) != 0) {
			log_msg(LOG_WARN, "io loop: epoll_ctl(%d): %s", (int)s, strerror(errno));
			return 0;
		}
	}
	if (sockp == NULL)
		curl_multi_assign(f->multi, s, f);
	return 0;
}

/* curl's timer callback: when it wants CURL_SOCKET_TIMEOUT (timeouts,
 * and at once for a transfer just added). */
static int
fl_on_timer(CURLM *m, long ms, void *arg)
{
	struct fleet *f = arg;

	(void)m;
	f->curl_due = ms < 0 ? -1 : fl_now() + (double)ms / 1000.0;
	return 0;
}

/* Wake the io thread from another thread (a new action, watch or show). */
void
fl_kick(struct fleet *f)
{
	uint64_t one = 1;

	if (write(f->kickfd, &one, sizeof(one)) < 0) {
		/* The counter is already non-zero: the io thread will wake. */
	}
}

#define FLEET_EPOLL_BATCH 256

/* Wait up to WAIT seconds for curl's sockets, its timer or a kick, and let
 * curl work on what is ready. */
static void
fl_wait_and_run(struct fleet *f, double wait)
{
	struct epoll_event ev[FLEET_EPOLL_BATCH];
	int nev, running, ms;
	double now = fl_now();

	if (f->curl_due >= 0 && f->curl_due - now < wait)
		wait = f->curl_due - now;
	ms = wait <= 0 ? 0 : (int)(wait * 1000 + 0.999);
	nev = epoll_wait(f->epfd, ev, FLEET_EPOLL_BATCH, ms);
	for (int i = 0; i < nev; i++) {
		int fd = ev[i].data.fd, mask = 0;

		if (fd == f->kickfd) {
			uint64_t v;

			if (read(f->kickfd, &v, sizeof(v)) < 0) {
				/* Nothing to read: another turn took it. */
			}
			/* Another thread changed something (what is shown, an
			 * action, the watch): every node's turn and stats are
			 * due. */
			f->tick_all = 1;
			continue;
		}
		if (ev[i].events & (EPOLLIN | EPOLLHUP))
			mask |= CURL_CSELECT_IN;
		if (ev[i].events & EPOLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (ev[i].events & EPOLLERR)
			mask |= CURL_CSELECT_ERR;
		curl_multi_socket_action(f->multi, fd, mask, &running);
	}
	if (f->curl_due >= 0 && fl_now() >= f->curl_due) {
		f->curl_due = -1;
		curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
}

/* The io thread. */
void *
fl_thread(void *arg)
{
	struct fleet *f = arg;
	CURLMsg *msg;
	int left, settled;
	double now, wait, w, turn = 0;

	while (!f->stop) {
		now = fl_now();
		wait = 1.0;
		settled = 1;
		pthread_mutex_lock(&f->lock);
		if (f->tick_all) {
			for (size_t i = 0; i < f->nnodes; i++)
				fl_poke(&f->nodes[i]);
			f->tick_all = 0;
		}
		for (size_t i = 0; i < f->nnodes; i++) {
			struct fl_node *n = &f->nodes[i];

			if (now >= n->tick_at) {
				w = fl_node_tick(n, now);
				n->tick_at = now + w;
			}
			w = n->tick_at - now;
			if (w < wait)
				wait = w;
			settled &= n->first_done;
		}
		fl_stats_tick(f, now);
		fl_watch_tick(f, now);
		fl_action_tick(f);
		w = fl_swarm_tick(f, now);
		if (w < wait)
			wait = w;
		w = fleet_samples_wake(f, now);
		if (w < wait)
			wait = w;
		fl_wake(f);
		pthread_mutex_unlock(&f->lock);

		if (f->stop)
			break;  /* a reader that took its last snapshot (fleet_stop) */
		if (wait < 0.01)
			wait = 0.01;
		/* Once every node has its first snapshot, answers that come
		 * within FLEET_TURN_GAP of each other are taken in one turn: a
		 * turn still walks every node (fl_node_tick), so at one turn per
		 * answer the idle cost grew as the square of the fleet
		 * (doc/benchmarks.md, "the idle cockpit at scale"). */
		if (settled && now - turn < FLEET_TURN_GAP) {
			double gap = FLEET_TURN_GAP - (now - turn);
			struct timespec ts = { 0, (long)(gap * 1e9) };
			struct pollfd kick = { .fd = f->kickfd, .events = POLLIN };

			/* A kick ends the gap (read in fl_wait_and_run): `status`
			 * stops the loop the moment it has its snapshot, and
			 * waited here up to 50 ms, a tenth of its run on 27 real
			 * nodes, before the join let it exit. */
			ppoll(&kick, 1, &ts, NULL);
			if (f->stop)
				break;
		}
		fl_wait_and_run(f, wait);
		turn = fl_now();
		now = turn;
		while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
			struct fl_req *r;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			fl_done(f, r, msg->data.result, now);
		}
		/* A hung node: its ping timed out inside curl and failed it above.
		 * Mark nodes stale when they have not answered for a while. */
		pthread_mutex_lock(&f->lock);
		for (size_t i = 0; i < f->nnodes; i++) {
			struct fl_node *n = &f->nodes[i];

			if (n->connected && n->pub.reach == PD_REACH_UP &&
			    now - n->last_ok > f->cfg.ping_interval + f->cfg.ping_timeout) {
				n->pub.reach = PD_REACH_STALE;
				fl_event(n, PD_EV_NODE, NULL, "stale", "no answer for %.0f s",
				    now - n->last_ok);
				fl_touch(f);
			}
		}
		fl_wake(f);
		pthread_mutex_unlock(&f->lock);
		/* Give freed memory back once every node's first snapshot is
		 * done, then every FLEET_TRIM_EVERY s: the blocks of each
		 * request (replies, parse trees, curl's handles) are freed into
		 * holes between the ones that live on, across 100 MB of arena at
		 * 1,000 nodes, and glibc keeps those pages resident until told
		 * (issue 16).  A trim walks the free lists, a few ms. */
		if (f->trim || (f->trim_at > 0 && now >= f->trim_at)) {
			f->trim = 0;
			f->trim_at = now + FLEET_TRIM_EVERY;
#ifdef __GLIBC__
			malloc_trim(0);
#endif
		}
	}
	/* Stopped: every transfer and connection closes here, on the way
	 * out, rather than in fleet_free.  A reader that stopped the fleet to
	 * print its last snapshot (status) prints while they close: at 270
	 * nodes ~1,000 connections, ~30 ms of close() that were its last. */
	fl_close_transfers(f);
	return NULL;
}

/* Hand curl's sockets and timer to the io loop's epoll (fl_wait_and_run). */
int
fl_epoll_setup(struct fleet *f)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = f->kickfd };

	if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->kickfd, &ev) != 0)
		return -1;
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, fl_on_socket);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, fl_on_timer);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	return 0;
}
