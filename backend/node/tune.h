/* tune.h: the tuner — resource limits of a container, their desired values
 * and drift.
 *
 * A tune goes through the Docker Engine API where the engine has the field
 * (POST /containers/{id}/update: Memory and MemorySwap, MemoryReservation,
 * NanoCpus or CpuQuota/CpuPeriod, CpuShares), so that the engine's view
 * stays true, and through the cgroup files where it has not (memory.high on
 * cgroup v2; cpu.weight on v2, which the engine can only approximate).
 *
 * Desired values: what plantdeck set, remembered per container in a
 * tune_store (in memory only; persistence comes with the database), and
 * otherwise what the engine has recorded in HostConfig.  Drift is a
 * container whose cgroup file (or engine record) no longer says what is
 * desired: the runtime or anyone rewriting it behind plantdeck's back.
 * Limits the engine never set and plantdeck never asked for are not
 * compared. */
#ifndef PLANTDECK_TUNE_H
#define PLANTDECK_TUNE_H

#include <stddef.h>
#include <stdint.h>

#include "backend/model/model.h"
#include "backend/node/cgroup.h"

struct engine;

/* The user-facing keys. */
enum tune_key {
	TUNE_MEMORY,        /* hard limit: engine Memory (+MemorySwap) */
	TUNE_MEMORY_HIGH,   /* v2 memory.high, cgroupfs only */
	TUNE_MEMORY_LOW,    /* engine MemoryReservation (v2 memory.low, v1 soft limit) */
	TUNE_CPUS,          /* engine NanoCpus (or CpuQuota when the container uses it) */
	TUNE_CPU_MAX,       /* engine CpuQuota/CpuPeriod (or NanoCpus) */
	TUNE_CPU_WEIGHT,    /* engine CpuShares; v2 cpu.weight written exactly */
	TUNE_NKEYS
};

/* One parsed KEY=VALUE. */
struct tune_request {
	enum tune_key key;
	char text[PD_TUNE_VALUE_LEN];   /* the value as given (printable) */
	struct cgroup_setting set;      /* in cgroup v2 units */
	uint64_t nanocpus;              /* TUNE_CPUS */
};

/* Parse "KEY=VALUE" (aliases: memory.max, memory.reservation); 0 or -1
 * with ERR. */
int tune_parse(const char *kv, struct tune_request *out, char *err, size_t errlen);

/* The user-facing name of KEY. */
const char *tune_key_name(enum tune_key key);

/* What the engine knows of a container (from inspect). */
struct tune_container {
	char id[CGROUP_ID_LEN];
	char name[PD_NAME_LEN];
	int pid;                        /* 0 when not running */
	int running;
	int64_t memory, memory_swap, memory_reservation;
	int64_t nano_cpus, cpu_quota, cpu_period, cpu_shares;
};

/* Parse an inspect body into C; 0 or -1. */
int tune_container_from_json(const char *json, struct tune_container *c);

/* Inspect REF (name or id) on E; 0, 1 when it does not exist (404), -1 with
 * ERR. */
int tune_inspect(struct engine *e, const char *ref, struct tune_container *c,
    char *err, size_t errlen);

/* The engine's recorded value of cgroup KEY for C; 1 when it has one. */
int tune_engine_setting(const struct tune_container *c, enum cgroup_key key,
    struct cgroup_setting *out);

/* Desired values, per container; thread-safe. */
struct tune_store;
struct tune_store *tune_store_new(void);
void tune_store_free(struct tune_store *st);
void tune_store_set(struct tune_store *st, const char *id, const struct cgroup_setting *s);
/* 1 and OUT when a value of KEY is remembered for ID. */
int tune_store_get(struct tune_store *st, const char *id, enum cgroup_key key,
    struct cgroup_setting *out);
/* Forget container ID (it was removed). */
void tune_store_forget(struct tune_store *st, const char *id);

/* Apply REQS to container REF on engine E, remember them, read them back
 * (engine, and cgroup files when FS is not NULL and the container is
 * local).  0 all ok, 1 something read back differently, -1 with ERR. */
int tune_apply(struct tune_store *st, struct engine *e, const struct cgroup_fs *fs,
    const char *proc_root, const char *ref, const struct tune_request *reqs, size_t n,
    struct pd_tune_result *res, char *err, size_t errlen);

/* Compare container C's files in DIRS (NULL: not local) with its desired
 * values; fills RES's items.  Returns the number of drifted items. */
int tune_compare(struct tune_store *st, const struct cgroup_fs *fs,
    const struct cgroup_dirs *dirs, const struct tune_container *c,
    struct pd_tune_result *res);

/* Check container REF on E for drift, and with FIX re-apply (engine update,
 * then the cgroup files for what is still off).  0 no drift left, 1 drift,
 * -1 with ERR. */
int tune_check(struct tune_store *st, struct engine *e, const struct cgroup_fs *fs,
    const char *proc_root, const char *ref, int fix, struct pd_tune_result *res,
    char *err, size_t errlen);

/* Re-apply the drifted items of RES by writing the cgroup files in DIRS;
 * returns how many were written. */
int tune_fix_files(struct tune_store *st, const struct cgroup_fs *fs,
    const struct cgroup_dirs *dirs, const struct tune_container *c,
    struct pd_tune_result *res);

/* The cgroup root and /proc to use: $PLANTDECK_CGROUP_ROOT and
 * $PLANTDECK_PROC_ROOT (for an agent with the host's mounted elsewhere),
 * else /sys/fs/cgroup and /proc. */
const char *tune_cgroup_root(void);
const char *tune_proc_root(void);

#endif
