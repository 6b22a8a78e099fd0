/* fleet-parse.c: the parsers of what an engine answers -- times, health,
 * stats figures, log frames, agent lines, ports -- and the container list
 * read as it streams in.  Every byte comes from a node and is untrusted:
 * each parser bounds what it reads and what it keeps, none takes the
 * model's lock, and tests/fuzz/ runs them. */
#include "config.h"

#include <locale.h>

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
	memcpy(e->s.id, id, nid + 1);
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
	fl_copy_str(e->s.id, sizeof(e->s.id), it, "Id");
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
		snprintf(e->s.name, sizeof(e->s.name), "%s",
		    first->valuestring + (first->valuestring[0] == '/'));
	fl_copy_str(e->s.image, sizeof(e->s.image), it, "Image");
	fl_copy_str(e->pub.state, sizeof(e->pub.state), it, "State");
	fl_copy_str(status, sizeof(status), it, "Status");
	e->pub.health = fl_health_from_status_text(status);
	e->pub.created = (time_t)fl_int(it, "Created", 0, (long long)1 << 40, 0);
	fl_networks(e->s.networks, sizeof(e->s.networks),
	    cJSON_GetObjectItemCaseSensitive(it, "NetworkSettings"));
	fl_stack(e->s.stack, sizeof(e->s.stack), cJSON_GetObjectItemCaseSensitive(it, "Labels"));
	fleet_parse_ports(e->s.ports, sizeof(e->s.ports),
	    cJSON_GetObjectItemCaseSensitive(it, "Ports"));
	lab = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "Labels"),
	    FLEET_AGENT_LABEL);
	fl_copy_str(e->image_id, sizeof(e->image_id), it, "ImageID");
	e->agent = cJSON_IsString(lab) && strcmp(lab->valuestring, "1") == 0 &&
	    strcmp(e->pub.state, "running") == 0 && strlen(e->s.id) == 64;
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

/* ------------------------------------------------ an inspect, without a tree
 *
 * A container's inspect reply is read once, in place, for the dozen
 * members the model keeps (struct fleet_inspect): ten of them a node for
 * its first snapshot, 2,700 at 270 nodes, each a few KiB that cJSON made
 * into a tree of ~300 allocations and freed again (~15 % of `status`'s
 * time).  It accepts and refuses what cJSON_ParseWithLength does -- the
 * same grammar, its nesting limit, its string escapes and number reading,
 * the first of duplicate members -- so that what the model takes does not
 * change; tests/fuzz/fuzz-inspect.c holds the two side by side. */

#define FI_DEPTH_MAX 1000                /* cJSON's CJSON_NESTING_LIMIT */

struct fi_in {
	const unsigned char *p;
	size_t len, off;
	size_t depth;                    /* containers open around off */
};

/* cJSON's whitespace: every byte up to the space. */
static void
fi_ws(struct fi_in *in)
{
	while (in->off < in->len && in->p[in->off] <= 32)
		in->off++;
}

/* The 4 hex digits at S, 0 when one is not (as cJSON reads them). */
static unsigned
fi_hex4(const unsigned char *s)
{
	unsigned h = 0;

	for (int i = 0; i < 4; i++) {
		h <<= 4;
		if (s[i] >= '0' && s[i] <= '9')
			h += s[i] - '0';
		else if (s[i] >= 'A' && s[i] <= 'F')
			h += 10u + s[i] - 'A';
		else if (s[i] >= 'a' && s[i] <= 'f')
			h += 10u + s[i] - 'a';
		else
			return 0;
	}
	return h;
}

/* Append byte B to the decoded string: kept while DST has room, counted
 * up to its first NUL (what strlen of cJSON's copy would say). */
static void
fi_put(char *dst, size_t cap, size_t *o, size_t *n, int *nul, unsigned char b)
{
	if (dst != NULL && *o + 1 < cap)
		dst[(*o)++] = (char)b;
	if (b == '\0')
		*nul = 1;
	else if (!*nul)
		(*n)++;
}

/* The string at IN (at its opening quote), decoded into DST (CAP bytes,
 * terminated; NULL: checked, not kept), its length up to its first NUL
 * in *LEN (if not NULL).  0, or -1 when cJSON would refuse it. */
static int
fi_string(struct fi_in *in, char *dst, size_t cap, size_t *len)
{
	const unsigned char *s = in->p;
	size_t i, end, o = 0, n = 0;
	int esc = 0, nul = 0;

	if (in->off >= in->len || s[in->off] != '"')
		return -1;
	/* Its end first: a backslash takes the byte after it, whatever it is. */
	for (i = in->off + 1; i < in->len && s[i] != '"'; i++) {
		if (s[i] == '\\') {
			esc = 1;
			if (++i >= in->len)
				return -1;
		}
	}
	if (i >= in->len)
		return -1;
	end = i;
	if (!esc) {
		/* As it is: copied at once, up to its first NUL for LEN. */
		const unsigned char *z = memchr(s + in->off + 1, '\0', end - in->off - 1);

		n = end - in->off - 1;
		if (dst != NULL && cap > 0) {
			o = n < cap - 1 ? n : cap - 1;
			memcpy(dst, s + in->off + 1, o);
			dst[o] = '\0';
		}
		if (len != NULL)
			*len = z != NULL ? (size_t)(z - (s + in->off + 1)) : n;
		in->off = end + 1;
		return 0;
	}
	for (i = in->off + 1; i < end;) {
		unsigned cp, lo;
		unsigned char u[4];
		int k;

		if (s[i] != '\\') {
			fi_put(dst, cap, &o, &n, &nul, s[i++]);
			continue;
		}
		switch (s[i + 1]) {
		case 'b': fi_put(dst, cap, &o, &n, &nul, '\b'); i += 2; continue;
		case 'f': fi_put(dst, cap, &o, &n, &nul, '\f'); i += 2; continue;
		case 'n': fi_put(dst, cap, &o, &n, &nul, '\n'); i += 2; continue;
		case 'r': fi_put(dst, cap, &o, &n, &nul, '\r'); i += 2; continue;
		case 't': fi_put(dst, cap, &o, &n, &nul, '\t'); i += 2; continue;
		case '"': case '\\': case '/':
			fi_put(dst, cap, &o, &n, &nul, s[i + 1]);
			i += 2;
			continue;
		case 'u':
			break;
		default:
			return -1;
		}
		if (end - i < 6)
			return -1;
		cp = fi_hex4(&s[i + 2]);
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return -1;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (end - (i + 6) < 6 || s[i + 6] != '\\' || s[i + 7] != 'u')
				return -1;
			lo = fi_hex4(&s[i + 8]);
			if (lo < 0xdc00 || lo > 0xdfff)
				return -1;
			cp = 0x10000 + (((cp & 0x3ff) << 10) | (lo & 0x3ff));
			i += 12;
		} else {
			i += 6;
		}
		if (cp < 0x80) {
			u[0] = (unsigned char)cp;
			k = 1;
		} else if (cp < 0x800) {
			u[0] = (unsigned char)(0xc0 | (cp >> 6));
			u[1] = (unsigned char)(0x80 | (cp & 0x3f));
			k = 2;
		} else if (cp < 0x10000) {
			u[0] = (unsigned char)(0xe0 | (cp >> 12));
			u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
			u[2] = (unsigned char)(0x80 | (cp & 0x3f));
			k = 3;
		} else {
			u[0] = (unsigned char)(0xf0 | (cp >> 18));
			u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
			u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
			u[3] = (unsigned char)(0x80 | (cp & 0x3f));
			k = 4;
		}
		for (int b = 0; b < k; b++)
			fi_put(dst, cap, &o, &n, &nul, u[b]);
	}
	if (dst != NULL && cap > 0)
		dst[o] = '\0';
	if (len != NULL)
		*len = n;
	in->off = end + 1;
	return 0;
}

/* The number at IN, its value in *VALUE if asked.  cJSON copies the run
 * of [0-9+-.eE] there (all of it: Debian's 1.7.15 allocates the copy) and
 * takes what strtod takes of it: a sign, digits with a point among them,
 * an exponent with digits. */
static int
fi_number(struct fi_in *in, double *value)
{
	const unsigned char *s = in->p + in->off;
	size_t max = in->len - in->off, i = 0, digits = 0;
	char small[64], *buf = small;

	if (i < max && s[i] == '-')
		i++;
	for (; i < max && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < max && s[i] == '.')
		for (i++; i < max && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (digits == 0)
		return -1;
	if (i < max && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;

		if (j < max && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < max && s[j] >= '0' && s[j] <= '9') {
			while (j < max && s[j] >= '0' && s[j] <= '9')
				j++;
			i = j;
		}
	}
	if (value != NULL) {
		char point = localeconv()->decimal_point[0];

		if (i >= sizeof(small) && (buf = malloc(i + 1)) == NULL)
			return -1;
		memcpy(buf, s, i);
		buf[i] = '\0';
		for (size_t k = 0; k < i; k++)
			if (buf[k] == '.')
				buf[k] = point;
		*value = strtod(buf, NULL);
		if (buf != small)
			free(buf);
	}
	in->off += i;
	return 0;
}

/* The literal WORD at IN. */
static int
fi_word(struct fi_in *in, const char *word)
{
	size_t n = strlen(word);

	if (in->len - in->off < n || memcmp(in->p + in->off, word, n) != 0)
		return -1;
	in->off += n;
	return 0;
}

/* Skip the value at IN, checked as cJSON would parse it; a loop, not a
 * recursion: an engine may nest as deep as cJSON lets it. */
static int
fi_skip(struct fi_in *in)
{
	const unsigned char *p = in->p;
	unsigned char kind[FI_DEPTH_MAX];
	size_t top = 0;

value:
	if (in->off >= in->len)
		return -1;
	switch (p[in->off]) {
	case '{':
	case '[':
		if (in->depth + top >= FI_DEPTH_MAX)
			return -1;
		kind[top++] = p[in->off] == '{' ? '}' : ']';
		in->off++;
		fi_ws(in);
		if (in->off < in->len && p[in->off] == kind[top - 1]) {
			in->off++;
			top--;
			goto after;
		}
		if (kind[top - 1] == '}')
			goto member;
		goto value;
	case '"':
		if (fi_string(in, NULL, 0, NULL) != 0)
			return -1;
		goto after;
	case 't':
		if (fi_word(in, "true") != 0)
			return -1;
		goto after;
	case 'f':
		if (fi_word(in, "false") != 0)
			return -1;
		goto after;
	case 'n':
		if (fi_word(in, "null") != 0)
			return -1;
		goto after;
	default:
		if ((p[in->off] != '-' && (p[in->off] < '0' || p[in->off] > '9')) ||
		    fi_number(in, NULL) != 0)
			return -1;
		goto after;
	}
member:
	if (fi_string(in, NULL, 0, NULL) != 0)
		return -1;
	fi_ws(in);
	if (in->off >= in->len || p[in->off] != ':')
		return -1;
	in->off++;
	fi_ws(in);
	goto value;
after:
	if (top == 0)
		return 0;
	fi_ws(in);
	if (in->off < in->len && p[in->off] == ',') {
		in->off++;
		fi_ws(in);
		if (kind[top - 1] == '}')
			goto member;
		goto value;
	}
	if (in->off < in->len && p[in->off] == kind[top - 1]) {
		in->off++;
		top--;
		goto after;
	}
	return -1;
}

/* What reads one member of an object: its decoded name KEY (cut to the
 * buffer, KLEN long up to its first NUL) and its value at IN. */
typedef int (*fi_member_fn)(struct fi_in *in, const char *key, size_t klen, void *arg);

/* The object at IN, each member handed to FN. */
static int
fi_object(struct fi_in *in, fi_member_fn fn, void *arg)
{
	char key[PD_NAME_LEN + 1];
	size_t klen;

	if (in->depth >= FI_DEPTH_MAX)
		return -1;
	in->depth++;
	in->off++;
	fi_ws(in);
	if (in->off < in->len && in->p[in->off] == '}') {
		in->off++;
		in->depth--;
		return 0;
	}
	for (;;) {
		if (fi_string(in, key, sizeof(key), &klen) != 0)
			return -1;
		fi_ws(in);
		if (in->off >= in->len || in->p[in->off] != ':')
			return -1;
		in->off++;
		fi_ws(in);
		if (fn(in, key, klen, arg) != 0)
			return -1;
		fi_ws(in);
		if (in->off < in->len && in->p[in->off] == ',') {
			in->off++;
			fi_ws(in);
			continue;
		}
		if (in->off < in->len && in->p[in->off] == '}') {
			in->off++;
			in->depth--;
			return 0;
		}
		return -1;
	}
}

/* Whether member name KEY (KLEN long) is WANT, as strcmp would say of
 * cJSON's copy; *SEEN marks the first one: cJSON finds the first of
 * duplicate members. */
static int
fi_is(const char *key, size_t klen, const char *want, int *seen)
{
	if (*seen || klen != strlen(want) || memcmp(key, want, klen) != 0)
		return 0;
	*seen = 1;
	return 1;
}

/* The string at IN copied into DST (LEN bytes) as fl_copy_str would: ""
 * when it is no string, cut between characters when it does not fit. */
static int
fi_copy(struct fi_in *in, char *dst, size_t len)
{
	char tmp[PD_IMAGE_LEN + 1];

	dst[0] = '\0';
	if (in->off >= in->len || in->p[in->off] != '"')
		return fi_skip(in);
	if (len > sizeof(tmp) - 1)
		len = sizeof(tmp) - 1;
	if (fi_string(in, tmp, len + 1, NULL) != 0)
		return -1;
	pd_copy_text(dst, len, tmp);
	return 0;
}

/* The value at IN as fl_int / fl_num take a number: *VALUE and *IS. */
static int
fi_num(struct fi_in *in, double *value, int *is)
{
	unsigned char ch = in->off < in->len ? in->p[in->off] : 0;

	*is = 0;
	if (ch != '-' && (ch < '0' || ch > '9'))
		return fi_skip(in);
	*is = 1;
	return fi_number(in, value);
}

/* The object at IN read by FN, or, when it is something else, skipped
 * (an array or a scalar has no members to find). */
static int
fi_sub(struct fi_in *in, fi_member_fn fn, void *arg)
{
	if (in->off < in->len && in->p[in->off] == '{')
		return fi_object(in, fn, arg);
	return fi_skip(in);
}

/* What the parse has found so far, and of which members the first. */
struct fi_state {
	struct fleet_inspect *out;
	int name, restart, created, state, config, netset;
	int status, health, hstatus, oom, exit, started, finished;
	int image, stop, labels, networks;
	int lab[3];
	char stack[3][PD_NAME_LEN];
	char time[3][64];                /* Created, StartedAt, FinishedAt */
	size_t nets_used;
};

static const char *const fi_stack_keys[] = {
	"io.plantdeck.stack", "com.docker.stack.namespace", "com.docker.compose.project",
};

static int
fi_labels(struct fi_in *in, const char *key, size_t klen, void *arg)
{
	struct fi_state *st = arg;

	for (size_t i = 0; i < 3; i++)
		if (fi_is(key, klen, fi_stack_keys[i], &st->lab[i]))
			return fi_copy(in, st->stack[i], sizeof(st->stack[i]));
	return fi_skip(in);
}

/* Every member of Networks, as fl_networks joins them. */
static int
fi_networks(struct fi_in *in, const char *key, size_t klen, void *arg)
{
	struct fi_state *st = arg;
	char *out = st->out->networks;
	size_t len = sizeof(st->out->networks), used = st->nets_used;

	if (klen > 0 && used + (used > 0) + klen + 1 <= len) {
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, key, klen);
		used += klen;
		out[used] = '\0';
		st->nets_used = used;
	}
	return fi_skip(in);
}

static int
fi_netset(struct fi_in *in, const char *key, size_t klen, void *arg)
{
	struct fi_state *st = arg;

	if (fi_is(key, klen, "Networks", &st->networks))
		return fi_sub(in, fi_networks, st);
	return fi_skip(in);
}

static int
fi_health(struct fi_in *in, const char *key, size_t klen, void *arg)
{
	struct fi_state *st = arg;
	char s[16];

	if (!fi_is(key, klen, "Status", &st->hstatus))
		return fi_skip(in);
	if (in->off >= in->len || in->p[in->off] != '"')
		return fi_skip(in);
	if (fi_string(in, s, sizeof(s), NULL) != 0)
		return -1;
	st->out->health = fleet_parse_health_status(s);
	return 0;
}

static int
fi_state(struct fi_in *in, const char *key, size_t klen, void *arg)
{
	struct fi_state *st = arg;
	struct fleet_inspect *x = st->out;
	double d = 0;
	int is, rc;

	if (fi_is(key, klen, "Status", &st->status))
		return fi_copy(in, x->status, sizeof(x->status));
	if (fi_is(key, klen, "Health", &st->health))
		return fi_sub(in, fi_health, st);
	if (fi_is(key, klen, "OOMKilled", &st->oom)) {
		x->oom_killed = fi_word(in, "true") == 0;
		return x->oom_killed ? 0 : fi_skip(in);
	}
	if (fi_is(key, klen, "ExitCode", &st->exit)) {
		rc = fi_num(in, &d, &is);
		x->exit_code = (int)pd_json_int_of(is, d, INT_MIN, INT_MAX, 0);
		return rc;
	}
	if (fi_is(key, klen, "StartedAt", &st->started))
		return fi_copy(in, st->time[1], sizeof(st->time[1]));
	if (fi_is(key, klen, "FinishedAt", &st->finished))
		return fi_copy(in, st->time[2], sizeof(st->time[2]));
	return fi_skip(in);
}

static int
fi_config(struct fi_in *in, const char *key, size_t klen, void *arg)
{
	struct fi_state *st = arg;
	struct fleet_inspect *x = st->out;
	double d = 0;
	int is, rc;

	if (fi_is(key, klen, "Image", &st->image))
		return fi_copy(in, x->image, sizeof(x->image));
	if (fi_is(key, klen, "StopTimeout", &st->stop)) {
		rc = fi_num(in, &d, &is);
		x->stop_timeout = is ? d : -1;
		return rc;
	}
	if (fi_is(key, klen, "Labels", &st->labels))
		return fi_sub(in, fi_labels, st);
	return fi_skip(in);
}

static int
fi_top(struct fi_in *in, const char *key, size_t klen, void *arg)
{
	struct fi_state *st = arg;
	struct fleet_inspect *x = st->out;
	double d = 0;
	int is, rc;

	if (fi_is(key, klen, "Name", &st->name))
		return fi_copy(in, x->name, sizeof(x->name));
	if (fi_is(key, klen, "RestartCount", &st->restart)) {
		rc = fi_num(in, &d, &is);
		x->restart_count = (int)pd_json_int_of(is, d, 0, INT_MAX, 0);
		return rc;
	}
	if (fi_is(key, klen, "Created", &st->created))
		return fi_copy(in, st->time[0], sizeof(st->time[0]));
	if (fi_is(key, klen, "State", &st->state))
		return fi_sub(in, fi_state, st);
	if (fi_is(key, klen, "Config", &st->config))
		return fi_sub(in, fi_config, st);
	if (fi_is(key, klen, "NetworkSettings", &st->netset))
		return fi_sub(in, fi_netset, st);
	return fi_skip(in);
}

int
fleet_parse_inspect(const char *data, size_t len, struct fleet_inspect *out)
{
	struct fi_state st;
	struct fi_in in = { (const unsigned char *)data, len, 0, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	out->health = PD_HEALTH_NONE;
	out->stop_timeout = -1;
	memset(&st, 0, sizeof(st));
	st.out = out;
	if (data == NULL || len == 0)
		return -1;
	/* cJSON skips a byte order mark, in a text longer than 4 bytes. */
	if (len > 4 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		in.off = 3;
	fi_ws(&in);
	rc = fi_sub(&in, fi_top, &st);
	if (rc != 0)
		return -1;
	/* The label plantdeck sets, else Swarm's, else Compose's (fl_stack). */
	for (size_t i = 0; i < 3 && out->stack[0] == '\0'; i++)
		memcpy(out->stack, st.stack[i], sizeof(out->stack));
	out->created = fleet_parse_time(st.time[0]);
	out->started_at = fleet_parse_time(st.time[1]);
	out->finished_at = fleet_parse_time(st.time[2]);
	return 0;
}
