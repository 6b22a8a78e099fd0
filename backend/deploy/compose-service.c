/* compose-service.c: the service schema of a stack file.
 *
 * Each service becomes the body of an Engine API POST /containers/create
 * (cp_service), built in a fixed field order, so that two loads of one
 * file give the same canonical text: Image, Cmd, Entrypoint, Env, Labels,
 * ExposedPorts, Volumes, WorkingDir, User, Hostname, Healthcheck,
 * StopSignal, StopTimeout, then HostConfig (Binds, PortBindings, Devices,
 * Memory, MemoryReservation, NanoCpus, RestartPolicy, NetworkMode, CapAdd,
 * CapDrop, Privileged, ReadonlyRootfs, Tmpfs, Ulimits, Sysctls, Init,
 * ExtraHosts, Dns, LogConfig).  networks, network_mode and depends_on are
 * compose-net.c's: the networks a service joins are kept beside its body,
 * not in it.  Labels that plantdeck adds and the container's name are the
 * rollout's.  The long forms of volumes and ports are turned into the short
 * forms' text and read as those are.
 *
 * A service may be left out (cp_service returns 1, a warning says why):
 * its profiles are not enabled, or scale or deploy.replicas is 0.  A
 * service with extends: is merged into its base (compose-extends.c); an
 * image may come from --image or x-plantdeck.images, and a service with
 * build: and no image is an error that says how to give one.
 *
 * The key tables say what a service (and its deploy:, healthcheck: ...)
 * may hold and which compose keys are ignored with a warning.  Under
 * x-plantdeck target swarm, deploy.mode and deploy.replicas are read too,
 * and the keys a Swarm service cannot have are errors naming the key.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose-int.h"

/* ---------------------------------------------------------------- key tables */

enum { SVC_IMAGE, SVC_COMMAND, SVC_ENTRYPOINT, SVC_ENVIRONMENT, SVC_ENV_FILE,
	SVC_PORTS, SVC_VOLUMES, SVC_DEVICES, SVC_MEM_LIMIT, SVC_MEM_RESERVATION,
	SVC_CPUS, SVC_DEPLOY, SVC_RESTART, SVC_HEALTHCHECK, SVC_LABELS,
	SVC_NETWORK_MODE, SVC_CAP_ADD, SVC_CAP_DROP, SVC_PRIVILEGED, SVC_USER,
	SVC_READ_ONLY, SVC_WORKING_DIR, SVC_HOSTNAME, SVC_STOP_SIGNAL,
	SVC_STOP_GRACE, SVC_PROFILES, SVC_SCALE, SVC_TMPFS, SVC_ULIMITS, SVC_SYSCTLS,
	SVC_INIT, SVC_EXTRA_HOSTS, SVC_DNS, SVC_LOGGING, SVC_EXTENDS, SVC_NETWORKS,
	SVC_DEPENDS_ON, SVC_SECRETS, SVC_CONFIGS, SVC_NKEYS };
static const char *const cp_service_keys[SVC_NKEYS] = {
	[SVC_IMAGE] = "image", [SVC_COMMAND] = "command", [SVC_ENTRYPOINT] = "entrypoint",
	[SVC_ENVIRONMENT] = "environment", [SVC_ENV_FILE] = "env_file",
	[SVC_PORTS] = "ports", [SVC_VOLUMES] = "volumes", [SVC_DEVICES] = "devices",
	[SVC_MEM_LIMIT] = "mem_limit", [SVC_MEM_RESERVATION] = "mem_reservation",
	[SVC_CPUS] = "cpus", [SVC_DEPLOY] = "deploy", [SVC_RESTART] = "restart",
	[SVC_HEALTHCHECK] = "healthcheck", [SVC_LABELS] = "labels",
	[SVC_NETWORK_MODE] = "network_mode", [SVC_CAP_ADD] = "cap_add",
	[SVC_CAP_DROP] = "cap_drop", [SVC_PRIVILEGED] = "privileged", [SVC_USER] = "user",
	[SVC_READ_ONLY] = "read_only", [SVC_WORKING_DIR] = "working_dir",
	[SVC_HOSTNAME] = "hostname", [SVC_STOP_SIGNAL] = "stop_signal",
	[SVC_STOP_GRACE] = "stop_grace_period", [SVC_PROFILES] = "profiles",
	[SVC_SCALE] = "scale", [SVC_TMPFS] = "tmpfs", [SVC_ULIMITS] = "ulimits",
	[SVC_SYSCTLS] = "sysctls", [SVC_INIT] = "init", [SVC_EXTRA_HOSTS] = "extra_hosts",
	[SVC_DNS] = "dns", [SVC_LOGGING] = "logging", [SVC_EXTENDS] = "extends",
	[SVC_NETWORKS] = "networks", [SVC_DEPENDS_ON] = "depends_on",
	[SVC_SECRETS] = "secrets", [SVC_CONFIGS] = "configs",
};
/* The rest of the compose specification's service keys (and those of
 * older file formats docker-compose still reads): a warning naming them.
 * tests/unit/test-compose-spec.c holds this list and the one above against
 * the specification's JSON schema. */
static const char *const cp_service_unsupported[] = {
	"annotations", "attach", "blkio_config", "build", "cgroup", "cgroup_parent",
	"container_name", "cpu_count", "cpu_percent", "cpu_period",
	"cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpuset",
	"credential_spec", "develop", "device_cgroup_rules",
	"dns_opt", "dns_search", "domainname", "driver_opts", "expose",
	"external_links", "gpus", "group_add", "ipc", "isolation", "label_file",
	"links", "mac_address", "mem_swappiness", "memswap_limit", "models",
	"oom_kill_disable", "oom_score_adj", "pid", "pids_limit",
	"platform", "post_start", "pre_start", "pre_stop", "provider", "pull_policy",
	"pull_refresh_after", "runtime", "security_opt", "shm_size",
	"stdin_open", "storage_opt", "tty", "use_api_socket", "userns_mode", "uts",
	"volumes_from", "net", "volume_driver", "dockerfile", "lifecycle_hooks",
	NULL,
};

enum { DEP_RESOURCES, DEP_MODE, DEP_REPLICAS, DEP_ENDPOINT_MODE, DEP_NKEYS };
static const char *const cp_deploy_keys[DEP_NKEYS] = {
	[DEP_RESOURCES] = "resources", [DEP_MODE] = "mode", [DEP_REPLICAS] = "replicas",
	[DEP_ENDPOINT_MODE] = "endpoint_mode",
};
/* deploy.endpoint_mode under target swarm: a virtual IP (Swarm's default,
 * which needs the kernel's IPVS) or DNS round robin over the tasks. */
static const char *const cp_endpoint_mode_names[] = { "vip", "dnsrr" };
static const struct cp_names cp_endpoint_modes = { cp_endpoint_mode_names, 2 };
/* Under target engines only resources is read; under target swarm mode
 * and replicas too. */
/* Both targets read the same keys: under target engines mode is a
 * warning and replicas is read only for a 0 (the service is not
 * deployed), any other number is a warning. */
static const char *const cp_deploy_swarm_unsupported[] = {
	"labels", "placement", "restart_policy", "rollback_config",
	"update_config", NULL,
};

enum { RES_LIMITS, RES_RESERVATIONS, RES_NKEYS };
static const char *const cp_resources_keys[RES_NKEYS] = {
	[RES_LIMITS] = "limits", [RES_RESERVATIONS] = "reservations",
};

enum { LIM_MEMORY, LIM_CPUS, LIM_NKEYS };
static const char *const cp_limits_keys[LIM_NKEYS] = {
	[LIM_MEMORY] = "memory", [LIM_CPUS] = "cpus",
};
static const char *const cp_limits_unsupported[] = { "pids", "devices", NULL };

enum { RSV_MEMORY, RSV_NKEYS };
static const char *const cp_reservations_keys[RSV_NKEYS] = {
	[RSV_MEMORY] = "memory",
};
static const char *const cp_reservations_unsupported[] = {
	"cpus", "devices", "generic_resources", "pids", NULL,
};

enum { HC_TEST, HC_INTERVAL, HC_TIMEOUT, HC_RETRIES, HC_START_PERIOD, HC_DISABLE,
	HC_NKEYS };
static const char *const cp_healthcheck_keys[HC_NKEYS] = {
	[HC_TEST] = "test", [HC_INTERVAL] = "interval", [HC_TIMEOUT] = "timeout",
	[HC_RETRIES] = "retries", [HC_START_PERIOD] = "start_period",
	[HC_DISABLE] = "disable",
};
static const char *const cp_healthcheck_unsupported[] = { "start_interval", NULL };

/* What a service's keys give, before it becomes a create body. */
struct cp_res {
	int64_t memory, reservation, nanocpus;
	int has_memory, has_reservation, has_cpus;
	yaml_node_t *memory_n, *reservation_n, *cpus_n;	/* where they were given */
	enum compose_mode mode;				/* target swarm: deploy.mode */
	int replicas;					/* and deploy.replicas (-1: none) */
	yaml_node_t *replicas_k;			/* where replicas was given */
	int dnsrr;					/* and endpoint_mode: dnsrr */
};

/* ---------------------------------------------------------------- ports, volumes, devices */

/* A port "N" or a range "N-M" (LEN bytes at S) into *LO and *HI; 0, or -1. */
static int
cp_port_range(const char *s, size_t len, long *lo, long *hi)
{
	char buf[16], *dash, *end;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if (!yf_isdigit((unsigned char)buf[i]) && buf[i] != '-')
			return -1;
	}
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	errno = 0;
	*lo = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf || *lo < 1 || *lo > 65535)
		return -1;
	*hi = *lo;
	if (dash != NULL) {
		*hi = strtol(dash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || end == dash + 1 || *hi < *lo || *hi > 65535 ||
		    *hi - *lo >= CP_MAX_PORT_RANGE)
			return -1;
	}
	return 0;
}

/* Publish or expose container port PORT/PROTO: an ExposedPorts entry and
 * a PortBindings one to HOSTIP:HOSTPORT. */
static int
cp_port_bind(cJSON *exposed, cJSON *bindings, long port, const char *proto,
    const char *hostip, const char *hostport)
{
	char key[32];
	cJSON *list, *b;

	snprintf(key, sizeof(key), "%ld/%s", port, proto);
	if (cJSON_GetObjectItemCaseSensitive(exposed, key) == NULL &&
	    cJSON_AddObjectToObject(exposed, key) == NULL)
		return -1;
	list = cJSON_GetObjectItemCaseSensitive(bindings, key);
	if (list == NULL && (list = cJSON_AddArrayToObject(bindings, key)) == NULL)
		return -1;
	if ((b = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddItemToArray(list, b);
	if (cJSON_AddStringToObject(b, "HostIp", hostip) == NULL ||
	    cJSON_AddStringToObject(b, "HostPort", hostport) == NULL)
		return -1;
	return 0;
}

/* The long form of a ports entry, mapping N (target, published, host_ip,
 * protocol, mode), as the short form's text (a new string). */
static char *
cp_port_long(struct cp_file *f, yaml_node_t *n)
{
	static const char *const keys[] = { "target", "published", "host_ip", "protocol",
	    "mode" };
	static const char *const unsupported[] = { "name", "app_protocol", NULL };
	static const struct cp_schema schema = { keys, 5, unsupported, 1 };
	yaml_node_t *vals[5], *keyn[5];
	char *part[4] = { NULL, NULL, NULL, NULL }, *out = NULL;
	struct cp_buf b = { 0 };
	int bad = 0;

	if (cp_mapping(f, n, "'ports'", &schema, vals, keyn) != 0)
		return NULL;
	if (vals[0] == NULL) {
		yf_error(&f->y, &n->start_mark, "'ports': no 'target' (the container's port)");
		return NULL;
	}
	for (size_t i = 0; i < 4; i++) {
		if (vals[i] != NULL && (part[i] = cp_str(f, vals[i], i == 0 ? "'target'" :
		    i == 1 ? "'published'" : i == 2 ? "'host_ip'" : "'protocol'", 0)) == NULL)
			goto out;
	}
	if (vals[4] != NULL) {
		char *mode = cp_str(f, vals[4], "'mode'", 0);

		if (mode == NULL)
			goto out;
		bad = strcmp(mode, "host") != 0 && strcmp(mode, "ingress") != 0;
		free(mode);
		if (bad) {
			yf_error(&f->y, &vals[4]->start_mark, "'mode' must be host or ingress");
			goto out;
		}
	}
	if (part[2] != NULL && part[2][0] != '\0' && part[1] == NULL) {
		yf_error(&f->y, &keyn[2]->start_mark, "'ports': 'host_ip' needs 'published'");
		goto out;
	}
	if (part[2] != NULL && part[2][0] != '\0') {
		int v6 = strchr(part[2], ':') != NULL;

		if ((v6 && cp_buf_add(&b, "[", 1) != 0) || cp_buf_add(&b, part[2],
		    strlen(part[2])) != 0 || (v6 && cp_buf_add(&b, "]", 1) != 0) ||
		    cp_buf_add(&b, ":", 1) != 0)
			goto oom;
	}
	if (part[1] != NULL && part[1][0] != '\0' &&
	    (cp_buf_add(&b, part[1], strlen(part[1])) != 0 || cp_buf_add(&b, ":", 1) != 0))
		goto oom;
	if (cp_buf_add(&b, part[0], strlen(part[0])) != 0)
		goto oom;
	if (part[3] != NULL && (cp_buf_add(&b, "/", 1) != 0 ||
	    cp_buf_add(&b, part[3], strlen(part[3])) != 0))
		goto oom;
	out = cp_buf_take(&b);
	goto out;
oom:
	yf_error(&f->y, &n->start_mark, "out of memory");
out:
	free(b.s);
	for (size_t i = 0; i < 4; i++)
		free(part[i]);
	return out;
}

/* One ports entry N, "[[IP:]HOST:]CONTAINER[/PROTOCOL]" or its long form,
 * into EXPOSED and BINDINGS. */
static int
cp_port(struct cp_file *f, yaml_node_t *n, cJSON *exposed, cJSON *bindings)
{
	char ip[64] = "", *s, *slash, *rest, *colon;
	const char *proto = "tcp", *host = "", *cont;
	long clo, chi, hlo = 0, hhi = 0;
	unsigned char addr[16];
	struct yf_q q;
	int rc = -1;

	if (n->type == YAML_MAPPING_NODE)
		s = cp_port_long(f, n);
	else
		s = cp_str(f, n, "'ports'", 0);
	if (s == NULL)
		return -1;
	yf_quotes(&q, s, YF_QUOTE);
	slash = strrchr(s, '/');
	if (slash != NULL) {
		*slash = '\0';
		proto = slash + 1;
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 &&
		    strcmp(proto, "sctp") != 0) {
			yf_error(&f->y, &n->start_mark, "'ports': bad protocol in '%s' (use "
			    "tcp, udp or sctp)", q.s);
			goto out;
		}
	}
	rest = s;
	if (*rest == '[') {
		char *close = strchr(rest, ']');

		if (close == NULL || close[1] != ':' || (size_t)(close - rest - 1) >= sizeof(ip))
			goto bad;
		memcpy(ip, rest + 1, (size_t)(close - rest - 1));
		ip[close - rest - 1] = '\0';
		if (inet_pton(AF_INET6, ip, addr) != 1)
			goto bad;
		rest = close + 2;
		colon = strchr(rest, ':');
		if (colon == NULL)
			goto bad;
		*colon = '\0';
		host = rest;
		cont = colon + 1;
	} else {
		char *c1 = strchr(rest, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

		if (c2 != NULL && strchr(c2 + 1, ':') != NULL)
			goto bad;
		if (c2 != NULL) {
			if ((size_t)(c1 - rest) >= sizeof(ip))
				goto bad;
			memcpy(ip, rest, (size_t)(c1 - rest));
			ip[c1 - rest] = '\0';
			if (inet_pton(AF_INET, ip, addr) != 1)
				goto bad;
			*c2 = '\0';
			host = c1 + 1;
			cont = c2 + 1;
		} else if (c1 != NULL) {
			*c1 = '\0';
			host = rest;
			cont = c1 + 1;
		} else
			cont = rest;
	}
	if (cp_port_range(cont, strlen(cont), &clo, &chi) != 0)
		goto bad;
	if (*host != '\0') {
		if (cp_port_range(host, strlen(host), &hlo, &hhi) != 0)
			goto bad;
		if (hhi - hlo != chi - clo && chi != clo) {
			yf_error(&f->y, &n->start_mark, "'ports': the ranges in '%s' differ in "
			    "size", q.s);
			goto out;
		}
	}
	if (f->stack->target == COMPOSE_TARGET_SWARM && (ip[0] != '\0' || hhi - hlo != chi - clo)) {
		yf_error(&f->y, &n->start_mark, "'ports': Swarm cannot do this (x-plantdeck target "
		    "swarm): '%s' %s", q.s, ip[0] != '\0' ? "binds a host address (a service "
		    "publishes on every address of the node)" : "maps one port to a range");
		goto out;
	}
	for (long p = clo; p <= chi; p++) {
		char hp[16];

		if (*host == '\0')
			hp[0] = '\0';
		else if (chi == clo && hhi != hlo)
			snprintf(hp, sizeof(hp), "%ld-%ld", hlo, hhi);
		else
			snprintf(hp, sizeof(hp), "%ld", hlo + (p - clo));
		if (cp_port_bind(exposed, bindings, p, proto, ip, hp) != 0) {
			yf_error(&f->y, &n->start_mark, "out of memory");
			goto out;
		}
	}
	rc = 0;
	goto out;
bad:
	yf_error(&f->y, &n->start_mark, "'ports': bad port '%s' (use "
	    "[[IP:]HOST:]CONTAINER[/PROTOCOL], such as 8080:80 or 127.0.0.1:8080:80/udp)", q.s);
out:
	free(s);
	return rc;
}

/* Clean absolute PATH in place: no "." or ".." parts, no doubled or
 * trailing slash. */
static void
cp_clean_path(char *path)
{
	char *out = path, *p = path;

	while (*p != '\0') {
		char *part;
		size_t len;

		p += strspn(p, "/");
		if (*p == '\0')
			break;
		part = p;
		len = strcspn(part, "/");
		p = part + len;
		if (len == 1 && part[0] == '.')
			continue;
		if (len == 2 && part[0] == '.' && part[1] == '.') {
			while (out > path && *--out != '/')
				;
			continue;
		}
		*out++ = '/';
		memmove(out, part, len);
		out += len;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

/* Whether mode OPTS ("ro", "rw,z", ...) of a volume is good; NAMED: of a
 * named volume (nocopy allowed). */
static int
cp_volume_mode(const char *opts, int named)
{
	static const char *const ok[] = {
		"ro", "rw", "z", "Z", "shared", "slave", "private", "rshared", "rslave",
		"rprivate", NULL,
	};
	const char *p = opts;

	if (*p == '\0')
		return 0;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		int good = named && len == 6 && memcmp(p, "nocopy", 6) == 0;

		for (size_t i = 0; !good && ok[i] != NULL; i++)
			good = strlen(ok[i]) == len && memcmp(ok[i], p, len) == 0;
		if (!good)
			return 0;
		p += len;
		if (*p == ',' && *++p == '\0')
			return 0;
	}
	return 1;
}

/* The long form of a volumes entry, mapping N (type, source, target,
 * read_only, bind, volume, tmpfs), as the short form's text (a new
 * string); a tmpfs goes into TMPFS instead, and *DONE is set. */
static char *
cp_volume_long(struct cp_file *f, yaml_node_t *n, cJSON *tmpfs, int *done)
{
	enum { V_TYPE, V_SOURCE, V_TARGET, V_RO, V_BIND, V_VOLUME, V_TMPFS, V_N };
	static const char *const keys[V_N] = { "type", "source", "target", "read_only",
	    "bind", "volume", "tmpfs" };
	static const char *const unsupported[] = { "consistency", "image", NULL };
	static const struct cp_schema schema = { keys, V_N, unsupported, 1 };
	static const char *const bkeys[] = { "propagation", "create_host_path", "selinux" };
	static const char *const bunsupported[] = { "recursive", NULL };
	static const struct cp_schema bschema = { bkeys, 3, bunsupported, 1 };
	static const char *const vkeys[] = { "nocopy" };
	static const char *const vunsupported[] = { "subpath", "labels", "driver", NULL };
	static const struct cp_schema vschema = { vkeys, 1, vunsupported, 1 };
	static const char *const tkeys[] = { "size" };
	static const char *const tunsupported[] = { "mode", NULL };
	static const struct cp_schema tschema = { tkeys, 1, tunsupported, 1 };
	yaml_node_t *vals[V_N], *keyn[V_N], *sv[3], *sk[3];
	char *type = NULL, *src = NULL, *target = NULL, *prop = NULL, *sel = NULL, *out = NULL;
	struct cp_buf b = { 0 };
	int ro = 0, nocopy = 0, create = 1;

	*done = 0;
	if (cp_mapping(f, n, "'volumes'", &schema, vals, keyn) != 0)
		return NULL;
	if (vals[V_TYPE] == NULL || vals[V_TARGET] == NULL) {
		yf_error(&f->y, &n->start_mark, "'volumes': the long syntax needs 'type' and "
		    "'target'");
		return NULL;
	}
	if ((type = cp_str(f, vals[V_TYPE], "'type'", 0)) == NULL ||
	    (target = cp_str(f, vals[V_TARGET], "'target'", 0)) == NULL ||
	    (vals[V_SOURCE] != NULL && (src = cp_str(f, vals[V_SOURCE], "'source'", 0)) == NULL))
		goto out;
	if (strcmp(type, "bind") != 0 && strcmp(type, "volume") != 0 &&
	    strcmp(type, "tmpfs") != 0) {
		yf_error(&f->y, &vals[V_TYPE]->start_mark, "'volumes': type '%s' is not "
		    "supported (use bind, volume or tmpfs)", type);
		goto out;
	}
	if (target[0] != '/') {
		yf_error(&f->y, &vals[V_TARGET]->start_mark, "'volumes': the target must be an "
		    "absolute path");
		goto out;
	}
	if (vals[V_RO] != NULL && cp_bool(f, vals[V_RO], "'read_only'", &ro) != 0)
		goto out;
	if (strcmp(type, "tmpfs") == 0) {
		int64_t size = 0;

		if (vals[V_TMPFS] != NULL) {
			if (cp_mapping(f, vals[V_TMPFS], "'tmpfs'", &tschema, sv, sk) != 0 ||
			    (sv[0] != NULL && cp_size(f, sv[0], "'size'", &size) != 0))
				goto out;
		}
		if (cp_tmpfs_add(f, n, target, size, tmpfs) == 0)
			*done = 1;
		goto out;
	}
	if (vals[V_BIND] != NULL) {
		if (cp_mapping(f, vals[V_BIND], "'bind'", &bschema, sv, sk) != 0 ||
		    (sv[0] != NULL && (prop = cp_str(f, sv[0], "'propagation'", 0)) == NULL) ||
		    (sv[1] != NULL && cp_bool(f, sv[1], "'create_host_path'", &create) != 0) ||
		    (sv[2] != NULL && (sel = cp_str(f, sv[2], "'selinux'", 0)) == NULL))
			goto out;
		if (!create && cp_warn(f, &sk[1]->start_mark, "'create_host_path: false' "
		    "ignored: the engine creates a missing bind source") != 0)
			goto out;
	}
	if (vals[V_VOLUME] != NULL) {
		if (cp_mapping(f, vals[V_VOLUME], "'volume'", &vschema, sv, sk) != 0 ||
		    (sv[0] != NULL && cp_bool(f, sv[0], "'nocopy'", &nocopy) != 0))
			goto out;
	}
	if (src == NULL || src[0] == '\0') {
		if (strcmp(type, "bind") == 0) {
			yf_error(&f->y, &n->start_mark, "'volumes': a bind needs a 'source'");
			goto out;
		}
		out = target;	/* an anonymous volume */
		target = NULL;
		goto out;
	}
	/* A bind's source is a path even when it does not look like one. */
	if (strcmp(type, "bind") == 0 && src[0] != '/' && src[0] != '.' && src[0] != '~' &&
	    cp_buf_add(&b, "./", 2) != 0)
		goto oom;
	if (cp_buf_add(&b, src, strlen(src)) != 0 || cp_buf_add(&b, ":", 1) != 0 ||
	    cp_buf_add(&b, target, strlen(target)) != 0 ||
	    cp_buf_add(&b, ro ? ":ro" : ":rw", 3) != 0 ||
	    (nocopy && cp_buf_add(&b, ",nocopy", 7) != 0) ||
	    (prop != NULL && (cp_buf_add(&b, ",", 1) != 0 ||
	    cp_buf_add(&b, prop, strlen(prop)) != 0)) ||
	    (sel != NULL && (cp_buf_add(&b, ",", 1) != 0 ||
	    cp_buf_add(&b, sel, strlen(sel)) != 0)))
		goto oom;
	out = cp_buf_take(&b);
	goto out;
oom:
	yf_error(&f->y, &n->start_mark, "out of memory");
out:
	free(b.s);
	free(type);
	free(src);
	free(target);
	free(prop);
	free(sel);
	return out;
}

/* One volumes entry N: "SOURCE:TARGET[:MODE]" (a bind when SOURCE starts
 * with / . or ~, else a named volume) into BINDS, or "TARGET" alone (an
 * anonymous volume) into VOLUMES, or the long form (a tmpfs into
 * TMPFS). */
static int
cp_volume(struct cp_file *f, yaml_node_t *n, cJSON *binds, cJSON *volumes, cJSON *tmpfs)
{
	char *s, *parts[3] = { NULL, NULL, NULL }, *p, *src = NULL, *bind = NULL;
	const char *home = getenv("HOME");
	size_t nparts = 0, len;
	struct yf_q q;
	int rc = -1, named, done = 0;

	if (n->type == YAML_MAPPING_NODE)
		s = cp_volume_long(f, n, tmpfs, &done);
	else
		s = cp_str(f, n, "'volumes'", 0);
	if (done)
		return 0;
	if (s == NULL)
		return -1;
	yf_quotes(&q, s, YF_QUOTE);
	for (p = s; nparts < 3; p++) {
		parts[nparts++] = p;
		p = strchr(p, ':');
		if (p == NULL)
			break;
		*p = '\0';
	}
	if (p != NULL || parts[nparts - 1][0] == '\0' || parts[0][0] == '\0')
		goto bad;
	if (nparts == 1) {
		if (parts[0][0] != '/')
			goto bad;
		if (cJSON_GetObjectItemCaseSensitive(volumes, parts[0]) == NULL &&
		    cJSON_AddObjectToObject(volumes, parts[0]) == NULL)
			goto oom;
		rc = 0;
		goto out;
	}
	if (parts[1][0] != '/') {
		yf_error(&f->y, &n->start_mark, "'volumes': the target must be an absolute path "
		    "in '%s'", q.s);
		goto out;
	}
	named = !(parts[0][0] == '/' || parts[0][0] == '.' || parts[0][0] == '~');
	if (nparts == 3 && !cp_volume_mode(parts[2], named)) {
		yf_error(&f->y, &n->start_mark, "'volumes': bad mode '%s' in '%s' (use ro, rw, "
		    "z, Z or a propagation such as rslave)", parts[2], q.s);
		goto out;
	}
	if (nparts == 3 && f->stack->target == COMPOSE_TARGET_SWARM &&
	    strpbrk(parts[2], "zZ") != NULL) {
		yf_error(&f->y, &n->start_mark, "'volumes': Swarm cannot do this (x-plantdeck "
		    "target swarm): mode '%s' in '%s' relabels for SELinux, which a service's "
		    "mount cannot", parts[2], q.s);
		goto out;
	}
	if (named) {
		if (!cp_valid_name(parts[0], strlen(parts[0]))) {
			yf_error(&f->y, &n->start_mark, "'volumes': bad volume name '%s': use "
			    "1 to %d of A-Z a-z 0-9 _ . - starting with a letter or digit, or "
			    "a path", parts[0], CP_MAX_NAME);
			goto out;
		}
		/* Its engine name: STACK_KEY, or what top-level volumes: says. */
		if ((src = cp_volume_use(f, n, parts[0])) == NULL)
			goto out;
	} else if (parts[0][0] == '~') {
		if (parts[0][1] != '\0' && parts[0][1] != '/')
			goto bad;
		if (home == NULL || home[0] != '/') {
			yf_error(&f->y, &n->start_mark, "'volumes': '~' in '%s' but HOME is "
			    "not set", q.s);
			goto out;
		}
		src = yf_join(home, parts[0] + 1);
	} else if (parts[0][0] == '.')
		src = yf_join(f->dir, parts[0]);
	else
		src = strdup(parts[0]);
	if (src == NULL)
		goto oom;
	if (!named)
		cp_clean_path(src);
	len = strlen(src) + strlen(parts[1]) + (nparts == 3 ? strlen(parts[2]) : 0) + 3;
	if ((bind = malloc(len)) == NULL)
		goto oom;
	snprintf(bind, len, "%s:%s%s%s", src, parts[1], nparts == 3 ? ":" : "",
	    nparts == 3 ? parts[2] : "");
	if (cp_add_string(binds, bind) != 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	yf_error(&f->y, &n->start_mark, "out of memory");
	goto out;
bad:
	yf_error(&f->y, &n->start_mark, "'volumes': bad volume '%s' (use SOURCE:TARGET[:MODE], "
	    "such as ./data:/data:ro or data:/data)", q.s);
out:
	free(bind);
	free(src);
	free(s);
	return rc;
}

/* Whether S is good cgroup permissions: some of r, w, m, each once. */
static int
cp_device_perms(const char *s)
{
	int seen = 0;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		const char *k = strchr("rwm", *s);
		int bit;

		if (*s == '\0' || k == NULL)
			return 0;
		bit = 1 << (k - "rwm");
		if (seen & bit)
			return 0;
		seen |= bit;
	}
	return 1;
}

/* One devices entry N, "HOST[:CONTAINER[:PERMISSIONS]]", into DEVICES. */
static int
cp_device(struct cp_file *f, yaml_node_t *n, cJSON *devices)
{
	char *s, *host, *cont, *perms = "rwm", *c;
	struct yf_q q;
	cJSON *d;
	int rc = -1;

	if (n->type == YAML_MAPPING_NODE) {
		/* The long form: {source, target, permissions}. */
		static const char *const keys[] = { "source", "target", "permissions" };
		static const struct cp_schema schema = { keys, 3, NULL, 1 };
		yaml_node_t *vals[3], *keyn[3];
		struct cp_buf b = { 0 };
		int bad = 0;

		if (cp_mapping(f, n, "'devices'", &schema, vals, keyn) != 0)
			return -1;
		if (vals[0] == NULL)
			return yf_error(&f->y, &n->start_mark, "'devices': no 'source'");
		for (size_t i = 0; i < 3 && !bad; i++) {
			char *part;

			if (vals[i] == NULL)
				continue;
			if ((part = cp_str(f, vals[i], i == 0 ? "'source'" : i == 1 ? "'target'" :
			    "'permissions'", 0)) == NULL) {
				free(b.s);
				return -1;
			}
			if ((i > 0 && cp_buf_add(&b, ":", 1) != 0) ||
			    cp_buf_add(&b, part, strlen(part)) != 0)
				bad = 1;
			free(part);
		}
		if (bad) {
			free(b.s);
			return yf_error(&f->y, &n->start_mark, "out of memory");
		}
		s = cp_buf_take(&b);
	} else
		s = cp_str(f, n, "'devices'", 0);
	if (s == NULL)
		return -1;
	yf_quotes(&q, s, YF_QUOTE);
	host = cont = s;
	if ((c = strchr(s, ':')) != NULL) {
		*c = '\0';
		cont = c + 1;
		if ((c = strchr(cont, ':')) != NULL) {
			*c = '\0';
			perms = c + 1;
		} else if (cont[0] != '/') {
			perms = cont;
			cont = host;
		}
	}
	if (host[0] != '/' || cont[0] != '/' || !cp_device_perms(perms) || strchr(perms, ':')) {
		yf_error(&f->y, &n->start_mark, "'devices': bad device '%s' (use "
		    "HOST[:CONTAINER[:PERMISSIONS]], such as /dev/ttyS0:/dev/ttyS0:rwm)", q.s);
		goto out;
	}
	if ((d = cJSON_CreateObject()) == NULL)
		goto oom;
	cJSON_AddItemToArray(devices, d);
	if (cJSON_AddStringToObject(d, "PathOnHost", host) == NULL ||
	    cJSON_AddStringToObject(d, "PathInContainer", cont) == NULL ||
	    cJSON_AddStringToObject(d, "CgroupPermissions", perms) == NULL)
		goto oom;
	rc = 0;
	goto out;
oom:
	yf_error(&f->y, &n->start_mark, "out of memory");
out:
	free(s);
	return rc;
}

/* A list N of entries, each read by ONE into the given arrays or objects. */
static int
cp_entries(struct cp_file *f, yaml_node_t *n, const char *what,
    int (*one)(struct cp_file *, yaml_node_t *, cJSON *, cJSON *), cJSON *a, cJSON *b)
{
	size_t count;

	if (cp_list(f, n, what, &count) != 0)
		return -1;
	for (size_t i = 0; i < count; i++) {
		if (one(f, cp_item(f, n, i), a, b) != 0)
			return -1;
	}
	return 0;
}

/* cp_device in the shape cp_entries calls. */
static int
cp_device2(struct cp_file *f, yaml_node_t *n, cJSON *devices, cJSON *unused)
{
	(void)unused;
	return cp_device(f, n, devices);
}

/* ---------------------------------------------------------------- services */

/* healthcheck N into *OUT (a Healthcheck object); *HAS: it gives a test. */
static int
cp_healthcheck(struct cp_file *f, yaml_node_t *n, cJSON **out, int *has)
{
	static const struct cp_schema schema = { cp_healthcheck_keys, HC_NKEYS,
	    cp_healthcheck_unsupported, 1 };
	static const struct { int key; const char *field; } durations[] = {
		{ HC_INTERVAL, "Interval" }, { HC_TIMEOUT, "Timeout" },
		{ HC_START_PERIOD, "StartPeriod" },
	};
	yaml_node_t *vals[HC_NKEYS], *keyn[HC_NKEYS], *t;
	cJSON *hc, *test = NULL;
	int disable = 0;
	struct yf_q q;
	char what[64];

	*out = NULL;
	*has = 0;
	if (cp_mapping(f, n, "'healthcheck'", &schema, vals, keyn) != 0)
		return -1;
	if ((hc = cJSON_CreateObject()) == NULL)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	if (vals[HC_DISABLE] != NULL && cp_bool(f, vals[HC_DISABLE], "'disable'", &disable) != 0)
		goto fail;
	t = vals[HC_TEST];
	if (disable && t != NULL) {
		yf_error(&f->y, &keyn[HC_DISABLE]->start_mark, "'healthcheck': 'disable' and "
		    "'test' cannot both be given");
		goto fail;
	}
	if (disable) {
		test = cJSON_CreateArray();
		if (test == NULL || cp_add_string(test, "NONE") != 0)
			goto oom;
	} else if (t != NULL && t->type == YAML_SEQUENCE_NODE) {
		const char *first;
		int count;

		if (cp_string_list(f, t, "'test'", CP_EMPTY_OK | CP_SPACE_OK, &test) != 0)
			goto fail;
		count = cJSON_GetArraySize(test);
		first = count > 0 ? cJSON_GetArrayItem(test, 0)->valuestring : "";
		if (!((strcmp(first, "CMD") == 0 && count >= 2) ||
		    (strcmp(first, "CMD-SHELL") == 0 && count == 2) ||
		    (strcmp(first, "NONE") == 0 && count == 1))) {
			yf_error(&f->y, &t->start_mark, "'test' must start with CMD (and a "
			    "command), CMD-SHELL (and one string) or be [NONE], not '%s'",
			    yf_quotes(&q, first, YF_QUOTE));
			goto fail;
		}
		*has = strcmp(first, "NONE") != 0;
	} else if (t != NULL) {
		char *s;

		if (t->type != YAML_SCALAR_NODE) {
			yf_error(&f->y, &t->start_mark, "expected a list or a string for 'test'");
			goto fail;
		}
		if ((s = cp_str(f, t, "'test'", CP_SPACE_OK)) == NULL)
			goto fail;
		test = cJSON_CreateArray();
		if (test == NULL || cp_add_string(test, "CMD-SHELL") != 0 ||
		    cp_add_string(test, s) != 0) {
			free(s);
			goto oom;
		}
		free(s);
		*has = 1;
	}
	if (test != NULL) {
		cJSON_AddItemToObject(hc, "Test", test);
		test = NULL;
	}
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		yaml_node_t *v = vals[durations[i].key];
		int64_t ns;

		if (v == NULL)
			continue;
		snprintf(what, sizeof(what), "'%s'", cp_healthcheck_keys[durations[i].key]);
		if (cp_duration(f, v, what, &ns) != 0)
			goto fail;
		if (ns != 0 && ns < 1000000) {
			yf_error(&f->y, &v->start_mark, "%s must be 0 or at least 1ms", what);
			goto fail;
		}
		if (cJSON_AddNumberToObject(hc, durations[i].field, (double)ns) == NULL)
			goto oom;
	}
	if (vals[HC_RETRIES] != NULL) {
		long long r;

		if (cp_int(f, vals[HC_RETRIES], "'retries'", 0, 1000000, &r) != 0)
			goto fail;
		if (cJSON_AddNumberToObject(hc, "Retries", (double)r) == NULL)
			goto oom;
	}
	*out = hc;
	return 0;
oom:
	yf_error(&f->y, &n->start_mark, "out of memory");
fail:
	cJSON_Delete(test);
	cJSON_Delete(hc);
	return -1;
}

/* restart N into a RestartPolicy object in *OUT. */
static int
cp_restart(struct cp_file *f, yaml_node_t *n, cJSON **out)
{
	static const char *const names[] = { "no", "always", "unless-stopped", NULL };
	long long retries = -1;
	const char *name = NULL;
	struct yf_q q;
	char *s;
	cJSON *rp;

	*out = NULL;
	if ((s = cp_str(f, n, "'restart'", 0)) == NULL)
		return -1;
	for (size_t i = 0; names[i] != NULL; i++) {
		if (strcmp(s, names[i]) == 0)
			name = names[i];
	}
	if (strcmp(s, "on-failure") == 0)
		name = "on-failure";
	else if (strncmp(s, "on-failure:", 11) == 0 &&
	    cp_parse_int(s + 11, 0, INT_MAX, &retries) == 0 && yf_isdigit((unsigned char)s[11]))
		name = "on-failure";
	if (name == NULL) {
		yf_error(&f->y, &n->start_mark, "'restart' must be no, always, on-failure[:N] or "
		    "unless-stopped, not '%s'", yf_quotes(&q, s, YF_QUOTE));
		free(s);
		return -1;
	}
	free(s);
	rp = cJSON_CreateObject();
	if (rp == NULL || cJSON_AddStringToObject(rp, "Name", name) == NULL ||
	    (retries >= 0 && cJSON_AddNumberToObject(rp, "MaximumRetryCount",
	    (double)retries) == NULL)) {
		cJSON_Delete(rp);
		return yf_error(&f->y, &n->start_mark, "out of memory");
	}
	*out = rp;
	return 0;
}

/* Record a resource given at N, checking that one given twice (mem_limit
 * and deploy's memory) agrees. */
static int
cp_res_set(struct cp_file *f, yaml_node_t *n, const char *what, int64_t v,
    int64_t *field, int *has, yaml_node_t **where, const char *other)
{
	struct yf_q q, qo;

	if (*has && *field != v) {
		yf_quote(&q, yf_scalar(n), n->data.scalar.length, YF_QUOTE);
		yf_quote(&qo, yf_scalar(*where), (*where)->data.scalar.length, YF_QUOTE);
		return yf_error(&f->y, &n->start_mark, "%s '%s' disagrees with '%s' '%s' (line "
		    "%zu)", what, q.s, other, qo.s, (*where)->start_mark.line + 1);
	}
	*field = v;
	*has = 1;
	*where = n;
	return 0;
}

/* deploy N: resources.limits.{memory,cpus} and resources.reservations.memory
 * are read, into R, and under target swarm mode and replicas. */
static int
cp_deploy(struct cp_file *f, yaml_node_t *n, struct cp_res *r)
{
	static const struct cp_schema deploy_swarm = { cp_deploy_keys, DEP_NKEYS,
	    cp_deploy_swarm_unsupported, 1 };
	static const struct cp_schema resources = { cp_resources_keys, RES_NKEYS, NULL, 1 };
	static const struct cp_schema limits = { cp_limits_keys, LIM_NKEYS,
	    cp_limits_unsupported, 1 };
	static const struct cp_schema reservations = { cp_reservations_keys, RSV_NKEYS,
	    cp_reservations_unsupported, 1 };
	yaml_node_t *dv[DEP_NKEYS], *dk[DEP_NKEYS], *rv[RES_NKEYS], *rk[RES_NKEYS];
	yaml_node_t *lv[LIM_NKEYS], *lk[LIM_NKEYS], *sv[RSV_NKEYS], *sk[RSV_NKEYS];
	int swarm = f->stack->target == COMPOSE_TARGET_SWARM;
	int64_t v;

	for (size_t i = 0; i < DEP_NKEYS; i++)
		dv[i] = dk[i] = NULL;
	if (cp_mapping(f, n, "'deploy'", &deploy_swarm, dv, dk) != 0)
		return -1;
	if (!swarm) {
		/* Engines run one container of a service per node: mode is not
		 * read, replicas only for a 0 (the service is not deployed). */
		long long x = 1;

		if (dk[DEP_MODE] != NULL && cp_warn(f, &dk[DEP_MODE]->start_mark,
		    "unsupported key 'mode' ignored") != 0)
			return -1;
		if (dv[DEP_REPLICAS] != NULL &&
		    cp_int(f, dv[DEP_REPLICAS], "'replicas'", 0, 100000, &x) != 0)
			return -1;
		if (dv[DEP_REPLICAS] != NULL && x == 0)
			r->replicas = 0;
		else if (dk[DEP_REPLICAS] != NULL && cp_warn(f, &dk[DEP_REPLICAS]->start_mark,
		    "unsupported key 'replicas' ignored") != 0)
			return -1;
		r->replicas_k = dk[DEP_REPLICAS];
		if (dk[DEP_ENDPOINT_MODE] != NULL && cp_warn(f, &dk[DEP_ENDPOINT_MODE]->start_mark,
		    "unsupported key 'endpoint_mode' ignored") != 0)
			return -1;
		dv[DEP_MODE] = dv[DEP_REPLICAS] = dv[DEP_ENDPOINT_MODE] = NULL;
	}
	if (dv[DEP_ENDPOINT_MODE] != NULL &&
	    cp_enum(f, dv[DEP_ENDPOINT_MODE], "'endpoint_mode'", &cp_endpoint_modes,
	    &r->dnsrr) != 0)
		return -1;
	if (dv[DEP_MODE] == NULL && dv[DEP_REPLICAS] != NULL)
		r->mode = COMPOSE_MODE_REPLICATED;	/* Compose's default mode */
	if (dv[DEP_MODE] != NULL) {
		int mode;

		if (cp_enum(f, dv[DEP_MODE], "'mode'", &cp_modes, &mode) != 0)
			return -1;
		r->mode = mode;
	}
	if (dv[DEP_REPLICAS] != NULL) {
		long long x;

		if (r->mode != COMPOSE_MODE_REPLICATED)
			return yf_error(&f->y, &dk[DEP_REPLICAS]->start_mark, "'replicas' "
			    "needs 'mode: replicated' (a global service runs one task on every "
			    "target node)");
		if (cp_int(f, dv[DEP_REPLICAS], "'replicas'", 0, 100000, &x) != 0)
			return -1;
		r->replicas = (int)x;
		r->replicas_k = dk[DEP_REPLICAS];
	}
	if (dv[DEP_RESOURCES] == NULL)
		return 0;
	if (cp_mapping(f, dv[DEP_RESOURCES], "'resources'", &resources, rv, rk) != 0)
		return -1;
	if (rv[RES_LIMITS] != NULL) {
		if (cp_mapping(f, rv[RES_LIMITS], "'limits'", &limits, lv, lk) != 0)
			return -1;
		if (lv[LIM_MEMORY] != NULL &&
		    (cp_size(f, lv[LIM_MEMORY], "'memory'", &v) != 0 ||
		    cp_res_set(f, lv[LIM_MEMORY], "'memory'", v, &r->memory, &r->has_memory,
		    &r->memory_n, "mem_limit") != 0))
			return -1;
		if (lv[LIM_CPUS] != NULL &&
		    (cp_cpus(f, lv[LIM_CPUS], "'cpus'", &v) != 0 ||
		    cp_res_set(f, lv[LIM_CPUS], "'cpus'", v, &r->nanocpus, &r->has_cpus,
		    &r->cpus_n, "cpus") != 0))
			return -1;
	}
	if (rv[RES_RESERVATIONS] != NULL) {
		if (cp_mapping(f, rv[RES_RESERVATIONS], "'reservations'", &reservations,
		    sv, sk) != 0)
			return -1;
		if (sv[RSV_MEMORY] != NULL &&
		    (cp_size(f, sv[RSV_MEMORY], "'memory'", &v) != 0 ||
		    cp_res_set(f, sv[RSV_MEMORY], "'memory'", v, &r->reservation,
		    &r->has_reservation, &r->reservation_n, "mem_reservation") != 0))
			return -1;
	}
	return 0;
}

/* Whether S is a capability name: letters, digits and '_'. */
static int
cp_valid_cap(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++) {
		if (!yf_isalnum((unsigned char)*s) && *s != '_')
			return 0;
	}
	return 1;
}

/* cap_add or cap_drop N as an array in *OUT. */
static int
cp_caps(struct cp_file *f, yaml_node_t *n, const char *what, cJSON **out)
{
	const cJSON *item;
	struct yf_q q;
	size_t i = 0;

	if (cp_string_list(f, n, what, 0, out) != 0)
		return -1;
	cJSON_ArrayForEach(item, *out) {
		if (!cp_valid_cap(item->valuestring)) {
			yf_error(&f->y, &cp_item(f, n, i)->start_mark, "%s: bad capability '%s'",
			    what, yf_quotes(&q, item->valuestring, YF_QUOTE));
			cJSON_Delete(*out);
			*out = NULL;
			return -1;
		}
		i++;
	}
	return 0;
}

/* Scalar N as a string without blanks (image, user, hostname, ...). */
static char *
cp_word(struct cp_file *f, yaml_node_t *n, const char *what, size_t max)
{
	struct yf_q q;
	char *s = cp_str(f, n, what, 0);

	if (s == NULL)
		return NULL;
	if (strlen(s) > max || strpbrk(s, " \t") != NULL) {
		yf_error(&f->y, &n->start_mark, "%s: bad value '%s'%s", what,
		    yf_quotes(&q, s, YF_QUOTE), strlen(s) > max ? " (too long)" : " (a blank)");
		free(s);
		return NULL;
	}
	return s;
}

/* Add string field NAME to OBJ from scalar N (a word unless TEXT). */
static int
cp_add_field(struct cp_file *f, cJSON *obj, const char *name, yaml_node_t *n,
    const char *what, size_t max)
{
	char *s = cp_word(f, n, what, max);

	if (s == NULL)
		return -1;
	if (cJSON_AddStringToObject(obj, name, s) == NULL) {
		free(s);
		return yf_error(&f->y, &n->start_mark, "out of memory");
	}
	free(s);
	return 0;
}

/* Under target swarm: an error for the first service key (of VALS, their
 * keys KEYN) that a Swarm service cannot have. */
static int
cp_swarm_keys(struct cp_file *f, yaml_node_t **vals, yaml_node_t **keyn)
{
	static const struct { int key; const char *why; } cannot[] = {
		{ SVC_DEVICES, "a service cannot be given host devices" },
	};
	int b;

	for (size_t i = 0; i < sizeof(cannot) / sizeof(cannot[0]); i++) {
		int k = cannot[i].key;

		if (keyn[k] != NULL)
			return yf_error(&f->y, &keyn[k]->start_mark, "'%s': Swarm cannot do this "
			    "(x-plantdeck target swarm): %s", cp_service_keys[k], cannot[i].why);
	}
	if (vals[SVC_PRIVILEGED] != NULL) {
		if (cp_bool(f, vals[SVC_PRIVILEGED], "'privileged'", &b) != 0)
			return -1;
		if (b)
			return yf_error(&f->y, &keyn[SVC_PRIVILEGED]->start_mark,
			    "'privileged': Swarm cannot do this (x-plantdeck target swarm): a "
			    "service has no privileged mode");
	}
	return 0;
}

/* Whether KEY is in a service's key table or its list of unsupported
 * keys. */
int
cp_service_key_known(const char *key)
{
	for (size_t i = 0; i < SVC_NKEYS; i++) {
		if (strcmp(cp_service_keys[i], key) == 0)
			return 1;
	}
	for (size_t i = 0; cp_service_unsupported[i] != NULL; i++) {
		if (strcmp(cp_service_unsupported[i], key) == 0)
			return 1;
	}
	return 0;
}

/* Whether service N (its mapping V) is enabled by its profiles: a service
 * without any is always; else one of them must be enabled (or "*"). 1, 0
 * with a warning saying so, or -1. */
static int
cp_profiles(struct cp_file *f, yaml_node_t *k, yaml_node_t *n)
{
	const cJSON *item;
	struct cp_buf b = { 0 };
	struct yf_q q;
	cJSON *list;
	int on = 0, rc;

	if (cp_string_list(f, n, "'profiles'", 0, &list) != 0)
		return -1;
	if (cJSON_GetArraySize(list) == 0)
		on = 1;
	cJSON_ArrayForEach(item, list) {
		for (size_t i = 0; i < f->nprofiles && !on; i++)
			on = strcmp(f->profiles[i], item->valuestring) == 0 ||
			    strcmp(f->profiles[i], "*") == 0;
		if ((b.len > 0 && cp_buf_add(&b, ", ", 2) != 0) ||
		    cp_buf_add(&b, item->valuestring, strlen(item->valuestring)) != 0) {
			cJSON_Delete(list);
			free(b.s);
			return yf_error(&f->y, &n->start_mark, "out of memory");
		}
	}
	cJSON_Delete(list);
	rc = on ? 0 : cp_warn(f, &k->start_mark, "service '%s' is not deployed: its "
	    "profiles (%s) are not enabled (plantdeck deploy --profile NAME, or "
	    "COMPOSE_PROFILES)", yf_quote(&q, yf_scalar(k), k->data.scalar.length, YF_QUOTE),
	    b.s != NULL ? b.s : "");
	free(b.s);
	return rc != 0 ? -1 : on;
}

/* The image of service NAME given by x-plantdeck.images or --image, or
 * NULL. */
static const char *
cp_image_override(const struct cp_file *f, const char *name)
{
	/* --image and x-plantdeck.images are one set, --image winning. */
	for (size_t i = 0; i < f->images.n; i++) {
		if (strcmp(f->images.v[i].key, name) == 0)
			return f->images.v[i].value;
	}
	return NULL;
}

/* Where service mapping V has KEY, or NULL. */
static yaml_node_t *
cp_key_of(struct cp_file *f, yaml_node_t *v, const char *key)
{
	struct cp_pair *pairs;
	yaml_node_t *found = NULL;
	size_t np;

	if (cp_pairs(f, v, &pairs, &np) != 0)
		return NULL;
	for (size_t i = 0; i < np && found == NULL; i++) {
		if (yf_scalar_is(pairs[i].k, key))
			found = pairs[i].k;
	}
	free(pairs);
	return found;
}

/* Under target swarm, container options Swarm's translation does not carry
 * yet: a warning naming each, and the key left out. */
static int
cp_swarm_ignored(struct cp_file *f, yaml_node_t **vals, yaml_node_t **keyn)
{
	static const int later[] = { SVC_TMPFS, SVC_ULIMITS, SVC_SYSCTLS, SVC_INIT,
	    SVC_EXTRA_HOSTS, SVC_DNS, SVC_LOGGING };

	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		int k = later[i];

		if (keyn[k] != NULL && cp_warn(f, &keyn[k]->start_mark, "'%s' ignored under "
		    "x-plantdeck target swarm (not yet carried into a Swarm service)",
		    cp_service_keys[k]) != 0)
			return -1;
		vals[k] = NULL;
	}
	return 0;
}

/* Read service mapping V under key K into SVC. */
int
cp_service(struct cp_file *f, yaml_node_t *k, yaml_node_t *v, struct compose_service *svc)
{
	static const struct cp_schema schema = { cp_service_keys, SVC_NKEYS,
	    cp_service_unsupported, 1 };
	yaml_node_t *vals[SVC_NKEYS], *keyn[SVC_NKEYS], *n;
	struct cp_vars env = { 0 }, labels = { 0 };
	struct cp_res r = { .mode = COMPOSE_MODE_GLOBAL, .replicas = -1 };
	cJSON *c, *hc, *item = NULL, *exposed = NULL, *bindings = NULL, *binds = NULL;
	cJSON *volumes = NULL, *devices = NULL, *tmpfs = NULL;
	struct compose_service base = { 0 };
	const char *override;
	struct yf_q q;
	int64_t v64;
	long long scale = 1;
	int rc = -1, b, on = 1;

	yf_quote(&q, yf_scalar(k), k->data.scalar.length, YF_QUOTE);
	svc->line = k->start_mark.line >= INT_MAX ? INT_MAX : (int)k->start_mark.line + 1;
	svc->column = k->start_mark.column >= INT_MAX ? INT_MAX : (int)k->start_mark.column + 1;
	if (!cp_valid_name(yf_scalar(k), k->data.scalar.length))
		return yf_error(&f->y, &k->start_mark, "bad service name '%s': use 1 to %d of "
		    "A-Z a-z 0-9 _ . - starting with a letter or digit", q.s, CP_MAX_NAME);
	if ((svc->name = yf_strndup(yf_scalar(k), k->data.scalar.length)) == NULL)
		return yf_error(&f->y, &k->start_mark, "out of memory");
	if (yf_null(v) || v->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, yf_null(v) ? &k->start_mark : &v->start_mark,
		    "expected a mapping for service '%s'", q.s);
	if (cp_mapping(f, v, "service", &schema, vals, keyn) != 0)
		return -1;
	if (f->stack->target == COMPOSE_TARGET_SWARM && (cp_swarm_keys(f, vals, keyn) != 0 ||
	    cp_swarm_ignored(f, vals, keyn) != 0))
		return -1;
	if (vals[SVC_PROFILES] != NULL && !f->partial &&
	    (on = cp_profiles(f, k, vals[SVC_PROFILES])) < 0)
		return -1;
	if (vals[SVC_SCALE] != NULL) {
		if (cp_int(f, vals[SVC_SCALE], "'scale'", 0, 100000, &scale) != 0)
			return -1;
		if (scale > 1 && cp_warn(f, &keyn[SVC_SCALE]->start_mark, "'scale' %lld "
		    "ignored: plantdeck runs one container of a service per node", scale) != 0)
			return -1;
	}
	if (vals[SVC_EXTENDS] != NULL && cp_extends(f, vals[SVC_EXTENDS], &base) != 0)
		goto out;
	override = f->partial ? NULL : cp_image_override(f, svc->name);
	if (override != NULL) {
		if ((svc->image = strdup(override)) == NULL)
			goto oom;
	} else if (vals[SVC_IMAGE] == NULL && base.image != NULL) {
		if ((svc->image = strdup(base.image)) == NULL)
			goto oom;
	} else if (vals[SVC_IMAGE] == NULL && f->partial) {
		/* A base of extends: the service extending it may give the image. */
	} else if (vals[SVC_IMAGE] == NULL) {
		yaml_node_t *build = cp_key_of(f, v, "build");

		if (build != NULL)
			yf_error(&f->y, &build->start_mark, "service '%s' has 'build' "
			    "and no 'image': plantdeck deploys images and builds none; build "
			    "and push it, then name it with 'image:', with 'x-plantdeck: images: "
			    "{%s: REF}' or with 'plantdeck deploy --image %s=REF'", q.s, q.s, q.s);
		else
			yf_error(&f->y, keyn[SVC_IMAGE] != NULL ? &keyn[SVC_IMAGE]->start_mark :
			    &k->start_mark, "service '%s' has no 'image'", q.s);
		goto out;
	} else if ((svc->image = cp_word(f, vals[SVC_IMAGE], "'image'", 1024)) == NULL)
		goto out;
	if ((svc->create = c = cJSON_CreateObject()) == NULL ||
	    (svc->image != NULL && cJSON_AddStringToObject(c, "Image", svc->image) == NULL))
		goto oom;

	if ((n = vals[SVC_COMMAND]) != NULL) {
		if (cp_words(f, n, "'command'", &item) != 0)
			goto out;
		cJSON_AddItemToObject(c, "Cmd", item);
	}
	if ((n = vals[SVC_ENTRYPOINT]) != NULL) {
		if (cp_words(f, n, "'entrypoint'", &item) != 0)
			goto out;
		cJSON_AddItemToObject(c, "Entrypoint", item);
	}
	if (vals[SVC_ENV_FILE] != NULL && cp_env_files(f, vals[SVC_ENV_FILE], &env) != 0)
		goto out;
	if (vals[SVC_ENVIRONMENT] != NULL &&
	    cp_kv(f, vals[SVC_ENVIRONMENT], "'environment'", 1, &env) != 0)
		goto out;
	if (vals[SVC_ENV_FILE] != NULL || vals[SVC_ENVIRONMENT] != NULL) {
		if ((item = cp_vars_json(&env, 1)) == NULL)
			goto oom;
		cJSON_AddItemToObject(c, "Env", item);
	}
	if (vals[SVC_LABELS] != NULL) {
		if (cp_kv(f, vals[SVC_LABELS], "'labels'", 0, &labels) != 0)
			goto out;
		if ((item = cp_vars_json(&labels, 0)) == NULL)
			goto oom;
		cJSON_AddItemToObject(c, "Labels", item);
	}
	if ((exposed = cJSON_CreateObject()) == NULL || (bindings = cJSON_CreateObject()) == NULL ||
	    (binds = cJSON_CreateArray()) == NULL || (volumes = cJSON_CreateObject()) == NULL ||
	    (devices = cJSON_CreateArray()) == NULL || (tmpfs = cJSON_CreateObject()) == NULL)
		goto oom;
	if (vals[SVC_PORTS] != NULL &&
	    cp_entries(f, vals[SVC_PORTS], "'ports'", cp_port, exposed, bindings) != 0)
		goto out;
	if (vals[SVC_VOLUMES] != NULL) {
		size_t count;

		if (cp_list(f, vals[SVC_VOLUMES], "'volumes'", &count) != 0)
			goto out;
		for (size_t i = 0; i < count; i++) {
			if (cp_volume(f, cp_item(f, vals[SVC_VOLUMES], i), binds, volumes,
			    tmpfs) != 0)
				goto out;
		}
	}
	if (vals[SVC_TMPFS] != NULL && cp_tmpfs(f, vals[SVC_TMPFS], tmpfs) != 0)
		goto out;
	if (vals[SVC_DEVICES] != NULL &&
	    cp_entries(f, vals[SVC_DEVICES], "'devices'", cp_device2, devices, NULL) != 0)
		goto out;
	if (vals[SVC_PORTS] != NULL) {
		cJSON_AddItemToObject(c, "ExposedPorts", exposed);
		exposed = NULL;
	}
	if (cJSON_GetArraySize(volumes) > 0) {
		cJSON_AddItemToObject(c, "Volumes", volumes);
		volumes = NULL;
	}
	if (vals[SVC_WORKING_DIR] != NULL) {
		char *s = cp_str(f, vals[SVC_WORKING_DIR], "'working_dir'", 0);

		if (s == NULL)
			goto out;
		if (s[0] != '/') {
			yf_error(&f->y, &vals[SVC_WORKING_DIR]->start_mark, "'working_dir' "
			    "must be an absolute path, not '%s'", yf_quotes(&q, s, YF_QUOTE));
			free(s);
			goto out;
		}
		item = cJSON_AddStringToObject(c, "WorkingDir", s);
		free(s);
		if (item == NULL)
			goto oom;
	}
	if (vals[SVC_USER] != NULL &&
	    cp_add_field(f, c, "User", vals[SVC_USER], "'user'", 256) != 0)
		goto out;
	if (vals[SVC_HOSTNAME] != NULL &&
	    cp_add_field(f, c, "Hostname", vals[SVC_HOSTNAME], "'hostname'", 253) != 0)
		goto out;
	if (vals[SVC_HEALTHCHECK] != NULL) {
		if (cp_healthcheck(f, vals[SVC_HEALTHCHECK], &item, &svc->has_healthcheck) != 0)
			goto out;
		cJSON_AddItemToObject(c, "Healthcheck", item);
	}
	if (vals[SVC_STOP_SIGNAL] != NULL &&
	    cp_add_field(f, c, "StopSignal", vals[SVC_STOP_SIGNAL], "'stop_signal'", 32) != 0)
		goto out;
	if (vals[SVC_STOP_GRACE] != NULL) {
		if (cp_duration(f, vals[SVC_STOP_GRACE], "'stop_grace_period'", &v64) != 0)
			goto out;
		/* Whole seconds, rounded up: never less grace than asked for. */
		if (cJSON_AddNumberToObject(c, "StopTimeout",
		    (double)((v64 + CP_NS - 1) / CP_NS)) == NULL)
			goto oom;
	}

	/* HostConfig */
	if (vals[SVC_MEM_LIMIT] != NULL &&
	    (cp_size(f, vals[SVC_MEM_LIMIT], "'mem_limit'", &v64) != 0 ||
	    cp_res_set(f, vals[SVC_MEM_LIMIT], "'mem_limit'", v64, &r.memory, &r.has_memory,
	    &r.memory_n, "memory") != 0))
		goto out;
	if (vals[SVC_MEM_RESERVATION] != NULL &&
	    (cp_size(f, vals[SVC_MEM_RESERVATION], "'mem_reservation'", &v64) != 0 ||
	    cp_res_set(f, vals[SVC_MEM_RESERVATION], "'mem_reservation'", v64, &r.reservation,
	    &r.has_reservation, &r.reservation_n, "memory") != 0))
		goto out;
	if (vals[SVC_CPUS] != NULL &&
	    (cp_cpus(f, vals[SVC_CPUS], "'cpus'", &v64) != 0 ||
	    cp_res_set(f, vals[SVC_CPUS], "'cpus'", v64, &r.nanocpus, &r.has_cpus,
	    &r.cpus_n, "cpus") != 0))
		goto out;
	if (vals[SVC_DEPLOY] != NULL && cp_deploy(f, vals[SVC_DEPLOY], &r) != 0)
		goto out;
	if (r.replicas == 0 && r.replicas_k != NULL && on) {
		if (cp_warn(f, &r.replicas_k->start_mark, "service '%s' is not deployed: "
		    "'replicas' is 0", q.s) != 0)
			goto out;
		on = 0;
	}
	if (scale == 0 && on) {
		if (cp_warn(f, &keyn[SVC_SCALE]->start_mark, "service '%s' is not deployed: "
		    "'scale' is 0", q.s) != 0)
			goto out;
		on = 0;
	}
	if (scale > 1 && r.mode == COMPOSE_MODE_REPLICATED && r.replicas < 0)
		r.replicas = (int)scale;
	if (vals[SVC_DEPLOY] == NULL && base.create != NULL) {
		r.mode = base.mode;
		r.replicas = base.mode == COMPOSE_MODE_REPLICATED ? base.replicas : -1;
	}
	if (vals[SVC_DEPLOY] == NULL && base.create != NULL)
		r.dnsrr = base.dnsrr;
	svc->dnsrr = r.dnsrr;
	svc->mode = r.mode;
	svc->replicas = r.mode == COMPOSE_MODE_REPLICATED ? (r.replicas >= 0 ? r.replicas : 1) : 0;
	if ((hc = cJSON_AddObjectToObject(c, "HostConfig")) == NULL)
		goto oom;
	if (cJSON_GetArraySize(binds) > 0) {
		cJSON_AddItemToObject(hc, "Binds", binds);
		binds = NULL;
	}
	if (vals[SVC_PORTS] != NULL) {
		cJSON_AddItemToObject(hc, "PortBindings", bindings);
		bindings = NULL;
	}
	if (cJSON_GetArraySize(devices) > 0) {
		cJSON_AddItemToObject(hc, "Devices", devices);
		devices = NULL;
	}
	if ((r.has_memory && cJSON_AddNumberToObject(hc, "Memory", (double)r.memory) == NULL) ||
	    (r.has_reservation && cJSON_AddNumberToObject(hc, "MemoryReservation",
	    (double)r.reservation) == NULL) ||
	    (r.has_cpus && cJSON_AddNumberToObject(hc, "NanoCpus", (double)r.nanocpus) == NULL))
		goto oom;
	if (vals[SVC_RESTART] != NULL) {
		if (cp_restart(f, vals[SVC_RESTART], &item) != 0)
			goto out;
		cJSON_AddItemToObject(hc, "RestartPolicy", item);
	}
	/* Both targets: compose-net.c knows what Swarm takes of them. */
	if (cp_service_net(f, svc, k, hc, vals[SVC_NETWORKS], keyn[SVC_NETWORKS],
	    vals[SVC_NETWORK_MODE], vals[SVC_DEPENDS_ON], keyn[SVC_DEPENDS_ON]) != 0)
		goto out;
	if (cp_service_secrets(f, svc, vals[SVC_SECRETS], vals[SVC_CONFIGS]) != 0)
		goto out;
	if (vals[SVC_CAP_ADD] != NULL) {
		if (cp_caps(f, vals[SVC_CAP_ADD], "'cap_add'", &item) != 0)
			goto out;
		cJSON_AddItemToObject(hc, "CapAdd", item);
	}
	if (vals[SVC_CAP_DROP] != NULL) {
		if (cp_caps(f, vals[SVC_CAP_DROP], "'cap_drop'", &item) != 0)
			goto out;
		cJSON_AddItemToObject(hc, "CapDrop", item);
	}
	if (vals[SVC_PRIVILEGED] != NULL) {
		if (cp_bool(f, vals[SVC_PRIVILEGED], "'privileged'", &b) != 0)
			goto out;
		if (cJSON_AddBoolToObject(hc, "Privileged", b) == NULL)
			goto oom;
	}
	if (vals[SVC_READ_ONLY] != NULL) {
		if (cp_bool(f, vals[SVC_READ_ONLY], "'read_only'", &b) != 0)
			goto out;
		if (cJSON_AddBoolToObject(hc, "ReadonlyRootfs", b) == NULL)
			goto oom;
	}
	if (cJSON_GetArraySize(tmpfs) > 0 && f->stack->target == COMPOSE_TARGET_SWARM) {
		/* A long-form tmpfs volume: tmpfs: itself was warned about already. */
		if (cp_warn(f, &keyn[SVC_VOLUMES]->start_mark, "tmpfs volumes ignored under "
		    "x-plantdeck target swarm (not yet carried into a Swarm service)") != 0)
			goto out;
	} else if (cJSON_GetArraySize(tmpfs) > 0) {
		cJSON_AddItemToObject(hc, "Tmpfs", tmpfs);
		tmpfs = NULL;
	}
	if (vals[SVC_ULIMITS] != NULL) {
		if (cp_ulimits(f, vals[SVC_ULIMITS], &item) != 0)
			goto out;
		cJSON_AddItemToObject(hc, "Ulimits", item);
	}
	if (vals[SVC_SYSCTLS] != NULL) {
		if (cp_sysctls(f, vals[SVC_SYSCTLS], &item) != 0)
			goto out;
		cJSON_AddItemToObject(hc, "Sysctls", item);
	}
	if (vals[SVC_INIT] != NULL) {
		if (cp_bool(f, vals[SVC_INIT], "'init'", &b) != 0)
			goto out;
		if (cJSON_AddBoolToObject(hc, "Init", b) == NULL)
			goto oom;
	}
	if (vals[SVC_EXTRA_HOSTS] != NULL) {
		if (cp_extra_hosts(f, vals[SVC_EXTRA_HOSTS], &item) != 0)
			goto out;
		cJSON_AddItemToObject(hc, "ExtraHosts", item);
	}
	if (vals[SVC_DNS] != NULL) {
		if (cp_dns(f, vals[SVC_DNS], &item) != 0)
			goto out;
		cJSON_AddItemToObject(hc, "Dns", item);
	}
	if (vals[SVC_LOGGING] != NULL) {
		if (cp_logging(f, vals[SVC_LOGGING], &item) != 0)
			goto out;
		cJSON_AddItemToObject(hc, "LogConfig", item);
	}
	if (base.create != NULL) {
		/* extends: this service's body merged into its base's. */
		if (cp_merge_create(base.create, c) != 0)
			goto oom;
		cJSON_Delete(c);
		svc->create = base.create;
		base.create = NULL;
		svc->has_healthcheck |= base.has_healthcheck;
		if (svc->secrets == NULL) {
			/* extends: the base's secrets and configs, when it names none. */
			svc->secrets = base.secrets;
			base.secrets = NULL;
		}
	}
	rc = on ? 0 : 1;
	goto out;
oom:
	yf_error(&f->y, &v->start_mark, "out of memory");
out:
	cJSON_Delete(exposed);
	cJSON_Delete(bindings);
	cJSON_Delete(binds);
	cJSON_Delete(volumes);
	cJSON_Delete(devices);
	cJSON_Delete(tmpfs);
	free(base.name);
	free(base.image);
	cJSON_Delete(base.create);
	cJSON_Delete(base.secrets);
	cJSON_Delete(base.endpoints);
	cJSON_Delete(base.depends_on);
	cp_vars_clear(&env);
	cp_vars_clear(&labels);
	return rc;
}
