/* compose.h: stack files, the docker-compose subset plants use.
 *
 * A stack file is parsed with libyaml into a stack: its services, each as
 * the body of an Engine API POST /containers/create, and the x-plantdeck
 * extension (placement and rollout policy).  Nothing is deployed from a
 * file that does not parse: every error is one line naming
 * "FILE:LINE:COLUMN: message" (1-based); a key plantdeck does not support
 * is a warning naming it, with its position.  Services Compose would not
 * start (profiles not enabled, scale or replicas 0) are left out, with a
 * warning; compose_set_options gives the profiles and images a front end
 * was told (plantdeck deploy --profile, --image).
 *
 * x-plantdeck.target says what runs the stack: "engines" (the default,
 * plantdeck's rollout over standalone engines) or "swarm" (one Swarm
 * service per compose service).  Under target swarm, deploy.mode (global,
 * the default, or replicated), deploy.replicas and deploy.endpoint_mode are
 * read, networks are overlay networks, and the keys Swarm cannot do
 * (privileged, devices, a network_mode other than host, a port bound to a
 * host address, SELinux relabelling of a bind) are errors naming the key;
 * canary and grow, plantdeck-engine notions, are warnings.
 *
 * A stack also has a canonical form, a JSON text that holds everything a
 * deploy needs (no file is read again): revisions store it, and
 * compose_from_json() turns it back into a stack for a rollback.  A deploy
 * record keeps its policy and target as JSON too (compose_policy_to_json);
 * the one codec (compose-codec.c) writes and reads the policy in both, and
 * accepts the ranges a stack file does.
 *
 * The stack format is backend/deploy/compose*.c: compose.c loads a file,
 * compose-vars.c interpolates variables, compose-values.c reads typed
 * values, compose-service.c the services, compose-policy.c x-plantdeck,
 * compose-codec.c the JSON, compose-secrets.c secrets and configs (kept
 * as sources and digests, never a secret's content); compose-int.h is
 * what they share. */
#ifndef PLANTDECK_COMPOSE_H
#define PLANTDECK_COMPOSE_H

#include <stddef.h>
#include <cjson/cJSON.h>

enum compose_failure_action {
	COMPOSE_FAIL_PAUSE,
	COMPOSE_FAIL_ROLLBACK,
	COMPOSE_FAIL_CONTINUE,
};

enum compose_order {
	COMPOSE_STOP_FIRST,
	COMPOSE_START_FIRST,
};

/* x-plantdeck.target: what runs the stack. */
enum compose_target {
	COMPOSE_TARGET_ENGINES,      /* plantdeck's own rollout over standalone engines */
	COMPOSE_TARGET_SWARM,        /* one Swarm service per compose service */
};

/* deploy.mode of a service under target swarm. */
enum compose_mode {
	COMPOSE_MODE_GLOBAL,         /* one task on every target node (the default) */
	COMPOSE_MODE_REPLICATED,     /* deploy.replicas tasks, at most one per node */
};

/* depends_on condition: what a service waits for on its node before it
 * starts (compose-net.c). */
enum compose_dep_condition {
	COMPOSE_DEP_STARTED,         /* service_started (the default) */
	COMPOSE_DEP_HEALTHY,         /* service_healthy */
	COMPOSE_DEP_COMPLETED,       /* service_completed_successfully: exited 0 */
};

/* The rollout policy: x-plantdeck.rollout, every key optional. */
struct compose_policy {
	int canary;                  /* nodes in the first wave, which must also pass
	                                monitor before any other node is touched; 0 none
	                                (default 1) */
	int parallelism;             /* largest later wave; 0 = no limit (default 0) */
	int grow;                    /* later waves double from the canary's size up to
	                                parallelism (default 1); 0: every wave is
	                                parallelism nodes */
	double delay;                /* s between waves (default 0) */
	double monitor;              /* s a node must stay up after it is healthy (default 10) */
	double progress_deadline;    /* s for one node from switch to healthy (default 120) */
	double max_failure_ratio;    /* of all targets, 0..1 (default 0.05) */
	enum compose_failure_action failure_action;   /* default pause */
	enum compose_order order;    /* default stop-first */
	int revisions;               /* revisions kept per stack (default 5, 1..100) */
	int max_pulls;               /* concurrent pulls per registry host (default 8) */
};

struct compose_service {
	char *name;                  /* the key under services: */
	char *image;                 /* as written, after interpolation */
	int has_healthcheck;         /* the file gives one (the image may too) */
	cJSON *create;               /* POST /containers/create body, without Labels
	                                that plantdeck adds and without a name */
	int line, column;            /* where the service is defined */
	enum compose_mode mode;      /* target swarm: deploy.mode (else global) */
	int replicas;                /* target swarm, replicated: deploy.replicas (default 1) */
	int dnsrr;                   /* target swarm: deploy.endpoint_mode dnsrr (DNS round
	                                robin; else Swarm's virtual IP) */
	cJSON *endpoints;            /* without network_mode: the networks
	                                it joins, {NAME: Engine EndpointSettings} in the
	                                file's order (the first one it is created on) */
	cJSON *depends_on;           /* target engines: [{"service", "condition",
	                                "restart", "required"}] in file order, or NULL */
	cJSON *secrets;              /* its secrets and configs, [{"kind", "source",
	                                "target", "uid", "gid", "mode"}], or NULL
	                                (compose-secrets.c) */
};

struct compose_stack {
	char *file;                  /* the path it came from, or "revision" */
	char *name;                  /* x-plantdeck.stack, else name:, else the file's
	                                directory name normalised as Compose does
	                                ([a-z0-9][a-z0-9_-]*); [a-zA-Z0-9][a-zA-Z0-9_.-]* */
	struct compose_service *services;   /* in file order */
	size_t nservices;
	char *placement;             /* a node selector ("line=A,cell=3") or NULL: all */
	enum compose_target target;  /* x-plantdeck.target (default engines) */
	struct compose_policy policy;
	cJSON *networks;             /* [{"key", "name", "external",
	                                "create": POST /networks/create body}], or NULL */
	cJSON *secrets;              /* top-level secrets and configs: [{"kind", "key",
	                                "name", a source, "sha256"}], never the content
	                                of a secret (compose-secrets.c), or NULL */
	cJSON *volumes;              /* both targets: the named volumes services mount,
	                                [{"key", "name", "external", "create": POST
	                                /volumes/create body}] (compose-volumes.c), or NULL */
	char **warnings;             /* "FILE:LINE:COL: unsupported key 'x' ignored" */
	size_t nwarnings;
};

/* The policy every key of which is at its default. */
void compose_policy_defaults(struct compose_policy *p);

/* Load the stack file PATH.  ${VAR} and ${VAR:-default} are taken from the
 * environment, then from a .env file beside PATH (the environment wins);
 * ${VAR:?message} is an error when VAR is unset or empty, $$ is a '$'.
 * 0, or -1 with ERR and *OUT NULL. */
int compose_load(const char *path, struct compose_stack **out, char *err, size_t errlen);

/* compose_load with the variables VARS ("NAME=VALUE", NVARS of them) set
 * for this load alone: they win over the environment and .env (the last
 * one of a name wins).  A bad one is an error naming it. */
int compose_load_vars(const char *path, const char *const *vars, size_t nvars,
    struct compose_stack **out, char *err, size_t errlen);

/* The canonical JSON text of STACK (a new string; NULL on allocation
 * failure).  Two loads of the same file give the same text. */
char *compose_to_json(const struct compose_stack *stack);

/* A stack from its canonical text; 0, or -1 with ERR. */
int compose_from_json(const char *json, struct compose_stack **out, char *err, size_t errlen);

/* The JSON text a deploy record keeps: target T and policy P, the fields
 * of the canonical text's "policy" ({"target":"engines","canary":1,...}).
 * A new string; NULL on allocation failure. */
char *compose_policy_to_json(const struct compose_policy *p, enum compose_target t);

/* A policy and target from that text, every field checked as a stack
 * file's is; a text without a target (from before targets) is engines.
 * 0, or -1 with ERR ("policy: bad field 'parallelism'") and P and T as
 * they were. */
int compose_policy_from_json(const char *json, struct compose_policy *p, enum compose_target *t,
    char *err, size_t errlen);

void compose_free(struct compose_stack *stack);

/* What the front end gives every load: the profiles enabled (plantdeck
 * deploy --profile; none: COMPOSE_PROFILES, as Compose reads it) and
 * images per service ("SERVICE=REF", --image), which win over the file's
 * image: and x-plantdeck.images. */
struct compose_options {
	char **profiles;
	size_t nprofiles;
	char **images;
	size_t nimages;
};

/* Set O (copied) for every later compose_load; NULL clears.  0, or -1
 * with ERR naming a bad --image. */
int compose_set_options(const struct compose_options *o, char *err, size_t errlen);

/* The warnings of stack file PATH in file order, also when it has errors
 * (which compose_load tells): a new array of new strings in *OUT, *N of
 * them (none when the file cannot be read).  0. */
int compose_warnings(const char *path, char ***out, size_t *n);

/* The order a node's services start in (ORDER gets STACK->nservices
 * indexes): each after the ones it depends on (depends_on, network_mode
 * service:NAME), else in file order; they stop in reverse.  0, or -1 with
 * ERR (a cycle, or a required service missing). */
int compose_start_order(const struct compose_stack *stack, size_t *order, char *err,
    size_t errlen);

/* The condition of depends_on entry D, and a condition's name. */
enum compose_dep_condition compose_dep_condition(const cJSON *d);
const char *compose_dep_condition_name(enum compose_dep_condition c);

/* Secrets and configs (compose-secrets.c).  The content of definition DEF
 * (an item of stack->secrets) read again from its source and checked
 * against the sha256 recorded when the file was loaded: a new buffer in
 * *DATA of *LEN bytes, which the caller clears and frees.  0, or -1 with
 * ERR ("secret 'db': /srv/pw changed since the revision was made ..."). */
int compose_secret_read(const cJSON *def, char **data, size_t *len, char *err, size_t errlen);

/* The definition KEY of KIND ("secret" or "config") in STACK, or NULL. */
const cJSON *compose_secret_find(const struct compose_stack *stack, const char *kind,
    const char *key);
/* The named volume of STACK whose engine name is NAME ({"key", "name",
 * "external", "create"}), or NULL: not one of the stack's. */
const cJSON *compose_volume_named(const struct compose_stack *stack, const char *name);

/* The changes from revision OLD to NEW of a stack (plan-diff.c): a new
 * array of *N new lines ("service plc: image A -> B", "service plc: env
 * TAG 1 -> 2", "rollout canary 1 -> 2", "volume x added", ...; "no change"
 * when there is none); a variable that looks like a credential
 * (compose_var_secret) is named without its values.  0, or -1 out of
 * memory.  Free with compose_diff_free. */
int compose_diff(const struct compose_stack *old, const struct compose_stack *new,
    char ***lines, size_t *n);
void compose_diff_free(char **lines, size_t n);
/* Whether variable NAME (LEN bytes) looks like a credential: PASSWORD,
 * TOKEN, SECRET, KEY, ... in any case; its value is not shown. */
int compose_var_secret(const char *name, size_t len);

/* Names of the enums, as written in a file. */
const char *compose_failure_action_name(enum compose_failure_action a);
const char *compose_order_name(enum compose_order o);
const char *compose_target_name(enum compose_target t);
const char *compose_mode_name(enum compose_mode m);

#endif
