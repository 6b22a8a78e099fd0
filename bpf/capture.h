/* capture.h: the event the capture probes share with user space.
 *
 * One struct for every kind of event, told apart by `kind`; fixed-width
 * fields only, no pointers: it crosses the kernel boundary through one BPF
 * ring buffer.  Process ids are the host's (init pid namespace).
 *
 * Cgroup names are the leaf names of the cgroup directories, read in the
 * kernel at the moment of the event ("<64 hex>" for Docker's cgroupfs driver,
 * "docker-<64 hex>.scope" for its systemd driver), so that a process that
 * is gone by the time user space reads the event (a SIGKILLed target, an
 * OOM victim) is still mapped to its container.  User space turns them into
 * container ids (cgroup_container_id_from_name in backend/node/cgroup.c). */
#ifndef PLANTDECK_BPF_CAPTURE_H
#define PLANTDECK_BPF_CAPTURE_H

#define CAPTURE_CGROUP_LEN 96    /* "cri-containerd-<64>.scope" fits */
#define CAPTURE_PATH_LEN 256     /* exec'd file name, cut if longer */
#define CAPTURE_COMM_LEN 16      /* TASK_COMM_LEN */

/* Event kinds; also bits of the `kinds` filter (1 << kind). */
enum capture_kind {
	CAPTURE_EV_SIGNAL = 1,   /* a signal was generated for a task */
	CAPTURE_EV_OOM = 2,      /* the OOM killer chose a victim */
	CAPTURE_EV_EXEC = 3,     /* a task exec'd a new program */
	CAPTURE_EV_PTRACE = 4,   /* ptrace(PTRACE_ATTACH or PTRACE_SEIZE) */
};

/* Where the cgroup names come from (rodata `cgroup_source`). */
enum capture_cgroup_source {
	CAPTURE_CG_MEMORY = 0,   /* cgroup v1, the memory controller's hierarchy */
	CAPTURE_CG_CPU = 1,      /* cgroup v1, the cpu controller's hierarchy */
	CAPTURE_CG_DFL = 2,      /* cgroup v2, the default hierarchy */
};

/* Bits of `flags`. */
#define CAPTURE_F_TARGET_MAPPED 0x1  /* target fields were filled in the kernel */
#define CAPTURE_F_ACTOR_NS 0x2       /* the actor is in a child pid namespace:
                                        target_pid is a pid of that namespace */
#define CAPTURE_F_TRUNCATED 0x4      /* filename was cut */

struct capture_event {
	__u64 ts_ns;                     /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u32 kind;                      /* enum capture_kind */
	__u32 flags;                     /* CAPTURE_F_* */
	/* The actor: the sender of a signal, the tracer, the new program
	 * (exec), the task that was allocating (OOM). */
	__u32 pid;                       /* thread id */
	__u32 tgid;                      /* process id */
	__u32 ppid;                      /* parent's process id */
	__u32 uid;
	/* The target: the task a signal is for, the tracee, the OOM victim;
	 * for exec, the parent of the new program. */
	__u32 target_pid;
	__u32 target_tgid;
	__s32 sig;                       /* signal number (SIGNAL) */
	__s32 code;                      /* si_code (SIGNAL), request (PTRACE) */
	__s32 result;                    /* signal_generate's result (0 delivered,
	                                    1 ignored, 2 already pending, ...) */
	__u32 group;                     /* the signal is for the whole process */
	char comm[CAPTURE_COMM_LEN];
	char target_comm[CAPTURE_COMM_LEN];
	char cgroup[CAPTURE_CGROUP_LEN];         /* the actor's */
	char target_cgroup[CAPTURE_CGROUP_LEN];  /* the target's (exec: the parent's) */
	char filename[CAPTURE_PATH_LEN];         /* EXEC: the file exec'd */
};

#endif
