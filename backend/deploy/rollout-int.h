/* rollout-int.h: what the rollout engine's files share — rollout.c (the
 * plan, the executor, pre-pull, the waves over standalone engines, the
 * common end) and rollout-swarm.c (the Swarm path the executor takes for a
 * stack of x-plantdeck target swarm).
 *
 * Not a public header: only backend/rollout*.c and the unit tests include
 * it.  Everything here runs in the backend's threads; the locking rules of
 * struct rollout are those of rollout.c. */
#ifndef PLANTDECK_ROLLOUT_INT_H
#define PLANTDECK_ROLLOUT_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "backend/model/model.h"
#include "backend/deploy/compose.h"

struct engine;
struct inv_node;
struct inventory;
struct store;
struct swarm;

#define RO_MAX_REGISTRIES 16    /* registry hosts a pre-pull counts pulls of */
#define RO_POLL_MS 500          /* monitor checks (and the waits of depends_on) */
#define RO_HEALTH_POLL_MS 250   /* health checks until a new container is healthy */
#define RO_LABEL_STACK "io.plantdeck.stack"
#define RO_LABEL_SERVICE "io.plantdeck.service"
#define RO_LABEL_REVISION "io.plantdeck.revision"
#define RO_LABEL_DEPLOY "io.plantdeck.deploy"
#define RO_LABEL_NAMESPACE "com.docker.stack.namespace"   /* as docker stack deploy sets */
#define RO_LABEL_PLACEMENT "io.plantdeck.placement."      /* + STACK: a swarm node label */

struct rollout;
struct registry_auth_cache;

/* One target node of a deploy. */
struct ro_node {
	struct rollout *r;
	const struct inv_node *inv;
	struct engine *eng;
	int wave;
	enum pd_phase phase;         /* under r->lock */
	int pull_pct;
	int finished;                /* its thread is done with it (terminal phase) */
	int reached;                 /* monitoring or finished: the wave may go on */
	int touched;                 /* something on it was switched */
	int thread;                  /* launched: queued on the pool or done by it */
	/* Its steps as a state machine on the rollout's pool (rollout.c): */
	int stage;                   /* the next step (RO_ST_*) */
	int queued;                  /* waits for a worker, not before DUE */
	double due, t0, deadline;
	/* An engine call that holds no worker while it runs (pool.c): */
	int acall;                   /* 1 waits for the caller thread, 2 in flight */
	int astage;                  /* the step queued once it ends */
	char amethod[8];
	char apath[300];
	long atimeout_ms;
	int arc;                     /* its result: 0 a 2xx reply, else -1 */
	long astatus;                /* its HTTP status */
	char aerr[PD_ERROR_LEN];     /* what went wrong when arc is -1 */
	char astep[64];              /* the journal step of the call */
	int restarts[64];            /* monitor's baseline */
	char late[16][PD_ID_LEN];    /* containers stopped once healthy */
	size_t nlate;
};

/* Worker threads of one rollout's pool: nodes in flight beyond this wait
 * in its queue. */
#define RO_WORKERS_MAX 32

/* One deploy an executor of this process runs. */
struct rollout {
	struct rollouts *ro;
	struct rollout *next;
	int64_t id;
	int64_t parent;
	char kind[16];
	char stack[PD_NAME_LEN];
	int revision, from_revision;
	struct compose_stack *spec;  /* the revision it brings nodes to; NULL: none */
	struct compose_policy pol;
	int swarm;                   /* the stack's target is swarm (also when SPEC is
	                                NULL: a rollback to no revision) */
	struct ro_node *nodes;
	size_t nnodes;
	int fail_base;
	int pull_if_missing;         /* rollbacks: pull only what a node lacks */
	int beat_parent;             /* run inline by its parent's executor: keep the
	                                parent's heartbeat too */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop_monitor;            /* cut monitors short: a rollback comes */
	int closing;                 /* the backend closes: pause */
	int ended;                   /* the executor thread returned */
	pthread_t th;
	/* The pool that runs the nodes' steps (under LOCK): */
	pthread_cond_t pool_cond;
	pthread_t workers[RO_WORKERS_MAX];
	int nworkers, pool_stop, pool_max;
	int pool_timer;              /* an idle worker sleeps until the next due step */
	/* The caller thread: the nodes' calls that hold no worker (under LOCK). */
	void *cmulti;                /* its CURLM, made with the thread */
	pthread_t caller;
	int caller_up, caller_stop;
	struct registry_auth_cache *auths;  /* registry credentials, zeroed at the end */
};

/* Every deploy of one backend. */
struct rollouts {
	const struct inventory *inv;
	struct swarm *sw;            /* the fleet's managers (swarm.h), or NULL */
	char db_path[4096];
	int read_only;
	void (*notify)(void *ctx);
	void *notify_ctx;
	struct store *st;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct rollout *live;        /* executors of this process */
};

/* ---- helpers of rollout.c that rollout-swarm.c uses */

/* Tell the front end that deploy R changed. */
void ro_notify(struct rollout *r);
/* Seconds on the monotonic clock. */
double ro_now(void);
void ro_sleep_ms(long ms);
/* Record a node's phase (and step, error) in the store and in memory. */
void ro_phase(struct ro_node *n, enum pd_phase phase, const char *step, const char *error);
/* Journal the start and the end of STEP on N (NULL: the deploy itself). */
void ro_begin(struct rollout *r, struct ro_node *n, const char *step, const char *detail);
void ro_end(struct rollout *r, struct ro_node *n, const char *step, int ok,
    const char *detail);
/* A blocking call on N's engine; the body of a 2xx reply in *JSON (may be
 * NULL).  0, or -1 with ERR. */
int ro_call(struct ro_node *n, const char *method, const char *path, const char *body,
    long timeout_ms, cJSON **json, char *err, size_t errlen);
/* URL-encode S into OUT. */
void ro_urlencode(const char *s, char *out, size_t len);
/* Inspect the network or volume (KIND "networks", "volumes") NAME on N into
 * *OUT: 1 it exists, 0 it does not, -1 error (in ERR). */
int ro_inspect_named(struct ro_node *n, const char *kind, const char *name, cJSON **out,
    char *err, size_t errlen);
/* Free rollout R (NULL: nothing): its nodes' engines, its spec, its registry
 * credentials. */
void ro_free(struct rollout *r);
/* Poll the store for a pause or abort request and beat the heart. */
void ro_requests(struct rollout *r, int *pause, int *abort_);
/* Append to the audit trail, target "stack STACK revision REV". */
int ro_audit_gate(struct rollouts *ro, const char *action, const char *stack, int rev,
    const char *detail, char *err, size_t errlen);
int ro_audit(struct rollouts *ro, const char *action, const char *stack, int rev,
    const char *detail);
/* The node pool of a new rollout R (after its lock and cond). */
void ro_pool_init(struct rollout *r);

/* ---- the pool of node steps (pool.c) and the pre-pull (prepull.c) */

/* A worker of R's pool (thread start routine; ARG is R). */
void *ro_worker(void *arg);
/* Stop and join R's workers (every launched node has finished). */
void ro_pool_stop(struct rollout *r);
/* Run the step of N that is due (rollout.c): switch, a health or monitor check. */
void ro_node_step(struct ro_node *n);
/* Start METHOD PATH on N's engine on R's caller thread, which queues N's
 * STAGE on the pool when the call ends (its result in N's arc, astatus and
 * aerr): a slow call (a container start) holds no worker meanwhile.  Done
 * in this thread when the caller thread cannot be started. */
void ro_call_async(struct ro_node *n, const char *method, const char *path,
    long timeout_ms, int stage);
/* Pull every image of R's revision onto every node that still needs it. */
void ro_prepull(struct rollout *r);
/* Negotiate the engine version of every node of R at once (1.41 for a node
 * that does not answer). */
void ro_negotiate(struct rollout *r);
/* The inventory node called NAME, or NULL. */
const struct inv_node *ro_inv_node(const struct rollouts *ro, const char *name);

/* ---- networks and start order on engines (rollout-net.c) */

/* The networks of N's target revision there (made, reused or checked). */
int ro_net_ensure(struct ro_node *n, char *err, size_t errlen);
/* Create body BODY of service S ready for N: on its first network (the
 * others in *EXTRA, NULL: none), network_mode service:NAME as container:ID. */
int ro_net_prepare(struct ro_node *n, const struct compose_service *s, cJSON *body, cJSON **extra,
    char *err, size_t errlen);
/* Connect container ID (NAME) to the networks of EXTRA. */
int ro_net_connect(struct ro_node *n, const char *id, const char *name, const cJSON *extra,
    char *err, size_t errlen);
/* Wait on N until the services S depends on reached their conditions. */
int ro_dep_wait(struct ro_node *n, const struct compose_service *s, double deadline, char *err,
    size_t errlen);
/* Whether service SVC of SPEC is waited on to complete (exit 0 is fine). */
int ro_completes(const struct compose_stack *spec, const char *svc);
/* The plan's networks and start order lines. */
void ro_plan_net(const struct compose_stack *stack, struct pd_plan *p);
/* Whether existing network HAVE (an inspect) has what create body WANT
 * asks for (driver, internal, attachable, subnets); WHY says what not. */
int ro_net_same(const cJSON *have, const cJSON *want, char *why, size_t whylen);

/* ---- a swarm stack's networks (rollout-swarm-net.c) */

/* TaskTemplate.Networks of service S of STACK into task template TT, as
 * docker stack deploy sets them (network_mode host: the host network).
 * 0, or -1 with ERR. */
int ro_swarm_net_attach(const struct compose_stack *stack, const struct compose_service *s,
    cJSON *tt, char *err, size_t errlen);
/* The plan of a swarm stack: its networks checked through the managers
 * (external ones exist in scope swarm, existing ones are the stack's with
 * the same settings), host-network services added to P's networks line.
 * Only reads.  0, or -1 with ERR. */
int ro_swarm_net_plan(struct rollouts *ro, struct pd_plan *p, const struct compose_stack *stack,
    char *err, size_t errlen);
/* The networks of R's revision made (or found) through the managers,
 * before any service changes, each journaled and audited.  0, or -1 with
 * MSG. */
int ro_swarm_net_ensure(struct rollout *r, char *msg, size_t msglen);

/* ---- secrets and configs (rollout-secrets.c) */

/* Every source the services of SPEC use read again and checked against
 * its recorded digest, before any node is touched; 0, or -1 with ERR. */
int ro_secrets_check(const struct compose_stack *spec, char *err, size_t errlen);
/* The secrets and configs of service S into container ID (NAME) on N,
 * between its create and its start (PUT archive); 0, or -1 with ERR. */
int ro_secrets_put(struct ro_node *n, const struct compose_service *s, const char *id,
    const char *name, char *err, size_t errlen);
/* The plan's line of secrets and configs: names, sources and digests. */
void ro_plan_secrets(const struct compose_stack *stack, struct pd_plan *p);
/* Target swarm: every secret and config of R's revision made (versioned
 * names), reused or found (external); *IDS {"KIND:KEY": {"ID", "Name"}}
 * (NULL: none).  0, or -1 with MSG. */
int ro_swarm_secrets(struct rollout *r, cJSON **ids, char *msg, size_t msglen);
/* Service INDEX of STACK's secrets and configs into its ServiceSpec SPEC. */
int ro_swarm_secrets_attach(const struct compose_stack *stack, size_t index, const cJSON *ids,
    cJSON *spec, char *err, size_t errlen);
/* The stack's secrets and configs that IDS (NULL: none) does not hold
 * removed from the swarm (those in use stay). */
void ro_swarm_secrets_prune(struct rollout *r, const cJSON *ids);

/* ---- named volumes on engines (rollout-volumes.c) */

/* The named volumes of N's target revision there (made, kept or checked). */
int ro_vol_ensure(struct ro_node *n, char *err, size_t errlen);
/* The plan's volumes line. */
void ro_plan_volumes(const struct compose_stack *stack, struct pd_plan *p);

/* ---- the Swarm path (rollout-swarm.c) */

/* The Swarm service name of compose service SVC of STACK, "STACK_SVC";
 * -1 when it would be longer than Swarm's 63 characters. */
int rollout_swarm_name(const char *stack, const char *svc, char *out, size_t len);

/* The Swarm ServiceSpec of service INDEX of STACK (target swarm) at
 * revision REV of deploy DEPLOY: IMAGE (NULL: the service's own) as the
 * task's image, the create body translated, the labels, the placement
 * constraint, the mode and the update and rollback configs of the stack's
 * policy.  A new object, or NULL with ERR naming what cannot be
 * translated. */
cJSON *rollout_swarm_spec(const struct compose_stack *stack, size_t index, const char *image,
    int rev, int64_t deploy, char *err, size_t errlen);

/* A plan of a target swarm stack, once its targets are known: each target
 * must be a node of the swarm; the waves and the policy line are Swarm's.
 * Only reads.  0, or -1 with ERR. */
int ro_swarm_plan(struct rollouts *ro, struct pd_plan *p, const struct compose_stack *stack,
    char *err, size_t errlen);

/* The inventory nodes whose swarm node carries the placement label of
 * STACK, into a new array *OUT (wave 0); 0, or -1 with ERR. */
int ro_swarm_placed(struct rollouts *ro, const char *stack, struct pd_plan_node **out,
    size_t *n, char *err, size_t errlen);

/* Run deploy R (target swarm) after the common begin and pre-pull: the
 * services created or updated through the swarm's managers, its targets
 * labelled, the per-node phases followed until Swarm's update and every
 * node are through.  Returns the deploy's final state with MSG; *TRIPPED
 * when a failure ended it (the revision does not become current). */
enum pd_deploy_state ro_swarm_run(struct rollout *r, char *msg, size_t msglen, int *tripped);

/* plantdeck down: the swarm nodes that carry R's stack's placement label
 * lose it (DRY: only named); EACH(CTX, HOST, ID, OK, ERR) for each, OK -1
 * in a dry run.  0, or -1 with ERR. */
int ro_swarm_unplace(struct rollout *r, int dry, void (*each)(void *ctx, const char *host,
    const char *id, int ok, const char *err), void *ctx, char *err, size_t errlen);

#ifdef UNITTEST
/* The /images/create parser (prepull.c) on N LINES of one pull, with no
 * node: the percentage pulled after them, or -1 at an error message (ERR
 * gets its text); *COMPLETE when a "Status:" line came. */
int rollout_test_pull(const char *const *lines, size_t n, int *complete, char *err,
    size_t errlen);
#endif

#endif
