/* thread.h: the one way a backend thread is started.
 *
 * A new thread inherits its creator's signal mask.  The front ends handle
 * SIGWINCH, SIGINT, SIGTERM and SIGHUP on their own thread (the cockpit
 * redraws, the CLI and the agent stop cleanly), so every backend thread is
 * started with those signals, and SIGPIPE, blocked — whatever the caller's
 * mask was.  No front end needs to block anything around a backend call. */
#ifndef PLANTDECK_THREAD_H
#define PLANTDECK_THREAD_H

#include <pthread.h>

/* Start FN(ARG) on a new joinable thread *TH with the front ends' signals
 * blocked in it.  0, or the error number pthread_create returned. */
int pd_thread_start(pthread_t *th, void *(*fn)(void *), void *arg);

#endif
