/*
 * model.c — the simulated engines' state: timers, containers (list items and
 * inspect documents), events to the open streams, lifecycles (start, die,
 * restarts, health) and the nodes' initial plant.  Design: enginesim.c.
 */
#include "sim.h"

const char *state_names[] = { "created", "running", "paused", "exited" };
const char *health_names[] = { "none", "starting", "healthy", "unhealthy" };

/* ---------------------------------------------------------------- timers */

/* Arm the timerfd at the heap's head. */
void
timer_arm(void)
{
	struct itimerspec its;
	double d;

	memset(&its, 0, sizeof(its));
	if (sim_nheap > 0) {
		d = sim_heap[0].at - now_mono();
		if (d < 1e-6)
			d = 1e-6;
		its.it_value.tv_sec = (time_t)d;
		its.it_value.tv_nsec = (long)((d - (double)(time_t)d) * 1e9);
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1000;
	}
	timerfd_settime(sim_tfd, 0, &its, NULL);
}

/* Add a timer DELAY seconds from now. */
void
timer_add(double delay, int kind, struct node *n, struct ctr *c, struct conn *cn)
{
	struct timer t = { now_mono() + delay, kind, n, c, c ? c->serial : 0, cn };
	size_t i;

	if (sim_nheap == sim_capheap) {
		sim_capheap = sim_capheap ? sim_capheap * 2 : 64;
		sim_heap = xrealloc(sim_heap, sim_capheap * sizeof(*sim_heap));
	}
	i = sim_nheap++;
	while (i > 0 && sim_heap[(i - 1) / 2].at > t.at) {
		sim_heap[i] = sim_heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	sim_heap[i] = t;
	if (i == 0)
		timer_arm();
}

/* Remove and return the heap's head. */
struct timer
timer_pop(void)
{
	struct timer top = sim_heap[0], last = sim_heap[--sim_nheap];
	size_t i = 0, k;

	for (;;) {
		k = 2 * i + 1;
		if (k >= sim_nheap)
			break;
		if (k + 1 < sim_nheap && sim_heap[k + 1].at < sim_heap[k].at)
			k++;
		if (sim_heap[k].at >= last.at)
			break;
		sim_heap[i] = sim_heap[k];
		i = k;
	}
	if (sim_nheap > 0)
		sim_heap[i] = last;
	return top;
}

/* ---------------------------------------------------------------- containers */

/* The value of label K of container C, or NULL. */
const char *
ctr_label(const struct ctr *c, const char *k)
{
	int i;

	for (i = 0; i < c->nlabels; i++)
		if (strcmp(c->labels[i].k, k) == 0)
			return c->labels[i].v;
	return NULL;
}

/* Set a label. */
void
ctr_set_label(struct ctr *c, const char *k, const char *v)
{
	int i;

	for (i = 0; i < c->nlabels; i++)
		if (strcmp(c->labels[i].k, k) == 0) {
			free(c->labels[i].v);
			c->labels[i].v = xstrdup(v);
			return;
		}
	if (c->nlabels == SIM_MAX_LABELS)
		return;
	c->labels[c->nlabels].k = xstrdup(k);
	c->labels[c->nlabels].v = xstrdup(v);
	c->nlabels++;
}

/* Find a container by full id, unique id prefix or name. */
struct ctr *
ctr_find(struct node *n, const char *ref)
{
	size_t rl = strlen(ref);
	struct ctr *hit = NULL;
	int i;

	if (rl == 0)
		return NULL;
	for (i = 0; i < n->nc; i++)
		if (strcmp(n->c[i]->id, ref) == 0)
			return n->c[i];
	for (i = 0; i < n->nc; i++) {
		const char *nm = n->c[i]->name;

		if (strcmp(nm, ref) == 0 || (ref[0] == '/' && strcmp(nm, ref + 1) == 0))
			return n->c[i];
	}
	for (i = 0; i < n->nc; i++)
		if (strncmp(n->c[i]->id, ref, rl) == 0) {
			if (hit != NULL)
				return NULL;
			hit = n->c[i];
		}
	return hit;
}

/* A new container on node N (state created). */
struct ctr *
ctr_new(struct node *n, const char *name, const char *image)
{
	struct ctr *c = xrealloc(NULL, sizeof(*c));

	memset(c, 0, sizeof(*c));
	new_id(c->id);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->image, sizeof(c->image), "%s", image);
	snprintf(c->cmd, sizeof(c->cmd), "/bin/plc-sim");
	snprintf(c->restart, sizeof(c->restart), "no");
	c->alive = 1;
	c->serial = ++sim_serial;
	c->created = now_wall();
	if (n->nc == n->cap) {
		n->cap = n->cap ? n->cap * 2 : 16;
		n->c = xrealloc(n->c, (size_t)n->cap * sizeof(*n->c));
	}
	n->c[n->nc++] = c;
	return c;
}

/* Take C off its node (the memory stays: timers may still name it). */
void
ctr_drop(struct node *n, struct ctr *c)
{
	int i;

	for (i = 0; i < n->nc; i++)
		if (n->c[i] == c) {
			n->c[i] = n->c[--n->nc];
			break;
		}
	c->alive = 0;
}

/* The container's image id (stable per image name). */
void
image_id(const char *image, char out[72])
{
	uint64_t h = 1469598103934665603ULL;
	const char *p;
	int i;

	for (p = image; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	memcpy(out, "sha256:", 7);
	for (i = 0; i < 4; i++) {
		h = h * 6364136223846793005ULL + 1442695040888963407ULL;
		snprintf(out + 7 + i * 16, 17, "%016" PRIx64, h);
	}
}

/* The human Status column of the list ("Up 3 minutes", "Exited (0) 2 hours ago"). */
static void
ctr_status(const struct ctr *c, char *out, size_t len)
{
	double now = now_wall();
	double d = now - (c->state == ST_EXITED ? c->finished : c->started);
	char ago[48];

	if (d < 1)
		snprintf(ago, sizeof(ago), "Less than a second");
	else if (d < 60)
		snprintf(ago, sizeof(ago), "%d seconds", (int)d);
	else if (d < 3600)
		snprintf(ago, sizeof(ago), "%d minutes", (int)(d / 60));
	else
		snprintf(ago, sizeof(ago), "%d hours", (int)(d / 3600));
	switch (c->state) {
	case ST_CREATED:
		snprintf(out, len, "Created");
		break;
	case ST_EXITED:
		snprintf(out, len, "Exited (%d) %s ago", c->exit_code, ago);
		break;
	default:
		snprintf(out, len, "Up %s%s%s", ago,
		    c->state == ST_PAUSED ? " (Paused)" : "",
		    c->health == H_HEALTHY ? " (healthy)" : c->health == H_UNHEALTHY ?
		    " (unhealthy)" : c->health == H_STARTING ? " (health: starting)" : "");
	}
}


/* Labels as a JSON object. */
static void
sb_labels(struct sbuf *b, const struct ctr *c)
{
	int i;

	sb_str(b, "{");
	for (i = 0; i < c->nlabels; i++) {
		if (i)
			sb_str(b, ",");
		sb_jstr(b, c->labels[i].k);
		sb_str(b, ":");
		sb_jstr(b, c->labels[i].v);
	}
	sb_str(b, "}");
}

/* A fake bridge address for container C on node N. */
static void
ctr_ip(const struct node *n, const struct ctr *c, char *out, size_t len)
{
	snprintf(out, len, "172.%d.%u.%u", 17 + n->idx % 14, (c->serial >> 8) & 255,
	    (c->serial & 253) + 2);
}

/* One item of GET /containers/json. */
void
sb_list_item(struct sbuf *b, const struct node *n, const struct ctr *c)
{
	char st[96], iid[72], ip[32];

	image_id(c->image, iid);
	ctr_status(c, st, sizeof(st));
	ctr_ip(n, c, ip, sizeof(ip));
	sb_fmt(b, "{\"Id\":\"%s\",\"Names\":[", c->id);
	{
		char nm[130];

		snprintf(nm, sizeof(nm), "/%s", c->name);
		sb_jstr(b, nm);
	}
	sb_str(b, "],\"Image\":");
	sb_jstr(b, c->image);
	sb_fmt(b, ",\"ImageID\":\"%s\",\"Command\":", iid);
	sb_jstr(b, c->cmd);
	sb_fmt(b, ",\"Created\":%lld,\"Ports\":[],\"Labels\":", (long long)c->created);
	sb_labels(b, c);
	sb_fmt(b, ",\"State\":\"%s\",\"Status\":", state_names[c->state]);
	sb_jstr(b, st);
	sb_str(b, ",\"HostConfig\":{\"NetworkMode\":\"default\"},\"NetworkSettings\":{\"Networks\":"
	    "{\"bridge\":{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,");
	sb_fmt(b, "\"NetworkID\":\"%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "\","
	    "\"EndpointID\":\"%s\",\"Gateway\":\"%s\",\"IPAddress\":\"%s\",\"IPPrefixLen\":%d,"
	    "\"IPv6Gateway\":\"\",\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,"
	    "\"MacAddress\":\"%s\",\"DriverOpts\":null}}},\"Mounts\":[]}",
	    (uint64_t)n->idx * 2654435761u, (uint64_t)0xb1d9e, (uint64_t)n->idx, (uint64_t)42,
	    c->state == ST_RUNNING || c->state == ST_PAUSED ? c->id : "",
	    c->state == ST_RUNNING || c->state == ST_PAUSED ? "172.17.0.1" : "",
	    c->state == ST_RUNNING || c->state == ST_PAUSED ? ip : "",
	    c->state == ST_RUNNING || c->state == ST_PAUSED ? 16 : 0,
	    c->state == ST_RUNNING || c->state == ST_PAUSED ? "02:42:ac:11:00:02" : "");
}

/* GET /containers/{id}/json. */
void
sb_inspect(struct sbuf *b, const struct node *n, const struct ctr *c)
{
	char iid[72], ip[32];
	int up = c->state == ST_RUNNING || c->state == ST_PAUSED;

	image_id(c->image, iid);
	ctr_ip(n, c, ip, sizeof(ip));
	sb_fmt(b, "{\"Id\":\"%s\",\"Created\":", c->id);
	sb_time(b, c->created);
	sb_str(b, ",\"Path\":");
	sb_jstr(b, c->cmd);
	sb_fmt(b, ",\"Args\":[],\"State\":{\"Status\":\"%s\",\"Running\":%s,\"Paused\":%s,"
	    "\"Restarting\":false,\"OOMKilled\":%s,\"Dead\":false,\"Pid\":%d,\"ExitCode\":%d,"
	    "\"Error\":\"\",\"StartedAt\":", state_names[c->state],
	    up ? "true" : "false", c->state == ST_PAUSED ? "true" : "false",
	    c->oom ? "true" : "false", up ? 10000 + (int)(c->serial % 50000) : 0, c->exit_code);
	sb_time(b, c->started);
	sb_str(b, ",\"FinishedAt\":");
	sb_time(b, c->finished);
	if (c->has_health) {
		sb_fmt(b, ",\"Health\":{\"Status\":\"%s\",\"FailingStreak\":%d,\"Log\":[",
		    health_names[c->health == H_NONE ? H_STARTING : c->health], c->fail_streak);
		if (c->health == H_HEALTHY || c->health == H_UNHEALTHY) {
			double t = now_wall() - 1;

			sb_str(b, "{\"Start\":");
			sb_time(b, t);
			sb_str(b, ",\"End\":");
			sb_time(b, t + 0.01);
			sb_fmt(b, ",\"ExitCode\":%d,\"Output\":\"%s\"}",
			    c->health == H_HEALTHY ? 0 : 1,
			    c->health == H_HEALTHY ? "ok\\n" : "plc: no answer\\n");
		}
		sb_str(b, "]}");
	}
	sb_str(b, "},\"Image\":");
	sb_jstr(b, iid);
	sb_fmt(b, ",\"ResolvConfPath\":\"/var/lib/docker/containers/%s/resolv.conf\","
	    "\"HostnamePath\":\"/var/lib/docker/containers/%s/hostname\","
	    "\"HostsPath\":\"/var/lib/docker/containers/%s/hosts\","
	    "\"LogPath\":\"/var/lib/docker/containers/%s/%s-json.log\",\"Name\":",
	    c->id, c->id, c->id, c->id, c->id);
	{
		char nm[130];

		snprintf(nm, sizeof(nm), "/%s", c->name);
		sb_jstr(b, nm);
	}
	sb_fmt(b, ",\"RestartCount\":%d,\"Driver\":\"overlay2\",\"Platform\":\"linux\","
	    "\"MountLabel\":\"\",\"ProcessLabel\":\"\",\"AppArmorProfile\":\"\",\"ExecIDs\":null,"
	    "\"HostConfig\":{\"Binds\":null,\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":"
	    "\"json-file\",\"Config\":{}},\"NetworkMode\":\"default\",\"PortBindings\":null,"
	    "\"RestartPolicy\":{\"Name\":", c->restarts);
	sb_jstr(b, c->restart);
	sb_fmt(b, ",\"MaximumRetryCount\":%d},\"AutoRemove\":false,\"VolumeDriver\":\"\","
	    "\"VolumesFrom\":null,\"CapAdd\":null,\"CapDrop\":null,\"CgroupnsMode\":\"host\","
	    "\"Dns\":null,\"DnsOptions\":null,\"DnsSearch\":null,\"ExtraHosts\":null,\"GroupAdd\":null,"
	    "\"IpcMode\":\"private\",\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,"
	    "\"PidMode\":\"\",\"Privileged\":false,\"PublishAllPorts\":false,"
	    "\"ReadonlyRootfs\":false,\"SecurityOpt\":null,\"UTSMode\":\"\",\"UsernsMode\":\"\","
	    "\"ShmSize\":67108864,\"Runtime\":\"runc\",\"ConsoleSize\":[0,0],\"Isolation\":\"\","
	    "\"CpuShares\":0,\"Memory\":%" PRId64 ",\"NanoCpus\":%" PRId64 ",\"CgroupParent\":\"\","
	    "\"BlkioWeight\":0,\"BlkioWeightDevice\":null,\"BlkioDeviceReadBps\":null,"
	    "\"BlkioDeviceWriteBps\":null,\"BlkioDeviceReadIOps\":null,"
	    "\"BlkioDeviceWriteIOps\":null,\"CpuPeriod\":0,\"CpuQuota\":0,"
	    "\"CpuRealtimePeriod\":0,\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\","
	    "\"CpusetMems\":\"\",\"Devices\":null,\"DeviceCgroupRules\":null,"
	    "\"DeviceRequests\":null,\"KernelMemory\":0,\"KernelMemoryTCP\":0,"
	    "\"MemoryReservation\":0,\"MemorySwap\":%" PRId64 ",\"MemorySwappiness\":null,"
	    "\"OomKillDisable\":false,\"PidsLimit\":null,\"Ulimits\":null,\"CpuCount\":0,"
	    "\"CpuPercent\":0,\"IOMaximumIOps\":0,\"IOMaximumBandwidth\":0,\"MaskedPaths\":"
	    "[\"/proc/asound\",\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\","
	    "\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\","
	    "\"/proc/sched_debug\",\"/proc/scsi\",\"/sys/firmware\"],\"ReadonlyPaths\":"
	    "[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]},"
	    "\"GraphDriver\":{\"Data\":{\"LowerDir\":\"/var/lib/docker/overlay2/%.16s-init/diff\","
	    "\"MergedDir\":\"/var/lib/docker/overlay2/%.16s/merged\","
	    "\"UpperDir\":\"/var/lib/docker/overlay2/%.16s/diff\","
	    "\"WorkDir\":\"/var/lib/docker/overlay2/%.16s/work\"},\"Name\":\"overlay2\"},"
	    "\"Mounts\":[],\"Config\":{\"Hostname\":\"%.12s\",\"Domainname\":\"\",\"User\":\"\","
	    "\"AttachStdin\":false,\"AttachStdout\":false,\"AttachStderr\":false,\"Tty\":false,"
	    "\"OpenStdin\":false,\"StdinOnce\":false,\"Env\":[\"PATH=/usr/local/sbin:"
	    "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[",
	    c->restart_max, c->mem_limit, c->nano_cpus, c->mem_limit ? c->mem_limit * 2 : 0,
	    c->id, c->id, c->id, c->id, c->id);
	sb_jstr(b, c->cmd);
	sb_str(b, "],");
	if (c->has_health)
		sb_str(b, "\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"plc-sim check\"],"
		    "\"Interval\":2000000000,\"Timeout\":2000000000,\"StartPeriod\":1000000000,"
		    "\"Retries\":2},");
	sb_str(b, "\"Image\":");
	sb_jstr(b, c->image);
	sb_str(b, ",\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,"
	    "\"Labels\":");
	sb_labels(b, c);
	sb_fmt(b, "},\"NetworkSettings\":{\"Bridge\":\"\",\"SandboxID\":\"%s\","
	    "\"HairpinMode\":false,\"LinkLocalIPv6Address\":\"\",\"LinkLocalIPv6PrefixLen\":0,"
	    "\"Ports\":{},\"SandboxKey\":\"%s%.12s\",\"SecondaryIPAddresses\":null,"
	    "\"SecondaryIPv6Addresses\":null,\"EndpointID\":\"%s\",\"Gateway\":\"%s\","
	    "\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"IPAddress\":\"%s\","
	    "\"IPPrefixLen\":%d,\"IPv6Gateway\":\"\",\"MacAddress\":\"%s\",\"Networks\":{"
	    "\"bridge\":{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,"
	    "\"NetworkID\":\"%016" PRIx64 "%016x%048x\",\"EndpointID\":\"%s\",\"Gateway\":\"%s\","
	    "\"IPAddress\":\"%s\",\"IPPrefixLen\":%d,\"IPv6Gateway\":\"\","
	    "\"GlobalIPv6Address\":\"\",\"GlobalIPv6PrefixLen\":0,\"MacAddress\":\"%s\","
	    "\"DriverOpts\":null}}}}",
	    up ? c->id : "", up ? "/var/run/docker/netns/" : "", up ? c->id : "",
	    up ? c->id : "", up ? "172.17.0.1" : "", up ? ip : "", up ? 16 : 0,
	    up ? "02:42:ac:11:00:02" : "",
	    (uint64_t)n->idx * 2654435761u, 0xb1d9eu, 42u,
	    up ? c->id : "", up ? "172.17.0.1" : "", up ? ip : "", up ? 16 : 0,
	    up ? "02:42:ac:11:00:02" : "");
}

/* ---------------------------------------------------------------- events */

/* Does the events filter of stream S let TYPE/ACTION through? */
int
ev_match(const struct conn *s, const char *type, const char *action)
{
	char key[80];
	const char *colon;

	if (s->evtypes[0]) {
		snprintf(key, sizeof(key), ",%s,", type);
		if (strstr(s->evtypes, key) == NULL)
			return 0;
	}
	if (s->evactions[0]) {
		/* "health_status: healthy" matches the filter "health_status" */
		colon = strchr(action, ':');
		snprintf(key, sizeof(key), ",%.*s,",
		    colon ? (int)(colon - action) : (int)strlen(action), action);
		if (strstr(s->evactions, key) == NULL) {
			snprintf(key, sizeof(key), ",%s,", action);
			if (strstr(s->evactions, key) == NULL)
				return 0;
		}
	}
	return 1;
}

/* Record event LINE (TYPE, ACTION, at NANO) in node N's ring and send it to
 * N's /events streams whose filters take it.  The ring keeps the last
 * SIM_RING events for /events?since= (a replay, as the engine's own
 * events log gives). */
void
ev_send(struct node *n, const char *type, const char *action, const char *line, size_t len,
    long long nano)
{
	struct evrec *r;
	struct conn *s, *next;

	if (n->ring == NULL) {
		n->ring = xrealloc(NULL, SIM_RING * sizeof(*n->ring));
		memset(n->ring, 0, SIM_RING * sizeof(*n->ring));
	}
	r = &n->ring[(n->rhead + n->rlen) % SIM_RING];
	if (n->rlen == SIM_RING) {
		n->rhead = (n->rhead + 1) % SIM_RING;   /* the oldest goes */
		free(r->line);
	} else {
		n->rlen++;
	}
	r->line = xrealloc(NULL, len);
	memcpy(r->line, line, len);
	r->len = len;
	r->nano = nano;
	snprintf(r->type, sizeof(r->type), "%s", type);
	snprintf(r->action, sizeof(r->action), "%s", action);
	for (s = n->streams; s != NULL; s = next) {
		next = s->snext;
		if (s->stream == S_EVENTS && ev_match(s, type, action)) {
			stream_chunk(s, line, len);
			conn_flush(s);
		}
	}
}

/* The wall clock as the engine's event times: seconds and nanoseconds. */
void
ev_now(long long *sec, long long *nano)
{
	double t = now_wall();

	*sec = (long long)t;
	*nano = *sec * 1000000000LL + (long long)((t - (double)*sec) * 1e9);
}

/* Emit a container event on node N: to its /events streams, in the engine's format.
 * EXTRA: more attributes as JSON members (",\"exitCode\":\"0\"") or "". */
void
ev_emit(struct node *n, struct ctr *c, const char *action, const char *extra)
{
	struct sbuf b = { 0 };
	long long sec, nano;
	int i;

	if (n->hang)
		return;     /* a hung engine sends nothing */
	ev_now(&sec, &nano);
	sb_str(&b, "{\"status\":");
	sb_jstr(&b, action);
	sb_fmt(&b, ",\"id\":\"%s\",\"from\":", c->id);
	sb_jstr(&b, c->image);
	sb_str(&b, ",\"Type\":\"container\",\"Action\":");
	sb_jstr(&b, action);
	sb_fmt(&b, ",\"Actor\":{\"ID\":\"%s\",\"Attributes\":{", c->id);
	sb_str(&b, "\"image\":");
	sb_jstr(&b, c->image);
	sb_str(&b, ",\"name\":");
	sb_jstr(&b, c->name);
	for (i = 0; i < c->nlabels; i++) {
		sb_str(&b, ",");
		sb_jstr(&b, c->labels[i].k);
		sb_str(&b, ":");
		sb_jstr(&b, c->labels[i].v);
	}
	sb_str(&b, extra);
	sb_fmt(&b, "}},\"scope\":\"local\",\"time\":%lld,\"timeNano\":%lld}\n", sec, nano);
	ev_send(n, "container", action, b.p, b.len, nano);
	free(b.p);
}

/* End the follow-logs streams of container C. */
static void
logs_end(struct node *n, struct ctr *c)
{
	struct conn *s, *next;

	for (s = n->streams; s != NULL; s = next) {
		next = s->snext;
		if (s->stream == S_LOGS && strcmp(s->logid, c->id) == 0) {
			stream_end(s);
			stream_unlink(s);
			s->stream = S_NONE;
			s->close_after = 1;
			conn_flush(s);
		}
	}
}

/* ---------------------------------------------------------------- lifecycles */

/* C starts running (start, or a restart policy). */
void
ctr_start(struct node *n, struct ctr *c)
{
	c->state = ST_RUNNING;
	c->started = now_wall();
	c->oom = 0;
	c->exit_code = 0;
	if (c->has_health) {
		c->health = H_STARTING;
		c->fail_streak = 0;
		timer_add(sim_health_ms >= 0 ? sim_health_ms / 1000.0 :
		    2.0 + (double)(rnd() % 1000) / 1000.0, T_HEALTHY, n, c, NULL);
	}
	ev_emit(n, c, "start", "");
}

/* C's process ends with CODE; apply the restart policy unless STOPPED by the user. */
void
ctr_die(struct node *n, struct ctr *c, int code, int stopped)
{
	char extra[48];

	c->state = ST_EXITED;
	c->exit_code = code;
	c->finished = now_wall();
	snprintf(extra, sizeof(extra), ",\"exitCode\":\"%d\"", code);
	ev_emit(n, c, "die", extra);
	logs_end(n, c);
	if (stopped)
		return;
	if (strcmp(c->restart, "always") == 0 || strcmp(c->restart, "unless-stopped") == 0 ||
	    (strcmp(c->restart, "on-failure") == 0 && code != 0 &&
	    (c->restart_max == 0 || c->restarts < c->restart_max)))
		timer_add(0.1 * (1 << (c->restarts < 6 ? c->restarts : 6)), T_RESTART, n, c,
		    NULL);
}

/* Stop C as the engine does: SIGTERM (kill), die, stop. */
void
ctr_stop(struct node *n, struct ctr *c, int sig)
{
	char extra[32];

	snprintf(extra, sizeof(extra), ",\"signal\":\"%d\"", sig);
	ev_emit(n, c, "kill", extra);
	/* the lab's images end on SIGTERM with 0, as a well-behaved service does */
	ctr_die(n, c, sig == 9 ? 137 : 0, 1);
	if (sig != 9)
		ev_emit(n, c, "stop", "");
}

/* One random lifecycle change somewhere in the fleet (the event generator). */
static void
gen_event(void)
{
	struct node *n;
	struct ctr *c;
	unsigned r;
	int i;

	if (sim_n == 0)
		return;
	n = &sim_nodes[rnd() % (uint64_t)sim_n];
	if (n->nc == 0)
		return;
	c = n->c[rnd() % (uint64_t)n->nc];
	r = (unsigned)(rnd() % 100);
	if (c->state == ST_EXITED || c->state == ST_CREATED) {
		c->restarts++;
		ctr_start(n, c);
		return;
	}
	if (c->state != ST_RUNNING)
		return;
	if (c->has_health && r < 50) {
		c->health = c->health == H_HEALTHY ? H_UNHEALTHY : H_HEALTHY;
		c->fail_streak = c->health == H_UNHEALTHY ? 3 : 0;
		ev_emit(n, c, c->health == H_HEALTHY ? "health_status: healthy" :
		    "health_status: unhealthy", "");
	} else if (r < 65) {
		c->oom = 1;
		ev_emit(n, c, "oom", "");
		ctr_die(n, c, 137, 0);
		c->oom = 1;
	} else if (r < 85) {
		ctr_die(n, c, 1, 0);
	} else {
		i = c->restarts;
		ctr_stop(n, c, 15);
		c->restarts = i;
		ctr_start(n, c);
		ev_emit(n, c, "restart", "");
	}
}

/* A timer fired. */
void
timer_fire(const struct timer *t)
{
	switch (t->kind) {
	case T_GEN:
		gen_event();
		if (sim_rate > 0)
			timer_add(1.0 / sim_rate, T_GEN, NULL, NULL, NULL);
		break;
	case T_HEALTHY:
		if (t->ctr->alive && t->ctr->serial == t->serial && t->ctr->state == ST_RUNNING &&
		    t->ctr->health == H_STARTING) {
			t->ctr->health = H_HEALTHY;
			ev_emit(t->node, t->ctr, "health_status: healthy", "");
		}
		break;
	case T_RESTART:
		if (t->ctr->alive && t->ctr->state == ST_EXITED) {
			t->ctr->restarts++;
			ctr_start(t->node, t->ctr);
		}
		break;
	default:
		break;
	}
}

/* Node I (0-based) with K containers, as a lab plant would run them. */
void
node_init(struct node *n, int i, int k)
{
	int j;
	double t = now_wall();

	memset(n, 0, sizeof(*n));
	n->kind = K_LISTEN;
	n->idx = i + 1;
	snprintf(n->name, sizeof(n->name), "sim-%04d", i + 1);
	snprintf(n->addr, sizeof(n->addr), "127.%d.%d.%d", sim_net, (i + 1) / 250,
	    (i + 1) % 250 + 1);
	for (j = 0; j < k; j++) {
		char nm[64];
		struct ctr *c;

		snprintf(nm, sizeof(nm), "%s-%d", n->name, j + 1);
		c = ctr_new(n, nm, sim_images[j % 5 == 4 ? 2 : j % 8 == 3 ? 3 : j % 2 == 0 ? 0 : 1]);
		c->created = t - 86400 - j * 60;
		c->started = t - 3600 - (double)(rnd() % 3600);
		c->state = ST_RUNNING;
		image_traits(c);
		snprintf(c->restart, sizeof(c->restart), "%s", j % 3 == 0 ? "always" :
		    j % 3 == 1 ? "unless-stopped" : "no");
		ctr_set_label(c, "plant.line", i / 27 % 2 ? "B" : "A");
		if (j < 3) {
			char svc[32];

			snprintf(svc, sizeof(svc), "plc-%d", j + 1);
			ctr_set_label(c, "com.docker.compose.project", "plant");
			ctr_set_label(c, "com.docker.compose.service", svc);
			ctr_set_label(c, "com.docker.compose.container-number", "1");
		}
		if (c->has_health)
			c->health = H_HEALTHY;
		if (j == k - 1 && k >= 5) {
			c->state = ST_EXITED;
			c->exit_code = 0;
			c->finished = t - 600;
		}
	}
}
