/* bpf-smoke.c: proves the eBPF chain end to end on this kernel.
 *
 * As root with BTF: the smoke probe is loaded, attached to
 * syscalls:sys_enter_kill, fired 100 times and read back through its ring
 * buffer.  In a --disable-bpf build it checks that capture reports itself
 * unavailable with the reason.  Without root it skips (exit 77), saying so. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend/node/capture.h"

#define N 100

int
main(void)
{
	struct capture_smoke_result res;
	char err[256];
	int rc;

	rc = capture_smoke(N, &res, err, sizeof(err));
#ifndef HAVE_BPF
	if (rc == 0 || strcmp(err, "unavailable: built with --disable-bpf") != 0) {
		fprintf(stderr, "FAIL: expected 'unavailable: built with --disable-bpf', got rc=%d '%s'\n",
		    rc, err);
		return 1;
	}
	printf("ok: %s\n", err);
	return 0;
#else
	char reason[256];

	if (!capture_available(reason, sizeof(reason))) {
		printf("SKIP: eBPF capture cannot run here: %s\n", reason);
		return 77;
	}
	if (rc != 0) {
		fprintf(stderr, "FAIL: %s\n", err);
		return 1;
	}
	printf("hits=%llu events=%llu dropped=%llu last: tgid=%u sig=%d comm=%s\n",
	    (unsigned long long)res.hits, (unsigned long long)res.events,
	    (unsigned long long)res.dropped, res.last_tgid, res.last_sig, res.last_comm);
	if (res.hits != N || res.events != N || res.dropped != 0) {
		fprintf(stderr, "FAIL: expected %d hits and events, no drops\n", N);
		return 1;
	}
	if (res.last_tgid != (unsigned)getpid() || res.last_sig != 0 ||
	    strncmp(res.last_comm, "bpf-smoke", 9) != 0) {
		fprintf(stderr, "FAIL: event does not describe this process\n");
		return 1;
	}
	return 0;
#endif
}
