/* rollout-place.c: rollout_place() as the self-healer calls it, for
 * tests/deploy-swarm-deadline.sh: bring stack STACK to its kept revision REV
 * (0: the current one) on NODE, or, NODE "-", the whole stack through Swarm
 * with the same placement; wait for the deploy to end.
 *
 * usage: rollout-place INVENTORY DB STACK REV NODE|-
 * Prints "deploy ID STATE nodes N: MESSAGE" (the message sanitised), or the
 * error; exits 0 when the deploy completed, 1 otherwise, 2 on bad input. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "backend/engine/inventory.h"
#include "backend/model/model.h"
#include "backend/deploy/rollout.h"
#include "backend/engine/swarm.h"

int
main(int argc, char **argv)
{
	struct inventory *inv;
	struct rollouts *ro;
	struct swarm *s;
	struct pd_deploy d;
	char err[1024], clean[2048];
	int64_t id;
	int rc = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: rollout-place INVENTORY DB STACK REV NODE|-\n");
		return 2;
	}
	if (inventory_load(argv[1], &inv, err, sizeof(err)) != 0) {
		fprintf(stderr, "rollout-place: %s\n", err);
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	s = swarm_new(inv, 0);
	ro = s != NULL ? rollouts_new(inv, s, argv[2], 0, NULL, NULL) : NULL;
	if (ro == NULL) {
		fprintf(stderr, "rollout-place: out of memory\n");
		return 1;
	}
	if (rollout_place(ro, argv[3], (int)strtol(argv[4], NULL, 10),
	    strcmp(argv[5], "-") == 0 ? NULL : argv[5], "test: rollout-place", NULL, &id, err,
	    sizeof(err)) != 0) {
		pd_sanitize(clean, sizeof(clean), err, 0);
		printf("error %s\n", clean);
	} else {
		rollout_wait(ro, id, -1);
		if (rollout_get(ro, id, &d, err, sizeof(err)) == 0) {
			pd_sanitize(clean, sizeof(clean), d.message, 0);
			printf("deploy %lld %s nodes %zu: %s\n", (long long)d.id,
			    pd_deploy_state_name(d.state), d.nnodes, clean);
			rc = d.state == PD_DEPLOY_COMPLETED ? 0 : 1;
			pd_deploy_free(&d);
		} else {
			printf("error %s\n", err);
		}
	}
	rollouts_free(ro);
	swarm_free(s);
	inventory_free(inv);
	curl_global_cleanup();
	return rc;
}
