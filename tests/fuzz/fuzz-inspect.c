/* fuzz-inspect: a container's inspect reply read in place
 * (fleet_parse_inspect, backend/engine/fleet-parse.c), against cJSON.
 *
 * Input: the reply's body.  Checked: it is refused exactly when
 * cJSON_ParseWithLength refuses it, and every member the model takes is
 * what the cJSON tree gives when read as fl_apply_inspect read it before
 * (the first of duplicate members, strings cut between characters, numbers
 * in range, the stack's label order, the networks' names joined); and the
 * strings are terminated. */
#include <limits.h>

#include <cjson/cJSON.h>

#include "backend/engine/fleet.h"
#include "tests/fuzz/fuzz.h"

/* fl_copy_str: a string member into LEN bytes, "" when none. */
static void
fz_copy(char *dst, size_t len, const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	pd_copy_text(dst, len, cJSON_IsString(v) ? v->valuestring : "");
}

/* The inspect as the cJSON tree J gives it (the model's reading before). */
static void
fz_oracle(const cJSON *j, struct fleet_inspect *x)
{
	static const char *const keys[] = {
		"io.plantdeck.stack", "com.docker.stack.namespace", "com.docker.compose.project",
	};
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(j, "State");
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(j, "Config");
	const cJSON *hs = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(state, "Health"), "Status");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(config, "Labels");
	const cJSON *nets = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "NetworkSettings"), "Networks");
	const cJSON *v, *it;
	char buf[64];
	size_t used = 0;

	memset(x, 0, sizeof(*x));
	fz_copy(x->name, sizeof(x->name), j, "Name");
	fz_copy(x->image, sizeof(x->image), config, "Image");
	fz_copy(x->status, sizeof(x->status), state, "Status");
	x->health = cJSON_IsString(hs) ? fleet_parse_health_status(hs->valuestring) :
	    PD_HEALTH_NONE;
	x->restart_count = (int)pd_json_int(cJSON_GetObjectItemCaseSensitive(j, "RestartCount"),
	    0, INT_MAX, 0);
	v = cJSON_GetObjectItemCaseSensitive(config, "StopTimeout");
	x->stop_timeout = cJSON_IsNumber(v) ? v->valuedouble : -1;
	cJSON_ArrayForEach(it, nets) {
		size_t k;

		if (it->string == NULL || it->string[0] == '\0')
			continue;
		k = strlen(it->string);
		if (used + (used > 0) + k + 1 > sizeof(x->networks))
			continue;
		if (used > 0)
			x->networks[used++] = ',';
		memcpy(x->networks + used, it->string, k + 1);
		used += k;
	}
	for (size_t i = 0; i < 3 && x->stack[0] == '\0'; i++)
		fz_copy(x->stack, sizeof(x->stack), labels, keys[i]);
	x->exit_code = (int)pd_json_int(cJSON_GetObjectItemCaseSensitive(state, "ExitCode"),
	    INT_MIN, INT_MAX, 0);
	x->oom_killed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(state, "OOMKilled"));
	fz_copy(buf, sizeof(buf), state, "StartedAt");
	x->started_at = fleet_parse_time(buf);
	fz_copy(buf, sizeof(buf), state, "FinishedAt");
	x->finished_at = fleet_parse_time(buf);
	fz_copy(buf, sizeof(buf), j, "Created");
	x->created = fleet_parse_time(buf);
}

static void
fz_same_str(const char *what, const char *a, const char *b, size_t size)
{
	if (memchr(a, '\0', size) == NULL)
		fz_fail("inspect: %s not terminated", what);
	if (strcmp(a, b) != 0)
		fz_fail("inspect: %s is '%s', cJSON says '%s'", what, a, b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_inspect got, want;
	int rc = fleet_parse_inspect((const char *)data, size, &got);
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);

	if ((rc == 0) != (j != NULL))
		fz_fail("inspect: read %s, cJSON %s", rc == 0 ? "accepted" : "refused",
		    j != NULL ? "accepted" : "refused");
	if (j == NULL)
		return 0;
	fz_oracle(j, &want);
	cJSON_Delete(j);
	fz_same_str("name", got.name, want.name, sizeof(got.name));
	fz_same_str("image", got.image, want.image, sizeof(got.image));
	fz_same_str("status", got.status, want.status, sizeof(got.status));
	fz_same_str("networks", got.networks, want.networks, sizeof(got.networks));
	fz_same_str("stack", got.stack, want.stack, sizeof(got.stack));
	if (got.health != want.health || got.restart_count != want.restart_count ||
	    got.exit_code != want.exit_code || got.oom_killed != want.oom_killed ||
	    got.created != want.created || got.started_at != want.started_at ||
	    got.finished_at != want.finished_at)
		fz_fail("inspect: health %d/%d restarts %d/%d exit %d/%d oom %d/%d times "
		    "%lld/%lld %lld/%lld %lld/%lld (read/cJSON)", got.health, want.health,
		    got.restart_count, want.restart_count, got.exit_code, want.exit_code,
		    got.oom_killed, want.oom_killed, (long long)got.created,
		    (long long)want.created, (long long)got.started_at, (long long)want.started_at,
		    (long long)got.finished_at, (long long)want.finished_at);
	/* The same double, or both NaN (memcmp: -0 and 0 apart too). */
	if (memcmp(&got.stop_timeout, &want.stop_timeout, sizeof(double)) != 0 &&
	    !(got.stop_timeout != got.stop_timeout && want.stop_timeout != want.stop_timeout))
		fz_fail("inspect: StopTimeout %.17g, cJSON %.17g", got.stop_timeout,
		    want.stop_timeout);
	return 0;
}
