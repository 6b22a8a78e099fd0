/* agent-start.c: `plantdeck agent --node NAME --start`, the one way a node's
 * trusted agent container comes to be (agent-trust.h, doc/agent.md).
 *
 * Through the node's Engine API: the image pinned by digest in the
 * inventory (pulled by digest when the node lacks it), the container
 * created with least privilege (no --privileged, no engine socket, every
 * capability dropped but those capture and tuning were measured to need,
 * the default seccomp profile, no-new-privileges, a read-only root
 * filesystem), a fresh key and the first manifest of the node's containers
 * (agent-manifest.h, sealed with that key) put into its volume
 * /run/plantdeck with PUT /containers/{id}/archive before it starts (never
 * its environment or labels), the record (container id, image id, key)
 * written, then started.  The agent reads the key file and removes it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/engine/roles.h"
#include "backend/node/agent-client.h"
#include "backend/node/agent-manifest.h"
#include "backend/node/agent-trust.h"

#define AS_NAME "plantdeck-agent"
#define AS_DIR "/run/plantdeck"
#define AS_CALL_MS 120000L

/* The capabilities the agent keeps (doc/agent.md, "Least privilege", says
 * what each is for and how they were measured): capture needs CAP_BPF and
 * CAP_PERFMON (kernel 5.8 and later), tuning none (cgroup files are root's).
 * Engines before API 1.42 (Docker 23.0) know no CAP_BPF or CAP_PERFMON,
 * and their default seccomp profile allows bpf() and perf_event_open()
 * only with CAP_SYS_ADMIN: there it is CAP_SYS_ADMIN alone. */
static const char *const as_caps_new[] = { "CAP_BPF", "CAP_PERFMON" };
static const char *const as_caps_old[] = { "CAP_SYS_ADMIN" };

/* Whether API version V ("1.41") is at least 1.42. */
int
agent_start_api_new(const char *v)
{
	unsigned long major = 0, minor = 0;
	char *end;

	major = strtoul(v, &end, 10);
	if (*end == '.')
		minor = strtoul(end + 1, NULL, 10);
	return major > 1 || (major == 1 && minor >= 42);
}

/* The create body of the agent container (agent-client.h). */
char *
agent_start_create_body(const char *ref, int argc, char **argv, const char *api_version)
{
	int api_new = agent_start_api_new(api_version);
	cJSON *b = cJSON_CreateObject(), *a, *hc, *o;
	char *text;

	cJSON_AddStringToObject(b, "Image", ref);
	a = cJSON_AddArrayToObject(b, "Cmd");
	cJSON_AddItemToArray(a, cJSON_CreateString("agent"));
	cJSON_AddItemToArray(a, cJSON_CreateString("--key-file"));
	cJSON_AddItemToArray(a, cJSON_CreateString(AS_DIR "/agent.key"));
	cJSON_AddItemToArray(a, cJSON_CreateString("--manifest"));
	cJSON_AddItemToArray(a, cJSON_CreateString(AGENT_MANIFEST_PATH));
	cJSON_AddItemToArray(a, cJSON_CreateString("--own-containers"));
	for (int i = 0; i < argc; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(argv[i]));
	a = cJSON_AddArrayToObject(b, "Env");
	cJSON_AddItemToArray(a, cJSON_CreateString("PLANTDECK_PROC_ROOT=/host/proc"));
	o = cJSON_AddObjectToObject(b, "Labels");
	cJSON_AddStringToObject(o, "io.plantdeck.agent", "1");
	o = cJSON_AddObjectToObject(b, "Volumes");
	cJSON_AddItemToObject(o, AS_DIR, cJSON_CreateObject());
	hc = cJSON_AddObjectToObject(b, "HostConfig");
	cJSON_AddStringToObject(hc, "PidMode", "host");
	a = cJSON_AddArrayToObject(hc, "Binds");
	cJSON_AddItemToArray(a, cJSON_CreateString("/sys/fs/cgroup:/sys/fs/cgroup"));
	cJSON_AddItemToArray(a, cJSON_CreateString("/sys/kernel/tracing:/sys/kernel/tracing:ro"));
	cJSON_AddItemToArray(a, cJSON_CreateString("/proc:/host/proc:ro"));
	a = cJSON_AddArrayToObject(hc, "CapDrop");
	cJSON_AddItemToArray(a, cJSON_CreateString("ALL"));
	a = cJSON_AddArrayToObject(hc, "CapAdd");
	if (api_new)
		for (size_t i = 0; i < sizeof(as_caps_new) / sizeof(as_caps_new[0]); i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(as_caps_new[i]));
	else
		for (size_t i = 0; i < sizeof(as_caps_old) / sizeof(as_caps_old[0]); i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(as_caps_old[i]));
	a = cJSON_AddArrayToObject(hc, "SecurityOpt");
	cJSON_AddItemToArray(a, cJSON_CreateString("no-new-privileges"));
	cJSON_AddBoolToObject(hc, "ReadonlyRootfs", 1);
	o = cJSON_AddObjectToObject(hc, "Tmpfs");
	cJSON_AddStringToObject(o, "/tmp", "rw,nosuid,nodev,noexec,size=16m");
	o = cJSON_AddObjectToObject(hc, "RestartPolicy");
	cJSON_AddStringToObject(o, "Name", "no");
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	return text;
}

/* The string member KEY of J's reply body, into OUT. */
static void
as_member(const struct engine_reply *r, const char *key, char *out, size_t outlen)
{
	cJSON *j = cJSON_Parse(r->body.data ? r->body.data : "");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	snprintf(out, outlen, "%s", cJSON_IsString(v) ? v->valuestring : "");
	cJSON_Delete(j);
}

/* Start NODE's trusted agent container (agent-client.h). */
int
agent_remote_start(const struct backend_config *cfg, const char *node, int argc, char **argv,
    char *id_out, size_t idlen, char *err, size_t errlen)
{
	struct agent_trust_record rec;
	struct inventory *inv = NULL;
	struct engine *e = NULL;
	struct engine_reply r;
	const struct inv_node *in = NULL;
	char dir[4096], path[600], enc[400], *body = NULL, key[200];
	char *manifest = NULL, *sealed = NULL;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	memset(&rec, 0, sizeof(rec));
	if (inventory_for_config(cfg, &inv, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < inv->nnodes; i++)
		if (strcmp(inv->nodes[i].name, node) == 0)
			in = &inv->nodes[i];
	if (in == NULL) {
		snprintf(err, errlen, "no node '%.64s' in the inventory", node);
		goto out;
	}
	if (cfg->read_only) {
		snprintf(err, errlen, "refused: read-only mode (--read-only or --kiosk): --start "
		    "creates a container on %.64s", in->name);
		goto out;
	}
	{
		char what[96];

		snprintf(what, sizeof(what), "agent start on %.64s", in->name);
		if (roles_check(&inv->roles, ROLES_OPERATOR, what, err, errlen) != 0)
			goto out;
	}
	if (inv->agent.image == NULL) {
		snprintf(err, errlen, "%s: no agent image pinned: the inventory needs "
		    "agent: image: NAME@sha256:DIGEST", inv->source ? inv->source : "inventory");
		goto out;
	}
	if (agent_trust_dir(inv, dir, sizeof(dir), err, errlen) != 0)
		goto out;
	if ((e = engine_new(in)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	e->timeout_ms = AS_CALL_MS;
	if (engine_negotiate(e, &r) != 0)
		goto engine_error;
	engine_reply_free(&r);

	/* The image, by digest: pulled when the node lacks it. */
	{
		char *x = curl_easy_escape(NULL, inv->agent.image, 0);

		snprintf(enc, sizeof(enc), "%s", x != NULL ? x : "");
		curl_free(x);
	}
	/* The pin holds only [A-Za-z0-9._-/:@] (agent_trust_pin_valid): it goes
	 * into the path as it is, as the docker CLI sends it. */
	snprintf(path, sizeof(path), "/images/%s/json", inv->agent.image);
	if (engine_call(e, "GET", path, NULL, &r) != 0) {
		if (r.status != 404)
			goto engine_error;
		engine_reply_free(&r);
		snprintf(path, sizeof(path), "/images/create?fromImage=%s", enc);
		if (engine_call(e, "POST", path, NULL, &r) != 0)
			goto engine_error;
		if (r.body.data != NULL && strstr(r.body.data, "\"errorDetail\"") != NULL) {
			snprintf(err, errlen, "%s: pull of %.200s failed", in->name, inv->agent.image);
			goto out;
		}
		engine_reply_free(&r);
		snprintf(path, sizeof(path), "/images/%s/json", inv->agent.image);
		if (engine_call(e, "GET", path, NULL, &r) != 0)
			goto engine_error;
	}
	as_member(&r, "Id", rec.image_id, sizeof(rec.image_id));
	engine_reply_free(&r);

	/* The previous agent container goes (by its name), then the new one. */
	if (engine_call(e, "DELETE", "/containers/" AS_NAME "?force=1&v=1", NULL, &r) != 0 &&
	    r.status != 404)
		goto engine_error;
	engine_reply_free(&r);
	if ((body = agent_start_create_body(inv->agent.image, argc, argv,
	    e->api_version)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (engine_call(e, "POST", "/containers/create?name=" AS_NAME, body, &r) != 0)
		goto engine_error;
	as_member(&r, "Id", rec.id, sizeof(rec.id));
	engine_reply_free(&r);
	if (strlen(rec.id) != 64) {
		snprintf(err, errlen, "%s: the engine gave the agent container no id", in->name);
		goto out;
	}
	/* What it was created from, as the engine says. */
	snprintf(path, sizeof(path), "/containers/%s/json", rec.id);
	if (engine_call(e, "GET", path, NULL, &r) != 0)
		goto engine_error;
	{
		char image[AGENT_TRUST_IMAGE_LEN];

		as_member(&r, "Image", image, sizeof(image));
		if (strcmp(image, rec.image_id) != 0 || strncmp(image, "sha256:", 7) != 0) {
			snprintf(err, errlen, "%s: the agent container was created from image %.80s, "
			    "not %.80s", in->name, image, rec.image_id);
			goto out;
		}
	}
	engine_reply_free(&r);

	/* The key, and the first manifest of the node's containers, into its volume. */
	if (RAND_bytes(rec.key, sizeof(rec.key)) != 1) {
		snprintf(err, errlen, "no random bytes for the agent's key");
		goto out;
	}
	agent_trust_key_text(&rec, key, sizeof(key));
	if (agent_manifest_build(e, in->name, &manifest, err, errlen) != 0)
		goto out;
	if ((sealed = agent_manifest_seal(&rec, manifest)) == NULL) {
		OPENSSL_cleanse(key, sizeof(key));
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	{
		const char *const names[2] = { "agent.key", "manifest.json" };
		const char *const data[2] = { key, sealed };
		const unsigned modes[2] = { 0400, 0444 };
		int put = agent_archive_put(e, rec.id, names, data, modes, 2, &r);

		OPENSSL_cleanse(key, sizeof(key));
		if (put != 0)
			goto engine_error;
	}
	engine_reply_free(&r);
	if (agent_trust_record_write(dir, in->name, &rec, err, errlen) != 0)
		goto out;
	snprintf(path, sizeof(path), "/containers/%s/start", rec.id);
	if (engine_call(e, "POST", path, NULL, &r) != 0)
		goto engine_error;
	snprintf(id_out, idlen, "%s", rec.id);
	rc = 0;
	goto out;
engine_error:
	snprintf(err, errlen, "%s", r.error);
out:
	free(manifest);
	free(sealed);
	OPENSSL_cleanse(&rec, sizeof(rec));
	free(body);
	engine_reply_free(&r);
	engine_free(e);
	inventory_free(inv);
	return rc;
}
