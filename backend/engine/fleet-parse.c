/* fleet-parse.c: the parsers of what an engine answers -- times, health,
 * stats figures, log frames, agent lines, ports -- and the container list
 * read as it streams in.  Every byte comes from a node and is untrusted:
 * each parser bounds what it reads and what it keeps, none takes the
 * model's lock, and tests/fuzz/ runs them. */
#include "config.h"

#include "backend/engine/fleet-int.h"

/* Copy a JSON string member into a fixed buffer ("" when absent), cut
 * between characters when it does not fit. */
void
fl_copy_str(char *dst, size_t len, const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	pd_copy_text(dst, len, cJSON_IsString(v) ? v->valuestring : "");
}

/* A JSON integer member in [LO, HI], or DEF (absent, not a number, out of
 * range: an engine's number never overflows a cast). */
long long
fl_int(const cJSON *obj, const char *key, long long lo, long long hi, long long def)
{
	return pd_json_int(cJSON_GetObjectItemCaseSensitive(obj, key), lo, hi, def);
}

/* A JSON number member, or DEF. */
double
fl_num(const cJSON *obj, const char *key, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* An engine's RFC 3339 time as a time_t; 0 when unknown. */
time_t
fleet_parse_time(const char *s)
{
	struct tm tm;
	const char *p;
	time_t t;

	if (s == NULL || strncmp(s, "0001-", 5) == 0)
		return 0;
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return 0;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	/* Skip fractional seconds, then apply a numeric zone offset. */
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == '+' || *p == '-') && strlen(p) >= 6) {
		int hh = (p[1] - '0') * 10 + (p[2] - '0');
		int mm = (p[4] - '0') * 10 + (p[5] - '0');
		long off = (long)hh * 3600 + (long)mm * 60;

		t += (*p == '+') ? -off : off;
	}
	return t;
}

enum pd_health
fleet_parse_health_status(const char *s)
{
	if (s == NULL)
		return PD_HEALTH_NONE;
	if (strcmp(s, "healthy") == 0)
		return PD_HEALTH_HEALTHY;
	if (strcmp(s, "unhealthy") == 0)
		return PD_HEALTH_UNHEALTHY;
	if (strcmp(s, "starting") == 0)
		return PD_HEALTH_STARTING;
	return PD_HEALTH_NONE;
}

/* Health from the list's Status text: "Up 3 minutes (healthy)". */
static enum pd_health
fl_health_from_status_text(const char *s)
{
	if (strstr(s, "(healthy)") != NULL)
		return PD_HEALTH_HEALTHY;
	if (strstr(s, "(unhealthy)") != NULL)
		return PD_HEALTH_UNHEALTHY;
	if (strstr(s, "(health: starting)") != NULL)
		return PD_HEALTH_STARTING;
	return PD_HEALTH_NONE;
}

double
fleet_cpu_percent(double cpu_delta, double system_delta, int ncpu)
{
	if (cpu_delta < 0 || system_delta <= 0 || ncpu <= 0)
		return 0.0;
	return cpu_delta / system_delta * (double)ncpu * 100.0;
}

uint64_t
fleet_mem_usage(const cJSON *ms)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(ms, "stats");
	double usage = fl_num(ms, "usage", 0), cache;

	/* As the docker CLI does: cgroup v1 total_inactive_file, v2 inactive_file. */
	cache = fl_num(st, "total_inactive_file", -1);
	if (cache < 0)
		cache = fl_num(st, "inactive_file", 0);
	/* Numbers from a node: nothing a cast cannot hold (2^63 and more, NaN). */
	if (!(usage > 0 && usage < 9.2e18))
		return 0;
	if (!(cache >= 0) || cache > usage)
		cache = 0;
	return (uint64_t)(usage - cache);
}

/* Append one log line to D, keeping the last PD_LOG_LINES. */
static void
fl_log_line(struct pd_details *d, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (d->nlogs == PD_LOG_LINES) {
		memmove(d->logs[0], d->logs[1], sizeof(d->logs[0]) * (PD_LOG_LINES - 1));
		d->nlogs--;
	}
	if (len >= PD_LINE_LEN)
		len = PD_LINE_LEN - 1;
	memcpy(d->logs[d->nlogs], line, len);
	d->logs[d->nlogs][len] = '\0';
	d->nlogs++;
}

/* Split text into lines for D. */
static void
fl_log_text(struct pd_details *d, const char *p, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - p) : len;

		fl_log_line(d, p, n);
		if (nl == NULL)
			break;
		len -= n + 1;
		p = nl + 1;
	}
}

int
fleet_parse_logs(const char *data, size_t len, struct pd_details *d)
{
	const unsigned char *u = (const unsigned char *)data;

	d->nlogs = 0;
	if (data == NULL || len == 0)
		return 0;
	/* Without a TTY the engine multiplexes: [stream 0 0 0 size32be] payload. */
	if (len >= 8 && u[0] <= 2 && u[1] == 0 && u[2] == 0 && u[3] == 0) {
		size_t off = 0;

		while (off + 8 <= len) {
			size_t n = ((size_t)u[off + 4] << 24) | ((size_t)u[off + 5] << 16) |
			    ((size_t)u[off + 6] << 8) | (size_t)u[off + 7];

			if (u[off] > 2 || n > len - off - 8)
				return -1;
			fl_log_text(d, data + off + 8, n);
			off += 8 + n;
		}
		return off == len ? 0 : -1;
	}
	fl_log_text(d, data, len);
	return 0;
}

/* Feed a logs stream through D (fleet.h). */
int
fleet_demux_feed(struct fleet_demux *d, const char *data, size_t len,
    void (*out)(void *arg, int stream, const char *p, size_t n), void *arg)
{
	const unsigned char *u = (const unsigned char *)data;
	size_t off = 0, n;

	if (len > 0 && d->mode == 0)
		d->mode = u[0] <= 2 ? 1 : 2;
	if (d->mode == 2) {
		if (len > 0)
			out(arg, 1, data, len);
		return 0;
	}
	while (off < len) {
		if (d->left == 0 && d->hdrlen < 8) {
			n = 8 - d->hdrlen < len - off ? 8 - d->hdrlen : len - off;
			memcpy(d->hdr + d->hdrlen, u + off, n);
			d->hdrlen += n;
			off += n;
			if (d->hdrlen < 8)
				break;
			if (d->hdr[0] > 2 || d->hdr[1] != 0 || d->hdr[2] != 0 || d->hdr[3] != 0)
				return -1;
			d->stream = d->hdr[0];
			d->left = ((size_t)d->hdr[4] << 24) | ((size_t)d->hdr[5] << 16) |
			    ((size_t)d->hdr[6] << 8) | (size_t)d->hdr[7];
			d->hdrlen = d->left == 0 ? 0 : 8;
			continue;
		}
		n = d->left < len - off ? d->left : len - off;
		out(arg, d->stream == 2 ? 2 : 1, data + off, n);
		off += n;
		d->left -= n;
		if (d->left == 0)
			d->hdrlen = 0;
	}
	return 0;
}

/* Copy untrusted S into DST, with control characters made visible. */
static void
fl_clean(char *dst, size_t len, const char *s)
{
	pd_sanitize(dst, len, s != NULL ? s : "", 0);
}

/* The engine's RFC 3339 timestamp at the start of *P ("2026-11-29T13:25:48.414123456Z "),
 * moved past; 0, or -1 when there is none. */
int
fl_parse_stamp(const char **p, long long *sec, long *nsec)
{
	struct tm tm;
	const char *q;
	long ns = 0;
	int digits = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	q = strptime(*p, "%Y-%m-%dT%H:%M:%S", &tm);
	if (q == NULL)
		return -1;
	if (*q == '.')
		for (q++; *q >= '0' && *q <= '9'; q++)
			if (digits < 9) {
				ns = ns * 10 + (*q - '0');
				digits++;
			}
	for (; digits < 9; digits++)
		ns *= 10;
	if (*q != 'Z' || q[1] != ' ')
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*sec = (long long)t;
	*nsec = ns;
	*p = q + 2;
	return 0;
}

int
fleet_parse_agent_line(const char *line, int ts, struct pd_event *e, long long *sec,
    long *nsec)
{
	static const char *const sevs[] = { "info", "warning", "critical" };
	const cJSON *c, *v;
	char type[24], buf[PD_EVENT_TEXT_LEN], cname[PD_NAME_LEN], key[32];
	const char *sev = NULL;
	cJSON *j;
	int rc = 1;

	*sec = 0;
	*nsec = 0;
	if (ts && fl_parse_stamp(&line, sec, nsec) != 0)
		return -1;
	j = cJSON_Parse(line);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return -1;
	}
	fl_copy_str(type, sizeof(type), j, "type");
	memset(e, 0, sizeof(*e));
	e->kind = PD_EV_ANOMALY;
	/* The container: its name, else its short id. */
	c = cJSON_GetObjectItemCaseSensitive(j, "container");
	fl_copy_str(cname, sizeof(cname), c, "name");
	if (cname[0] == '\0') {
		fl_copy_str(buf, sizeof(buf), c, "id");
		snprintf(cname, sizeof(cname), "%.12s", buf);
	}
	fl_clean(e->container, sizeof(e->container), cname);
	v = cJSON_GetObjectItemCaseSensitive(j, "severity");
	for (size_t i = 0; i < sizeof(sevs) / sizeof(sevs[0]); i++)
		if (cJSON_IsString(v) && strcmp(v->valuestring, sevs[i]) == 0)
			sev = sevs[i];
	fl_copy_str(buf, sizeof(buf), j, "text");
	if (strcmp(type, "anomaly") == 0) {
		fl_copy_str(key, sizeof(key), j, "rule");
		fl_clean(e->action, sizeof(e->action), key[0] ? key : "anomaly");
		fl_clean(e->text, sizeof(e->text), buf);
		sev = sev != NULL ? sev : "warning";
	} else if (strcmp(type, "oom") == 0) {
		snprintf(e->action, sizeof(e->action), "oom");
		fl_clean(e->text, sizeof(e->text), buf);
		sev = sev != NULL ? sev : "warning";
	} else if (strcmp(type, "drift") == 0 || strcmp(type, "drift_resolved") == 0) {
		char desired[PD_TUNE_VALUE_LEN], actual[PD_TUNE_VALUE_LEN], t[2 * PD_EVENT_TEXT_LEN];
		int drift = strcmp(type, "drift") == 0;

		snprintf(e->action, sizeof(e->action), "%s", type);
		fl_copy_str(key, sizeof(key), j, "key");
		fl_copy_str(desired, sizeof(desired), j, "desired");
		fl_copy_str(actual, sizeof(actual), j, "actual");
		if (drift)
			snprintf(t, sizeof(t), "%s is %s, want %s%s%s", key, actual[0] ? actual : "?",
			    desired, buf[0] ? ": " : "", buf);
		else
			snprintf(t, sizeof(t), "%s is %s again", key, desired);
		fl_clean(e->text, sizeof(e->text), t);
		sev = drift ? "warning" : "info";
	} else if (strcmp(type, "overrun") == 0) {
		snprintf(e->action, sizeof(e->action), "overrun");
		fl_clean(e->text, sizeof(e->text), buf);
		sev = "warning";
	} else if (strcmp(type, "capture") == 0) {
		snprintf(e->action, sizeof(e->action), "capture");
		fl_copy_str(buf, sizeof(buf), j, "status");
		fl_clean(e->text, sizeof(e->text), buf);
		sev = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "available")) ? "info" :
		    "warning";
	} else {
		rc = 0;            /* agent, stats, tune, check, error: not events */
	}
	if (rc == 1) {
		snprintf(e->severity, sizeof(e->severity), "%s", sev);
		fl_copy_str(buf, sizeof(buf), j, "time");
		e->time = fleet_parse_time(buf);
		if (e->time == 0)
			e->time = time(NULL);
	}
	cJSON_Delete(j);
	return rc;
}

/* The names of the networks in SETTINGS (a NetworkSettings object), joined
 * with ',' into OUT; "" when there are none.  A name too long for what is
 * left is not cut but left out, so OUT holds only whole names. */
void
fl_networks(char *out, size_t len, const cJSON *settings)
{
	const cJSON *nets = cJSON_GetObjectItemCaseSensitive(settings, "Networks");
	const cJSON *it;
	size_t used = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(it, nets) {
		size_t k;

		if (it->string == NULL || it->string[0] == '\0')
			continue;
		k = strlen(it->string);
		if (used + (used > 0) + k + 1 > len)
			continue;
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, it->string, k + 1);
		used += k;
	}
}

/* The stack of a container with LABELS (its Labels object): the label
 * plantdeck sets, else Swarm's, else Compose's; "" for none. */
void
fl_stack(char *out, size_t len, const cJSON *labels)
{
	static const char *const keys[] = {
		"io.plantdeck.stack", "com.docker.stack.namespace", "com.docker.compose.project",
	};

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && out[0] == '\0'; i++)
		fl_copy_str(out, len, labels, keys[i]);
}

/* The ports of a list entry's PORTS array, joined with ',' into OUT:
 * "8080->80/tcp" when published, "80/tcp" when not, each once (the
 * engine lists a published port once per address family).  Whole
 * entries only: what does not fit is left out. */
FLEET_STATIC void
fleet_parse_ports(char *out, size_t len, const cJSON *ports)
{
	const cJSON *it;
	size_t used = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(it, ports) {
		char one[48], type[8];
		double pub = (double)fl_int(it, "PublicPort", 0, 65535, 0);
		double priv = (double)fl_int(it, "PrivatePort", 0, 65535, 0);
		size_t k;
		int dup = 0;

		fl_copy_str(type, sizeof(type), it, "Type");
		if (pub > 0)
			snprintf(one, sizeof(one), "%.0f->%.0f/%s", pub, priv, type);
		else
			snprintf(one, sizeof(one), "%.0f/%s", priv, type);
		k = strlen(one);
		/* Already there as a whole entry? */
		for (const char *p = out; !dup && (p = strstr(p, one)) != NULL; p += k)
			dup = (p == out || p[-1] == ',') && (p[k] == ',' || p[k] == '\0');
		if (dup || used + (used > 0) + k + 1 > len)
			continue;
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, one, k + 1);
		used += k;
	}
}

/* ------------------------------------------------------------ container lists */


/* L is node N's list: its entries may be those N's containers last took. */
void
fl_list_for(struct fl_list *l, struct fl_node *n)
{
	l->node = n;
}

struct fl_list *
fleet_list_new(size_t max)
{
	struct fl_list *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->max = max;
	l->el.max = FLEET_MAX_LIST_ENTRY;
	return l;
}

void
fleet_list_free(struct fl_list *l)
{
	if (l == NULL)
		return;
	engine_buf_free(&l->el);
	free(l->v);
	free(l);
}

#ifdef UNITTEST
FLEET_STATIC size_t
fleet_list_parsed(const struct fl_list *l)
{
	return l->n;
}

FLEET_STATIC size_t
fleet_list_total(const struct fl_list *l)
{
	return l->total;
}

FLEET_STATIC const char *
fleet_list_error(const struct fl_list *l)
{
	return l->error;
}
#endif

/* Mark L broken with a reason; returns -1. */
static int
fl_list_fail(struct fl_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int
fl_list_fail(struct fl_list *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->error, sizeof(l->error), fmt, ap);
	va_end(ap);
	l->state = -1;
	return -1;
}

/* The next slot of L, or NULL (out of memory). */
static struct fl_listed *
fl_list_slot(struct fl_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct fl_listed *p = realloc(l->v, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		l->v = p;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	return &l->v[l->n];
}

/* Whether the entry in L->el, of hash H, is byte for byte the one its
 * container last took (an engine lists in the same words what has not
 * changed: an idle fleet's reconcile lists are mostly that); if so it is
 * added as such, unparsed.  An engine's entries start with the Id; one
 * that does not is parsed. */
static int
fl_list_same(struct fl_list *l, uint64_t h)
{
	static const char pre[] = "{\"Id\":\"";
	const size_t np = sizeof(pre) - 1, nid = 64;
	struct fl_container *c;
	struct fl_listed *e;
	char id[PD_ID_LEN];

	if (l->node == NULL || l->el.len < np + nid + 1 || memcmp(l->el.data, pre, np) != 0 ||
	    l->el.data[np + nid] != '"' || nid >= sizeof(id))
		return 0;
	memcpy(id, l->el.data + np, nid);
	id[nid] = '\0';
	c = fl_find(l->node, id);
	if (c == NULL || c->list_hash != h || (e = fl_list_slot(l)) == NULL)
		return 0;
	memcpy(e->pub.id, id, nid + 1);
	e->hash = h;
	e->same = 1;
	l->n++;
	l->reused++;
	return 1;
}

/* Parse the entry in L->el into the next slot; an entry that is no
 * container (no usable Id) is left out. */
static int
fl_list_entry(struct fl_list *l)
{
	uint64_t h = fl_hash(1469598103934665603ull, l->el.data, l->el.len) | 1;
	cJSON *it;
	const cJSON *names, *first, *lab;
	struct fl_listed *e;
	char status[128];

	if (fl_list_same(l, h))
		return 0;
	it = cJSON_ParseWithLength(l->el.data, l->el.len);
	if (it == NULL)
		return fl_list_fail(l, "entry %zu of the list is not JSON", l->total + 1);
	e = fl_list_slot(l);
	if (e == NULL) {
		cJSON_Delete(it);
		return fl_list_fail(l, "out of memory");
	}
	e->hash = h;
	fl_copy_str(e->pub.id, sizeof(e->pub.id), it, "Id");
	{
		const cJSON *idv = cJSON_GetObjectItemCaseSensitive(it, "Id");

		if (!cJSON_IsString(idv) || idv->valuestring[0] == '\0' ||
		    strlen(idv->valuestring) >= PD_ID_LEN) {
			cJSON_Delete(it);
			return 0;
		}
	}
	names = cJSON_GetObjectItemCaseSensitive(it, "Names");
	first = cJSON_GetArrayItem(names, 0);
	if (cJSON_IsString(first))
		snprintf(e->pub.name, sizeof(e->pub.name), "%s",
		    first->valuestring + (first->valuestring[0] == '/'));
	fl_copy_str(e->pub.image, sizeof(e->pub.image), it, "Image");
	fl_copy_str(e->pub.state, sizeof(e->pub.state), it, "State");
	fl_copy_str(status, sizeof(status), it, "Status");
	e->pub.health = fl_health_from_status_text(status);
	e->pub.created = (time_t)fl_int(it, "Created", 0, (long long)1 << 40, 0);
	fl_networks(e->pub.networks, sizeof(e->pub.networks),
	    cJSON_GetObjectItemCaseSensitive(it, "NetworkSettings"));
	fl_stack(e->pub.stack, sizeof(e->pub.stack), cJSON_GetObjectItemCaseSensitive(it, "Labels"));
	fleet_parse_ports(e->pub.ports, sizeof(e->pub.ports),
	    cJSON_GetObjectItemCaseSensitive(it, "Ports"));
	lab = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "Labels"),
	    FLEET_AGENT_LABEL);
	fl_copy_str(e->image_id, sizeof(e->image_id), it, "ImageID");
	e->agent = cJSON_IsString(lab) && strcmp(lab->valuestring, "1") == 0 &&
	    strcmp(e->pub.state, "running") == 0 && strlen(e->pub.id) == 64;
	cJSON_Delete(it);
	l->n++;
	return 0;
}

int
fleet_list_feed(struct fl_list *l, const char *data, size_t len)
{
	size_t i, seg = 0;
	unsigned char ch;

	if (l->state < 0)
		return -1;
	l->bytes += len;
	if (l->bytes > FLEET_MAX_LIST)
		return fl_list_fail(l, "response larger than %u bytes", FLEET_MAX_LIST);
	for (i = 0; i < len; i++) {
		ch = (unsigned char)data[i];
		switch (l->state) {
		case 0:
			if (ch == '[')
				l->state = 1;
			else if (!(ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'))
				return fl_list_fail(l, "not a JSON array");
			break;
		case 1:
			if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
			    (ch == ',' && l->total > 0))
				break;
			if (ch == ']') {
				l->state = 3;
				break;
			}
			if (ch != '{')
				return fl_list_fail(l, "entry %zu of the list is not an object",
				    l->total + 1);
			l->state = 2;
			l->depth = 1;
			l->in_str = l->esc = 0;
			l->keep = l->total < l->max;
			l->el.len = 0;
			seg = i;
			break;
		case 2:
			if (l->in_str) {
				if (l->esc)
					l->esc = 0;
				else if (ch == '\\')
					l->esc = 1;
				else if (ch == '"')
					l->in_str = 0;
				break;
			}
			if (ch == '"')
				l->in_str = 1;
			else if (ch == '{' || ch == '[')
				l->depth++;
			else if ((ch == '}' || ch == ']') && --l->depth == 0) {
				if (l->keep) {
					if (engine_buf_append(&l->el, data + seg, i + 1 - seg) != i + 1 - seg)
						return fl_list_fail(l, "entry %zu of the list is larger "
						    "than %zu bytes", l->total + 1, l->el.max);
					if (fl_list_entry(l) != 0)
						return -1;
				}
				l->total++;
				l->state = 1;
			}
			break;
		case 3:
			if (!(ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'))
				return fl_list_fail(l, "something after the list");
			break;
		default:
			return -1;
		}
	}
	if (l->state == 2 && l->keep && len > seg &&
	    engine_buf_append(&l->el, data + seg, len - seg) != len - seg)
		return fl_list_fail(l, "entry %zu of the list is larger than %zu bytes",
		    l->total + 1, l->el.max);
	return 0;
}

int
fleet_list_end(struct fl_list *l)
{
	if (l->state == 3)
		return 0;
	if (l->state >= 0)
		fl_list_fail(l, "the list ended early");
	return -1;
}

/* A hash of LEN bytes at P into H, a word at a time. */
uint64_t
fl_hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}
