// SPDX-License-Identifier: GPL-2.0
/* capture.bpf.c: the anomaly probes — signals, OOM kills, execs, ptrace.
 *
 * Every program fills one struct capture_event (capture.h) in a per-CPU
 * scratch slot of its own and copies it into the one ring buffer; a copy
 * that does not fit is counted in `dropped`, never lost silently.
 *
 * The target of a signal or of the OOM killer is mapped to its container
 * here, in the kernel, from the task_struct the BTF tracepoints hand us
 * (tp_btf/signal_generate, tp_btf/mark_victim): a SIGKILLed process is gone
 * from /proc by the time user space reads the event.  The cgroup's leaf
 * name is read with CO-RE — on cgroup v1 through the memory controller's
 * hierarchy, task->cgroups->subsys[memory_cgrp_id]->cgroup->kn->name (the
 * cpu controller's when memory is not mounted), on v2 through
 * task->cgroups->dfl_cgrp->kn->name.  User space sets which in rodata.
 *
 * Older kernels without those BTF tracepoints get fallback programs on the
 * classic tracepoints (syscalls:sys_enter_kill/tkill/tgkill,
 * oom:mark_victim), which report the target's pid only; user space then maps
 * it through /proc, racing the target's exit.  User space picks one set
 * with bpf_program__set_autoload() before load.
 *
 * Filters are const volatile rodata, set before load: a flag per event
 * kind, a mask of the signals worth reporting (those that terminate, by
 * default), only signals that a process sent (kill, tkill, tgkill,
 * rt_sigqueueinfo, pidfd_send_signal — not the kernel's own SIGSEGV or OOM
 * SIGKILL), only targets in containers, and for exec only programs that
 * enter a container from outside (the parent is in another cgroup). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "capture.h"

char LICENSE[] SEC("license") = "GPL";

#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TKILL (-6)
#define PTRACE_ATTACH 16
#define PTRACE_SEIZE 0x4206

/* Filters, set by user space before load. */
const volatile __u32 kinds = 0;                  /* bits 1 << CAPTURE_EV_* */
const volatile __u64 sig_mask = 0;               /* bit (sig - 1) per signal */
const volatile __u32 user_signals_only = 1;      /* drop kernel-generated signals */
const volatile __u32 containers_only = 1;        /* targets in containers only */
const volatile __u32 skip_same_cgroup = 1;       /* drop signals/ptrace within one cgroup */
const volatile __u32 exec_entering_only = 1;     /* execs whose parent is elsewhere */
const volatile __u32 cgroup_source = CAPTURE_CG_MEMORY;
const volatile __u32 self_tgid = 0;              /* never report our own actions */

/* Counters user space reads through the skeleton's bss. */
__u64 dropped = 0;                               /* ring buffer was full */
__u64 emitted = 0;                               /* events sent */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} events SEC(".maps");

/* One scratch event per CPU and per program family, so that a program
 * interrupted by another on the same CPU never shares a slot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, struct capture_event);
} scratch SEC(".maps");

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

/* Whether events of KIND are wanted. */
static __always_inline int
want(__u32 kind)
{
	return (kinds >> kind) & 1;
}

/* A zeroed scratch event for KIND, or NULL. */
static __always_inline struct capture_event *
scratch_event(__u32 kind)
{
	struct capture_event *e = bpf_map_lookup_elem(&scratch, &kind);

	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->ts_ns = bpf_ktime_get_ns();
	return e;
}

/* Send E to user space, counting it or its loss. */
static __always_inline void
emit(struct capture_event *e)
{
	if (bpf_ringbuf_output(&events, e, sizeof(*e), 0) != 0)
		__sync_fetch_and_add(&dropped, 1);
	else
		__sync_fetch_and_add(&emitted, 1);
}

/* The cgroup of T in the hierarchy user space chose. */
static __always_inline struct cgroup *
task_cgroup(struct task_struct *t)
{
	struct css_set *cs = BPF_CORE_READ(t, cgroups);
	struct cgroup_subsys_state *css = NULL;
	int id;

	if (!cs)
		return NULL;
	if (cgroup_source == CAPTURE_CG_DFL)
		return BPF_CORE_READ(cs, dfl_cgrp);
	if (cgroup_source == CAPTURE_CG_CPU ||
	    !bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		id = bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id);
	else
		id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	if (id < 0 || id >= 16)
		return NULL;
	bpf_core_read(&css, sizeof(css), &cs->subsys[id]);
	if (!css)
		return NULL;
	return BPF_CORE_READ(css, cgroup);
}

/* Copy the leaf name of CG into BUF; returns the length read (with NUL). */
static __always_inline int
cgroup_name(struct cgroup *cg, char *buf)
{
	const char *name;

	if (!cg)
		return 0;
	name = BPF_CORE_READ(cg, kn, name);
	if (!name)
		return 0;
	return bpf_probe_read_kernel_str(buf, CAPTURE_CGROUP_LEN, name);
}

/* Whether C is a lower-case hex digit. */
static __always_inline int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Whether the cgroup name in NAME (LEN bytes with the NUL) looks like a
 * container's: 64 hex digits, or "<runtime>-<64 hex>.scope".  A cheap
 * first sieve; user space checks the name again, strictly.  Indexes are
 * masked to 0x7f for the verifier: NAME is a field of a scratch event with
 * at least 128 bytes behind it. */
static __noinline int
container_name(const char *name, int len)
{
	unsigned int n, start, i;

	if (!name || len <= 1)
		return 0;
	n = (unsigned int)len - 1;         /* without the NUL */
	if (n == 64) {
		start = 0;
	} else if (n >= 72 && n < CAPTURE_CGROUP_LEN) {
		if (name[(n - 6) & 0x7f] != '.' || name[(n - 71) & 0x7f] != '-')
			return 0;
		start = n - 70;
	} else {
		return 0;
	}
	for (i = 0; i < 64; i++)
		if (!is_hex(name[(start + i) & 0x7f]))
			return 0;
	return 1;
}

/* Fill the actor fields from the current task; returns the length of its
 * cgroup name and its cgroup in *CGP. */
static __always_inline int
fill_actor(struct capture_event *e, struct task_struct *cur, struct cgroup **cgp)
{
	__u64 pt = bpf_get_current_pid_tgid();
	struct cgroup *cg = task_cgroup(cur);
	int len;

	e->pid = (__u32)pt;
	e->tgid = pt >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->ppid = BPF_CORE_READ(cur, real_parent, tgid);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	len = cgroup_name(cg, e->cgroup);
	if (BPF_CORE_READ(cur, thread_pid, level) > 0)
		e->flags |= CAPTURE_F_ACTOR_NS;
	*cgp = cg;
	return len;
}

/* Fill the target fields from T; returns the length of its cgroup name. */
static __always_inline int
fill_target(struct capture_event *e, struct task_struct *t, struct cgroup **cgp)
{
	struct cgroup *cg = task_cgroup(t);

	*cgp = cg;
	e->target_pid = BPF_CORE_READ(t, pid);
	e->target_tgid = BPF_CORE_READ(t, tgid);
	bpf_probe_read_kernel_str(e->target_comm, sizeof(e->target_comm), t->comm);
	e->flags |= CAPTURE_F_TARGET_MAPPED;
	return cgroup_name(cg, e->target_cgroup);
}

/* Whether signal SIG passes the mask. */
static __always_inline int
sig_wanted(int sig)
{
	if (sig < 1 || sig > 64)
		return 0;
	return (sig_mask >> (sig - 1)) & 1;
}

/* ------------------------------------------------------------ signals */

SEC("tp_btf/signal_generate")
int BPF_PROG(pd_signal, int sig, struct kernel_siginfo *info, struct task_struct *task,
    int group, int result)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct cgroup *scg, *tcg = NULL;
	struct capture_event *e;
	int code, len;

	if (!want(CAPTURE_EV_SIGNAL) || !sig_wanted(sig))
		return 0;
	/* SEND_SIG_NOINFO (0) is a user's signal, SEND_SIG_PRIV (1) the kernel's. */
	if ((unsigned long)info == 0)
		code = SI_USER;
	else if ((unsigned long)info == 1)
		code = SI_KERNEL;
	else
		code = BPF_CORE_READ(info, si_code);
	if (user_signals_only && code != SI_USER && code != SI_TKILL && code != SI_QUEUE)
		return 0;
	if (self_tgid && (bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return 0;
	e = scratch_event(CAPTURE_EV_SIGNAL);
	if (!e)
		return 0;
	len = fill_target(e, task, &tcg);
	if (containers_only && !container_name(e->target_cgroup, len))
		return 0;
	fill_actor(e, cur, &scg);
	if (skip_same_cgroup && scg == tcg)
		return 0;
	e->sig = sig;
	e->code = code;
	e->result = result;
	e->group = group != 0;
	emit(e);
	return 0;
}

/* Fallback for kernels without tp_btf: the kill(2) family on entry; the
 * target is a pid that user space maps. */
static __always_inline int
on_kill_syscall(int target, int sig, int code)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct capture_event *e;
	struct cgroup *cg;

	if (!want(CAPTURE_EV_SIGNAL) || !sig_wanted(sig) || target <= 0)
		return 0;
	if (self_tgid && (bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return 0;
	e = scratch_event(CAPTURE_EV_SIGNAL);
	if (!e)
		return 0;
	fill_actor(e, cur, &cg);
	e->target_pid = target;
	e->sig = sig;
	e->code = code;
	emit(e);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_kill")
int pd_kill(struct trace_event_raw_sys_enter *ctx)
{
	return on_kill_syscall((int)BPF_CORE_READ(ctx, args[0]), (int)BPF_CORE_READ(ctx, args[1]),
	    SI_USER);
}

SEC("tracepoint/syscalls/sys_enter_tkill")
int pd_tkill(struct trace_event_raw_sys_enter *ctx)
{
	return on_kill_syscall((int)BPF_CORE_READ(ctx, args[0]), (int)BPF_CORE_READ(ctx, args[1]),
	    SI_TKILL);
}

SEC("tracepoint/syscalls/sys_enter_tgkill")
int pd_tgkill(struct trace_event_raw_sys_enter *ctx)
{
	return on_kill_syscall((int)BPF_CORE_READ(ctx, args[1]), (int)BPF_CORE_READ(ctx, args[2]),
	    SI_TKILL);
}

/* ------------------------------------------------------------ OOM kills */

/* Fill and send an OOM event for VICTIM (NULL: only its PID is known). */
static __always_inline int
on_oom(struct task_struct *victim, int pid)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct cgroup *cg, *tcg = NULL;
	struct capture_event *e;
	int len = 0;

	if (!want(CAPTURE_EV_OOM))
		return 0;
	e = scratch_event(CAPTURE_EV_OOM);
	if (!e)
		return 0;
	if (victim)
		len = fill_target(e, victim, &tcg);
	else
		e->target_pid = pid;
	if (victim && containers_only && !container_name(e->target_cgroup, len))
		return 0;
	fill_actor(e, cur, &cg);
	e->sig = 9;
	emit(e);
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(pd_oom, struct task_struct *task)
{
	return on_oom(task, 0);
}

/* Fallback for kernels whose mark_victim passes only the pid. */
SEC("tracepoint/oom/mark_victim")
int pd_oom_tp(struct trace_event_raw_mark_victim *ctx)
{
	return on_oom(NULL, BPF_CORE_READ(ctx, pid));
}

/* ------------------------------------------------------------ exec */

SEC("tracepoint/sched/sched_process_exec")
int pd_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct task_struct *parent;
	struct cgroup *cg, *pcg = NULL;
	struct capture_event *e;
	unsigned int off;
	int len, n;

	if (!want(CAPTURE_EV_EXEC))
		return 0;
	e = scratch_event(CAPTURE_EV_EXEC);
	if (!e)
		return 0;
	len = fill_actor(e, cur, &cg);
	if (containers_only && !container_name(e->cgroup, len))
		return 0;
	parent = BPF_CORE_READ(cur, real_parent);
	if (parent) {
		fill_target(e, parent, &pcg);
		if (exec_entering_only && pcg == cg)
			return 0;
	}
	off = BPF_CORE_READ(ctx, __data_loc_filename) & 0xffff;
	n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
	if (n == (int)sizeof(e->filename))
		e->flags |= CAPTURE_F_TRUNCATED;
	emit(e);
	return 0;
}

/* ------------------------------------------------------------ ptrace */

/* Fill and send a ptrace event; TARGET may be NULL (map it in user space). */
static __always_inline int
on_ptrace(struct trace_event_raw_sys_enter *ctx, int use_kfunc)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct task_struct *t = NULL;
	struct cgroup *cg, *tcg = NULL;
	struct capture_event *e;
	long req = BPF_CORE_READ(ctx, args[0]);
	int pid = (int)BPF_CORE_READ(ctx, args[1]);
	int len;

	if (!want(CAPTURE_EV_PTRACE) || (req != PTRACE_ATTACH && req != PTRACE_SEIZE) ||
	    pid <= 0)
		return 0;
	e = scratch_event(CAPTURE_EV_PTRACE);
	if (!e)
		return 0;
	fill_actor(e, cur, &cg);
	e->code = (int)req;
	e->target_pid = pid;
	/* bpf_task_from_pid() looks in the initial pid namespace: only
	 * meaningful when the tracer lives there too. */
	if (use_kfunc && !(e->flags & CAPTURE_F_ACTOR_NS)) {
		t = bpf_task_from_pid(pid);
		if (t) {
			len = fill_target(e, t, &tcg);
			bpf_task_release(t);
			if (containers_only && !container_name(e->target_cgroup, len))
				return 0;
			if (skip_same_cgroup && tcg == cg)
				return 0;
		}
	}
	emit(e);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_ptrace")
int pd_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	return on_ptrace(ctx, 1);
}

/* Fallback for kernels without the bpf_task_from_pid kfunc. */
SEC("tracepoint/syscalls/sys_enter_ptrace")
int pd_ptrace_nokf(struct trace_event_raw_sys_enter *ctx)
{
	return on_ptrace(ctx, 0);
}
