/* agent-client.c: requests to a remote node's agent (agent-client.h).
 *
 * The agent container has no engine: the engine's part of a request runs
 * here, on a fresh engine of the node, and only the cgroup files' part in
 * the container.  tune: POST /containers/{id}/update here (tune_apply with
 * no local files), then the container's record, inspected again, goes to
 * the agent as "cgroup JSON" (with memory.high, which has no engine field,
 * to be written there), whose check answer gives the files' values; check
 * and fix: the record goes with "cgroup JSON" (fix: re-write the files that
 * drifted).  The exec is four Engine API calls: the trusted agent container
 * (agent --start recorded it), its program (the image's entrypoint, by
 * path), an exec of PROGRAM agent --request LINE, its start (attached: the
 * output comes back multiplexed), and its exit code.  The answer is the last line of the exec's stdout when it is a
 * JSON object; otherwise the error quotes the last line of its stderr,
 * sanitised. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "backend/model/model.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/node/agent-client.h"
#include "backend/node/agent-manifest.h"
#include "backend/node/tune.h"
#include "backend/base/log.h"
#include "backend/engine/roles.h"
#include "backend/node/agent-trust.h"

/* Split an exec's multiplexed output BODY into stdout (OUT) and stderr
 * (ERRTEXT); 0, or -1 when the framing is broken. */
static int
agent_demux(const struct engine_buf *body, struct engine_buf *out, struct engine_buf *errtext)
{
	const unsigned char *u = (const unsigned char *)body->data;
	size_t off = 0, n;

	while (u != NULL && off + 8 <= body->len) {
		n = ((size_t)u[off + 4] << 24) | ((size_t)u[off + 5] << 16) |
		    ((size_t)u[off + 6] << 8) | (size_t)u[off + 7];
		if (u[off] > 2 || n > body->len - off - 8)
			return -1;
		engine_buf_append(u[off] == 2 ? errtext : out, body->data + off + 8, n);
		off += 8 + n;
	}
	return u == NULL || off == body->len ? 0 : -1;
}

/* The last non-empty line of TEXT (changed in place), or NULL. */
static char *
agent_last_line(char *text)
{
	char *end, *start;

	if (text == NULL)
		return NULL;
	end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	if (end == text)
		return NULL;
	start = memrchr(text, '\n', (size_t)(end - text));
	return start != NULL ? start + 1 : text;
}

/* exec PROG agent --request LINE in container ID of E, attached, and the
 * last line it printed into *OUT (to free); 0, or -1 with ERR. */
static int
agent_exec(struct engine *e, const char *node, const char *id, const char *prog,
    const char *line, char **out, char *err, size_t errlen)
{
	struct engine_buf sout = { .max = 1u << 20 }, serr = { .max = 1u << 16 };
	struct engine_reply r;
	cJSON *j = NULL, *body, *cmd;
	char exec_id[PD_ID_LEN], path[256], *text, *last;
	int rc = -1;
	double code;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	body = cJSON_CreateObject();
	cJSON_AddBoolToObject(body, "AttachStdout", 1);
	cJSON_AddBoolToObject(body, "AttachStderr", 1);
	cmd = cJSON_AddArrayToObject(body, "Cmd");
	cJSON_AddItemToArray(cmd, cJSON_CreateString(prog));
	cJSON_AddItemToArray(cmd, cJSON_CreateString("agent"));
	cJSON_AddItemToArray(cmd, cJSON_CreateString("--request"));
	cJSON_AddItemToArray(cmd, cJSON_CreateString(line));
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	snprintf(path, sizeof(path), "/containers/%s/exec", id);
	rc = engine_call(e, "POST", path, text ? text : "{}", &r);
	free(text);
	if (rc != 0) {
		rc = -1;
		goto engine_error;
	}
	rc = -1;
	j = cJSON_Parse(r.body.data ? r.body.data : "");
	engine_reply_free(&r);
	snprintf(exec_id, sizeof(exec_id), "%s", cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j,
	    "Id")) ? cJSON_GetObjectItemCaseSensitive(j, "Id")->valuestring : "");
	cJSON_Delete(j);
	j = NULL;
	snprintf(path, sizeof(path), "/exec/%s/start", exec_id);
	if (engine_call(e, "POST", path, "{\"Detach\":false,\"Tty\":false}", &r) != 0)
		goto engine_error;
	if (agent_demux(&r.body, &sout, &serr) != 0) {
		snprintf(err, errlen, "%s: exec in the agent container: the engine's stream is "
		    "malformed", node);
		goto out;
	}
	engine_reply_free(&r);
	snprintf(path, sizeof(path), "/exec/%s/json", exec_id);
	if (engine_call(e, "GET", path, NULL, &r) != 0)
		goto engine_error;
	j = cJSON_Parse(r.body.data ? r.body.data : "");
	engine_reply_free(&r);
	code = pd_json_int(cJSON_GetObjectItemCaseSensitive(j, "ExitCode"), INT_MIN, INT_MAX, -1);
	last = agent_last_line(sout.data);
	if (last == NULL || last[0] != '{') {
		char clean[256];

		pd_sanitize(clean, sizeof(clean), agent_last_line(serr.data) ?
		    agent_last_line(serr.data) : "no output", 0);
		snprintf(err, errlen, "%s: the agent container's plantdeck answered nothing "
		    "(exit %d): %s", node, (int)code, clean);
		goto out;
	}
	*out = strdup(last);
	rc = *out != NULL ? 0 : -1;
	if (rc != 0)
		snprintf(err, errlen, "out of memory");
	goto out;
engine_error:
	snprintf(err, errlen, "%s", r.error);
out:
	cJSON_Delete(j);
	engine_reply_free(&r);
	engine_buf_free(&sout);
	engine_buf_free(&serr);
	return rc;
}

/* An answer line: {"type":TYPE,"request":REQUEST,"ok":false,"error":WHY}. */
static char *
agent_error_answer(const char *type, const char *request, const char *why)
{
	cJSON *j = cJSON_CreateObject();
	char *text;

	cJSON_AddStringToObject(j, "type", type);
	cJSON_AddStringToObject(j, "request", request);
	cJSON_AddBoolToObject(j, "ok", 0);
	cJSON_AddStringToObject(j, "error", why);
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return text;
}

/* Container REF's reduced inspect on E into *REC (to delete); 0, 1 when it
 * does not exist, -1 with ERR. */
static int
agent_record(struct engine *e, const char *ref, cJSON **rec, char *err, size_t errlen)
{
	struct engine_reply r;
	char path[256];
	cJSON *in;
	size_t n = strlen(ref);

	*rec = NULL;
	if (n == 0 || n > 128 || strspn(ref, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-") != n) {
		snprintf(err, errlen, "not a container name or id");
		return -1;
	}
	snprintf(path, sizeof(path), "/containers/%s/json", ref);
	if (engine_call(e, "GET", path, NULL, &r) != 0) {
		int missing = r.status == 404;

		snprintf(err, errlen, "%.200s", missing ? "no such container" : r.error);
		engine_reply_free(&r);
		return missing ? 1 : -1;
	}
	in = cJSON_Parse(r.body.data ? r.body.data : "");
	engine_reply_free(&r);
	if (in == NULL) {
		snprintf(err, errlen, "%.64s: GET %.150s: bad JSON", e->name, path);
		return -1;
	}
	*rec = agent_manifest_reduce(in);
	cJSON_Delete(in);
	return 0;
}

/* The inner request "cgroup {node, container, fix, set}". */
static char *
agent_cgroup_line(const char *node, const cJSON *rec, int fix, char *const *set, size_t nset)
{
	cJSON *j = cJSON_CreateObject(), *a;
	char *text, *line = NULL;
	size_t len;

	cJSON_AddStringToObject(j, "node", node);
	cJSON_AddItemToObject(j, "container", cJSON_Duplicate(rec, 1));
	cJSON_AddBoolToObject(j, "fix", fix);
	a = cJSON_AddArrayToObject(j, "set");
	for (size_t i = 0; i < nset; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(set[i]));
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (text != NULL && (line = malloc((len = strlen(text) + 8))) != NULL)
		snprintf(line, len, "cgroup %s", text);
	free(text);
	return line;
}

/* The item of check answer CHECK whose key is KEY, or NULL. */
static const cJSON *
agent_check_item(const cJSON *check, const char *key)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(check, "items")) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(it, "key");

		if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
			return it;
	}
	return NULL;
}

/* A string member of O, or "". */
static const char *
agent_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The tune answer from the engine's side RES (RC as tune_apply returned)
 * and the agent's check answer CHECK of the cgroup files (NULL: none, with
 * CHECK_ERR); FILE_KEYS[0..NFILE) were set in the files only. */
static char *
agent_tune_answer(const char *request, const struct pd_tune_result *res, int rc,
    const cJSON *check, const char *check_err, char *const *file_keys, size_t nfile)
{
	cJSON *j = cJSON_CreateObject(), *items, *o;
	int ok = rc == 0, local = check != NULL && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
	    check, "local"));
	char *text;

	cJSON_AddStringToObject(j, "type", "tune");
	cJSON_AddStringToObject(j, "request", request);
	cJSON_AddNullToObject(j, "error");
	cJSON_AddStringToObject(j, "node", res->node);
	o = cJSON_AddObjectToObject(j, "container");
	cJSON_AddStringToObject(o, "id", res->id);
	cJSON_AddStringToObject(o, "name", res->name);
	cJSON_AddBoolToObject(j, "local", local);
	if (local && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(check, "cgroup_version")))
		cJSON_AddItemToObject(j, "cgroup_version", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(check, "cgroup_version"), 0));
	else
		cJSON_AddNullToObject(j, "cgroup_version");
	if (res->warnings[0] != '\0' || check_err != NULL) {
		char w[PD_ERROR_LEN + 300];

		snprintf(w, sizeof(w), "%s%s%s%s", res->warnings, res->warnings[0] && check_err ?
		    "; " : "", check_err ? "the cgroup files were not read: " : "",
		    check_err ? check_err : "");
		cJSON_AddStringToObject(j, "warnings", w);
	}
	items = cJSON_AddArrayToObject(j, "items");
	for (size_t i = 0; i < res->nitems; i++) {
		const struct pd_tune_item *it = &res->items[i];
		const cJSON *c = agent_check_item(check, strcmp(it->key, "cpus") == 0 ? "cpu.max" :
		    it->key);
		int iok = it->ok;

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", it->key);
		cJSON_AddStringToObject(o, "want", it->want);
		if (it->engine[0] != '\0')
			cJSON_AddStringToObject(o, "engine", it->engine);
		else
			cJSON_AddNullToObject(o, "engine");
		if (c != NULL && agent_str(c, "cgroup")[0] != '\0')
			cJSON_AddStringToObject(o, "cgroup", agent_str(c, "cgroup"));
		else
			cJSON_AddNullToObject(o, "cgroup");
		if (c != NULL && agent_str(c, "file")[0] != '\0')
			cJSON_AddStringToObject(o, "file", agent_str(c, "file"));
		else
			cJSON_AddNullToObject(o, "file");
		cJSON_AddStringToObject(o, "via", it->via);
		if (c != NULL && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "ok")))
			iok = 0;
		cJSON_AddBoolToObject(o, "ok", iok);
		if (it->note[0] != '\0')
			cJSON_AddStringToObject(o, "note", it->note);
		else if (c != NULL && !iok && agent_str(c, "note")[0] != '\0')
			cJSON_AddStringToObject(o, "note", agent_str(c, "note"));
		ok &= iok;
		cJSON_AddItemToArray(items, o);
	}
	for (size_t i = 0; i < nfile; i++) {
		char key[32];
		const char *eq = strchr(file_keys[i], '=');
		const cJSON *c;

		snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - file_keys[i]) : 0, file_keys[i]);
		c = agent_check_item(check, key);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", key);
		cJSON_AddStringToObject(o, "want", eq ? eq + 1 : "");
		cJSON_AddNullToObject(o, "engine");
		if (c != NULL && agent_str(c, "cgroup")[0] != '\0')
			cJSON_AddStringToObject(o, "cgroup", agent_str(c, "cgroup"));
		else
			cJSON_AddNullToObject(o, "cgroup");
		if (c != NULL && agent_str(c, "file")[0] != '\0')
			cJSON_AddStringToObject(o, "file", agent_str(c, "file"));
		else
			cJSON_AddNullToObject(o, "file");
		cJSON_AddStringToObject(o, "via", "cgroupfs");
		cJSON_AddBoolToObject(o, "ok", c != NULL && cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(c, "ok")));
		ok &= c != NULL && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "ok"));
		cJSON_AddItemToArray(items, o);
	}
	if (check == NULL && nfile > 0)
		ok = 0;
	cJSON_AddBoolToObject(j, "ok", ok);
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return text;
}

/* Run user request LINE for NODE: the engine's part here (E), the cgroup
 * files' part in the agent container ID (PROG) as "cgroup JSON" with the
 * container's engine record; the answer line into *OUT. */
static int
agent_remote_run(struct engine *e, const char *node, const char *id, const char *prog,
    const char *line, char **out, char *err, size_t errlen)
{
	struct tune_request reqs[PD_TUNE_ITEMS];
	struct pd_tune_result res;
	struct tune_store *st = NULL;
	char buf[2048], why[PD_ERROR_LEN], *argv[PD_TUNE_ITEMS + 3], *file_keys[PD_TUNE_ITEMS];
	char *inner = NULL, *answer = NULL, *tok, *save = NULL;
	cJSON *rec = NULL, *check = NULL;
	size_t nfile = 0, neng = 0;
	int argc = 0, rc = -1, trc, fix;

	*out = NULL;
	if (strlen(line) >= sizeof(buf)) {
		*out = agent_error_answer("error", line, "request too long");
		return *out != NULL ? 0 : -1;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok != NULL && argc < PD_TUNE_ITEMS + 3;
	    tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	if (argc == 0 || (strcmp(argv[0], "tune") != 0 && strcmp(argv[0], "check") != 0 &&
	    strcmp(argv[0], "fix") != 0)) {
		snprintf(why, sizeof(why), "unknown request '%.32s' (tune, check, fix)",
		    argc ? argv[0] : "");
		*out = agent_error_answer("error", line, why);
		return *out != NULL ? 0 : -1;
	}
	if (strcmp(argv[0], "tune") != 0) {
		/* check, fix: the engine's record from here, the files there. */
		fix = strcmp(argv[0], "fix") == 0;
		if (argc != 2) {
			snprintf(why, sizeof(why), "usage: %s CONTAINER", argv[0]);
			*out = agent_error_answer("check", line, why);
			return *out != NULL ? 0 : -1;
		}
		if ((trc = agent_record(e, argv[1], &rec, why, sizeof(why))) != 0) {
			char w2[PD_ERROR_LEN + 200];

			snprintf(w2, sizeof(w2), "%s: container '%.64s': %s", node, argv[1], why);
			*out = agent_error_answer("check", line, w2);
			return *out != NULL ? 0 : -1;
		}
		if ((inner = agent_cgroup_line(node, rec, fix, NULL, 0)) == NULL)
			goto oom;
		if (agent_exec(e, node, id, prog, inner, &answer, err, errlen) != 0)
			goto out;
		if ((check = cJSON_Parse(answer)) == NULL) {
			snprintf(err, errlen, "%s: the agent answered no JSON", node);
			goto out;
		}
		cJSON_ReplaceItemInObjectCaseSensitive(check, "request", cJSON_CreateString(line));
		if ((*out = cJSON_PrintUnformatted(check)) == NULL)
			goto oom;
		rc = 0;
		goto out;
	}
	/* tune: through the engine here; what has no engine field in the files. */
	if (argc < 3 || argc - 2 > PD_TUNE_ITEMS) {
		*out = agent_error_answer("tune", line, "usage: tune CONTAINER KEY=VALUE...");
		return *out != NULL ? 0 : -1;
	}
	for (int i = 2; i < argc; i++) {
		struct tune_request q;

		if (tune_parse(argv[i], &q, why, sizeof(why)) != 0) {
			*out = agent_error_answer("tune", line, why);
			return *out != NULL ? 0 : -1;
		}
		if (q.key == TUNE_MEMORY_HIGH)
			file_keys[nfile++] = argv[i];
		else
			reqs[neng++] = q;
	}
	memset(&res, 0, sizeof(res));
	if ((st = tune_store_new()) == NULL)
		goto oom;
	trc = 0;
	if (neng > 0)
		trc = tune_apply(st, e, NULL, NULL, argv[1], reqs, neng, &res, why, sizeof(why));
	if (trc < 0) {
		*out = agent_error_answer("tune", line, why);
		rc = *out != NULL ? 0 : -1;
		goto out;
	}
	if (agent_record(e, argv[1], &rec, why, sizeof(why)) != 0) {
		char w2[PD_ERROR_LEN + 200];

		snprintf(w2, sizeof(w2), "%s: container '%.64s': %s", node, argv[1], why);
		*out = agent_error_answer("tune", line, w2);
		rc = *out != NULL ? 0 : -1;
		goto out;
	}
	snprintf(res.node, sizeof(res.node), "%s", node);
	snprintf(res.id, sizeof(res.id), "%s", agent_str(rec, "Id"));
	{
		const char *nm = agent_str(rec, "Name");

		snprintf(res.name, sizeof(res.name), "%s", nm[0] == '/' ? nm + 1 : nm);
	}
	if ((inner = agent_cgroup_line(node, rec, 0, file_keys, nfile)) == NULL)
		goto oom;
	why[0] = '\0';
	if (agent_exec(e, node, id, prog, inner, &answer, why, sizeof(why)) == 0)
		check = cJSON_Parse(answer);
	if (check != NULL && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(check, "ok")) &&
	    agent_str(check, "error")[0] != '\0') {
		snprintf(why, sizeof(why), "%s", agent_str(check, "error"));
		cJSON_Delete(check);
		check = NULL;
	}
	*out = agent_tune_answer(line, &res, trc, check, check != NULL ? NULL :
	    why[0] ? why : "the agent answered no JSON", file_keys, nfile);
	rc = *out != NULL ? 0 : -1;
	if (rc != 0)
		goto oom;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -1;
out:
	tune_store_free(st);
	cJSON_Delete(rec);
	cJSON_Delete(check);
	free(inner);
	free(answer);
	return rc;
}

/* Run request LINE in the agent container of NODE (agent-client.h). */
int
agent_remote_request(const struct backend_config *cfg, const char *node, const char *line,
    char **out, char *err, size_t errlen)
{
	struct inventory *inv = NULL;
	struct engine *e = NULL;
	struct engine_reply r;
	const struct inv_node *in = NULL;
	cJSON *j = NULL;
	char id[PD_ID_LEN], image[AGENT_TRUST_IMAGE_LEN], prog[256], path[256];
	int rc = -1;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	if (inventory_for_config(cfg, &inv, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < inv->nnodes; i++)
		if (node != NULL ? strcmp(inv->nodes[i].name, node) == 0 : inv->nnodes == 1)
			in = &inv->nodes[i];
	if (in == NULL) {
		snprintf(err, errlen, node != NULL ? "no node '%.64s' in the inventory" :
		    "%.0s--node: the inventory has %zu nodes", node ? node : "", inv->nnodes);
		goto out;
	}
	if (cfg->read_only) {
		snprintf(err, errlen, "refused: read-only mode (--read-only or --kiosk): a request "
		    "through exec starts a process on %.64s", in->name);
		goto out;
	}
	{
		char what[96];

		snprintf(what, sizeof(what), "agent request on %.64s", in->name);
		if (roles_check(&inv->roles, ROLES_OPERATOR, what, err, errlen) != 0)
			goto out;
	}
	if ((e = engine_new(in)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	e->timeout_ms = 60000;
	if (engine_negotiate(e, &r) != 0)
		goto engine_error;
	engine_reply_free(&r);
	/* The trusted agent container (the one --start recorded), and the
	 * program it runs (the image's entrypoint). */
	{
		struct agent_trust_record rec;
		char dir[4096];

		if (agent_trust_dir(inv, dir, sizeof(dir), err, errlen) != 0)
			goto out;
		if (agent_trust_record_read(dir, in->name, &rec) != 0) {
			snprintf(err, errlen, "%s: no trusted agent container recorded in %.200s "
			    "(plantdeck agent --node %s --start starts one)", in->name, dir, in->name);
			goto out;
		}
		snprintf(id, sizeof(id), "%s", rec.id);
		snprintf(image, sizeof(image), "%s", rec.image_id);
		OPENSSL_cleanse(&rec, sizeof(rec));
	}
	snprintf(path, sizeof(path), "/containers/%s/json", id);
	if (engine_call(e, "GET", path, NULL, &r) != 0)
		goto engine_error;
	j = cJSON_Parse(r.body.data ? r.body.data : "");
	engine_reply_free(&r);
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "Path");
		const cJSON *im = cJSON_GetObjectItemCaseSensitive(j, "Image");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "State");

		snprintf(prog, sizeof(prog), "%s", cJSON_IsString(p) ? p->valuestring : "");
		if (!cJSON_IsString(im) || strcmp(im->valuestring, image) != 0 ||
		    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Running"))) {
			snprintf(err, errlen, "%s: the recorded agent container %.12s is not running "
			    "from the recorded image (plantdeck agent --node %s --start)", in->name, id,
			    in->name);
			goto out;
		}
	}
	cJSON_Delete(j);
	j = NULL;
	if (prog[0] != '/') {
		snprintf(err, errlen, "%s: the agent container %.12s runs no program by path",
		    in->name, id);
		goto out;
	}
	rc = agent_remote_run(e, in->name, id, prog, line, out, err, errlen);
	/* A tune changed the engine's record: the running agent holds the
	 * container to it from the next manifest on. */
	if (rc == 0 && strncmp(line, "tune ", 5) == 0) {
		char e2[512];

		if (agent_manifest_push(cfg, in->name, e2, sizeof(e2)) != 0)
			log_msg(LOG_WARN, "agent: %s: manifest not updated after the tune: %s",
			    in->name, e2);
	}
	goto out;
engine_error:
	snprintf(err, errlen, "%s", r.error);
out:
	cJSON_Delete(j);
	engine_reply_free(&r);
	engine_free(e);
	inventory_free(inv);
	return rc;
}
