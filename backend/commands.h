/* commands.h: the command thread, a backend thread that runs the front
 * end's commands (container actions, heal decisions, deploy commands and
 * plans) so that its UI thread never waits on SQLite or on a lock a deploy
 * holds (backend_command_send in backend.h). */
#ifndef PLANTDECK_COMMANDS_H
#define PLANTDECK_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "backend/model/model.h"

struct commands;

/* A queue whose thread runs each command with RUN(CTX, C) (which fills its
 * result) and calls WAKE(CTX) when one is done.  NULL out of memory. */
struct commands *commands_new(void (*run)(void *ctx, struct pd_command *c),
    void (*wake)(void *ctx), void *ctx);

/* Queue C (taken over; its seq set, and in *SEQ), starting the thread on first use;
 * 0, or -1 (C untouched, still the caller's) when the thread cannot start
 * or the queue was stopped. */
int commands_send(struct commands *q, struct pd_command *c, uint64_t *seq);

/* The oldest command done and not taken yet (the caller's to free), or
 * NULL; never waits but on a short lock. */
struct pd_command *commands_take(struct commands *q);

/* Whether commands_stop was called: a command that retries gives up. */
int commands_stopping(struct commands *q);

/* Commands sent and not done yet. */
size_t commands_pending(struct commands *q);

/* Run what is queued, then end the thread; later sends are refused.
 * Idempotent. */
void commands_stop(struct commands *q);

/* Stop, and free everything (commands done and not taken too). */
void commands_free(struct commands *q);

#endif
