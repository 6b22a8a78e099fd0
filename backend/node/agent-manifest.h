/* agent-manifest.h: what the agent of a remote node learns about its
 * node's containers, without the node's engine socket (doc/agent.md,
 * "Least privilege").
 *
 * The agent container holds no engine socket (which is root on the node).
 * The backend, which has the node's Engine API anyway, hands it a
 * manifest instead: the node's name and, for each running container, the
 * part of its inspect that the agent uses (Id, Name, Path, State.Running
 * and Pid, Config.Healthcheck.Test and the label org.plantdeck.exec-allow,
 * the HostConfig limits).  It is sealed like the agent's own lines, with
 * the agent's key, its container id and a counter (the time in ms), in its
 * own domain (AGENT_TRUST_DOMAIN_MANIFEST), and put into the agent's volume
 * as /run/plantdeck/manifest.json with PUT /containers/{id}/archive: by
 * --start before the agent starts, by the fleet when a container of the
 * node starts or goes, and after a tune through the agent.  The agent
 * takes a manifest only when it verifies and its counter is newer than the
 * last one taken; it names containers, builds their exec allow lists and
 * checks drift against their engine record from it. */
#ifndef PLANTDECK_AGENT_MANIFEST_H
#define PLANTDECK_AGENT_MANIFEST_H

#include <stddef.h>

#include "backend/model/model.h"

struct engine;
struct engine_reply;
struct agent_trust_record;
struct cJSON;

#define AGENT_MANIFEST_DIR "/run/plantdeck"
#define AGENT_MANIFEST_PATH AGENT_MANIFEST_DIR "/manifest.json"

/* ---- the backend's side */

/* The part of inspect body INSPECT the agent uses, as a new object. */
struct cJSON *agent_manifest_reduce(const struct cJSON *inspect);

/* NODE's manifest from engine E (its running containers, inspected), as an
 * unsealed JSON object in *OUT (to free); 0, or -1 with ERR. */
int agent_manifest_build(struct engine *e, const char *node, char **out, char *err,
    size_t errlen);

/* MANIFEST sealed for the agent of record REC (counter: the time in ms);
 * a new string, or NULL. */
char *agent_manifest_seal(const struct agent_trust_record *rec, const char *manifest);

/* Put the N files NAMES (DATA, MODE) into AGENT_MANIFEST_DIR of container
 * ID on E (a tar through PUT /containers/{id}/archive); 0, or -1 with R's
 * error. */
int agent_archive_put(struct engine *e, const char *id, const char *const *names,
    const char *const *data, const unsigned *modes, size_t n, struct engine_reply *r);

/* Build, seal and put NODE's manifest into its trusted agent container
 * (the one agent --start recorded, running from the recorded image); 0, or
 * -1 with ERR.  Refused under CFG->read_only. */
int agent_manifest_push(const struct backend_config *cfg, const char *node, char *err,
    size_t errlen);

/* agent_manifest_push for node IN of INV. */
struct inventory;
struct inv_node;
int agent_manifest_push_node(const struct inventory *inv, const struct inv_node *in,
    char *err, size_t errlen);

/* ---- the agent's side */

struct agent_manifest;

/* A reader of the manifest file PATH, verified with KEY and container ID
 * (copied); NULL when out of memory. */
struct agent_manifest *agent_manifest_open(const char *path, const unsigned char *key,
    const char *id);
void agent_manifest_close(struct agent_manifest *m);

/* Re-read the file when it changed; 1 when a newer manifest was taken. */
int agent_manifest_reload(struct agent_manifest *m);

/* Container ID (64 hex) in the manifest: 0 with its object as JSON text in
 * *JSON (to free) and the node's name in NODE; 1 when it is not there. */
int agent_manifest_find(struct agent_manifest *m, const char *id, char **json, char *node,
    size_t nodelen);

/* Every container of the manifest as JSON texts (*JSONS, N of them, each
 * and the array to free) and the node's name; 0, or -1 when none was ever
 * taken. */
int agent_manifest_list(struct agent_manifest *m, char ***jsons, size_t *n, char *node,
    size_t nodelen);

/* Counters: manifests taken, and rejected (bad MAC, not sealed, replayed). */
void agent_manifest_counts(struct agent_manifest *m, unsigned long *taken,
    unsigned long *rejected);

#endif
