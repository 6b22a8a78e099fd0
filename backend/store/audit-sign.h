/* audit-sign.h: Ed25519 signatures over the audit trail, the signer that
 * holds the key, and its checkpoints of the chain's head.
 *
 * The private key is read only by the signer (`plantdeck audit-signer`, a
 * small root-owned service on a Unix socket); writers of the database ask
 * it to sign each new entry and never see the key.  The signer signs only
 * the entry after the head it signed last (id + 1, prev_hash = that head's
 * hash), so a writer cannot have a rewritten chain signed again; after
 * each signature it appends a signed checkpoint of the new head to a file
 * of its own and to syslog.  `audit verify` checks every signature and the
 * chain against the last checkpoint with the public key.  doc/audit.md
 * defines the messages and the file. */
#ifndef PLANTDECK_AUDIT_SIGN_H
#define PLANTDECK_AUDIT_SIGN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define AUDIT_SIG_HEX 128            /* hex digits of an Ed25519 signature */
#define AUDIT_CHECKPOINTS_DEFAULT "/var/log/plantdeck/audit-checkpoints"
#define AUDIT_SIGNER_SOCKET_DEFAULT "/run/plantdeck/audit-signer.sock"

/* What the inventory's audit: section says (doc/audit.md). */
struct audit_config {
	int require;                     /* refuse a change whose entry cannot be written */
	char signer[108];                /* the signer's socket; "": entries are not signed */
	char public_key[4096];           /* PEM public key for verify; "": not checked */
	char checkpoints[4096];          /* the checkpoint file; "": the default */
};

/* Fill C from an inventory's audit: values (any may be NULL). */
void audit_config_fill(struct audit_config *c, int require, const char *signer,
    const char *public_key, const char *checkpoints);

/* A checkpoint: the signed head of the chain. */
struct audit_checkpoint {
	int64_t id;                      /* the head entry */
	int64_t first;                   /* the first entry the signer signed */
	char hash[65];                   /* the head's hash */
	char time[40];                   /* when it was signed, ISO 8601 UTC */
	unsigned long uid;               /* the uid that asked for it */
	long line;                       /* its line in the file */
};

/* Load a PEM Ed25519 key from PATH: the private key (PRIV) or the public
 * one; NULL with ERR naming PATH. */
EVP_PKEY *audit_key_load(const char *path, int priv, char *err, size_t errlen);

/* The message an entry's signature covers, "plantdeck-audit-entry v1
 * id=ID hash=HASH"; the length written, or -1 when OUT is too small. */
int audit_entry_message(char *out, size_t len, int64_t id, const char *hash);

/* Sign MSG with KEY into hex SIG; 0 or -1. */
int audit_key_sign(EVP_PKEY *key, const char *msg, char sig[AUDIT_SIG_HEX + 1]);

/* Whether hex SIG is KEY's signature of MSG: 1 yes, 0 no (or not hex). */
int audit_key_check(EVP_PKEY *key, const char *msg, const char *sig);

/* Read the last checkpoint of the file PATH into CP, checking its
 * signature with KEY: 1 found, 0 the file is missing or empty, -1 with WHY
 * (unreadable, malformed, bad signature: "FILE line L: ..."). */
int audit_checkpoint_last(const char *path, EVP_PKEY *key, struct audit_checkpoint *cp,
    char *why, size_t whylen);

/* What `plantdeck audit-signer` is given. */
struct audit_signer_opts {
	const char *key;                 /* the private key file */
	const char *socket;              /* where to listen */
	const char *checkpoints;         /* the checkpoint file it appends to */
	const char *group;               /* the socket's group (mode 0660), or NULL (0600) */
	int no_syslog;                   /* do not send checkpoints to syslog */
};

/* Run the signer until *STOP is set (a signal handler's flag); 0, or -1
 * with ERR (key, socket or checkpoint file unusable). */
int audit_signer_run(const struct audit_signer_opts *o, volatile sig_atomic_t *stop,
    char *err, size_t errlen);

/* Ask the signer at SOCKET to sign entry ID (its PREV_HASH and HASH); 0
 * with SIG, or -1 with ERR (unreachable, or its refusal). */
int audit_signer_sign(const char *socket, int64_t id, const char *prev_hash,
    const char *hash, char sig[AUDIT_SIG_HEX + 1], char *err, size_t errlen);

#endif
