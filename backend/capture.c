/* capture.c: loads eBPF programs and reads their ring buffers.
 *
 * The pattern is libbpf-bootstrap's: open, set const volatile rodata, load,
 * attach, ring_buffer__poll(), and one cleanup label that destroys the
 * skeleton.  libbpf's own messages go to the log file, never the screen. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "capture.h"
#include "log.h"

#ifdef HAVE_BPF
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "bpf/smoke.h"
#include "bpf/smoke.skel.h"
#endif

int
capture_available(char *reason, size_t reasonlen)
{
#ifndef HAVE_BPF
	snprintf(reason, reasonlen, "built with --disable-bpf");
	return 0;
#else
	struct stat st;

	if (geteuid() != 0) {
		snprintf(reason, reasonlen, "needs root (CAP_BPF and CAP_PERFMON)");
		return 0;
	}
	if (stat("/sys/kernel/btf/vmlinux", &st) != 0) {
		snprintf(reason, reasonlen, "kernel has no BTF (/sys/kernel/btf/vmlinux: %s)",
		    strerror(errno));
		return 0;
	}
	if (reasonlen > 0)
		reason[0] = '\0';
	return 1;
#endif
}

#ifdef HAVE_BPF
/* Tracepoints are found through tracefs; mount it when nobody has (as the
 * kernel documentation suggests, at /sys/kernel/tracing).  0 or -errno. */
static int
capture_ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0)
		return -errno;
	log_msg(LOG_INFO, "capture: mounted tracefs on /sys/kernel/tracing");
	return 0;
}

/* libbpf print callback: everything goes to the log file. */
static int
capture_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	size_t len;

	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	if (len > 0 && line[len - 1] == '\n')
		line[len - 1] = '\0';
	log_msg(level == LIBBPF_WARN ? LOG_WARN : LOG_DEBUG, "%s", line);
	return 0;
}

/* Ring buffer callback for the smoke probe. */
static int
capture_smoke_event(void *ctx, void *data, size_t size)
{
	struct capture_smoke_result *res = ctx;
	const struct smoke_event *e = data;

	if (size < sizeof(*e))
		return 0;
	res->events++;
	res->last_tgid = e->tgid;
	res->last_sig = e->sig;
	memcpy(res->last_comm, e->comm, sizeof(res->last_comm));
	res->last_comm[sizeof(res->last_comm) - 1] = '\0';
	return 0;
}
#endif

int
capture_smoke(unsigned n, struct capture_smoke_result *res, char *err, size_t errlen)
{
	char reason[256];

	memset(res, 0, sizeof(*res));
	if (!capture_available(reason, sizeof(reason))) {
		snprintf(err, errlen, "unavailable: %s", reason);
		return -ENOTSUP;
	}
#ifdef HAVE_BPF
	struct smoke_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	int rc = 0, tries;

	libbpf_set_print(capture_libbpf_print);
	rc = capture_ensure_tracefs();
	if (rc != 0) {
		snprintf(err, errlen, "unavailable: cannot mount tracefs on /sys/kernel/tracing: %s",
		    strerror(-rc));
		goto cleanup;
	}
	skel = smoke_bpf__open();
	if (skel == NULL) {
		rc = -errno;
		snprintf(err, errlen, "smoke: open: %s", strerror(errno));
		goto cleanup;
	}
	skel->rodata->filter_tgid = (__u32)getpid();
	skel->rodata->filter_sig = 0;
	rc = smoke_bpf__load(skel);
	if (rc != 0) {
		snprintf(err, errlen, "smoke: load: %s", strerror(-rc));
		goto cleanup;
	}
	rc = smoke_bpf__attach(skel);
	if (rc != 0) {
		snprintf(err, errlen, "smoke: attach to syscalls:sys_enter_kill: %s",
		    strerror(-rc));
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), capture_smoke_event, res, NULL);
	if (rb == NULL) {
		rc = -errno;
		snprintf(err, errlen, "smoke: ring buffer: %s", strerror(errno));
		goto cleanup;
	}
	for (unsigned i = 0; i < n; i++)
		kill(getpid(), 0);
	for (tries = 0; tries < 20 && res->events < n; tries++) {
		rc = ring_buffer__poll(rb, 50);
		if (rc < 0 && rc != -EINTR) {
			snprintf(err, errlen, "smoke: ring buffer poll: %s", strerror(-rc));
			goto cleanup;
		}
	}
	rc = 0;
	res->hits = skel->bss->hits;
	res->dropped = skel->bss->dropped;
cleanup:
	ring_buffer__free(rb);
	smoke_bpf__destroy(skel);
	return rc;
#else
	return -ENOTSUP;
#endif
}
