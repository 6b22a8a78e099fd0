/* agent-trust.h: what makes a node's agent container trusted (doc/agent.md,
 * "A trusted agent").
 *
 * `plantdeck agent --node NAME --start` (agent-start.c) creates the agent
 * container from the image pinned by digest in the inventory (agent: image:),
 * hands it a fresh 32-byte key through PUT /containers/{id}/archive before
 * it starts, and writes a record (container id, image id, key) into the
 * records directory.  The agent seals every stdout line with an HMAC-SHA256
 * over the container id, a counter and the line; the cockpit follows only
 * the recorded container, and takes a line only when its MAC verifies and
 * its counter is newer than the last one taken. */
#ifndef PLANTDECK_AGENT_TRUST_H
#define PLANTDECK_AGENT_TRUST_H

#include <stddef.h>

#include "backend/model/model.h"

struct inventory;

#define AGENT_TRUST_KEY_LEN 32
#define AGENT_TRUST_IMAGE_LEN 80         /* "sha256:" and 64 hex digits, and room */

/* What --start recorded about a node's agent container. */
struct agent_trust_record {
	char id[PD_ID_LEN];                  /* the container id (64 hex digits) */
	char image_id[AGENT_TRUST_IMAGE_LEN]; /* the image id it was created from */
	unsigned char key[AGENT_TRUST_KEY_LEN];
};

/* The agent's side: the key it was handed, and its line counter. */
struct agent_trust_sealer {
	char id[PD_ID_LEN];                  /* its own container id, from the key file */
	unsigned char key[AGENT_TRUST_KEY_LEN];
	unsigned long long seq;              /* of the last line sealed */
};

/* Whether REF is an image pinned by digest (NAME@sha256:<64 hex>); if not,
 * WHY says what is wrong. */
int agent_trust_pin_valid(const char *ref, char *why, size_t whylen);

/* The records directory of INV (agent: records:, else "agents" beside the
 * default database); 0, or -1 with ERR. */
int agent_trust_dir(const struct inventory *inv, char *out, size_t outlen, char *err,
    size_t errlen);

/* Write R as node NODE's record in DIR (created 0700; the file 0600,
 * replaced atomically); 0, or -1 with ERR. */
int agent_trust_record_write(const char *dir, const char *node,
    const struct agent_trust_record *r, char *err, size_t errlen);

/* Read node NODE's record from DIR into R: 0, or -1 (none, or unreadable). */
int agent_trust_record_read(const char *dir, const char *node, struct agent_trust_record *r);

/* The key file's text handed to the container: "KEYHEX ID\n" into OUT. */
void agent_trust_key_text(const struct agent_trust_record *r, char *out, size_t outlen);

/* Load the key file PATH into S and remove the file; 0, or -1 with ERR. */
int agent_trust_sealer_load(struct agent_trust_sealer *s, const char *path, char *err,
    size_t errlen);

/* LINE (a JSON object) sealed with the next counter: a new string ending
 * in ,"seq":N,"mac":"HEX"}, or NULL (out of memory, or not an object). */
char *agent_trust_seal(struct agent_trust_sealer *s, const char *line);

/* Outcomes of agent_trust_open. */
enum {
	AGENT_TRUST_OK = 0,                  /* verified; the counter was newer */
	AGENT_TRUST_UNSEALED = -1,           /* no seq/mac members at its end */
	AGENT_TRUST_BAD_MAC = -2,            /* the MAC does not verify */
	AGENT_TRUST_REPLAY = -3,             /* a counter not newer than *LAST */
};

/* Verify sealed LINE of container ID with KEY, the counter newer than
 * *LAST (updated when verified).  On AGENT_TRUST_OK, LINE is cut back to
 * the object the agent sealed. */
int agent_trust_open(const unsigned char *key, const char *id, unsigned long long *last,
    char *line);

/* The domains of sealed objects: the agent's lines, and the manifest of
 * its node's containers that the backend hands it (agent-manifest.h). */
#define AGENT_TRUST_DOMAIN_LINE "plantdeck-agent-line-v1"
#define AGENT_TRUST_DOMAIN_MANIFEST "plantdeck-agent-manifest-v1"

/* LINE (a JSON object) sealed in DOMAIN with KEY, ID and counter SEQ (> 0):
 * a new string, or NULL. */
char *agent_trust_seal_in(const char *domain, const unsigned char *key, const char *id,
    unsigned long long seq, const char *line);

/* agent_trust_open for objects sealed in DOMAIN. */
int agent_trust_open_in(const char *domain, const unsigned char *key, const char *id,
    unsigned long long *last, char *line);

/* A word for an outcome of agent_trust_open ("bad MAC"). */
const char *agent_trust_why(int rc);

#endif
