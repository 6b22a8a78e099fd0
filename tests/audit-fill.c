/* audit-fill.c: append N entries to the audit trail of the database DB
 * through audit_append, the code path deploys and tuning use; for
 * tests/audit-cli.sh and tests/audit-sign.sh, which need entries without a
 * lab.  With INVENTORY, its audit: section is used (the signer).
 *
 * usage: audit-fill DB N [ACTION [INVENTORY]] */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "backend/engine/inventory.h"
#include "backend/store/audit.h"
#include "backend/store/audit-sign.h"
#include "backend/store/store.h"

int
main(int argc, char **argv)
{
	struct store *st;
	char err[1024], target[64], detail[128], *end;
	const char *action = argc > 3 ? argv[3] : "deploy-start";
	long n;

	if (argc < 3) {
		fprintf(stderr, "usage: audit-fill DB N [ACTION]\n");
		return 2;
	}
	errno = 0;
	n = strtol(argv[2], &end, 10);
	if (errno != 0 || *end != '\0' || n < 0 || n > 100000) {
		fprintf(stderr, "audit-fill: bad count '%s'\n", argv[2]);
		return 2;
	}
	if (argc > 4) {
		struct inventory *inv;
		struct audit_config ac;

		if (inventory_load(argv[4], &inv, err, sizeof(err)) != 0) {
			fprintf(stderr, "audit-fill: %s\n", err);
			return 2;
		}
		audit_config_fill(&ac, inv->audit.require, inv->audit.signer,
		    inv->audit.public_key, inv->audit.checkpoints);
		audit_configure(&ac);
		inventory_free(inv);
	}
	if (store_open(argv[1], 0, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "audit-fill: %s\n", err);
		return 1;
	}
	for (long i = 1; i <= n; i++) {
		snprintf(target, sizeof(target), "stack fill revision %ld", i);
		snprintf(detail, sizeof(detail), "deploy #%ld started from revision %ld, 1 node: "
		    "lab-01", i, i - 1);
		if (audit_append(st, action, target, detail, err, sizeof(err)) != 0) {
			fprintf(stderr, "audit-fill: %s\n", err);
			store_close(st);
			return 1;
		}
	}
	store_close(st);
	return 0;
}
