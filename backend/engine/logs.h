/* logs.h: one container's log stream, read by a thread of its own.
 *
 * GET /containers/REF/logs with timestamps, on its own thread and curl
 * multi handle, so that a node that hangs holds up nothing but this
 * stream, and closing it is a flag, a curl_multi_wakeup and a join.  The
 * body is split into lines (the engine's 8-byte frames demultiplexed into
 * stdout and stderr when the container has no TTY; the bytes as they are
 * when it has one), each with its timestamp, into a ring of the last
 * PD_LOGS_RING lines under a mutex that is never held across I/O.  Readers
 * copy the lines newer than the last one they have. */
#ifndef PLANTDECK_LOGS_H
#define PLANTDECK_LOGS_H

#include <stddef.h>
#include <stdint.h>

#include "backend/model/model.h"

struct inv_node;
struct logs;

/* Start streaming the log of container REF (a name or an id) of NODE as Q
 * says; POKE(CTX) is called from the stream's thread, at most ten times a
 * second, when lines came or the state changed.  NULL with ERR. */
struct logs *logs_open(const struct inv_node *node, const char *ref,
    const struct pd_logs_query *q, void (*poke)(void *ctx), void *ctx,
    char *err, size_t errlen);

/* The lines after sequence number AFTER (0: all kept), oldest first, in a
 * new array *OUT of *N (pd_log_lines_free), and the stream's state in *ST.
 * 0, or -1 out of memory. */
int logs_read(struct logs *l, uint64_t after, struct pd_log_line **out, size_t *n,
    struct pd_logs_status *st);

/* Stop the stream (its thread joined, its connection closed) and free it. */
void logs_close(struct logs *l);

#ifdef UNITTEST
/* The stream's parser without a thread or a connection: feed body bytes,
 * then read what the ring holds. */
struct logs *logs_parser_new(int timestamps);
int logs_parser_feed(struct logs *l, const char *data, size_t len);  /* -1 broken framing */
void logs_parser_end(struct logs *l);   /* the body ended: a last line without a newline */
#endif

#endif
