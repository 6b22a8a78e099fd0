/* client-cert.h: a TLS client certificate and key, read once for the process.
 *
 * Given their paths (CURLOPT_SSLCERT, CURLOPT_SSLKEY), libcurl reads and
 * decodes both files for every new connection: with OpenSSL 3 that was the
 * largest single cost of a TLS engine's connection (the PEM decoders), and a
 * first snapshot opens several connections a node.  Here they are decoded
 * once and handed to each connection's SSL_CTX from memory
 * (CURLOPT_SSL_CTX_FUNCTION).
 *
 * curl then no longer sees which certificate a connection carries, so it
 * would reuse a connection (or resume a TLS session) opened with one
 * certificate for a request meant to go out with another to the same
 * host:port.  Use it only on handles whose connection cache and session
 * cache (a CURLSH) serve one identity alone: fleet.c's share groups. */
#ifndef PLANTDECK_CLIENT_CERT_H
#define PLANTDECK_CLIENT_CERT_H

#include <curl/curl.h>

struct client_cert;

/* The decoded CERT (PEM, with any chain after it) and KEY (PEM, not
 * encrypted); CERT and KEY are paths, KEY NULL for the key in CERT's file.
 * Loaded on the first call for the pair and kept for the process (the cache
 * is shared by threads).  NULL when they cannot be read or decoded, do not
 * match, or libcurl's TLS backend is not OpenSSL: the caller then gives curl
 * the paths, and curl reports what is wrong as it always did. */
struct client_cert *client_cert_get(const char *cert, const char *key);

/* Give SSLCTX (an OpenSSL SSL_CTX *) C's certificate, chain and key, decoded
 * again first if either file changed on disk since (a renewed certificate);
 * 0 done, -1 when a file is gone or no longer decodes, or OpenSSL refused. */
int client_cert_install(struct client_cert *c, void *sslctx);

/* Set H to install C on each new connection's SSL_CTX; 0 done, -1 when
 * libcurl refused the option (the caller gives curl the paths). */
int client_cert_use(CURL *h, struct client_cert *c);

#endif
