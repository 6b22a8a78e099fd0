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
 * many N (N more containers on that node), ok (undo hang/refuse/slow).
 *
 * Every byte from a client is untrusted: lengths are bounded, names are
 * JSON-escaped on output.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SIM_VERSION "20.10.24+dfsg1"
#define SIM_API "1.41"
#define SIM_MIN_API "1.12"
#define SIM_GIT "5d6db84"
#define SIM_GO "go1.19.8"
#define SIM_PORT 2375
#define SIM_MAX_REQ (8u << 20)   /* largest request head + body */
#define SIM_MAX_LABELS 32

enum { K_LISTEN, K_CONN, K_TIMER, K_CTL };
enum { ST_CREATED, ST_RUNNING, ST_PAUSED, ST_EXITED };
enum { H_NONE, H_STARTING, H_HEALTHY, H_UNHEALTHY };
enum { T_GEN, T_HEALTHY, T_RESTART, T_REPLY };
enum { S_NONE, S_EVENTS, S_LOGS };

/* A growable byte buffer. */
struct sbuf {
	char *p;
	size_t len, cap, off;    /* off: bytes already sent (output buffers) */
};

struct kv {
	char *k, *v;
};

struct ctr {
	char id[65];
	char name[128];
	char image[256];
	char cmd[128];
	char restart[24];        /* restart policy name */
	struct kv labels[SIM_MAX_LABELS];
	int nlabels;
	int state, exit_code, oom, restarts, health, has_health, fail_streak;
	int alive, restart_max, removing;
	int64_t mem_limit, nano_cpus;
	double created, started, finished;
	uint64_t cpu_ns;         /* simulated CPU time, grows with each stats call */
	unsigned serial;
};

struct node;

struct conn {
	int kind;                /* K_CONN */
	int fd;
	struct node *node;       /* NULL for the control listener's connections */
	struct sbuf in, out;
	int stream;              /* S_EVENTS or S_LOGS once the reply is a stream */
	int close_after;         /* close once out is written */
	int held;                /* a hung node's request: never answered */
	int waiting;             /* a slow reply's timer is pending */
	int slow_done;           /* the slow reply's delay has passed */
	int dead;                /* closed while a timer still points here */
	int want_out;            /* EPOLLOUT is registered */
	char evtypes[256];       /* events filter: ",type,...," or "" for all */
	char evactions[512];     /* ",action,...," or "" */
	char logid[65];          /* S_LOGS: the container followed */
	struct conn *snext;      /* the node's list of streams */
	struct conn *gnext;      /* closed, to be freed after this round of events */
};

struct node {
	int kind;                /* K_LISTEN */
	int idx;
	char name[32];
	char addr[20];
	int lfd;
	struct ctr **c;
	int nc, cap;
	int hang, refuse, slow_ms;
	struct conn *streams;
	cJSON *networks;         /* array of network objects, made on first use */
	cJSON *volumes;          /* array of volume objects */
};

struct timer {
	double at;
	int kind;
	struct node *node;
	struct ctr *ctr;
	unsigned serial;
	struct conn *conn;
};

static int sim_ep = -1, sim_tfd = -1;
static struct node *sim_nodes;
static int sim_n;
static int sim_net = 1;           /* the second byte of every address: 127.NET.x.y */
static double sim_rate = 0.05;    /* lifecycle events per second, fleet-wide */
static unsigned sim_serial;
static uint64_t sim_rng = 0x9e3779b97f4a7c15ULL;
static struct timer *sim_heap;
static size_t sim_nheap, sim_capheap;
static struct node sim_ctl;       /* the control listener (kind K_CTL) */
static volatile sig_atomic_t sim_stop;
static struct conn *sim_grave;    /* connections closed in this round of events */
static const char *sim_images[] = {
	"127.0.0.1:5000/plant/plc-sim:1", "127.0.0.1:5000/plant/plc-sim:2",
	"127.0.0.1:5000/plant/leaky:1", "127.0.0.1:5000/plant/flaky:1",
};

/* ---------------------------------------------------------------- basics */

/* A small xorshift PRNG: deterministic runs for a given seed. */
static uint64_t
rnd(void)
{
	sim_rng ^= sim_rng << 13;
	sim_rng ^= sim_rng >> 7;
	sim_rng ^= sim_rng << 17;
	return sim_rng;
}

/* Wall-clock time in seconds. */
static double
now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Monotonic time in seconds (timers). */
static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Abort on allocation failure: a simulator has no better answer. */
static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL) {
		fputs("enginesim: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

/* strdup that cannot fail. */
static char *
xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

/* Make room for N more bytes in B. */
static void
sb_room(struct sbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap = b->cap ? b->cap * 2 : 1024;
	b->p = xrealloc(b->p, b->cap);
}

/* Append N bytes. */
static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	sb_room(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append a C string. */
static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Append formatted text. */
static void __attribute__((format(printf, 2, 3)))
sb_fmt(struct sbuf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sb_add(b, small, (size_t)n);
		return;
	}
	sb_room(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Append S as a JSON string, quotes included. */
static void
sb_jstr(struct sbuf *b, const char *s)
{
	const unsigned char *p;

	sb_add(b, "\"", 1);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			char e[2] = { '\\', (char)*p };
			sb_add(b, e, 2);
		} else if (*p < 0x20) {
			sb_fmt(b, "\\u%04x", *p);
		} else {
			sb_add(b, (const char *)p, 1);
		}
	}
	sb_add(b, "\"", 1);
}

/* Drop what was sent from the front of B. */
static void
sb_compact(struct sbuf *b)
{
	if (b->off == 0)
		return;
	memmove(b->p, b->p + b->off, b->len - b->off);
	b->len -= b->off;
	b->off = 0;
	if (b->p)
		b->p[b->len] = '\0';
}

/* RFC 3339 time with nanoseconds, as the engine writes them; 0 is Go's zero time. */
static void
sb_time(struct sbuf *b, double t)
{
	time_t s = (time_t)t;
	struct tm tm;
	char buf[64];

	if (t <= 0) {
		sb_str(b, "\"0001-01-01T00:00:00Z\"");
		return;
	}
	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	sb_fmt(b, "\"%s.%09ldZ\"", buf, (long)((t - (double)s) * 1e9));
}

/* A random 64-digit hex id. */
static void
new_id(char out[65])
{
	int i;

	for (i = 0; i < 64; i += 16)
		snprintf(out + i, 17, "%016" PRIx64, rnd());
}

/* Decode %XX and + of a query value in place. */
static void
url_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%' && s[1] && s[2]) {
			char h[3] = { s[1], s[2], 0 };
			char *end;
			long v = strtol(h, &end, 16);

			if (*end == '\0') {
				*o++ = (char)v;
				s += 2;
				continue;
			}
		}
		*o++ = *s == '+' ? ' ' : *s;
	}
	*o = '\0';
}

/* The decoded value of KEY in query string Q, into OUT; 0 if absent. */
static int
query_get(const char *q, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	while (q != NULL && *q) {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);

		if (n > kl && strncmp(q, key, kl) == 0 && q[kl] == '=') {
			size_t vl = n - kl - 1;

			if (vl >= len)
				vl = len - 1;
			memcpy(out, q + kl + 1, vl);
			out[vl] = '\0';
			url_decode(out);
			return 1;
		}
		if (n == kl && strncmp(q, key, kl) == 0) {
			out[0] = '\0';
			return 1;
		}
		q = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* A query flag: 1, true, True. */
static int
query_bool(const char *q, const char *key)
{
	char v[16];

	return query_get(q, key, v, sizeof(v)) &&
	    (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0);
}

/* ---------------------------------------------------------------- timers */

/* Arm the timerfd at the heap's head. */
static void
timer_arm(void)
{
	struct itimerspec its;
	double d;

	memset(&its, 0, sizeof(its));
	if (sim_nheap > 0) {
		d = sim_heap[0].at - now_mono();
		if (d < 1e-6)
			d = 1e-6;
		its.it_value.tv_sec = (time_t)d;
		its.it_value.tv_nsec = (long)((d - (double)(time_t)d) * 1e9);
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1000;
	}
	timerfd_settime(sim_tfd, 0, &its, NULL);
}

/* Add a timer DELAY seconds from now. */
static void
timer_add(double delay, int kind, struct node *n, struct ctr *c, struct conn *cn)
{
	struct timer t = { now_mono() + delay, kind, n, c, c ? c->serial : 0, cn };
	size_t i;

	if (sim_nheap == sim_capheap) {
		sim_capheap = sim_capheap ? sim_capheap * 2 : 64;
		sim_heap = xrealloc(sim_heap, sim_capheap * sizeof(*sim_heap));
	}
	i = sim_nheap++;
	while (i > 0 && sim_heap[(i - 1) / 2].at > t.at) {
		sim_heap[i] = sim_heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	sim_heap[i] = t;
	if (i == 0)
		timer_arm();
}

/* Remove and return the heap's head. */
static struct timer
timer_pop(void)
{
	struct timer top = sim_heap[0], last = sim_heap[--sim_nheap];
	size_t i = 0, k;

	for (;;) {
		k = 2 * i + 1;
		if (k >= sim_nheap)
			break;
		if (k + 1 < sim_nheap && sim_heap[k + 1].at < sim_heap[k].at)
			k++;
		if (sim_heap[k].at >= last.at)
			break;
		sim_heap[i] = sim_heap[k];
		i = k;
	}
	if (sim_nheap > 0)
		sim_heap[i] = last;
	return top;
}

/* ---------------------------------------------------------------- output */

static void conn_flush(struct conn *c);

/* Queue a complete reply with a body. */
static void
reply(struct conn *c, int status, const char *ctype, const char *body, size_t len)
{
	static const char *reasons[] = { [200] = "OK", [201] = "Created", [204] = "No Content",
		[304] = "Not Modified", [400] = "Bad Request", [404] = "Not Found",
		[409] = "Conflict", [500] = "Internal Server Error",
		[503] = "Service Unavailable" };
	const char *reason = status < 600 && reasons[status] ? reasons[status] : "Unknown";

	sb_fmt(&c->out, "HTTP/1.1 %d %s\r\nApi-Version: " SIM_API "\r\n", status, reason);
	if (ctype != NULL)
		sb_fmt(&c->out, "Content-Type: %s\r\n", ctype);
	sb_str(&c->out, "Docker-Experimental: false\r\nOstype: linux\r\n"
	    "Server: Docker/" SIM_VERSION " (linux)\r\n");
	if (c->close_after)
		sb_str(&c->out, "Connection: close\r\n");
	if (status == 204 || status == 304)
		sb_str(&c->out, "\r\n");
	else {
		sb_fmt(&c->out, "Content-Length: %zu\r\n\r\n", len);
		sb_add(&c->out, body, len);
	}
}

/* A JSON reply from a buffer. */
static void
reply_json(struct conn *c, int status, struct sbuf *b)
{
	sb_add(b, "\n", 1);
	reply(c, status, "application/json", b->p, b->len);
}

/* The engine's error object. */
static void
reply_err(struct conn *c, int status, const char *fmt, ...)
{
	char msg[512];
	struct sbuf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sb_str(&b, "{\"message\":");
	sb_jstr(&b, msg);
	sb_str(&b, "}");
	reply_json(c, status, &b);
	free(b.p);
}

/* Start a chunked stream reply. */
static void
stream_begin(struct conn *c, const char *ctype)
{
	sb_fmt(&c->out, "HTTP/1.1 200 OK\r\nApi-Version: " SIM_API "\r\nContent-Type: %s\r\n"
	    "Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/" SIM_VERSION
	    " (linux)\r\nTransfer-Encoding: chunked\r\n\r\n", ctype);
}

/* One chunk of a stream. */
static void
stream_chunk(struct conn *c, const char *p, size_t n)
{
	if (n == 0)
		return;
	sb_fmt(&c->out, "%zx\r\n", n);
	sb_add(&c->out, p, n);
	sb_str(&c->out, "\r\n");
}

/* End a chunked stream; the connection serves requests again. */
static void
stream_end(struct conn *c)
{
	sb_str(&c->out, "0\r\n\r\n");
}

/* ---------------------------------------------------------------- containers */

/* The value of label K of container C, or NULL. */
static const char *
ctr_label(const struct ctr *c, const char *k)
{
	int i;

	for (i = 0; i < c->nlabels; i++)
		if (strcmp(c->labels[i].k, k) == 0)
			return c->labels[i].v;
	return NULL;
}

/* Set a label. */
static void
ctr_set_label(struct ctr *c, const char *k, const char *v)
{
	int i;

	for (i = 0; i < c->nlabels; i++)
		if (strcmp(c->labels[i].k, k) == 0) {
			free(c->labels[i].v);
			c->labels[i].v = xstrdup(v);
			return;
		}
	if (c->nlabels == SIM_MAX_LABELS)
		return;
	c->labels[c->nlabels].k = xstrdup(k);
	c->labels[c->nlabels].v = xstrdup(v);
	c->nlabels++;
}

/* Find a container by full id, unique id prefix or name. */
static struct ctr *
ctr_find(struct node *n, const char *ref)
{
	size_t rl = strlen(ref);
	struct ctr *hit = NULL;
	int i;

	if (rl == 0)
		return NULL;
	for (i = 0; i < n->nc; i++)
		if (strcmp(n->c[i]->id, ref) == 0)
			return n->c[i];
	for (i = 0; i < n->nc; i++) {
		const char *nm = n->c[i]->name;

		if (strcmp(nm, ref) == 0 || (ref[0] == '/' && strcmp(nm, ref + 1) == 0))
			return n->c[i];
	}
	for (i = 0; i < n->nc; i++)
		if (strncmp(n->c[i]->id, ref, rl) == 0) {
			if (hit != NULL)
				return NULL;
			hit = n->c[i];
		}
	return hit;
}

/* A new container on node N (state created). */
static struct ctr *
ctr_new(struct node *n, const char *name, const char *image)
{
	struct ctr *c = xrealloc(NULL, sizeof(*c));

	memset(c, 0, sizeof(*c));
	new_id(c->id);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->image, sizeof(c->image), "%s", image);
	snprintf(c->cmd, sizeof(c->cmd), "/bin/plc-sim");
	snprintf(c->restart, sizeof(c->restart), "no");
	c->alive = 1;
	c->serial = ++sim_serial;
	c->created = now_wall();
	if (n->nc == n->cap) {
		n->cap = n->cap ? n->cap * 2 : 16;
		n->c = xrealloc(n->c, (size_t)n->cap * sizeof(*n->c));
	}
	n->c[n->nc++] = c;
	return c;
}

/* Take C off its node (the memory stays: timers may still name it). */
static void
ctr_drop(struct node *n, struct ctr *c)
{
	int i;

	for (i = 0; i < n->nc; i++)
		if (n->c[i] == c) {
			n->c[i] = n->c[--n->nc];
			break;
		}
	c->alive = 0;
}

/* The container's image id (stable per image name). */
static void
image_id(const char *image, char out[72])
{
	uint64_t h = 1469598103934665603ULL;
	const char *p;
	int i;

	for (p = image; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	memcpy(out, "sha256:", 7);
	for (i = 0; i < 4; i++) {
		h = h * 6364136223846793005ULL + 1442695040888963407ULL;
		snprintf(out + 7 + i * 16, 17, "%016" PRIx64, h);
	}
}

/* The human Status column of the list ("Up 3 minutes", "Exited (0) 2 hours ago"). */
static void
ctr_status(const struct ctr *c, char *out, size_t len)
{
	double now = now_wall();
	double d = now - (c->state == ST_EXITED ? c->finished : c->started);
	char ago[48];

	if (d < 1)
		snprintf(ago, sizeof(ago), "Less than a second");
	else if (d < 60)
		snprintf(ago, sizeof(ago), "%d seconds", (int)d);
	else if (d < 3600)
		snprintf(ago, sizeof(ago), "%d minutes", (int)(d / 60));
	else
		snprintf(ago, sizeof(ago), "%d hours", (int)(d / 3600));
	switch (c->state) {
	case ST_CREATED:
		snprintf(out, len, "Created");
		break;
	case ST_EXITED:
		snprintf(out, len, "Exited (%d) %s ago", c->exit_code, ago);
		break;
	default:
		snprintf(out, len, "Up %s%s%s", ago,
		    c->state == ST_PAUSED ? " (Paused)" : "",
		    c->health == H_HEALTHY ? " (healthy)" : c->health == H_UNHEALTHY ?
		    " (unhealthy)" : c->health == H_STARTING ? " (health: starting)" : "");
	}
}

static const char *state_names[] = { "created", "running", "paused", "exited" };
static const char *health_names[] = { "none", "starting", "healthy", "unhealthy" };

/* Labels as a JSON object. */
static void
sb_labels(struct sbuf *b, const struct ctr *c)
{
	int i;

	sb_str(b, "{");
	for (i = 0; i < c->nlabels; i++) {
		if (i)
			sb_str(b, ",");
		sb_jstr(b, c->labels[i].k);
		sb_str(b, ":");
		sb_jstr(b, c->labels[i].v);
	}
	sb_str(b, "}");
}

/* A fake bridge address for container C on node N. */
static void
ctr_ip(const struct node *n, const struct ctr *c, char *out, size_t len)
{
	snprintf(out, len, "172.%d.%u.%u", 17 + n->idx % 14, (c->serial >> 8) & 255,
	    (c->serial & 253) + 2);
}

/* One item of GET /containers/json. */
static void
sb_list_item(struct sbuf *b, const struct node *n, const struct ctr *c)
{
	char st[96], iid[72], ip[32];

	image_id(c->image, iid);
	ctr_status(c, st, sizeof(st));
	ctr_ip(n, c, ip, sizeof(ip));
	sb_fmt(b, "{\"Id\":\"%s\",\"Names\":[", c->id);
	{
		char nm[130];

		snprintf(nm, sizeof(nm), "/%s", c->name);
		sb_jstr(b, nm);
	}
	sb_str(b, "],\"Image\":");
	sb_jstr(b, c->image);
	sb_fmt(b, ",\"ImageID\":\"%s\",\"Command\":", iid);
	sb_jstr(b, c->cmd);
	sb_fmt(b, ",\"Created\":%lld,\"Ports\":[],\"Labels\":", (long long)c->created);
	sb_labels(b, c);
	sb_fmt(b, ",\"State\":\"%s\",\"Status\":", state_names[c->state]);
	sb_jstr(b, st);
	sb_str(b, ",\"HostConfig\":{\"NetworkMode\":\"default\"},\"NetworkSettings\":{\"Networks\":"
	    "{\"bridge\":{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,");
	sb_fmt(b, "\"NetworkID\":\"%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "\","
	    "\"EndpointID\":\"%s\",\"Gateway\":\"%s\",\"IPAddress\":\"%s\",\"IPPrefixLen\":%d,"
	    "\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,"
	    "\"MacAddress\":\"%s\",\"DriverOpts\":null}}},\"Mounts\":[]}",
	    (uint64_t)n->idx * 2654435761u, (uint64_t)0xb1d9e, (uint64_t)n->idx, (uint64_t)42,
	    c->state == ST_RUNNING || c->state == ST_PAUSED ? c->id : "",
	    c->state == ST_RUNNING || c->state == ST_PAUSED ? "172.17.0.1" : "",
	    c->state == ST_RUNNING || c->state == ST_PAUSED ? ip : "",
	    c->state == ST_RUNNING || c->state == ST_PAUSED ? 16 : 0,
	    c->state == ST_RUNNING || c->state == ST_PAUSED ? "02:42:ac:11:00:02" : "");
}

/* GET /containers/{id}/json. */
static void
sb_inspect(struct sbuf *b, const struct node *n, const struct ctr *c)
{
	char iid[72], ip[32];
	int up = c->state == ST_RUNNING || c->state == ST_PAUSED;

	image_id(c->image, iid);
	ctr_ip(n, c, ip, sizeof(ip));
	sb_fmt(b, "{\"Id\":\"%s\",\"Created\":", c->id);
	sb_time(b, c->created);
	sb_str(b, ",\"Path\":");
	sb_jstr(b, c->cmd);
	sb_fmt(b, ",\"Args\":[],\"State\":{\"Status\":\"%s\",\"Running\":%s,\"Paused\":%s,"
	    "\"Restarting\":false,\"OOMKilled\":%s,\"Dead\":false,\"Pid\":%d,\"ExitCode\":%d,"
	    "\"Error\":\"\",\"StartedAt\":", state_names[c->state],
	    up ? "true" : "false", c->state == ST_PAUSED ? "true" : "false",
	    c->oom ? "true" : "false", up ? 10000 + (int)(c->serial % 50000) : 0, c->exit_code);
	sb_time(b, c->started);
	sb_str(b, ",\"FinishedAt\":");
	sb_time(b, c->finished);
	if (c->has_health) {
		sb_fmt(b, ",\"Health\":{\"Status\":\"%s\",\"FailingStreak\":%d,\"Log\":[",
		    health_names[c->health == H_NONE ? H_STARTING : c->health], c->fail_streak);
		if (c->health == H_HEALTHY || c->health == H_UNHEALTHY) {
			double t = now_wall() - 1;

			sb_str(b, "{\"Start\":");
			sb_time(b, t);
			sb_str(b, ",\"End\":");
			sb_time(b, t + 0.01);
			sb_fmt(b, ",\"ExitCode\":%d,\"Output\":\"%s\"}",
			    c->health == H_HEALTHY ? 0 : 1,
			    c->health == H_HEALTHY ? "ok\\n" : "plc: no answer\\n");
		}
		sb_str(b, "]}");
	}
	sb_str(b, "},\"Image\":");
	sb_jstr(b, iid);
	sb_fmt(b, ",\"ResolvConfPath\":\"/var/lib/docker/containers/%s/resolv.conf\","
	    "\"HostnamePath\":\"/var/lib/docker/containers/%s/hostname\","
	    "\"HostsPath\":\"/var/lib/docker/containers/%s/hosts\","
	    "\"LogPath\":\"/var/lib/docker/containers/%s/%s-json.log\",\"Name\":",
	    c->id, c->id, c->id, c->id, c->id);
	{
		char nm[130];

		snprintf(nm, sizeof(nm), "/%s", c->name);
		sb_jstr(b, nm);
	}
	sb_fmt(b, ",\"RestartCount\":%d,\"Driver\":\"overlay2\",\"Platform\":\"linux\","
	    "\"MountLabel\":\"\",\"ProcessLabel\":\"\",\"AppArmorProfile\":\"\",\"ExecIDs\":null,"
	    "\"HostConfig\":{\"Binds\":null,\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":"
	    "\"json-file\",\"Config\":{}},\"NetworkMode\":\"default\",\"PortBindings\":null,"
	    "\"RestartPolicy\":{\"Name\":", c->restarts);
	sb_jstr(b, c->restart);
	sb_fmt(b, ",\"MaximumRetryCount\":%d},\"AutoRemove\":false,\"VolumeDriver\":\"\","
	    "\"VolumesFrom\":null,\"CapAdd\":null,\"CapDrop\":null,\"CgroupnsMode\":\"host\","
	    "\"Dns\":null,\"DnsOptions\":null,\"DnsSearch\":null,\"ExtraHosts\":null,\"GroupAdd\":null,"
	    "\"IpcMode\":\"private\",\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,"
	    "\"PidMode\":\"\",\"Privileged\":false,\"PublishAllPorts\":false,"
	    "\"ReadonlyRootfs\":false,\"SecurityOpt\":null,\"UTSMode\":\"\",\"UsernsMode\":\"\","
	    "\"ShmSize\":67108864,\"Runtime\":\"runc\",\"ConsoleSize\":[0,0],\"Isolation\":\"\","
	    "\"CpuShares\":0,\"Memory\":%" PRId64 ",\"NanoCpus\":%" PRId64 ",\"CgroupParent\":\"\","
	    "\"BlkioWeight\":0,\"BlkioWeightDevice\":null,\"BlkioDeviceReadBps\":null,"
	    "\"BlkioDeviceWriteBps\":null,\"BlkioDeviceReadIOps\":null,"
	    "\"BlkioDeviceWriteIOps\":null,\"CpuPeriod\":0,\"CpuQuota\":0,"
	    "\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\","
	    "\"CpusetMems\":\"\",\"Devices\":null,\"DeviceCgroupRules\":null,"
	    "\"DeviceRequests\":null,\"KernelMemory\":0,\"KernelMemoryTCP\":0,"
	    "\"MemoryReservation\":0,\"MemorySwap\":%" PRId64 ",\"MemorySwappiness\":null,"
	    "\"OomKillDisable\":false,\"PidsLimit\":null,\"Ulimits\":null,\"CpuCount\":0,"
	    "\"CpuPercent\":0,\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":"
	    "[\"/proc/asound\",\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\","
	    "\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\","
	    "\"/proc/sched_debug\",\"/proc/scsi\",\"/sys/firmware\"],\"ReadonlyPaths\":"
	    "[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]},"
	    "\"GraphDriver\":{\"Data\":{\"LowerDir\":\"/var/lib/docker/overlay2/%.16s-init/diff\","
	    "\"MergedDir\":\"/var/lib/docker/overlay2/%.16s/merged\","
	    "\"UpperDir\":\"/var/lib/docker/overlay2/%.16s/diff\","
	    "\"WorkDir\":\"/var/lib/docker/overlay2/%.16s/work\"},\"Name\":\"overlay2\"},"
	    "\"Mounts\":[],\"Config\":{\"Hostname\":\"%.12s\",\"Domainname\":\"\",\"User\":\"\","
	    "\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,"
	    "\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":[\"PATH=/usr/local/sbin:"
	    "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[",
	    c->restart_max, c->mem_limit, c->nano_cpus, c->mem_limit ? c->mem_limit * 2 : 0,
	    c->id, c->id, c->id, c->id, c->id);
	sb_jstr(b, c->cmd);
	sb_str(b, "],");
	if (c->has_health)
		sb_str(b, "\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"plc-sim check\"],"
		    "\"Interval\":2000000000,\"Timeout\":2000000000,\"StartPeriod\":1000000000,"
		    "\"Retries\":2},");
	sb_str(b, "\"Image\":");
	sb_jstr(b, c->image);
	sb_str(b, ",\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,"
	    "\"Labels\":");
	sb_labels(b, c);
	sb_fmt(b, "},\"NetworkSettings\":{\"Bridge\":\"\",\"SandboxID\":\"%s\","
	    "\"HairpinMode\":false,\"LinkLocalIPv6Address\":\"\",\"LinkLocalIPv6PrefixLen\":0,"
	    "\"Ports\":{},\"SandboxKey\":\"%s%.12s\",\"SecondaryIPAddresses\":null,"
	    "\"SecondaryIPv6Addresses\":null,\"EndpointID\":\"%s\",\"Gateway\":\"%s\","
	    "\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"IPAddress\":\"%s\","
	    "\"IPPrefixLen\":%d,\"IPv6Gateway\":\"\",\"MacAddress\":\"%s\",\"Networks\":{"
	    "\"bridge\":{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,"
	    "\"NetworkID\":\"%016" PRIx64 "%016x%048x\",\"EndpointID\":\"%s\",\"Gateway\":\"%s\","
	    "\"IPAddress\":\"%s\",\"IPPrefixLen\":%d,\"IPv6Gateway\":\"\","
	    "\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"MacAddress\":\"%s\","
	    "\"DriverOpts\":null}}}}",
	    up ? c->id : "", up ? "/var/run/docker/netns/" : "", up ? c->id : "",
	    up ? c->id : "", up ? "172.17.0.1" : "", up ? ip : "", up ? 16 : 0,
	    up ? "02:42:ac:11:00:02" : "",
	    (uint64_t)n->idx * 2654435761u, 0xb1d9eu, 42u,
	    up ? c->id : "", up ? "172.17.0.1" : "", up ? ip : "", up ? 16 : 0,
	    up ? "02:42:ac:11:00:02" : "");
}

/* ---------------------------------------------------------------- events */

/* Does the events filter of stream S let TYPE/ACTION through? */
static int
ev_match(const struct conn *s, const char *type, const char *action)
{
	char key[80];
	const char *colon;

	if (s->evtypes[0]) {
		snprintf(key, sizeof(key), ",%s,", type);
		if (strstr(s->evtypes, key) == NULL)
			return 0;
	}
	if (s->evactions[0]) {
		/* "health_status: healthy" matches the filter "health_status" */
		colon = strchr(action, ':');
		snprintf(key, sizeof(key), ",%.*s,",
		    colon ? (int)(colon - action) : (int)strlen(action), action);
		if (strstr(s->evactions, key) == NULL) {
			snprintf(key, sizeof(key), ",%s,", action);
			if (strstr(s->evactions, key) == NULL)
				return 0;
		}
	}
	return 1;
}

/* Emit a container event on node N: to its /events streams, in the engine's format.
 * EXTRA: more attributes as JSON members (",\"exitCode\":\"0\"") or "". */
static void
ev_emit(struct node *n, struct ctr *c, const char *action, const char *extra)
{
	struct conn *s, *next;
	struct sbuf b = { 0 };
	double t = now_wall();
	long long sec = (long long)t;
	long long nano = sec * 1000000000LL + (long long)((t - (double)sec) * 1e9);
	int i;

	if (n->hang)
		return;     /* a hung engine sends nothing */
	for (s = n->streams; s != NULL; s = s->snext)
		if (s->stream == S_EVENTS && ev_match(s, "container", action))
			break;
	if (s == NULL)
		return;
	sb_str(&b, "{\"status\":");
	sb_jstr(&b, action);
	sb_fmt(&b, ",\"id\":\"%s\",\"from\":", c->id);
	sb_jstr(&b, c->image);
	sb_str(&b, ",\"Type\":\"container\",\"Action\":");
	sb_jstr(&b, action);
	sb_fmt(&b, ",\"Actor\":{\"ID\":\"%s\",\"Attributes\":{", c->id);
	sb_str(&b, "\"image\":");
	sb_jstr(&b, c->image);
	sb_str(&b, ",\"name\":");
	sb_jstr(&b, c->name);
	for (i = 0; i < c->nlabels; i++) {
		sb_str(&b, ",");
		sb_jstr(&b, c->labels[i].k);
		sb_str(&b, ":");
		sb_jstr(&b, c->labels[i].v);
	}
	sb_str(&b, extra);
	sb_fmt(&b, "}},\"scope\":\"local\",\"time\":%lld,\"timeNano\":%lld}\n", sec, nano);
	for (s = n->streams; s != NULL; s = next) {
		next = s->snext;
		if (s->stream == S_EVENTS && ev_match(s, "container", action)) {
			stream_chunk(s, b.p, b.len);
			conn_flush(s);
		}
	}
	free(b.p);
}

static void stream_unlink(struct conn *c);

/* End the follow-logs streams of container C. */
static void
logs_end(struct node *n, struct ctr *c)
{
	struct conn *s, *next;

	for (s = n->streams; s != NULL; s = next) {
		next = s->snext;
		if (s->stream == S_LOGS && strcmp(s->logid, c->id) == 0) {
			stream_end(s);
			stream_unlink(s);
			s->stream = S_NONE;
			s->close_after = 1;
			conn_flush(s);
		}
	}
}

/* ---------------------------------------------------------------- lifecycles */

/* C starts running (start, or a restart policy). */
static void
ctr_start(struct node *n, struct ctr *c)
{
	c->state = ST_RUNNING;
	c->started = now_wall();
	c->oom = 0;
	c->exit_code = 0;
	if (c->has_health) {
		c->health = H_STARTING;
		c->fail_streak = 0;
		timer_add(2.0 + (double)(rnd() % 1000) / 1000.0, T_HEALTHY, n, c, NULL);
	}
	ev_emit(n, c, "start", "");
}

/* C's process ends with CODE; apply the restart policy unless STOPPED by the user. */
static void
ctr_die(struct node *n, struct ctr *c, int code, int stopped)
{
	char extra[48];

	c->state = ST_EXITED;
	c->exit_code = code;
	c->finished = now_wall();
	snprintf(extra, sizeof(extra), ",\"exitCode\":\"%d\"", code);
	ev_emit(n, c, "die", extra);
	logs_end(n, c);
	if (stopped)
		return;
	if (strcmp(c->restart, "always") == 0 || strcmp(c->restart, "unless-stopped") == 0 ||
	    (strcmp(c->restart, "on-failure") == 0 && code != 0 &&
	    (c->restart_max == 0 || c->restarts < c->restart_max)))
		timer_add(0.1 * (1 << (c->restarts < 6 ? c->restarts : 6)), T_RESTART, n, c,
		    NULL);
}

/* Stop C as the engine does: SIGTERM (kill), die, stop. */
static void
ctr_stop(struct node *n, struct ctr *c, int sig)
{
	char extra[32];

	snprintf(extra, sizeof(extra), ",\"signal\":\"%d\"", sig);
	ev_emit(n, c, "kill", extra);
	/* the lab's images end on SIGTERM with 0, as a well-behaved service does */
	ctr_die(n, c, sig == 9 ? 137 : 0, 1);
	if (sig != 9)
		ev_emit(n, c, "stop", "");
}

/* One random lifecycle change somewhere in the fleet (the event generator). */
static void
gen_event(void)
{
	struct node *n;
	struct ctr *c;
	unsigned r;
	int i;

	if (sim_n == 0)
		return;
	n = &sim_nodes[rnd() % (uint64_t)sim_n];
	if (n->nc == 0)
		return;
	c = n->c[rnd() % (uint64_t)n->nc];
	r = (unsigned)(rnd() % 100);
	if (c->state == ST_EXITED || c->state == ST_CREATED) {
		c->restarts++;
		ctr_start(n, c);
		return;
	}
	if (c->state != ST_RUNNING)
		return;
	if (c->has_health && r < 50) {
		c->health = c->health == H_HEALTHY ? H_UNHEALTHY : H_HEALTHY;
		c->fail_streak = c->health == H_UNHEALTHY ? 3 : 0;
		ev_emit(n, c, c->health == H_HEALTHY ? "health_status: healthy" :
		    "health_status: unhealthy", "");
	} else if (r < 65) {
		c->oom = 1;
		ev_emit(n, c, "oom", "");
		ctr_die(n, c, 137, 0);
		c->oom = 1;
	} else if (r < 85) {
		ctr_die(n, c, 1, 0);
	} else {
		i = c->restarts;
		ctr_stop(n, c, 15);
		c->restarts = i;
		ctr_start(n, c);
		ev_emit(n, c, "restart", "");
	}
}

/* A timer fired. */
static void
timer_fire(const struct timer *t)
{
	switch (t->kind) {
	case T_GEN:
		gen_event();
		if (sim_rate > 0)
			timer_add(1.0 / sim_rate, T_GEN, NULL, NULL, NULL);
		break;
	case T_HEALTHY:
		if (t->ctr->alive && t->ctr->serial == t->serial && t->ctr->state == ST_RUNNING &&
		    t->ctr->health == H_STARTING) {
			t->ctr->health = H_HEALTHY;
			ev_emit(t->node, t->ctr, "health_status: healthy", "");
		}
		break;
	case T_RESTART:
		if (t->ctr->alive && t->ctr->state == ST_EXITED) {
			t->ctr->restarts++;
			ctr_start(t->node, t->ctr);
		}
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- requests */

/* What the lab's images bring (doc/lab.md, Images): plc-sim and flaky have a
 * HEALTHCHECK, plc-sim the label org.plantdeck.version. */
static void
image_traits(struct ctr *c)
{
	const char *p = strstr(c->image, "/plant/plc-sim:");

	if (p != NULL && strcmp(p + 15, "bad") != 0) {
		c->has_health = 1;
		ctr_set_label(c, "org.plantdeck.version", p + 15);
	}
	if (strstr(c->image, "/plant/flaky:") != NULL)
		c->has_health = 1;
}

/* Fill a container from a create body (JSON). */
static void
ctr_from_body(struct ctr *c, const cJSON *j)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(j, "Labels");
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(j, "HostConfig");
	const cJSON *rp = cJSON_GetObjectItemCaseSensitive(host, "RestartPolicy");
	const cJSON *it, *cmd = cJSON_GetObjectItemCaseSensitive(j, "Cmd");

	cJSON_ArrayForEach(it, labels)
		if (cJSON_IsString(it) && it->string != NULL)
			ctr_set_label(c, it->string, it->valuestring);
	it = cJSON_GetObjectItemCaseSensitive(rp, "Name");
	if (cJSON_IsString(it) && it->valuestring[0])
		snprintf(c->restart, sizeof(c->restart), "%s", it->valuestring);
	it = cJSON_GetObjectItemCaseSensitive(rp, "MaximumRetryCount");
	if (cJSON_IsNumber(it))
		c->restart_max = it->valueint;
	it = cJSON_GetObjectItemCaseSensitive(host, "Memory");
	if (cJSON_IsNumber(it))
		c->mem_limit = (int64_t)it->valuedouble;
	it = cJSON_GetObjectItemCaseSensitive(host, "NanoCpus");
	if (cJSON_IsNumber(it))
		c->nano_cpus = (int64_t)it->valuedouble;
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "Healthcheck")))
		c->has_health = 1;
	if (cJSON_IsArray(cmd) && cJSON_IsString(cJSON_GetArrayItem(cmd, 0)))
		snprintf(c->cmd, sizeof(c->cmd), "%s", cJSON_GetArrayItem(cmd, 0)->valuestring);
}

/* Add the strings of filter KEY (array or {"x":true} map) as ",a,b," into OUT. */
static void
filter_list(const cJSON *f, const char *key, char *out, size_t len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, key), *it;
	size_t o;

	out[0] = '\0';
	if (v == NULL)
		return;
	snprintf(out, len, ",");
	cJSON_ArrayForEach(it, v) {
		const char *s = cJSON_IsString(it) ? it->valuestring : it->string;

		o = strlen(out);
		if (s != NULL && o + strlen(s) + 2 < len)
			snprintf(out + o, len - o, "%s,", s);
	}
}

/* Does container C pass the list filters F (label, name, status, id)? */
static int
list_match(const cJSON *f, const struct ctr *c)
{
	const cJSON *v, *it;
	int ok;

	v = cJSON_GetObjectItemCaseSensitive(f, "label");
	cJSON_ArrayForEach(it, v) {
		const char *s = cJSON_IsString(it) ? it->valuestring : it->string;
		const char *eq, *have;
		char k[256];

		if (s == NULL)
			continue;
		eq = strchr(s, '=');
		snprintf(k, sizeof(k), "%.*s", eq ? (int)(eq - s) : (int)strlen(s), s);
		have = ctr_label(c, k);
		if (have == NULL || (eq != NULL && strcmp(have, eq + 1) != 0))
			return 0;
	}
	v = cJSON_GetObjectItemCaseSensitive(f, "name");
	if (v != NULL) {
		ok = 0;
		cJSON_ArrayForEach(it, v) {
			const char *s = cJSON_IsString(it) ? it->valuestring : it->string;

			if (s != NULL && strstr(c->name, s[0] == '/' ? s + 1 : s) != NULL)
				ok = 1;
		}
		if (!ok)
			return 0;
	}
	v = cJSON_GetObjectItemCaseSensitive(f, "status");
	if (v != NULL) {
		ok = 0;
		cJSON_ArrayForEach(it, v) {
			const char *s = cJSON_IsString(it) ? it->valuestring : it->string;

			if (s != NULL && strcmp(s, state_names[c->state]) == 0)
				ok = 1;
		}
		if (!ok)
			return 0;
	}
	v = cJSON_GetObjectItemCaseSensitive(f, "id");
	if (v != NULL) {
		ok = 0;
		cJSON_ArrayForEach(it, v) {
			const char *s = cJSON_IsString(it) ? it->valuestring : it->string;

			if (s != NULL && strncmp(c->id, s, strlen(s)) == 0)
				ok = 1;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

/* GET /containers/json. */
static void
do_list(struct conn *cn, struct node *n, const char *q)
{
	struct sbuf b = { 0 };
	char fbuf[4096];
	cJSON *f = NULL;
	int all = query_bool(q, "all"), i, first = 1;

	if (query_get(q, "filters", fbuf, sizeof(fbuf)) && fbuf[0]) {
		f = cJSON_Parse(fbuf);
		if (f == NULL) {
			reply_err(cn, 400, "invalid filter");
			return;
		}
	}
	sb_room(&b, (size_t)n->nc * 900);
	sb_str(&b, "[");
	for (i = n->nc - 1; i >= 0; i--) {
		struct ctr *c = n->c[i];

		if (!all && c->state != ST_RUNNING && c->state != ST_PAUSED)
			continue;
		if (f != NULL && !list_match(f, c))
			continue;
		if (!first)
			sb_str(&b, ",");
		first = 0;
		sb_list_item(&b, n, c);
	}
	sb_str(&b, "]");
	reply_json(cn, 200, &b);
	free(b.p);
	cJSON_Delete(f);
}

/* POST /containers/create. */
static void
do_create(struct conn *cn, struct node *n, const char *q, const char *body)
{
	char name[128], nm[128];
	cJSON *j = cJSON_Parse(body);
	const cJSON *img = cJSON_GetObjectItemCaseSensitive(j, "Image");
	struct ctr *c, *old;
	struct sbuf b = { 0 };

	if (!cJSON_IsString(img) || img->valuestring[0] == '\0') {
		reply_err(cn, 400, "No command specified");
		cJSON_Delete(j);
		return;
	}
	if (!query_get(q, "name", name, sizeof(name)) || name[0] == '\0')
		snprintf(name, sizeof(name), "sim_%08x", (unsigned)rnd());
	snprintf(nm, sizeof(nm), "%s", name[0] == '/' ? name + 1 : name);
	old = ctr_find(n, nm);
	if (old != NULL && strcmp(old->name, nm) == 0) {
		reply_err(cn, 409, "Conflict. The container name \"/%s\" is already in use by "
		    "container \"%s\". You have to remove (or rename) that container to be able "
		    "to reuse that name.", nm, old->id);
		cJSON_Delete(j);
		return;
	}
	c = ctr_new(n, nm, img->valuestring);
	image_traits(c);
	ctr_from_body(c, j);
	cJSON_Delete(j);
	ev_emit(n, c, "create", "");
	sb_fmt(&b, "{\"Id\":\"%s\",\"Warnings\":[]}", c->id);
	reply_json(cn, 201, &b);
	free(b.p);
}

/* GET /containers/{id}/stats (one sample). */
static void
do_stats(struct conn *cn, struct node *n, struct ctr *c)
{
	struct sbuf b = { 0 };
	double t = now_wall();
	uint64_t sys = (uint64_t)(t * 2e9);
	int up = c->state == ST_RUNNING;
	uint64_t mem = up ? 3000000 + (uint64_t)(c->serial % 97) * 65536 : 0;
	uint64_t limit = c->mem_limit > 0 ? (uint64_t)c->mem_limit : 8326664192ULL;

	if (up)
		c->cpu_ns += 2000000 + rnd() % 4000000;
	sb_str(&b, "{\"read\":");
	sb_time(&b, up ? t : 0);
	sb_str(&b, ",\"preread\":\"0001-01-01T00:00:00Z\",\"pids_stats\":");
	sb_str(&b, up ? "{\"current\":1,\"limit\":4615}" : "{}");
	sb_str(&b, ",\"blkio_stats\":{\"io_service_bytes_recursive\":null,"
	    "\"io_serviced_recursive\":null,\"io_queue_recursive\":null,"
	    "\"io_service_time_recursive\":null,\"io_wait_time_recursive\":null,"
	    "\"io_merged_recursive\":null,\"io_time_recursive\":null,"
	    "\"sectors_recursive\":null},\"num_procs\":0,\"storage_stats\":{},");
	if (up)
		sb_fmt(&b, "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":%" PRIu64 ","
		    "\"percpu_usage\":[%" PRIu64 ",%" PRIu64 "],\"usage_in_kernelmode\":%" PRIu64
		    ",\"usage_in_usermode\":%" PRIu64 "},\"system_cpu_usage\":%" PRIu64 ","
		    "\"online_cpus\":2,\"throttling_data\":{\"periods\":0,\"throttled_periods\":0,"
		    "\"throttled_time\":0}},", c->cpu_ns, c->cpu_ns / 2, c->cpu_ns - c->cpu_ns / 2,
		    c->cpu_ns / 3, c->cpu_ns - c->cpu_ns / 3, sys);
	else
		sb_str(&b, "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":0,"
		    "\"usage_in_kernelmode\":0,\"usage_in_usermode\":0},\"throttling_data\":"
		    "{\"periods\":0,\"throttled_periods\":0,\"throttled_time\":0}},");
	sb_str(&b, "\"precpu_stats\":{\"cpu_usage\":{\"total_usage\":0,\"usage_in_kernelmode\":0,"
	    "\"usage_in_usermode\":0},\"throttling_data\":{\"periods\":0,"
	    "\"throttled_periods\":0,\"throttled_time\":0}},");
	if (up)
		sb_fmt(&b, "\"memory_stats\":{\"usage\":%" PRIu64 ",\"max_usage\":%" PRIu64 ","
		    "\"stats\":{\"active_anon\":0,\"active_file\":0,\"cache\":%d,\"dirty\":0,"
		    "\"hierarchical_memory_limit\":9223372036854771712,"
		    "\"hierarchical_memsw_limit\":0,\"inactive_anon\":%" PRIu64 ","
		    "\"inactive_file\":%d,\"mapped_file\":0,\"pgfault\":%u,\"pgmajfault\":0,"
		    "\"pgpgin\":%u,\"pgpgout\":%u,\"rss\":%" PRIu64 ",\"rss_huge\":0,"
		    "\"total_active_anon\":0,\"total_active_file\":0,\"total_cache\":%d,"
		    "\"total_dirty\":0,\"total_inactive_anon\":%" PRIu64 ","
		    "\"total_inactive_file\":%d,\"total_mapped_file\":0,\"total_pgfault\":%u,"
		    "\"total_pgmajfault\":0,\"total_pgpgin\":%u,\"total_pgpgout\":%u,"
		    "\"total_rss\":%" PRIu64 ",\"total_rss_huge\":0,\"total_unevictable\":0,"
		    "\"total_writeback\":0,\"unevictable\":0,\"writeback\":0},"
		    "\"limit\":%" PRIu64 "},",
		    mem, mem + 131072, 4096, mem - 8192, 4096, 300u, 200u, 100u, mem - 8192,
		    4096, mem - 8192, 4096, 300u, 200u, 100u, mem - 8192, limit);
	else
		sb_str(&b, "\"memory_stats\":{},");
	sb_str(&b, "\"name\":");
	{
		char nm[130];

		snprintf(nm, sizeof(nm), "/%s", c->name);
		sb_jstr(&b, nm);
	}
	sb_fmt(&b, ",\"id\":\"%s\"", c->id);
	if (up)
		sb_fmt(&b, ",\"networks\":{\"eth0\":{\"rx_bytes\":%u,\"rx_packets\":%u,"
		    "\"rx_errors\":0,\"rx_dropped\":0,\"tx_bytes\":0,\"tx_packets\":0,"
		    "\"tx_errors\":0,\"tx_dropped\":0}}", 1000u + c->serial % 1000,
		    10u + c->serial % 10);
	sb_str(&b, "}");
	(void)n;
	reply_json(cn, 200, &b);
	free(b.p);
}

/* Append one log frame (8-byte header: stream, 0, 0, 0, big-endian length). */
static void
log_frame(struct sbuf *b, int stream, const char *line, int ts)
{
	struct sbuf l = { 0 };
	unsigned char h[8] = { (unsigned char)stream, 0, 0, 0, 0, 0, 0, 0 };

	if (ts) {
		sb_time(&l, now_wall());      /* "2026-...Z" without its quotes */
		memmove(l.p, l.p + 1, l.len - 2);
		l.len -= 2;
		sb_str(&l, " ");
	}
	sb_str(&l, line);
	sb_str(&l, "\n");
	h[4] = (unsigned char)(l.len >> 24);
	h[5] = (unsigned char)(l.len >> 16);
	h[6] = (unsigned char)(l.len >> 8);
	h[7] = (unsigned char)l.len;
	sb_add(b, (const char *)h, 8);
	sb_add(b, l.p, l.len);
	free(l.p);
}

/* GET /containers/{id}/logs. */
static void
do_logs(struct conn *cn, struct node *n, struct ctr *c, const char *q)
{
	struct sbuf b = { 0 };
	char v[32], line[160];
	int tail = 20, i, ts = query_bool(q, "timestamps");

	if (query_get(q, "tail", v, sizeof(v)) && strcmp(v, "all") != 0)
		tail = (int)strtol(v, NULL, 10);
	if (tail > 20 || tail < 0)
		tail = 20;
	for (i = 20 - tail; i < 20; i++) {
		snprintf(line, sizeof(line), "plc-sim %s: cycle %d ok", c->name, i);
		log_frame(&b, 1, line, ts);
	}
	if (query_bool(q, "follow") && c->state == ST_RUNNING) {
		stream_begin(cn, "application/vnd.docker.raw-stream");
		stream_chunk(cn, b.p, b.len);
		cn->stream = S_LOGS;
		snprintf(cn->logid, sizeof(cn->logid), "%s", c->id);
		cn->snext = n->streams;
		n->streams = cn;
	} else {
		reply(cn, 200, "application/vnd.docker.raw-stream", b.p, b.len);
	}
	free(b.p);
}

/* GET /events: a stream that stays open. */
static void
do_events(struct conn *cn, struct node *n, const char *q)
{
	char fbuf[4096];
	cJSON *f = NULL;

	cn->evtypes[0] = cn->evactions[0] = '\0';
	if (query_get(q, "filters", fbuf, sizeof(fbuf)) && fbuf[0]) {
		f = cJSON_Parse(fbuf);
		if (f == NULL) {
			reply_err(cn, 400, "invalid filter");
			return;
		}
		filter_list(f, "type", cn->evtypes, sizeof(cn->evtypes));
		filter_list(f, "event", cn->evactions, sizeof(cn->evactions));
		cJSON_Delete(f);
	}
	stream_begin(cn, "application/json");
	cn->stream = S_EVENTS;
	cn->snext = n->streams;
	n->streams = cn;
}

/* POST /images/create: the pull progress stream (a short one, then the end). */
static void
do_pull(struct conn *cn, const char *q)
{
	char from[256], tag[128], ref[400];
	struct sbuf b = { 0 };
	char id[65];

	if (!query_get(q, "fromImage", from, sizeof(from)))
		from[0] = '\0';
	if (!query_get(q, "tag", tag, sizeof(tag)) || tag[0] == '\0')
		snprintf(tag, sizeof(tag), "latest");
	snprintf(ref, sizeof(ref), "%s:%s", from, tag);
	new_id(id);
	stream_begin(cn, "application/json");
	sb_str(&b, "{\"status\":");
	{
		char s[300];

		snprintf(s, sizeof(s), "Pulling from %s", from);
		sb_jstr(&b, s);
	}
	sb_str(&b, ",\"id\":");
	sb_jstr(&b, tag);
	sb_str(&b, "}\r\n");
	sb_fmt(&b, "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"%.12s\"}\r\n", id);
	sb_fmt(&b, "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":524288,"
	    "\"total\":1048576},\"progress\":\"[=========================>                         ]"
	    "  524.3kB/1.049MB\",\"id\":\"%.12s\"}\r\n", id);
	sb_fmt(&b, "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"%.12s\"}\r\n", id);
	sb_fmt(&b, "{\"status\":\"Digest: sha256:%s\"}\r\n", id);
	sb_str(&b, "{\"status\":");
	{
		char s[460];

		snprintf(s, sizeof(s), "Status: Downloaded newer image for %s", ref);
		sb_jstr(&b, s);
	}
	sb_str(&b, "}\r\n");
	stream_chunk(cn, b.p, b.len);
	stream_end(cn);
	free(b.p);
}

/* GET /images/{name}/json: every image exists on a simulated node. */
static void
do_image(struct conn *cn, const char *name)
{
	struct sbuf b = { 0 };
	char iid[72];

	image_id(name, iid);
	sb_fmt(&b, "{\"Id\":\"%s\",\"RepoTags\":[", iid);
	sb_jstr(&b, name);
	sb_str(&b, "],\"RepoDigests\":[],\"Parent\":\"\",\"Comment\":\"\",\"Created\":"
	    "\"2026-01-01T00:00:00Z\",\"Container\":\"\",\"DockerVersion\":\"" SIM_VERSION "\","
	    "\"Author\":\"\",\"Config\":{\"Cmd\":[\"/bin/plc-sim\"],\"Labels\":null},"
	    "\"Architecture\":\"amd64\",\"Os\":\"linux\",\"Size\":1200000,"
	    "\"VirtualSize\":1200000,\"RootFS\":{\"Type\":\"layers\",\"Layers\":[]}}");
	reply_json(cn, 200, &b);
	free(b.p);
}

/* The Go-style RFC 3339 time of now, for network and volume objects. */
static void
now_rfc3339(char *out, size_t len)
{
	struct sbuf b = { 0 };

	sb_time(&b, now_wall());
	snprintf(out, len, "%.*s", (int)(b.len - 2), b.p + 1);
	free(b.p);
}

/* A network object as the engine shows it. */
static cJSON *
net_object(const char *name, const char *driver, const cJSON *body)
{
	cJSON *o = cJSON_CreateObject(), *ipam, *cfg, *sub;
	char id[65], t[64];
	const cJSON *v;
	static int subnet = 20;

	new_id(id);
	now_rfc3339(t, sizeof(t));
	cJSON_AddStringToObject(o, "Name", name);
	cJSON_AddStringToObject(o, "Id", id);
	cJSON_AddStringToObject(o, "Created", t);
	cJSON_AddStringToObject(o, "Scope", "local");
	cJSON_AddStringToObject(o, "Driver", driver);
	v = cJSON_GetObjectItemCaseSensitive(body, "EnableIPv6");
	cJSON_AddBoolToObject(o, "EnableIPv6", cJSON_IsTrue(v));
	ipam = cJSON_AddObjectToObject(o, "IPAM");
	cJSON_AddStringToObject(ipam, "Driver", "default");
	cJSON_AddNullToObject(ipam, "Options");
	cfg = cJSON_AddArrayToObject(ipam, "Config");
	if (strcmp(driver, "bridge") == 0) {
		char net[32], gw[32];

		snprintf(net, sizeof(net), "172.%d.0.0/16", strcmp(name, "bridge") == 0 ? 17 :
		    subnet);
		snprintf(gw, sizeof(gw), "172.%d.0.1", strcmp(name, "bridge") == 0 ? 17 : subnet);
		if (strcmp(name, "bridge") != 0)
			subnet = subnet < 31 ? subnet + 1 : 20;
		sub = cJSON_CreateObject();
		cJSON_AddStringToObject(sub, "Subnet", net);
		cJSON_AddStringToObject(sub, "Gateway", gw);
		cJSON_AddItemToArray(cfg, sub);
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "Internal");
	cJSON_AddBoolToObject(o, "Internal", cJSON_IsTrue(v));
	v = cJSON_GetObjectItemCaseSensitive(body, "Attachable");
	cJSON_AddBoolToObject(o, "Attachable", cJSON_IsTrue(v));
	cJSON_AddBoolToObject(o, "Ingress", 0);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "ConfigFrom"), "Network", "");
	cJSON_AddBoolToObject(o, "ConfigOnly", 0);
	cJSON_AddObjectToObject(o, "Containers");
	v = cJSON_GetObjectItemCaseSensitive(body, "Options");
	cJSON_AddItemToObject(o, "Options", cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateObject());
	v = cJSON_GetObjectItemCaseSensitive(body, "Labels");
	cJSON_AddItemToObject(o, "Labels", cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateObject());
	return o;
}

/* A volume object. */
static cJSON *
vol_object(const char *name, const cJSON *body)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *v;
	char t[64], mp[400];

	now_rfc3339(t, sizeof(t));
	snprintf(mp, sizeof(mp), "/var/lib/docker/volumes/%s/_data", name);
	cJSON_AddStringToObject(o, "CreatedAt", t);
	v = cJSON_GetObjectItemCaseSensitive(body, "Driver");
	cJSON_AddStringToObject(o, "Driver", cJSON_IsString(v) && v->valuestring[0] ?
	    v->valuestring : "local");
	v = cJSON_GetObjectItemCaseSensitive(body, "Labels");
	cJSON_AddItemToObject(o, "Labels", cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateObject());
	cJSON_AddStringToObject(o, "Mountpoint", mp);
	cJSON_AddStringToObject(o, "Name", name);
	v = cJSON_GetObjectItemCaseSensitive(body, "DriverOpts");
	cJSON_AddItemToObject(o, "Options", cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateObject());
	cJSON_AddStringToObject(o, "Scope", "local");
	return o;
}

/* The item of ARR whose Name (or Id, or an Id prefix) is REF, and its index. */
static cJSON *
obj_find(cJSON *arr, const char *ref, int *index)
{
	cJSON *it;
	int i = 0;

	cJSON_ArrayForEach(it, arr) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "Name");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "Id");

		if ((cJSON_IsString(nm) && strcmp(nm->valuestring, ref) == 0) ||
		    (cJSON_IsString(id) && ref[0] && strncmp(id->valuestring, ref,
		    strlen(ref)) == 0)) {
			*index = i;
			return it;
		}
		i++;
	}
	return NULL;
}

/* Reply with a cJSON document. */
static void
reply_cjson(struct conn *cn, int status, const cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j);
	struct sbuf b = { 0 };

	sb_str(&b, text != NULL ? text : "null");
	free(text);
	reply_json(cn, status, &b);
	free(b.p);
}

/* /networks and /volumes: lists, create, inspect, remove, connect (no effect). */
static void
do_objects(struct conn *cn, struct node *n, const char *method, char *path, const char *body)
{
	int vol = strncmp(path, "/volumes", 8) == 0, idx = -1;
	char *ref = path + (vol ? 8 : 9), *act;
	cJSON **arr = vol ? &n->volumes : &n->networks, *o;

	if (*arr == NULL) {
		*arr = cJSON_CreateArray();
		if (!vol) {
			cJSON_AddItemToArray(*arr, net_object("bridge", "bridge", NULL));
			cJSON_AddItemToArray(*arr, net_object("host", "host", NULL));
			cJSON_AddItemToArray(*arr, net_object("none", "null", NULL));
		}
	}
	if (*ref == '/')
		ref++;
	act = strchr(ref, '/');
	if (act != NULL)
		*act++ = '\0';
	url_decode(ref);
	if (*ref == '\0' && strcmp(method, "GET") == 0) {
		if (vol) {
			cJSON *w = cJSON_CreateObject();

			cJSON_AddItemReferenceToObject(w, "Volumes", *arr);
			cJSON_AddNullToObject(w, "Warnings");
			reply_cjson(cn, 200, w);
			cJSON_Delete(w);
		} else {
			reply_cjson(cn, 200, *arr);
		}
		return;
	}
	if (strcmp(ref, "create") == 0 && strcmp(method, "POST") == 0) {
		cJSON *j = cJSON_Parse(body);
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(j, "Name");
		const cJSON *drv = cJSON_GetObjectItemCaseSensitive(j, "Driver");
		char vname[65];

		if (vol && !(cJSON_IsString(nm) && nm->valuestring[0])) {
			new_id(vname);
		} else if (!cJSON_IsString(nm) || nm->valuestring[0] == '\0') {
			reply_err(cn, 400, "network name is required");
			cJSON_Delete(j);
			return;
		} else {
			snprintf(vname, sizeof(vname), "%.64s", nm->valuestring);
		}
		o = obj_find(*arr, vname, &idx);
		if (o != NULL && !vol) {
			reply_err(cn, 409, "network with name %s already exists", vname);
		} else if (o != NULL) {
			reply_cjson(cn, 201, o);
		} else if (vol) {
			o = vol_object(vname, j);
			cJSON_AddItemToArray(*arr, o);
			reply_cjson(cn, 201, o);
		} else {
			cJSON *r = cJSON_CreateObject();

			o = net_object(vname, cJSON_IsString(drv) && drv->valuestring[0] ?
			    drv->valuestring : "bridge", j);
			cJSON_AddItemToArray(*arr, o);
			cJSON_AddStringToObject(r, "Id",
			    cJSON_GetObjectItemCaseSensitive(o, "Id")->valuestring);
			cJSON_AddStringToObject(r, "Warning", "");
			reply_cjson(cn, 201, r);
			cJSON_Delete(r);
		}
		cJSON_Delete(j);
		return;
	}
	o = obj_find(*arr, ref, &idx);
	if (o == NULL) {
		reply_err(cn, 404, vol ? "get %s: no such volume" : "network %s not found", ref);
		return;
	}
	if (act == NULL && strcmp(method, "GET") == 0) {
		reply_cjson(cn, 200, o);
	} else if (act == NULL && strcmp(method, "DELETE") == 0) {
		cJSON_DeleteItemFromArray(*arr, idx);
		reply(cn, 204, NULL, NULL, 0);
	} else if (act != NULL && strcmp(method, "POST") == 0 &&
	    (strcmp(act, "connect") == 0 || strcmp(act, "disconnect") == 0)) {
		reply(cn, 200, "application/json", "null\n", 5);
	} else {
		reply_err(cn, 404, "page not found");
	}
}

/* GET /version. */
static void
do_version(struct conn *cn)
{
	struct sbuf b = { 0 };

	sb_str(&b, "{\"Platform\":{\"Name\":\"\"},\"Components\":[{\"Name\":\"Engine\",\"Version\":\""
	    SIM_VERSION "\",\"Details\":{\"ApiVersion\":\"" SIM_API "\",\"Arch\":\"amd64\","
	    "\"BuildTime\":\"2023-06-19T10:05:23.000000000+00:00\",\"Experimental\":\"false\","
	    "\"GitCommit\":\"" SIM_GIT "\",\"GoVersion\":\"" SIM_GO "\",\"KernelVersion\":\"6.1.0\","
	    "\"MinAPIVersion\":\"" SIM_MIN_API "\",\"Os\":\"linux\"}}],\"Version\":\"" SIM_VERSION
	    "\",\"ApiVersion\":\"" SIM_API "\",\"MinAPIVersion\":\"" SIM_MIN_API "\","
	    "\"GitCommit\":\"" SIM_GIT "\",\"GoVersion\":\"" SIM_GO "\",\"Os\":\"linux\","
	    "\"Arch\":\"amd64\",\"KernelVersion\":\"6.1.0\",\"BuildTime\":"
	    "\"2023-06-19T10:05:23.000000000+00:00\"}");
	reply_json(cn, 200, &b);
	free(b.p);
}

/* GET /info. */
static void
do_info(struct conn *cn, struct node *n)
{
	struct sbuf b = { 0 };
	int i, run = 0, paused = 0, stopped = 0;

	for (i = 0; i < n->nc; i++) {
		if (n->c[i]->state == ST_RUNNING)
			run++;
		else if (n->c[i]->state == ST_PAUSED)
			paused++;
		else
			stopped++;
	}
	sb_fmt(&b, "{\"ID\":\"SIM%04d:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF:GGGG:HHHH:IIII:JJJJ\","
	    "\"Containers\":%d,\"ContainersRunning\":%d,\"ContainersPaused\":%d,"
	    "\"ContainersStopped\":%d,\"Images\":5,\"Driver\":\"overlay2\",\"DriverStatus\":["
	    "[\"Backing Filesystem\",\"extfs\"],[\"Supports d_type\",\"true\"],"
	    "[\"Native Overlay Diff\",\"true\"],[\"userxattr\",\"false\"]],"
	    "\"Plugins\":{\"Volume\":[\"local\"],\"Network\":[\"bridge\",\"host\",\"ipvlan\","
	    "\"macvlan\",\"null\",\"overlay\"],\"Authorization\":null,\"Log\":[\"awslogs\","
	    "\"fluentd\",\"gcplogs\",\"gelf\",\"journald\",\"json-file\",\"local\",\"logentries\","
	    "\"splunk\",\"syslog\"]},\"MemoryLimit\":true,\"SwapLimit\":true,"
	    "\"KernelMemory\":false,\"KernelMemoryTCP\":false,\"CpuCfsPeriod\":true,"
	    "\"CpuCfsQuota\":true,\"CPUShares\":true,\"CPUSet\":true,\"PidsLimit\":true,"
	    "\"IPv4Forwarding\":true,\"BridgeNfIptables\":false,\"BridgeNfIp6tables\":false,"
	    "\"Debug\":false,\"NFd\":%d,\"OomKillDisable\":true,\"NGoroutines\":%d,"
	    "\"SystemTime\":", n->idx, n->nc, run, paused, stopped, 30 + 2 * n->nc,
	    40 + n->nc);
	{
		double t = now_wall();
		time_t s = (time_t)t;
		struct tm tm;
		char tb[64];

		gmtime_r(&s, &tm);
		strftime(tb, sizeof(tb), "%Y-%m-%dT%H:%M:%S", &tm);
		sb_fmt(&b, "\"%s.%09ldZ\"", tb, (long)((t - (double)s) * 1e9));
	}
	sb_fmt(&b, ",\"LoggingDriver\":\"json-file\",\"CgroupDriver\":\"cgroupfs\","
	    "\"CgroupVersion\":\"1\",\"NEventsListener\":%d,\"KernelVersion\":\"6.1.0\","
	    "\"OperatingSystem\":\"Debian GNU/Linux 12 (bookworm)\",\"OSVersion\":\"12\","
	    "\"OSType\":\"linux\",\"Architecture\":\"x86_64\",\"IndexServerAddress\":"
	    "\"https://index.docker.io/v1/\",\"RegistryConfig\":{\"AllowNondistributableArtifactsCIDRs\":"
	    "[],\"AllowNondistributableArtifactsHostnames\":[],\"InsecureRegistryCIDRs\":"
	    "[\"127.0.0.0/8\"],\"IndexConfigs\":{\"docker.io\":{\"Name\":\"docker.io\",\"Mirrors\":"
	    "[],\"Secure\":true,\"Official\":true}},\"Mirrors\":[]},\"NCPU\":2,"
	    "\"MemTotal\":8326664192,\"GenericResources\":null,\"DockerRootDir\":"
	    "\"/var/lib/docker\",\"HttpProxy\":\"\",\"HttpsProxy\":\"\",\"NoProxy\":\"\","
	    "\"Name\":\"%s\",\"Labels\":[],\"ExperimentalBuild\":false,\"ServerVersion\":\""
	    SIM_VERSION "\",\"Runtimes\":{\"io.containerd.runc.v2\":{\"path\":\"runc\"},"
	    "\"io.containerd.runtime.v1.linux\":{\"path\":\"runc\"},\"runc\":{\"path\":\"runc\"}},"
	    "\"DefaultRuntime\":\"runc\",\"Swarm\":{\"NodeID\":\"\",\"NodeAddr\":\"\","
	    "\"LocalNodeState\":\"inactive\",\"ControlAvailable\":false,\"Error\":\"\","
	    "\"RemoteManagers\":null},\"LiveRestoreEnabled\":false,\"Isolation\":\"\","
	    "\"InitBinary\":\"docker-init\",\"ContainerdCommit\":{\"ID\":\"1.6.20~ds1-1\","
	    "\"Expected\":\"1.6.20~ds1-1\"},\"RuncCommit\":{\"ID\":\"1.1.5+ds1-1\",\"Expected\":"
	    "\"1.1.5+ds1-1\"},\"InitCommit\":{\"ID\":\"\",\"Expected\":\"\"},\"SecurityOptions\":"
	    "[\"name=seccomp,profile=default\"],\"Warnings\":[\"WARNING: API is accessible on "
	    "http://%s:2375 without encryption.\"]}", 0, n->name, n->addr);
	reply_json(cn, 200, &b);
	free(b.p);
}

/* POST /containers/{id}/ACTION and DELETE /containers/{id}. */
static void
do_action(struct conn *cn, struct node *n, struct ctr *c, const char *method,
    const char *act, const char *q, const char *body)
{
	char v[160];

	if (strcmp(method, "DELETE") == 0 && act[0] == '\0') {
		if (c->state == ST_RUNNING || c->state == ST_PAUSED) {
			if (!query_bool(q, "force")) {
				reply_err(cn, 409, "You cannot remove a running container %s. Stop the "
				    "container before attempting removal or force remove", c->id);
				return;
			}
			ev_emit(n, c, "kill", ",\"signal\":\"9\"");
			ctr_die(n, c, 137, 1);
		}
		ev_emit(n, c, "destroy", "");
		ctr_drop(n, c);
		reply(cn, 204, NULL, NULL, 0);
		return;
	}
	if (strcmp(method, "POST") != 0) {
		reply_err(cn, 404, "page not found");
		return;
	}
	if (strcmp(act, "start") == 0) {
		if (c->state == ST_RUNNING || c->state == ST_PAUSED) {
			reply(cn, 304, NULL, NULL, 0);
			return;
		}
		ctr_start(n, c);
	} else if (strcmp(act, "stop") == 0) {
		if (c->state != ST_RUNNING && c->state != ST_PAUSED) {
			reply(cn, 304, NULL, NULL, 0);
			return;
		}
		ctr_stop(n, c, 15);
	} else if (strcmp(act, "kill") == 0) {
		int sig = 9;

		if (c->state != ST_RUNNING) {
			reply_err(cn, 409, "Cannot kill container: %s: Container %s is not running",
			    c->id, c->id);
			return;
		}
		if (query_get(q, "signal", v, sizeof(v)) && v[0] >= '0' && v[0] <= '9')
			sig = (int)strtol(v, NULL, 10);
		else if (strcmp(v, "SIGTERM") == 0 || strcmp(v, "TERM") == 0)
			sig = 15;
		ctr_stop(n, c, sig == 15 ? 15 : 9);
	} else if (strcmp(act, "restart") == 0) {
		if (c->state == ST_RUNNING || c->state == ST_PAUSED)
			ctr_stop(n, c, 15);
		ctr_start(n, c);
		ev_emit(n, c, "restart", "");
	} else if (strcmp(act, "pause") == 0 || strcmp(act, "unpause") == 0) {
		int p = act[0] == 'p';

		if (c->state != (p ? ST_RUNNING : ST_PAUSED)) {
			reply_err(cn, 409, "Container %s is not %s", c->id, p ? "running" : "paused");
			return;
		}
		c->state = p ? ST_PAUSED : ST_RUNNING;
		ev_emit(n, c, act, "");
	} else if (strcmp(act, "rename") == 0) {
		char extra[200], old[130];
		struct ctr *o;

		if (!query_get(q, "name", v, sizeof(v)) || v[0] == '\0') {
			reply_err(cn, 400, "Neither old nor new names may be empty");
			return;
		}
		o = ctr_find(n, v);
		if (o != NULL && strcmp(o->name, v) == 0) {
			reply_err(cn, 409, "Conflict. The container name \"/%s\" is already in use "
			    "by container \"%s\". You have to remove (or rename) that container to be "
			    "able to reuse that name.", v, o->id);
			return;
		}
		snprintf(old, sizeof(old), "/%s", c->name);
		snprintf(c->name, sizeof(c->name), "%.127s", v);
		{
			struct sbuf e = { 0 };

			sb_str(&e, ",\"oldName\":");
			sb_jstr(&e, old);
			snprintf(extra, sizeof(extra), "%s", e.p);
			free(e.p);
		}
		ev_emit(n, c, "rename", extra);
	} else if (strcmp(act, "update") == 0) {
		cJSON *j = cJSON_Parse(body);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "Memory");
		const cJSON *rp = cJSON_GetObjectItemCaseSensitive(j, "RestartPolicy");
		const cJSON *rn = cJSON_GetObjectItemCaseSensitive(rp, "Name");

		if (cJSON_IsNumber(m))
			c->mem_limit = (int64_t)m->valuedouble;
		m = cJSON_GetObjectItemCaseSensitive(j, "NanoCpus");
		if (cJSON_IsNumber(m))
			c->nano_cpus = (int64_t)m->valuedouble;
		if (cJSON_IsString(rn))
			snprintf(c->restart, sizeof(c->restart), "%s", rn->valuestring);
		cJSON_Delete(j);
		ev_emit(n, c, "update", "");
		reply(cn, 200, "application/json", "{\"Warnings\":null}\n", 18);
		return;
	} else if (strcmp(act, "exec") == 0) {
		struct sbuf b = { 0 };
		char id[65];

		if (c->state != ST_RUNNING) {
			reply_err(cn, 409, "Container %s is not running", c->id);
			return;
		}
		new_id(id);
		sb_fmt(&b, "{\"Id\":\"%s\"}", id);
		reply_json(cn, 201, &b);
		free(b.p);
		return;
	} else {
		reply_err(cn, 404, "page not found");
		return;
	}
	reply(cn, 204, NULL, NULL, 0);
}

/* The answer of a node to one request (PATH without the /vX.Y prefix). */
static void
node_handle(struct conn *cn, struct node *n, const char *method, char *path, const char *body)
{
	char *q = strchr(path, '?');
	struct sbuf b = { 0 };

	if (q != NULL)
		*q++ = '\0';
	if (strcmp(path, "/_ping") == 0) {
		sb_fmt(&cn->out, "HTTP/1.1 200 OK\r\nApi-Version: " SIM_API "\r\n"
		    "Cache-Control: no-cache, no-store, must-revalidate\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\nDocker-Experimental: false\r\n"
		    "Ostype: linux\r\nPragma: no-cache\r\nServer: Docker/" SIM_VERSION
		    " (linux)\r\n%sContent-Length: %d\r\n\r\n%s",
		    cn->close_after ? "Connection: close\r\n" : "",
		    strcmp(method, "HEAD") == 0 ? 0 : 2, strcmp(method, "HEAD") == 0 ? "" : "OK");
		return;
	}
	if (strcmp(path, "/version") == 0) {
		do_version(cn);
		return;
	}
	if (strcmp(path, "/info") == 0) {
		do_info(cn, n);
		return;
	}
	if (strcmp(path, "/events") == 0) {
		do_events(cn, n, q);
		return;
	}
	if (strcmp(path, "/containers/json") == 0) {
		do_list(cn, n, q);
		return;
	}
	if (strcmp(path, "/containers/create") == 0 && strcmp(method, "POST") == 0) {
		do_create(cn, n, q, body);
		return;
	}
	if (strcmp(path, "/images/create") == 0 && strcmp(method, "POST") == 0) {
		do_pull(cn, q);
		return;
	}
	if (strncmp(path, "/images/", 8) == 0 && strlen(path) > 13 &&
	    strcmp(path + strlen(path) - 5, "/json") == 0) {
		path[strlen(path) - 5] = '\0';
		url_decode(path + 8);
		do_image(cn, path + 8);
		return;
	}
	if (strncmp(path, "/containers/", 12) == 0) {
		char *id = path + 12, *act = strchr(id, '/');
		struct ctr *c;

		if (act != NULL)
			*act++ = '\0';
		else
			act = "";
		url_decode(id);
		c = ctr_find(n, id);
		if (c == NULL) {
			reply_err(cn, 404, "No such container: %s", id);
			return;
		}
		if (strcmp(act, "json") == 0) {
			sb_inspect(&b, n, c);
			reply_json(cn, 200, &b);
		} else if (strcmp(act, "stats") == 0) {
			do_stats(cn, n, c);
		} else if (strcmp(act, "logs") == 0) {
			do_logs(cn, n, c, q);
		} else {
			do_action(cn, n, c, method, act, q, body);
		}
		free(b.p);
		return;
	}
	if (strncmp(path, "/exec/", 6) == 0) {
		char *id = path + 6, *act = strchr(id, '/');

		if (act != NULL)
			*act++ = '\0';
		if (act != NULL && strcmp(act, "start") == 0) {
			/* the output stream, then the end of the connection, as a hijack does */
			cn->close_after = 1;
			reply(cn, 200, "application/vnd.docker.raw-stream", "", 0);
		} else if (act != NULL && strcmp(act, "json") == 0) {
			sb_fmt(&b, "{\"CanRemove\":false,\"ContainerID\":\"\",\"DetachKeys\":\"\","
			    "\"ExitCode\":0,\"ID\":\"%.64s\",\"OpenStderr\":true,\"OpenStdin\":false,"
			    "\"OpenStdout\":true,\"ProcessConfig\":{\"arguments\":[],\"entrypoint\":"
			    "\"true\",\"privileged\":false,\"tty\":false},\"Running\":false,\"Pid\":0}",
			    id);
			reply_json(cn, 200, &b);
			free(b.p);
		} else {
			reply_err(cn, 404, "page not found");
		}
		return;
	}
	if (strcmp(path, "/nodes") == 0 || strcmp(path, "/services") == 0 ||
	    strcmp(path, "/tasks") == 0 || strncmp(path, "/nodes/", 7) == 0 ||
	    strncmp(path, "/services/", 10) == 0) {
		reply_err(cn, 503, "This node is not a swarm manager. Use \"docker swarm init\" or "
		    "\"docker swarm join\" to connect this node to swarm and try again.");
		return;
	}
	if (strcmp(path, "/networks") == 0 || strncmp(path, "/networks/", 10) == 0 ||
	    strcmp(path, "/volumes") == 0 || strncmp(path, "/volumes/", 9) == 0) {
		do_objects(cn, n, method, path, body);
		return;
	}
	reply_err(cn, 404, "page not found");
}

/* ---------------------------------------------------------------- control */

/* Index of node NAME (sim-0001 or 1), or -1. */
static int
node_index(const char *name)
{
	int i;
	char *end;
	long v = strtol(name, &end, 10);

	if (*end == '\0' && v >= 1 && v <= sim_n)
		return (int)v - 1;
	for (i = 0; i < sim_n; i++)
		if (strcmp(sim_nodes[i].name, name) == 0)
			return i;
	return -1;
}

static void node_listen(struct node *n);
static void conn_close(struct conn *c);

/* Control requests: POST /fault?node=N&kind=K[&arg=A], GET /nodes (one line each). */
static void
ctl_handle(struct conn *cn, char *path)
{
	char *q = strchr(path, '?'), node[64], kind[32], arg[32];
	struct sbuf b = { 0 };
	struct node *n;
	int i;

	if (q != NULL)
		*q++ = '\0';
	if (strcmp(path, "/_ping") == 0) {
		reply(cn, 200, "text/plain", "OK", 2);
		return;
	}
	if (strcmp(path, "/nodes") == 0) {
		for (i = 0; i < sim_n; i++)
			sb_fmt(&b, "%s %s %d%s%s\n", sim_nodes[i].name, sim_nodes[i].addr,
			    sim_nodes[i].nc, sim_nodes[i].hang ? " hang" : "",
			    sim_nodes[i].refuse ? " refuse" : "");
		reply(cn, 200, "text/plain", b.p ? b.p : "", b.len);
		free(b.p);
		return;
	}
	if (strcmp(path, "/fault") != 0 || !query_get(q, "node", node, sizeof(node)) ||
	    !query_get(q, "kind", kind, sizeof(kind))) {
		reply(cn, 404, "text/plain", "usage: /fault?node=N&kind=K[&arg=A]\n", 36);
		return;
	}
	if (!query_get(q, "arg", arg, sizeof(arg)))
		arg[0] = '\0';
	i = node_index(node);
	if (i < 0) {
		reply(cn, 404, "text/plain", "no such node\n", 13);
		return;
	}
	n = &sim_nodes[i];
	if (strcmp(kind, "hang") == 0) {
		n->hang = 1;
	} else if (strcmp(kind, "refuse") == 0) {
		n->refuse = 1;
		if (n->lfd >= 0) {
			close(n->lfd);
			n->lfd = -1;
		}
	} else if (strcmp(kind, "slow") == 0) {
		n->slow_ms = (int)strtol(arg, NULL, 10);
	} else if (strcmp(kind, "drop-events") == 0) {
		struct conn *s, *next;

		for (s = n->streams; s != NULL; s = next) {
			next = s->snext;
			if (s->stream == S_EVENTS)
				conn_close(s);
		}
	} else if (strcmp(kind, "many") == 0) {
		long k = strtol(arg, NULL, 10);
		char nm[64];

		if (k <= 0 || k > 1000000)
			k = 50000;
		for (i = 0; i < k; i++) {
			struct ctr *c;

			snprintf(nm, sizeof(nm), "%s-many-%d", n->name, n->nc);
			c = ctr_new(n, nm, sim_images[i % 4]);
			c->state = i % 5 == 0 ? ST_EXITED : ST_RUNNING;
			c->started = c->created;
			c->finished = c->state == ST_EXITED ? c->created : 0;
		}
	} else if (strcmp(kind, "ok") == 0) {
		n->hang = 0;
		n->slow_ms = 0;
		if (n->refuse) {
			n->refuse = 0;
			node_listen(n);
		}
	} else if (strcmp(kind, "event") == 0 && n->nc > 0) {
		/* one lifecycle change on this node: arg die|oom|unhealthy|healthy */
		struct ctr *c = n->c[0];

		if (c->state != ST_RUNNING)
			ctr_start(n, c);
		if (strcmp(arg, "oom") == 0) {
			c->oom = 1;
			ev_emit(n, c, "oom", "");
			ctr_die(n, c, 137, 0);
			c->oom = 1;
		} else if (strcmp(arg, "die") == 0) {
			ctr_die(n, c, 1, 0);
		} else if (c->has_health) {
			c->health = strcmp(arg, "unhealthy") == 0 ? H_UNHEALTHY : H_HEALTHY;
			ev_emit(n, c, c->health == H_HEALTHY ? "health_status: healthy" :
			    "health_status: unhealthy", "");
		}
	} else {
		reply(cn, 400, "text/plain", "unknown kind\n", 13);
		return;
	}
	reply(cn, 200, "text/plain", "ok\n", 3);
}

/* ---------------------------------------------------------------- connections */

/* Add FD to epoll with PTR. */
static void
ep_add(int fd, void *ptr, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = ptr };

	epoll_ctl(sim_ep, EPOLL_CTL_ADD, fd, &e);
}

/* Take a stream off its node's list. */
static void
stream_unlink(struct conn *c)
{
	struct conn **pp;

	if (c->node == NULL)
		return;
	for (pp = &c->node->streams; *pp != NULL; pp = &(*pp)->snext)
		if (*pp == c) {
			*pp = c->snext;
			break;
		}
	c->snext = NULL;
}

/* Close a connection (freed now, or when its pending timer fires). */
static void
conn_close(struct conn *c)
{
	if (c->fd < 0)
		return;
	stream_unlink(c);
	c->stream = S_NONE;
	close(c->fd);
	c->fd = -1;
	free(c->in.p);
	free(c->out.p);
	c->in.p = c->out.p = NULL;
	c->in.len = c->out.len = c->in.cap = c->out.cap = 0;
	if (c->waiting) {
		c->dead = 1;          /* the timer frees it */
	} else {
		c->gnext = sim_grave;
		sim_grave = c;
	}
}

/* Write what is queued; watch for EPOLLOUT while something is left. */
static void
conn_flush(struct conn *c)
{
	ssize_t w;

	while (c->fd >= 0 && c->out.off < c->out.len) {
		w = send(c->fd, c->out.p + c->out.off, c->out.len - c->out.off, MSG_NOSIGNAL);
		if (w > 0) {
			c->out.off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_close(c);
		return;
	}
	if (c->fd < 0)
		return;
	if (c->out.off == c->out.len) {
		c->out.off = c->out.len = 0;
		if (c->out.cap > (1u << 20)) {
			free(c->out.p);
			c->out.p = NULL;
			c->out.cap = 0;
		}
		if (c->close_after) {
			conn_close(c);
			return;
		}
	} else if (c->out.off > (1u << 20)) {
		sb_compact(&c->out);
	}
	{
		int want = c->out.len > c->out.off;

		if (want != c->want_out) {
			struct epoll_event e = { .events = EPOLLIN | (want ? EPOLLOUT : 0),
				.data.ptr = c };

			epoll_ctl(sim_ep, EPOLL_CTL_MOD, c->fd, &e);
			c->want_out = want;
		}
	}
}

static void conn_serve(struct conn *c);

/* Parse and answer the complete requests in C's input buffer. */
static void
conn_serve(struct conn *c)
{
	while (c->fd >= 0 && !c->stream && !c->held && !c->waiting && !c->close_after) {
		char *end = strstr(c->in.p ? c->in.p : "", "\r\n\r\n");
		char method[16], target[4096], *p, *body, saved;
		size_t head, clen = 0, total;
		int minor = 1, want_close = 0;

		if (end == NULL) {
			if (c->in.len > 65536)
				conn_close(c);
			return;
		}
		head = (size_t)(end - c->in.p) + 4;
		for (p = c->in.p; p < end; p++) {
			if ((*p == '\n') && strncasecmp(p + 1, "content-length:", 15) == 0)
				clen = (size_t)strtoull(p + 16, NULL, 10);
			if ((*p == '\n') && strncasecmp(p + 1, "connection:", 11) == 0) {
				char *v = p + 12;

				while (*v == ' ')
					v++;
				if (strncasecmp(v, "close", 5) == 0)
					want_close = 1;
			}
		}
		if (clen > SIM_MAX_REQ) {
			conn_close(c);
			return;
		}
		total = head + clen;
		if (c->in.len < total)
			return;
		if (c->node != NULL && c->node->hang) {
			c->held = 1;         /* never answered */
			return;
		}
		if (c->node != NULL && c->node->slow_ms > 0 && !c->slow_done) {
			c->waiting = 1;
			timer_add(c->node->slow_ms / 1000.0, T_REPLY, c->node, NULL, c);
			return;
		}
		c->slow_done = 0;
		if (sscanf(c->in.p, "%15s %4095s HTTP/1.%d", method, target, &minor) < 2) {
			conn_close(c);
			return;
		}
		c->close_after = want_close || minor == 0;
		body = c->in.p + head;
		saved = body[clen];
		body[clen] = '\0';
		p = target;
		if (p[0] == '/' && p[1] == 'v' && p[2] >= '0' && p[2] <= '9') {
			char *s = strchr(p + 1, '/');

			if (s != NULL)
				p = s;
		}
		if (c->node == NULL)
			ctl_handle(c, p);
		else
			node_handle(c, c->node, method, p, body);
		body[clen] = saved;
		memmove(c->in.p, c->in.p + total, c->in.len - total);
		c->in.len -= total;
		c->in.p[c->in.len] = '\0';
		conn_flush(c);
	}
}

/* Readable: take the bytes, serve what is complete. */
static void
conn_read(struct conn *c)
{
	char buf[65536];
	ssize_t r;

	for (;;) {
		r = recv(c->fd, buf, sizeof(buf), 0);
		if (r > 0) {
			if (c->stream || c->held) {
				if (c->held && c->in.len < 65536)
					sb_add(&c->in, buf, (size_t)r);
				continue;           /* a stream reads nothing more */
			}
			sb_add(&c->in, buf, (size_t)r);
			if (c->in.len > SIM_MAX_REQ + 65536) {
				conn_close(c);
				return;
			}
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_close(c);       /* EOF or error */
		return;
	}
	conn_serve(c);
}

/* Accept every pending connection on listener FD for node N (NULL: control). */
static void
do_accept(int fd, struct node *n)
{
	for (;;) {
		int s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
		struct conn *c;

		if (s < 0)
			return;
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = xrealloc(NULL, sizeof(*c));
		memset(c, 0, sizeof(*c));
		c->kind = K_CONN;
		c->fd = s;
		c->node = n;
		ep_add(s, c, EPOLLIN);
	}
}

/* Open a listening socket on ADDR:2375. */
static int
listen_on(const char *addr)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(SIM_PORT);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 512) != 0) {
		fprintf(stderr, "enginesim: %s:%d: %s\n", addr, SIM_PORT, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* (Re)open node N's listener. */
static void
node_listen(struct node *n)
{
	n->lfd = listen_on(n->addr);
	if (n->lfd >= 0)
		ep_add(n->lfd, n, EPOLLIN);
}

/* Node I (0-based) with K containers, as a lab plant would run them. */
static void
node_init(struct node *n, int i, int k)
{
	int j;
	double t = now_wall();

	memset(n, 0, sizeof(*n));
	n->kind = K_LISTEN;
	n->idx = i + 1;
	snprintf(n->name, sizeof(n->name), "sim-%04d", i + 1);
	snprintf(n->addr, sizeof(n->addr), "127.%d.%d.%d", sim_net, (i + 1) / 250,
	    (i + 1) % 250 + 1);
	for (j = 0; j < k; j++) {
		char nm[64];
		struct ctr *c;

		snprintf(nm, sizeof(nm), "%s-%d", n->name, j + 1);
		c = ctr_new(n, nm, sim_images[j % 5 == 4 ? 2 : j % 8 == 3 ? 3 : j % 2 == 0 ? 0 : 1]);
		c->created = t - 86400 - j * 60;
		c->started = t - 3600 - (double)(rnd() % 3600);
		c->state = ST_RUNNING;
		image_traits(c);
		snprintf(c->restart, sizeof(c->restart), "%s", j % 3 == 0 ? "always" :
		    j % 3 == 1 ? "unless-stopped" : "no");
		ctr_set_label(c, "plant.line", i / 27 % 2 ? "B" : "A");
		if (j < 3) {
			char svc[32];

			snprintf(svc, sizeof(svc), "plc-%d", j + 1);
			ctr_set_label(c, "com.docker.compose.project", "plant");
			ctr_set_label(c, "com.docker.compose.service", svc);
			ctr_set_label(c, "com.docker.compose.container-number", "1");
		}
		if (c->has_health)
			c->health = H_HEALTHY;
		if (j == k - 1 && k >= 5) {
			c->state = ST_EXITED;
			c->exit_code = 0;
			c->finished = t - 600;
		}
	}
}

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
	    "[--net B] [--seed S] [--ready FILE]\n"
	    "node i listens on 127.B.(i/250).(i%250+1):2375 (B: 1); control on "
	    "127.B.255.254:2375 (/fault?node=N&kind=hang|refuse|slow|drop-events|many|ok|event"
	    "&arg=A, /nodes)\n", stderr);
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

		if (v == NULL) {
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

					if (t.kind == T_REPLY) {
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
