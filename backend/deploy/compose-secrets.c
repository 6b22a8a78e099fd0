/* compose-secrets.c: secrets and configs of a stack file.
 *
 * Top-level secrets: and configs: define them (a file: relative to the
 * stack file's directory, an environment: variable, a config's inline
 * content:, or external: true with an optional name:); a service's
 * secrets: and configs: name the ones it gets, in the short form ("- db")
 * or the long one (source, target, uid, gid, mode).
 *
 * The content of a secret is never kept: the stack (and so the canonical
 * text a revision stores, the journal and the plan) holds only where it
 * comes from (an absolute file path or a variable's name) and the sha256
 * of what was read there when the file was loaded.  A deploy, a rollback
 * or a heal reads the source again (compose_secret_read) and refuses when
 * the digest is not the recorded one: the revision would otherwise run
 * with content nobody deployed.  A config's content: is the stack file's
 * own text, so it stays in the revision (a config is not a secret); a
 * config from a file or a variable is kept by reference, as a secret is.
 *
 * stack->secrets, in file order, secrets then configs:
 *   {"kind": "secret"|"config", "key": KEY, "name": NAME (name: given),
 *    "external": true | "file": PATH | "environment": VAR | "content": TEXT,
 *    "sha256": HEX (not external)}
 * service->secrets, in file order:
 *   {"kind", "source": KEY, "target": ABSOLUTE PATH, "uid": "0", "gid": "0",
 *    "mode": 292}
 * A secret's target is under /run/secrets (a relative one too), a config's
 * is /KEY by default.  external: is Swarm's (it names a secret the swarm
 * already has): under target engines it is an error. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose.h"
#include "backend/deploy/compose-int.h"

#define CS_MAX_DATA (500 * 1024)	/* bytes of one secret: Swarm's limit */
#define CS_MAX_DEFS 256
#define CS_MAX_TARGET 250		/* ustar: a prefix of 155 and a name of 100 */

/* The keys of a top-level secret and config. */
enum { DEF_FILE, DEF_ENVIRONMENT, DEF_EXTERNAL, DEF_NAME, DEF_CONTENT, DEF_NKEYS };
static const char *const cs_def_keys[DEF_NKEYS] = {
	[DEF_FILE] = "file", [DEF_ENVIRONMENT] = "environment", [DEF_EXTERNAL] = "external",
	[DEF_NAME] = "name", [DEF_CONTENT] = "content",
};
static const char *const cs_def_unsupported[] = {
	"driver", "driver_opts", "labels", "template_driver", NULL,
};

/* The keys of a service's long-form secret or config. */
enum { REF_SOURCE, REF_TARGET, REF_UID, REF_GID, REF_MODE, REF_NKEYS };
static const char *const cs_ref_keys[REF_NKEYS] = {
	[REF_SOURCE] = "source", [REF_TARGET] = "target", [REF_UID] = "uid", [REF_GID] = "gid",
	[REF_MODE] = "mode",
};

/* ---------------------------------------------------------------- digests */

/* The sha256 of LEN bytes of DATA as 64 hex digits into HEX (65 bytes);
 * -1 when the digest cannot be made. */
static int
cs_sha256(const char *data, size_t len, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	for (unsigned int i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* Whether S is 64 lower-case hex digits. */
static int
cs_is_digest(const char *s)
{
	return s != NULL && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

/* ---------------------------------------------------------------- reading */

/* Member KEY of O as a string, or NULL. */
static const char *
cs_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The content of definition DEF from its source, unchecked: a new buffer
 * in *DATA of *LEN bytes.  0, or -1 with ERR. */
static int
cs_fetch(const cJSON *def, char **data, size_t *len, char *err, size_t errlen)
{
	const char *kind = cs_str(def, "kind"), *key = cs_str(def, "key");
	const char *file = cs_str(def, "file"), *var = cs_str(def, "environment");
	const char *content = cs_str(def, "content");
	struct yf_q q;

	*data = NULL;
	*len = 0;
	if (file != NULL) {
		*data = yf_read_file(file, CS_MAX_DATA, len);
		if (*data == NULL)
			return yf_seterr(err, errlen, "%s '%s': cannot read %s: %s", kind, key,
			    yf_quotes(&q, file, YF_QUOTE_PATH), errno == EFBIG ?
			    "larger than 500 KiB" : strerror(errno));
		return 0;
	}
	if (var != NULL) {
		const char *v = getenv(var);

		if (v == NULL)
			return yf_seterr(err, errlen, "%s '%s': the environment variable %s is not "
			    "set", kind, key, var);
		if (strlen(v) > CS_MAX_DATA)
			return yf_seterr(err, errlen, "%s '%s': the environment variable %s is "
			    "larger than 500 KiB", kind, key, var);
		content = v;
	}
	if (content == NULL)
		return yf_seterr(err, errlen, "%s '%s': no source", kind, key);
	*len = strlen(content);
	if ((*data = strdup(content)) == NULL)
		return yf_seterr(err, errlen, "out of memory");
	return 0;
}

/* Read definition DEF again and check it against the recorded digest. */
int
compose_secret_read(const cJSON *def, char **data, size_t *len, char *err, size_t errlen)
{
	const char *want = cs_str(def, "sha256"), *kind = cs_str(def, "kind");
	const char *key = cs_str(def, "key"), *file = cs_str(def, "file");
	char got[65];

	*data = NULL;
	*len = 0;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(def, "external")))
		return yf_seterr(err, errlen, "%s '%s' is external: the swarm holds it", kind,
		    key);
	if (!cs_is_digest(want))
		return yf_seterr(err, errlen, "%s '%s': no digest recorded", kind, key);
	if (cs_fetch(def, data, len, err, errlen) != 0)
		return -1;
	if (cs_sha256(*data, *len, got) != 0) {
		free(*data);
		*data = NULL;
		return yf_seterr(err, errlen, "%s '%s': no sha256", kind, key);
	}
	if (strcmp(got, want) != 0) {
		struct yf_q q;

		free(*data);
		*data = NULL;
		return yf_seterr(err, errlen, "%s '%s': %s changed since the revision was made "
		    "(sha256 %.12s recorded, %.12s now): restore it, or deploy the stack file "
		    "again to make a new revision", kind, key, file != NULL ?
		    yf_quotes(&q, file, YF_QUOTE_PATH) : cs_str(def, "environment") != NULL ?
		    "the environment variable" : "the content", want, got);
	}
	return 0;
}

/* The definition KEY of KIND ("secret", "config") in STACK, or NULL. */
const cJSON *
compose_secret_find(const struct compose_stack *stack, const char *kind, const char *key)
{
	const cJSON *d;

	cJSON_ArrayForEach(d, stack->secrets) {
		const char *k = cs_str(d, "kind"), *n = cs_str(d, "key");

		if (k != NULL && n != NULL && strcmp(k, kind) == 0 && strcmp(n, key) == 0)
			return d;
	}
	return NULL;
}

/* ---------------------------------------------------------------- top level */

/* One definition KEY (node K, value V) of KIND into the stack. */
static int
cs_def(struct cp_file *f, const char *kind, yaml_node_t *k, yaml_node_t *v)
{
	static const struct cp_schema schema = { cs_def_keys, DEF_NKEYS, cs_def_unsupported, 1 };
	yaml_node_t *vals[DEF_NKEYS], *keyn[DEF_NKEYS];
	struct compose_stack *s = f->stack;
	int config = strcmp(kind, "config") == 0, external = 0, nsrc = 0;
	char *key = NULL, *text = NULL, *data = NULL, hex[65];
	size_t len = 0;
	cJSON *d = NULL;
	struct yf_q q;
	int rc = -1;

	if (!cp_valid_name(yf_scalar(k), k->data.scalar.length))
		return yf_error(&f->y, &k->start_mark, "bad %s name '%s': use 1 to %d of A-Z "
		    "a-z 0-9 _ . - starting with a letter or digit", kind, yf_quote(&q,
		    yf_scalar(k), k->data.scalar.length, YF_QUOTE), CP_MAX_NAME);
	if ((key = yf_strndup(yf_scalar(k), k->data.scalar.length)) == NULL)
		return yf_error(&f->y, &k->start_mark, "out of memory");
	if (yf_null(v) || v->type != YAML_MAPPING_NODE) {
		yf_error(&f->y, yf_null(v) ? &k->start_mark : &v->start_mark, "expected a "
		    "mapping for %s '%s' (file:, environment:%s or external:)", kind,
		    yf_quotes(&q, key, YF_QUOTE), config ? ", content:" : "");
		goto out;
	}
	if (cp_mapping(f, v, config ? "a config" : "a secret", &schema, vals, keyn) != 0)
		goto out;
	if (!config && keyn[DEF_CONTENT] != NULL) {
		yf_error(&f->y, &keyn[DEF_CONTENT]->start_mark, "a secret has no 'content' (it "
		    "would be in the stack file in clear): use file: or environment:");
		goto out;
	}
	if (vals[DEF_EXTERNAL] != NULL && cp_bool(f, vals[DEF_EXTERNAL], "'external'",
	    &external) != 0)
		goto out;
	nsrc = (vals[DEF_FILE] != NULL) + (vals[DEF_ENVIRONMENT] != NULL) +
	    (keyn[DEF_CONTENT] != NULL) + external;
	if (nsrc != 1) {
		yf_error(&f->y, &k->start_mark, "%s '%s' needs %s of file:, environment:%s or "
		    "external: true", kind, yf_quotes(&q, key, YF_QUOTE), nsrc == 0 ? "one" :
		    "only one", config ? ", content:" : "");
		goto out;
	}
	if (external && f->stack->target != COMPOSE_TARGET_SWARM) {
		yf_error(&f->y, &keyn[DEF_EXTERNAL]->start_mark, "external %s '%s': only a swarm "
		    "holds %ss (x-plantdeck target swarm); on engines give file: or "
		    "environment:", kind, yf_quotes(&q, key, YF_QUOTE), kind);
		goto out;
	}
	if (s->secrets == NULL && (s->secrets = cJSON_CreateArray()) == NULL)
		goto oom;
	if (cJSON_GetArraySize(s->secrets) >= CS_MAX_DEFS) {
		yf_error(&f->y, &k->start_mark, "too many secrets and configs (at most %d)",
		    CS_MAX_DEFS);
		goto out;
	}
	if ((d = cJSON_CreateObject()) == NULL)
		goto oom;
	if (cJSON_AddStringToObject(d, "kind", kind) == NULL ||
	    cJSON_AddStringToObject(d, "key", key) == NULL)
		goto oom;
	if (vals[DEF_NAME] != NULL) {
		if ((text = cp_str(f, vals[DEF_NAME], "'name'", 0)) == NULL)
			goto out;
		if (!cp_valid_name(text, strlen(text))) {
			yf_error(&f->y, &vals[DEF_NAME]->start_mark, "bad %s name '%s': use 1 to %d "
			    "of A-Z a-z 0-9 _ . - starting with a letter or digit", kind,
			    yf_quotes(&q, text, YF_QUOTE), CP_MAX_NAME);
			goto out;
		}
		if (cJSON_AddStringToObject(d, "name", text) == NULL)
			goto oom;
		free(text);
		text = NULL;
	}
	if (external) {
		if (cJSON_AddBoolToObject(d, "external", 1) == NULL)
			goto oom;
		cJSON_AddItemToArray(s->secrets, d);
		d = NULL;
		rc = 0;
		goto out;
	}
	if (vals[DEF_FILE] != NULL) {
		char *rel = cp_str(f, vals[DEF_FILE], "'file'", 0);

		/* "./pw.txt" is DIR/pw.txt, as the revision and its errors say it. */
		while (rel != NULL && rel[0] == '.' && rel[1] == '/') {
			size_t skip = 2;

			while (rel[skip] == '/')
				skip++;
			memmove(rel, rel + skip, strlen(rel + skip) + 1);
		}
		text = yf_path(&f->y, &vals[DEF_FILE]->start_mark, f->dir, rel);
		if (text == NULL)
			goto out;
		if ((data = yf_read_file(text, CS_MAX_DATA, &len)) == NULL) {
			yf_error(&f->y, &vals[DEF_FILE]->start_mark, "%s '%s': cannot read %s: %s",
			    kind, yf_quotes(&q, key, YF_QUOTE), text, errno == EFBIG ?
			    "larger than 500 KiB" : strerror(errno));
			goto out;
		}
		if (cJSON_AddStringToObject(d, "file", text) == NULL)
			goto oom;
	} else if (vals[DEF_ENVIRONMENT] != NULL) {
		const char *val;

		if ((text = cp_str(f, vals[DEF_ENVIRONMENT], "'environment'", 0)) == NULL)
			goto out;
		if (strchr(text, '=') != NULL || strpbrk(text, " \t") != NULL) {
			yf_error(&f->y, &vals[DEF_ENVIRONMENT]->start_mark, "bad variable name "
			    "'%s' for 'environment'", yf_quotes(&q, text, YF_QUOTE));
			goto out;
		}
		if ((val = getenv(text)) == NULL) {
			yf_error(&f->y, &vals[DEF_ENVIRONMENT]->start_mark, "%s '%s': the "
			    "environment variable %s is not set", kind, yf_quotes(&q, key,
			    YF_QUOTE), text);
			goto out;
		}
		len = strlen(val);
		if (len > CS_MAX_DATA) {
			yf_error(&f->y, &vals[DEF_ENVIRONMENT]->start_mark, "%s '%s': the "
			    "environment variable %s is larger than 500 KiB", kind,
			    yf_quotes(&q, key, YF_QUOTE), text);
			goto out;
		}
		if ((data = strdup(val)) == NULL ||
		    cJSON_AddStringToObject(d, "environment", text) == NULL)
			goto oom;
	} else {
		/* content: is interpolated as any value of the file is. */
		if (vals[DEF_CONTENT] == NULL)
			data = strdup("");
		else
			data = cp_str(f, vals[DEF_CONTENT], "'content'", CP_EMPTY_OK | CP_SPACE_OK);
		if (data == NULL)
			goto out;
		len = strlen(data);
		if (len > CS_MAX_DATA) {
			yf_error(&f->y, &keyn[DEF_CONTENT]->start_mark, "config '%s': 'content' is "
			    "larger than 500 KiB", yf_quotes(&q, key, YF_QUOTE));
			goto out;
		}
		if (cJSON_AddStringToObject(d, "content", data) == NULL)
			goto oom;
	}
	if (cs_sha256(data, len, hex) != 0) {
		yf_error(&f->y, &k->start_mark, "%s '%s': no sha256", kind,
		    yf_quotes(&q, key, YF_QUOTE));
		goto out;
	}
	if (cJSON_AddStringToObject(d, "sha256", hex) == NULL)
		goto oom;
	cJSON_AddItemToArray(s->secrets, d);
	d = NULL;
	rc = 0;
	goto out;
oom:
	yf_error(&f->y, &k->start_mark, "out of memory");
out:
	if (data != NULL) {
		/* Do not leave the content about in freed memory. */
		memset(data, 0, len);
		free(data);
	}
	cJSON_Delete(d);
	free(text);
	free(key);
	return rc;
}

/* Top-level secrets or configs N (WHAT) into the stack. */
int
cp_secrets_top(struct cp_file *f, yaml_node_t *n, const char *what)
{
	const char *kind = strcmp(what, "configs") == 0 ? "config" : "secret";
	struct cp_pair *pairs;
	size_t np;
	int rc = -1;

	if (n->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &n->start_mark, "expected a mapping for '%s'", what);
	if (cp_pairs(f, n, &pairs, &np) != 0)
		return -1;
	for (size_t i = 0; i < np; i++) {
		if (pairs[i].k->data.scalar.length >= 2 && yf_scalar(pairs[i].k)[0] == 'x' &&
		    yf_scalar(pairs[i].k)[1] == '-')
			continue;
		if (cs_def(f, kind, pairs[i].k, pairs[i].v) != 0)
			goto out;
	}
	rc = 0;
out:
	free(pairs);
	return rc;
}

/* ---------------------------------------------------------------- services */

/* Whether TARGET is an absolute path a tar and a Swarm file reference can
 * carry: no "." or ".." component, no empty one, no trailing slash. */
static int
cs_target_ok(const char *t)
{
	const char *p = t;

	if (t[0] != '/' || strlen(t) > CS_MAX_TARGET || strcmp(t, "/") == 0)
		return 0;
	while (*p == '/') {
		size_t len = strcspn(p + 1, "/");

		if (len == 0 || (len == 1 && p[1] == '.') || (len == 2 && p[1] == '.' &&
		    p[2] == '.'))
			return 0;
		p += 1 + len;
	}
	for (p = t; *p != '\0'; p++)
		if (yf_iscntrl((unsigned char)*p) || *p == '\\')
			return 0;
	return 1;
}

/* A mode N: octal when written 0NNN or 0oNNN (as YAML 1.1 and Compose read
 * it), else decimal; 0 to 0777. */
static int
cs_mode(struct cp_file *f, yaml_node_t *n, long long *out)
{
	char *s = cp_str(f, n, "'mode'", 0), *end;
	const char *p;
	int base = 10;
	unsigned long v;

	if (s == NULL)
		return -1;
	p = s;
	if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
		p += 2;
		base = 8;
	} else if (p[0] == '0' && p[1] != '\0') {
		base = 8;
	}
	errno = 0;
	v = *p >= '0' && *p <= '9' ? strtoul(p, &end, base) : 0;
	if (*p < '0' || *p > '9' || errno != 0 || *end != '\0' || v > 0777) {
		struct yf_q q;

		yf_error(&f->y, &n->start_mark, "bad mode '%s': use an octal number from 0 to "
		    "0777, such as 0440", yf_quotes(&q, s, YF_QUOTE));
		free(s);
		return -1;
	}
	free(s);
	*out = (long long)v;
	return 0;
}

/* A uid or gid N (WHAT) as a string of digits into *OUT. */
static int
cs_id(struct cp_file *f, yaml_node_t *n, const char *what, char **out)
{
	long long v;

	if (cp_int(f, n, what, 0, 2147483647LL, &v) != 0)
		return -1;
	if ((*out = malloc(16)) == NULL)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	snprintf(*out, 16, "%lld", v);
	return 0;
}

/* One item N of a service's secrets or configs (KIND) into array REFS. */
static int
cs_ref(struct cp_file *f, const char *kind, yaml_node_t *n, cJSON *refs)
{
	static const struct cp_schema schema = { cs_ref_keys, REF_NKEYS, NULL, 1 };
	yaml_node_t *vals[REF_NKEYS] = { 0 }, *keyn[REF_NKEYS] = { 0 }, *src_n = n;
	char *source = NULL, *target = NULL, *uid = NULL, *gid = NULL, *path = NULL;
	int config = strcmp(kind, "config") == 0;
	long long mode = 0444;
	const cJSON *r;
	cJSON *o = NULL;
	struct yf_q q;
	int rc = -1;

	if (n->type == YAML_MAPPING_NODE) {
		if (cp_mapping(f, n, config ? "a service's config" : "a service's secret", &schema,
		    vals, keyn) != 0)
			return -1;
		if (vals[REF_SOURCE] == NULL)
			return yf_error(&f->y, &n->start_mark, "a %s without 'source'", kind);
		src_n = vals[REF_SOURCE];
	}
	if ((source = cp_str(f, src_n, "'source'", 0)) == NULL)
		goto out;
	if (compose_secret_find(f->stack, kind, source) == NULL) {
		yf_error(&f->y, &src_n->start_mark, "%s '%s' is not defined under the top-level "
		    "'%ss'", kind, yf_quotes(&q, source, YF_QUOTE), kind);
		goto out;
	}
	if (vals[REF_TARGET] != NULL && (target = cp_str(f, vals[REF_TARGET], "'target'",
	    0)) == NULL)
		goto out;
	{
		const char *t = target != NULL ? target : source;
		size_t len = strlen(t) + sizeof("/run/secrets/");

		if ((path = malloc(len)) == NULL)
			goto oom;
		if (t[0] == '/')
			snprintf(path, len, "%s", t);
		else
			snprintf(path, len, "%s%s", config ? "/" : "/run/secrets/", t);
	}
	if (!cs_target_ok(path)) {
		yf_error(&f->y, vals[REF_TARGET] != NULL ? &vals[REF_TARGET]->start_mark :
		    &src_n->start_mark, "bad target '%s': a file path without '.' or '..', "
		    "at most %d bytes", yf_quotes(&q, path, YF_QUOTE_PATH), CS_MAX_TARGET);
		goto out;
	}
	cJSON_ArrayForEach(r, refs) {
		if (strcmp(cs_str(r, "target"), path) == 0) {
			yf_error(&f->y, &n->start_mark, "two secrets or configs at '%s'",
			    yf_quotes(&q, path, YF_QUOTE_PATH));
			goto out;
		}
	}
	if ((vals[REF_UID] != NULL && cs_id(f, vals[REF_UID], "'uid'", &uid) != 0) ||
	    (vals[REF_GID] != NULL && cs_id(f, vals[REF_GID], "'gid'", &gid) != 0) ||
	    (vals[REF_MODE] != NULL && cs_mode(f, vals[REF_MODE], &mode) != 0))
		goto out;
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "kind", kind) == NULL ||
	    cJSON_AddStringToObject(o, "source", source) == NULL ||
	    cJSON_AddStringToObject(o, "target", path) == NULL ||
	    cJSON_AddStringToObject(o, "uid", uid != NULL ? uid : "0") == NULL ||
	    cJSON_AddStringToObject(o, "gid", gid != NULL ? gid : "0") == NULL ||
	    cJSON_AddNumberToObject(o, "mode", (double)mode) == NULL)
		goto oom;
	cJSON_AddItemToArray(refs, o);
	o = NULL;
	rc = 0;
	goto out;
oom:
	yf_error(&f->y, &n->start_mark, "out of memory");
out:
	cJSON_Delete(o);
	free(source);
	free(target);
	free(path);
	free(uid);
	free(gid);
	return rc;
}

/* A service's secrets SECRETS_N and configs CONFIGS_N (NULL: none) into
 * SVC->secrets. */
int
cp_service_secrets(struct cp_file *f, struct compose_service *svc, yaml_node_t *secrets_n,
    yaml_node_t *configs_n)
{
	yaml_node_t *lists[2] = { secrets_n, configs_n };
	const char *kinds[2] = { "secret", "config" };

	for (int l = 0; l < 2; l++) {
		size_t count;

		if (lists[l] == NULL)
			continue;
		if (cp_list(f, lists[l], l == 0 ? "'secrets'" : "'configs'", &count) != 0)
			return -1;
		if (svc->secrets == NULL && (svc->secrets = cJSON_CreateArray()) == NULL)
			return yf_error(&f->y, &lists[l]->start_mark, "out of memory");
		for (size_t i = 0; i < count; i++)
			if (cs_ref(f, kinds[l], cp_item(f, lists[l], i), svc->secrets) != 0)
				return -1;
	}
	if (svc->secrets != NULL && cJSON_GetArraySize(svc->secrets) == 0) {
		cJSON_Delete(svc->secrets);
		svc->secrets = NULL;
	}
	return 0;
}

/* ---------------------------------------------------------------- the codec */

/* Whether a canonical text's secrets array A is well formed. */
int
cp_secrets_valid(const cJSON *a)
{
	const cJSON *d;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > CS_MAX_DEFS)
		return 0;
	cJSON_ArrayForEach(d, a) {
		const char *kind = cs_str(d, "kind"), *key = cs_str(d, "key");
		const char *name = cs_str(d, "name"), *file = cs_str(d, "file");
		int nsrc = (file != NULL) + (cs_str(d, "environment") != NULL) +
		    (cs_str(d, "content") != NULL);
		int external = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "external"));

		if (!cJSON_IsObject(d) || kind == NULL || (strcmp(kind, "secret") != 0 &&
		    strcmp(kind, "config") != 0) || key == NULL || !cp_valid_name(key, strlen(key)))
			return 0;
		if (cJSON_GetObjectItemCaseSensitive(d, "name") != NULL &&
		    (name == NULL || !cp_valid_name(name, strlen(name))))
			return 0;
		if (external ? nsrc != 0 : (nsrc != 1 || !cs_is_digest(cs_str(d, "sha256"))))
			return 0;
		if (file != NULL && file[0] != '/')
			return 0;
		if (strcmp(kind, "secret") == 0 && cs_str(d, "content") != NULL)
			return 0;
	}
	return 1;
}

/* Whether a service's secrets array A of a canonical text is well formed,
 * each naming a definition of STACK. */
int
cp_secret_refs_valid(const cJSON *a, const struct compose_stack *stack)
{
	const cJSON *r;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > CP_MAX_ITEMS)
		return 0;
	cJSON_ArrayForEach(r, a) {
		const char *kind = cs_str(r, "kind"), *src = cs_str(r, "source");
		const char *target = cs_str(r, "target"), *uid = cs_str(r, "uid");
		const char *gid = cs_str(r, "gid");
		const cJSON *mode = cJSON_GetObjectItemCaseSensitive(r, "mode");

		if (kind == NULL || src == NULL || compose_secret_find(stack, kind, src) == NULL ||
		    target == NULL || !cs_target_ok(target) || uid == NULL || gid == NULL ||
		    *uid == '\0' || *gid == '\0' || strspn(uid, "0123456789") != strlen(uid) ||
		    strspn(gid, "0123456789") != strlen(gid) || strlen(uid) > 10 ||
		    strlen(gid) > 10 || !cJSON_IsNumber(mode) || mode->valuedouble < 0 ||
		    mode->valuedouble > 0777 || mode->valuedouble != (double)(int)mode->valuedouble)
			return 0;
	}
	return 1;
}
