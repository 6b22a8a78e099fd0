/*
 * sim.h — what the parts of enginesim share: the model (nodes, containers,
 * connections, timers), the globals and the functions one file calls in another.
 * enginesim.c has the design; util.c buffers and time, model.c containers,
 * lifecycles, events and timers, http.c replies and connections, api.c the
 * Engine API handlers, faults.c the control listener (injected faults).
 */
#ifndef SIM_H
#define SIM_H
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
#define SIM_RING 512            /* events a node keeps for /events?since= */

enum { K_LISTEN, K_CONN, K_TIMER, K_CTL };
enum { ST_CREATED, ST_RUNNING, ST_PAUSED, ST_EXITED };
enum { H_NONE, H_STARTING, H_HEALTHY, H_UNHEALTHY };
enum { T_GEN, T_HEALTHY, T_RESTART, T_REPLY, T_UNTIL };
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
	unsigned stats_calls;    /* stats calls since the last GET /stats-calls?reset=1 */
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

/* One past event of a node (its /events ring). */
struct evrec {
	long long nano;          /* timeNano */
	char type[12];
	char action[48];
	char *line;              /* the JSON line, newline included */
	size_t len;
};

/* The kinds of request a node counts (GET /requests on the control
 * address): what a client asked of each engine, for tests that check
 * which requests plantdeck sends. */
enum { SIM_REQ_PING, SIM_REQ_VERSION, SIM_REQ_INFO, SIM_REQ_EVENTS, SIM_REQ_LIST,
	SIM_REQ_INSPECT, SIM_REQ_OTHER, SIM_REQ_KINDS };
extern const char *const sim_req_names[SIM_REQ_KINDS];

struct node {
	int kind;                /* K_LISTEN */
	int idx;
	char name[32];
	char addr[20];
	int lfd;
	struct ctr **c;
	int nc, cap;
	int hang, refuse, slow_ms;
	int huge_mib;            /* fault: container lists of this many MiB of blanks */
	struct conn *streams;
	cJSON *networks;         /* array of network objects, made on first use */
	cJSON *volumes;          /* array of volume objects */
	struct evrec *ring;      /* SIM_RING past events, made on the first */
	int rhead, rlen;
	unsigned reqs[SIM_REQ_KINDS]; /* requests answered, by kind (GET /requests) */
};

struct timer {
	double at;
	int kind;
	struct node *node;
	struct ctr *ctr;
	unsigned serial;
	struct conn *conn;
};

/* enginesim.c */
extern int sim_ep, sim_tfd;
extern struct node *sim_nodes;
extern int sim_n;
extern int sim_net;
extern double sim_rate;
extern unsigned sim_serial;
extern uint64_t sim_rng;
extern struct timer *sim_heap;
extern size_t sim_nheap, sim_capheap;
extern struct node sim_ctl;
extern volatile sig_atomic_t sim_stop;
extern struct conn *sim_grave;
/* The simulated work of a deploy, fleet-wide (POST /work on the control
 * address): a pull's reply and a start's reply come this many ms late, and
 * a started container with a health check turns healthy after health ms
 * (-1: 2-3 s at random). */
extern int sim_pull_ms, sim_start_ms, sim_health_ms;
extern const char *sim_images[];
extern const char *state_names[], *health_names[];

/* api.c */
void image_traits(struct ctr *c);
void node_handle(struct conn *cn, struct node *n, const char *method, char *path, const char *body);

/* faults.c */
void ctl_handle(struct conn *cn, char *path);

/* http.c */
void reply(struct conn *c, int status, const char *ctype, const char *body, size_t len);
void reply_json(struct conn *c, int status, struct sbuf *b);
void reply_err(struct conn *c, int status, const char *fmt, ...);
void stream_begin(struct conn *c, const char *ctype);
void stream_chunk(struct conn *c, const char *p, size_t n);
void stream_end(struct conn *c);
void ep_add(int fd, void *ptr, uint32_t ev);
void stream_unlink(struct conn *c);
void conn_close(struct conn *c);
void conn_flush(struct conn *c);
void conn_serve(struct conn *c);
void conn_read(struct conn *c);
void do_accept(int fd, struct node *n);
int listen_on(const char *addr);
void node_listen(struct node *n);

/* model.c */
void timer_arm(void);
void timer_add(double delay, int kind, struct node *n, struct ctr *c, struct conn *cn);
struct timer timer_pop(void);
const char *ctr_label(const struct ctr *c, const char *k);
void ctr_set_label(struct ctr *c, const char *k, const char *v);
struct ctr *ctr_find(struct node *n, const char *ref);
struct ctr *ctr_new(struct node *n, const char *name, const char *image);
void ctr_drop(struct node *n, struct ctr *c);
void image_id(const char *image, char out[72]);
void sb_list_item(struct sbuf *b, const struct node *n, const struct ctr *c);
void sb_inspect(struct sbuf *b, const struct node *n, const struct ctr *c);
int ev_match(const struct conn *s, const char *type, const char *action);
void ev_send(struct node *n, const char *type, const char *action, const char *line, size_t len,
    long long nano);
void ev_now(long long *sec, long long *nano);
void ev_emit(struct node *n, struct ctr *c, const char *action, const char *extra);
void ctr_start(struct node *n, struct ctr *c);
void ctr_die(struct node *n, struct ctr *c, int code, int stopped);
void ctr_stop(struct node *n, struct ctr *c, int sig);
void timer_fire(const struct timer *t);
void node_init(struct node *n, int i, int k);

/* swarm.c */
extern int sim_swarm, sim_managers;
void swarm_init(void);
void swarm_info(struct sbuf *b, const struct node *n);
int swarm_handle(struct conn *cn, struct node *n, const char *method, char *path, char *q,
    const char *body);

/* util.c */
uint64_t rnd(void);
double now_wall(void);
double now_mono(void);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
void sb_room(struct sbuf *b, size_t n);
void sb_add(struct sbuf *b, const char *s, size_t n);
void sb_str(struct sbuf *b, const char *s);
void sb_fmt(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_jstr(struct sbuf *b, const char *s);
void sb_compact(struct sbuf *b);
void sb_time(struct sbuf *b, double t);
void new_id(char out[65]);
void url_decode(char *s);
int query_get(const char *q, const char *key, char *out, size_t len);
int query_bool(const char *q, const char *key);

#endif
