/* rollout-secrets.c: a stack's secrets and configs on its targets.
 *
 * A revision holds only where each secret comes from and its sha256
 * (compose-secrets.c); here the content is read again from its source
 * (compose_secret_read, which refuses a source whose digest moved) at the
 * moment it is handed to a node, kept in memory only as long as that call
 * takes, and cleared.  Nothing here writes a secret's content to the
 * journal, the audit trail or the log: they name the secret, its target
 * and the first hex digits of its digest.
 *
 * Engines.  Compose bind-mounts a secret's file from the host that runs
 * it; plantdeck's nodes are other machines, which do not have the file.
 * So between create and start (ro_create, as for the extra networks) each
 * container gets its secrets and configs copied in through
 * PUT /containers/{id}/archive: a small ustar stream made here, holding
 * the directories of the target that the container lacks (HEAD archive
 * says which exist, so that a symlinked /run is followed, not replaced)
 * and the file with its mode, uid and gid.
 *
 * Swarm.  Each secret and config becomes a Swarm object named
 * NAME_<first 8 hex of its sha256> (NAME: its name:, else STACK_KEY),
 * labelled io.plantdeck.stack: one already there with that name has that
 * content by construction and is reused, so an unchanged secret is left
 * alone and a changed one is a new object that the service update rotates
 * in.  external: true names an object the swarm already has.  After a
 * completed deploy the stack's objects that the revision no longer uses
 * are removed (Swarm refuses the ones a service still uses, which stay);
 * a later rollback makes them again from their sources. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "backend/deploy/compose.h"
#include "backend/deploy/rollout-int.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/engine/swarm.h"
#include "backend/store/store.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define RSEC_CALL_MS 15000
#define RSEC_MAX_NAME 64           /* Swarm's limit on a secret's name */
#define RSEC_TAR_BLOCK 512

/* Member KEY of O as a string, or "". */
static const char *
rsec_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring != NULL ? v->valuestring : "";
}

/* Clear and free LEN bytes of DATA. */
static void
rsec_wipe(char *data, size_t len)
{
	if (data == NULL)
		return;
	memset(data, 0, len);
	free(data);
}

/* ---------------------------------------------------------------- checks */

/* Whether a service of SPEC uses definition D (one no service names is
 * not read, made or looked for, as docker stack deploy ignores it). */
static int
rsec_used(const struct compose_stack *spec, const cJSON *d)
{
	for (size_t i = 0; i < spec->nservices; i++) {
		const cJSON *r;

		cJSON_ArrayForEach(r, spec->services[i].secrets)
			if (strcmp(rsec_str(r, "kind"), rsec_str(d, "kind")) == 0 &&
			    strcmp(rsec_str(r, "source"), rsec_str(d, "key")) == 0)
				return 1;
	}
	return 0;
}

/* Every source the services of SPEC use, read again and checked against
 * its digest, before any node is touched. */
int
ro_secrets_check(const struct compose_stack *spec, char *err, size_t errlen)
{
	const cJSON *d;

	cJSON_ArrayForEach(d, spec->secrets) {
		char *data;
		size_t len;

		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "external")) ||
		    !rsec_used(spec, d))
			continue;
		if (compose_secret_read(d, &data, &len, err, errlen) != 0)
			return -1;
		rsec_wipe(data, len);
	}
	return 0;
}

/* The plan's line: each definition's name, kind, source and digest. */
void
ro_plan_secrets(const struct compose_stack *stack, struct pd_plan *p)
{
	const cJSON *d;
	size_t o = 0;

	p->secrets[0] = '\0';
	cJSON_ArrayForEach(d, stack->secrets) {
		const char *src = "content";
		char what[PD_ERROR_LEN];

		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "external")))
			snprintf(what, sizeof(what), "external");
		else if (*(src = rsec_str(d, "file")) != '\0')
			snprintf(what, sizeof(what), "file %s, sha256 %.8s", src, rsec_str(d, "sha256"));
		else if (*(src = rsec_str(d, "environment")) != '\0')
			snprintf(what, sizeof(what), "$%s, sha256 %.8s", src, rsec_str(d, "sha256"));
		else
			snprintf(what, sizeof(what), "content, sha256 %.8s", rsec_str(d, "sha256"));
		if (o < sizeof(p->secrets))
			o += (size_t)snprintf(p->secrets + o, sizeof(p->secrets) - o, "%s%s (%s, %s)",
			    o ? ", " : "", rsec_str(d, "key"), rsec_str(d, "kind"), what);
	}
}

/* ---------------------------------------------------------------- tar */

/* A growing buffer of tar blocks. */
struct rsec_tar {
	char *b;
	size_t len, size;
};

/* Room for N more bytes in T, zeroed; NULL on allocation failure. */
static char *
rsec_tar_room(struct rsec_tar *t, size_t n)
{
	char *p;

	if (t->len + n > t->size) {
		size_t size = t->size ? t->size : 8192;

		while (size < t->len + n)
			size *= 2;
		if ((p = realloc(t->b, size)) == NULL)
			return NULL;
		t->b = p;
		t->size = size;
	}
	p = t->b + t->len;
	memset(p, 0, n);
	t->len += n;
	return p;
}

/* Octal V into field F of LEN bytes (LEN-1 digits and a NUL). */
static void
rsec_octal(char *f, size_t len, unsigned long long v)
{
	snprintf(f, len, "%0*llo", (int)len - 1, v);
}

/* One ustar entry: PATH (relative, without a leading slash) of TYPE ('0'
 * a file, '5' a directory) with MODE, UID, GID and, for a file, LEN bytes
 * of DATA.  0, or -1 (allocation failure, or a name ustar cannot hold). */
static int
rsec_tar_add(struct rsec_tar *t, const char *path, char type, unsigned mode, unsigned long uid,
    unsigned long gid, const char *data, size_t len)
{
	size_t plen = strlen(path), split = 0;
	unsigned sum = 0;
	char *h;

	if (plen > 100) {
		/* prefix/name at a slash: the name at most 100, the prefix 155. */
		for (size_t i = plen - 1; i > 0; i--) {
			if (path[i] == '/' && plen - i - 1 <= 100 && i <= 155) {
				split = i;
				break;
			}
		}
		if (split == 0)
			return -1;
	}
	if ((h = rsec_tar_room(t, RSEC_TAR_BLOCK)) == NULL)
		return -1;
	if (split > 0) {
		memcpy(h + 345, path, split);
		memcpy(h, path + split + 1, plen - split - 1);
	} else {
		memcpy(h, path, plen);
	}
	rsec_octal(h + 100, 8, mode & 07777);
	rsec_octal(h + 108, 8, uid);
	rsec_octal(h + 116, 8, gid);
	rsec_octal(h + 124, 12, type == '0' ? len : 0);
	rsec_octal(h + 136, 12, (unsigned long long)time(NULL));
	h[156] = type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < RSEC_TAR_BLOCK; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	h[155] = ' ';
	if (type == '0' && len > 0) {
		char *p = rsec_tar_room(t, (len + RSEC_TAR_BLOCK - 1) / RSEC_TAR_BLOCK *
		    RSEC_TAR_BLOCK);

		if (p == NULL)
			return -1;
		memcpy(p, data, len);
	}
	return 0;
}

/* ---------------------------------------------------------------- engines */

/* Whether directory DIR exists in container ID on N (HEAD archive): 1, 0,
 * or -1 with ERR when the engine did not say. */
static int
rsec_exists(struct ro_node *n, const char *id, const char *dir, char *err, size_t errlen)
{
	char path[600], enc[400];
	struct engine_reply rep;
	CURLcode code;
	CURL *h;
	int rc;

	memset(&rep, 0, sizeof(rep));
	ro_urlencode(dir, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/containers/%s/archive?path=%s", id, enc);
	if ((h = engine_easy(n->eng, "HEAD", path, 1, NULL, RSEC_CALL_MS, &rep)) == NULL) {
		snprintf(err, errlen, "%s: HEAD %s: out of memory", n->inv->name, path);
		return -1;
	}
	curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	code = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rep.status);
	curl_easy_cleanup(h);
	if (code == CURLE_OK && rep.status == 404)
		rc = 0;
	else if (engine_finish(n->eng, "HEAD", path, code, &rep) == 0)
		rc = 1;
	else {
		snprintf(err, errlen, "%s", rep.error);
		rc = -1;
	}
	engine_reply_free(&rep);
	return rc;
}

/* PUT the LEN bytes of tar TAR into directory DIR of container ID on N. */
static int
rsec_put(struct ro_node *n, const char *id, const char *dir, const char *tar, size_t len,
    char *err, size_t errlen)
{
	char path[600], enc[400];
	struct engine_reply rep;
	struct curl_slist *hdr;
	CURLcode code;
	CURL *h;
	int rc;

	memset(&rep, 0, sizeof(rep));
	ro_urlencode(dir, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/containers/%s/archive?path=%s", id, enc);
	if ((h = engine_easy(n->eng, "PUT", path, 1, NULL, RSEC_CALL_MS, &rep)) == NULL) {
		snprintf(err, errlen, "%s: PUT %s: refused (read-only) or out of memory",
		    n->inv->name, path);
		return -1;
	}
	hdr = curl_slist_append(NULL, "Content-Type: application/x-tar");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, tar);
	code = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rep.status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	rc = engine_finish(n->eng, "PUT", path, code, &rep);
	if (rc != 0)
		snprintf(err, errlen, "%s", rep.error);
	engine_reply_free(&rep);
	return rc;
}

/* One secret or config R of SPEC into container ID on N. */
static int
rsec_put_one(struct ro_node *n, const struct compose_stack *spec, const cJSON *r,
    const char *id, char *err, size_t errlen)
{
	const char *target = rsec_str(r, "target"), *base = target;
	const cJSON *def = compose_secret_find(spec, rsec_str(r, "kind"), rsec_str(r, "source"));
	const cJSON *mode = cJSON_GetObjectItemCaseSensitive(r, "mode");
	char dir[300], rel[300], *data = NULL;
	struct rsec_tar t = { 0 };
	size_t len = 0, cut;
	int rc = -1;

	if (def == NULL || !cJSON_IsNumber(mode) || strlen(target) >= sizeof(dir)) {
		snprintf(err, errlen, "%s '%s': not in the revision", rsec_str(r, "kind"),
		    rsec_str(r, "source"));
		return -1;
	}
	/* The deepest directory of the target that the container has. */
	snprintf(dir, sizeof(dir), "%s", target);
	for (;;) {
		char *slash = strrchr(dir, '/');
		int e;

		if (slash == dir) {
			dir[1] = '\0';
			break;
		}
		*slash = '\0';
		if ((e = rsec_exists(n, id, dir, err, errlen)) < 0)
			return -1;
		if (e == 1)
			break;
	}
	cut = strcmp(dir, "/") == 0 ? 1 : strlen(dir) + 1;
	base = target + cut;
	/* The missing directories, then the file. */
	for (const char *p = strchr(base, '/'); p != NULL; p = strchr(p + 1, '/')) {
		snprintf(rel, sizeof(rel), "%.*s", (int)(p - base), base);
		if (rsec_tar_add(&t, rel, '5', 0755, 0, 0, NULL, 0) != 0)
			goto oom;
	}
	if (compose_secret_read(def, &data, &len, err, errlen) != 0)
		goto out;
	if (rsec_tar_add(&t, base, '0', (unsigned)mode->valuedouble,
	    strtoul(rsec_str(r, "uid"), NULL, 10), strtoul(rsec_str(r, "gid"), NULL, 10), data,
	    len) != 0 || rsec_tar_room(&t, 2 * RSEC_TAR_BLOCK) == NULL)
		goto oom;
	rc = rsec_put(n, id, dir, t.b, t.len, err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "%s '%s': out of memory, or a target tar cannot hold",
	    rsec_str(r, "kind"), rsec_str(r, "source"));
out:
	rsec_wipe(data, len);
	rsec_wipe(t.b, t.size);
	return rc;
}

/* The secrets and configs of service S of N's revision into container ID
 * (NAME), created and not started yet. */
int
ro_secrets_put(struct ro_node *n, const struct compose_service *s, const char *id,
    const char *name, char *err, size_t errlen)
{
	const struct compose_stack *spec = n->r->spec;
	char step[64], detail[PD_ERROR_LEN] = "";
	const cJSON *r;
	int rc = 0;

	if (s->secrets == NULL || spec == NULL)
		return 0;
	cJSON_ArrayForEach(r, s->secrets) {
		const cJSON *def = compose_secret_find(spec, rsec_str(r, "kind"),
		    rsec_str(r, "source"));

		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), "%s%s %s (sha256 "
		    "%.8s) at %s", detail[0] ? ", " : "", rsec_str(r, "kind"), rsec_str(r, "source"),
		    rsec_str(def, "sha256"), rsec_str(r, "target"));
	}
	snprintf(step, sizeof(step), "secrets %.56s", name);
	ro_begin(n->r, n, step, detail);
	cJSON_ArrayForEach(r, s->secrets) {
		if ((rc = rsec_put_one(n, spec, r, id, err, errlen)) != 0)
			break;
	}
	ro_end(n->r, n, step, rc == 0, rc == 0 ? NULL : err);
	return rc;
}

/* ---------------------------------------------------------------- swarm */

/* One call to the swarm; the JSON reply in *JSON (may be NULL), the
 * status in *STATUS. */
static int
rsec_call(struct rollouts *ro, const char *method, const char *path, const char *body,
    cJSON **json, long *status, char *err, size_t errlen)
{
	struct engine_reply rep;
	int rc;

	if (json != NULL)
		*json = NULL;
	if (ro->sw == NULL) {
		snprintf(err, errlen, "swarm: %s %s: no swarm to ask", method, path);
		return -1;
	}
	rc = swarm_call(ro->sw, method, path, body, RSEC_CALL_MS, &rep, NULL, 0);
	if (status != NULL)
		*status = rep.status;
	if (rc != 0)
		snprintf(err, errlen, "%s", rep.error);
	else if (json != NULL && rep.body.data != NULL && rep.body.len > 0 &&
	    (*json = cJSON_Parse(rep.body.data)) == NULL) {
		snprintf(err, errlen, "swarm: %s %s: the reply is not JSON", method, path);
		rc = -1;
	}
	engine_reply_free(&rep);
	return rc;
}

/* The id of the swarm's object NAME of KIND ("secrets", "configs") into
 * ID: 1 found, 0 not there, -1 with ERR. */
static int
rsec_lookup(struct rollouts *ro, const char *kind, const char *name, char *id, size_t idlen,
    char *err, size_t errlen)
{
	char path[RSEC_MAX_NAME * 3 + 64], filt[RSEC_MAX_NAME + 32], enc[RSEC_MAX_NAME * 3 + 64];
	const cJSON *o;
	cJSON *list;

	snprintf(filt, sizeof(filt), "{\"name\":[\"%s\"]}", name);
	ro_urlencode(filt, enc, sizeof(enc));
	snprintf(path, sizeof(path), "/%s?filters=%s", kind, enc);
	if (rsec_call(ro, "GET", path, NULL, &list, NULL, err, errlen) != 0)
		return -1;
	/* The name filter matches prefixes too: only the exact name counts. */
	cJSON_ArrayForEach(o, list) {
		const char *oid = rsec_str(o, "ID");

		if (strcmp(rsec_str(cJSON_GetObjectItemCaseSensitive(o, "Spec"), "Name"),
		    name) == 0 && *oid != '\0' && strspn(oid, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789") == strlen(oid) && strlen(oid) < idlen) {
			snprintf(id, idlen, "%s", oid);
			cJSON_Delete(list);
			return 1;
		}
	}
	cJSON_Delete(list);
	return 0;
}

/* The swarm name of definition DEF of STACK into OUT: its name: (external)
 * or NAME_<8 hex of its digest>.  -1 when too long for Swarm. */
static int
rsec_name(const char *stack, const cJSON *def, char *out, size_t len)
{
	const char *name = rsec_str(def, "name"), *key = rsec_str(def, "key");
	int n;

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(def, "external")))
		n = snprintf(out, len, "%s", *name ? name : key);
	else if (*name)
		n = snprintf(out, len, "%s_%.8s", name, rsec_str(def, "sha256"));
	else
		n = snprintf(out, len, "%s_%s_%.8s", stack, key, rsec_str(def, "sha256"));
	return n < 0 || (size_t)n >= len || n > RSEC_MAX_NAME ? -1 : 0;
}

/* Create object NAME of definition DEF in the swarm; its ID into ID. */
static int
rsec_create(struct rollout *r, const cJSON *def, const char *kind, const char *name, char *id,
    size_t idlen, char *err, size_t errlen)
{
	char *data = NULL, *b64 = NULL, *body = NULL, path[32];
	cJSON *o = NULL, *labels, *reply = NULL;
	size_t len = 0, blen = 0;
	long status = 0;
	int rc = -1;

	if (compose_secret_read(def, &data, &len, err, errlen) != 0)
		return -1;
	blen = 4 * ((len + 2) / 3) + 1;
	if ((b64 = malloc(blen)) == NULL)
		goto oom;
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)data, (int)len);
	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "Name", name) == NULL ||
	    (labels = cJSON_AddObjectToObject(o, "Labels")) == NULL ||
	    cJSON_AddStringToObject(labels, RO_LABEL_STACK, r->stack) == NULL ||
	    cJSON_AddStringToObject(labels, RO_LABEL_NAMESPACE, r->stack) == NULL ||
	    cJSON_AddStringToObject(o, "Data", b64) == NULL ||
	    (body = cJSON_PrintUnformatted(o)) == NULL)
		goto oom;
	snprintf(path, sizeof(path), "/%s/create", kind);
	rc = rsec_call(r->ro, "POST", path, body, &reply, &status, err, errlen);
	if (rc == 0) {
		const char *oid = rsec_str(reply, "ID");

		if (*oid == '\0' || strlen(oid) >= idlen || strspn(oid, "abcdefghijklmnopqrstuvwxyz"
		    "0123456789") != strlen(oid)) {
			snprintf(err, errlen, "swarm: POST %s: no ID in the reply", path);
			rc = -1;
		} else {
			snprintf(id, idlen, "%s", oid);
		}
	} else if (status == 409 && rsec_lookup(r->ro, kind, name, id, idlen, err,
	    errlen) == 1) {
		rc = 0;          /* made meanwhile (a failover, another deploy): same content */
	}
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (body != NULL)
		rsec_wipe(body, strlen(body));
	if (b64 != NULL)
		rsec_wipe(b64, blen);
	if (o != NULL) {
		/* The Data member holds the secret too. */
		cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "Data");

		if (cJSON_IsString(d) && d->valuestring != NULL)
			memset(d->valuestring, 0, strlen(d->valuestring));
	}
	cJSON_Delete(o);
	cJSON_Delete(reply);
	rsec_wipe(data, len);
	return rc;
}

/* Every secret and config of R's revision in the swarm (made, reused or
 * found): *IDS gets {"secret:KEY": {"ID", "Name"}, ...}. */
int
ro_swarm_secrets(struct rollout *r, cJSON **ids, char *msg, size_t msglen)
{
	const cJSON *d;
	cJSON *map;

	*ids = NULL;
	if (r->spec == NULL || r->spec->secrets == NULL)
		return 0;
	if ((map = cJSON_CreateObject()) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(d, r->spec->secrets) {
		const char *kind = rsec_str(d, "kind"), *key = rsec_str(d, "key");
		const char *objs = strcmp(kind, "config") == 0 ? "configs" : "secrets";
		int external = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "external"));
		char name[RSEC_MAX_NAME + 16], id[PD_SWARM_ID_LEN], step[64], mapkey[128];
		char detail[PD_ERROR_LEN], err[PD_ERROR_LEN];
		cJSON *e;
		int found;

		if (!rsec_used(r->spec, d))
			continue;
		if (rsec_name(r->stack, d, name, sizeof(name)) != 0) {
			snprintf(msg, msglen, "%s %s: its Swarm name is longer than %d characters "
			    "(give a shorter name:)", kind, key, RSEC_MAX_NAME);
			goto fail;
		}
		snprintf(step, sizeof(step), "%s %.50s", kind, key);
		ro_begin(r, NULL, step, name);
		found = rsec_lookup(r->ro, objs, name, id, sizeof(id), err, sizeof(err));
		if (found == 0 && external) {
			snprintf(err, sizeof(err), "external %s %s: the swarm has none (docker %s "
			    "create %s ...)", kind, name, kind, name);
			found = -1;
		}
		if (found == 0 && rsec_create(r, d, objs, name, id, sizeof(id), err,
		    sizeof(err)) != 0)
			found = -1;
		snprintf(detail, sizeof(detail), "%s %s (%s)", found == 1 ? external ?
		    "external" : "reused" : "created", name, id);
		ro_end(r, NULL, step, found >= 0, found >= 0 ? detail : err);
		if (found < 0) {
			snprintf(msg, msglen, "%s", err);
			goto fail;
		}
		if (found == 0) {
			snprintf(detail, sizeof(detail), "deploy #%lld: %s %s created as %s (%s), "
			    "sha256 %.8s", (long long)r->id, kind, key, name, id, rsec_str(d,
			    "sha256"));
			ro_audit(r->ro, "swarm-secret", r->stack, r->revision, detail);
		}
		snprintf(mapkey, sizeof(mapkey), "%s:%s", kind, key);
		if ((e = cJSON_AddObjectToObject(map, mapkey)) == NULL ||
		    cJSON_AddStringToObject(e, "ID", id) == NULL ||
		    cJSON_AddStringToObject(e, "Name", name) == NULL) {
			snprintf(msg, msglen, "out of memory");
			goto fail;
		}
	}
	*ids = map;
	return 0;
fail:
	cJSON_Delete(map);
	return -1;
}

/* Service INDEX of STACK's secrets and configs into SPEC's ContainerSpec
 * (Secrets, Configs), with the ids of IDS (ro_swarm_secrets). */
int
ro_swarm_secrets_attach(const struct compose_stack *stack, size_t index, const cJSON *ids,
    cJSON *spec, char *err, size_t errlen)
{
	const struct compose_service *s = &stack->services[index];
	cJSON *cs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(spec,
	    "TaskTemplate"), "ContainerSpec");
	const cJSON *r;

	if (s->secrets == NULL)
		return 0;
	if (!cJSON_IsObject(cs)) {
		snprintf(err, errlen, "service %s: no ContainerSpec", s->name);
		return -1;
	}
	cJSON_ArrayForEach(r, s->secrets) {
		const char *kind = rsec_str(r, "kind"), *target = rsec_str(r, "target");
		int config = strcmp(kind, "config") == 0;
		char mapkey[128];
		const cJSON *e, *mode = cJSON_GetObjectItemCaseSensitive(r, "mode");
		cJSON *list, *o, *file;

		snprintf(mapkey, sizeof(mapkey), "%s:%s", kind, rsec_str(r, "source"));
		e = cJSON_GetObjectItemCaseSensitive(ids, mapkey);
		if (e == NULL) {
			snprintf(err, errlen, "service %s: %s %s is not in the swarm", s->name, kind,
			    rsec_str(r, "source"));
			return -1;
		}
		/* A secret under /run/secrets by its relative name, as docker stack
		 * deploy gives it; anything else by its absolute path. */
		if (!config && strncmp(target, "/run/secrets/", 13) == 0)
			target += 13;
		list = cJSON_GetObjectItemCaseSensitive(cs, config ? "Configs" : "Secrets");
		if (list == NULL)
			list = cJSON_AddArrayToObject(cs, config ? "Configs" : "Secrets");
		if (list == NULL || (o = cJSON_CreateObject()) == NULL)
			goto oom;
		cJSON_AddItemToArray(list, o);
		if ((file = cJSON_AddObjectToObject(o, "File")) == NULL ||
		    cJSON_AddStringToObject(file, "Name", target) == NULL ||
		    cJSON_AddStringToObject(file, "UID", rsec_str(r, "uid")) == NULL ||
		    cJSON_AddStringToObject(file, "GID", rsec_str(r, "gid")) == NULL ||
		    cJSON_AddNumberToObject(file, "Mode", cJSON_IsNumber(mode) ?
		    mode->valuedouble : 0444) == NULL ||
		    cJSON_AddStringToObject(o, config ? "ConfigID" : "SecretID",
		    rsec_str(e, "ID")) == NULL ||
		    cJSON_AddStringToObject(o, config ? "ConfigName" : "SecretName",
		    rsec_str(e, "Name")) == NULL)
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* After a completed deploy (IDS: what its revision uses) or the stack's
 * removal (IDS NULL): the stack's secrets and configs in the swarm that
 * are not in IDS removed; one a service still uses stays (journaled). */
void
ro_swarm_secrets_prune(struct rollout *r, const cJSON *ids)
{
	static const char *const kinds[] = { "secrets", "configs" };
	char filt[PD_NAME_LEN + 64], enc[3 * (PD_NAME_LEN + 64)], path[sizeof(enc) + 32];
	char err[PD_ERROR_LEN];

	snprintf(filt, sizeof(filt), "{\"label\":[\"%s=%s\"]}", RO_LABEL_STACK, r->stack);
	ro_urlencode(filt, enc, sizeof(enc));
	for (size_t k = 0; k < 2; k++) {
		const cJSON *o;
		cJSON *list;

		snprintf(path, sizeof(path), "/%s?filters=%s", kinds[k], enc);
		if (rsec_call(r->ro, "GET", path, NULL, &list, NULL, err, sizeof(err)) != 0) {
			store_journal(r->ro->st, r->id, NULL, "prune secrets", "fail", err);
			continue;
		}
		cJSON_ArrayForEach(o, list) {
			const cJSON *spec = cJSON_GetObjectItemCaseSensitive(o, "Spec"), *e;
			const char *name = rsec_str(spec, "Name"), *id = rsec_str(o, "ID");
			int used = 0;
			char step[64], dpath[PD_SWARM_ID_LEN + 32];

			if (strcmp(rsec_str(cJSON_GetObjectItemCaseSensitive(spec, "Labels"),
			    RO_LABEL_STACK), r->stack) != 0 || *id == '\0' || strlen(id) >=
			    PD_SWARM_ID_LEN || strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789") !=
			    strlen(id))
				continue;
			cJSON_ArrayForEach(e, ids)
				used |= strcmp(rsec_str(e, "ID"), id) == 0;
			if (used)
				continue;
			snprintf(step, sizeof(step), "remove %.56s", name);
			snprintf(dpath, sizeof(dpath), "/%s/%s", kinds[k], id);
			ro_begin(r, NULL, step, kinds[k]);
			if (rsec_call(r->ro, "DELETE", dpath, NULL, NULL, NULL, err,
			    sizeof(err)) != 0) {
				ro_end(r, NULL, step, 0, err);
				continue;
			}
			ro_end(r, NULL, step, 1, NULL);
		}
		cJSON_Delete(list);
	}
}
