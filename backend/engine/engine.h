/* engine.h: a client of one node's Docker Engine API, over libcurl.
 *
 * An engine is an endpoint (unix socket, tcp, tcp+TLS) and the API version
 * negotiated with it from GET /_ping.  It builds curl easy handles that the
 * io thread drives in its multi loop, and it can also make one blocking call
 * for commands run from worker threads or the CLI.  Every error says which
 * node, which call and what happened: "press-03: GET /containers/json:
 * Connection refused". */
#ifndef PLANTDECK_ENGINE_H
#define PLANTDECK_ENGINE_H

#include <stddef.h>
#include <curl/curl.h>

struct inv_node;

#define ENGINE_MAX_BODY_DEFAULT (16u << 20)  /* cap on one response body */

struct engine {
	char *name;
	char *endpoint;
	char *base_url;       /* http(s)://host:port, or http://localhost for unix */
	char *unix_path;      /* socket path, or NULL */
	int tls, tls_verify;
	char *tls_ca, *tls_cert, *tls_key;
	char api_version[16]; /* "1.41" once negotiated, "" before */
	long connect_timeout_ms;
	long timeout_ms;      /* whole-transfer timeout for one-shot calls */
	size_t max_body;
	int read_only;        /* refuse every method but GET and HEAD */
	/* Set by an owner whose handles of this engine use a connection and
	 * TLS session cache of its identity alone (fleet.c's share groups):
	 * the client certificate and key are then given to OpenSSL decoded
	 * once (client-cert.h), not read from their files by curl for every
	 * connection. */
	int tls_preload;
	struct client_cert *tls_id;   /* found on the first handle, or NULL */
};

/* A response body that grows up to a cap. */
struct engine_buf {
	char *data;           /* always NUL-terminated when non-NULL */
	size_t len, cap, max;
	int overflow;         /* the body was larger than max */
};

/* The result of one call. */
struct engine_reply {
	long status;          /* HTTP status, 0 when no response */
	struct engine_buf body;
	char api_version[16]; /* Api-Version header, if any */
	char error[512];      /* "node: METHOD path: what happened", or "" */
	int tls_refused;      /* the TLS handshake or the engine's certificate failed */
};

/* A new engine for NODE; NULL on allocation failure. */
struct engine *engine_new(const struct inv_node *node);
void engine_free(struct engine *e);

/* Whether A and B present the same client certificate and key (or none). */
int engine_same_client(const struct engine *a, const struct engine *b);

/* Build the URL of PATH ("/containers/json"), prefixed with the negotiated
 * /vX.YY when VERSIONED.  Returns a new string. */
char *engine_url(const struct engine *e, const char *path, int versioned);

/* A curl easy handle for METHOD PATH with every option set (socket, TLS,
 * timeouts, body writer into REPLY's buffer, header reader).  TIMEOUT_MS 0
 * means no transfer timeout (event streams).  BODY may be NULL. */
CURL *engine_easy(struct engine *e, const char *method, const char *path,
    int versioned, const char *body, long timeout_ms, struct engine_reply *reply);

/* Fill REPLY->error from a finished transfer's result; returns 0 when the
 * call succeeded (2xx and body within the cap). */
int engine_finish(struct engine *e, const char *method, const char *path,
    CURLcode code, struct engine_reply *reply);

/* One blocking call; 0 on a 2xx reply.  The caller frees with
 * engine_reply_free. */
int engine_call(struct engine *e, const char *method, const char *path,
    const char *body, struct engine_reply *reply);

/* One blocking call with a transfer timeout of TIMEOUT_MS (0: none, but a
 * transfer that sends nothing for 60 s fails); with LINE, the body is handed
 * to it one line at a time (without the newline) as it arrives, and a
 * non-zero return from LINE ends the transfer.  0 on a 2xx reply. */
int engine_call_stream(struct engine *e, const char *method, const char *path,
    const char *body, long timeout_ms, int (*line)(void *ctx, const char *line),
    void *ctx, struct engine_reply *reply);

/* engine_call_stream with one more request header HEADER ("Name: value",
 * NULL: none): X-Registry-Auth for a pull.  The header is never logged nor
 * put in REPLY, and its copies here are zeroed after the transfer. */
int engine_call_stream_hdr(struct engine *e, const char *method, const char *path,
    const char *body, const char *header, long timeout_ms,
    int (*line)(void *ctx, const char *line), void *ctx, struct engine_reply *reply);

/* GET /_ping and adopt the engine's API version; 0 or -1 with REPLY->error. */
int engine_negotiate(struct engine *e, struct engine_reply *reply);

/* Negotiate with the N engines of V at once: one curl multi, at most
 * ENGINE_NEGOTIATE_FLIGHT pings in flight, each bounded by its engine's
 * timeouts, so N dead nodes cost about one timeout rather than N.  An engine
 * that does not answer (or (V[i] NULL) is skipped) keeps FALLBACK as its
 * version (NULL: stays unset).  Returns how many answered with a version. */
#define ENGINE_NEGOTIATE_FLIGHT 256
size_t engine_negotiate_all(struct engine **v, size_t n, const char *fallback);

/* Take the version from a /_ping reply: "1.41" → stored; 0 if valid. */
int engine_set_version(struct engine *e, const char *version);

void engine_reply_reset(struct engine_reply *r);
void engine_reply_free(struct engine_reply *r);

/* Append to a capped buffer; returns the bytes accepted. */
size_t engine_buf_append(struct engine_buf *b, const char *data, size_t len);
void engine_buf_free(struct engine_buf *b);

/* Turn an engine's error body {"message":"..."} into its message text. */
void engine_error_message(const char *body, char *out, size_t outlen);

#endif
