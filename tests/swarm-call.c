/* swarm-call.c: one swarm_call() through the managers of inventory FILE, the
 * blocking call deploy and heal workers make; for tests/swarm-status.sh,
 * which freezes a manager and checks that the call goes to the next.
 *
 * usage: swarm-call FILE METHOD PATH
 * Prints "manager NAME status N items K ms T" (K: the items of a JSON array
 * body, else -1), or the error; exits 0 on a 2xx reply, 1 otherwise. */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/model/model.h"
#include "backend/engine/swarm.h"

/* Seconds on the monotonic clock. */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct inventory *inv;
	struct engine_reply r;
	struct swarm *s;
	char err[1024], used[128], clean[2048];
	double t0;
	int rc, items = -1;
	cJSON *j;

	if (argc != 4) {
		fprintf(stderr, "usage: swarm-call FILE METHOD PATH\n");
		return 2;
	}
	if (inventory_load(argv[1], &inv, err, sizeof(err)) != 0) {
		fprintf(stderr, "swarm-call: %s\n", err);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	s = swarm_new(inv, 0);
	if (s == NULL) {
		fprintf(stderr, "swarm-call: out of memory\n");
		return 1;
	}
	t0 = now_s();
	rc = swarm_call(s, argv[2], argv[3], NULL, 0, &r, used, sizeof(used));
	j = r.body.data != NULL ? cJSON_Parse(r.body.data) : NULL;
	if (cJSON_IsArray(j))
		items = cJSON_GetArraySize(j);
	cJSON_Delete(j);
	if (rc == 0)
		printf("manager %s status %ld items %d ms %.0f\n", used, r.status, items,
		    (now_s() - t0) * 1000);   /* USED is an inventory name: checked text */
	else {
		pd_sanitize(clean, sizeof(clean), r.error, 0);   /* it quotes the managers */
		printf("error %s (after %.0f ms)\n", clean, (now_s() - t0) * 1000);
	}
	engine_reply_free(&r);
	swarm_free(s);
	inventory_free(inv);
	curl_global_cleanup();
	return rc == 0 ? 0 : 1;
}
