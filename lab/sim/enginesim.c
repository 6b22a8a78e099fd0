/*
 * enginesim — N simulated Docker engines in one process, for plantdeck's
 * scale tests and benchmarks (as kwok is for Kubernetes).  See doc/lab.md,
 * "Simulated engines".
 *
 * Design: one thread, one epoll set, every socket non-blocking.  Node i
 * (1-based) listens on 127.B.(i/250).(i%250+1):2375, B 1 unless --net says
 * otherwise (so that tests can run beside a simulator already up) —
 * loopback addresses that need no setup on Linux and stay clear of the real
 * lab's 127.0.0.x.
 * Each node holds its containers in a plain array (K is small; the 50,000
 * container fault is the one place a node gets big, and that is the point
 * of it).  Replies are built into a growable buffer with snprintf-style
 * appends, never through a JSON tree; request bodies (create, update) and
 * the filters query are parsed with cJSON.
 *
 * Time: one timerfd armed at the head of a binary min-heap of timers
 * (health checks turning healthy, restart policies, slow replies and the
 * fleet-wide event generator).  Nothing polls: an idle fleet sleeps in
 * epoll_wait.
 *
 * HTTP: HTTP/1.1 keep-alive with Content-Length replies; the streams of
 * the real engine (/events, logs with follow, image pulls) are chunked.
 * Request bodies must carry Content-Length (plantdeck's libcurl and curl
 * do).
 *
 * Faults and control: plain HTTP on 127.B.255.254:2375 (see ctl_handle),
 * so the lab script and tests drive it with curl (127.B.255.254).  Kinds, per node: hang
 * (accept and read, never answer), refuse (close the listener), slow MS
 * (every reply MS late), drop-events (close the open /events streams),
 * many N (N more containers on that node), huge MIB (container lists of
 * MIB MiB of blanks after "[", never a whole list; default 65, above
 * plantdeck's 64 MiB cap), ok (undo hang/refuse/slow/huge).
 * GET /stats-calls[?reset=1]: the stats calls each container has had.
 * GET /requests[?reset=1]: the requests each node answered, by kind
 * (ping, version, info, events, list, inspect, other).
 * POST /work?pull=MS&start=MS&health=MS sets a deploy's simulated work on
 * every node: pulls and starts answer that late, health checks pass after
 * that long (benchmarks subtract it from a deploy's time).
 *
 * Every byte from a client is untrusted: lengths are bounded, names are
 * JSON-escaped on output.
 *
 * Files: sim.h (the shared model), util.c (buffers, clocks, queries),
 * model.c (containers, events, lifecycles, timers), http.c (replies and
 * connections), api.c (the Engine API handlers), faults.c (the control
 * listener); this file has the globals and the main loop.
 */
#include "sim.h"

int sim_ep = -1, sim_tfd = -1;
struct node *sim_nodes;
int sim_n;
int sim_net = 1;           /* the second byte of every address: 127.NET.x.y */
double sim_rate = 0.05;    /* lifecycle events per second, fleet-wide */
unsigned sim_serial;
uint64_t sim_rng = 0x9e3779b97f4a7c15ULL;
struct timer *sim_heap;
size_t sim_nheap, sim_capheap;
struct node sim_ctl;       /* the control listener (kind K_CTL) */
volatile sig_atomic_t sim_stop;
struct conn *sim_grave;    /* connections closed in this round of events */
int sim_pull_ms, sim_start_ms, sim_health_ms = -1;
const char *sim_images[] = {
	"127.0.0.1:5000/plant/plc-sim:1", "127.0.0.1:5000/plant/plc-sim:2",
	"127.0.0.1:5000/plant/leaky:1", "127.0.0.1:5000/plant/flaky:1",
};

/* SIGTERM/SIGINT: leave the loop. */
static void
on_signal(int sig)
{
	(void)sig;
	sim_stop = 1;
}

/* Usage on stderr. */
static void
usage(void)
{
	fputs("usage: pd-enginesim --nodes N [--containers K] [--events-per-sec R] "
	    "[--net B] [--seed S] [--ready FILE] [--swarm [--managers M]]\n"
	    "node i listens on 127.B.(i/250).(i%250+1):2375 (B: 1); control on "
	    "127.B.255.254:2375 (/fault?node=N&kind=hang|refuse|slow|drop-events|many|huge|ok|event"
	    "&arg=A, /nodes, /requests, /stats-calls, /work?pull=MS&start=MS&health=MS)\n", stderr);
}

/* Parse the arguments, open the listeners, run the loop. */
int
main(int argc, char **argv)
{
	int nodes = 10, k = 10, i;
	const char *ready = NULL;
	struct rlimit rl;
	struct epoll_event evs[256];
	struct sigaction sa;
	int timer_kind = K_TIMER;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL && strcmp(a, "--swarm") != 0) {
			usage();
			return 2;
		}
		if (strcmp(a, "--nodes") == 0)
			nodes = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "--containers") == 0)
			k = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "--events-per-sec") == 0)
			sim_rate = strtod(v, NULL);
		else if (strcmp(a, "--net") == 0)
			sim_net = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "--seed") == 0)
			sim_rng = strtoull(v, NULL, 10) | 1;
		else if (strcmp(a, "--ready") == 0)
			ready = v;
		else if (strcmp(a, "--swarm") == 0) {
			sim_swarm = 1;
			continue;       /* no value */
		} else if (strcmp(a, "--managers") == 0)
			sim_managers = (int)strtol(v, NULL, 10);
		else {
			usage();
			return 2;
		}
		i++;
	}
	if (nodes < 1 || nodes > 60000 || sim_net < 1 || sim_net > 254 || k < 0 || k > 100000 || sim_rate < 0) {
		usage();
		return 2;
	}
	/* a listener per node and a few connections each */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sim_ep = epoll_create1(EPOLL_CLOEXEC);
	sim_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (sim_ep < 0 || sim_tfd < 0) {
		perror("enginesim");
		return 1;
	}
	ep_add(sim_tfd, &timer_kind, EPOLLIN);
	sim_ctl.kind = K_CTL;
	snprintf(sim_ctl.addr, sizeof(sim_ctl.addr), "127.%d.255.254", sim_net);
	sim_ctl.lfd = listen_on(sim_ctl.addr);
	if (sim_ctl.lfd < 0)
		return 1;
	ep_add(sim_ctl.lfd, &sim_ctl, EPOLLIN);
	sim_n = nodes;
	sim_nodes = xrealloc(NULL, (size_t)nodes * sizeof(*sim_nodes));
	for (i = 0; i < nodes; i++) {
		node_init(&sim_nodes[i], i, k);
		node_listen(&sim_nodes[i]);
		if (sim_nodes[i].lfd < 0)
			return 1;
	}
	swarm_init();
	if (sim_rate > 0)
		timer_add(1.0 / sim_rate, T_GEN, NULL, NULL, NULL);
	if (ready != NULL) {
		FILE *f = fopen(ready, "w");

		if (f != NULL) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	while (!sim_stop) {
		int ne = epoll_wait(sim_ep, evs, 256, -1);

		for (i = 0; i < ne; i++) {
			int kind = *(int *)evs[i].data.ptr;

			if (kind == K_TIMER) {
				uint64_t x;
				double now = now_mono();

				if (read(sim_tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
					perror("enginesim: timerfd");
				while (sim_nheap > 0 && sim_heap[0].at <= now + 1e-4) {
					struct timer t = timer_pop();

					if (t.kind == T_UNTIL) {
						/* an /events?until= stream's end */
						t.conn->waiting = 0;
						if (t.conn->dead) {
							free(t.conn);
						} else if (t.conn->stream == S_EVENTS) {
							stream_end(t.conn);
							stream_unlink(t.conn);
							t.conn->stream = S_NONE;
							t.conn->close_after = 1;
							conn_flush(t.conn);
						}
					} else if (t.kind == T_REPLY) {
						t.conn->waiting = 0;
						if (t.conn->dead) {
							free(t.conn);
						} else {
							t.conn->slow_done = 1;
							conn_serve(t.conn);
						}
					} else {
						timer_fire(&t);
					}
				}
				timer_arm();
			} else if (kind == K_LISTEN) {
				struct node *n = evs[i].data.ptr;

				if (n->lfd >= 0)
					do_accept(n->lfd, n);
			} else if (kind == K_CTL) {
				do_accept(sim_ctl.lfd, NULL);
			} else {
				struct conn *c = evs[i].data.ptr;

				if (c->fd < 0)
					continue;
				if (evs[i].events & EPOLLOUT)
					conn_flush(c);
				if (c->fd >= 0 && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
					conn_read(c);
			}
		}
		while (sim_grave != NULL) {
			struct conn *c = sim_grave;

			sim_grave = c->gnext;
			free(c);
		}
	}
	return 0;
}
