/* engine.c: builds and finishes Docker Engine API calls with libcurl.
 *
 * Nothing here owns a thread: the io thread drives the handles built here
 * in its multi loop, and worker threads use engine_call().  The API version
 * is whatever the engine says it speaks in its Api-Version header; it is
 * never pinned, so Docker 20.10 (1.41) and Docker 29 (1.52, which refuses
 * 1.41) both work. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "backend/engine/client-cert.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"

#define ENGINE_CONNECT_TIMEOUT_MS 2000
/* Connecting over TLS includes the handshake (client certificate, both
 * sides' signatures): a deploy opens one to every node at once from one
 * thread, and 27 busy engines on a loaded host took more than 2 s. */
#define ENGINE_TLS_CONNECT_TIMEOUT_MS 10000
#define ENGINE_TIMEOUT_MS 10000

/* strdup that tolerates NULL. */
static char *
engine_strdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

struct engine *
engine_new(const struct inv_node *node)
{
	struct engine *e = calloc(1, sizeof(*e));
	char url[512];

	if (e == NULL)
		return NULL;
	e->name = strdup(node->name);
	e->endpoint = strdup(node->endpoint);
	e->tls = node->tls;
	e->tls_verify = node->tls_verify;
	e->tls_ca = engine_strdup(node->tls_ca);
	e->tls_cert = engine_strdup(node->tls_cert);
	e->tls_key = engine_strdup(node->tls_key);
	e->connect_timeout_ms = node->tls ? ENGINE_TLS_CONNECT_TIMEOUT_MS : ENGINE_CONNECT_TIMEOUT_MS;
	e->timeout_ms = ENGINE_TIMEOUT_MS;
	e->max_body = ENGINE_MAX_BODY_DEFAULT;
	if (strncmp(node->endpoint, "unix://", 7) == 0) {
		e->unix_path = strdup(node->endpoint + 7);
		e->base_url = strdup("http://localhost");
	} else if (strncmp(node->endpoint, "tcp://", 6) == 0) {
		snprintf(url, sizeof(url), "%s://%s", node->tls ? "https" : "http",
		    node->endpoint + 6);
		e->base_url = strdup(url);
	}
	if (e->name == NULL || e->endpoint == NULL || e->base_url == NULL) {
		engine_free(e);
		return NULL;
	}
	return e;
}

void
engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	free(e->name);
	free(e->endpoint);
	free(e->base_url);
	free(e->unix_path);
	free(e->tls_ca);
	free(e->tls_cert);
	free(e->tls_key);
	free(e);
}

static int
engine_str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
engine_same_client(const struct engine *a, const struct engine *b)
{
	return a->tls == b->tls && engine_str_eq(a->tls_cert, b->tls_cert) &&
	    engine_str_eq(a->tls_key, b->tls_key);
}

char *
engine_url(const struct engine *e, const char *path, int versioned)
{
	size_t len = strlen(e->base_url) + strlen(path) + 24;
	char *url = malloc(len);

	if (url == NULL)
		return NULL;
	if (versioned && e->api_version[0] != '\0')
		snprintf(url, len, "%s/v%s%s", e->base_url, e->api_version, path);
	else
		snprintf(url, len, "%s%s", e->base_url, path);
	return url;
}

size_t
engine_buf_append(struct engine_buf *b, const char *data, size_t len)
{
	size_t max = b->max ? b->max : ENGINE_MAX_BODY_DEFAULT;
	size_t want;
	char *p;

	if (b->len + len > max) {
		b->overflow = 1;
		return 0;
	}
	want = b->len + len + 1;
	if (want > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < want)
			cap *= 2;
		p = realloc(b->data, cap);
		if (p == NULL) {
			b->overflow = 1;
			return 0;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

void
engine_buf_free(struct engine_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* curl write callback: append to the reply's capped buffer.  Returning
 * less than given aborts the transfer (CURLE_WRITE_ERROR). */
static size_t
engine_on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct engine_reply *r = arg;

	return engine_buf_append(&r->body, data, size * nmemb);
}

/* curl header callback: remember the Api-Version header. */
static size_t
engine_on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct engine_reply *r = arg;
	size_t len = size * nmemb, n;
	const char *v;

	if (len > 12 && strncasecmp(data, "Api-Version:", 12) == 0) {
		v = data + 12;
		while (v < data + len && (*v == ' ' || *v == '\t'))
			v++;
		for (n = 0; v + n < data + len && n + 1 < sizeof(r->api_version) &&
		    (isdigit((unsigned char)v[n]) || v[n] == '.'); n++)
			r->api_version[n] = v[n];
		r->api_version[n] = '\0';
	}
	return len;
}

/* Whether H carries E's client certificate decoded once (e->tls_preload);
 * when not, the caller gives curl the files' paths. */
static int
engine_tls_preloaded(struct engine *e, CURL *h)
{
	if (!e->tls_preload)
		return 0;
	if (e->tls_id == NULL)
		e->tls_id = client_cert_get(e->tls_cert, e->tls_key);
	return e->tls_id != NULL && client_cert_use(h, e->tls_id) == 0;
}

CURL *
engine_easy(struct engine *e, const char *method, const char *path, int versioned,
    const char *body, long timeout_ms, struct engine_reply *reply)
{
	CURL *h;
	char *url;

	/* The last line of defence of a read-only (kiosk) backend. */
	if (e->read_only && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return NULL;
	h = curl_easy_init();
	if (h == NULL)
		return NULL;
	url = engine_url(e, path, versioned);
	if (url == NULL) {
		curl_easy_cleanup(h);
		return NULL;
	}
	reply->body.max = e->max_body;
	curl_easy_setopt(h, CURLOPT_URL, url);
	free(url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, e->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, engine_on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, reply);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, engine_on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, reply);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "plantdeck/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (e->unix_path != NULL)
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, e->unix_path);
	if (e->tls) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, e->tls_verify ? 1L : 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, e->tls_verify ? 2L : 0L);
		if (e->tls_ca != NULL) {
			/* The given CA alone, as the docker CLI trusts it: libcurl's
			 * default CA directory (Debian's /etc/ssl/certs) beside it
			 * trusted every public CA for the engine, and kept curl
			 * from caching the CA store, so every new connection read
			 * and parsed the CA file again. */
			curl_easy_setopt(h, CURLOPT_CAINFO, e->tls_ca);
			curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
		}
		if (e->tls_cert == NULL || !engine_tls_preloaded(e, h)) {
			if (e->tls_cert != NULL)
				curl_easy_setopt(h, CURLOPT_SSLCERT, e->tls_cert);
			if (e->tls_key != NULL)
				curl_easy_setopt(h, CURLOPT_SSLKEY, e->tls_key);
		}
	}
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, body);
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	}
	return h;
}

void
engine_error_message(const char *body, char *out, size_t outlen)
{
	cJSON *j, *m;

	out[0] = '\0';
	if (body == NULL)
		return;
	j = cJSON_Parse(body);
	m = cJSON_GetObjectItemCaseSensitive(j, "message");
	if (cJSON_IsString(m))
		snprintf(out, outlen, "%s", m->valuestring);
	else
		snprintf(out, outlen, "%.200s", body);
	cJSON_Delete(j);
	/* The message came from the node: strip line breaks so it stays one line. */
	for (char *p = out; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

/* Why a TLS call that ended with CODE failed, in words an engineer can act
 * on; 0 when CODE is not a TLS failure. */
static int
engine_tls_why(CURLcode code, const struct engine_reply *r, char *out, size_t outlen)
{
	switch (code) {
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(out, outlen, "the engine's certificate is not signed by the CA "
		    "plantdeck trusts (tls ca), or is not made for this address");
		return 1;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(out, outlen, "the handshake failed: the engine does not speak TLS "
		    "there, or refused our client certificate");
		return 1;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
		snprintf(out, outlen, "cannot use the tls ca, cert or key file");
		return 1;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/* TLS 1.3: a server that refuses the client certificate says so
		 * after the handshake, before any answer. */
		if (r->status != 0 || r->body.len != 0)
			return 0;
		snprintf(out, outlen, "the engine closed the connection before answering: it "
		    "most likely refused our client certificate (not signed by a CA it trusts)");
		return 1;
	default:
		return 0;
	}
}

int
engine_finish(struct engine *e, const char *method, const char *path, CURLcode code,
    struct engine_reply *r)
{
	char msg[300];

	r->error[0] = '\0';
	if (code == CURLE_WRITE_ERROR && r->body.overflow) {
		snprintf(r->error, sizeof(r->error), "%s: %s %s: response larger than %zu bytes",
		    e->name, method, path, r->body.max);
		return -1;
	}
	if (code == CURLE_OPERATION_TIMEDOUT) {
		snprintf(r->error, sizeof(r->error), "%s: %s %s: no answer (timed out)",
		    e->name, method, path);
		return -1;
	}
	if (code != CURLE_OK && e->tls && engine_tls_why(code, r, msg, sizeof(msg))) {
		r->tls_refused = 1;
		snprintf(r->error, sizeof(r->error), "%s: %s %s: TLS refused: %s (%s)", e->name,
		    method, path, msg, curl_easy_strerror(code));
		return -1;
	}
	if (code != CURLE_OK) {
		snprintf(r->error, sizeof(r->error), "%s: %s %s: %s", e->name, method, path,
		    curl_easy_strerror(code));
		return -1;
	}
	if (r->status < 200 || r->status > 299) {
		engine_error_message(r->body.data, msg, sizeof(msg));
		snprintf(r->error, sizeof(r->error), "%s: %s %s: HTTP %ld%s%s", e->name, method,
		    path, r->status, msg[0] ? ": " : "", msg);
		return -1;
	}
	return 0;
}

void
engine_reply_reset(struct engine_reply *r)
{
	engine_buf_free(&r->body);
	memset(r, 0, sizeof(*r));
}

void
engine_reply_free(struct engine_reply *r)
{
	engine_reply_reset(r);
}

int
engine_call(struct engine *e, const char *method, const char *path, const char *body,
    struct engine_reply *r)
{
	return engine_call_stream(e, method, path, body, e->timeout_ms, NULL, NULL, r);
}

/* The state of a streamed call: the reply, a partial line, the callback. */
struct engine_stream {
	struct engine_reply *reply;
	char line[8192];
	size_t len;
	int (*cb)(void *ctx, const char *line);
	void *ctx;
	int stopped;
};

/* Hand complete lines of a streamed body to the callback; keep the start
 * of the body in the reply too, for an error message. */
static size_t
engine_on_stream(char *data, size_t size, size_t nmemb, void *arg)
{
	struct engine_stream *s = arg;
	size_t n = size * nmemb;

	if (s->reply->body.len < 4096)
		engine_buf_append(&s->reply->body, data, n < 4096 ? n : 4096);
	for (size_t i = 0; i < n; i++) {
		if (data[i] != '\n' && s->len < sizeof(s->line) - 1) {
			s->line[s->len++] = data[i];
			continue;
		}
		if (data[i] != '\n')
			continue;   /* an overlong line is cut, its end dropped */
		s->line[s->len] = '\0';
		s->len = 0;
		if (s->cb(s->ctx, s->line) != 0) {
			s->stopped = 1;
			return 0;
		}
	}
	return n;
}

/* One blocking call, its body streamed to LINE when given. */
int
engine_call_stream(struct engine *e, const char *method, const char *path, const char *body,
    long timeout_ms, int (*line)(void *ctx, const char *line), void *ctx,
    struct engine_reply *r)
{
	return engine_call_stream_hdr(e, method, path, body, NULL, timeout_ms, line, ctx, r);
}

/* Zero the strings of header list L (one may hold credentials), then free it. */
static void
engine_headers_free(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p != NULL; p = p->next)
		if (p->data != NULL)
			explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

/* One blocking call with one more request header (X-Registry-Auth), zeroed after. */
int
engine_call_stream_hdr(struct engine *e, const char *method, const char *path, const char *body,
    const char *header, long timeout_ms, int (*line)(void *ctx, const char *line), void *ctx,
    struct engine_reply *r)
{
	struct engine_stream s = { .reply = r, .cb = line, .ctx = ctx };
	struct curl_slist *hdr = NULL, *more;
	CURL *h;
	CURLcode code;

	memset(r, 0, sizeof(*r));
	if (e->read_only && strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		snprintf(r->error, sizeof(r->error), "%s: %s %s: refused: read-only", e->name,
		    method, path);
		return -1;
	}
	h = engine_easy(e, method, path, strcmp(path, "/_ping") != 0, body, timeout_ms, r);
	if (h == NULL) {
		snprintf(r->error, sizeof(r->error), "%s: %s %s: out of memory", e->name,
		    method, path);
		return -1;
	}
	if (line != NULL) {
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, engine_on_stream);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	}
	if (timeout_ms == 0) {
		/* No deadline for the whole transfer, but not a silent one either. */
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	}
	/* A POST without a body is no form either: endpoints that take an
	 * optional JSON body (commit, exec start) refuse a form content type. */
	hdr = curl_slist_append(NULL, body != NULL ? "Content-Type: application/json" :
	    "Content-Type:");
	if (hdr != NULL && header != NULL) {
		more = curl_slist_append(hdr, header);
		if (more == NULL) {
			engine_headers_free(hdr);
			curl_easy_cleanup(h);
			snprintf(r->error, sizeof(r->error), "%s: %s %s: out of memory", e->name,
			    method, path);
			return -1;
		}
		hdr = more;
	}
	if (hdr != NULL && (body != NULL || strcmp(method, "POST") == 0 || header != NULL))
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	code = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(h);
	engine_headers_free(hdr);
	if (line != NULL && code == CURLE_OK && s.len > 0) {
		s.line[s.len] = '\0';
		line(ctx, s.line);
	}
	if (s.stopped && code == CURLE_WRITE_ERROR)
		code = CURLE_OK;
	return engine_finish(e, method, path, code, r);
}

int
engine_set_version(struct engine *e, const char *v)
{
	unsigned major, minor;
	int n = 0;

	if (v == NULL || sscanf(v, "%u.%u%n", &major, &minor, &n) != 2 || v[n] != '\0' ||
	    major < 1 || major > 9 || minor > 999)
		return -1;
	snprintf(e->api_version, sizeof(e->api_version), "%u.%u", major, minor);
	return 0;
}

int
engine_negotiate(struct engine *e, struct engine_reply *r)
{
	if (engine_call(e, "GET", "/_ping", NULL, r) != 0)
		return -1;
	if (engine_set_version(e, r->api_version) != 0) {
		snprintf(r->error, sizeof(r->error),
		    "%s: GET /_ping: no usable Api-Version header (is this a Docker Engine?)",
		    e->name);
		return -1;
	}
	return 0;
}

/* Start the ping of engine I of V on M; 0, or -1 (the engine keeps its
 * fallback). */
static int
engine_ping_add(CURLM *m, struct engine **v, size_t i, struct engine_reply *rep, CURL **h)
{
	h[i] = engine_easy(v[i], "GET", "/_ping", 0, NULL, v[i]->timeout_ms, &rep[i]);
	if (h[i] == NULL)
		return -1;
	curl_easy_setopt(h[i], CURLOPT_PRIVATE, (void *)(uintptr_t)i);
	if (curl_multi_add_handle(m, h[i]) != CURLM_OK) {
		curl_easy_cleanup(h[i]);
		h[i] = NULL;
		return -1;
	}
	return 0;
}

size_t
engine_negotiate_all(struct engine **v, size_t n, const char *fallback)
{
	struct engine_reply *rep;
	CURL **h;
	CURLM *m;
	size_t next = 0, flight = 0, ok = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] != NULL && fallback != NULL)
			engine_set_version(v[i], fallback);
	if (n == 0)
		return 0;
	rep = calloc(n, sizeof(*rep));
	h = calloc(n, sizeof(*h));
	m = curl_multi_init();
	if (rep == NULL || h == NULL || m == NULL) {
		/* No memory for the multi: one after another, as before. */
		free(rep);
		free(h);
		if (m != NULL)
			curl_multi_cleanup(m);
		for (size_t i = 0; i < n; i++) {
			struct engine_reply r = { 0 };

			if (v[i] != NULL && engine_negotiate(v[i], &r) == 0)
				ok++;
			else if (v[i] != NULL && fallback != NULL)
				engine_set_version(v[i], fallback);
			engine_reply_free(&r);
		}
		return ok;
	}
	for (;;) {
		CURLMsg *msg;
		int running, left;

		while (next < n && flight < ENGINE_NEGOTIATE_FLIGHT) {
			if (v[next] != NULL && engine_ping_add(m, v, next, rep, h) == 0)
				flight++;
			next++;
		}
		if (flight == 0)
			break;
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			char *priv = NULL;
			size_t i;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			i = (size_t)(uintptr_t)priv;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &rep[i].status);
			if (engine_finish(v[i], "GET", "/_ping", msg->data.result, &rep[i]) == 0 &&
			    engine_set_version(v[i], rep[i].api_version) == 0)
				ok++;
			curl_multi_remove_handle(m, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			h[i] = NULL;
			flight--;
		}
		curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		if (h[i] != NULL) {
			curl_multi_remove_handle(m, h[i]);
			curl_easy_cleanup(h[i]);
		}
		engine_reply_free(&rep[i]);
	}
	curl_multi_cleanup(m);
	free(rep);
	free(h);
	return ok;
}
