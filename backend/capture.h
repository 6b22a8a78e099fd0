/* capture.h: node-local eBPF capture.
 *
 * The only module that includes BPF skeletons.  When capture cannot run
 * (built with --disable-bpf, not root, no BTF) it says why once, as
 * "unavailable: <reason>", and everything else goes on working. */
#ifndef PLANTDECK_CAPTURE_H
#define PLANTDECK_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* Whether capture can run here; if not, REASON says why (no prefix). */
int capture_available(char *reason, size_t reasonlen);

/* What the smoke probe saw. */
struct capture_smoke_result {
	uint64_t hits;        /* kill(2) calls the kernel program counted */
	uint64_t events;      /* events read back from the ring buffer */
	uint64_t dropped;     /* ring buffer reservations that failed */
	uint32_t last_tgid;   /* sender of the last event */
	int32_t last_sig;     /* signal of the last event */
	char last_comm[16];   /* sender's command name, NUL-terminated */
};

/* Load the smoke probe, send ourselves N kill(pid, 0) calls and read them
 * back; 0 on success, or -errno with ERR set. */
int capture_smoke(unsigned n, struct capture_smoke_result *res,
    char *err, size_t errlen);

#endif
