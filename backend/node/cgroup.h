/* cgroup.h: a container's cgroup — finding it, reading and writing it.
 *
 * Pure file work, no threads and no engine: the tuner (tune.c) decides what
 * to change, this module knows where and how.  The cgroup root is a
 * parameter (normally /sys/fs/cgroup), so that the v2 logic is tested
 * against a temporary directory laid out like cgroupfs v2.
 *
 * Values are kept in the units of the cgroup v2 files whatever the version:
 * bytes for memory, microseconds for cpu.max, 1..10000 for cpu.weight.  On
 * v1 they are translated to memory.limit_in_bytes, memory.soft_limit_in_bytes,
 * cpu.cfs_quota_us/cpu.cfs_period_us and cpu.shares (with runc's conversion
 * between shares and weight).  Every error is one line naming the file or
 * the value at fault. */
#ifndef PLANTDECK_CGROUP_H
#define PLANTDECK_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#define CGROUP_ID_LEN 65                   /* 64 hex digits and the NUL */
#define CGROUP_PATH_LEN 512
#define CGROUP_UNLIMITED UINT64_MAX         /* "max" for bytes */
#define CGROUP_MEMORY_MIN (6ull << 20)      /* the Docker Engine's minimum limit */
#define CGROUP_PERIOD_DEFAULT 100000        /* µs, the kernel's and Docker's default */

/* ------------------------------------------------------------ container ids */

/* The container id in a cgroup directory's leaf NAME: "<64 hex>" (Docker's
 * cgroupfs driver), "docker-<64 hex>.scope" (its systemd driver), and the
 * same for "cri-containerd-", "crio-", "libpod-"; 0, or -1 when NAME is not
 * a container's. */
int cgroup_container_id_from_name(const char *name, char id[CGROUP_ID_LEN]);

/* The container id in a cgroup PATH ("/docker/<id>",
 * "/system.slice/docker-<id>.scope", "/kubepods/.../<id>"): the deepest
 * component that names a container; 0 or -1. */
int cgroup_container_id_from_path(const char *path, char id[CGROUP_ID_LEN]);

/* One line of /proc/PID/cgroup, "HIERARCHY:CONTROLLERS:PATH". */
struct cgroup_proc_line {
	int hierarchy;                     /* 0 for the v2 line */
	char controllers[128];             /* "memory", "cpu,cpuacct", "" (v2) */
	char path[CGROUP_PATH_LEN];        /* absolute, no ".." components */
};

/* Parse LINE (its newline, if any, ignored); 0 or -1 when malformed. */
int cgroup_parse_proc_line(const char *line, struct cgroup_proc_line *out);

/* Whether the comma-separated CONTROLLERS list names CONTROLLER. */
int cgroup_has_controller(const char *controllers, const char *controller);

/* Read PROC_ROOT/PID/cgroup (PROC_ROOT normally "/proc") and find PID's
 * container; the path of the hierarchy that gave it goes to PATH (may be
 * NULL).  0, or -1 when PID is gone or in no container. */
int cgroup_container_of_pid(const char *proc_root, int pid, char id[CGROUP_ID_LEN],
    char *path, size_t pathlen);

/* ------------------------------------------------------------ hierarchies */

enum cgroup_version { CGROUP_NONE = 0, CGROUP_V1 = 1, CGROUP_V2 = 2 };

struct cgroup_fs {
	char root[CGROUP_PATH_LEN];        /* "/sys/fs/cgroup" */
	enum cgroup_version version;
	int v1_memory;                     /* v1: ROOT/memory is mounted */
	char v1_cpu[16];                   /* v1: "cpu" or "cpu,cpuacct", "" if absent */
};

/* Detect the layout under ROOT: v2 when ROOT/cgroup.controllers exists, v1
 * when ROOT/memory or ROOT/cpu is a hierarchy (a hybrid host with an extra
 * v2 at ROOT/unified is v1).  0, or -1 with ERR. */
int cgroup_fs_detect(const char *root, struct cgroup_fs *fs, char *err, size_t errlen);

/* A container's cgroup directories (the same directory twice on v2). */
struct cgroup_dirs {
	char memory[CGROUP_PATH_LEN];      /* "" when not found */
	char cpu[CGROUP_PATH_LEN];
};

/* Find the directories of container ID.  With PID > 0 its
 * PROC_ROOT/PID/cgroup is read first (any driver, any --cgroup-parent);
 * then the cgroupfs-driver and systemd-driver layouts are tried under the
 * root.  0, or -1 with ERR when there is none: the container is not on
 * this machine, or not running. */
int cgroup_find_dirs(const struct cgroup_fs *fs, const char *id, const char *proc_root,
    int pid, struct cgroup_dirs *out, char *err, size_t errlen);

/* ------------------------------------------------------------ values */

/* Parse bytes: "268435456", "256M", "1G", "512k", "1.5G", "64MiB", "max"
 * (CGROUP_UNLIMITED).  Units are binary (k = 1024), any case, with an
 * optional "b", "ib".  0, or -1 with ERR ("'12X': unknown unit 'X' ..."). */
int cgroup_parse_bytes(const char *text, uint64_t *out, char *err, size_t errlen);

/* Parse a CPU amount: "0.5" or "2" CPUs, or "50%" of one CPU, into
 * nano-CPUs (1 CPU = 1000000000); 0.01 to 1024 CPUs.  0 or -1 with ERR. */
int cgroup_parse_cpus(const char *text, uint64_t *nanocpus, char *err, size_t errlen);

/* Parse cpu.max: "max", "QUOTA", "QUOTA PERIOD" or "QUOTA/PERIOD" in µs;
 * QUOTA >= 1000, 1000 <= PERIOD <= 1000000 (default 100000).  *QUOTA is -1
 * for max.  0 or -1 with ERR. */
int cgroup_parse_cpu_max(const char *text, int64_t *quota, uint64_t *period,
    char *err, size_t errlen);

/* Parse a cpu.weight, 1..10000; 0 or -1 with ERR. */
int cgroup_parse_weight(const char *text, unsigned *weight, char *err, size_t errlen);

/* Format bytes the way the parser reads them: "256M", "1536K", "max",
 * "1000" (plain bytes when not a whole number of KiB). */
void cgroup_format_bytes(uint64_t v, char *out, size_t outlen);

/* runc's conversion between cgroup v1 cpu.shares and v2 cpu.weight
 * (linear, runc < 1.3), and its inverse. */
unsigned cgroup_shares_to_weight(uint64_t shares);
uint64_t cgroup_weight_to_shares(unsigned weight);
/* The logarithmic conversion of runc >= 1.3 and crun >= 1.23 (1024 shares
 * is weight 100); an engine on v2 may use either. */
unsigned cgroup_shares_to_weight_log(uint64_t shares);

/* ------------------------------------------------------------ settings */

enum cgroup_key {
	CGROUP_MEMORY_MAX,      /* v2 memory.max, v1 memory.limit_in_bytes */
	CGROUP_MEMORY_HIGH,     /* v2 memory.high; v1 has none */
	CGROUP_MEMORY_LOW,      /* v2 memory.low, v1 memory.soft_limit_in_bytes */
	CGROUP_CPU_MAX,         /* v2 cpu.max, v1 cpu.cfs_quota_us + cpu.cfs_period_us */
	CGROUP_CPU_WEIGHT,      /* v2 cpu.weight, v1 cpu.shares (converted) */
	CGROUP_NKEYS
};

/* One setting in v2 units. */
struct cgroup_setting {
	enum cgroup_key key;
	uint64_t bytes;         /* MEMORY_*: bytes or CGROUP_UNLIMITED */
	int64_t quota;          /* CPU_MAX: µs per period, -1 for max */
	uint64_t period;        /* CPU_MAX: µs */
	unsigned weight;        /* CPU_WEIGHT: 1..10000 */
};

/* The v2 file name of KEY ("memory.max"). */
const char *cgroup_key_name(enum cgroup_key key);

/* The file (v1: the main file) KEY lives in for FS's version, or NULL when
 * that version has no such file (memory.high on v1). */
const char *cgroup_key_file(const struct cgroup_fs *fs, enum cgroup_key key);

/* Check S before writing it (ranges, v1 limits); 0 or -1 with ERR. */
int cgroup_validate(const struct cgroup_fs *fs, const struct cgroup_setting *s,
    char *err, size_t errlen);

/* Write S into the container's files; 0, or -1 with ERR naming the file. */
int cgroup_write(const struct cgroup_fs *fs, const struct cgroup_dirs *d,
    const struct cgroup_setting *s, char *err, size_t errlen);

/* Read KEY from the container's files into OUT; 0 or -1 with ERR. */
int cgroup_read(const struct cgroup_fs *fs, const struct cgroup_dirs *d, enum cgroup_key key,
    struct cgroup_setting *out, char *err, size_t errlen);

/* Whether A and B are the same setting as the kernel keeps it (memory is
 * kept in whole pages, "max" on v1 is a huge number). */
int cgroup_setting_equal(const struct cgroup_setting *a, const struct cgroup_setting *b);

/* Format S's value: "256M", "max", "50000 100000", "100". */
void cgroup_format_setting(const struct cgroup_setting *s, char *out, size_t outlen);

/* Counters and usage (UINT64_MAX: not available on this version). */
struct cgroup_stats {
	uint64_t memory_current;   /* v2 memory.current, v1 memory.usage_in_bytes */
	uint64_t events_high;      /* v2 memory.events */
	uint64_t events_max;
	uint64_t events_oom;
	uint64_t events_oom_kill;  /* v2 memory.events, v1 memory.oom_control */
	uint64_t failcnt;          /* v1 memory.failcnt */
};

/* Read the container's counters; 0, or -1 with ERR when none could be read. */
int cgroup_read_stats(const struct cgroup_fs *fs, const struct cgroup_dirs *d,
    struct cgroup_stats *out, char *err, size_t errlen);

#endif
