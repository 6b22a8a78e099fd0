/* metrics-http.c: GET /metrics over HTTP, through libmicrohttpd.
 *
 * One daemon with one internal polling thread (epoll or poll, for fds past
 * FD_SETSIZE: the fleet holds hundreds of connections): scrapes are answered one
 * at a time, each from a fresh gather (the caller's callback), so a slow
 * scrape never runs beside another.  Only GET and HEAD of /metrics are
 * served (anything else: 404 or 405); a request body is never read.
 * The address is parsed here ("HOST:PORT", "[V6]:PORT", ":PORT") and bound
 * by libmicrohttpd; port 0 lets the kernel pick one, which *BOUND tells. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "backend/base/log.h"
#include "backend/metrics.h"

#if MHD_VERSION < 0x00097002
typedef int mhd_result;
#else
typedef enum MHD_Result mhd_result;
#endif

struct metrics_http {
	struct MHD_Daemon *d;
	metrics_gather_fn gather;
	void *ctx;
};

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Answer CON with STATUS and the static text BODY. */
static mhd_result
mh_text(struct MHD_Connection *con, unsigned status, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
	    MHD_RESPMEM_PERSISTENT);
	mhd_result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* libmicrohttpd's request handler. */
static mhd_result
mh_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **req_cls)
{
	struct metrics_http *m = cls;
	struct MHD_Response *r;
	mhd_result rc;
	char *body;
	size_t len = 0;

	(void)version;
	(void)upload_data;
	if (*req_cls == NULL) {          /* the headers came: answer on the next call */
		*req_cls = m;
		return MHD_YES;
	}
	if (*upload_size != 0) {
		*upload_size = 0;           /* a body is never read */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return mh_text(con, MHD_HTTP_NOT_FOUND, "not found: plantdeck serves /metrics\n");
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return mh_text(con, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	body = m->gather(m->ctx, &len);
	if (body == NULL)
		return mh_text(con, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	rc = MHD_queue_response(con, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* Split ADDR into HOST (NULL: every address) and PORT; 0 or -1. */
static int
mh_parse(const char *addr, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon;
	size_t hl;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (end == NULL || end[1] != ':')
			return -1;
		hl = (size_t)(end - addr - 1);
		addr++;
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL || memchr(addr, ':', (size_t)(colon - addr)) != NULL)
			return -1;
		hl = (size_t)(colon - addr);
	}
	if (hl >= hostlen || strlen(colon + 1) >= portlen || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5 ||
	    strtol(colon + 1, NULL, 10) > 65535)
		return -1;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	memcpy(port, colon + 1, strlen(colon + 1) + 1);
	return 0;
}

int
metrics_http_start(const char *addr, metrics_gather_fn gather, void *ctx,
    struct metrics_http **out, char *bound, size_t boundlen, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	char host[256], port[8], shown[INET6_ADDRSTRLEN];
	const union MHD_DaemonInfo *info;
	struct metrics_http *m;
	/* epoll or poll, never select(): a fleet's connections take the
	 * process past FD_SETSIZE, and select() refuses those fds. */
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	int rc;

	*out = NULL;
	if (mh_parse(addr, host, sizeof(host), port, sizeof(port)) != 0) {
		snprintf(err, errlen, "--metrics-listen '%s': want HOST:PORT, [IPV6]:PORT or :PORT",
		    addr);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "--metrics-listen '%s': %s", addr, gai_strerror(rc));
		return -1;
	}
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		freeaddrinfo(ai);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->gather = gather;
	m->ctx = ctx;
	errno = 0;
	m->d = MHD_start_daemon(flags, 0, NULL, NULL, mh_request, m,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_END);
	if (m->d == NULL) {
		snprintf(err, errlen, "--metrics-listen '%s': cannot listen%s%s", addr,
		    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
		freeaddrinfo(ai);
		free(m);
		return -1;
	}
	if (ai->ai_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr, shown,
		    sizeof(shown));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, shown,
		    sizeof(shown));
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(bound, boundlen, ai->ai_family == AF_INET6 ? "[%s]:%u" : "%s:%u", shown,
	    info != NULL ? (unsigned)info->port : (unsigned)strtol(port, NULL, 10));
	freeaddrinfo(ai);
	log_msg(LOG_INFO, "metrics: serving http://%s/metrics", bound);
	*out = m;
	return 0;
}

void
metrics_http_stop(struct metrics_http *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}
