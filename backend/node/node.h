/* node.h: what the node-local subsystem (backend/node/) offers the layers
 * above it — tuning a container's limits and checking them for drift
 * (tune.c), the headless node agent (agent.c) and its remote client
 * (agent-client.c, declared in agent-client.h, included here).
 *
 * These are entry points of the front ends: backend/backend.h includes this
 * header, so tui/ and cli/ still include backend.h alone.  The self-healer
 * calls them too, which is why they live below the facade.  They load the
 * inventory CFG names themselves (no struct backend is needed), and refuse
 * to change anything under CFG->read_only.  Errors: the rule at the top of
 * backend/backend.h.  See doc/agent.md. */
#ifndef PLANTDECK_NODE_H
#define PLANTDECK_NODE_H

#include <stddef.h>

#include "backend/model/model.h"
#include "backend/node/agent-client.h"
#include "backend/node/agent-trust.h"

/* ---- tune and drift check (tune.c) */

/* Check one KEY=VALUE without applying it; 0, or -1 with ERR. */
int backend_tune_parse(const char *kv, char *err, size_t errlen);

/* Set KV[0..NKV) (KEY=VALUE) on CONTAINER (name or id) of the node named
 * NODE (NULL: the one node of CFG that has it), through the Engine API where
 * it has the field and the cgroup files where it has not, then read it back.
 * Refused under CFG->read_only.  0 when everything reads back as asked, 1
 * when something does not (see RES), -1 with ERR when it could not be done. */
int backend_tune(const struct backend_config *cfg, const char *node, const char *container,
    char *const *kv, size_t nkv, struct pd_tune_result *res, char *err, size_t errlen);

/* Compare CONTAINER's cgroup files (and engine) with its desired values;
 * with FIX (refused under CFG->read_only) re-apply what drifted.  0 when no
 * drift remains, 1 when some does, -1 with ERR. */
int backend_tune_check(const struct backend_config *cfg, const char *node,
    const char *container, int fix, struct pd_tune_result *res, char *err, size_t errlen);

/* ---- the node agent (agent.c) */

/* The headless node agent: eBPF capture and the drift checker; its output
 * is JSON lines (doc/agent.md). */
struct agent;

struct agent_options {
	double drift_interval;           /* seconds between drift checks (0: 10) */
	double stats_interval;           /* seconds between "stats" lines (0: 60) */
	const char *const *allow;        /* exec allow list: paths or program names */
	size_t nallow;
	int all_signals;                 /* every signal, not only those that terminate */
	int no_capture;                  /* run the drift checker only */
	int no_drift;                    /* run the capture only */
	int own_containers;              /* report only containers a local engine knows
	                                    (an agent in a container, on a kernel that
	                                    other engines share) */
	const char *log_path;            /* diagnostics to this file (NULL: stderr) */
	const char *manifest;            /* no engine: the node's containers come from this
	                                    manifest file (agent-manifest.h), verified with
	                                    manifest_key and manifest_id; NULL: the local
	                                    engines of the inventory */
	const unsigned char *manifest_key;
	const char *manifest_id;
};

/* Prepare an agent for the local nodes of CFG's inventory; 0 or -1 with ERR. */
int agent_open(const struct backend_config *cfg, const struct agent_options *opt,
    struct agent **out, char *err, size_t errlen);

/* Start the capture and drift threads; the first lines say how capture
 * went ("unavailable: REASON" included).  0, or -1 with ERR (the system's
 * reason, e.g. "Cannot allocate memory"). */
int agent_start(struct agent *a, char *err, size_t errlen);

/* A file descriptor that becomes readable when output lines are pending. */
int agent_wakeup_fd(const struct agent *a);

/* The next output line (one JSON object, no newline), or NULL when none is
 * pending; the caller frees it. */
char *agent_next(struct agent *a);

/* Run one request line ("tune CONTAINER KEY=VALUE...", "check CONTAINER",
 * "fix CONTAINER", or "cgroup JSON": the cgroup side of a request the
 * backend sent with the container's engine record, doc/agent.md); its
 * result is queued as an output line. */
void agent_command(struct agent *a, const char *line);

/* Stop the threads (stop flag, wake, join) and unload the probes; a last
 * "stats" line is queued, and agent_next() still returns what is pending. */
void agent_stop(struct agent *a);

/* Stop if needed, and free everything. */
void agent_close(struct agent *a);

/* agent_remote_request(): in backend/node/agent-client.h, included above. */

#endif
