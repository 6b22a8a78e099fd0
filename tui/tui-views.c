/* tui-views.c: the cockpit's screens, drawn from one snapshot.
 *
 *   fleet      every node: a table or a tile grid, grouped by a label
 *   node       one node's containers, sortable, with its engine facts
 *   container  inspect summary, health log, recent events, last log lines
 *   events     the fleet-wide timeline, newest first, filterable
 *   alarms     the kiosk's alarm page: what is wrong, large and plain
 *   deploys    the deploy list, one deploy, a new deploy's plan (tui-deploy.c)
 *   heal       the heal queue, one proposal (tui-heal.c)
 *
 * Each view fills t->nitems and t->hits while it draws, so that keys and
 * clicks act on what is on the screen. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui-internal.h"

#define TILE_W 12
#define TILE_H 2

/* Per-node figures the views show. */
struct node_sum {
	int unhealthy, restarting, oom, exited_bad;
	double cpu;         /* % of the node's CPUs */
	double mem;         /* fraction of the node's memory */
};

enum tui_view
tui_view(const struct tui *t)
{
	return t->stack[t->depth - 1];
}

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
		r.oom += c->oom_killed;
		r.exited_bad += strcmp(c->state, "exited") == 0 && c->exit_code != 0;
		if (c->cpu_pct > 0)
			cpu += c->cpu_pct;
		mem += c->mem_usage;
	}
	r.cpu = n->ncpu > 0 ? cpu / n->ncpu : cpu;
	r.mem = n->mem_total > 0 ? (double)mem / (double)n->mem_total : 0;
	return r;
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

/* Case-insensitive substring. */
static int
has(const char *hay, const char *needle)
{
	return needle[0] == '\0' || strcasestr(hay, needle) != NULL;
}

/* Whether node N passes the fleet filter F (name, endpoint, state, labels). */
static int
node_matches(const struct pd_node *n, const char *f)
{
	if (has(n->name, f) || has(n->endpoint, f) || has(pd_reach_name(n->reach), f))
		return 1;
	for (int i = 0; i < n->nlabels; i++) {
		char kv[2 * PD_LABEL_LEN + 2];

		snprintf(kv, sizeof(kv), "%s=%s", n->labels[i].key, n->labels[i].value);
		if (has(kv, f))
			return 1;
	}
	return 0;
}

/* The attribute of a node's tile or state cell. */
static int
node_level(const struct pd_snapshot *s, const struct pd_node *n, const struct node_sum *sum)
{
	(void)s;
	if (n->reach == PD_REACH_DOWN)
		return 3;
	if (n->reach != PD_REACH_UP)
		return 2;
	if (sum->unhealthy || sum->restarting || sum->exited_bad || sum->oom)
		return 1;
	return 0;
}

/* Node indexes in display order (filtered, grouped); returns the count. */
static int
fleet_order(struct tui *t, int *order)
{
	const struct pd_snapshot *s = t->snap;
	int n = 0;

	for (size_t i = 0; i < s->nnodes; i++)
		if (node_matches(&s->nodes[i], t->filter[TV_FLEET]))
			order[n++] = (int)i;
	if (t->group_key[0] != '\0') {
		/* A stable insertion sort by the group label keeps inventory order. */
		for (int i = 1; i < n; i++) {
			int v = order[i], j = i;

			while (j > 0 && strcmp(node_label(&s->nodes[order[j - 1]], t->group_key),
			    node_label(&s->nodes[v], t->group_key)) > 0) {
				order[j] = order[j - 1];
				j--;
			}
			order[j] = v;
		}
	}
	return n;
}

/* Keep the selection inside the list and visible in ROWS rows. */
static void
list_clamp(struct tui_list *l, int n, int rows)
{
	if (l->sel >= n)
		l->sel = n - 1;
	if (l->sel < 0)
		l->sel = 0;
	if (rows < 1)
		rows = 1;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + rows)
		l->top = l->sel - rows + 1;
	if (l->top > n - rows)
		l->top = n - rows;
	if (l->top < 0)
		l->top = 0;
}

/* list_clamp() for the other screens' files. */
void
tui_list_clamp(struct tui_list *l, int n, int rows)
{
	list_clamp(l, n, rows);
}

/* A group header line. */
static void
draw_group(struct tui *t, int y, const char *value, int count, int down)
{
	char line[256];

	snprintf(line, sizeof(line), " %s %s  (%d node%s%s)", t->group_key,
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

	tui_put(t, top, 0, t->cols, theme_attr(TH_TITLE),
	    " NODE           STATE   AGE  RUN/ALL UNH RST  CPU        MEM        LABELS");
	t->page_rows = rows - 1;
	list_clamp(l, n, rows - 1 - (t->group_key[0] ? 3 : 0));
	for (int i = l->top; i < n && y < top + rows; i++) {
		const struct pd_node *nd = &s->nodes[order[i]];
		struct node_sum sum = node_sum(s, nd);
		int level = node_level(s, nd, &sum), sel = i == l->sel;
		int base = sel ? theme_attr(TH_SELECTION) : theme_attr(TH_NORMAL);
		static const enum theme_elem lv[] = { TH_OK, TH_WARN, TH_STALE, TH_CRIT };

		if (t->group_key[0] != '\0') {
			const char *g = node_label(nd, t->group_key);

			if (prev == NULL || strcmp(prev, g) != 0) {
				int cnt = 0, down = 0;

				for (int k = 0; k < n; k++)
					if (strcmp(node_label(&s->nodes[order[k]], t->group_key), g) == 0) {
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
		if (tui_deploy_node_busy(t, nd->name))  /* a running deploy changes it now */
			tui_put(t, y, 0, 1, sel ? base : theme_attr(TH_DEPLOY), t->utf8 ? "\u00bb" : "*");
		tui_put_untrusted(t, y, 1, 14, base, nd->name);
		tui_put(t, y, 16, 7, sel ? base : theme_attr(lv[level]), pd_reach_name(nd->reach));
		pd_format_age(buf, sizeof(buf), s->taken, nd->last_seen);
		tui_put(t, y, 23, 5, base, buf);
		snprintf(buf, sizeof(buf), "%3d/%-3d", nd->running, nd->total);
		tui_put(t, y, 29, 7, base, buf);
		snprintf(buf, sizeof(buf), "%3d", sum.unhealthy);
		tui_put(t, y, 37, 3, sum.unhealthy && !sel ? theme_attr(TH_WARN) : base, buf);
		snprintf(buf, sizeof(buf), "%3d", sum.restarting);
		tui_put(t, y, 41, 3, sum.restarting && !sel ? theme_attr(TH_WARN) : base, buf);
		snprintf(buf, sizeof(buf), "%3.0f%%", sum.cpu);
		tui_put(t, y, 45, 4, base, buf);
		tui_bar(t, y, 50, 5, sum.cpu / 100.0, theme_attr(sum.cpu > 80 ? TH_BAR_CRIT :
		    sum.cpu > 50 ? TH_BAR_WARN : TH_BAR_OK), theme_attr(TH_BAR_EMPTY));
		snprintf(buf, sizeof(buf), "%3.0f%%", sum.mem * 100);
		tui_put(t, y, 56, 4, base, buf);
		tui_bar(t, y, 61, 5, sum.mem, theme_attr(sum.mem > 0.9 ? TH_BAR_CRIT :
		    sum.mem > 0.7 ? TH_BAR_WARN : TH_BAR_OK), theme_attr(TH_BAR_EMPTY));
		x = 67;
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

/* The fleet as tiles: TILE_W x TILE_H each, a blank line between rows. */
static void
draw_fleet_tiles(struct tui *t, int top, int rows, const int *order, int n)
{
	const struct pd_snapshot *s = t->snap;
	struct tui_list *l = &t->list[TV_FLEET];
	static const enum theme_elem tl[] = { TH_TILE_OK, TH_TILE_WARN, TH_TILE_STALE, TH_TILE_CRIT };
	int per_row = (t->cols + 1) / (TILE_W + 1), y = top, col = 0;
	const char *prev = NULL;
	char l1[64], l2[64], age[16];

	if (per_row < 1)
		per_row = 1;
	t->page_rows = per_row;
	list_clamp(l, n, n);
	/* Scroll by whole tile rows so that the selection is on screen. */
	{
		int lines_needed = 0, start = 0;

		for (int i = 0; i <= l->sel && i < n; i++) {
			const char *g = t->group_key[0] ? node_label(&s->nodes[order[i]], t->group_key) : "";

			if (t->group_key[0] && (i == 0 || strcmp(g, node_label(&s->nodes[order[i - 1]],
			    t->group_key)) != 0)) {
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
		struct node_sum sum = node_sum(s, nd);
		int level = node_level(s, nd, &sum), attr, x;
		const char *g = t->group_key[0] ? node_label(nd, t->group_key) : "";

		if (t->group_key[0] && (prev == NULL || strcmp(prev, g) != 0)) {
			int cnt = 0, down = 0;

			if (col != 0)
				y += TILE_H + 1;
			col = 0;
			if (y >= top + rows)
				break;
			for (int k = 0; k < n; k++)
				if (strcmp(node_label(&s->nodes[order[k]], t->group_key), g) == 0) {
					cnt++;
					down |= s->nodes[order[k]].reach != PD_REACH_UP;
				}
			draw_group(t, y++, g, cnt, down);
			prev = g;
		}
		if (y + TILE_H > top + rows)
			break;
		x = col * (TILE_W + 1);
		attr = theme_attr(i == l->sel ? TH_TILE_SELECTED : tl[level]);
		if (nd->reach == PD_REACH_DOWN)
			snprintf(age, sizeof(age), "DOWN");
		else if (nd->reach == PD_REACH_STALE)
			snprintf(age, sizeof(age), "STALE");
		else if (nd->reach == PD_REACH_CONNECTING)
			snprintf(age, sizeof(age), "...");
		else if (sum.unhealthy)
			snprintf(age, sizeof(age), "UNH%d", sum.unhealthy);
		else
			snprintf(age, sizeof(age), level ? "WARN" : "ok");
		/* Line 1: the name; line 2: the state word, then the counts or the age. */
		tui_fill(y, x, TILE_W, attr);
		tui_fill(y + 1, x, TILE_W, attr);
		tui_put_untrusted(t, y, x, TILE_W, attr, nd->name);
		if (nd->reach == PD_REACH_UP) {
			snprintf(l2, sizeof(l2), "%d/%d", nd->running, nd->total);
			if (sum.restarting)
				snprintf(l2 + strlen(l2), sizeof(l2) - strlen(l2), " r%d", sum.restarting);
			if (sum.oom)
				snprintf(l2 + strlen(l2), sizeof(l2) - strlen(l2), " oom");
		} else {
			pd_format_age(l2, sizeof(l2), s->taken, nd->last_seen);
		}
		snprintf(l1, sizeof(l1), "%-*s%*s", (int)strlen(age) + 1, age,
		    TILE_W - (int)strlen(age) - 1, l2);
		tui_put(t, y + 1, x, TILE_W, attr, l1);
		if (tui_deploy_node_busy(t, nd->name))
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
draw_fleet(struct tui *t, int top, int rows)
{
	int *order = calloc(t->snap->nnodes + 1, sizeof(*order));
	int n;

	if (order == NULL)
		return;
	n = fleet_order(t, order);
	t->nitems = n;
	if (n == 0)
		tui_put(t, top + 1, 2, t->cols - 2, theme_attr(TH_DIM),
		    t->filter[TV_FLEET][0] ? "No node matches the filter." : "No nodes.");
	else if (t->tiles)
		draw_fleet_tiles(t, top, rows, order, n);
	else
		draw_fleet_table(t, top, rows, order, n);
	free(order);
}

/* The node the node view shows, or NULL when it is gone. */
static const struct pd_node *
current_node(const struct tui *t)
{
	for (size_t i = 0; i < t->snap->nnodes; i++)
		if (strcmp(t->snap->nodes[i].name, t->node) == 0)
			return &t->snap->nodes[i];
	return NULL;
}

static int sort_key;
static int sort_rev;

/* qsort comparator for the node view. */
static int
container_cmp(const void *a, const void *b)
{
	const struct pd_container *x = *(const struct pd_container *const *)a;
	const struct pd_container *y = *(const struct pd_container *const *)b;
	int r = 0;

	switch (sort_key) {
	case TS_STATE: r = strcmp(x->state, y->state); break;
	case TS_CPU: r = (x->cpu_pct > y->cpu_pct) - (x->cpu_pct < y->cpu_pct); r = -r; break;
	case TS_MEM: r = (x->mem_usage > y->mem_usage) - (x->mem_usage < y->mem_usage); r = -r; break;
	case TS_RESTARTS: r = y->restart_count - x->restart_count; break;
	default: break;
	}
	if (r == 0)
		r = strcmp(x->name, y->name);
	return sort_rev ? -r : r;
}

/* The containers of the node view in display order; returns the count. */
static int
node_containers(struct tui *t, const struct pd_node *n, const struct pd_container **out)
{
	int k = 0;

	for (size_t i = 0; i < n->ncontainers; i++) {
		const struct pd_container *c = &t->snap->containers[n->first_container + i];

		if (has(c->name, t->filter[TV_NODE]) || has(c->image, t->filter[TV_NODE]) ||
		    has(c->state, t->filter[TV_NODE]))
			out[k++] = c;
	}
	sort_key = t->sort;
	sort_rev = t->sort_rev;
	qsort(out, (size_t)k, sizeof(*out), container_cmp);
	return k;
}

/* The node screen. */
static void
draw_node(struct tui *t, int top, int rows)
{
	const struct pd_node *n = current_node(t);
	const struct pd_container **cs;
	struct tui_list *l = &t->list[TV_NODE];
	static const char *const sort_names[] = { "name", "state", "cpu", "mem", "restarts" };
	char buf[512], mem[16], lim[16];
	int k, y, iw, xs;

	if (n == NULL) {
		tui_put(t, top, 2, t->cols - 2, theme_attr(TH_CRIT), "This node is no longer in the fleet.");
		t->nitems = 0;
		return;
	}
	pd_format_bytes(mem, sizeof(mem), n->mem_total);
	snprintf(buf, sizeof(buf), " %s  %s  engine %s  API %s  %d CPUs  %s  rtt %.1f ms  %s",
	    n->name, pd_reach_name(n->reach), n->engine_version[0] ? n->engine_version : "?",
	    n->api_version[0] ? n->api_version : "?", n->ncpu, mem, n->rtt_ms < 0 ? 0 : n->rtt_ms,
	    n->endpoint);
	tui_put_untrusted(t, top, 0, t->cols, theme_attr(TH_INFO), buf);
	if (n->reach != PD_REACH_UP) {
		pd_format_age(mem, sizeof(mem), t->snap->taken, n->last_seen);
		snprintf(buf, sizeof(buf), " STALE: last answer %s ago. %s", mem, n->error);
		tui_put_untrusted(t, top + 1, 0, t->cols, theme_attr(TH_STALE), buf);
	} else {
		snprintf(buf, sizeof(buf), " %d running of %d   sorted by %s%s", n->running, n->total,
		    sort_names[t->sort], t->sort_rev ? " (reversed)" : "");
		tui_put(t, top + 1, 0, t->cols, theme_attr(TH_DIM), buf);
	}
	/* NAME and IMAGE share what the fixed columns leave. */
	iw = t->cols - 71 - 22;
	if (iw < 0)
		iw = 0;
	xs = 22 + (iw > 0 ? iw + 1 : 0);
	tui_fill(top + 2, 0, t->cols, theme_attr(TH_TITLE));
	tui_put(t, top + 2, 1, 20, theme_attr(TH_TITLE), "NAME");
	if (iw > 0)
		tui_put(t, top + 2, 22, iw, theme_attr(TH_TITLE), "IMAGE");
	tui_put(t, top + 2, xs, t->cols - xs, theme_attr(TH_TITLE),
	    "STATE      HEALTH    RST EXIT OOM   CPU% MEMORY");
	cs = calloc(n->ncontainers + 1, sizeof(*cs));
	if (cs == NULL)
		return;
	k = node_containers(t, n, cs);
	t->nitems = k;
	t->page_rows = rows - 3;
	list_clamp(l, k, rows - 3);
	y = top + 3;
	for (int i = l->top; i < k && y < top + rows; i++, y++) {
		const struct pd_container *c = cs[i];
		int sel = i == l->sel, base = theme_attr(sel ? TH_SELECTION : TH_NORMAL);
		int st = strcmp(c->state, "running") == 0 ? TH_OK :
		    (strcmp(c->state, "exited") == 0 && c->exit_code != 0) ? TH_CRIT :
		    strcmp(c->state, "restarting") == 0 ? TH_WARN : TH_DIM;
		int he = c->health == PD_HEALTH_UNHEALTHY ? TH_CRIT :
		    c->health == PD_HEALTH_STARTING ? TH_WARN : c->health == PD_HEALTH_HEALTHY ? TH_OK : TH_DIM;

		if (n->reach != PD_REACH_UP && !sel)
			base = theme_attr(TH_STALE), st = he = TH_STALE;
		tui_fill(y, 0, t->cols, base);
		tui_put_untrusted(t, y, 1, 20, base, c->name);
		if (iw > 0)
			tui_put_untrusted(t, y, 22, iw, base, c->image);
		tui_put(t, y, xs, 10, sel ? base : theme_attr(st), c->state);
		tui_put(t, y, xs + 11, 9, sel ? base : theme_attr(he),
		    c->health == PD_HEALTH_NONE ? "-" : pd_health_name(c->health));
		snprintf(buf, sizeof(buf), "%3d %4d %s", c->restart_count, c->exit_code,
		    c->oom_killed ? "OOM" : "  -");
		tui_put(t, y, xs + 21, 12, c->oom_killed && !sel ? theme_attr(TH_CRIT) : base, buf);
		if (c->cpu_pct >= 0)
			snprintf(buf, sizeof(buf), "%6.1f", c->cpu_pct);
		else
			snprintf(buf, sizeof(buf), "     -");
		tui_put(t, y, xs + 34, 6, base, buf);
		if (c->sampled_at != 0) {
			pd_format_bytes(mem, sizeof(mem), c->mem_usage);
			pd_format_bytes(lim, sizeof(lim), c->mem_limit);
			snprintf(buf, sizeof(buf), "%s/%s", mem, lim);
		} else {
			snprintf(buf, sizeof(buf), "-");
		}
		tui_put(t, y, xs + 41, t->cols - xs - 41, base, buf);
		tui_hit_add(t, y, 0, 1, t->cols, i);
	}
	if (k == 0)
		tui_put(t, top + 3, 2, t->cols - 2, theme_attr(TH_DIM),
		    t->filter[TV_NODE][0] ? "No container matches the filter." : "No containers.");
	free(cs);
}

/* The container the container view shows, and its node. */
static const struct pd_container *
current_container(const struct tui *t, const struct pd_node **np)
{
	const struct pd_node *n = current_node(t);

	*np = n;
	if (n == NULL)
		return NULL;
	for (size_t i = 0; i < n->ncontainers; i++)
		if (strcmp(t->snap->containers[n->first_container + i].id, t->cid) == 0)
			return &t->snap->containers[n->first_container + i];
	return NULL;
}

/* Lines of the container screen, collected then drawn from the scroll top. */
struct lines {
	char text[160][PD_LINE_LEN + 32];
	int attr[160];
	int untrusted[160];
	int n;
};

/* Add a line. */
static void
add(struct lines *L, int attr, int untrusted, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(struct lines *L, int attr, int untrusted, const char *fmt, ...)
{
	va_list ap;

	if (L->n == 160)
		return;
	va_start(ap, fmt);
	vsnprintf(L->text[L->n], sizeof(L->text[0]), fmt, ap);
	va_end(ap);
	L->attr[L->n] = attr;
	L->untrusted[L->n] = untrusted;
	L->n++;
}

/* The container screen. */
static void
draw_container(struct tui *t, int top, int rows)
{
	const struct pd_node *n;
	const struct pd_container *c = current_container(t, &n);
	const struct pd_details *d = &t->details;
	struct lines *L = calloc(1, sizeof(*L));
	struct tui_list *l = &t->list[TV_CONTAINER];
	char a[32], b[32];
	int y;

	if (L == NULL)
		return;
	if (c == NULL) {
		tui_put(t, top, 2, t->cols - 2, theme_attr(TH_CRIT), "This container is gone.");
		t->nitems = 0;
		free(L);
		return;
	}
	add(L, theme_attr(TH_INFO), 1, " %s on %s   %s%s%s", c->name, n->name, c->state,
	    c->health != PD_HEALTH_NONE ? ", " : "", c->health != PD_HEALTH_NONE ?
	    pd_health_name(c->health) : "");
	if (n->reach != PD_REACH_UP)
		add(L, theme_attr(TH_STALE), 0, " STALE: the node does not answer; this is the last known state");
	add(L, theme_attr(TH_NORMAL), 1, " image     %s", c->image);
	add(L, theme_attr(TH_NORMAL), 0, " id        %.12s", c->id);
	if (d->ready) {
		add(L, theme_attr(TH_NORMAL), 1, " command   %s", d->command);
		add(L, theme_attr(TH_NORMAL), 1, " restart   %s%s%.0d   restarts %d",
		    d->restart_policy[0] ? d->restart_policy : "no", d->restart_max ? " max " : "",
		    d->restart_max, c->restart_count);
		char cpus[16];

		pd_format_bytes(a, sizeof(a), d->mem_limit);
		pd_format_bytes(b, sizeof(b), d->mem_reservation);
		snprintf(cpus, sizeof(cpus), "%.2f", d->cpus);
		add(L, theme_attr(TH_NORMAL), 0, " limits    memory %s  reservation %s  cpus %s",
		    d->mem_limit ? a : "none", d->mem_reservation ? b : "none",
		    d->cpus > 0 ? cpus : "none");
		add(L, theme_attr(TH_NORMAL), 1, " user      %s%s%s", d->user[0] ? d->user : "(image default)",
		    d->privileged ? "  PRIVILEGED" : "", d->read_only_rootfs ? "  read-only rootfs" : "");
	} else if (d->error[0]) {
		add(L, theme_attr(TH_CRIT), 1, " %s", d->error);
	} else {
		add(L, theme_attr(TH_DIM), 0, " fetching details...");
	}
	pd_format_age(a, sizeof(a), t->snap->taken, c->started_at);
	pd_format_age(b, sizeof(b), t->snap->taken, c->finished_at);
	add(L, theme_attr(TH_NORMAL), 0, " started   %s%s   finished %s%s   exit %d%s", a,
	    c->started_at ? " ago" : "", b, c->finished_at ? " ago" : "",
	    c->exit_code, c->oom_killed ? "   OOM-KILLED" : "");
	if (c->sampled_at) {
		pd_format_bytes(a, sizeof(a), c->mem_usage);
		pd_format_bytes(b, sizeof(b), c->mem_limit);
		add(L, theme_attr(TH_NORMAL), 0, " usage     cpu %.1f%%   memory %s of %s",
		    c->cpu_pct < 0 ? 0 : c->cpu_pct, a, b);
	}
	if (d->ready && d->nhealth > 0) {
		add(L, theme_attr(TH_TITLE), 0, " Health log");
		for (int i = 0; i < d->nhealth; i++)
			add(L, theme_attr(d->health_exit[i] ? TH_WARN : TH_NORMAL), 1, "  exit %d  %s",
			    d->health_exit[i], d->health_log[i][0] ? d->health_log[i] : "(no output)");
	}
	add(L, theme_attr(TH_TITLE), 0, " Recent events");
	for (size_t i = 0, k = 0; i < t->snap->nevents && k < 8; i++) {
		const struct pd_event *e = &t->snap->events[i];
		struct tm tm;

		if (strcmp(e->node, n->name) != 0 || strcmp(e->container, c->name) != 0)
			continue;
		localtime_r(&e->time, &tm);
		strftime(a, sizeof(a), "%H:%M:%S", &tm);
		add(L, theme_attr(TH_NORMAL), 1, "  %s %-8s %s", a, e->action, e->text);
		k++;
	}
	add(L, theme_attr(TH_TITLE), 0, " Last log lines");
	if (d->ready || d->nlogs)
		for (int i = 0; i < d->nlogs; i++)
			add(L, theme_attr(TH_NORMAL), 1, "  %s", d->logs[i]);
	t->nitems = L->n;
	t->page_rows = rows;
	if (l->top > L->n - rows)
		l->top = L->n - rows;
	if (l->top < 0)
		l->top = 0;
	l->sel = l->top;
	y = top;
	for (int i = l->top; i < L->n && y < top + rows; i++, y++) {
		if (L->untrusted[i])
			tui_put_untrusted(t, y, 0, t->cols, L->attr[i], L->text[i]);
		else
			tui_put(t, y, 0, t->cols, L->attr[i], L->text[i]);
	}
	free(L);
}

/* Whether event E passes the events filter: "node:x", "container:x",
 * "kind:node", or text anywhere.  HEAL: a heal result (kind "heal"). */
static int
event_matches(const struct pd_event *e, int heal, const char *f)
{
	const char *kind = heal ? "heal" : e->kind == PD_EV_NODE ? "node" :
	    e->kind == PD_EV_ANOMALY ? "agent" : "container";

	if (strncmp(f, "node:", 5) == 0)
		return has(e->node, f + 5);
	if (strncmp(f, "container:", 10) == 0)
		return has(e->container, f + 10);
	if (strncmp(f, "kind:", 5) == 0)
		return has(kind, f + 5);
	return has(e->node, f) || has(e->container, f) || has(e->action, f) || has(e->text, f);
}

/* The events screen: the snapshot's events and the heal results of this
 * cockpit (tui-heal.c), merged newest first. */
static void
draw_events(struct tui *t, int top, int rows)
{
	const struct pd_snapshot *s = t->snap;
	struct tui_list *l = &t->list[TV_EVENTS];
	const struct pd_event **idx = calloc(s->nevents + t->nheal_ev + 1, sizeof(*idx));
	int k = 0, y;
	size_t a = 0, j = 0;
	char tbuf[16];

	if (idx == NULL)
		return;
	while (a < s->nevents || j < t->nheal_ev) {
		int heal = j < t->nheal_ev && (a == s->nevents ||
		    t->heal_ev[j].time > s->events[a].time);
		const struct pd_event *e = heal ? &t->heal_ev[j++] : &s->events[a++];

		if (event_matches(e, heal, t->filter[TV_EVENTS]))
			idx[k++] = e;
	}
	t->nitems = k;
	t->page_rows = rows - 1;
	tui_put(t, top, 0, t->cols, theme_attr(TH_TITLE),
	    " TIME     NODE           CONTAINER            ACTION     DETAILS");
	list_clamp(l, k, rows - 1);
	y = top + 1;
	for (int i = l->top; i < k && y < top + rows; i++, y++) {
		const struct pd_event *e = idx[i];
		int sel = i == l->sel, base = theme_attr(sel ? TH_SELECTION : TH_NORMAL);
		int act = base, heal = e >= t->heal_ev && e < t->heal_ev + t->nheal_ev;
		struct tm tm;

		if (heal && !sel)
			act = theme_attr(strcmp(e->severity, "succeeded") == 0 ? TH_OK :
			    strcmp(e->severity, "failed") == 0 ? TH_CRIT : TH_DIM);
		else if (!sel && (strcmp(e->action, "die") == 0 || strcmp(e->action, "oom") == 0 ||
		    strcmp(e->action, "down") == 0 || strcmp(e->text, "unhealthy") == 0 ||
		    (e->kind == PD_EV_ANOMALY && strcmp(e->severity, "critical") == 0)))
			act = theme_attr(TH_CRIT);
		localtime_r(&e->time, &tm);
		strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
		tui_fill(y, 0, t->cols, base);
		tui_put(t, y, 1, 8, base, tbuf);
		tui_put_untrusted(t, y, 10, 14, base, e->node);
		tui_put_untrusted(t, y, 25, 20, base, e->container[0] ? e->container : "-");
		tui_put_untrusted(t, y, 46, 10, act, e->action);
		tui_put_untrusted(t, y, 57, t->cols - 57, base, e->text);
		tui_hit_add(t, y, 0, 1, t->cols, i);
	}
	if (k == 0)
		tui_put(t, top + 1, 2, t->cols - 2, theme_attr(TH_DIM), "No events yet.");
	free(idx);
}

unsigned
tui_alarm_signature(const struct pd_snapshot *s)
{
	unsigned h = 2166136261u;

	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *n = &s->nodes[i];

		if (n->reach == PD_REACH_DOWN || n->reach == PD_REACH_STALE)
			for (const char *p = n->name; *p; p++)
				h = (h ^ (unsigned char)*p) * 16777619u;
	}
	for (size_t i = 0; i < s->ncontainers; i++)
		if (s->containers[i].health == PD_HEALTH_UNHEALTHY ||
		    strcmp(s->containers[i].state, "restarting") == 0)
			for (const char *p = s->containers[i].id; *p; p++)
				h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

int
tui_alarm_text(const struct tui *t, char *out, size_t len)
{
	const struct pd_snapshot *s = t->snap;
	int down = 0, stale = 0, unh = 0, rst = 0;
	size_t o;

	for (size_t i = 0; i < s->nnodes; i++) {
		down += s->nodes[i].reach == PD_REACH_DOWN;
		stale += s->nodes[i].reach == PD_REACH_STALE;
	}
	for (size_t i = 0; i < s->ncontainers; i++) {
		unh += s->containers[i].health == PD_HEALTH_UNHEALTHY;
		rst += strcmp(s->containers[i].state, "restarting") == 0;
	}
	if (!down && !stale && !unh && !rst) {
		out[0] = '\0';
		return 0;
	}
	o = (size_t)snprintf(out, len, " ALARM:");
	if (down && o < len)
		o += (size_t)snprintf(out + o, len - o, " %d node%s DOWN", down, down == 1 ? "" : "s");
	if (stale && o < len)
		o += (size_t)snprintf(out + o, len - o, " %d stale", stale);
	if (unh && o < len)
		o += (size_t)snprintf(out + o, len - o, " %d unhealthy", unh);
	if (rst && o < len)
		snprintf(out + o, len - o, " %d restarting", rst);
	return 1;
}

/* The kiosk's alarm page: one line per problem, plainly. */
static void
draw_alarms(struct tui *t, int top, int rows)
{
	const struct pd_snapshot *s = t->snap;
	char buf[512], age[16];
	int y = top + 1;

	tui_put(t, top, 0, t->cols, theme_attr(TH_TITLE), " ALARMS");
	for (size_t i = 0; i < s->nnodes && y < top + rows; i++) {
		const struct pd_node *n = &s->nodes[i];

		if (n->reach == PD_REACH_UP || n->reach == PD_REACH_CONNECTING)
			continue;
		pd_format_age(age, sizeof(age), s->taken, n->last_seen);
		snprintf(buf, sizeof(buf), " NODE %s %s  (last answer %s ago)", n->name,
		    n->reach == PD_REACH_DOWN ? "DOWN" : "STALE", age);
		tui_put_untrusted(t, y++, 0, t->cols, theme_attr(TH_ALARM), buf);
	}
	for (size_t i = 0; i < s->nnodes && y < top + rows; i++) {
		const struct pd_node *n = &s->nodes[i];

		for (size_t k = 0; k < n->ncontainers && y < top + rows; k++) {
			const struct pd_container *c = &s->containers[n->first_container + k];

			if (c->health != PD_HEALTH_UNHEALTHY && strcmp(c->state, "restarting") != 0)
				continue;
			snprintf(buf, sizeof(buf), " %s on %s: %s", c->name, n->name,
			    c->health == PD_HEALTH_UNHEALTHY ? "UNHEALTHY" : "RESTARTING");
			tui_put_untrusted(t, y++, 0, t->cols, theme_attr(TH_CRIT), buf);
		}
	}
	y += tui_heal_alarm_lines(t, y, top + rows);
	if (y == top + 1)
		tui_put(t, y, 1, t->cols - 1, theme_attr(TH_OK), " No alarms: every node answers, every container is healthy.");
	t->nitems = 0;
}

void
tui_draw_view(struct tui *t, int top, int rows)
{
	t->nhits = 0;
	switch (tui_view(t)) {
	case TV_FLEET: draw_fleet(t, top, rows); break;
	case TV_NODE: draw_node(t, top, rows); break;
	case TV_CONTAINER: draw_container(t, top, rows); break;
	case TV_EVENTS: draw_events(t, top, rows); break;
	case TV_ALARMS: draw_alarms(t, top, rows); break;
	case TV_DEPLOYS:
	case TV_DEPLOY:
	case TV_PLAN: tui_deploy_draw(t, top, rows); break;
	case TV_HEALS:
	case TV_HEAL: tui_heal_draw(t, top, rows); break;
	case TV_COUNT: break;
	}
}

const char *
tui_footer_keys(const struct tui *t)
{
	if (t->opts->kiosk)
		return " KIOSK  read-only screen";
	switch (tui_view(t)) {
	case TV_FLEET:
		return " F1 Help  Enter Open  / Filter  t Tiles  b Group  e Events  D Deploys  H Heal";
	case TV_NODE:
		return " F1 Help  Enter Open  Esc Back  / Filter  s Sort  r Reverse  e Events  F10 Quit";
	case TV_CONTAINER:
		return " F1 Help  Esc Back  Up/Down Scroll  e Events  F10 Quit";
	case TV_EVENTS:
		return " F1 Help  Esc Back  / Filter (node: container: kind:)  F10 Quit";
	case TV_DEPLOYS:
	case TV_DEPLOY:
	case TV_PLAN:
		return tui_deploy_footer(t);
	case TV_HEALS:
	case TV_HEAL:
		return tui_heal_footer(t);
	default:
		return " F10 Quit";
	}
}

/* Keys of each view, for the help overlay. */
static const char *const help_common[] = {
	"Up/Down, k/j     move",
	"PgUp/PgDn        page",
	"Home/End, g/G    first, last",
	"Enter, click     open",
	"Esc, Backspace   back",
	"/, F3            filter (Enter keeps it, Esc clears it)",
	"e                events timeline",
	"D, F5            deploys",
	"H, F7            heal queue (self-heal proposals)",
	"F1, ?            this help",
	"Ctrl-L           redraw",
	"q, F10           quit",
	NULL,
};
static const char *const help_fleet[] = {
	"t                table / tiles", "b                group by the next label", NULL,
};
static const char *const help_node[] = {
	"s, F6            sort by the next column", "r                reverse the sort", NULL,
};
static const char *const help_deploys[] = {
	"n                new deploy: stack file, then nodes",
	"p / r            pause / resume (asks first)",
	"a / b            abort / roll back (asks first)",
	"Enter            open the deploy; on a node, the node",
	NULL,
};
static const char *const help_heal[] = {
	"Enter            open the proposal: evidence, result",
	"a                approve it (asks first)",
	"x, r             reject it: a reason, then y/n",
	"o                all proposals / open ones only",
	NULL,
};
static const char *const help_plan[] = {
	"Enter            start this deploy (asks first)",
	"n                another stack file or nodes",
	NULL,
};

void
tui_draw_help(struct tui *t)
{
	const char *const *extra = tui_view(t) == TV_FLEET ? help_fleet :
	    tui_view(t) == TV_NODE ? help_node : tui_view(t) == TV_PLAN ? help_plan :
	    tui_view(t) == TV_DEPLOYS || tui_view(t) == TV_DEPLOY ? help_deploys :
	    tui_view(t) == TV_HEALS || tui_view(t) == TV_HEAL ? help_heal : NULL;
	int n = 0, w = 62, h, y0, x0, y;

	for (const char *const *p = help_common; *p; p++)
		n++;
	if (extra)
		for (const char *const *p = extra; *p; p++)
			n++;
	h = n + 4;
	if (w > t->cols)
		w = t->cols;
	if (h > t->lines)
		h = t->lines;
	y0 = (t->lines - h) / 2;
	x0 = (t->cols - w) / 2;
	for (y = y0; y < y0 + h; y++)
		tui_fill(y, x0, w, theme_attr(TH_NORMAL) | A_REVERSE);
	tui_put(t, y0 + 1, x0 + 2, w - 4, theme_attr(TH_NORMAL) | A_REVERSE | A_BOLD,
	    "Keys on this screen (any key closes)");
	y = y0 + 2;
	if (extra)
		for (const char *const *p = extra; *p && y < y0 + h - 1; p++)
			tui_put(t, y++, x0 + 2, w - 4, theme_attr(TH_NORMAL) | A_REVERSE, *p);
	for (const char *const *p = help_common; *p && y < y0 + h - 1; p++)
		tui_put(t, y++, x0 + 2, w - 4, theme_attr(TH_NORMAL) | A_REVERSE, *p);
}

int
tui_open_selected(struct tui *t)
{
	const struct pd_snapshot *s = t->snap;
	int sel;

	switch (tui_view(t)) {
	case TV_FLEET: {
		int *order = calloc(s->nnodes + 1, sizeof(*order)), n;

		if (order == NULL)
			return 0;
		n = fleet_order(t, order);
		sel = t->list[TV_FLEET].sel;
		if (sel >= 0 && sel < n) {
			snprintf(t->node, sizeof(t->node), "%s", s->nodes[order[sel]].name);
			t->list[TV_NODE] = (struct tui_list){ 0, 0 };
			t->filter[TV_NODE][0] = '\0';
			t->stack[t->depth++] = TV_NODE;
		}
		free(order);
		return sel >= 0 && sel < n;
	}
	case TV_NODE: {
		const struct pd_node *n = current_node(t);
		const struct pd_container **cs;
		int k;

		if (n == NULL || t->depth >= TUI_MAX_DEPTH)
			return 0;
		cs = calloc(n->ncontainers + 1, sizeof(*cs));
		if (cs == NULL)
			return 0;
		k = node_containers(t, n, cs);
		sel = t->list[TV_NODE].sel;
		if (sel >= 0 && sel < k) {
			snprintf(t->cid, sizeof(t->cid), "%s", cs[sel]->id);
			t->list[TV_CONTAINER] = (struct tui_list){ 0, 0 };
			memset(&t->details, 0, sizeof(t->details));
			backend_watch_container(t->b, n->name, t->cid);
			t->stack[t->depth++] = TV_CONTAINER;
		}
		free(cs);
		return sel >= 0 && sel < k;
	}
	case TV_DEPLOYS:
	case TV_DEPLOY:
		return tui_deploy_open_selected(t);
	case TV_HEALS:
		return tui_heal_open_selected(t);
	default:
		return 0;
	}
}
