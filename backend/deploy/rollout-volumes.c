/* rollout-volumes.c: a stack's named volumes on standalone engines.
 *
 * Once a node has pulled its images, and again before its switch, the
 * named volumes of the target revision (compose-volumes.c: STACK_KEY, or
 * the name: the file gives) are made there with POST /volumes/create,
 * journaled as "volume NAME".  One that exists is kept when its driver and
 * driver options are the ones the revision asks for (whoever made it: a
 * plant's data volume may predate plantdeck); other settings are an error
 * naming the volume and the node, as for networks (rollout-net.c).  An
 * external volume must exist, else the node fails before anything on it is
 * switched.  A deploy never removes a volume: an update and a rollback
 * mount the same one again, so the data stays; plantdeck down --volumes
 * removes the ones that carry the stack's label.  Everything from a node
 * is untrusted: names are compared, never printed unquoted. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "backend/deploy/compose.h"
#include "backend/deploy/rollout-int.h"
#include "backend/engine/inventory.h"

/* Messages are cut to their fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* Whether the existing volume HAVE (an inspect) is what WANT (a create
 * body) asks for: its driver and driver options; WHY gets the first
 * difference. */
static int
rv_same(const cJSON *have, const cJSON *want, char *why, size_t whylen)
{
	const cJSON *hd = cJSON_GetObjectItemCaseSensitive(have, "Driver");
	const cJSON *wd = cJSON_GetObjectItemCaseSensitive(want, "Driver");
	const cJSON *ho = cJSON_GetObjectItemCaseSensitive(have, "Options");
	const cJSON *wo = cJSON_GetObjectItemCaseSensitive(want, "DriverOpts");
	const cJSON *o;

	if (cJSON_IsString(wd) && (!cJSON_IsString(hd) ||
	    strcmp(hd->valuestring, wd->valuestring) != 0)) {
		snprintf(why, whylen, "its driver is not %s", wd->valuestring);
		return 0;
	}
	cJSON_ArrayForEach(o, wo) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(ho, o->string);

		if (!cJSON_IsString(h) || !cJSON_IsString(o) ||
		    strcmp(h->valuestring, o->valuestring) != 0) {
			snprintf(why, whylen, "its option %s is not %s", o->string,
			    cJSON_IsString(o) ? o->valuestring : "?");
			return 0;
		}
	}
	cJSON_ArrayForEach(o, ho) {
		if (o->string != NULL && cJSON_GetObjectItemCaseSensitive(wo, o->string) == NULL) {
			snprintf(why, whylen, "it has option %s, which the stack does not give",
			    o->string);
			return 0;
		}
	}
	return 1;
}

/* Volume VOL (an entry of the stack's volumes) on N: there and usable. */
static int
rv_ensure_one(struct ro_node *n, const cJSON *vol, char *err, size_t errlen)
{
	struct rollout *r = n->r;
	const char *name = cJSON_GetObjectItemCaseSensitive(vol, "name")->valuestring;
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(vol, "create");
	char step[PD_NAME_LEN + 16], why[160];
	cJSON *have = NULL;
	char *body;
	int rc;

	rc = ro_inspect_named(n, "volumes", name, &have, err, errlen);
	if (rc < 0)
		return -1;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(vol, "external"))) {
		cJSON_Delete(have);
		if (rc == 0) {
			snprintf(err, errlen, "%s: external volume %s does not exist: create it "
			    "there first (docker volume create %s)", n->inv->name, name, name);
			return -1;
		}
		return 0;
	}
	if (rc == 1) {
		rc = rv_same(have, want, why, sizeof(why)) ? 0 : -1;
		cJSON_Delete(have);
		if (rc != 0)
			snprintf(err, errlen, "%s: volume %s exists with other settings (%s): "
			    "remove it once no container uses it, or give the stack's volume "
			    "another name", n->inv->name, name, why);
		return rc;
	}
	if ((body = cJSON_PrintUnformatted(want)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(step, sizeof(step), "volume %s", name);
	ro_begin(r, n, step, "create");
	rc = ro_call(n, "POST", "/volumes/create", body, 30000, &have, err, errlen);
	free(body);
	/* The engine answers with the volume of that name if one was made
	 * meanwhile: check it as any other. */
	if (rc == 0 && have != NULL && !rv_same(have, want, why, sizeof(why))) {
		snprintf(err, errlen, "%s: volume %s exists with other settings (%s)",
		    n->inv->name, name, why);
		rc = -1;
	}
	cJSON_Delete(have);
	ro_end(r, n, step, rc == 0, rc == 0 ? "created" : err);
	return rc;
}

/* The named volumes of the target revision on N (made, kept or checked). */
int
ro_vol_ensure(struct ro_node *n, char *err, size_t errlen)
{
	const struct compose_stack *spec = n->r->spec;
	const cJSON *vol;

	if (spec == NULL || spec->volumes == NULL || n->r->swarm)
		return 0;
	cJSON_ArrayForEach(vol, spec->volumes) {
		if (rv_ensure_one(n, vol, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* The plan's volumes line for STACK: "plc_data (local), hist (external)". */
void
ro_plan_volumes(const struct compose_stack *stack, struct pd_plan *p)
{
	const cJSON *v;
	size_t o = 0;

	p->volumes[0] = '\0';
	cJSON_ArrayForEach(v, stack->volumes) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "name");
		const cJSON *drv = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(v, "create"), "Driver");
		int ext = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "external"));

		if (o >= sizeof(p->volumes))
			break;
		o += (size_t)snprintf(p->volumes + o, sizeof(p->volumes) - o, "%s%s (%s)",
		    o ? ", " : "", name->valuestring, ext ? "external" :
		    cJSON_IsString(drv) ? drv->valuestring : "local");
	}
}
