/* inventory.h: which nodes make up the plant, and how to reach them.
 *
 * An inventory comes from a YAML file, from the environment (DOCKER_HOST,
 * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, or the local socket), or from the
 * user's Docker contexts.  Every error is one line that names where it was
 * found: for a file, "FILE:LINE:COLUMN: message" (1-based), or "FILE: cannot
 * open: REASON"; otherwise prefixed with the variable, meta.json or context
 * at fault.  The constructors return 0, or -1 with *out NULL. */
#ifndef PLANTDECK_INVENTORY_H
#define PLANTDECK_INVENTORY_H

#include <stddef.h>

#include "backend/model/model.h"
#include "backend/engine/roles.h"

struct inv_label {
	char *key;
	char *value;
};

struct inv_node {
	char *name;          /* unique within the inventory */
	char *endpoint;      /* normalised: unix:///abs/path or tcp://host:port */
	int tls;             /* talk TLS (https) to a tcp endpoint */
	int tls_verify;      /* verify the server certificate (default 1) */
	char *tls_ca;        /* absolute paths, or NULL */
	char *tls_cert;
	char *tls_key;
	int insecure;        /* PD_INSECURE_PLAIN (plaintext tcp://) or _NOVERIFY (TLS
	                        without verification), which the inventory allowed
	                        (insecure: true; for the environment and contexts
	                        PLANTDECK_INSECURE=1); 0 when the engine is authenticated */
	struct inv_label *labels;
	size_t nlabels;
	int swarm_manager;   /* marked "swarm: manager": a Swarm manager to ask
	                        (managers are also detected from GET /info) */
	int line, column;    /* where the node was defined (0 if not a file) */
};

/* Action classes of the heal section (bits). */
#define INV_HEAL_RESTART 1u
#define INV_HEAL_RESCHEDULE 2u
#define INV_HEAL_ROLLBACK 4u
#define INV_HEAL_MEMORY 8u
#define INV_HEAL_QUARANTINE 16u
#define INV_HEAL_REAPPLY 32u

/* heal.auto: action classes approved without asking, for one stack. */
struct inv_heal_auto {
	char *stack;
	unsigned actions;    /* INV_HEAL_* */
};

/* The inventory's "heal:" section (doc/heal.md); zero when absent. */
struct inv_heal {
	struct inv_heal_auto *autos;
	size_t nautos;
	int memory_headroom; /* percent an OOM's limit may grow by; 0: unset (the default,
	                        50%); -1: off, no memory proposals */
	unsigned long long memory_max;  /* bytes: the most a limit is raised to; 0: unset
	                                   (half the node's memory) */
	double verify_window;           /* s an action is watched afterwards; 0: default */
	/* Detector thresholds; 0: the default (doc/heal.md). */
	int crash_restarts;             /* exits within crash_window that make a crash loop */
	double crash_window;            /* s */
	double oom_window;              /* s an oom event keeps its finding active */
	double clear_after;             /* s a finding must look resolved before it closes */
	double node_grace;              /* s a node may be unreachable before it is a finding */
	int anomaly_critical_only;      /* anomaly_severity: critical (else warning and up) */
};

/* One entry of the inventory's "registries:" map: where the credentials of
 * a registry are (never the credentials themselves); one of CONFIG and
 * HELPER is set.  backend/engine/registry-auth.c reads them. */
struct inv_registry {
	char *host;          /* normalised by registry_auth_host: "docker.io", "reg:5000" */
	char *config;        /* absolute path of a docker config.json, or NULL */
	char *helper;        /* NAME of docker-credential-NAME, or NULL */
	int line, column;    /* where the entry was defined */
};

/* The inventory's "audit:" section (doc/audit.md); zero when absent. */
struct inv_audit {
	int require;         /* refuse a change whose audit entry cannot be written */
	char *signer;        /* the audit signer's Unix socket, or NULL */
	char *public_key;    /* its PEM public key (for audit verify), or NULL */
	char *checkpoints;   /* its checkpoint file, or NULL (the default) */
};

/* agent: the node agents plantdeck starts and trusts (doc/agent.md). */
struct inv_agent {
	char *image;         /* the agent image pinned by digest (NAME@sha256:HEX), or NULL */
	char *records;       /* where agent --start records containers and keys, or NULL */
};

struct inventory {
	char *source;        /* the file's path, "environment" or "docker contexts" */
	char *site;          /* site name, or NULL */
	char *kiosk_exit_chord; /* keys that end a kiosk screen ("C-x C-q"), or NULL */
	struct inv_heal heal;   /* heal: policy */
	struct inv_audit audit; /* audit: settings */
	struct inv_agent agent; /* agent: settings */
	struct inv_node *nodes;
	size_t nnodes;
	struct inv_registry *registries;  /* registries: (a file inventory only) */
	size_t nregistries;
	struct inv_roles roles; /* roles: and four_eyes: (roles.h); zero when absent */
};

/* Load a YAML inventory; 0, or -1 with ERR set ("FILE:LINE:COL: ..."). */
int inventory_load(const char *path, struct inventory **out, char *err, size_t errlen);

/* The single node from DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH,
 * or unix:///var/run/docker.sock when DOCKER_HOST is unset. */
int inventory_from_env(struct inventory **out, char *err, size_t errlen);

/* Nodes from the Docker contexts under CONFIG_DIR (NULL: $DOCKER_CONFIG or
 * ~/.docker): the one called NAME, or all of them when NAME is NULL, sorted
 * by name, each labelled context=NAME. */
int inventory_from_contexts(const char *config_dir, const char *name,
    struct inventory **out, char *err, size_t errlen);

void inventory_free(struct inventory *inv);

/* Whether CHORD is 2..8 keys: C-a..C-z, F1..F12 or one printable
 * character, separated by spaces; if not, BAD says why. */
int inventory_chord_valid(const char *chord, char *bad, size_t badlen);

/* The value of label KEY on NODE, or NULL. */
const char *inventory_label(const struct inv_node *node, const char *key);

/* Check and normalise an endpoint URL; returns a new string or NULL with ERR. */
char *inventory_endpoint_normalise(const char *url, int tls, char *err, size_t errlen);

/* A node selector: comma-separated terms.  "key=value" and "key!=value"
 * test a label; a term without '=' is a node name, which may be a glob
 * ("press-*").  A node matches when every label term matches and, if there
 * are name terms, its name matches at least one of them:
 * "line=A,cell=3" is line A and cell 3; "press-01,press-02" is either node;
 * "line=A,press-*" is the press nodes of line A.  "key!=value" also matches
 * a node without the label.  Spaces around terms are ignored; empty terms,
 * keys or values are errors. */
struct inv_selector;
int inventory_selector_parse(const char *text, struct inv_selector **out,
    char *err, size_t errlen);
/* Whether NODE matches SEL (a NULL SEL matches every node). */
int inventory_selector_match(const struct inv_selector *sel, const struct inv_node *node);
void inventory_selector_free(struct inv_selector *sel);

/* Keep only the nodes of INV that SEL matches, in order; returns how many. */
size_t inventory_filter(struct inventory *inv, const struct inv_selector *sel);

/* The inventory a backend configuration names (file, contexts or the
 * environment), narrowed by its selector: what backend_open, the tuner and
 * the agent load.  0, or -1 with ERR when it cannot be loaded or the
 * selector leaves no node. */
int inventory_for_config(const struct backend_config *cfg, struct inventory **out,
    char *err, size_t errlen);

/* Drop (and free) the nodes SEL does not match; returns how many remain. */
size_t inventory_filter(struct inventory *inv, const struct inv_selector *sel);

#endif
