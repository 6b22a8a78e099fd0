/* compose-int.h: what the pieces of the stack format share.  Nothing
 * outside them includes it: compose.h is the stack format's public face.
 *
 *   compose.c          loading a stack file: the top level, the stack's
 *                      name, top-level volumes, warnings
 *   compose-vars.c     variables: ${VAR} interpolation, .env and env_file
 *                      files, the KEY=VALUE lists of environment: and labels:
 *   compose-values.c   typed scalars (sizes, durations, CPUs, words, names
 *                      of enums), lists, and mappings checked against a
 *                      schema, merges flattened
 *   compose-service.c  the service schema: one service into the body of a
 *                      POST /containers/create
 *   compose-policy.c   x-plantdeck: target, placement and the rollout
 *                      policy (its fields and their ranges), and the name
 *                      table of every enum
 *   compose-codec.c    the one JSON codec of stacks and policies
 *   compose-options.c  container options of one HostConfig field each
 *                      (tmpfs, ulimits, sysctls, extra_hosts, dns, logging)
 *   compose-extends.c  extends: the base service and Compose's merge
 *   compose-net.c      networks, network_mode and depends_on: the stack's
 *                      networks, endpoints, start order and its cycles
 *   compose-secrets.c  secrets and configs: their sources and digests,
 *                      the services' references, reading them again
 *   compose-volumes.c  named volumes: top-level volumes:, the engine name
 *                      a service's mount gets
 *
 * The file itself (reading it, the YAML document, FILE:LINE:COL errors) is
 * base/yamlfile.c's, shared with the inventory.  Internal names carry cp_. */
#ifndef PLANTDECK_COMPOSE_INT_H
#define PLANTDECK_COMPOSE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose.h"

/* ---- limits */

#define CP_MAX_FILE (4 * 1024 * 1024)	/* bytes of YAML */
#define CP_MAX_ENV_FILE (1024 * 1024)	/* bytes of one .env or env_file */
#define CP_MAX_JSON (64 * 1024 * 1024)	/* bytes of canonical text */
#define CP_MAX_SERVICES 256
#define CP_MAX_PAIRS 4096		/* keys of one mapping, merges included */
#define CP_MAX_ITEMS 4096		/* items of one list */
#define CP_MAX_MERGE 8			/* merges within merges */
#define CP_MAX_NEST 16			/* ${A:-${B:-...}} */
#define CP_MAX_TEXT (64 * 1024)		/* bytes of one value, interpolated */
#define CP_MAX_NAME 63			/* stack and service names */
#define CP_MAX_WARNINGS 256
#define CP_MAX_INT 999999999999999LL	/* cJSON prints it without an exponent */
#define CP_MAX_CPUS 4096
#define CP_MAX_PORT_RANGE 1024		/* ports in one "8000-8010" */
#define CP_MAX_EXTENDS 8		/* services in one chain of extends */

#define CP_NS 1000000000LL		/* ns in one second */

/* ---- types */

/* A growing byte buffer, always NUL-terminated once anything is in it. */
struct cp_buf {
	char *s;
	size_t len, size;
};

/* One variable of an env file. */
struct cp_var {
	char *key;
	char *value;		/* NULL: a bare key with no value anywhere */
};

struct cp_vars {
	struct cp_var *v;
	size_t n, size;
};

/* A stack file being read. */
struct cp_file {
	struct yf_file y;	/* the path, the document and where errors go */
	char *reldir;		/* its directory as given ("." when none) */
	char *dir;		/* its absolute directory */
	struct cp_vars dotenv;	/* the .env beside it */
	const char *const *set;	/* NAME=VALUE set for this load alone (they win over
				   the environment and .env), or NULL */
	size_t nset;
	struct compose_stack *stack;
	struct cp_vars images;	/* SERVICE=REF: --image, then x-plantdeck.images */
	char **profiles;	/* the profiles enabled (--profile, COMPOSE_PROFILES) */
	size_t nprofiles;
	int depth;		/* extends: followed so far */
	int partial;		/* reading a service extends: names (it may lack an image) */
	int quiet;		/* its warnings are told elsewhere */
};

/* A key and value of a mapping, merges flattened. */
struct cp_pair {
	yaml_node_t *k, *v;
};

/* What a mapping may hold: KEYS by the index its value is returned at,
 * and the compose keys plantdeck ignores with a warning. */
struct cp_schema {
	const char *const *keys;
	size_t nkeys;
	const char *const *unsupported;		/* NULL-terminated, or NULL */
	int extensions;				/* "x-" keys are ignored */
};

/* The names of an enum's values, by value. */
struct cp_names {
	const char *const *names;
	size_t n;
};

/* ---- compose.c */

/* Whether KEY is in the top level's key table or its list of unsupported
 * keys. */
int cp_top_key_known(const char *key);

/* A new empty stack from FILE with the default policy, or NULL. */
struct compose_stack *cp_stack_new(const char *file);

/* Add a "FILE:LINE:COLUMN: message" warning at MARK to the stack; only an
 * allocation failure is an error. */
int cp_warn(struct cp_file *f, const yaml_mark_t *mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Drop the entries of the top-level array *ARR that USED says no service
 * refers to, with a warning at each one's key in the mapping TOP (NULL:
 * none); an array left empty is freed.  WHAT names them ("volume"). */
int cp_drop_unused(struct cp_file *f, cJSON **arr, yaml_node_t *top, const char *what,
    int (*used)(const struct compose_stack *s, cJSON *item));

/* ---- compose-vars.c */

/* Flags of cp_str. */
#define CP_EMPTY_OK 1		/* an empty value is fine */
#define CP_SPACE_OK 2		/* tabs and line ends are fine (commands) */

/* Scalar N's value, interpolated, as a new string; WHAT names it in
 * messages ("'image'"). */
char *cp_str(struct cp_file *f, yaml_node_t *n, const char *what, int flags);

/* Set KEY to a copy of VALUE in V, replacing an earlier value; -1 on
 * allocation failure or too many. */
int cp_vars_put(struct cp_vars *v, const char *key, const char *value);

/* Free the variables of V. */
void cp_vars_clear(struct cp_vars *v);

/* Read env file PATH into VARS; a missing file is fine when OPTIONAL, else
 * an error at MARK naming WHAT. */
int cp_env_file(struct cp_file *f, const char *path, struct cp_vars *vars, int optional,
    const yaml_mark_t *mark, const char *what);

/* env_file N (a path or a list of them) into VARS. */
int cp_env_files(struct cp_file *f, yaml_node_t *n, struct cp_vars *vars);

/* environment or labels N (a list of KEY=VALUE, or a mapping) into VARS;
 * ENV: a bare key takes its value from the environment.  On an error VARS
 * is emptied. */
int cp_kv(struct cp_file *f, yaml_node_t *n, const char *what, int env, struct cp_vars *vars);

/* VARS as an array of "KEY=VALUE" (ENV) or an object of labels. */
cJSON *cp_vars_json(const struct cp_vars *vars, int env);

/* ---- compose-values.c */

/* Whether S is a good stack, service or volume name. */
int cp_valid_name(const char *s, size_t len);

/* Append LEN bytes of S to B (at most CP_MAX_TEXT bytes in all). */
int cp_buf_add(struct cp_buf *b, const char *s, size_t len);

/* The text of B, taken from it (an empty string when B is empty). */
char *cp_buf_take(struct cp_buf *b);

/* A whole number S in MIN..MAX; 0, or -1. */
int cp_parse_int(const char *s, long long min, long long max, long long *out);

/* Scalar N as a boolean, a whole number in MIN..MAX, a memory size in
 * bytes, a Go duration in ns, CPUs in NanoCpus, seconds (a duration or a
 * plain number, at most CP_MAX_INT ns), a ratio (0..1 or "5%"), or one of
 * NAMES (its value); 0, or -1 with an error naming WHAT. */
int cp_bool(struct cp_file *f, yaml_node_t *n, const char *what, int *out);
int cp_int(struct cp_file *f, yaml_node_t *n, const char *what, long long min, long long max,
    long long *out);
int cp_size(struct cp_file *f, yaml_node_t *n, const char *what, int64_t *out);
int cp_duration(struct cp_file *f, yaml_node_t *n, const char *what, int64_t *out);
int cp_cpus(struct cp_file *f, yaml_node_t *n, const char *what, int64_t *out);
int cp_seconds(struct cp_file *f, yaml_node_t *n, const char *what, double *out);
int cp_ratio(struct cp_file *f, yaml_node_t *n, const char *what, double *out);
int cp_enum(struct cp_file *f, yaml_node_t *n, const char *what, const struct cp_names *names,
    int *out);

/* command or entrypoint N: a list of words, or a string split like a
 * shell would. */
int cp_words(struct cp_file *f, yaml_node_t *n, const char *what, cJSON **out);

/* The pairs of mapping N, merges flattened, in a new array; -1 on error. */
int cp_pairs(struct cp_file *f, yaml_node_t *n, struct cp_pair **out, size_t *np);

/* Check that mapping N (the value of WHAT) holds only keys of SCHEMA:
 * VALS[i] and KEYN[i] get the value and key of its KEYS[i], or NULL (a
 * null value counts as none); an unsupported key is a warning. */
int cp_mapping(struct cp_file *f, yaml_node_t *n, const char *what,
    const struct cp_schema *schema, yaml_node_t **vals, yaml_node_t **keyn);

/* The items of list N (the value of WHAT), each checked to be a node. */
int cp_list(struct cp_file *f, yaml_node_t *n, const char *what, size_t *count);

/* Item I of list N. */
yaml_node_t *cp_item(struct cp_file *f, yaml_node_t *n, size_t i);

/* A list of strings N as a cJSON array in *OUT. */
int cp_string_list(struct cp_file *f, yaml_node_t *n, const char *what, int flags,
    cJSON **out);

/* Add string S to array ARR; -1 on allocation failure. */
int cp_add_string(cJSON *arr, const char *s);

/* ---- compose-options.c */

/* tmpfs N (a path or a list of "PATH[:OPTIONS]") into object TMPFS. */
int cp_tmpfs(struct cp_file *f, yaml_node_t *n, cJSON *tmpfs);

/* A tmpfs mount at TARGET of SIZE bytes (0: no size) into object TMPFS. */
int cp_tmpfs_add(struct cp_file *f, yaml_node_t *n, const char *target, int64_t size,
    cJSON *tmpfs);

/* ulimits, sysctls, extra_hosts, dns, logging N in the Engine API's shape. */
int cp_ulimits(struct cp_file *f, yaml_node_t *n, cJSON **out);
int cp_sysctls(struct cp_file *f, yaml_node_t *n, cJSON **out);
int cp_extra_hosts(struct cp_file *f, yaml_node_t *n, cJSON **out);
int cp_dns(struct cp_file *f, yaml_node_t *n, cJSON **out);
int cp_logging(struct cp_file *f, yaml_node_t *n, cJSON **out);

/* ---- compose-extends.c */

/* extends N of a service: read the service it names (in this file or in
 * another one) into BASE. */
int cp_extends(struct cp_file *f, yaml_node_t *n, struct compose_service *base);

/* OWN's create body merged into BASE's by Compose's rules (BASE is
 * changed); -1 on allocation failure. */
int cp_merge_create(cJSON *base, const cJSON *own);

/* ---- compose-service.c */

/* Whether KEY is in a service's key table or its list of unsupported
 * keys (for the test that holds them against the Compose Specification's
 * schema). */
int cp_service_key_known(const char *key);

/* Read service mapping V under key K into SVC: 0, 1 when the service is
 * not to be deployed (a profile not enabled, scale or replicas 0; a
 * warning says so), or -1. */
int cp_service(struct cp_file *f, yaml_node_t *k, yaml_node_t *v, struct compose_service *svc);

/* ---- compose-policy.c */

/* The name tables of the enums of compose.h. */
extern const struct cp_names cp_failure_actions, cp_orders, cp_targets, cp_modes;

/* The name of value V in NAMES (its first name when V is none of them). */
const char *cp_name(const struct cp_names *names, int v);

/* The value NAME has in NAMES, or -1. */
int cp_value(const struct cp_names *names, const char *name);

/* The fields of a rollout policy, in the order of x-plantdeck.rollout's
 * key table and of the canonical text. */
enum { RO_CANARY, RO_PARALLELISM, RO_GROW, RO_DELAY, RO_MONITOR, RO_DEADLINE,
	RO_RATIO, RO_ACTION, RO_ORDER, RO_REVISIONS, RO_PULLS, RO_NKEYS };

/* What a policy field holds. */
enum cp_kind {
	CP_KIND_INT,		/* a whole number in min..max */
	CP_KIND_BOOL,
	CP_KIND_SECONDS,	/* 0 to CP_MAX_INT ns, more than 0 when positive */
	CP_KIND_RATIO,		/* 0..1 */
	CP_KIND_ENUM,		/* one of names */
};

/* A policy field: its kind and the one range both the file and the JSON
 * readers check. */
struct cp_field {
	enum cp_kind kind;
	long long min, max;		/* CP_KIND_INT */
	int positive;			/* CP_KIND_SECONDS */
	const struct cp_names *names;	/* CP_KIND_ENUM */
};

/* The keys and the fields of a policy, by RO_ index. */
extern const char *const cp_policy_keys[RO_NKEYS];
extern const struct cp_field cp_policy_fields[RO_NKEYS];

/* Field I of P as a number (an enum as its value, grow as 0 or 1). */
double cp_policy_get(const struct compose_policy *p, int i);

/* Set field I of P to V (which the field's range allows). */
void cp_policy_set(struct compose_policy *p, int i, double v);

/* x-plantdeck N into the stack; *STACK_N gets its stack's node. */
int cp_plantdeck(struct cp_file *f, yaml_node_t *n, yaml_node_t **stack_n);

/* ---- compose-net.c */

/* The name table of enum compose_dep_condition. */
extern const struct cp_names cp_conditions;

/* Top-level networks: N into the stack. */
int cp_networks_top(struct cp_file *f, yaml_node_t *n);

/* networks NETS_N (key NETS_K), network_mode MODE_N and depends_on DEPS_N
 * (key DEPS_K) of service SVC (key SK); HC is its HostConfig. */
int cp_service_net(struct cp_file *f, struct compose_service *svc, yaml_node_t *sk, cJSON *hc,
    yaml_node_t *nets_n, yaml_node_t *nets_k, yaml_node_t *mode_n, yaml_node_t *deps_n,
    yaml_node_t *deps_k);

/* After the services (mapping SERVICES) are read: the networks of
 * top-level NETS (NULL: none) that no service joins dropped with a
 * warning; depends_on names services that exist and has no cycle (an
 * error at FILE:LINE:COL). */
int cp_net_check(struct cp_file *f, yaml_node_t *services, yaml_node_t *nets);

/* Whether a canonical text's networks array, depends_on array or
 * endpoints object is well formed. */
int cp_networks_valid(const cJSON *a);
int cp_depends_valid(const cJSON *a);
int cp_endpoints_valid(const cJSON *o);

/* ---- compose-secrets.c */

/* Top-level secrets or configs N (WHAT: "secrets", "configs") into the
 * stack: each source read once for its sha256, which is all that is kept. */
int cp_secrets_top(struct cp_file *f, yaml_node_t *n, const char *what);

/* A service's secrets SECRETS_N and configs CONFIGS_N (NULL: none) into
 * SVC->secrets, each naming a top-level definition. */
int cp_service_secrets(struct cp_file *f, struct compose_service *svc, yaml_node_t *secrets_n,
    yaml_node_t *configs_n);

/* Whether a canonical text's secrets array, or a service's (naming
 * definitions of STACK), is well formed. */
int cp_secrets_valid(const cJSON *a);
int cp_secret_refs_valid(const cJSON *a, const struct compose_stack *stack);
/* ---- compose-volumes.c */

/* Top-level volumes: N into the stack. */
int cp_volumes_top(struct cp_file *f, yaml_node_t *n);

/* The engine name of the volume a service mounts as KEY (at node N): a new
 * string, or NULL with an error when it is not declared. */
char *cp_volume_use(struct cp_file *f, yaml_node_t *n, const char *key);

/* After the services are read: the volumes of top-level VOLS (NULL: none)
 * that no service mounts dropped with a warning. */
int cp_volumes_check(struct cp_file *f, yaml_node_t *vols);

/* Whether a canonical text's volumes array is well formed. */
int cp_volumes_valid(const cJSON *a);

#endif
