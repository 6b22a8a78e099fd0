/* screen-fleet.c: the fleet screen, every node at a glance.
 *
 * A table (one line per node: state, when it last answered, containers
 * running, unhealthy and restarting, CPU and memory bars, then as width
 * allows memory in bytes, engine and stacks, Swarm role, labels) or a grid
 * of tiles, filtered, sorted (s, r; the sorted column's header carries
 * the indicator), and grouped by a label ("line" when the first node has
 * one; b takes the next).
 *
 * Grouped, each group has a summary row: its worst state in its colour
 * (the state word of its worst node), nodes up, containers running,
 * alarms.  In the table a group folds to that row and opens again (Enter
 * or Space on it, h or Left on any of its lines folds it, - and + all of
 * them); the groups of a label start folded when the open table would
 * be more than two screens long (270 nodes at 200x50, not 27 at 80x24),
 * and a filter shows its matches open.  A fresh list (start, b, a new
 * filter) selects its first node.  Folding is kept as the exceptions to that default, by
 * group value, so that it survives new snapshots.  When ! went to an
 * alarm, the fleet selects its node, its group opened.
 *
 * The filter matches a node's name, endpoint, state and labels, or the
 * name of one of its containers; a line under the list says what matched,
 * and the node screen opened from a container's match selects it.
 *
 * Tiles show every node (never folded): 12x2 ones, or compact ones of one
 * line (the name and the first letter of the state word) when those would
 * not all fit, 270 nodes on 200x50.  The kiosk's tiles scale to the
 * screen: the grid is chosen to show every state word the largest, drawn
 * in a small block font of its own, so that it reads from across a shop
 * floor; when even small tiles do not all fit, the kiosk shows the tiles
 * of t.  A node a running deploy works on carries a mark.  Enter opens the
 * node screen on the selected node. */
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
	int fold_all;                   /* groups fold: -, or too many nodes for the table */
	int fold_chosen;                /* fold_all was chosen for this group label */
	char (*flipped)[PD_LABEL_LEN];  /* groups folded otherwise than fold_all says */
	int nflipped;
	char fold_filter[64];           /* the filter flipped was for */
	int table_rows;                 /* the table's lines at the last draw */
	char jumped[PD_NAME_LEN + PD_ID_LEN];  /* the alarm ! went to, as last seen */
	int fresh;                      /* the list starts again: select its first node */
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

/* A node of the fleet table's order with its group label and place. */
struct group_key {
	const char *label;
	int pos, node;
};

static int
group_cmp(const void *a, const void *b)
{
	const struct group_key *x = a, *y = b;
	int r = strcmp(x->label, y->label);

	return r != 0 ? r : x->pos - y->pos;
}

/* Sort ORDER (N nodes of S) by the group label, keeping the order within
 * a group: each label read once and O(N log N) compares (an insertion
 * sort was the cockpit's largest cost at 1,000 nodes in lines that are
 * not in the inventory's alphabetical order). */
static void
group_sort(const struct pd_snapshot *s, int *order, int n)
{
	struct group_key *k = n > 0 ? malloc((size_t)n * sizeof(*k)) : NULL;

	if (k == NULL)
		return;                  /* ungrouped order: shown, but not grouped */
	for (int i = 0; i < n; i++)
		k[i] = (struct group_key){ node_label(&s->nodes[order[i]], fleet.group_key), i,
		    order[i] };
	qsort(k, (size_t)n, sizeof(*k), group_cmp);
	for (int i = 0; i < n; i++)
		order[i] = k[i].node;
	free(k);
}

/* How node N passes the fleet filter F: 1 by its own fields (name,
 * endpoint, state, labels), 2 by the name of one of its containers (its
 * index among N's in *CK), 0 not at all. */
static int
node_matches(const struct pd_snapshot *s, const struct pd_node *n, const char *f, size_t *ck)
{
	if (tui_has(n->name, f) || tui_has(n->endpoint, f) || tui_has(pd_reach_name(n->reach), f))
		return 1;
	for (int i = 0; i < n->nlabels; i++) {
		char kv[2 * PD_LABEL_LEN + 2];

		snprintf(kv, sizeof(kv), "%s=%s", n->labels[i].key, n->labels[i].value);
		if (tui_has(kv, f))
			return 1;
	}
	for (size_t k = 0; k < n->ncontainers; k++)
		if (tui_has(s->containers[n->first_container + k].name, f)) {
			if (ck != NULL)
				*ck = k;
			return 2;
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

/* A group of the fleet: the nodes that share a value of the group label
 * (consecutive in the display order), and what its summary row says. */
struct fleet_group {
	const char *value;      /* the label's value, "" none (in the snapshot) */
	int first, count;       /* its nodes: order[first] .. order[first + count - 1] */
	int up, running, total, alarms;
	int level, worst;       /* the worst node_level(), and its first node (snapshot index) */
	int folded;             /* the table shows the summary row alone */
};

/* One line of the table: a group's summary row or a node. */
struct fleet_row {
	int group;              /* index in the groups; -1 when not grouped */
	int node;               /* index in the order; -1 for the group's summary row */
};

/* What the fleet screen shows, built afresh for each draw and key. */
struct fleet_view {
	int *order, n;                  /* node indexes: filtered, sorted, grouped */
	struct fleet_group *groups;     /* none when not grouped */
	int ngroups;
	struct fleet_row *rows;         /* the table's lines */
	int nrows;
	int by_node, by_container;      /* nodes the filter matched by their own fields, by a container */
	const char *cname;              /* the container name that matched, when only one did */
	int cnames;                     /* 0 none, 1 one, 2 several */
};

/* Whether the group with VALUE is folded otherwise than fleet.fold_all
 * says (its index in fleet.flipped), or -1. */
static int
flipped_index(const char *value)
{
	for (int i = 0; i < fleet.nflipped; i++)
		if (strcmp(fleet.flipped[i], value) == 0)
			return i;
	return -1;
}

/* Fold an open group, open a folded one. */
static void
flip_group(const char *value)
{
	int i = flipped_index(value);
	char (*grown)[PD_LABEL_LEN];

	if (i >= 0) {
		memcpy(fleet.flipped[i], fleet.flipped[--fleet.nflipped], PD_LABEL_LEN);
		return;
	}
	grown = realloc(fleet.flipped, (size_t)(fleet.nflipped + 1) * sizeof(*grown));
	if (grown == NULL)
		return;
	fleet.flipped = grown;
	snprintf(fleet.flipped[fleet.nflipped++], PD_LABEL_LEN, "%s", value);
}

/* The table's lines of V from its groups' folding. */
static void
view_rows(struct fleet_view *v)
{
	v->nrows = 0;
	if (v->ngroups == 0) {
		for (int i = 0; i < v->n; i++)
			v->rows[v->nrows++] = (struct fleet_row){ -1, i };
		return;
	}
	for (int g = 0; g < v->ngroups; g++) {
		const struct fleet_group *gr = &v->groups[g];

		v->rows[v->nrows++] = (struct fleet_row){ g, -1 };
		for (int i = 0; i < gr->count && !gr->folded; i++)
			v->rows[v->nrows++] = (struct fleet_row){ g, gr->first + i };
	}
}

/* Whether the groups of V are folded: fleet.fold_all (under a filter,
 * open: its matches show), except the flipped ones. */
static void
view_fold(const struct tui *t, struct fleet_view *v)
{
	int dflt = t->filter[TV_FLEET][0] != '\0' ? 0 : fleet.fold_all;

	for (int g = 0; g < v->ngroups; g++)
		v->groups[g].folded = dflt ^ (flipped_index(v->groups[g].value) >= 0);
	view_rows(v);
}

/* Build what the fleet shows into V; 0 when out of memory. */
static int
view_build(struct tui *t, struct fleet_view *v)
{
	const struct pd_snapshot *s = t->snap;
	const char *f = t->filter[TV_FLEET];
	int n = 0;

	memset(v, 0, sizeof(*v));
	v->order = calloc(s->nnodes + 1, sizeof(*v->order));
	v->groups = calloc(s->nnodes + 1, sizeof(*v->groups));
	v->rows = calloc(2 * s->nnodes + 1, sizeof(*v->rows));
	if (v->order == NULL || v->groups == NULL || v->rows == NULL)
		return 0;
	for (size_t i = 0; i < s->nnodes; i++) {
		size_t ck = 0;
		int m = node_matches(s, &s->nodes[i], f, &ck);

		if (m == 0)
			continue;
		v->order[n++] = (int)i;
		if (m == 1) {
			v->by_node++;
		} else {
			const char *cn = s->containers[s->nodes[i].first_container + ck].name;

			v->by_container++;
			if (v->cnames == 0)
				v->cname = cn, v->cnames = 1;
			else if (strcmp(v->cname, cn) != 0)
				v->cnames = 2;
		}
	}
	v->n = n;
	if (fleet.sort != FS_INVENTORY) {
		sort_t = t;
		qsort(v->order, (size_t)n, sizeof(*v->order), fleet_cmp);
	}
	if (fleet.group_key[0] != '\0') {
		int *order = v->order;

		group_sort(s, order, n);
		for (int i = 0; i < n; i++) {
			const struct pd_node *nd = &s->nodes[order[i]];
			const char *val = node_label(nd, fleet.group_key);
			struct fleet_group *g = &v->groups[v->ngroups - 1];
			int level = node_level(t, nd);

			if (v->ngroups == 0 || strcmp(g->value, val) != 0) {
				g = &v->groups[v->ngroups++];
				*g = (struct fleet_group){ .value = val, .first = i, .level = -1 };
			}
			g->count++;
			g->up += nd->reach == PD_REACH_UP;
			g->running += nd->running;
			g->total += nd->total;
			for (size_t k = 0; k < t->nalarms; k++)
				g->alarms += strcmp(t->alarms[k].node, nd->name) == 0;
			if (level > g->level)
				g->level = level, g->worst = order[i];
		}
	}
	if (t->filtering)
		fleet.fresh = 1;        /* each key of the filter resets the list */
	/* A new filter starts from the default folding. */
	if (strcmp(fleet.fold_filter, f) != 0) {
		snprintf(fleet.fold_filter, sizeof(fleet.fold_filter), "%s", f);
		fleet.nflipped = 0;
		fleet.fresh = 1;
	}
	/* Groups start folded when the open table would be more than two
	 * screens long: 270 nodes at 200x50, not 27 at 80x24. */
	if (!fleet.fold_chosen && v->ngroups > 0 && fleet.table_rows > 0) {
		fleet.fold_all = v->n + v->ngroups > 2 * fleet.table_rows;
		fleet.fold_chosen = 1;
	}
	view_fold(t, v);
	return 1;
}

/* Free what view_build() made. */
static void
view_free(struct fleet_view *v)
{
	free(v->order);
	free(v->groups);
	free(v->rows);
}

/* The table's line of node I (an order index), or of group G's summary
 * when I < 0 or its group is folded; 0 when neither is shown. */
static int
view_row_of(const struct fleet_view *v, int g, int i)
{
	int sum = 0;

	for (int r = 0; r < v->nrows; r++) {
		if (i >= 0 && v->rows[r].node == i)
			return r;
		if (v->rows[r].node < 0 && v->rows[r].group == g)
			sum = r;
	}
	return sum;
}

/* The group of node I (an order index), or -1. */
static int
view_group_of(const struct fleet_view *v, int i)
{
	for (int g = 0; g < v->ngroups; g++)
		if (i >= v->groups[g].first && i < v->groups[g].first + v->groups[g].count)
			return g;
	return -1;
}

static void tile_text(const struct tui *t, const struct pd_node *nd, int small, char *word,
    size_t wlen, char *detail, size_t dlen);

/* Draw trusted text S at Y,X in no more than W columns, without padding;
 * returns the columns it took (bytes: ASCII is what it draws). */
static int
put_short(struct tui *t, int y, int x, int w, int attr, const char *s)
{
	int len = (int)strlen(s);

	if (len > w)
		len = w;
	tui_put(t, y, x, len, attr, s);
	return len;
}

/* A group's summary row at Y: a mark for the table (folded or open),
 * label and value, its worst state in its colour, nodes up, containers
 * running, alarms; on a rule, or in the selection's colour. */
static void
draw_group(struct tui *t, int y, const struct fleet_group *g, int sel, int table)
{
	static const enum theme_elem lv[] = { TH_OK, TH_WARN, TH_STALE, TH_CRIT };
	const struct pd_snapshot *s = t->snap;
	int base = theme_attr(sel ? TH_SELECTION : TH_GROUP), x = 1;
	char name[PD_LABEL_LEN * 2 + 4], clean[PD_LABEL_LEN * 8], word[16], detail[64], text[160];

	if (sel)
		tui_fill(y, 0, t->cols, base);
	else
		tui_hline(t, y, 0, t->cols, theme_attr(TH_BORDER));
	if (table)
		tui_put(t, y, 0, 1, base, g->folded ? (t->utf8 ? "\u25b8" : "+") :
		    (t->utf8 ? "\u25be" : "-"));
	snprintf(name, sizeof(name), " %s %s ", fleet.group_key, g->value[0] ? g->value : "(none)");
	pd_sanitize(clean, sizeof(clean), name, !t->utf8);
	x += put_short(t, y, x, (table ? 15 : 40) - x, base, clean);
	tile_text(t, &s->nodes[g->worst], 1, word, sizeof(word), detail, sizeof(detail));
	snprintf(text, sizeof(text), " %s ", word);
	x = x < 15 ? 15 : x;
	x += put_short(t, y, x, t->cols - x, sel && (g->level == 0 || g->level == 2) ? base :
	    theme_attr(lv[g->level]) | (int)A_BOLD, text);
	snprintf(text, sizeof(text), " %d/%d nodes up  %d/%d containers running%s", g->up,
	    g->count, g->running, g->total, g->alarms ? "" : " ");
	if (g->alarms)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "  %d alarm%s ", g->alarms,
		    g->alarms == 1 ? "" : "s");
	x = x < 23 ? 23 : x;
	put_short(t, y, x, t->cols - x, base, text);
}

/* The fleet as a table: group summary rows, then the nodes of the open groups. */
static void
draw_fleet_table(struct tui *t, int top, int rows, const struct fleet_view *v)
{
	const struct pd_snapshot *s = t->snap;
	struct tui_list *l = &t->list[TV_FLEET];
	char buf[128];
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
	tui_list_clamp(l, v->nrows, rows - 1);
	for (int i = l->top; i < v->nrows && y < top + rows; i++) {
		const struct pd_node *nd;
		struct node_sum sum;
		int level, sel = i == l->sel, base;
		static const enum theme_elem lv[] = { TH_OK, TH_WARN, TH_STALE, TH_CRIT };

		if (v->rows[i].node < 0) {
			draw_group(t, y, &v->groups[v->rows[i].group], sel, 1);
			tui_hit_add(t, y++, 0, 1, t->cols, i);
			continue;
		}
		nd = &s->nodes[v->order[v->rows[i].node]];
		sum = node_sum(s, nd);
		level = node_level(t, nd);
		base = sel ? theme_attr(TH_SELECTION) : theme_attr(TH_NORMAL);
		tui_fill(y, 0, t->cols, base);
		if (tui_deploys_busy(t, nd->name))  /* a running deploy changes it now */
			tui_put(t, y, 0, 1, sel ? base : theme_attr(TH_DEPLOY), t->utf8 ? "\u00bb" : "*");
		tui_put_untrusted(t, y, 1, 14, base, nd->name);
		/* Selected, an alarmed node keeps its colour: the selection never hides an alarm. */
		tui_put(t, y, 16, 7, sel && (level == 0 || level == 2) ? base : theme_attr(lv[level]),
		    pd_reach_name(nd->reach));
		/* Up: it answered within the ping's interval and timeout (the
		 * fleet wakes no one for a ping's answer); else the age now. */
		if (nd->reach == PD_REACH_UP)
			snprintf(buf, sizeof(buf), "now");
		else
			pd_format_age(buf, sizeof(buf), time(NULL), nd->last_seen);
		tui_put(t, y, 23, 5, base, buf);
		tui_shown(t, nd->name, 0);
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
		/* How it is reached, before anything else: without an authenticated
		 * engine (insecure: true), or not at all because TLS failed. */
		if ((nd->insecure || (nd->tls_refused && nd->reach != PD_REACH_UP)) &&
		    x < t->cols - 1) {
			const char *mark = nd->insecure ? "INSECURE" : "TLS-REFUSED";

			tui_put(t, y, x, t->cols - x, sel ? base : theme_attr(nd->insecure ? TH_WARN :
			    TH_CRIT), mark);
			x += (int)strlen(mark) + 1;
		}
		/* A container labelled as the agent that is not the trusted one, or
		 * agent lines that did not verify (doc/agent.md). */
		if ((nd->agent_untrusted[0] != '\0' || nd->agent_rejected > 0) && x < t->cols - 1) {
			tui_put(t, y, x, t->cols - x, sel ? base : theme_attr(TH_WARN), "AGENT-UNTRUSTED");
			x += (int)strlen("AGENT-UNTRUSTED") + 1;
		}
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
		pd_format_age(age, sizeof(age), time(NULL), nd->last_seen);
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
draw_kiosk_tiles(struct tui *t, int top, int rows, const struct fleet_view *v)
{
	const struct pd_snapshot *s = t->snap;
	const int *order = v->order;
	int n = v->n, gi = -1;
	static const enum theme_elem tl[] = { TH_TILE_OK, TH_TILE_WARN, TH_TILE_STALE, TH_TILE_CRIT };
	int best_nc = 0, best_score = 0, best_area = 0, tw = 0, th = 0, y = top, col = 0;
	struct big_size z = { 0, 0 };
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
		int attr = theme_attr(tl[node_level(t, nd)]), x;

		if (gi + 1 < v->ngroups && i == v->groups[gi + 1].first) {
			if (col != 0)
				y += th + 1;
			col = 0;
			draw_group(t, y++, &v->groups[++gi], 0, 0);
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


/* The lines the tiles of V take: PER_ROW a row, TH lines each and GAP
 * between rows, a line above each group; each tile's top line in YPOS. */
static int
tiles_layout(const struct fleet_view *v, int per_row, int th, int gap, int *ypos)
{
	int y = 0, col = 0, gi = -1;

	for (int i = 0; i < v->n; i++) {
		if (gi + 1 < v->ngroups && i == v->groups[gi + 1].first) {
			if (col != 0)
				y += th + gap;
			col = 0;
			y++;
			gi++;
		}
		if (ypos != NULL)
			ypos[i] = y;
		if (++col == per_row) {
			col = 0;
			y += th + gap;
		}
	}
	return y + (col != 0 ? th : -gap);
}

/* The fleet as tiles: TILE_W x TILE_H each with a blank line between
 * rows, or, when those would not all fit, compact ones of one line (the
 * name and the first letter of the state word); every node, groups never
 * folded, a summary line above each group. */
static void
draw_fleet_tiles(struct tui *t, int top, int rows, const struct fleet_view *v)
{
	const struct pd_snapshot *s = t->snap;
	struct tui_list *l = &t->list[TV_FLEET];
	static const enum theme_elem tl[] = { TH_TILE_OK, TH_TILE_WARN, TH_TILE_STALE, TH_TILE_CRIT };
	int per_row = (t->cols + 1) / (TILE_W + 1), th = TILE_H, gap = 1, off = 0, gi = -1;
	int *ypos;
	char l1[96], l2[64], word[16];

	if (t->opts->kiosk && draw_kiosk_tiles(t, top, rows, v))
		return;
	if (per_row < 1)
		per_row = 1;
	if (tiles_layout(v, per_row, th, gap, NULL) > rows)
		th = 1, gap = 0;
	ypos = calloc((size_t)v->n + 1, sizeof(*ypos));
	if (ypos == NULL)
		return;
	tiles_layout(v, per_row, th, gap, ypos);
	t->page_rows = per_row;
	tui_list_clamp(l, v->n, v->n);
	/* Scroll by whole tile rows so that the selection is on screen. */
	if (l->sel >= 0 && l->sel < v->n && ypos[l->sel] + th > rows) {
		off = ypos[l->sel] + th - rows;
		for (int i = 0; i < v->n; i++)
			if (ypos[i] >= off) {
				off = ypos[i];
				break;
			}
	}
	for (l->top = 0; l->top < v->n - 1 && ypos[l->top] < off; l->top++)
		;
	for (int i = 0; i < v->n; i++) {
		const struct pd_node *nd = &s->nodes[v->order[i]];
		int level = node_level(t, nd), attr, attr2, x, y = ypos[i] - off;
		/* No selection on a kiosk (no key moves it); selected, an alarmed tile
		 * keeps its colour on the state line: the selection never hides an alarm. */
		int sel = i == l->sel && !t->opts->kiosk;

		if (gi + 1 < v->ngroups && i == v->groups[gi + 1].first) {
			gi++;
			if (y - 1 >= 0 && y - 1 < rows)
				draw_group(t, top + y - 1, &v->groups[gi], 0, 0);
		}
		if (y < 0 || y + th > rows)
			continue;
		y += top;
		x = ((i - (gi >= 0 ? v->groups[gi].first : 0)) % per_row) * (TILE_W + 1);
		attr = theme_attr(sel ? TH_TILE_SELECTED : tl[level]);
		attr2 = theme_attr(sel && level == 0 ? TH_TILE_SELECTED : tl[level]);
		tile_text(t, nd, 1, word, sizeof(word), l2, sizeof(l2));
		if (th == 1) {
			/* The name, and the state word's first letter (none when ok). */
			tui_fill(y, x, TILE_W, attr);
			tui_put_untrusted(t, y, x, TILE_W - 2, attr, nd->name);
			snprintf(l1, sizeof(l1), "%c", strcmp(word, "ok") == 0 ? ' ' :
			    strcmp(word, "...") == 0 ? '.' : word[0]);
			tui_put(t, y, x + TILE_W - 1, 1, attr2 | (level ? A_BOLD : 0), l1);
		} else {
			/* Line 1: the name; line 2: the state word, then the counts or the age. */
			tui_fill(y, x, TILE_W, attr);
			tui_fill(y + 1, x, TILE_W, attr2);
			tui_put_untrusted(t, y, x, TILE_W, attr, nd->name);
			snprintf(l1, sizeof(l1), "%-*s%*s", (int)strlen(word) + 1, word,
			    TILE_W - (int)strlen(word) - 1, l2);
			tui_put(t, y + 1, x, TILE_W, attr2, l1);
		}
		if (tui_deploys_busy(t, nd->name))
			tui_put(t, y, x + TILE_W - (th == 1 ? 2 : 1), 1, theme_attr(TH_DEPLOY) | A_REVERSE,
			    t->utf8 ? "\u00bb" : "*");
		tui_hit_add(t, y, x, th, TILE_W, i);
	}
	free(ypos);
}

/* Under a filter, the line that says what matched: "3 nodes: container
 * plc matches". */
static void
draw_matches(struct tui *t, int y, const struct fleet_view *v)
{
	char line[PD_NAME_LEN + 128];
	int k = snprintf(line, sizeof(line), " %d node%s", v->n, v->n == 1 ? "" : "s");

	if (v->by_container == 0)
		snprintf(line + k, sizeof(line) - (size_t)k, " match%s", v->n == 1 ? "es" : "");
	else if (v->by_node == 0 && v->cnames == 1)
		snprintf(line + k, sizeof(line) - (size_t)k, ": container %s matches", v->cname);
	else if (v->by_node == 0)
		snprintf(line + k, sizeof(line) - (size_t)k, ": names of their containers match");
	else
		snprintf(line + k, sizeof(line) - (size_t)k, ": %d by name, state or label, %d by %s%s",
		    v->by_node, v->by_container, v->cnames == 1 ? "container " : "their containers",
		    v->cnames == 1 ? v->cname : "");
	tui_put_untrusted(t, y, 0, t->cols, theme_attr(TH_DIM), line);
}

/* After ! went to another alarm: select its node, its group opened, so
 * that the fleet shows the culprit when the node screen closes. */
static void
follow_jump(struct tui *t, struct fleet_view *v)
{
	const char *slash = strrchr(t->alarm_jumped, '/');

	if (strcmp(fleet.jumped, t->alarm_jumped) == 0)
		return;
	snprintf(fleet.jumped, sizeof(fleet.jumped), "%s", t->alarm_jumped);
	if (slash == NULL)
		return;
	for (int i = 0; i < v->n; i++) {
		const char *name = t->snap->nodes[v->order[i]].name;
		int g;

		if (strlen(name) != (size_t)(slash - t->alarm_jumped) ||
		    strncmp(name, t->alarm_jumped, strlen(name)) != 0)
			continue;
		g = view_group_of(v, i);
		if (g >= 0 && v->groups[g].folded) {
			flip_group(v->groups[g].value);
			view_fold(t, v);
		}
		t->list[TV_FLEET].sel = fleet.tiles ? i : view_row_of(v, g, i);
		return;
	}
}

/* A fresh list selects its first node, not the open group above it.  A
 * filter being typed resets the list at each key, and so does the Enter
 * that keeps it: the list stays fresh until then. */
static void
view_fresh(struct tui *t, const struct fleet_view *v)
{
	if (fleet.fresh && !fleet.tiles && t->list[TV_FLEET].sel == 0 && v->nrows > 1 &&
	    v->rows[0].node < 0 && !v->groups[0].folded)
		t->list[TV_FLEET].sel = 1;
	if (!t->filtering)
		fleet.fresh = 0;
}

/* The fleet screen. */
static void
fleet_draw(struct tui *t, int top, int rows)
{
	struct fleet_view v;
	int filtered = t->filter[TV_FLEET][0] != '\0' && rows > 2;

	rows -= filtered;       /* the last line says what matched */
	fleet.table_rows = rows - 1;
	if (view_build(t, &v)) {
		follow_jump(t, &v);
		view_fresh(t, &v);
		t->nitems = fleet.tiles ? v.n : v.nrows;
		if (v.n == 0)
			tui_put(t, top + 1, 2, t->cols - 2, theme_attr(TH_DIM),
			    tui_empty_text(t, "No nodes."));
		else if (fleet.tiles)
			draw_fleet_tiles(t, top, rows, &v);
		else
			draw_fleet_table(t, top, rows, &v);
		if (filtered && v.n > 0)
			draw_matches(t, top + rows, &v);
	}
	view_free(&v);
}

/* Open the node screen on node I of V (an order index); on the container
 * that matched the filter when the node did by a container's name. */
static void
open_node(struct tui *t, const struct fleet_view *v, int i)
{
	const struct pd_snapshot *s = t->snap;
	const struct pd_node *nd = &s->nodes[v->order[i]];
	size_t ck = 0;

	snprintf(t->node, sizeof(t->node), "%s", nd->name);
	if (t->filter[TV_FLEET][0] != '\0' && node_matches(s, nd, t->filter[TV_FLEET], &ck) == 2)
		snprintf(t->select_cid, sizeof(t->select_cid), "%s",
		    s->containers[nd->first_container + ck].id);
	tui_open(t, TV_NODE, TUI_PUSH);
}

/* Enter: open the node screen on the selected node; on a group's row,
 * fold or open the group. */
static int
fleet_open(struct tui *t)
{
	struct fleet_view v;
	int sel, r = 0;

	if (view_build(t, &v)) {
		view_fresh(t, &v);      /* Enter before the list was drawn */
		sel = t->list[TV_FLEET].sel;
		if (fleet.tiles && sel >= 0 && sel < v.n) {
			open_node(t, &v, sel);
			r = 1;
		} else if (!fleet.tiles && sel >= 0 && sel < v.nrows) {
			if (v.rows[sel].node < 0) {
				flip_group(v.groups[v.rows[sel].group].value);
				view_fold(t, &v);
				t->nitems = v.nrows;
			} else {
				open_node(t, &v, v.rows[sel].node);
			}
			r = 1;
		}
	}
	view_free(&v);
	return r;
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
	/* The new groups fold as the screen needs. */
	fleet.fold_chosen = 0;
	fleet.nflipped = 0;
	fleet.fresh = 1;
	t->list[TV_FLEET] = (struct tui_list){ 0, 0 };
}

/* The folding keys of the table, with V built: - and + fold and open
 * every group, Space and h, Left one; the selection stays on its node, or
 * on its group when the node is folded away.  1 when CH was one of them. */
static int
fold_key(struct tui *t, struct fleet_view *v, int ch)
{
	int sel = t->list[TV_FLEET].sel, g = -1, i = -1;

	if (sel >= 0 && sel < v->nrows)
		g = v->rows[sel].group, i = v->rows[sel].node;
	switch (ch) {
	case '-':
	case '+':
	case '=':
		fleet.fold_all = ch == '-';
		fleet.nflipped = 0;
		/* Under a filter groups are open unless flipped. */
		for (int k = 0; fleet.fold_all && t->filter[TV_FLEET][0] != '\0' && k < v->ngroups; k++)
			flip_group(v->groups[k].value);
		break;
	case ' ':
		if (g < 0 || i >= 0)
			return 0;       /* not on a group's row: it pages down */
		flip_group(v->groups[g].value);
		break;
	case 'h':
	case KEY_LEFT:
		if (g < 0 || v->groups[g].folded)
			return 0;
		flip_group(v->groups[g].value);
		i = -1;
		break;
	default:
		return 0;
	}
	view_fold(t, v);
	t->list[TV_FLEET].sel = view_row_of(v, g, i);
	t->nitems = v->nrows;   /* keys before the next draw move in the new list */
	return 1;
}

/* t: table or tiles; b: group by the next label; s, F6: sort by the next
 * column, r: reverse it; Left/Right move in the tiles; the table's
 * folding keys (fold_key()). */
static int
fleet_key(struct tui *t, int ch)
{
	struct fleet_view v;
	int r = 0, sel = t->list[TV_FLEET].sel;

	switch (ch) {
	case 't':
		/* The selection stays on its node (a group: its first node). */
		if (view_build(t, &v)) {
			int i = -1, g = -1;

			if (fleet.tiles && sel >= 0 && sel < v.n)
				i = sel, g = view_group_of(&v, sel);
			else if (!fleet.tiles && sel >= 0 && sel < v.nrows)
				i = v.rows[sel].node, g = v.rows[sel].group;
			fleet.tiles = !fleet.tiles;
			t->list[TV_FLEET].top = 0;
			t->list[TV_FLEET].sel = !fleet.tiles ? view_row_of(&v, g, i) :
			    i >= 0 ? i : g >= 0 ? v.groups[g].first : 0;
			t->nitems = fleet.tiles ? v.n : v.nrows;
		}
		view_free(&v);
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
		if (fleet.tiles) {
			tui_move(t, ch == KEY_LEFT ? -1 : 1);
			return 1;
		}
		if (ch == KEY_RIGHT)
			return 0;
		break;
	default:
		break;
	}
	if (fleet.tiles || fleet.group_key[0] == '\0' ||
	    (ch != KEY_LEFT && (ch <= 0 || ch > 127 || strchr("-+= h", ch) == NULL)))
		return 0;
	if (view_build(t, &v))
		r = fold_key(t, &v, ch);
	view_free(&v);
	return r;
}

/* The kiosk starts on tiles; the fleet is grouped by "line" when the first
 * node has that label. */
static void
fleet_start(struct tui *t)
{
	fleet.tiles = t->opts->kiosk;
	fleet.fresh = 1;
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
	free(fleet.flipped);
	memset(&fleet, 0, sizeof(fleet));
}

static const char *const fleet_help[] = {
	"t                table / tiles",
	"b; -, +          group by the next label; fold, open all",
	"Enter, Space     on a group's row: fold or open it",
	"h, Left          fold the group of the selection",
	"s, F6; r         sort by the next column; reverse the sort",
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
