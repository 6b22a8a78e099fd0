/* thread.c: starting backend threads with the front ends' signals blocked
 * (see thread.h). */
#include "config.h"

#include <signal.h>

#include "backend/base/thread.h"

int
pd_thread_start(pthread_t *th, void *(*fn)(void *), void *arg)
{
	sigset_t set, old;
	int rc;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	/* The new thread takes the mask in force at pthread_create; the
	 * caller's own mask is given back at once. */
	pthread_sigmask(SIG_BLOCK, &set, &old);
	rc = pthread_create(th, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
