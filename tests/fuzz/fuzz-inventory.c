/* fuzz-inventory: the inventory file (backend/engine/inventory.c).
 *
 * The input is written to a file and loaded with inventory_load.  Checked:
 * a load either fails with a message or gives at least one node, each with
 * a name and an endpoint; a node selector taken from the input's first line
 * parses or fails with a message, and filtering the loaded nodes with it
 * keeps exactly those it matches. */
#include "backend/engine/inventory.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_write_file("inventory.yaml", data, size);
	struct inventory *inv = NULL;
	struct inv_selector *sel = NULL;
	char err[512], *first, *nl;

	err[0] = '\0';
	if (inventory_load(path, &inv, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			fz_fail("inventory_load failed without a message");
		return 0;
	}
	if (inv == NULL || inv->nnodes == 0)
		fz_fail("inventory_load: success without a node");
	for (size_t i = 0; i < inv->nnodes; i++)
		if (inv->nodes[i].name == NULL || inv->nodes[i].name[0] == '\0' ||
		    inv->nodes[i].endpoint == NULL || inv->nodes[i].endpoint[0] == '\0')
			fz_fail("inventory_load: node %zu without a name or endpoint", i);
	first = fz_strdup(data, size);
	if ((nl = strchr(first, '\n')) != NULL)
		*nl = '\0';
	err[0] = '\0';
	if (inventory_selector_parse(first + (first[0] == '#'), &sel, err, sizeof(err)) == 0) {
		size_t match = 0;

		for (size_t i = 0; i < inv->nnodes; i++)
			match += inventory_selector_match(sel, &inv->nodes[i]) != 0;
		if (inventory_filter(inv, sel) != match || inv->nnodes != match)
			fz_fail("inventory_filter kept other nodes than the selector matches");
		inventory_selector_free(sel);
	} else if (err[0] == '\0') {
		fz_fail("inventory_selector_parse failed without a message");
	}
	free(first);
	inventory_free(inv);
	return 0;
}
