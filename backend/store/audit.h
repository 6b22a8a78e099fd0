/* audit.h: the audit trail — an append-only, hash-chained table of who
 * changed what (deploys, rollbacks, approvals, rejections, automatic
 * actions, tuning), in the store's database.
 *
 * Each entry carries the SHA-256 of the entry before it (prev_hash) and
 * its own (hash), computed over a length-prefixed serialization of its
 * fields; doc/audit.md defines it so that an auditor can recompute it.
 * The chain shows an entry that was altered, removed or inserted after it
 * was written; on its own it cannot stop someone with write access to the
 * database from rewriting it: with a signer (audit-sign.h) every entry is
 * also signed with a key the writers cannot read. */
#ifndef PLANTDECK_AUDIT_H
#define PLANTDECK_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "backend/model/model.h"

struct store;

#define AUDIT_HASH_LEN 64            /* hex digits of a SHA-256 */

/* Append an entry: ACTION (a word: "deploy", "rollback", "pause", "tune",
 * "approve", "reject", "heal", ...), TARGET (what it acts on: "stack web
 * revision 4", "node lab-01 container plc"), DETAIL (free text, may be
 * NULL).  The actor is store_actor()'s.  Atomic across processes; 0, or
 * -1 with ERR (read-only store, database error). */
int audit_append(struct store *st, const char *action, const char *target,
    const char *detail, char *err, size_t errlen);

/* The same with an explicit ACTOR (automatic actions: "heal on HOST"). */
int audit_append_as(struct store *st, const char *actor, const char *action,
    const char *target, const char *detail, char *err, size_t errlen);

/* The entries written at or after SINCE (0: all), oldest first, in a new
 * array (pd_audit_free); 0, or -1 with ERR. */
int audit_list(struct store *st, time_t since, struct pd_audit_entry **out, size_t *n,
    char *err, size_t errlen);

/* Check the whole chain: every hash against its entry's content, every
 * prev_hash against the entry before, ids contiguous from 1.  0 when
 * intact (*COUNT entries); 1 when broken, with *FIRST_BAD the first entry
 * altered, removed or inserted and WHY a sentence that names it ("entry
 * 17: altered (its hash does not match its content)"); -1 with WHY when
 * the database cannot be read. */
int audit_verify(struct store *st, int64_t *first_bad, size_t *count, char *why,
    size_t whylen);

/* The same, and with PUBKEY (a PEM Ed25519 public key file; NULL: no
 * signature checks) every entry's signature and the chain against the
 * last checkpoint in CHECKPOINTS (NULL: AUDIT_CHECKPOINTS_DEFAULT): a
 * re-chained rewrite fails at the first rewritten entry, a tail removed
 * after the last checkpoint fails at its first entry.  REP says what was
 * checked (signed and unsigned entries, the checkpoint). */
int audit_verify_signed(struct store *st, const char *pubkey, const char *checkpoints,
    struct pd_audit_report *rep, int64_t *first_bad, char *why, size_t whylen);

struct audit_config;

/* Set the process's audit: settings (NULL: none): the signer every
 * append asks, and whether changes require their entry. */
void audit_configure(const struct audit_config *cfg);

/* A copy of the process's audit: settings. */
void audit_config_get(struct audit_config *out);

/* Whether audit.require is set: a change whose entry cannot be written
 * must be refused. */
int audit_required(void);

#ifdef UNITTEST
/* The hex SHA-256 of the serialization of one entry (doc/audit.md). */
int audit_hash(int64_t id, const char *time, const char *actor, const char *action,
    const char *target, const char *detail, const char *prev_hash,
    char out[AUDIT_HASH_LEN + 1]);
#endif

#endif
