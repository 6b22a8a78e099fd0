/* fuzz-swarm: a Swarm manager's replies (backend/engine/swarm.c): /info,
 * /nodes, /services, /tasks, and swarm_link over what they gave.
 *
 * Input: up to three parts separated by NUL bytes, read as the nodes,
 * services and tasks lists (the first is read as /info too).  Checked: a
 * list fails with a message or gives at most SWARM_MAX_ITEMS entries;
 * services come sorted by name; after swarm_link a task names a service
 * only when a listed service has its service id and that name, and
 * services' counts are -1 or more. */
#include "backend/engine/swarm.h"
#include "tests/fuzz/fuzz.h"

/* Part K of the input (NUL-separated; "" past the last). */
static const char *
fz_part(const char *all, size_t size, int k, size_t *len)
{
	size_t off = 0;

	for (int i = 0; i < k; i++) {
		off += strlen(all + off) + 1;
		if (off > size) {
			*len = 0;
			return "";
		}
	}
	*len = strlen(all + off);
	return all + off;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *all = fz_strdup(data, size), err[256];
	struct pd_swarm_node *nodes = NULL;
	struct pd_swarm_service *svcs = NULL;
	struct pd_swarm_task *tasks = NULL;
	size_t nn = 0, ns = 0, nt = 0, len;
	struct swarm_info si;
	const char *p;

	p = fz_part(all, size, 0, &len);
	swarm_parse_info(p, len, &si);
	err[0] = '\0';
	if (swarm_parse_nodes(p, len, &nodes, &nn, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			fz_fail("swarm_parse_nodes failed without a message");
		nodes = NULL;
		nn = 0;
	}
	p = fz_part(all, size, 1, &len);
	err[0] = '\0';
	if (swarm_parse_services(p, len, &svcs, &ns, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			fz_fail("swarm_parse_services failed without a message");
		svcs = NULL;
		ns = 0;
	}
	p = fz_part(all, size, 2, &len);
	err[0] = '\0';
	if (swarm_parse_tasks(p, len, &tasks, &nt, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			fz_fail("swarm_parse_tasks failed without a message");
		tasks = NULL;
		nt = 0;
	}
	if (nn > SWARM_MAX_ITEMS || ns > SWARM_MAX_ITEMS || nt > SWARM_MAX_ITEMS)
		fz_fail("swarm lists of %zu, %zu, %zu entries", nn, ns, nt);
	for (size_t i = 1; i < ns; i++)
		if (strcmp(svcs[i - 1].name, svcs[i].name) > 0)
			fz_fail("swarm_parse_services: not sorted by name");
	swarm_link(nodes, nn, svcs, ns, tasks, nt);
	for (size_t i = 0; i < nt; i++) {
		int found = tasks[i].service[0] == '\0';

		for (size_t k = 0; k < ns && !found; k++)
			found = strcmp(svcs[k].id, tasks[i].service_id) == 0 &&
			    strcmp(svcs[k].name, tasks[i].service) == 0;
		if (!found)
			fz_fail("swarm_link: task %zu names service '%s' that is not listed", i,
			    tasks[i].service);
	}
	for (size_t k = 0; k < ns; k++)
		if (svcs[k].desired < -1 || svcs[k].running < -1)
			fz_fail("swarm_link: service counts %d/%d", svcs[k].running, svcs[k].desired);
	free(nodes);
	free(svcs);
	free(tasks);
	free(all);
	return 0;
}
