/* fuzz-registry-auth: registry credentials (backend/engine/registry-auth.c):
 * a docker config.json, a credential helper's answer, registry host keys,
 * the X-Registry-Auth header and pull refusals.
 *
 * Input: parts separated by NUL bytes: the config.json, a registry key,
 * a user name, a password, an identity token ("" for none), a server
 * address, a registry's error message.  The config is written to
 * $DOCKER_CONFIG/config.json of the harness's own directory, with PATH
 * pointing there too, so that no credential helper can run.  Checked: a
 * lookup fails with a message or says where it looked; a header holds the
 * base64url of JSON that reads back to the fields encoded; a host key
 * gives a non-empty host without '/' or fails; explanations are
 * terminated. */
#include <cjson/cJSON.h>

#include "backend/engine/registry-auth.h"
#include "tests/fuzz/fuzz.h"

/* Part K of the input (NUL-separated; "" past the last). */
static const char *
fz_part(const char *all, size_t size, int k)
{
	size_t off = 0;

	for (int i = 0; i < k; i++) {
		off += strlen(all + off) + 1;
		if (off > size)
			return "";
	}
	return all + off;
}

/* The bytes of base64url TEXT (padded or not), or NULL when it is not. */
static char *
fz_b64url_decode(const char *text)
{
	size_t n = strlen(text), o = 0;
	char *out = malloc(n + 1);
	unsigned acc = 0;
	int bits = 0;

	if (out == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		int v;
		char ch = text[i];

		if (ch >= 'A' && ch <= 'Z')
			v = ch - 'A';
		else if (ch >= 'a' && ch <= 'z')
			v = ch - 'a' + 26;
		else if (ch >= '0' && ch <= '9')
			v = ch - '0' + 52;
		else if (ch == '-')
			v = 62;
		else if (ch == '_')
			v = 63;
		else if (ch == '=')
			break;
		else {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return out;
}

/* Field KEY of J is the string WANT. */
static void
fz_field(const cJSON *j, const char *key, const char *want)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	if (!cJSON_IsString(v) || strcmp(v->valuestring, want) != 0)
		fz_fail("registry_auth_encode: %s does not read back", key);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *all = fz_strdup(data, size), err[512], host[256], out[1024], *hdr, *dec;
	const char *key = fz_part(all, size, 1), *user = fz_part(all, size, 2);
	const char *pass = fz_part(all, size, 3), *token = fz_part(all, size, 4);
	const char *server = fz_part(all, size, 5), *msg = fz_part(all, size, 6);
	struct registry_auth a;
	cJSON *j;
	int found = 0;

	/* The config, then a lookup of the registry KEY names. */
	{
		const char *path = fz_write_file("config.json", (const uint8_t *)all, strlen(all));
		static int env;

		if (!env) {
			char dir[128];
			const char *slash = strrchr(path, '/');

			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
			setenv("DOCKER_CONFIG", dir, 1);
			setenv("PATH", dir, 1);
			env = 1;
		}
	}
	err[0] = '\0';
	if (registry_auth_host(key, host, sizeof(host)) == 0) {
		if (host[0] == '\0' || strchr(host, '/') != NULL)
			fz_fail("registry_auth_host: '%s' from '%s'", host, key);
		memset(&a, 0, sizeof(a));
		if (registry_auth_lookup(NULL, host, &a, err, sizeof(err)) != 0 && err[0] == '\0')
			fz_fail("registry_auth_lookup failed without a message");
		if (a.source[0] == '\0')
			fz_fail("registry_auth_lookup: no source");
		if (a.found && (a.header == NULL ||
		    strncmp(a.header, "X-Registry-Auth: ", 17) != 0))
			fz_fail("registry_auth_lookup: found without a header");
		registry_auth_explain(&a, err[0] ? err : NULL, msg, out, sizeof(out));
		if (memchr(out, '\0', sizeof(out)) == NULL)
			fz_fail("registry_auth_explain: not terminated");
		registry_auth_clear(&a);
	}
	/* A helper's answer. */
	err[0] = '\0';
	if (registry_auth_test_answer(all, &found, err, sizeof(err)) != 0 && err[0] == '\0')
		fz_fail("a helper's answer refused without a message");
	(void)registry_auth_refused(msg);
	/* The header reads back. */
	hdr = registry_auth_encode(user, pass, token[0] ? token : NULL, server);
	if (hdr == NULL)
		abort();
	dec = fz_b64url_decode(hdr);
	if (dec == NULL)
		fz_fail("registry_auth_encode: not base64url: %s", hdr);
	j = cJSON_Parse(dec);
	if (j == NULL)
		fz_fail("registry_auth_encode: not JSON: %s", dec);
	if (token[0]) {
		fz_field(j, "identitytoken", token);
	} else {
		fz_field(j, "username", user);
		fz_field(j, "password", pass);
	}
	fz_field(j, "serveraddress", server);
	cJSON_Delete(j);
	free(dec);
	free(hdr);
	free(all);
	return 0;
}
