/* client-cert.c: a TLS client certificate and key, read once (client-cert.h).
 *
 * One entry per (certificate, key) pair of paths, for the process: an
 * inventory of 1,000 nodes sharing its defaults' certificate holds one.  Each
 * new connection's SSL_CTX gets the entry's certificate, chain and key, after
 * a stat of both files: a certificate replaced on disk (renewed) is decoded
 * again for the next connection, as when curl read the files itself. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "backend/engine/client-cert.h"

struct client_cert {
	char *cert, *key;             /* the paths (key NULL: in cert's file) */
	pthread_mutex_t lock;         /* what follows */
	struct stat cert_st, key_st;  /* the files as they were decoded */
	X509 *x509;
	STACK_OF(X509) *chain;        /* certificates after the first, or NULL */
	EVP_PKEY *pkey;
	struct client_cert *next;
};

static pthread_mutex_t cc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct client_cert *cc_list;   /* never freed: a few entries a process */

/* A key's passphrase is never asked for (OpenSSL would prompt on the
 * terminal): an encrypted key is left to curl, which refuses it. */
static int
cc_no_pass(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

static int
cc_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void
cc_drop(X509 *x, STACK_OF(X509) *chain, EVP_PKEY *k)
{
	X509_free(x);
	sk_X509_pop_free(chain, X509_free);
	EVP_PKEY_free(k);
}

/* Decode C's files as they are now into C; 0 done, -1 (C unchanged) when a
 * file cannot be read or decoded or the key is not the certificate's. */
static int
cc_load(struct client_cert *c)
{
	struct stat cst, kst;
	X509 *x = NULL, *more;
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *k = NULL;
	BIO *b;
	int ok = 0;

	if (stat(c->cert, &cst) != 0 || stat(c->key ? c->key : c->cert, &kst) != 0)
		return -1;
	if ((b = BIO_new_file(c->cert, "r")) != NULL) {
		/* As SSL_CTX_use_certificate_chain_file reads it, which is
		 * what curl does with a PEM certificate. */
		x = PEM_read_bio_X509_AUX(b, NULL, cc_no_pass, NULL);
		while (x != NULL && (more = PEM_read_bio_X509(b, NULL, cc_no_pass, NULL)) != NULL) {
			if ((chain == NULL && (chain = sk_X509_new_null()) == NULL) ||
			    !sk_X509_push(chain, more)) {
				X509_free(more);
				break;
			}
		}
		BIO_free(b);
	}
	ERR_clear_error();      /* the end of the file reads as an error */
	if (x != NULL && (b = BIO_new_file(c->key ? c->key : c->cert, "r")) != NULL) {
		k = PEM_read_bio_PrivateKey(b, NULL, cc_no_pass, NULL);
		BIO_free(b);
	}
	ERR_clear_error();
	ok = x != NULL && k != NULL && X509_check_private_key(x, k) == 1;
	ERR_clear_error();
	if (!ok) {
		cc_drop(x, chain, k);
		return -1;
	}
	cc_drop(c->x509, c->chain, c->pkey);
	c->x509 = x;
	c->chain = chain;
	c->pkey = k;
	c->cert_st = cst;
	c->key_st = kst;
	return 0;
}

static int
cc_str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
cc_openssl(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	return v != NULL && v->ssl_version != NULL && strncmp(v->ssl_version, "OpenSSL/", 8) == 0;
}

struct client_cert *
client_cert_get(const char *cert, const char *key)
{
	struct client_cert *c;

	if (cert == NULL || !cc_openssl())
		return NULL;
	pthread_mutex_lock(&cc_lock);
	for (c = cc_list; c != NULL; c = c->next)
		if (strcmp(c->cert, cert) == 0 && cc_str_eq(c->key, key))
			break;
	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL) {
		c->cert = strdup(cert);
		c->key = key != NULL ? strdup(key) : NULL;
		pthread_mutex_init(&c->lock, NULL);
		if (c->cert == NULL || (key != NULL && c->key == NULL) || cc_load(c) != 0) {
			pthread_mutex_destroy(&c->lock);
			free(c->cert);
			free(c->key);
			free(c);
			c = NULL;
		} else {
			c->next = cc_list;
			cc_list = c;
		}
	}
	pthread_mutex_unlock(&cc_lock);
	return c;
}

int
client_cert_install(struct client_cert *c, void *sslctx)
{
	SSL_CTX *ctx = sslctx;
	struct stat cst, kst;
	X509 *x;
	STACK_OF(X509) *chain;
	EVP_PKEY *k;
	int ok;

	pthread_mutex_lock(&c->lock);
	if (stat(c->cert, &cst) != 0 || stat(c->key ? c->key : c->cert, &kst) != 0 ||
	    ((!cc_same_file(&cst, &c->cert_st) || !cc_same_file(&kst, &c->key_st)) &&
	    cc_load(c) != 0)) {
		/* Gone or unreadable now: fail as curl would have, reading it. */
		pthread_mutex_unlock(&c->lock);
		return -1;
	}
	x = c->x509;
	k = c->pkey;
	X509_up_ref(x);
	EVP_PKEY_up_ref(k);
	chain = c->chain != NULL ? X509_chain_up_ref(c->chain) : NULL;
	pthread_mutex_unlock(&c->lock);
	ok = SSL_CTX_use_certificate(ctx, x) == 1 && SSL_CTX_use_PrivateKey(ctx, k) == 1;
	for (int i = 0; ok && chain != NULL && i < sk_X509_num(chain); i++)
		ok = SSL_CTX_add1_chain_cert(ctx, sk_X509_value(chain, i)) == 1;
	cc_drop(x, chain, k);
	ERR_clear_error();
	return ok ? 0 : -1;
}

/* CURLOPT_SSL_CTX_FUNCTION: each new connection's context. */
static CURLcode
cc_on_ctx(CURL *h, void *sslctx, void *arg)
{
	(void)h;
	return client_cert_install(arg, sslctx) == 0 ? CURLE_OK : CURLE_SSL_CERTPROBLEM;
}

int
client_cert_use(CURL *h, struct client_cert *c)
{
	if (curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, cc_on_ctx) != CURLE_OK)
		return -1;
	curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, c);
	return 0;
}
