/*
 * api.c — the Engine API handlers of a simulated node: containers, images,
 * networks, volumes, events, logs, stats, version and info.  Design: enginesim.c.
 */
#include "sim.h"

/* ---------------------------------------------------------------- requests */

/* What the lab's images bring (doc/lab.md, Images): plc-sim and flaky have a
 * HEALTHCHECK, plc-sim the label org.plantdeck.version. */
void
image_traits(struct ctr *c)
{
	const char *p = strstr(c->image, "/plant/plc-sim:");

	if (p != NULL && strcmp(p + 15, "bad") != 0) {
		c->has_health = 1;
		ctr_set_label(c, "org.plantdeck.version", p + 15);
	}
	if (strstr(c->image, "/plant/flaky:") != NULL)
		c->has_health = 1;
}

/* Fill a container from a create body (JSON). */
static void
ctr_from_body(struct ctr *c, const cJSON *j)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(j, "Labels");
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(j, "HostConfig");
	const cJSON *rp = cJSON_GetObjectItemCaseSensitive(host, "RestartPolicy");
	const cJSON *it, *cmd = cJSON_GetObjectItemCaseSensitive(j, "Cmd");

	cJSON_ArrayForEach(it, labels)
		if (cJSON_IsString(it) && it->string != NULL)
			ctr_set_label(c, it->string, it->valuestring);
	it = cJSON_GetObjectItemCaseSensitive(rp, "Name");
	if (cJSON_IsString(it) && it->valuestring[0])
		snprintf(c->restart, sizeof(c->restart), "%s", it->valuestring);
	it = cJSON_GetObjectItemCaseSensitive(rp, "MaximumRetryCount");
	if (cJSON_IsNumber(it))
		c->restart_max = it->valueint;
	it = cJSON_GetObjectItemCaseSensitive(host, "Memory");
	if (cJSON_IsNumber(it))
		c->mem_limit = (int64_t)it->valuedouble;
	it = cJSON_GetObjectItemCaseSensitive(host, "NanoCpus");
	if (cJSON_IsNumber(it))
		c->nano_cpus = (int64_t)it->valuedouble;
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "Healthcheck")))
		c->has_health = 1;
	if (cJSON_IsArray(cmd) && cJSON_IsString(cJSON_GetArrayItem(cmd, 0)))
		snprintf(c->cmd, sizeof(c->cmd), "%s", cJSON_GetArrayItem(cmd, 0)->valuestring);
}

/* Add the strings of filter KEY (array or {"x":true} map) as ",a,b," into OUT. */
static void
filter_list(const cJSON *f, const char *key, char *out, size_t len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, key), *it;
	size_t o;

	out[0] = '\0';
	if (v == NULL)
		return;
	snprintf(out, len, ",");
	cJSON_ArrayForEach(it, v) {
		const char *s = cJSON_IsString(it) ? it->valuestring : it->string;

		o = strlen(out);
		if (s != NULL && o + strlen(s) + 2 < len)
			snprintf(out + o, len - o, "%s,", s);
	}
}

/* Does container C pass the list filters F (label, name, status, id)? */
static int
list_match(const cJSON *f, const struct ctr *c)
{
	const cJSON *v, *it;
	int ok;

	v = cJSON_GetObjectItemCaseSensitive(f, "label");
	cJSON_ArrayForEach(it, v) {
		const char *s = cJSON_IsString(it) ? it->valuestring : it->string;
		const char *eq, *have;
		char k[256];

		if (s == NULL)
			continue;
		eq = strchr(s, '=');
		snprintf(k, sizeof(k), "%.*s", eq ? (int)(eq - s) : (int)strlen(s), s);
		have = ctr_label(c, k);
		if (have == NULL || (eq != NULL && strcmp(have, eq + 1) != 0))
			return 0;
	}
	v = cJSON_GetObjectItemCaseSensitive(f, "name");
	if (v != NULL) {
		ok = 0;
		cJSON_ArrayForEach(it, v) {
			const char *s = cJSON_IsString(it) ? it->valuestring : it->string;

			if (s != NULL && strstr(c->name, s[0] == '/' ? s + 1 : s) != NULL)
				ok = 1;
		}
		if (!ok)
			return 0;
	}
	v = cJSON_GetObjectItemCaseSensitive(f, "status");
	if (v != NULL) {
		ok = 0;
		cJSON_ArrayForEach(it, v) {
			const char *s = cJSON_IsString(it) ? it->valuestring : it->string;

			if (s != NULL && strcmp(s, state_names[c->state]) == 0)
				ok = 1;
		}
		if (!ok)
			return 0;
	}
	v = cJSON_GetObjectItemCaseSensitive(f, "id");
	if (v != NULL) {
		ok = 0;
		cJSON_ArrayForEach(it, v) {
			const char *s = cJSON_IsString(it) ? it->valuestring : it->string;

			if (s != NULL && strncmp(c->id, s, strlen(s)) == 0)
				ok = 1;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

/* GET /containers/json. */
static void
do_list(struct conn *cn, struct node *n, const char *q)
{
	struct sbuf b = { 0 };
	char fbuf[4096];
	cJSON *f = NULL;
	int all = query_bool(q, "all"), i, first = 1;

	if (n->huge_mib > 0) {
		/* the "huge" fault: a list that never ends within a client's cap */
		size_t len = (size_t)n->huge_mib << 20;

		sb_room(&b, len + 1);
		b.p[0] = '[';
		memset(b.p + 1, ' ', len - 1);
		b.len = len;
		b.p[len] = '\0';
		reply_json(cn, 200, &b);
		free(b.p);
		return;
	}
	if (query_get(q, "filters", fbuf, sizeof(fbuf)) && fbuf[0]) {
		f = cJSON_Parse(fbuf);
		if (f == NULL) {
			reply_err(cn, 400, "invalid filter");
			return;
		}
	}
	sb_room(&b, (size_t)n->nc * 900);
	sb_str(&b, "[");
	for (i = n->nc - 1; i >= 0; i--) {
		struct ctr *c = n->c[i];

		if (!all && c->state != ST_RUNNING && c->state != ST_PAUSED)
			continue;
		if (f != NULL && !list_match(f, c))
			continue;
		if (!first)
			sb_str(&b, ",");
		first = 0;
		sb_list_item(&b, n, c);
	}
	sb_str(&b, "]");
	reply_json(cn, 200, &b);
	free(b.p);
	cJSON_Delete(f);
}

/* POST /containers/create. */
static void
do_create(struct conn *cn, struct node *n, const char *q, const char *body)
{
	char name[128], nm[128];
	cJSON *j = cJSON_Parse(body);
	const cJSON *img = cJSON_GetObjectItemCaseSensitive(j, "Image");
	struct ctr *c, *old;
	struct sbuf b = { 0 };

	if (!cJSON_IsString(img) || img->valuestring[0] == '\0') {
		reply_err(cn, 400, "No command specified");
		cJSON_Delete(j);
		return;
	}
	if (!query_get(q, "name", name, sizeof(name)) || name[0] == '\0')
		snprintf(name, sizeof(name), "sim_%08x", (unsigned)rnd());
	snprintf(nm, sizeof(nm), "%s", name[0] == '/' ? name + 1 : name);
	old = ctr_find(n, nm);
	if (old != NULL && strcmp(old->name, nm) == 0) {
		reply_err(cn, 409, "Conflict. The container name \"/%s\" is already in use by "
		    "container \"%s\". You have to remove (or rename) that container to be able "
		    "to reuse that name.", nm, old->id);
		cJSON_Delete(j);
		return;
	}
	c = ctr_new(n, nm, img->valuestring);
	image_traits(c);
	ctr_from_body(c, j);
	cJSON_Delete(j);
	ev_emit(n, c, "create", "");
	sb_fmt(&b, "{\"Id\":\"%s\",\"Warnings\":[]}", c->id);
	reply_json(cn, 201, &b);
	free(b.p);
}

/* GET /containers/{id}/stats (one sample). */
static void
do_stats(struct conn *cn, struct node *n, struct ctr *c)
{
	struct sbuf b = { 0 };
	double t = now_wall();
	uint64_t sys = (uint64_t)(t * 2e9);
	int up = c->state == ST_RUNNING;
	uint64_t mem = up ? 3000000 + (uint64_t)(c->serial % 97) * 65536 : 0;
	uint64_t limit = c->mem_limit > 0 ? (uint64_t)c->mem_limit : 8326664192ULL;

	c->stats_calls++;
	if (up)
		c->cpu_ns += 2000000 + rnd() % 4000000;
	sb_str(&b, "{\"read\":");
	sb_time(&b, up ? t : 0);
	sb_str(&b, ",\"preread\":\"0001-01-01T00:00:00Z\",\"pids_stats\":");
	sb_str(&b, up ? "{\"current\":1,\"limit\":4615}" : "{}");
	sb_str(&b, ",\"blkio_stats\":{\"io_service_bytes_recursive\":null,"
	    "\"io_serviced_recursive\":null,\"io_queue_recursive\":null,"
	    "\"io_service_time_recursive\":null,\"io_wait_time_recursive\":null,"
	    "\"io_merged_recursive\":null,\"io_time_recursive\":null,"
	    "\"sectors_recursive\":null},\"num_procs\":0,\"storage_stats\":{},");
	if (up)
		sb_fmt(&b, "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":%" PRIu64 ","
		    "\"percpu_usage\":[%" PRIu64 ",%" PRIu64 "],\"usage_in_kernelmode\":%" PRIu64
		    ",\"usage_in_usermode\":%" PRIu64 "},\"system_cpu_usage\":%" PRIu64 ","
		    "\"online_cpus\":2,\"throttling_data\":{\"periods\":0,\"throttled_periods\":0,"
		    "\"throttled_time\":0}},", c->cpu_ns, c->cpu_ns / 2, c->cpu_ns - c->cpu_ns / 2,
		    c->cpu_ns / 3, c->cpu_ns - c->cpu_ns / 3, sys);
	else
		sb_str(&b, "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":0,"
		    "\"usage_in_kernelmode\":0,\"usage_in_usermode\":0},\"throttling_data\":"
		    "{\"periods\":0,\"throttled_periods\":0,\"throttled_time\":0}},");
	sb_str(&b, "\"precpu_stats\":{\"cpu_usage\":{\"total_usage\":0,\"usage_in_kernelmode\":0,"
	    "\"usage_in_usermode\":0},\"throttling_data\":{\"periods\":0,"
	    "\"throttled_periods\":0,\"throttled_time\":0}},");
	if (up)
		sb_fmt(&b, "\"memory_stats\":{\"usage\":%" PRIu64 ",\"max_usage\":%" PRIu64 ","
		    "\"stats\":{\"active_anon\":0,\"active_file\":0,\"cache\":%d,\"dirty\":0,"
		    "\"hierarchical_memory_limit\":9223372036854771712,"
		    "\"hierarchical_memsw_limit\":0,\"inactive_anon\":%" PRIu64 ","
		    "\"inactive_file\":%d,\"mapped_file\":0,\"pgfault\":%u,\"pgmajfault\":0,"
		    "\"pgpgin\":%u,\"pgpgout\":%u,\"rss\":%" PRIu64 ",\"rss_huge\":0,"
		    "\"total_active_anon\":0,\"total_active_file\":0,\"total_cache\":%d,"
		    "\"total_dirty\":0,\"total_inactive_anon\":%" PRIu64 ","
		    "\"total_inactive_file\":%d,\"total_mapped_file\":0,\"total_pgfault\":%u,"
		    "\"total_pgmajfault\":0,\"total_pgpgin\":%u,\"total_pgpgout\":%u,"
		    "\"total_rss\":%" PRIu64 ",\"total_rss_huge\":0,\"total_unevictable\":0,"
		    "\"total_writeback\":0,\"unevictable\":0,\"writeback\":0},"
		    "\"limit\":%" PRIu64 "},",
		    mem, mem + 131072, 4096, mem - 8192, 4096, 300u, 200u, 100u, mem - 8192,
		    4096, mem - 8192, 4096, 300u, 200u, 100u, mem - 8192, limit);
	else
		sb_str(&b, "\"memory_stats\":{},");
	sb_str(&b, "\"name\":");
	{
		char nm[130];

		snprintf(nm, sizeof(nm), "/%s", c->name);
		sb_jstr(&b, nm);
	}
	sb_fmt(&b, ",\"id\":\"%s\"", c->id);
	if (up)
		sb_fmt(&b, ",\"networks\":{\"eth0\":{\"rx_bytes\":%u,\"rx_packets\":%u,"
		    "\"rx_errors\":0,\"rx_dropped\":0,\"tx_bytes\":0,\"tx_packets\":0,"
		    "\"tx_errors\":0,\"tx_dropped\":0}}", 1000u + c->serial % 1000,
		    10u + c->serial % 10);
	sb_str(&b, "}");
	(void)n;
	reply_json(cn, 200, &b);
	free(b.p);
}

/* Append one log frame (8-byte header: stream, 0, 0, 0, big-endian length),
 * stamped AT seconds after now. */
static void
log_frame_at(struct sbuf *b, int stream, const char *line, int ts, double at)
{
	struct sbuf l = { 0 };
	unsigned char h[8] = { (unsigned char)stream, 0, 0, 0, 0, 0, 0, 0 };

	if (ts) {
		sb_time(&l, now_wall() + at);      /* "2026-...Z" without its quotes */
		memmove(l.p, l.p + 1, l.len - 2);
		l.len -= 2;
		sb_str(&l, " ");
	}
	sb_str(&l, line);
	sb_str(&l, "\n");
	h[4] = (unsigned char)(l.len >> 24);
	h[5] = (unsigned char)(l.len >> 16);
	h[6] = (unsigned char)(l.len >> 8);
	h[7] = (unsigned char)l.len;
	sb_add(b, (const char *)h, 8);
	sb_add(b, l.p, l.len);
	free(l.p);
}

/* Append one log frame stamped now. */
static void
log_frame(struct sbuf *b, int stream, const char *line, int ts)
{
	log_frame_at(b, stream, line, ts, 0);
}

/* The lines of file PATH (label org.plantdeck.sim.logfile: a test's
 * scripted output, e.g. agent lines) as log frames, 1 µs apart; 0, or -1
 * when it cannot be read. */
static int
log_file(struct sbuf *b, const char *path, int ts)
{
	char line[8192];
	FILE *fp = fopen(path, "re");
	int i = 0;

	if (fp == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		log_frame_at(b, 1, line, ts, 1e-6 * i++);
	}
	fclose(fp);
	return 0;
}

/* GET /containers/{id}/logs. */
static void
do_logs(struct conn *cn, struct node *n, struct ctr *c, const char *q)
{
	struct sbuf b = { 0 };
	char v[32], line[160];
	int tail = 20, i, ts = query_bool(q, "timestamps");
	const char *file = ctr_label(c, "org.plantdeck.sim.logfile");

	if (query_get(q, "tail", v, sizeof(v)) && strcmp(v, "all") != 0)
		tail = (int)strtol(v, NULL, 10);
	if (tail > 20 || tail < 0)
		tail = 20;
	if (file == NULL || log_file(&b, file, ts) != 0) {
		for (i = 20 - tail; i < 20; i++) {
			snprintf(line, sizeof(line), "plc-sim %s: cycle %d ok", c->name, i);
			log_frame(&b, 1, line, ts);
		}
	}
	if (query_bool(q, "follow") && c->state == ST_RUNNING) {
		stream_begin(cn, "application/vnd.docker.raw-stream");
		stream_chunk(cn, b.p, b.len);
		cn->stream = S_LOGS;
		snprintf(cn->logid, sizeof(cn->logid), "%s", c->id);
		cn->snext = n->streams;
		n->streams = cn;
	} else {
		reply(cn, 200, "application/vnd.docker.raw-stream", b.p, b.len);
	}
	free(b.p);
}

/* An /events time (since, until) in seconds: Unix seconds with an optional
 * fraction, RFC 3339 (UTC, "Z"), or a Go duration back from now ("10m",
 * "90s", "1h"); -1 when it is none of these. */
static double
ev_time(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	struct tm tm;
	const char *rest;

	if (end != s && *end == '\0')
		return v;
	if (end != s && end[1] == '\0' && (*end == 's' || *end == 'm' || *end == 'h'))
		return now_wall() - v * (*end == 's' ? 1 : *end == 'm' ? 60 : 3600);
	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest != NULL) {
		double frac = 0;

		if (*rest == '.')
			frac = strtod(rest, NULL);
		return (double)timegm(&tm) + frac;
	}
	return -1;
}

/* GET /events: a stream of node N's events from now on; with since, the
 * node's recorded events from then first (its ring: the last SIM_RING);
 * with until, the stream ends at that time (at once when it has passed). */
static void
do_events(struct conn *cn, struct node *n, const char *q)
{
	char fbuf[4096], tb[64];
	cJSON *f = NULL;
	double since = -1, until = -1, now = now_wall();
	int i;

	cn->evtypes[0] = cn->evactions[0] = '\0';
	if (query_get(q, "filters", fbuf, sizeof(fbuf)) && fbuf[0]) {
		f = cJSON_Parse(fbuf);
		if (f == NULL) {
			reply_err(cn, 400, "invalid filter");
			return;
		}
		filter_list(f, "type", cn->evtypes, sizeof(cn->evtypes));
		filter_list(f, "event", cn->evactions, sizeof(cn->evactions));
		cJSON_Delete(f);
	}
	if (query_get(q, "since", tb, sizeof(tb)) && tb[0] && (since = ev_time(tb)) < 0) {
		reply_err(cn, 400, "invalid value for since: %s", tb);
		return;
	}
	if (query_get(q, "until", tb, sizeof(tb)) && tb[0] && (until = ev_time(tb)) < 0) {
		reply_err(cn, 400, "invalid value for until: %s", tb);
		return;
	}
	if (since >= 0 && until >= 0 && since > until) {
		reply_err(cn, 400, "since time (%s) cannot be after until time", tb);
		return;
	}
	stream_begin(cn, "application/json");
	if (since >= 0) {
		long long from = (long long)(since * 1e9);
		long long to = until >= 0 ? (long long)(until * 1e9) : -1;

		for (i = 0; i < n->rlen; i++) {
			const struct evrec *r = &n->ring[(n->rhead + i) % SIM_RING];

			if (r->nano >= from && (to < 0 || r->nano <= to) &&
			    ev_match(cn, r->type, r->action))
				stream_chunk(cn, r->line, r->len);
		}
	}
	if (until >= 0 && until <= now) {
		stream_end(cn);
		cn->close_after = 1;
		return;
	}
	cn->stream = S_EVENTS;
	cn->snext = n->streams;
	n->streams = cn;
	if (until >= 0) {
		cn->waiting = 1;        /* the timer ends the stream, and frees a closed one */
		timer_add(until - now, T_UNTIL, n, NULL, cn);
	}
}

/* POST /images/create: the pull progress stream (a short one, then the end). */
static void
do_pull(struct conn *cn, const char *q)
{
	char from[256], tag[128], ref[400];
	struct sbuf b = { 0 };
	char id[65];

	if (!query_get(q, "fromImage", from, sizeof(from)))
		from[0] = '\0';
	if (!query_get(q, "tag", tag, sizeof(tag)) || tag[0] == '\0')
		snprintf(tag, sizeof(tag), "latest");
	snprintf(ref, sizeof(ref), "%s:%s", from, tag);
	new_id(id);
	stream_begin(cn, "application/json");
	sb_str(&b, "{\"status\":");
	{
		char s[300];

		snprintf(s, sizeof(s), "Pulling from %s", from);
		sb_jstr(&b, s);
	}
	sb_str(&b, ",\"id\":");
	sb_jstr(&b, tag);
	sb_str(&b, "}\r\n");
	sb_fmt(&b, "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"%.12s\"}\r\n", id);
	sb_fmt(&b, "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":524288,"
	    "\"total\":1048576},\"progress\":\"[=========================>                         ]"
	    "  524.3kB/1.049MB\",\"id\":\"%.12s\"}\r\n", id);
	sb_fmt(&b, "{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"%.12s\"}\r\n", id);
	sb_fmt(&b, "{\"status\":\"Digest: sha256:%s\"}\r\n", id);
	sb_str(&b, "{\"status\":");
	{
		char s[460];

		snprintf(s, sizeof(s), "Status: Downloaded newer image for %s", ref);
		sb_jstr(&b, s);
	}
	sb_str(&b, "}\r\n");
	stream_chunk(cn, b.p, b.len);
	stream_end(cn);
	free(b.p);
}

/* GET /images/{name}/json: every image exists on a simulated node. */
static void
do_image(struct conn *cn, const char *name)
{
	struct sbuf b = { 0 };
	char iid[72];

	image_id(name, iid);
	sb_fmt(&b, "{\"Id\":\"%s\",\"RepoTags\":[", iid);
	sb_jstr(&b, name);
	sb_str(&b, "],\"RepoDigests\":[],\"Parent\":\"\",\"Comment\":\"\",\"Created\":"
	    "\"2026-01-01T00:00:00Z\",\"Container\":\"\",\"DockerVersion\":\"" SIM_VERSION "\","
	    "\"Author\":\"\",\"Config\":{\"Cmd\":[\"/bin/plc-sim\"],\"Labels\":null},"
	    "\"Architecture\":\"amd64\",\"Os\":\"linux\",\"Size\":1200000,"
	    "\"VirtualSize\":1200000,\"RootFS\":{\"Type\":\"layers\",\"Layers\":[]}}");
	reply_json(cn, 200, &b);
	free(b.p);
}

/* The Go-style RFC 3339 time of now, for network and volume objects. */
static void
now_rfc3339(char *out, size_t len)
{
	struct sbuf b = { 0 };

	sb_time(&b, now_wall());
	snprintf(out, len, "%.*s", (int)(b.len - 2), b.p + 1);
	free(b.p);
}

/* A network object as the engine shows it. */
static cJSON *
net_object(const char *name, const char *driver, const cJSON *body)
{
	cJSON *o = cJSON_CreateObject(), *ipam, *cfg, *sub;
	char id[65], t[64];
	const cJSON *v;
	static int subnet = 20;

	new_id(id);
	now_rfc3339(t, sizeof(t));
	cJSON_AddStringToObject(o, "Name", name);
	cJSON_AddStringToObject(o, "Id", id);
	cJSON_AddStringToObject(o, "Created", t);
	cJSON_AddStringToObject(o, "Scope", "local");
	cJSON_AddStringToObject(o, "Driver", driver);
	v = cJSON_GetObjectItemCaseSensitive(body, "EnableIPv6");
	cJSON_AddBoolToObject(o, "EnableIPv6", cJSON_IsTrue(v));
	ipam = cJSON_AddObjectToObject(o, "IPAM");
	cJSON_AddStringToObject(ipam, "Driver", "default");
	cJSON_AddNullToObject(ipam, "Options");
	cfg = cJSON_AddArrayToObject(ipam, "Config");
	if (strcmp(driver, "bridge") == 0) {
		char net[32], gw[32];

		snprintf(net, sizeof(net), "172.%d.0.0/16", strcmp(name, "bridge") == 0 ? 17 :
		    subnet);
		snprintf(gw, sizeof(gw), "172.%d.0.1", strcmp(name, "bridge") == 0 ? 17 : subnet);
		if (strcmp(name, "bridge") != 0)
			subnet = subnet < 31 ? subnet + 1 : 20;
		sub = cJSON_CreateObject();
		cJSON_AddStringToObject(sub, "Subnet", net);
		cJSON_AddStringToObject(sub, "Gateway", gw);
		cJSON_AddItemToArray(cfg, sub);
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "Internal");
	cJSON_AddBoolToObject(o, "Internal", cJSON_IsTrue(v));
	v = cJSON_GetObjectItemCaseSensitive(body, "Attachable");
	cJSON_AddBoolToObject(o, "Attachable", cJSON_IsTrue(v));
	cJSON_AddBoolToObject(o, "Ingress", 0);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "ConfigFrom"), "Network", "");
	cJSON_AddBoolToObject(o, "ConfigOnly", 0);
	cJSON_AddObjectToObject(o, "Containers");
	v = cJSON_GetObjectItemCaseSensitive(body, "Options");
	cJSON_AddItemToObject(o, "Options", cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateObject());
	v = cJSON_GetObjectItemCaseSensitive(body, "Labels");
	cJSON_AddItemToObject(o, "Labels", cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateObject());
	return o;
}

/* A volume object. */
static cJSON *
vol_object(const char *name, const cJSON *body)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *v;
	char t[64], mp[400];

	now_rfc3339(t, sizeof(t));
	snprintf(mp, sizeof(mp), "/var/lib/docker/volumes/%s/_data", name);
	cJSON_AddStringToObject(o, "CreatedAt", t);
	v = cJSON_GetObjectItemCaseSensitive(body, "Driver");
	cJSON_AddStringToObject(o, "Driver", cJSON_IsString(v) && v->valuestring[0] ?
	    v->valuestring : "local");
	v = cJSON_GetObjectItemCaseSensitive(body, "Labels");
	cJSON_AddItemToObject(o, "Labels", cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateObject());
	cJSON_AddStringToObject(o, "Mountpoint", mp);
	cJSON_AddStringToObject(o, "Name", name);
	v = cJSON_GetObjectItemCaseSensitive(body, "DriverOpts");
	cJSON_AddItemToObject(o, "Options", cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateObject());
	cJSON_AddStringToObject(o, "Scope", "local");
	return o;
}

/* The item of ARR whose Name (or Id, or an Id prefix) is REF, and its index. */
static cJSON *
obj_find(cJSON *arr, const char *ref, int *index)
{
	cJSON *it;
	int i = 0;

	cJSON_ArrayForEach(it, arr) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "Name");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "Id");

		if ((cJSON_IsString(nm) && strcmp(nm->valuestring, ref) == 0) ||
		    (cJSON_IsString(id) && ref[0] && strncmp(id->valuestring, ref,
		    strlen(ref)) == 0)) {
			*index = i;
			return it;
		}
		i++;
	}
	return NULL;
}

/* Reply with a cJSON document. */
static void
reply_cjson(struct conn *cn, int status, const cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j);
	struct sbuf b = { 0 };

	sb_str(&b, text != NULL ? text : "null");
	free(text);
	reply_json(cn, status, &b);
	free(b.p);
}

/* /networks and /volumes: lists, create, inspect, remove, connect (no effect). */
static void
do_objects(struct conn *cn, struct node *n, const char *method, char *path, const char *body)
{
	int vol = strncmp(path, "/volumes", 8) == 0, idx = -1;
	char *ref = path + (vol ? 8 : 9), *act;
	cJSON **arr = vol ? &n->volumes : &n->networks, *o;

	if (*arr == NULL) {
		*arr = cJSON_CreateArray();
		if (!vol) {
			cJSON_AddItemToArray(*arr, net_object("bridge", "bridge", NULL));
			cJSON_AddItemToArray(*arr, net_object("host", "host", NULL));
			cJSON_AddItemToArray(*arr, net_object("none", "null", NULL));
		}
	}
	if (*ref == '/')
		ref++;
	act = strchr(ref, '/');
	if (act != NULL)
		*act++ = '\0';
	url_decode(ref);
	if (*ref == '\0' && strcmp(method, "GET") == 0) {
		if (vol) {
			cJSON *w = cJSON_CreateObject();

			cJSON_AddItemReferenceToObject(w, "Volumes", *arr);
			cJSON_AddNullToObject(w, "Warnings");
			reply_cjson(cn, 200, w);
			cJSON_Delete(w);
		} else {
			reply_cjson(cn, 200, *arr);
		}
		return;
	}
	if (strcmp(ref, "create") == 0 && strcmp(method, "POST") == 0) {
		cJSON *j = cJSON_Parse(body);
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(j, "Name");
		const cJSON *drv = cJSON_GetObjectItemCaseSensitive(j, "Driver");
		char vname[65];

		if (vol && !(cJSON_IsString(nm) && nm->valuestring[0])) {
			new_id(vname);
		} else if (!cJSON_IsString(nm) || nm->valuestring[0] == '\0') {
			reply_err(cn, 400, "network name is required");
			cJSON_Delete(j);
			return;
		} else {
			snprintf(vname, sizeof(vname), "%.64s", nm->valuestring);
		}
		o = obj_find(*arr, vname, &idx);
		if (o != NULL && !vol) {
			reply_err(cn, 409, "network with name %s already exists", vname);
		} else if (o != NULL) {
			reply_cjson(cn, 201, o);
		} else if (vol) {
			o = vol_object(vname, j);
			cJSON_AddItemToArray(*arr, o);
			reply_cjson(cn, 201, o);
		} else {
			cJSON *r = cJSON_CreateObject();

			o = net_object(vname, cJSON_IsString(drv) && drv->valuestring[0] ?
			    drv->valuestring : "bridge", j);
			cJSON_AddItemToArray(*arr, o);
			cJSON_AddStringToObject(r, "Id",
			    cJSON_GetObjectItemCaseSensitive(o, "Id")->valuestring);
			cJSON_AddStringToObject(r, "Warning", "");
			reply_cjson(cn, 201, r);
			cJSON_Delete(r);
		}
		cJSON_Delete(j);
		return;
	}
	o = obj_find(*arr, ref, &idx);
	if (o == NULL) {
		reply_err(cn, 404, vol ? "get %s: no such volume" : "network %s not found", ref);
		return;
	}
	if (act == NULL && strcmp(method, "GET") == 0) {
		reply_cjson(cn, 200, o);
	} else if (act == NULL && strcmp(method, "DELETE") == 0) {
		cJSON_DeleteItemFromArray(*arr, idx);
		reply(cn, 204, NULL, NULL, 0);
	} else if (act != NULL && strcmp(method, "POST") == 0 &&
	    (strcmp(act, "connect") == 0 || strcmp(act, "disconnect") == 0)) {
		reply(cn, 200, "application/json", "null\n", 5);
	} else {
		reply_err(cn, 404, "page not found");
	}
}

/* GET /version. */
static void
do_version(struct conn *cn)
{
	struct sbuf b = { 0 };

	sb_str(&b, "{\"Platform\":{\"Name\":\"\"},\"Components\":[{\"Name\":\"Engine\",\"Version\":\""
	    SIM_VERSION "\",\"Details\":{\"ApiVersion\":\"" SIM_API "\",\"Arch\":\"amd64\","
	    "\"BuildTime\":\"2023-06-19T10:05:23.000000000+00:00\",\"Experimental\":\"false\","
	    "\"GitCommit\":\"" SIM_GIT "\",\"GoVersion\":\"" SIM_GO "\",\"KernelVersion\":\"6.1.0\","
	    "\"MinAPIVersion\":\"" SIM_MIN_API "\",\"Os\":\"linux\"}}],\"Version\":\"" SIM_VERSION
	    "\",\"ApiVersion\":\"" SIM_API "\",\"MinAPIVersion\":\"" SIM_MIN_API "\","
	    "\"GitCommit\":\"" SIM_GIT "\",\"GoVersion\":\"" SIM_GO "\",\"Os\":\"linux\","
	    "\"Arch\":\"amd64\",\"KernelVersion\":\"6.1.0\",\"BuildTime\":"
	    "\"2023-06-19T10:05:23.000000000+00:00\"}");
	reply_json(cn, 200, &b);
	free(b.p);
}

/* GET /info. */
static void
do_info(struct conn *cn, struct node *n)
{
	struct sbuf b = { 0 };
	int i, run = 0, paused = 0, stopped = 0;

	for (i = 0; i < n->nc; i++) {
		if (n->c[i]->state == ST_RUNNING)
			run++;
		else if (n->c[i]->state == ST_PAUSED)
			paused++;
		else
			stopped++;
	}
	sb_fmt(&b, "{\"ID\":\"SIM%04d:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF:GGGG:HHHH:IIII:JJJJ\","
	    "\"Containers\":%d,\"ContainersRunning\":%d,\"ContainersPaused\":%d,"
	    "\"ContainersStopped\":%d,\"Images\":5,\"Driver\":\"overlay2\",\"DriverStatus\":["
	    "[\"Backing Filesystem\",\"extfs\"],[\"Supports d_type\",\"true\"],"
	    "[\"Native Overlay Diff\",\"true\"],[\"userxattr\",\"false\"]],"
	    "\"Plugins\":{\"Volume\":[\"local\"],\"Network\":[\"bridge\",\"host\",\"ipvlan\","
	    "\"macvlan\",\"null\",\"overlay\"],\"Authorization\":null,\"Log\":[\"awslogs\","
	    "\"fluentd\",\"gcplogs\",\"gelf\",\"journald\",\"json-file\",\"local\",\"logentries\","
	    "\"splunk\",\"syslog\"]},\"MemoryLimit\":true,\"SwapLimit\":true,"
	    "\"KernelMemory\":false,\"KernelMemoryTCP\":false,\"CpuCfsPeriod\":true,"
	    "\"CpuCfsQuota\":true,\"CPUShares\":true,\"CPUSet\":true,\"PidsLimit\":true,"
	    "\"IPv4Forwarding\":true,\"BridgeNfIptables\":false,\"BridgeNfIp6tables\":false,"
	    "\"Debug\":false,\"NFd\":%d,\"OomKillDisable\":true,\"NGoroutines\":%d,"
	    "\"SystemTime\":", n->idx, n->nc, run, paused, stopped, 30 + 2 * n->nc,
	    40 + n->nc);
	{
		double t = now_wall();
		time_t s = (time_t)t;
		struct tm tm;
		char tb[64];

		gmtime_r(&s, &tm);
		strftime(tb, sizeof(tb), "%Y-%m-%dT%H:%M:%S", &tm);
		sb_fmt(&b, "\"%s.%09ldZ\"", tb, (long)((t - (double)s) * 1e9));
	}
	sb_fmt(&b, ",\"LoggingDriver\":\"json-file\",\"CgroupDriver\":\"cgroupfs\","
	    "\"CgroupVersion\":\"1\",\"NEventsListener\":%d,\"KernelVersion\":\"6.1.0\","
	    "\"OperatingSystem\":\"Debian GNU/Linux 12 (bookworm)\",\"OSVersion\":\"12\","
	    "\"OSType\":\"linux\",\"Architecture\":\"x86_64\",\"IndexServerAddress\":"
	    "\"https://index.docker.io/v1/\",\"RegistryConfig\":{\"AllowNondistributableArtifactsCIDRs\":"
	    "[],\"AllowNondistributableArtifactsHostnames\":[],\"InsecureRegistryCIDRs\":"
	    "[\"127.0.0.0/8\"],\"IndexConfigs\":{\"docker.io\":{\"Name\":\"docker.io\",\"Mirrors\":"
	    "[],\"Secure\":true,\"Official\":true}},\"Mirrors\":[]},\"NCPU\":2,"
	    "\"MemTotal\":8326664192,\"GenericResources\":null,\"DockerRootDir\":"
	    "\"/var/lib/docker\",\"HttpProxy\":\"\",\"HttpsProxy\":\"\",\"NoProxy\":\"\","
	    "\"Name\":\"%s\",\"Labels\":[],\"ExperimentalBuild\":false,\"ServerVersion\":\""
	    SIM_VERSION "\",\"Runtimes\":{\"io.containerd.runc.v2\":{\"path\":\"runc\"},"
	    "\"io.containerd.runtime.v1.linux\":{\"path\":\"runc\"},\"runc\":{\"path\":\"runc\"}},"
	    "\"DefaultRuntime\":\"runc\",\"Swarm\":", 0, n->name);
	swarm_info(&b, n);
	sb_fmt(&b, ",\"LiveRestoreEnabled\":false,\"Isolation\":\"\","
	    "\"InitBinary\":\"docker-init\",\"ContainerdCommit\":{\"ID\":\"1.6.20~ds1-1\","
	    "\"Expected\":\"1.6.20~ds1-1\"},\"RuncCommit\":{\"ID\":\"1.1.5+ds1-1\",\"Expected\":"
	    "\"1.1.5+ds1-1\"},\"InitCommit\":{\"ID\":\"\",\"Expected\":\"\"},\"SecurityOptions\":"
	    "[\"name=seccomp,profile=default\"],\"Warnings\":[\"WARNING: API is accessible on "
	    "http://%s:2375 without encryption.\"]}", n->addr);
	reply_json(cn, 200, &b);
	free(b.p);
}

/* POST /containers/{id}/ACTION and DELETE /containers/{id}. */
static void
do_action(struct conn *cn, struct node *n, struct ctr *c, const char *method,
    const char *act, const char *q, const char *body)
{
	char v[160];

	if (strcmp(method, "DELETE") == 0 && act[0] == '\0') {
		if (c->state == ST_RUNNING || c->state == ST_PAUSED) {
			if (!query_bool(q, "force")) {
				reply_err(cn, 409, "You cannot remove a running container %s. Stop the "
				    "container before attempting removal or force remove", c->id);
				return;
			}
			ev_emit(n, c, "kill", ",\"signal\":\"9\"");
			ctr_die(n, c, 137, 1);
		}
		ev_emit(n, c, "destroy", "");
		ctr_drop(n, c);
		reply(cn, 204, NULL, NULL, 0);
		return;
	}
	if (strcmp(method, "POST") != 0) {
		reply_err(cn, 404, "page not found");
		return;
	}
	if (strcmp(act, "start") == 0) {
		if (c->state == ST_RUNNING || c->state == ST_PAUSED) {
			reply(cn, 304, NULL, NULL, 0);
			return;
		}
		ctr_start(n, c);
	} else if (strcmp(act, "stop") == 0) {
		if (c->state != ST_RUNNING && c->state != ST_PAUSED) {
			reply(cn, 304, NULL, NULL, 0);
			return;
		}
		ctr_stop(n, c, 15);
	} else if (strcmp(act, "kill") == 0) {
		int sig = 9;

		if (c->state != ST_RUNNING) {
			reply_err(cn, 409, "Cannot kill container: %s: Container %s is not running",
			    c->id, c->id);
			return;
		}
		if (query_get(q, "signal", v, sizeof(v)) && v[0] >= '0' && v[0] <= '9')
			sig = (int)strtol(v, NULL, 10);
		else if (strcmp(v, "SIGTERM") == 0 || strcmp(v, "TERM") == 0)
			sig = 15;
		ctr_stop(n, c, sig == 15 ? 15 : 9);
	} else if (strcmp(act, "restart") == 0) {
		if (c->state == ST_RUNNING || c->state == ST_PAUSED)
			ctr_stop(n, c, 15);
		ctr_start(n, c);
		ev_emit(n, c, "restart", "");
	} else if (strcmp(act, "pause") == 0 || strcmp(act, "unpause") == 0) {
		int p = act[0] == 'p';

		if (c->state != (p ? ST_RUNNING : ST_PAUSED)) {
			reply_err(cn, 409, "Container %s is not %s", c->id, p ? "running" : "paused");
			return;
		}
		c->state = p ? ST_PAUSED : ST_RUNNING;
		ev_emit(n, c, act, "");
	} else if (strcmp(act, "rename") == 0) {
		char extra[200], old[130];
		struct ctr *o;

		if (!query_get(q, "name", v, sizeof(v)) || v[0] == '\0') {
			reply_err(cn, 400, "Neither old nor new names may be empty");
			return;
		}
		o = ctr_find(n, v);
		if (o != NULL && strcmp(o->name, v) == 0) {
			reply_err(cn, 409, "Conflict. The container name \"/%s\" is already in use "
			    "by container \"%s\". You have to remove (or rename) that container to be "
			    "able to reuse that name.", v, o->id);
			return;
		}
		snprintf(old, sizeof(old), "/%s", c->name);
		snprintf(c->name, sizeof(c->name), "%.127s", v);
		{
			struct sbuf e = { 0 };

			sb_str(&e, ",\"oldName\":");
			sb_jstr(&e, old);
			snprintf(extra, sizeof(extra), "%s", e.p);
			free(e.p);
		}
		ev_emit(n, c, "rename", extra);
	} else if (strcmp(act, "update") == 0) {
		cJSON *j = cJSON_Parse(body);
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "Memory");
		const cJSON *rp = cJSON_GetObjectItemCaseSensitive(j, "RestartPolicy");
		const cJSON *rn = cJSON_GetObjectItemCaseSensitive(rp, "Name");

		if (cJSON_IsNumber(m))
			c->mem_limit = (int64_t)m->valuedouble;
		m = cJSON_GetObjectItemCaseSensitive(j, "NanoCpus");
		if (cJSON_IsNumber(m))
			c->nano_cpus = (int64_t)m->valuedouble;
		if (cJSON_IsString(rn))
			snprintf(c->restart, sizeof(c->restart), "%s", rn->valuestring);
		cJSON_Delete(j);
		ev_emit(n, c, "update", "");
		reply(cn, 200, "application/json", "{\"Warnings\":null}\n", 18);
		return;
	} else if (strcmp(act, "exec") == 0) {
		struct sbuf b = { 0 };
		char id[65];

		if (c->state != ST_RUNNING) {
			reply_err(cn, 409, "Container %s is not running", c->id);
			return;
		}
		new_id(id);
		sb_fmt(&b, "{\"Id\":\"%s\"}", id);
		reply_json(cn, 201, &b);
		free(b.p);
		return;
	} else {
		reply_err(cn, 404, "page not found");
		return;
	}
	reply(cn, 204, NULL, NULL, 0);
}

const char *const sim_req_names[SIM_REQ_KINDS] = {
	"ping", "version", "info", "events", "list", "inspect", "other",
};

/* The kind of request PATH (no query) is, for the node's counts. */
static int
req_kind(const char *path)
{
	size_t len = strlen(path);

	if (strcmp(path, "/_ping") == 0)
		return SIM_REQ_PING;
	if (strcmp(path, "/version") == 0)
		return SIM_REQ_VERSION;
	if (strcmp(path, "/info") == 0)
		return SIM_REQ_INFO;
	if (strcmp(path, "/events") == 0)
		return SIM_REQ_EVENTS;
	if (strcmp(path, "/containers/json") == 0)
		return SIM_REQ_LIST;
	if (strncmp(path, "/containers/", 12) == 0 && len > 17 &&
	    strcmp(path + len - 5, "/json") == 0 && strchr(path + 12, '/') == path + len - 5)
		return SIM_REQ_INSPECT;
	return SIM_REQ_OTHER;
}

/* The answer of a node to one request (PATH without the /vX.Y prefix). */
void
node_handle(struct conn *cn, struct node *n, const char *method, char *path, const char *body)
{
	char *q = strchr(path, '?');
	struct sbuf b = { 0 };

	if (q != NULL)
		*q++ = '\0';
	n->reqs[req_kind(path)]++;
	if (strcmp(path, "/_ping") == 0) {
		sb_fmt(&cn->out, "HTTP/1.1 200 OK\r\nApi-Version: " SIM_API "\r\n"
		    "Cache-Control: no-cache, no-store, must-revalidate\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\nDocker-Experimental: false\r\n"
		    "Ostype: linux\r\nPragma: no-cache\r\nServer: Docker/" SIM_VERSION
		    " (linux)\r\n%sContent-Length: %d\r\n\r\n%s",
		    cn->close_after ? "Connection: close\r\n" : "",
		    strcmp(method, "HEAD") == 0 ? 0 : 2, strcmp(method, "HEAD") == 0 ? "" : "OK");
		return;
	}
	if (strcmp(path, "/version") == 0) {
		do_version(cn);
		return;
	}
	if (strcmp(path, "/info") == 0) {
		do_info(cn, n);
		return;
	}
	if (strcmp(path, "/events") == 0) {
		do_events(cn, n, q);
		return;
	}
	if (strcmp(path, "/containers/json") == 0) {
		do_list(cn, n, q);
		return;
	}
	if (strcmp(path, "/containers/create") == 0 && strcmp(method, "POST") == 0) {
		do_create(cn, n, q, body);
		return;
	}
	if (strcmp(path, "/images/create") == 0 && strcmp(method, "POST") == 0) {
		do_pull(cn, q);
		return;
	}
	if (strncmp(path, "/images/", 8) == 0 && strlen(path) > 13 &&
	    strcmp(path + strlen(path) - 5, "/json") == 0) {
		path[strlen(path) - 5] = '\0';
		url_decode(path + 8);
		do_image(cn, path + 8);
		return;
	}
	if (strncmp(path, "/containers/", 12) == 0) {
		char *id = path + 12, *act = strchr(id, '/');
		struct ctr *c;

		if (act != NULL)
			*act++ = '\0';
		else
			act = "";
		url_decode(id);
		c = ctr_find(n, id);
		if (c == NULL) {
			reply_err(cn, 404, "No such container: %s", id);
			return;
		}
		if (strcmp(act, "json") == 0) {
			sb_inspect(&b, n, c);
			reply_json(cn, 200, &b);
		} else if (strcmp(act, "stats") == 0) {
			do_stats(cn, n, c);
		} else if (strcmp(act, "logs") == 0) {
			do_logs(cn, n, c, q);
		} else {
			do_action(cn, n, c, method, act, q, body);
		}
		free(b.p);
		return;
	}
	if (strncmp(path, "/exec/", 6) == 0) {
		char *id = path + 6, *act = strchr(id, '/');

		if (act != NULL)
			*act++ = '\0';
		if (act != NULL && strcmp(act, "start") == 0) {
			/* the output stream, then the end of the connection, as a hijack does */
			cn->close_after = 1;
			reply(cn, 200, "application/vnd.docker.raw-stream", "", 0);
		} else if (act != NULL && strcmp(act, "json") == 0) {
			sb_fmt(&b, "{\"CanRemove\":false,\"ContainerID\":\"\",\"DetachKeys\":\"\","
			    "\"ExitCode\":0,\"ID\":\"%.64s\",\"OpenStderr\":true,\"OpenStdin\":false,"
			    "\"OpenStdout\":true,\"ProcessConfig\":{\"arguments\":[],\"entrypoint\":"
			    "\"true\",\"privileged\":false,\"tty\":false},\"Running\":false,\"Pid\":0}",
			    id);
			reply_json(cn, 200, &b);
			free(b.p);
		} else {
			reply_err(cn, 404, "page not found");
		}
		return;
	}
	if (swarm_handle(cn, n, method, path, q, body))
		return;
	if (strcmp(path, "/networks") == 0 || strncmp(path, "/networks/", 10) == 0 ||
	    strcmp(path, "/volumes") == 0 || strncmp(path, "/volumes/", 9) == 0) {
		do_objects(cn, n, method, path, body);
		return;
	}
	reply_err(cn, 404, "page not found");
}
