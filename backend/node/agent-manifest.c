/* agent-manifest.c: the manifest of a node's containers handed to its
 * agent (agent-manifest.h).
 *
 * The backend builds it from the node's Engine API (GET /containers/json,
 * then each running container's inspect, reduced), seals it with the
 * recorded key (agent-trust.c, manifest domain) and puts it into the
 * agent's volume as a one-file tar.  The agent reads it back when the
 * file's inode, size or mtime changed; a file that does not verify (half
 * written, forged, older) is not taken and is read again at the next
 * change. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/node/agent-manifest.h"
#include "backend/node/agent-trust.h"

#define AM_MAX_BYTES (8u << 20)       /* a manifest file larger is not read */
#define AM_CALL_MS 30000L

/* ------------------------------------------------------------ backend side */

/* Copy member NAME of FROM into TO, when FROM has it. */
static void
am_copy(cJSON *to, const cJSON *from, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, name);

	if (v != NULL)
		cJSON_AddItemToObject(to, name, cJSON_Duplicate(v, 1));
}

/* The part of an inspect body the agent uses (agent-manifest.h). */
cJSON *
agent_manifest_reduce(const cJSON *in)
{
	static const char *const limits[] = { "Memory", "MemorySwap", "MemoryReservation",
	    "NanoCpus", "CpuQuota", "CpuPeriod", "CpuShares" };
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(in, "State");
	const cJSON *cf = cJSON_GetObjectItemCaseSensitive(in, "Config");
	const cJSON *hc = cJSON_GetObjectItemCaseSensitive(in, "HostConfig");
	const cJSON *hk = cJSON_GetObjectItemCaseSensitive(cf, "Healthcheck");
	const cJSON *lb = cJSON_GetObjectItemCaseSensitive(cf, "Labels");
	cJSON *o = cJSON_CreateObject(), *s, *c, *h;

	am_copy(o, in, "Id");
	am_copy(o, in, "Name");
	am_copy(o, in, "Path");
	s = cJSON_AddObjectToObject(o, "State");
	am_copy(s, st, "Running");
	am_copy(s, st, "Pid");
	c = cJSON_AddObjectToObject(o, "Config");
	if (hk != NULL) {
		cJSON *t = cJSON_AddObjectToObject(c, "Healthcheck");

		am_copy(t, hk, "Test");
	}
	if (cJSON_GetObjectItemCaseSensitive(lb, "org.plantdeck.exec-allow") != NULL) {
		cJSON *l = cJSON_AddObjectToObject(c, "Labels");

		am_copy(l, lb, "org.plantdeck.exec-allow");
	}
	h = cJSON_AddObjectToObject(o, "HostConfig");
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		am_copy(h, hc, limits[i]);
	return o;
}

/* NODE's manifest from E (agent-manifest.h). */
int
agent_manifest_build(struct engine *e, const char *node, char **out, char *err, size_t errlen)
{
	struct engine_reply r;
	cJSON *list, *m, *arr;
	const cJSON *item, *id;
	char path[160];

	*out = NULL;
	if (engine_call(e, "GET", "/containers/json", NULL, &r) != 0) {
		snprintf(err, errlen, "%s", r.error);
		engine_reply_free(&r);
		return -1;
	}
	list = cJSON_Parse(r.body.data ? r.body.data : "");
	engine_reply_free(&r);
	if (!cJSON_IsArray(list)) {
		cJSON_Delete(list);
		snprintf(err, errlen, "%s: GET /containers/json: not a list", e->name);
		return -1;
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "type", "manifest");
	cJSON_AddStringToObject(m, "node", node);
	arr = cJSON_AddArrayToObject(m, "containers");
	cJSON_ArrayForEach(item, list) {
		cJSON *in;

		id = cJSON_GetObjectItemCaseSensitive(item, "Id");
		if (!cJSON_IsString(id) || strlen(id->valuestring) != 64 ||
		    strspn(id->valuestring, "0123456789abcdef") != 64)
			continue;
		snprintf(path, sizeof(path), "/containers/%s/json", id->valuestring);
		if (engine_call(e, "GET", path, NULL, &r) != 0) {
			engine_reply_free(&r);   /* gone meanwhile */
			continue;
		}
		in = cJSON_Parse(r.body.data ? r.body.data : "");
		engine_reply_free(&r);
		if (in != NULL)
			cJSON_AddItemToArray(arr, agent_manifest_reduce(in));
		cJSON_Delete(in);
	}
	cJSON_Delete(list);
	*out = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	if (*out == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* MANIFEST sealed for REC (agent-manifest.h). */
char *
agent_manifest_seal(const struct agent_trust_record *rec, const char *manifest)
{
	struct timespec ts;
	unsigned long long seq;

	clock_gettime(CLOCK_REALTIME, &ts);
	seq = (unsigned long long)ts.tv_sec * 1000ull + (unsigned long long)ts.tv_nsec / 1000000ull;
	return agent_trust_seal_in(AGENT_TRUST_DOMAIN_MANIFEST, rec->key, rec->id, seq, manifest);
}

/* One ustar header block for FILE of LEN bytes and MODE into H (512 bytes). */
static void
am_tar_header(unsigned char *h, const char *file, size_t len, unsigned mode)
{
	unsigned sum = 0;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", file);
	snprintf((char *)h + 100, 8, "%07o", mode);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011o", (unsigned)(len & 0x7fffffffu));
	snprintf((char *)h + 136, 12, "%011llo", (unsigned long long)time(NULL) & 0x1ffffffffULL);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* Put N files into AGENT_MANIFEST_DIR of container ID (agent-manifest.h). */
int
agent_archive_put(struct engine *e, const char *id, const char *const *names,
    const char *const *data, const unsigned *modes, size_t n, struct engine_reply *r)
{
	struct curl_slist *hdr;
	unsigned char *tar;
	size_t len = 1024, off = 0;
	char path[160];
	CURLcode code;
	CURL *h;
	int rc;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		if (strlen(data[i]) > 0x7fffffffu) {
			snprintf(r->error, sizeof(r->error), "a file for the agent is too large");
			return -1;
		}
		len += 512 + (strlen(data[i]) + 511) / 512 * 512;
	}
	if ((tar = calloc(1, len)) == NULL) {
		snprintf(r->error, sizeof(r->error), "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(data[i]);

		am_tar_header(tar + off, names[i], k, modes[i]);
		memcpy(tar + off + 512, data[i], k);
		off += 512 + (k + 511) / 512 * 512;
	}
	snprintf(path, sizeof(path), "/containers/%s/archive?path=%%2Frun%%2Fplantdeck", id);
	if ((h = engine_easy(e, "PUT", path, 1, NULL, AM_CALL_MS, r)) == NULL) {
		snprintf(r->error, sizeof(r->error), "PUT %s: refused (read-only) or out of memory",
		    path);
		OPENSSL_cleanse(tar, len);
		free(tar);
		return -1;
	}
	hdr = curl_slist_append(NULL, "Content-Type: application/x-tar");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, tar);
	code = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	rc = engine_finish(e, "PUT", path, code, r);
	OPENSSL_cleanse(tar, len);   /* it may hold the agent's key */
	free(tar);
	return rc;
}

/* Push NODE's manifest to its trusted agent (agent-manifest.h). */
int
agent_manifest_push(const struct backend_config *cfg, const char *node, char *err,
    size_t errlen)
{
	struct inventory *inv = NULL;
	const struct inv_node *in = NULL;
	int rc = -1;

	if (cfg->read_only) {
		snprintf(err, errlen, "refused: read-only mode (--read-only or --kiosk)");
		return -1;
	}
	if (inventory_for_config(cfg, &inv, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < inv->nnodes; i++)
		if (strcmp(inv->nodes[i].name, node) == 0)
			in = &inv->nodes[i];
	if (in == NULL)
		snprintf(err, errlen, "no node '%.64s' in the inventory", node);
	else
		rc = agent_manifest_push_node(inv, in, err, errlen);
	inventory_free(inv);
	return rc;
}

/* Push node IN's manifest to its trusted agent (agent-manifest.h). */
int
agent_manifest_push_node(const struct inventory *inv, const struct inv_node *in, char *err,
    size_t errlen)
{
	struct agent_trust_record rec;
	struct engine *e = NULL;
	struct engine_reply r;
	char dir[4096], path[160], *body = NULL, *sealed = NULL;
	cJSON *j = NULL;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	memset(&rec, 0, sizeof(rec));
	if (agent_trust_dir(inv, dir, sizeof(dir), err, errlen) != 0)
		goto out;
	if (agent_trust_record_read(dir, in->name, &rec) != 0) {
		snprintf(err, errlen, "%s: no trusted agent container recorded", in->name);
		goto out;
	}
	if ((e = engine_new(in)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	e->timeout_ms = AM_CALL_MS;
	if (engine_negotiate(e, &r) != 0)
		goto engine_error;
	engine_reply_free(&r);
	/* Only into the recorded container, while it runs from the recorded image. */
	snprintf(path, sizeof(path), "/containers/%s/json", rec.id);
	if (engine_call(e, "GET", path, NULL, &r) != 0)
		goto engine_error;
	j = cJSON_Parse(r.body.data ? r.body.data : "");
	engine_reply_free(&r);
	{
		const cJSON *im = cJSON_GetObjectItemCaseSensitive(j, "Image");

		if (!cJSON_IsString(im) || strcmp(im->valuestring, rec.image_id) != 0) {
			snprintf(err, errlen, "%s: the recorded agent container does not run from "
			    "the recorded image", in->name);
			goto out;
		}
	}
	if (agent_manifest_build(e, in->name, &body, err, errlen) != 0)
		goto out;
	if ((sealed = agent_manifest_seal(&rec, body)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	{
		const char *const names[1] = { "manifest.json" };
		const char *const data[1] = { sealed };
		const unsigned modes[1] = { 0444 };

		if (agent_archive_put(e, rec.id, names, data, modes, 1, &r) != 0)
			goto engine_error;
	}
	rc = 0;
	goto out;
engine_error:
	snprintf(err, errlen, "%s", r.error);
out:
	OPENSSL_cleanse(&rec, sizeof(rec));
	cJSON_Delete(j);
	free(body);
	free(sealed);
	engine_reply_free(&r);
	engine_free(e);
	return rc;
}

/* ------------------------------------------------------------ agent side */

struct agent_manifest {
	pthread_mutex_t lock;
	char *path;
	unsigned char key[AGENT_TRUST_KEY_LEN];
	char id[PD_ID_LEN];
	struct stat seen;                 /* the file as last read */
	int have_seen;
	unsigned long long last;          /* counter of the manifest taken */
	cJSON *doc;                       /* the manifest taken, or NULL */
	unsigned long taken, rejected;
};

/* A reader of PATH (agent-manifest.h). */
struct agent_manifest *
agent_manifest_open(const char *path, const unsigned char *key, const char *id)
{
	struct agent_manifest *m = calloc(1, sizeof(*m));

	if (m == NULL || (m->path = strdup(path)) == NULL) {
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	memcpy(m->key, key, sizeof(m->key));
	snprintf(m->id, sizeof(m->id), "%s", id);
	return m;
}

/* Free M, the key wiped. */
void
agent_manifest_close(struct agent_manifest *m)
{
	if (m == NULL)
		return;
	OPENSSL_cleanse(m->key, sizeof(m->key));
	cJSON_Delete(m->doc);
	free(m->path);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* Reload M's file when it changed; M locked.  1 when a newer one was taken. */
static int
am_reload_locked(struct agent_manifest *m)
{
	struct stat st;
	unsigned long long last;
	char *text;
	size_t n;
	FILE *f;
	cJSON *doc;
	int rc;

	if (stat(m->path, &st) != 0)
		return 0;
	if (m->have_seen && st.st_ino == m->seen.st_ino && st.st_size == m->seen.st_size &&
	    st.st_mtim.tv_sec == m->seen.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == m->seen.st_mtim.tv_nsec)
		return 0;
	if (st.st_size <= 0 || (unsigned long long)st.st_size > AM_MAX_BYTES ||
	    (f = fopen(m->path, "r")) == NULL)
		return 0;
	text = malloc((size_t)st.st_size + 1);
	n = text != NULL ? fread(text, 1, (size_t)st.st_size, f) : 0;
	fclose(f);
	if (text == NULL)
		return 0;
	text[n] = '\0';
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	last = m->last;
	rc = agent_trust_open_in(AGENT_TRUST_DOMAIN_MANIFEST, m->key, m->id, &last, text);
	if (rc != AGENT_TRUST_OK) {
		/* Half written, forged or older: not taken; the next change is read. */
		if (n == (size_t)st.st_size) {
			m->seen = st;
			m->have_seen = 1;
		}
		m->rejected++;
		free(text);
		return 0;
	}
	doc = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "containers")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "node"))) {
		cJSON_Delete(doc);
		m->rejected++;
		return 0;
	}
	m->seen = st;
	m->have_seen = 1;
	m->last = last;
	cJSON_Delete(m->doc);
	m->doc = doc;
	m->taken++;
	return 1;
}

/* Re-read M when it changed (agent-manifest.h). */
int
agent_manifest_reload(struct agent_manifest *m)
{
	int rc;

	pthread_mutex_lock(&m->lock);
	rc = am_reload_locked(m);
	pthread_mutex_unlock(&m->lock);
	return rc;
}

/* Container ID in the manifest (agent-manifest.h). */
int
agent_manifest_find(struct agent_manifest *m, const char *id, char **json, char *node,
    size_t nodelen)
{
	const cJSON *c;
	int rc = 1;

	*json = NULL;
	pthread_mutex_lock(&m->lock);
	am_reload_locked(m);
	if (m->doc != NULL) {
		snprintf(node, nodelen, "%s",
		    cJSON_GetObjectItemCaseSensitive(m->doc, "node")->valuestring);
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(m->doc, "containers")) {
			const cJSON *cid = cJSON_GetObjectItemCaseSensitive(c, "Id");

			if (cJSON_IsString(cid) && strcmp(cid->valuestring, id) == 0) {
				*json = cJSON_PrintUnformatted(c);
				rc = *json != NULL ? 0 : 1;
				break;
			}
		}
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

/* Every container of the manifest (agent-manifest.h). */
int
agent_manifest_list(struct agent_manifest *m, char ***jsons, size_t *n, char *node,
    size_t nodelen)
{
	const cJSON *c, *arr;
	size_t k = 0;

	*jsons = NULL;
	*n = 0;
	pthread_mutex_lock(&m->lock);
	am_reload_locked(m);
	if (m->doc == NULL) {
		pthread_mutex_unlock(&m->lock);
		return -1;
	}
	snprintf(node, nodelen, "%s", cJSON_GetObjectItemCaseSensitive(m->doc, "node")->valuestring);
	arr = cJSON_GetObjectItemCaseSensitive(m->doc, "containers");
	*jsons = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(char *));
	if (*jsons != NULL)
		cJSON_ArrayForEach(c, arr)
			if (((*jsons)[k] = cJSON_PrintUnformatted(c)) != NULL)
				k++;
	*n = k;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* Counters (agent-manifest.h). */
void
agent_manifest_counts(struct agent_manifest *m, unsigned long *taken, unsigned long *rejected)
{
	pthread_mutex_lock(&m->lock);
	*taken = m->taken;
	*rejected = m->rejected;
	pthread_mutex_unlock(&m->lock);
}
