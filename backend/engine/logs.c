/* logs.c: one container's log stream on a thread of its own (logs.h).
 *
 * The thread drives one curl easy handle in a multi handle of its own and
 * sleeps in curl_multi_poll(), so logs_close() ends it at once with a flag
 * and curl_multi_wakeup(), whatever the node does; the UI never waits on a
 * node.  The body goes through fleet.c's demultiplexer (fleet_demux_feed:
 * the first byte tells frames, [stream 0 0 0 size32be] payload with no
 * TTY, from a TTY's raw bytes); payloads are cut into lines per stream (a frame may end
 * mid-line), each line's "RFC3339Nano " timestamp is taken off, and a line
 * longer than PD_LOGS_LINE_MAX keeps its start only.  Lines go to a ring
 * of PD_LOGS_RING, so memory stays flat however long the stream runs.
 * Nothing here sanitises: the text is kept as the container wrote it and
 * the front end sanitises it for its terminal (ASCII or UTF-8). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "backend/base/log.h"
#include "backend/base/thread.h"
#include "backend/engine/engine.h"
#include "backend/engine/fleet.h"
#include "backend/engine/inventory.h"
#include "backend/engine/logs.h"

#define LOGS_STAMP_MAX 40         /* bytes of a line's timestamp and its space */
#define LOGS_POKE_GAP 0.1         /* s between two pokes of the front end */

/* The line being put together for one stream. */
struct logs_part {
	char buf[PD_LOGS_LINE_MAX + LOGS_STAMP_MAX];
	size_t len;
	int cut;                  /* bytes were dropped: the line is too long */
};

struct logs {
	pthread_mutex_t lock;     /* the ring, the state, the stop flag */

	/* the parser (only the stream's thread touches it, under the lock) */
	int timestamps;
	struct fleet_demux demux; /* frames or raw (fleet.c's demultiplexer) */
	struct logs_part part[2]; /* stdout (and raw), stderr */

	/* the ring of the last lines */
	struct pd_log_line *ring;
	size_t head, count;
	uint64_t seq;
	struct pd_logs_status st;

	/* the stream */
	char node[PD_NAME_LEN];
	char ref[PD_NAME_LEN];
	struct engine *e;
	CURLM *multi;
	CURL *easy;
	char errbody[512];        /* an error reply's body */
	size_t errlen;
	pthread_t th;
	int started, stop, pending;
	void (*poke)(void *ctx);
	void *ctx;
};

/* Seconds on the monotonic clock. */
static double
logs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A new stream's state without a connection; NULL out of memory. */
static struct logs *
logs_alloc(int timestamps)
{
	struct logs *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->ring = calloc(PD_LOGS_RING, sizeof(*l->ring));
	if (l->ring == NULL) {
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	l->timestamps = timestamps;
	return l;
}

/* The engine's "2026-12-04T05:40:01.123456789Z " at the start of LINE (LEN
 * bytes): its time in *T and its length with the space; 0 when none. */
static size_t
logs_stamp(const char *line, size_t len, double *t)
{
	char buf[LOGS_STAMP_MAX];
	const char *sp = memchr(line, ' ', len < LOGS_STAMP_MAX ? len : LOGS_STAMP_MAX);
	const char *dot;
	time_t sec;
	double frac = 0, scale = 0.1;

	if (sp == NULL || sp == line)
		return 0;
	memcpy(buf, line, (size_t)(sp - line));
	buf[sp - line] = '\0';
	sec = fleet_parse_time(buf);
	if (sec == 0)
		return 0;
	dot = strchr(buf, '.');
	for (const char *p = dot != NULL ? dot + 1 : ""; *p >= '0' && *p <= '9'; p++, scale /= 10)
		frac += (*p - '0') * scale;
	*t = (double)sec + frac;
	return (size_t)(sp - line) + 1;
}

/* A whole line of stream ERR (0 stdout, 1 stderr) into the ring. */
static void
logs_line(struct logs *l, int err, const char *p, size_t len, int cut)
{
	struct pd_log_line *slot;
	double t = 0;
	size_t skip = 0;
	char *text;

	if (l->timestamps)
		skip = logs_stamp(p, len, &t);
	p += skip;
	len -= skip;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len > PD_LOGS_LINE_MAX) {
		len = PD_LOGS_LINE_MAX;
		cut = 1;
	}
	text = malloc(len + 1);
	if (text == NULL)
		return;
	memcpy(text, p, len);
	text[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\0')
			text[i] = '?';  /* a NUL would hide the rest of the line */
	if (l->count == PD_LOGS_RING) {
		slot = &l->ring[l->head];
		free(slot->text);
		l->head = (l->head + 1) % PD_LOGS_RING;
	} else {
		slot = &l->ring[(l->head + l->count) % PD_LOGS_RING];
		l->count++;
	}
	*slot = (struct pd_log_line){ .seq = ++l->seq, .time = t, .err = err, .cut = cut,
	    .text = text };
	l->st.received++;
}

/* Payload bytes of stream ERR: cut into lines. */
static void
logs_payload(struct logs *l, int err, const char *p, size_t len)
{
	struct logs_part *part = &l->part[err];

	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - p) : len;
		size_t room = sizeof(part->buf) - part->len;

		if (n > room) {
			part->cut = 1;
			memcpy(part->buf + part->len, p, room);
			part->len += room;
		} else {
			memcpy(part->buf + part->len, p, n);
			part->len += n;
		}
		if (nl == NULL)
			break;
		logs_line(l, err, part->buf, part->len, part->cut);
		part->len = 0;
		part->cut = 0;
		len -= n + 1;
		p = nl + 1;
	}
}

/* A payload of STREAM (1 stdout or raw, 2 stderr), from the demultiplexer. */
static void
logs_stream_payload(void *arg, int stream, const char *p, size_t len)
{
	logs_payload(arg, stream == 2, p, len);
}

/* Feed body bytes through the demultiplexer; 0, or -1 when the framing is
 * broken.  Called with the lock held. */
static int
logs_feed(struct logs *l, const char *data, size_t len)
{
	return fleet_demux_feed(&l->demux, data, len, logs_stream_payload, l);
}

/* The body ended: a last line without its newline is still a line. */
static void
logs_flush(struct logs *l)
{
	for (int i = 0; i < 2; i++)
		if (l->part[i].len > 0) {
			logs_line(l, i, l->part[i].buf, l->part[i].len, l->part[i].cut);
			l->part[i].len = 0;
			l->part[i].cut = 0;
		}
}

/* curl write callback: an error reply is kept for its message, a 2xx body
 * is parsed; broken framing ends the transfer. */
static size_t
logs_on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct logs *l = arg;
	size_t len = size * nmemb;
	long code = 0;
	int rc;

	curl_easy_getinfo(l->easy, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code >= 300) {
		size_t n = sizeof(l->errbody) - 1 - l->errlen;

		n = len < n ? len : n;
		memcpy(l->errbody + l->errlen, data, n);
		l->errlen += n;
		l->errbody[l->errlen] = '\0';
		return len;
	}
	pthread_mutex_lock(&l->lock);
	l->st.state = PD_LOGS_STREAMING;
	rc = logs_feed(l, data, len);
	if (rc != 0) {
		l->st.state = PD_LOGS_FAILED;
		snprintf(l->st.error, sizeof(l->st.error), "%.60s: logs of %.64s: the engine's stream "
		    "is malformed", l->node, l->ref);
	}
	l->pending = 1;
	pthread_mutex_unlock(&l->lock);
	return rc == 0 ? len : 0;
}

/* The transfer ended with CODE: the state says how. */
static void
logs_done(struct logs *l, CURLcode code)
{
	long status = 0;
	char msg[PD_ERROR_LEN];

	curl_easy_getinfo(l->easy, CURLINFO_RESPONSE_CODE, &status);
	pthread_mutex_lock(&l->lock);
	if (l->st.state == PD_LOGS_FAILED) {
		/* already said (malformed) */
	} else if (status >= 300) {
		engine_error_message(l->errbody, msg, sizeof(msg));
		l->st.state = PD_LOGS_FAILED;
		snprintf(l->st.error, sizeof(l->st.error), "%.60s: logs of %.64s: %.110s", l->node, l->ref,
		    msg[0] ? msg : "refused");
	} else if (code != CURLE_OK) {
		l->st.state = PD_LOGS_FAILED;
		snprintf(l->st.error, sizeof(l->st.error), "%.60s: logs of %.64s: %.110s", l->node, l->ref,
		    curl_easy_strerror(code));
	} else {
		logs_flush(l);
		l->st.state = PD_LOGS_ENDED;
	}
	l->pending = 1;
	pthread_mutex_unlock(&l->lock);
}

/* The stream's thread: drive the transfer until it ends or is stopped. */
static void *
logs_run(void *arg)
{
	struct logs *l = arg;
	double last_poke = 0;
	int running = 1, stop, pending, more, done = 0;
	CURLMsg *m;
	long status;

	while (!done) {
		pthread_mutex_lock(&l->lock);
		stop = l->stop;
		pthread_mutex_unlock(&l->lock);
		if (stop)
			break;
		curl_multi_perform(l->multi, &running);
		while ((m = curl_multi_info_read(l->multi, &(int){ 0 })) != NULL)
			if (m->msg == CURLMSG_DONE) {
				logs_done(l, m->data.result);
				done = 1;
			}
		status = 0;
		curl_easy_getinfo(l->easy, CURLINFO_RESPONSE_CODE, &status);
		pthread_mutex_lock(&l->lock);
		if (!done && status >= 200 && status < 300 && l->st.state == PD_LOGS_CONNECTING) {
			l->st.state = PD_LOGS_STREAMING;
			l->pending = 1;
		}
		pending = l->pending && (done || logs_now() - last_poke >= LOGS_POKE_GAP);
		if (pending)
			l->pending = 0;
		more = l->pending;
		pthread_mutex_unlock(&l->lock);
		if (pending && l->poke != NULL) {
			l->poke(l->ctx);
			last_poke = logs_now();
		}
		if (!done)
			curl_multi_poll(l->multi, NULL, 0, more ? 100 : 1000, NULL);
	}
	return NULL;
}

/* Whether REF can name a container in a URL path: a name or an id. */
static int
logs_ref_valid(const char *ref)
{
	size_t n = strlen(ref);

	if (n == 0 || n >= PD_NAME_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = ref[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

struct logs *
logs_open(const struct inv_node *node, const char *ref, const struct pd_logs_query *q,
    void (*poke)(void *ctx), void *ctx, char *err, size_t errlen)
{
	struct logs *l;
	struct engine_reply dummy;
	char path[PD_NAME_LEN + 160], tail[24] = "all", since[32] = "";
	int rc;

	if (!logs_ref_valid(ref)) {
		snprintf(err, errlen, "%s: no container named like that (a name or an id)", node->name);
		return NULL;
	}
	l = logs_alloc(1);
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(l->node, sizeof(l->node), "%s", node->name);
	snprintf(l->ref, sizeof(l->ref), "%s", ref);
	l->poke = poke;
	l->ctx = ctx;
	if (q->tail >= 0)
		snprintf(tail, sizeof(tail), "%ld", q->tail);
	if (q->since > 0)
		snprintf(since, sizeof(since), "&since=%lld", (long long)q->since);
	snprintf(path, sizeof(path), "/containers/%s/logs?stdout=1&stderr=1&timestamps=1&"
	    "follow=%d&tail=%s%s", ref, q->follow ? 1 : 0, tail, since);
	memset(&dummy, 0, sizeof(dummy));
	l->e = engine_new(node);
	l->multi = curl_multi_init();
	if (l->e != NULL)
		l->easy = engine_easy(l->e, "GET", path, 0, NULL, 0, &dummy);
	if (l->e == NULL || l->multi == NULL || l->easy == NULL) {
		snprintf(err, errlen, "out of memory");
		logs_close(l);
		return NULL;
	}
	/* engine_easy's header reader writes to the reply: take it back. */
	curl_easy_setopt(l->easy, CURLOPT_HEADERFUNCTION, NULL);
	curl_easy_setopt(l->easy, CURLOPT_HEADERDATA, NULL);
	curl_easy_setopt(l->easy, CURLOPT_WRITEFUNCTION, logs_on_body);
	curl_easy_setopt(l->easy, CURLOPT_WRITEDATA, l);
	curl_multi_add_handle(l->multi, l->easy);
	rc = pd_thread_start(&l->th, logs_run, l);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start a thread: %s", strerror(rc));
		logs_close(l);
		return NULL;
	}
	l->started = 1;
	log_msg(LOG_DEBUG, "%s: logs of %s: streaming", l->node, l->ref);
	return l;
}

int
logs_read(struct logs *l, uint64_t after, struct pd_log_line **out, size_t *n,
    struct pd_logs_status *st)
{
	size_t first = 0, k = 0;
	struct pd_log_line *v = NULL;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&l->lock);
	*st = l->st;
	while (first < l->count && l->ring[(l->head + first) % PD_LOGS_RING].seq <= after)
		first++;
	if (first < l->count) {
		v = calloc(l->count - first, sizeof(*v));
		if (v == NULL) {
			pthread_mutex_unlock(&l->lock);
			return -1;
		}
		for (size_t i = first; i < l->count; i++) {
			const struct pd_log_line *src = &l->ring[(l->head + i) % PD_LOGS_RING];

			v[k] = *src;
			v[k].text = strdup(src->text);
			if (v[k].text == NULL) {
				pthread_mutex_unlock(&l->lock);
				pd_log_lines_free(v, k);
				return -1;
			}
			k++;
		}
	}
	pthread_mutex_unlock(&l->lock);
	*out = v;
	*n = k;
	return 0;
}

void
logs_close(struct logs *l)
{
	if (l == NULL)
		return;
	if (l->started) {
		pthread_mutex_lock(&l->lock);
		l->stop = 1;
		pthread_mutex_unlock(&l->lock);
		curl_multi_wakeup(l->multi);
		pthread_join(l->th, NULL);
	}
	if (l->easy != NULL) {
		curl_multi_remove_handle(l->multi, l->easy);
		curl_easy_cleanup(l->easy);
	}
	if (l->multi != NULL)
		curl_multi_cleanup(l->multi);
	engine_free(l->e);
	for (size_t i = 0; i < l->count; i++)
		free(l->ring[(l->head + i) % PD_LOGS_RING].text);
	free(l->ring);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

#ifdef UNITTEST
struct logs *
logs_parser_new(int timestamps)
{
	return logs_alloc(timestamps);
}

int
logs_parser_feed(struct logs *l, const char *data, size_t len)
{
	return logs_feed(l, data, len);
}

void
logs_parser_end(struct logs *l)
{
	logs_flush(l);
}
#endif
