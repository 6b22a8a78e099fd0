/* scale-baseline.c: the baseline of bench/scale's first-snapshot figure.
 *
 *   scale-baseline [-i] [-c CONNS] ENDPOINT...
 *
 * The least a client must do to hold a complete snapshot of a fleet: for
 * every engine (tcp://HOST:PORT or unix:///PATH), GET /_ping for the API
 * version (negotiated, as the design asks of plantdeck), then
 * GET /vVER/containers/json?all=1, then GET /vVER/containers/ID/json for each
 * container listed -- all engines at once in one libcurl multi handle, at most
 * CONNS connections per engine (default 4), keep-alive reused.  Replies are
 * not parsed beyond finding the ids (the `"Id":"` keys of the list); inspect
 * bodies are read and dropped.  It is deliberately minimal: no events, no
 * model, no retries -- a failed request counts as failed and is not repeated.
 *
 * -i: also GET /vVER/info of every engine, beside the list (plantdeck reads
 * each engine's facts and swarm membership from it before its snapshot is
 * complete; on a real engine /info costs far more than a ping or a list).
 *
 * Prints one line: "nodes N answered A containers C inspected I failed F
 * elapsed S" and exits 0 when every node answered and every container was
 * inspected, 1 otherwise, 2 on a usage error. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

enum kind { REQ_PING, REQ_LIST, REQ_INSPECT, REQ_INFO };

/* One engine: where it is and what it answered. */
struct node {
	char base[512];		/* http(s)://HOST:PORT or http://localhost */
	char sock[512];		/* unix socket path, or "" */
	char ver[16];		/* "1.43", from the ping */
	int answered;		/* the list came back */
};

/* One request in flight, with the body read so far. */
struct req {
	enum kind kind;
	struct node *node;
	char *buf;
	size_t len, cap;
	char ver[16];		/* the ping's Api-Version header */
};

static long containers, inspected, failed, pending;
/* Mutual TLS as the docker CLI does it: DOCKER_TLS_VERIFY set, the files in
 * DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem), as `lab env` gives for a
 * lab brought up with --tls. */
static char tls_ca[600], tls_cert[600], tls_key[600];

/* Append a reply chunk to the request's buffer (lists only; others drop it). */
static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct req *r = arg;
	size_t len = sz * n;

	if (r->kind != REQ_LIST)
		return len;
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 65536;
		char *b;

		while (cap < r->len + len + 1)
			cap *= 2;
		if ((b = realloc(r->buf, cap)) == NULL)
			return 0;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, p, len);
	r->len += len;
	r->buf[r->len] = '\0';
	return len;
}

/* Keep the Api-Version header of a ping reply (digits and dots only). */
static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct req *r = arg;
	size_t len = sz * n, i, k = 0;
	static const char key[] = "api-version:";

	if (r->kind == REQ_PING && len > sizeof(key) - 1 &&
	    strncasecmp(p, key, sizeof(key) - 1) == 0) {
		for (i = sizeof(key) - 1; i < len && k + 1 < sizeof(r->ver); i++)
			if (isdigit((unsigned char)p[i]) || p[i] == '.')
				r->ver[k++] = p[i];
		r->ver[k] = '\0';
	}
	return len;
}

/* Start one GET of PATH on NODE. */
static int
add(CURLM *m, struct node *node, enum kind kind, const char *path)
{
	char url[1024];
	struct req *r;
	CURL *e;

	if ((r = calloc(1, sizeof(*r))) == NULL || (e = curl_easy_init()) == NULL) {
		free(r);
		return -1;
	}
	r->kind = kind;
	r->node = node;
	snprintf(url, sizeof(url), "%s%s", node->base, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	if (node->sock[0] != '\0')
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, node->sock);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	if (tls_ca[0] != '\0' && node->sock[0] == '\0') {
		curl_easy_setopt(e, CURLOPT_CAINFO, tls_ca);
		curl_easy_setopt(e, CURLOPT_SSLCERT, tls_cert);
		curl_easy_setopt(e, CURLOPT_SSLKEY, tls_key);
	}
	if (curl_multi_add_handle(m, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		free(r);
		return -1;
	}
	pending++;
	return 0;
}

/* Start an inspect for every container id in a list reply (the "Id" keys). */
static void
add_inspects(CURLM *m, struct req *r)
{
	static const char key[] = "\"Id\"";
	const char *p = r->buf ? r->buf : "";
	char path[256];
	size_t i;

	while ((p = strstr(p, key)) != NULL) {
		p += sizeof(key) - 1;
		while (isspace((unsigned char)*p))
			p++;
		if (*p++ != ':')
			continue;
		while (isspace((unsigned char)*p))
			p++;
		if (*p++ != '"')
			continue;
		for (i = 0; i < 64 && isxdigit((unsigned char)p[i]); i++)
			;
		if (i != 64 || p[i] != '"')
			continue;	/* not an id: untrusted text */
		containers++;
		snprintf(path, sizeof(path), "/v%s/containers/%.64s/json", r->node->ver, p);
		if (add(m, r->node, REQ_INSPECT, path) != 0)
			failed++;
		p += 64;
	}
}

/* Fill NODE from an endpoint string; -1 when it is neither tcp:// nor unix://. */
static int
parse_endpoint(struct node *node, const char *ep)
{
	if (strncmp(ep, "tcp://", 6) == 0) {
		snprintf(node->base, sizeof(node->base), "%s://%s",
		    tls_ca[0] != '\0' ? "https" : "http", ep + 6);
		return 0;
	}
	if (strncmp(ep, "unix://", 7) == 0) {
		snprintf(node->base, sizeof(node->base), "http://localhost");
		snprintf(node->sock, sizeof(node->sock), "%s", ep + 7);
		return 0;
	}
	return -1;
}

/* Seconds on the monotonic clock. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	long conns = 4, answered = 0;
	int info = 0;
	struct node *nodes;
	int i, n, first = 1, running;
	double t0;
	CURLM *m;
	CURLMsg *msg;

	if (argc > first && strcmp(argv[first], "-i") == 0) {
		info = 1;
		first++;
	}
	if (argc > first + 1 && strcmp(argv[first], "-c") == 0) {
		char *end;

		errno = 0;
		conns = strtol(argv[first + 1], &end, 10);
		if (errno != 0 || *end != '\0' || conns <= 0) {
			fprintf(stderr, "scale-baseline: bad -c %s\n", argv[first + 1]);
			return 2;
		}
		first += 2;
	}
	n = argc - first;
	if (getenv("DOCKER_TLS_VERIFY") != NULL && getenv("DOCKER_TLS_VERIFY")[0] != '\0' &&
	    getenv("DOCKER_CERT_PATH") != NULL) {
		const char *d = getenv("DOCKER_CERT_PATH");

		snprintf(tls_ca, sizeof(tls_ca), "%s/ca.pem", d);
		snprintf(tls_cert, sizeof(tls_cert), "%s/cert.pem", d);
		snprintf(tls_key, sizeof(tls_key), "%s/key.pem", d);
	}
	if (n <= 0) {
		fprintf(stderr, "usage: scale-baseline [-i] [-c CONNS] ENDPOINT...\n");
		return 2;
	}
	if ((nodes = calloc(n, sizeof(*nodes))) == NULL)
		return 1;
	t0 = now();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, conns);
	for (i = 0; i < n; i++) {
		if (parse_endpoint(&nodes[i], argv[first + i]) != 0) {
			fprintf(stderr, "scale-baseline: not tcp:// or unix://: %s\n", argv[first + i]);
			return 2;
		}
		if (add(m, &nodes[i], REQ_PING, "/_ping") != 0)
			failed++;
	}
	do {
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &(int){0})) != NULL) {
			struct req *r;
			long code = 0;
			char path[64];

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
			if (msg->data.result != CURLE_OK || code != 200) {
				fprintf(stderr, "scale-baseline: %s%s: %s (HTTP %ld)\n", r->node->base,
					r->kind == REQ_PING ? " ping" : r->kind == REQ_LIST ? " list" :
					r->kind == REQ_INFO ? " info" : " inspect",
					curl_easy_strerror(msg->data.result), code);
				failed++;
			} else if (r->kind == REQ_PING) {
				snprintf(r->node->ver, sizeof(r->node->ver), "%s",
					 r->ver[0] != '\0' ? r->ver : "1.41");
				snprintf(path, sizeof(path), "/v%s/containers/json?all=1", r->node->ver);
				if (add(m, r->node, REQ_LIST, path) != 0)
					failed++;
				snprintf(path, sizeof(path), "/v%s/info", r->node->ver);
				if (info && add(m, r->node, REQ_INFO, path) != 0)
					failed++;
			} else if (r->kind == REQ_INFO) {
				/* read and dropped */
			} else if (r->kind == REQ_LIST) {
				r->node->answered = 1;
				answered++;
				add_inspects(m, r);
			} else {
				inspected++;
			}
			curl_multi_remove_handle(m, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			pending--;
			free(r->buf);
			free(r);
		}
		if (pending > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	} while (pending > 0);
	printf("nodes %d answered %ld containers %ld inspected %ld failed %ld elapsed %.6f\n",
	       n, answered, containers, inspected, failed, now() - t0);
	curl_multi_cleanup(m);
	curl_global_cleanup();
	free(nodes);
	return answered == n && inspected == containers && failed == 0 ? 0 : 1;
}
