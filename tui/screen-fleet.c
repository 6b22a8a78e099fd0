/* screen-fleet.c: the fleet screen, every node at a glance.
 *
 * A table (one line per node: state, when it last answered, containers
 * running, unhealthy and restarting, CPU and memory bars, then as width
 * allows memory in bytes, engine and stacks, Swarm role, labels) or a grid
 * of tiles, filtered, sorted (s, r; the sorted column's header carries
 * the indicator), and grouped by a label ("line" when the first node has
 * one; b takes the next).  The kiosk's tiles scale to the screen: the
 * grid is chosen to show every state word the largest, drawn in a small
 * block font of its own, so that it reads from across a shop floor; when
 * even small tiles do not all fit, the kiosk shows the small ones of t.
 * A node a running deploy works on carries a mark.  Enter opens the node
 * screen on the selected node. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui-internal.h"

#define TILE_W 12
#define TILE_H 2

/* What the fleet table is sorted by (within each group). */
enum fleet_sort { FS_INVENTORY, FS_NAME, FS_STATE, FS_CPU, FS_MEM, FS_RESTARTS, FS_COUNT };

/* The fleet screen's own state. */
static struct {
	int tiles;                      /* tile grid instead of table */
	char group_key[PD_LABEL_LEN];   /* group by this label, "" none */
	enum fleet_sort sort;           /* s: the next one */
	int rev;                        /* r: reversed */
} fleet;

/* Per-node figures the fleet shows. */
struct node_sum {
	int unhealthy, restarting;
	double cpu;         /* % of the node's CPUs */
	double mem;         /* fraction of the node's memory */
};

/* Sum NODE's containers. */
static struct node_sum
node_sum(const struct pd_snapshot *s, const struct pd_node *n)
{
	struct node_sum r = { 0 };
	uint64_t mem = 0;
	double cpu = 0;

	for (size_t k = 0; k < n->ncontainers; k++) {
		const struct pd_container *c = &s->containers[n->first_container + k];

		r.unhealthy += c->health == PD_HEALTH_UNHEALTHY;
		r.restarting += strcmp(c->state, "restarting") == 0;
		if (c->cpu_pct > 0)
			cpu += c->cpu_pct;
		mem += c->mem_usage;
	}
	r.cpu = n->ncpu > 0 ? cpu / n->ncpu : cpu;
	r.mem = n->mem_total > 0 ? (double)mem / (double)n->mem_total : 0;
	return r;
}

/* The stacks of N's containers, each once, joined with ',' into OUT. */
static void
node_stacks(const struct pd_snapshot *s, const struct pd_node *n, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t k = 0; k < n->ncontainers; k++) {
		const char *st = s->containers[n->first_container + k].stack;
		int seen = st[0] == '\0';

		for (size_t j = 0; j < k && !seen; j++)
			seen = strcmp(s->containers[n->first_container + j].stack, st) == 0;
		if (!seen && used + strlen(st) + 2 < len)
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? "," : "", st);
	}
}

/* The node's value of label KEY, or "". */
static const char *
node_label(const struct pd_node *n, const char *key)
{
	for (int i = 0; i < n->nlabels; i++)
		if (strcmp(n->labels[i].key, key) == 0)
			return n->labels[i].value;
	return "";
}

/* Whether node N passes the fleet filter F (name, endpoint, state, labels). */
static int
node_matches(const struct pd_node *n, const char *f)
{
	if (tui_has(n->name, f) || tui_has(n->endpoint, f) || tui_has(pd_reach_name(n->reach), f))
		return 1;
	for (int i = 0; i < n->nlabels; i++) {
		char kv[2 * PD_LABEL_LEN + 2];

		snprintf(kv, sizeof(kv), "%s=%s", n->labels[i].key, n->labels[i].value);
		if (tui_has(kv, f))
			return 1;
	}
	return 0;
}

/* The level of a node's tile or state cell (0 ok, 1 warn, 2 stale, 3
 * crit): its reach, then the alarms of its containers (tui-alarms.c). */
static int
node_level(const struct tui *t, const struct pd_node *n)
{
	int worst;

	if (n->reach == PD_REACH_DOWN)
		return 3;
	if (n->reach != PD_REACH_UP)
		return 2;
	worst = tui_alarms_of_node(t, n->name);
	if (worst == PD_ALARM_OOM)
		return 3;
	return worst >= 0 ? 1 : 0;
}

/* The cockpit fleet_cmp() sorts for, while qsort() runs. */
static const struct tui *sort_t;

/* qsort comparator of node indexes for the fleet table: by fleet.sort,
 * the worst state and the largest figures first, then inventory order. */
static int
fleet_cmp(const void *a, const void *b)
{
	int i = *(const int *)a, j = *(const int *)b, r = 0;
	const struct pd_snapshot *s = sort_t->snap;
	const struct pd_node *x = &s->nodes[i], *y = &s->nodes[j];
	struct node_sum sx = node_sum(s, x), sy = node_sum(s, y);

	switch (fleet.sort) {
	case FS_NAME: r = strcmp(x->name, y->name); break;
	case FS_STATE: r = node_level(sort_t, y) - node_level(sort_t, x); break;
	case FS_CPU: r = (sx.cpu < sy.cpu) - (sx.cpu > sy.cpu); break;
	case FS_MEM: r = (sx.mem < sy.mem) - (sx.mem > sy.mem); break;
	case FS_RESTARTS: r = sy.restarting - sx.restarting; break;
	default: break;
	}
	if (fleet.rev)
		r = -r;
	return r != 0 ? r : i - j;
}

/* Node indexes in display order (filtered, sorted, grouped); returns the count. */
static int
fleet_order(struct tui *t, int *order)
{
	const struct pd_snapshot *s = t->snap;
	int n = 0;

	for (size_t i = 0; i < s->nnodes; i++)
		if (node_matches(&s->nodes[i], t->filter[TV_FLEET]))
			order[n++] = (int)i;
	if (fleet.sort != FS_INVENTORY) {
		sort_t = t;
		qsort(order, (size_t)n, sizeof(*order), fleet_cmp);
	}
	if (fleet.group_key[0] != '\0') {
		/* A stable insertion sort by the group label keeps inventory order. */
		for (int i = 1; i < n; i++) {
			int v = order[i], j = i;

			while (j > 0 && strcmp(node_label(&s->nodes[order[j - 1]], fleet.group_key),
			    node_label(&s->nodes[v], fleet.group_key)) > 0) {
				order[j] = order[j - 1];
				j--;
			}
			order[j] = v;
		}
	}
	return n;
}

/* A group header line. */
static void
draw_group(struct tui *t, int y, const char *value, int count, int down)
{
	char line[256];

	snprintf(line, sizeof(line), " %s %s  (%d node%s%s)", fleet.group_key,
	    value[0] ? value : "(none)", count, count == 1 ? "" : "s",
	    down ? ", some down" : "");
	tui_hline(t, y, 0, t->cols, theme_attr(TH_BORDER));
	tui_put_untrusted(t, y, 2, (int)strlen(line) + 2 < t->cols - 2 ?
	    (int)strlen(line) + 1 : t->cols - 2, theme_attr(TH_GROUP), line);
}

/* The fleet as a table. */
static void
draw_fleet_table(struct tui *t, int top, int rows, const int *order, int n)
{
	const struct pd_snapshot *s = t->snap;
	struct tui_list *l = &t->list[TV_FLEET];
	char buf[128];
	const char *prev = NULL;
	int y = top + 1, x;

	int memw = t->cols >= 120 ? 22 : 0, stw = t->cols >= 150 ? 25 : 0, xl = 67 + memw + stw;
	int ttl = theme_attr(TH_TITLE), dir = fleet.rev ? -1 : 1;

	/* At 80 columns the fixed ones; MEMORY in bytes and ENGINE from 120,
	 * STACKS from 150; the sorted one's header carries the indicator. */
	tui_fill(top, 0, t->cols, ttl);
	tui_head(t, top, 1, 14, ttl, "NODE", fleet.sort == FS_NAME ? dir : 0);
	tui_head(t, top, 16, 7, ttl, "STATE", fleet.sort == FS_STATE ? -dir : 0);
	tui_put(t, top, 23, 6, ttl, "SEEN");
	tui_put(t, top, 29, 8, ttl, "RUN/ALL");
	tui_put(t, top, 37, 4, ttl, "UNH");
	tui_head(t, top, 41, 5, ttl, "RST", fleet.sort == FS_RESTARTS ? -dir : 0);
	tui_head(t, top, 46, 11, ttl, "CPU", fleet.sort == FS_CPU ? -dir : 0);
	tui_head(t, top, 57, 10, ttl, "MEM", fleet.sort == FS_MEM ? -dir : 0);
	if (memw > 0) {
		tui_put(t, top, 67, 12, ttl, "MEMORY");
		tui_put(t, top, 79, 10, ttl, "ENGINE");
	}
	if (stw > 0)
		tui_put(t, top, 67 + memw, stw, ttl, "STACKS");
	tui_put(t, top, xl, t->cols - xl, ttl, "LABELS");
	t->page_rows = rows - 1;
	tui_list_clamp(l, n, rows - 1 - (fleet.group_key[0] ? 3 : 0));
	for (int i = l->top; i < n && y < top + rows; i++) {
		const struct pd_node *nd = &s->nodes[order[i]];
		struct node_sum sum = node_sum(s, nd);
		int level = node_level(t, nd), sel = i == l->sel;
		int base = sel ? theme_attr(TH_SELECTION) : theme_attr(TH_NORMAL);
		static const enum theme_elem lv[] = { TH_OK, TH_WARN, TH_STALE, TH_CRIT };

		if (fleet.group_key[0] != '\0') {
			const char *g = node_label(nd, fleet.group_key);

			if (prev == NULL || strcmp(prev, g) != 0) {
				int cnt = 0, down = 0;

				for (int k = 0; k < n; k++)
					if (strcmp(node_label(&s->nodes[order[k]], fleet.group_key), g) == 0) {
						cnt++;
						down |= s->nodes[order[k]].reach != PD_REACH_UP;
					}
				draw_group(t, y++, g, cnt, down);
				prev = g;
				if (y >= top + rows)
					break;
			}
		}
		tui_fill(y, 0, t->cols, base);
		if (tui_deploys_busy(t, nd->name))  /* a running deploy changes it now */
			tui_put(t, y, 0, 1, sel ? base : theme_attr(TH_DEPLOY), t->utf8 ? "\u00bb" : "*");
		tui_put_untrusted(t, y, 1, 14, base, nd->name);
		/* Selected, an alarmed node keeps its colour: the selection never hides an alarm. */
		tui_put(t, y, 16, 7, sel && (level == 0 || level == 2) ? base : theme_attr(lv[level]),
		    pd_reach_name(nd->reach));
		pd_format_age(buf, sizeof(buf), s->taken, nd->last_seen);
		tui_put(t, y, 23, 5, base, buf);
		snprintf(buf, sizeof(buf), "%3d/%-3d", nd->running, nd->total);
		tui_put(t, y, 29, 7, base, buf);
		snprintf(buf, sizeof(buf), "%3d", sum.unhealthy);
		tui_put(t, y, 37, 3, sum.unhealthy ? theme_attr(TH_WARN) : base, buf);
		snprintf(buf, sizeof(buf), "%3d", sum.restarting);
		tui_put(t, y, 41, 3, sum.restarting ? theme_attr(TH_WARN) : base, buf);
		snprintf(buf, sizeof(buf), "%3.0f%%", sum.cpu);
		tui_put(t, y, 45, 4, base, buf);
		tui_bar(t, y, 50, 5, sum.cpu / 100.0, theme_attr(sum.cpu > 80 ? TH_BAR_CRIT :
		    sum.cpu > 50 ? TH_BAR_WARN : TH_BAR_OK), theme_attr(TH_BAR_EMPTY));
		snprintf(buf, sizeof(buf), "%3.0f%%", sum.mem * 100);
		tui_put(t, y, 56, 4, base, buf);
		tui_bar(t, y, 61, 5, sum.mem, theme_attr(sum.mem > 0.9 ? TH_BAR_CRIT :
		    sum.mem > 0.7 ? TH_BAR_WARN : TH_BAR_OK), theme_attr(TH_BAR_EMPTY));
		if (memw > 0) {
			char total[16];

			pd_format_bytes(buf, sizeof(buf), (uint64_t)(sum.mem * (double)nd->mem_total));
			pd_format_bytes(total, sizeof(total), nd->mem_total);
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%s", total);
			tui_put(t, y, 67, 11, base, nd->mem_total ? buf : "-");
			tui_put_untrusted(t, y, 79, 9, base, nd->engine_version[0] ? nd->engine_version : "-");
		}
		if (stw > 0) {
			node_stacks(s, nd, buf, sizeof(buf));
			tui_put_untrusted(t, y, 67 + memw, stw - 1, base, buf[0] ? buf : "-");
		}
		x = xl;
		if (nd->swarm_role[0] != '\0' && x < t->cols - 1) {
			/* Its Docker Swarm role: [M] or [W], with what the swarm says when
			 * it is not simply ready and active ("[W drain]"). */
			int odd = (nd->swarm_state[0] != '\0' && strcmp(nd->swarm_state, "ready") != 0) ||
			    (nd->swarm_availability[0] != '\0' &&
			    strcmp(nd->swarm_availability, "active") != 0);

			snprintf(buf, sizeof(buf), "[%s%s%s]",
			    strcmp(nd->swarm_role, "manager") == 0 ? "M" : "W", odd ? " " : "",
			    !odd ? "" : strcmp(nd->swarm_state, "ready") != 0 ? nd->swarm_state :
			    nd->swarm_availability);
			tui_put_untrusted(t, y, x, t->cols - x, sel || !odd ? base : theme_attr(TH_WARN),
			    buf);
			x += (int)strlen(buf) + 1;
		}
		for (int k = 0; k < nd->nlabels && x < t->cols - 1; k++) {
			snprintf(buf, sizeof(buf), "%s=%s", nd->labels[k].key, nd->labels[k].value);
			tui_put_untrusted(t, y, x, t->cols - x, base, buf);
			x += (int)strlen(buf) + 1;
		}
		tui_hit_add(t, y, 0, 1, t->cols, i);
		y++;
	}
}

/* The words of the kiosk's large tiles in a block font five pixel rows
 * high: only the letters and digits the tiles say (OK, WARN, DOWN, STALE,
 * OOM, RST, UNH and a count, "..."). */
static const struct glyph {
	char ch;
	const char *row[5];
} big_font[] = {
	{ 'A', { " ## ", "#  #", "####", "#  #", "#  #" } },
	{ 'D', { "### ", "#  #", "#  #", "#  #", "### " } },
	{ 'E', { "####", "#   ", "### ", "#   ", "####" } },
	{ 'H', { "#  #", "#  #", "####", "#  #", "#  #" } },
	{ 'K', { "#  #", "# # ", "##  ", "# # ", "#  #" } },
	{ 'L', { "#   ", "#   ", "#   ", "#   ", "####" } },
	{ 'M', { "#   #", "## ##", "# # #", "#   #", "#   #" } },
	{ 'N', { "#  #", "## #", "# ##", "#  #", "#  #" } },
	{ 'O', { " ## ", "#  #", "#  #", "#  #", " ## " } },
	{ 'R', { "### ", "#  #", "### ", "# # ", "#  #" } },
	{ 'S', { " ###", "#   ", " ## ", "   #", "### " } },
	{ 'T', { "###", " # ", " # ", " # ", " # " } },
	{ 'U', { "#  #", "#  #", "#  #", "#  #", " ## " } },
	{ 'W', { "#   #", "#   #", "# # #", "## ##", "#   #" } },
	{ '0', { " ## ", "# ##", "## #", "#  #", " ## " } },
	{ '1', { " # ", "## ", " # ", " # ", "###" } },
	{ '2', { "### ", "   #", " ## ", "#   ", "####" } },
	{ '3', { "### ", "   #", " ## ", "   #", "### " } },
	{ '4', { "#  #", "#  #", "####", "   #", "   #" } },
	{ '5', { "####", "#   ", "### ", "   #", "### " } },
	{ '6', { " ## ", "#   ", "### ", "#  #", " ## " } },
	{ '7', { "####", "   #", "  # ", " #  ", " #  " } },
	{ '8', { " ## ", "#  #", " ## ", "#  #", " ## " } },
	{ '9', { " ## ", "#  #", " ###", "   #", " ## " } },
	{ '.', { " ", " ", " ", " ", "#" } },
};

/* How large a word is drawn in a tile: KY text rows and KX columns per
 * pixel; KY 0 with KX > 0: three rows of half blocks (UTF-8 only); KX 0:
 * plain text. */
struct big_size {
	int ky, kx;
};

/* The glyph of C, or NULL. */
static const struct glyph *
big_glyph(char c)
{
	for (size_t i = 0; i < sizeof(big_font) / sizeof(big_font[0]); i++)
		if (big_font[i].ch == c)
			return &big_font[i];
	return NULL;
}

/* WORD's width in pixels (a blank pixel between glyphs); -1 when the font
 * lacks one of its letters. */
static int
big_pixels(const char *word)
{
	int w = 0;

	for (const char *p = word; *p != '\0'; p++) {
		const struct glyph *g = big_glyph(*p);

		if (g == NULL)
			return -1;
		w += (int)strlen(g->row[0]) + (p != word);
	}
	return w;
}

/* The largest size WORD fits in, W columns by H rows (a name line above
 * and a detail line below it); how good it is, from 0 (not even the plain
 * word fits) up, in *SCORE. */
static struct big_size
big_fit(const struct tui *t, const char *word, int w, int h, int *score)
{
	int px = big_pixels(word), rows = h - 2, cols = w - 2;

	if (px > 0) {
		for (int ky = rows / 5 > 8 ? 8 : rows / 5; ky >= 1; ky--)
			for (int kx = 2 * ky; kx >= ky; kx--)
				if (px * kx <= cols) {
					*score = ky * 32 + kx;
					return (struct big_size){ ky, kx };
				}
		for (int kx = 2; t->utf8 && rows >= 3 && kx >= 1; kx--)
			if (px * kx <= cols) {
				*score = 16 + kx;
				return (struct big_size){ 0, kx };
			}
	}
	*score = w >= (int)strlen(word) && h >= 2;
	return (struct big_size){ 0, 0 };
}

/* Draw WORD at Y,X in size Z: pixels as full blocks ('#' in ASCII), or in
 * half blocks, KX columns wide. */
static void
big_draw(struct tui *t, int y, int x, struct big_size z, int attr, const char *word)
{
	int rows = z.ky > 0 ? 5 * z.ky : 3;

	for (int r = 0; r < rows; r++) {
		int cx = x;

		for (const char *p = word; *p != '\0'; p++) {
			const struct glyph *g = big_glyph(*p);
			int gw;

			if (g == NULL)          /* not in the font: big_fit() never chooses it */
				continue;
			gw = (int)strlen(g->row[0]);

			for (int c = 0; c < gw; c++) {
				const char *cell;

				if (z.ky > 0) {
					cell = g->row[r / z.ky][c] == '#' ? (t->utf8 ? "\u2588" : "#") : " ";
				} else {
					int top = g->row[2 * r][c] == '#';
					int bot = 2 * r + 1 < 5 && g->row[2 * r + 1][c] == '#';

					cell = top && bot ? "\u2588" : top ? "\u2580" : bot ? "\u2584" : " ";
				}
				for (int k = 0; k < z.kx; k++)
					tui_put(t, y + r, cx + c * z.kx + k, 1, attr, cell);
			}
			cx += (gw + 1) * z.kx;
		}
	}
}

/* A tile's state word and detail line: SMALL for today's small tiles
 * ("UNH2", "3/4 r2"), else for the kiosk's large ones ("UNH", "3/4
 * running  2 unhealthy"). */
static void
tile_text(const struct tui *t, const struct pd_node *nd, int small, char *word, size_t wlen,
    char *detail, size_t dlen)
{
	struct node_sum sum = node_sum(t->snap, nd);
	int worst = tui_alarms_of_node(t, nd->name), level = node_level(t, nd);
	char age[16];
	size_t k;

	if (nd->reach == PD_REACH_DOWN)
		snprintf(word, wlen, "DOWN");
	else if (nd->reach == PD_REACH_STALE)
		snprintf(word, wlen, "STALE");
	else if (nd->reach == PD_REACH_CONNECTING)
		snprintf(word, wlen, "...");
	else if (worst == PD_ALARM_OOM)
		snprintf(word, wlen, "OOM");
	else if (worst == PD_ALARM_RESTARTING)
		snprintf(word, wlen, "RST");
	else if (sum.unhealthy && small)
		snprintf(word, wlen, "UNH%d", sum.unhealthy);
	else if (sum.unhealthy)
		snprintf(word, wlen, "UNH");
	else
		snprintf(word, wlen, level ? "WARN" : small ? "ok" : "OK");
	if (nd->reach != PD_REACH_UP) {
		pd_format_age(age, sizeof(age), t->snap->taken, nd->last_seen);
		if (small || nd->last_seen == 0)
			snprintf(detail, dlen, "%s", small ? age : "never answered");
		else
			snprintf(detail, dlen, "last answer %s ago", age);
		return;
	}
	snprintf(detail, dlen, small ? "%d/%d" : "%d/%d running", nd->running, nd->total);
	k = strlen(detail);
	if (sum.unhealthy && !small)
		k += (size_t)snprintf(detail + k, dlen - k, "  %d unhealthy", sum.unhealthy);
	if (sum.restarting && k < dlen)
		k += (size_t)snprintf(detail + k, dlen - k, small ? " r%d" : "  %d restarting",
		    sum.restarting);
	if (worst == PD_ALARM_OOM && (!small || strcmp(word, "OOM") != 0) && k < dlen)
		snprintf(detail + k, dlen - k, small ? " oom" : "  OOM killed");
}

/* The kiosk's tiles, as large as the screen allows: the grid with the
 * fewest columns whose tiles show every node's state word the largest, all
 * in one size
 * (a blank column and line between tiles, a line above each group).  0
 * when even small tiles would not all fit: today's tiles scroll then. */
static int
draw_kiosk_tiles(struct tui *t, int top, int rows, const int *order, int n)
{
	const struct pd_snapshot *s = t->snap;
	static const enum theme_elem tl[] = { TH_TILE_OK, TH_TILE_WARN, TH_TILE_STALE, TH_TILE_CRIT };
	int best_nc = 0, best_score = 0, best_area = 0, tw = 0, th = 0, y = top, col = 0;
	struct big_size z = { 0, 0 };
	const char *prev = NULL;
	char word[16], detail[128], longest[16] = "";

	/* The widest word decides the size of all. */
	for (int i = 0; i < n; i++) {
		tile_text(t, &s->nodes[order[i]], 0, word, sizeof(word), detail, sizeof(detail));
		if (big_pixels(word) > big_pixels(longest))
			snprintf(longest, sizeof(longest), "%s", word);
	}
	for (int nc = 1; nc <= n; nc++) {
		int w = (t->cols - (nc - 1)) / nc, groups = 0, tile_rows = 0, h, score;
		struct big_size zi;

		if (w < TILE_W)
			break;
		/* Tile rows: each group starts a row of its own. */
		for (int i = 0, in_group = 0; i < n; i++) {
			const char *g = fleet.group_key[0] ? node_label(&s->nodes[order[i]], fleet.group_key) : "";

			if (i == 0 || (fleet.group_key[0] && strcmp(g, node_label(&s->nodes[order[i - 1]],
			    fleet.group_key)) != 0)) {
				groups += fleet.group_key[0] != '\0';
				in_group = 0;
			}
			tile_rows += in_group++ % nc == 0;
		}
		h = (rows - groups - (tile_rows - 1)) / tile_rows;
		if (h < TILE_H)
			continue;
		zi = big_fit(t, longest, w, h, &score);
		if (score > best_score || (score == best_score && (w < 2 * h ? w : 2 * h) > best_area)) {
			best_nc = nc, best_score = score, best_area = w < 2 * h ? w : 2 * h;
			tw = w, th = h, z = zi;
		}
	}
	if (best_nc == 0 || best_score == 0)
		return 0;
	t->page_rows = best_nc;
	tui_list_clamp(&t->list[TV_FLEET], n, n);
	t->list[TV_FLEET].top = 0;
	for (int i = 0; i < n; i++) {
		const struct pd_node *nd = &s->nodes[order[i]];
		const char *g = fleet.group_key[0] ? node_label(nd, fleet.group_key) : "";
		int attr = theme_attr(tl[node_level(t, nd)]), x;

		if (fleet.group_key[0] && (prev == NULL || strcmp(prev, g) != 0)) {
			int cnt = 0, down = 0;

			if (col != 0)
				y += th + 1;
			col = 0;
			for (int k = 0; k < n; k++)
				if (strcmp(node_label(&s->nodes[order[k]], fleet.group_key), g) == 0) {
					cnt++;
					down |= s->nodes[order[k]].reach != PD_REACH_UP;
				}
			draw_group(t, y++, g, cnt, down);
			prev = g;
		}
		x = col * (tw + 1);
		tile_text(t, nd, th < 3, word, sizeof(word), detail, sizeof(detail));
		/* Every word in the size of the longest: a calm wall, no word
		 * larger than an alarm. */
		if ((int)strlen(detail) > tw - 2) {
			char w2[16];

			tile_text(t, nd, 1, w2, sizeof(w2), detail, sizeof(detail));
		}
		for (int r = 0; r < th; r++)
			tui_fill(y + r, x, tw, attr);
		/* The name on top, the detail at the bottom, the word between them. */
		tui_put_untrusted(t, y, x + 1, tw - 2, attr | A_BOLD, nd->name);
		if (th < 3) {
			char line[160];

			snprintf(line, sizeof(line), "%-*s%*s", (int)strlen(word) + 1, word,
			    tw - 2 - (int)strlen(word) - 1, detail);
			tui_put(t, y + 1, x + 1, tw - 2, attr, line);
		} else {
			int wh = z.ky > 0 ? 5 * z.ky : z.kx > 0 ? 3 : 1;
			int ww = z.kx > 0 ? big_pixels(word) * z.kx : (int)strlen(word);
			int wy = y + 1 + (th - 2 - wh) / 2, wx = x + (tw - ww) / 2;

			if (z.kx > 0)
				big_draw(t, wy, wx, z, attr, word);
			else
				tui_put(t, wy, wx, ww, attr | A_BOLD, word);
			tui_put_untrusted(t, y + th - 1, x + 1, tw - 2, attr, detail);
		}
		if (tui_deploys_busy(t, nd->name))
			tui_put(t, y, x + tw - 1, 1, theme_attr(TH_DEPLOY) | A_REVERSE,
			    t->utf8 ? "\u00bb" : "*");
		tui_hit_add(t, y, x, th, tw, i);
		if (++col == best_nc) {
			col = 0;
			y += th + 1;
		}
	}
	return 1;
}

/* The fleet as tiles: TILE_W x TILE_H each, a blank line between rows. */
static void
draw_fleet_tiles(struct tui *t, int top, int rows, const int *order, int n)
{
	const struct pd_snapshot *s = t->snap;
	struct tui_list *l = &t->list[TV_FLEET];
	static const enum theme_elem tl[] = { TH_TILE_OK, TH_TILE_WARN, TH_TILE_STALE, TH_TILE_CRIT };
	int per_row = (t->cols + 1) / (TILE_W + 1), y = top, col = 0;
	const char *prev = NULL;
	char l1[96], l2[64], age[16];

	if (t->opts->kiosk && draw_kiosk_tiles(t, top, rows, order, n))
		return;
	if (per_row < 1)
		per_row = 1;
	t->page_rows = per_row;
	tui_list_clamp(l, n, n);
	/* Scroll by whole tile rows so that the selection is on screen. */
	{
		int lines_needed = 0, start = 0;

		for (int i = 0; i <= l->sel && i < n; i++) {
			const char *g = fleet.group_key[0] ? node_label(&s->nodes[order[i]], fleet.group_key) : "";

			if (fleet.group_key[0] && (i == 0 || strcmp(g, node_label(&s->nodes[order[i - 1]],
			    fleet.group_key)) != 0)) {
				lines_needed += (col != 0) ? TILE_H + 1 : 0;
				lines_needed += 1;
				col = 0;
			}
			if (col == 0)
				lines_needed += TILE_H + 1;
			if (lines_needed > rows) {
				start = i - col;
				lines_needed = TILE_H + 1;
			}
			col = (col + 1) % per_row;
		}
		l->top = start;
		col = 0;
	}
	for (int i = l->top; i < n; i++) {
		const struct pd_node *nd = &s->nodes[order[i]];
		int level = node_level(t, nd), attr, attr2, x;
		/* No selection on a kiosk (no key moves it); selected, an alarmed tile
		 * keeps its colour on the state line: the selection never hides an alarm. */
		int sel = i == l->sel && !t->opts->kiosk;
		const char *g = fleet.group_key[0] ? node_label(nd, fleet.group_key) : "";

		if (fleet.group_key[0] && (prev == NULL || strcmp(prev, g) != 0)) {
			int cnt = 0, down = 0;

			if (col != 0)
				y += TILE_H + 1;
			col = 0;
			if (y >= top + rows)
				break;
			for (int k = 0; k < n; k++)
				if (strcmp(node_label(&s->nodes[order[k]], fleet.group_key), g) == 0) {
					cnt++;
					down |= s->nodes[order[k]].reach != PD_REACH_UP;
				}
			draw_group(t, y++, g, cnt, down);
			prev = g;
		}
		if (y + TILE_H > top + rows)
			break;
		x = col * (TILE_W + 1);
		attr = theme_attr(sel ? TH_TILE_SELECTED : tl[level]);
		attr2 = theme_attr(sel && level == 0 ? TH_TILE_SELECTED : tl[level]);
		tile_text(t, nd, 1, age, sizeof(age), l2, sizeof(l2));
		/* Line 1: the name; line 2: the state word, then the counts or the age. */
		tui_fill(y, x, TILE_W, attr);
		tui_fill(y + 1, x, TILE_W, attr2);
		tui_put_untrusted(t, y, x, TILE_W, attr, nd->name);
		snprintf(l1, sizeof(l1), "%-*s%*s", (int)strlen(age) + 1, age,
		    TILE_W - (int)strlen(age) - 1, l2);
		tui_put(t, y + 1, x, TILE_W, attr2, l1);
		if (tui_deploys_busy(t, nd->name))
			tui_put(t, y, x + TILE_W - 1, 1, theme_attr(TH_DEPLOY) | A_REVERSE,
			    t->utf8 ? "\u00bb" : "*");
		tui_hit_add(t, y, x, TILE_H, TILE_W, i);
		if (++col == per_row) {
			col = 0;
			y += TILE_H + 1;
		}
	}
}

/* The fleet screen. */
static void
fleet_draw(struct tui *t, int top, int rows)
{
	int *order = calloc(t->snap->nnodes + 1, sizeof(*order));
	int n;

	if (order == NULL)
		return;
	n = fleet_order(t, order);
	t->nitems = n;
	if (n == 0)
		tui_put(t, top + 1, 2, t->cols - 2, theme_attr(TH_DIM),
		    tui_empty_text(t, "No nodes."));
	else if (fleet.tiles)
		draw_fleet_tiles(t, top, rows, order, n);
	else
		draw_fleet_table(t, top, rows, order, n);
	free(order);
}

/* Enter: open the node screen on the selected node. */
static int
fleet_open(struct tui *t)
{
	const struct pd_snapshot *s = t->snap;
	int *order = calloc(s->nnodes + 1, sizeof(*order)), n, sel;

	if (order == NULL)
		return 0;
	n = fleet_order(t, order);
	sel = t->list[TV_FLEET].sel;
	if (sel >= 0 && sel < n) {
		snprintf(t->node, sizeof(t->node), "%s", s->nodes[order[sel]].name);
		tui_open(t, TV_NODE, TUI_PUSH);
	}
	free(order);
	return sel >= 0 && sel < n;
}

/* Next label key to group the fleet by, after the current one. */
static void
next_group(struct tui *t)
{
	const struct pd_snapshot *s = t->snap;
	char keys[16][PD_LABEL_LEN];
	int nk = 0, cur = -1;

	for (size_t i = 0; i < s->nnodes; i++)
		for (int k = 0; k < s->nodes[i].nlabels; k++) {
			int seen = 0;

			for (int j = 0; j < nk; j++)
				seen |= strcmp(keys[j], s->nodes[i].labels[k].key) == 0;
			if (!seen && nk < 16)
				snprintf(keys[nk++], PD_LABEL_LEN, "%s", s->nodes[i].labels[k].key);
		}
	for (int j = 0; j < nk; j++)
		if (strcmp(keys[j], fleet.group_key) == 0)
			cur = j;
	if (cur + 1 < nk)
		snprintf(fleet.group_key, sizeof(fleet.group_key), "%s", keys[cur + 1]);
	else
		fleet.group_key[0] = '\0';
	t->list[TV_FLEET] = (struct tui_list){ 0, 0 };
}

/* t: table or tiles; b: group by the next label; s, F6: sort by the next
 * column, r: reverse it; Left/Right move in the tiles. */
static int
fleet_key(struct tui *t, int ch)
{
	switch (ch) {
	case 't':
		fleet.tiles = !fleet.tiles;
		t->list[TV_FLEET].top = 0;
		return 1;
	case 'b':
		next_group(t);
		return 1;
	case 's':
	case KEY_F(6):
		fleet.sort = (fleet.sort + 1) % FS_COUNT;
		return 1;
	case 'r':
		fleet.rev = !fleet.rev;
		return 1;
	case KEY_LEFT:
	case KEY_RIGHT:
		if (!fleet.tiles)
			return 0;
		tui_move(t, ch == KEY_LEFT ? -1 : 1);
		return 1;
	default:
		return 0;
	}
}

/* The kiosk starts on tiles; the fleet is grouped by "line" when the first
 * node has that label. */
static void
fleet_start(struct tui *t)
{
	fleet.tiles = t->opts->kiosk;
	if (t->snap != NULL && t->snap->nnodes > 0) {
		for (int k = 0; k < t->snap->nodes[0].nlabels; k++)
			if (strcmp(t->snap->nodes[0].labels[k].key, "line") == 0)
				snprintf(fleet.group_key, sizeof(fleet.group_key), "line");
	}
}

/* Forget the state: the next cockpit starts afresh. */
static void
fleet_stop(struct tui *t)
{
	(void)t;
	memset(&fleet, 0, sizeof(fleet));
}

static const char *const fleet_help[] = {
	"t                table / tiles", "b                group by the next label",
	"s, F6            sort by the next column",
	"r                reverse the sort",
	NULL,
};

const struct tui_screen screen_fleet = {
	.name = "Fleet",
	.footer = " F1 Help  Enter Open  / Filter  t Tiles  b Group  e Events  D Deploys  H Heal",
	.help = fleet_help,
	.flags = TUI_FILTERS,
	.draw = fleet_draw,
	.key = fleet_key,
	.open = fleet_open,
	.start = fleet_start,
	.stop = fleet_stop,
};
