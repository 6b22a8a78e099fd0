/* fuzz-compose: stack files (backend/deploy/compose*.c).
 *
 * The input is written to docker-compose.yml in a directory of its own and
 * loaded with compose_load.  Checked: a load fails with a message or gives
 * a named stack; a loaded stack with services to deploy survives the
 * journal's round trip (a
 * deploy stores compose_to_json and a rollback reads it back with
 * compose_from_json): it reads back, and prints the same again; its start
 * order is found or refused with a message. */
#include <cjson/cJSON.h>

#include "backend/deploy/compose.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_write_file("docker-compose.yml", data, size);
	struct compose_stack *st = NULL, *back = NULL;
	char err[512], *json, *json2;
	size_t *order;

	err[0] = '\0';
	if (compose_load(path, &st, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			fz_fail("compose_load failed without a message");
		return 0;
	}
	if (st == NULL || st->name == NULL || st->name[0] == '\0')
		fz_fail("compose_load: a stack without a name");
	if (st->nservices == 0) {
		/* Every service has replicas: 0 (a warning each): deploy refuses
		 * it with "no services to deploy"; no revision is ever written. */
		compose_free(st);
		return 0;
	}
	json = compose_to_json(st);
	if (json == NULL)
		fz_fail("compose_to_json: NULL for a loaded stack");
	err[0] = '\0';
	if (compose_from_json(json, &back, err, sizeof(err)) != 0)
		fz_fail("compose_from_json does not read back compose_to_json: %s", err);
	json2 = compose_to_json(back);
	if (json2 == NULL || strcmp(json, json2) != 0)
		fz_fail("compose_to_json differs after the round trip");
	order = calloc(st->nservices + 1, sizeof(*order));
	if (order == NULL)
		abort();
	err[0] = '\0';
	if (compose_start_order(st, order, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			fz_fail("compose_start_order failed without a message");
	} else {
		for (size_t i = 0; i < st->nservices; i++)
			if (order[i] >= st->nservices)
				fz_fail("compose_start_order: index %zu out of range", order[i]);
	}
	free(order);
	free(json2);
	free(json);
	compose_free(back);
	compose_free(st);
	return 0;
}
