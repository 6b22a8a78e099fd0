/* smoke.h: the event the smoke probe shares with user space.
 *
 * The smoke probe exists to prove the eBPF chain end to end (clang -target
 * bpf, bpftool skeleton, CO-RE load, tracepoint attach, ring buffer).
 * Fixed-width fields only: this struct crosses the kernel boundary. */
#ifndef PLANTDECK_BPF_SMOKE_H
#define PLANTDECK_BPF_SMOKE_H

struct smoke_event {
	__u32 tgid;      /* sender's process id */
	__u32 target;    /* pid argument of kill(2) */
	__s32 sig;       /* signal argument of kill(2) */
	__u32 pad;
	__u64 cgroup_id; /* sender's cgroup v2 id (0 on pure v1) */
	char comm[16];   /* sender's command name */
};

#endif
