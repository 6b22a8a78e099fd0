/* reader.h: the store reader, a backend thread that reads deploys and heal
 * proposals from the database for the cockpit, so that its UI thread never
 * waits on SQLite (backend_records_take in backend.h). */
#ifndef PLANTDECK_READER_H
#define PLANTDECK_READER_H

#include <stdint.h>

#include "backend/model/model.h"

struct reader;
struct rollouts;
struct heal;

/* A reader of RO's and H's records; WAKE(CTX) is called (on the reader's
 * thread) when a new reading waits to be taken.  NULL out of memory. */
struct reader *reader_new(struct rollouts *ro, struct heal *h, void (*wake)(void *ctx),
    void *ctx);

/* Start its thread, once; later calls do nothing.  0, or an error number. */
int reader_start(struct reader *r);

/* Something of this process changed the records: read them soon. */
void reader_poke(struct reader *r);

/* Read deploy DEPLOY (-1: none) with its nodes too, and every finding
 * rather than the open ones (ALL_FINDINGS); read at once when it changed. */
void reader_watch(struct reader *r, int64_t deploy, int all_findings);

/* The newest reading not taken yet (the caller's to free), or NULL; never
 * waits on the database. */
struct pd_records *reader_take(struct reader *r);

/* Stop the thread and free everything. */
/* Ends the thread; pokes after it are harmless (the deploys and the healer
 * may still poke while they shut down). Idempotent. */
void reader_stop(struct reader *r);

void reader_free(struct reader *r);

#endif
