/* store-serve.h: the heartbeat of each `plantdeck serve` on a database, so
 * that a cockpit on the same plant shows that a service runs the heal
 * executor (the header's SERVE mark; store-serve.c). */
#ifndef PLANTDECK_STORE_SERVE_H
#define PLANTDECK_STORE_SERVE_H

#include <stddef.h>
#include <time.h>

#include "backend/model/model.h"

struct store;

/* A serve beats every STORE_SERVE_BEAT s; one silent for longer than
 * STORE_SERVE_LIVE s (or whose pid is gone, on this host) is stale; one
 * silent for STORE_SERVE_FORGET s is no longer shown. */
#define STORE_SERVE_BEAT 5
#define STORE_SERVE_LIVE 15
#define STORE_SERVE_FORGET 600

/* This process (host, pid) is a serve started at STARTED, running the
 * heal detectors (HEAL), serving metrics at METRICS ("" none): its row
 * written with the beat NOW, rows forgotten long ago deleted.  0, or -1
 * with ERR. */
int store_serve_beat(struct store *st, time_t started, int heal, const char *metrics,
    time_t now, char *err, size_t errlen);

/* This process's serve ends: its row deleted. */
void store_serve_gone(struct store *st);

/* The serves of the database at NOW in *OUT: the newest live one, else the
 * newest stale one (OUT->state PD_SERVE_NONE when none); 0, or -1 with ERR. */
int store_serve_read(struct store *st, time_t now, struct pd_serve *out, char *err,
    size_t errlen);

#endif
