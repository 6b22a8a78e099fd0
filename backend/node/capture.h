/* capture.h: node-local eBPF capture.
 *
 * The only module that includes BPF skeletons.  When capture cannot run
 * (built with --disable-bpf, not root, no BTF) it says why once, as
 * "unavailable: <reason>", and everything else goes on working. */
#ifndef PLANTDECK_CAPTURE_H
#define PLANTDECK_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

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

/* ------------------------------------------------------------ anomaly capture
 *
 * capture_start() loads bpf/capture.bpf.c and runs one capture thread that
 * polls its ring buffer, maps every event to its container and applies the
 * rules; what they find is handed to a callback, on the capture thread.
 *
 * The rules: a terminating signal to a container's process from anything
 * other than its engine (dockerd, containerd, containerd-shim, runc,
 * docker-init, on the host) or its own container; an exec entering a
 * container from outside (its parent is not in the container: docker exec,
 * healthchecks, the container's own start) of a program not on the allow
 * list (the container's entrypoint, its healthcheck's program, the programs
 * in its org.plantdeck.exec-allow label, docker-init, and the configured
 * list); ptrace attach or seize into a container from outside.  OOM kills
 * are reported as events.  Container names come from the local engines
 * (inspect, cached). */

struct inv_node;

enum capture_report_type {
	CAPTURE_R_STATUS,     /* capture started, or is unavailable (and why) */
	CAPTURE_R_ANOMALY,    /* a rule fired */
	CAPTURE_R_OOM,        /* the OOM killer killed a container's process */
	CAPTURE_R_OVERRUN,    /* the ring buffer was full: events were lost */
};

enum capture_severity { CAPTURE_SEV_INFO, CAPTURE_SEV_WARNING, CAPTURE_SEV_CRITICAL };

/* A process, and the container it is in. */
struct capture_who {
	uint32_t pid, tgid;
	char comm[16];
	char container_id[65];       /* "" when on the host */
	char container_name[128];    /* "" when no engine knows the id */
};

struct capture_report {
	enum capture_report_type type;
	enum capture_severity severity;
	const char *rule;            /* "signal", "exec", "ptrace", "oom" */
	struct timespec when;        /* CLOCK_REALTIME of the kernel event */
	double delay_ms;             /* from the kernel event to this report */
	/* The container concerned: the signal's target's, the exec'd
	 * program's, the tracee's, the OOM victim's. */
	char container_id[65];
	char container_name[128];
	char node[128];              /* the engine that knows it, or "" */
	struct capture_who actor;    /* sender, new program, tracer, allocating task */
	uint32_t actor_ppid, actor_uid;
	struct capture_who target;   /* target, exec: the parent, victim */
	int sig, si_code, result, group;
	int request;                 /* ptrace request */
	char filename[256];          /* exec */
	int mapped_in_kernel;        /* the target was mapped to its container there */
	char text[320];              /* one line for humans */
	/* STATUS */
	int available;
	char status[320];            /* "running: ..." or "unavailable: REASON" */
	/* OVERRUN */
	uint64_t dropped;            /* lost since the last overrun report */
	uint64_t dropped_total;
};

typedef void (*capture_report_fn)(const struct capture_report *r, void *arg);

struct capture_config {
	const struct inv_node *nodes;   /* local engines, asked for container names */
	size_t nnodes;
	const char *const *allow;       /* exec allow list: paths or program names */
	size_t nallow;
	int all_signals;                /* every signal, not only those that terminate */
	capture_report_fn report;       /* called on the capture thread */
	void *arg;
	/* When set, asked instead of the engines (an agent with no engine):
	 * container ID's inspect object as JSON text in *JSON (to free) and
	 * its node in NODE; 0, or 1 when it is not known.  Not cached: called
	 * on the capture thread for every event, with ARG. */
	int (*lookup)(void *arg, const char *id, char **json, char *node, size_t nodelen);
};

struct capture_stats {
	uint64_t events;                /* read from the ring buffer */
	uint64_t dropped;               /* lost in the kernel (ring buffer full) */
	uint64_t anomalies, ooms;
	uint64_t ignored;               /* events no rule fired on */
	uint64_t lookups, lookup_failures;
};

struct capture;

/* Start capturing.  When capture cannot run here it reports one STATUS
 * "unavailable: REASON" and returns 0 all the same (with a capture that
 * does nothing); -1 only when out of memory. */
int capture_start(const struct capture_config *cfg, struct capture **out);

/* Counters so far. */
void capture_get_stats(struct capture *c, struct capture_stats *st);

/* Stop: stop flag, wake the thread, join it, destroy the skeleton. */
void capture_stop(struct capture *c);

/* Whether COMM is one of the container engine's own programs. */
int capture_engine_comm(const char *comm);

/* Whether FILENAME is on the allow list ALLOW[0..N): entries with a '/'
 * match the whole path, others the last component. */
int capture_allowed(const char *filename, const char *const *allow, size_t n);

/* Signal names: "SIGKILL", or "SIG41" for real-time signals. */
const char *capture_signal_name(int sig, char *buf, size_t buflen);

#endif
