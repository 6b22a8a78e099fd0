/* capture-load.c: a syscall-heavy load for bench/capture.
 *
 *   capture-load kill N PID [SIG [RATE]]
 *                                   N x kill(PID, SIG) (default SIGURG, whose
 *                                   default action is to ignore it), at most
 *                                   RATE a second (default: as fast as it can)
 *   capture-load exec N             N x fork + execve("/bin/true") + wait
 *
 * Prints the elapsed wall time in seconds and the operations per second:
 * "elapsed 1.234567 ops 200000 rate 162000". */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A checked positive number, or exit 2. */
static long
number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0) {
		fprintf(stderr, "capture-load: '%s': want a positive number\n", s);
		exit(2);
	}
	return v;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	double t0, t;
	long n, i;

	if (argc >= 4 && strcmp(argv[1], "kill") == 0) {
		pid_t pid = (pid_t)number(argv[3]);
		int sig = argc >= 5 ? (int)number(argv[4]) : SIGURG;
		double rate = argc >= 6 ? (double)number(argv[5]) : 0;

		n = number(argv[2]);
		t0 = now();
		for (i = 0; i < n; i++) {
			/* Paced: every 64 kills, wait until their time has come. */
			if (rate > 0 && i % 64 == 0)
				while (now() - t0 < (double)i / rate)
					;
			if (kill(pid, sig) != 0) {
				fprintf(stderr, "capture-load: kill(%d, %d): %s\n", (int)pid, sig,
				    strerror(errno));
				return 1;
			}
		}
	} else if (argc == 3 && strcmp(argv[1], "exec") == 0) {
		char *const av[] = { "true", NULL };
		char *const env[] = { NULL };
		int st;

		n = number(argv[2]);
		t0 = now();
		for (i = 0; i < n; i++) {
			pid_t p = fork();

			if (p < 0) {
				perror("capture-load: fork");
				return 1;
			}
			if (p == 0) {
				execve("/bin/true", av, env);
				_exit(127);
			}
			if (waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "capture-load: /bin/true failed\n");
				return 1;
			}
		}
	} else {
		fprintf(stderr, "usage: capture-load kill N PID [SIG [RATE]] | capture-load exec N\n");
		return 2;
	}
	t = now() - t0;
	printf("elapsed %.6f ops %ld rate %.0f\n", t, n, (double)n / t);
	return 0;
}
