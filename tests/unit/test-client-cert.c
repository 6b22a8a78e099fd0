/* test-client-cert.c: a TLS client certificate and key decoded once
 * (backend/engine/client-cert.c), with real files made by the openssl tool:
 * found again by their paths, installed on an SSL_CTX, decoded again when
 * renewed on disk, refused when they do not match or the key is encrypted. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "backend/engine/client-cert.h"

static char dir[] = "/tmp/pd-client-cert-XXXXXX";
static char path[8][320];

static const char *
at(int slot, const char *name)
{
	snprintf(path[slot], sizeof(path[slot]), "%s/%s", dir, name);
	return path[slot];
}

static void
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* The common name of the certificate an SSL_CTX would present. */
static void
installed_cn(SSL_CTX *ctx, char *out, size_t len)
{
	X509 *x = SSL_CTX_get0_certificate(ctx);

	out[0] = '\0';
	if (x != NULL)
		X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, out, (int)len);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	/* Two identities (EC keys: quick to make), an encrypted key, a
	 * certificate with its chain after it, and one file holding both. */
	sh("cd %s && for n in alpha bravo; do openssl req -x509 -newkey ec "
	    "-pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $n.key -out $n.crt "
	    "-subj /CN=$n -days 2 2>/dev/null || exit 1; done && "
	    "openssl pkey -in alpha.key -aes128 -passout pass:secret -out enc.key && "
	    "cat alpha.crt bravo.crt >chain.crt && cat alpha.crt alpha.key >both.pem && "
	    "cp alpha.crt live.crt && cp alpha.key live.key", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", dir);
	return 0;
}

static void
test_found_and_installed(void **state)
{
	struct client_cert *a, *again, *both;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char cn[64];

	(void)state;
	assert_non_null(ctx);
	a = client_cert_get(at(0, "alpha.crt"), at(1, "alpha.key"));
	assert_non_null(a);
	again = client_cert_get(at(0, "alpha.crt"), at(1, "alpha.key"));
	assert_ptr_equal(a, again);            /* decoded once for the process */
	assert_int_equal(client_cert_install(a, ctx), 0);
	installed_cn(ctx, cn, sizeof(cn));
	assert_string_equal(cn, "alpha");
	assert_int_equal(SSL_CTX_check_private_key(ctx), 1);
	/* The key in the certificate's file, as curl reads it without a key. */
	both = client_cert_get(at(2, "both.pem"), NULL);
	assert_non_null(both);
	assert_true(both != a);
	SSL_CTX_free(ctx);
}

static void
test_chain(void **state)
{
	struct client_cert *c = client_cert_get(at(0, "chain.crt"), at(1, "alpha.key"));
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	STACK_OF(X509) *chain = NULL;
	char cn[64];

	(void)state;
	assert_non_null(c);
	assert_int_equal(client_cert_install(c, ctx), 0);
	installed_cn(ctx, cn, sizeof(cn));
	assert_string_equal(cn, "alpha");
	assert_int_equal(SSL_CTX_get0_chain_certs(ctx, &chain), 1);
	assert_non_null(chain);
	assert_int_equal(sk_X509_num(chain), 1);   /* bravo, sent after alpha */
	SSL_CTX_free(ctx);
}

static void
test_refused(void **state)
{
	(void)state;
	/* The key is not the certificate's. */
	assert_null(client_cert_get(at(0, "alpha.crt"), at(1, "bravo.key")));
	/* Encrypted: never a prompt, left to curl (which refuses it). */
	assert_null(client_cert_get(at(0, "alpha.crt"), at(1, "enc.key")));
	assert_null(client_cert_get(at(0, "missing.crt"), at(1, "alpha.key")));
	assert_null(client_cert_get(at(0, "alpha.crt"), at(1, "missing.key")));
	assert_null(client_cert_get(at(0, "alpha.key"), at(1, "alpha.key")));  /* not a certificate */
}

/* A certificate renewed on disk reaches the next connection; one removed
 * fails it, as curl reading the files would have. */
static void
test_renewed(void **state)
{
	struct client_cert *c = client_cert_get(at(0, "live.crt"), at(1, "live.key"));
	SSL_CTX *ctx;
	char cn[64];

	(void)state;
	assert_non_null(c);
	ctx = SSL_CTX_new(TLS_client_method());
	assert_int_equal(client_cert_install(c, ctx), 0);
	installed_cn(ctx, cn, sizeof(cn));
	assert_string_equal(cn, "alpha");
	SSL_CTX_free(ctx);

	/* Replaced the way tools do, a new file moved over the old one. */
	sh("cd %s && cp bravo.crt new.crt && cp bravo.key new.key && mv new.key live.key && "
	    "mv new.crt live.crt", dir);
	ctx = SSL_CTX_new(TLS_client_method());
	assert_int_equal(client_cert_install(c, ctx), 0);
	installed_cn(ctx, cn, sizeof(cn));
	assert_string_equal(cn, "bravo");
	assert_int_equal(SSL_CTX_check_private_key(ctx), 1);
	SSL_CTX_free(ctx);
	assert_ptr_equal(client_cert_get(at(0, "live.crt"), at(1, "live.key")), c);

	/* Half renewed (a new certificate, the old key): refused, not mixed. */
	sh("cd %s && cp alpha.crt new.crt && mv new.crt live.crt", dir);
	ctx = SSL_CTX_new(TLS_client_method());
	assert_int_equal(client_cert_install(c, ctx), -1);
	SSL_CTX_free(ctx);

	sh("rm %s/live.crt", dir);
	ctx = SSL_CTX_new(TLS_client_method());
	assert_int_equal(client_cert_install(c, ctx), -1);
	SSL_CTX_free(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_and_installed),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_renewed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
