/* agent-client.c: requests to a remote node's agent (agent-client.h).
 *
 * One request is four Engine API calls on a fresh engine of the node: the
 * trusted agent container (agent --start recorded it), its program (the
 * image's entrypoint, by path), an exec of PROGRAM agent --request LINE,
 * its start (attached: the output comes back multiplexed), and its exit
 * code.  The answer is the last line of the exec's stdout when it is a
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

/* Run request LINE in the agent container of NODE (agent-client.h). */
int
agent_remote_request(const struct backend_config *cfg, const char *node, const char *line,
    char **out, char *err, size_t errlen)
{
	struct engine_buf sout = { .max = 1u << 20 }, serr = { .max = 1u << 16 };
	struct inventory *inv = NULL;
	struct engine *e = NULL;
	struct engine_reply r;
	const struct inv_node *in = NULL;
	cJSON *j = NULL, *body, *cmd;
	char id[PD_ID_LEN], exec_id[PD_ID_LEN], image[AGENT_TRUST_IMAGE_LEN], prog[256], path[256], *text, *last;
	int rc = -1;
	double code;

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
	/* exec PROG agent --request LINE, attached, and read what it printed. */
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
		    "malformed", in->name);
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
		    "(exit %d): %s", in->name, (int)code, clean);
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
	engine_free(e);
	inventory_free(inv);
	return rc;
}
