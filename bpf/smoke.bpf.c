// SPDX-License-Identifier: GPL-2.0
/* smoke.bpf.c: the smallest probe that exercises the whole eBPF chain.
 *
 * It watches kill(2) on entry, keeps only calls made by one process (set
 * through rodata before load) with one signal number, counts them and sends
 * each to user space through a ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "smoke.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 filter_tgid = 0;
const volatile __s32 filter_sig = 0;

__u64 hits = 0;
__u64 dropped = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_kill")
int smoke_kill(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct smoke_event *e;

	if (filter_tgid && tgid != filter_tgid)
		return 0;
	if ((__s32)BPF_CORE_READ(ctx, args[1]) != filter_sig)
		return 0;
	__sync_fetch_and_add(&hits, 1);

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->tgid = tgid;
	e->target = (__u32)BPF_CORE_READ(ctx, args[0]);
	e->sig = (__s32)BPF_CORE_READ(ctx, args[1]);
	e->pad = 0;
	e->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
