/* fuzz-replies: Engine API replies applied to the live model
 * (backend/engine/fleet.c): a container list, then inspects, stats, /info,
 * the watched container's inspect and /events lines, as the io thread
 * applies them, then a snapshot.
 *
 * Input: parts separated by a NUL byte; the first is the container list,
 * each next one starts with a byte that says what it is (inspect, stats,
 * info, details, an event line) and of which listed container.  Checked:
 * the model never holds more containers than its cap, the snapshot agrees
 * with itself on how many, and its strings are terminated (they stay
 * untrusted text: the sanitiser is fuzzed at the way out, fuzz-sanitize). */
#include "backend/engine/fleet.h"
#include "backend/engine/inventory.h"
#include "tests/fuzz/fuzz.h"

#define FZ_MAX 8

static struct fleet *fz_fleet;

/* The fleet of one node that never connects, made once and reused: the
 * model carries over from input to input as a node's does over time. */
static struct fleet *
fz_get_fleet(void)
{
	static struct inv_node in = { .name = (char *)"n1", .endpoint = (char *)"tcp://127.0.0.1:9" };

	if (fz_fleet == NULL) {
		struct inventory inv = { .nodes = &in, .nnodes = 1 };
		struct fleet_config cfg = { .max_containers = FZ_MAX };

		fz_fleet = fleet_new(&inv, &cfg);
		if (fz_fleet == NULL)
			abort();
	}
	return fz_fleet;
}

/* A field of SIZE bytes is terminated. */
static void
fz_term(const char *what, const char *f, size_t size)
{
	if (f == NULL || strnlen(f, size) >= size)
		fz_fail("snapshot: %s not terminated within its cap", what);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { "inspect", "stats", "info", "details" };
	struct fleet *f = fz_get_fleet();
	struct pd_snapshot *s;
	char *all = fz_strdup(data, size), ids[FZ_MAX][PD_ID_LEN];
	size_t nids = 0, off, len;

	/* The list, always with something to fuzz the rest against. */
	len = strlen(all);
	fleet_test_apply_list(f, 0, all, len);
	s = fleet_snapshot(f);
	if (s == NULL)
		abort();
	if (s->nnodes != 1 || s->nodes[0].ncontainers > FZ_MAX)
		fz_fail("the model holds %zu containers, cap %d", s->nnodes ? s->nodes[0].ncontainers :
		    0, FZ_MAX);
	for (size_t i = 0; i < s->nodes[0].ncontainers && nids < FZ_MAX; i++)
		snprintf(ids[nids++], PD_ID_LEN, "%s",
		    s->containers[s->nodes[0].first_container + i].id);
	pd_snapshot_free(s);
	for (off = len + 1; off < size; off += len + 1) {
		const char *part = all + off;
		unsigned char sel = (unsigned char)part[0];
		const char *id = nids > 0 ? ids[(sel >> 3) % nids] : "none";

		len = strlen(part);
		if (len == 0)
			continue;
		if ((sel & 7) < 4)
			fleet_test_reply(f, 0, kinds[sel & 7], id, part + 1, len - 1);
		else
			fleet_test_event(f, 0, part + 1);
	}
	s = fleet_snapshot(f);
	if (s == NULL)
		abort();
	if (s->nodes[0].ncontainers > FZ_MAX)
		fz_fail("the model holds %zu containers, cap %d", s->nodes[0].ncontainers, FZ_MAX);
	if (s->ncontainers != s->nodes[0].ncontainers)
		fz_fail("snapshot: %zu containers, the node says %zu", s->ncontainers,
		    s->nodes[0].ncontainers);
	for (size_t i = 0; i < s->ncontainers; i++) {
		const struct pd_container *c = &s->containers[i];

		fz_term("id", c->id, PD_ID_LEN);
		fz_term("name", c->name, PD_NAME_LEN);
		fz_term("image", c->image, PD_IMAGE_LEN);
		fz_term("state", c->state, sizeof(c->state));
		fz_term("ports", c->ports, PD_PORTS_LEN);
		fz_term("networks", c->networks, PD_NAME_LEN);
		fz_term("stack", c->stack, PD_NAME_LEN);
	}
	pd_snapshot_free(s);
	free(all);
	return 0;
}
