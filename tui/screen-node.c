/* screen-node.c: the node screen, one node's containers.
 *
 * The node's engine facts on top (or why it is stale), then its containers:
 * state, health, restarts, exit code, OOM, CPU and memory (and, as width
 * allows, image, uptime, stack and ports), filtered, sorted by a column (s
 * the next one, r reversed; its header carries the indicator).  The fleet screen and the
 * deploy screen open it on t->node; Enter opens the container screen on
 * the selected container, a or F9 its actions (tui-actions.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui-internal.h"

enum node_sort { NS_NAME, NS_STATE, NS_CPU, NS_MEM, NS_RESTARTS, NS_COUNT };

/* The node screen's own state. */
static struct {
	enum node_sort sort;
	int rev;
} node;

/* The order container_cmp() sorts by, while qsort() runs. */
static enum node_sort sort_key;
static int sort_rev;

/* qsort comparator for the node view. */
static int
container_cmp(const void *a, const void *b)
{
	const struct pd_container *x = *(const struct pd_container *const *)a;
	const struct pd_container *y = *(const struct pd_container *const *)b;
	int r = 0;

	switch (sort_key) {
	case NS_STATE: r = strcmp(x->state, y->state); break;
	case NS_CPU: r = (x->cpu_pct > y->cpu_pct) - (x->cpu_pct < y->cpu_pct); r = -r; break;
	case NS_MEM: r = (x->mem_usage > y->mem_usage) - (x->mem_usage < y->mem_usage); r = -r; break;
	case NS_RESTARTS: r = y->restart_count - x->restart_count; break;
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

		if (tui_has(c->name, t->filter[TV_NODE]) || tui_has(c->image, t->filter[TV_NODE]) ||
		    tui_has(c->state, t->filter[TV_NODE]))
			out[k++] = c;
	}
	sort_key = node.sort;
	sort_rev = node.rev;
	qsort(out, (size_t)k, sizeof(*out), container_cmp);
	return k;
}

/* The networks N's containers are attached to, beyond the modes every
 * engine has (bridge, host, none), each once: "plc_default, plant-bus". */
static void
node_networks(const struct tui *t, const struct pd_node *n, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n->ncontainers; i++) {
		char buf[PD_NAME_LEN], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", t->snap->containers[n->first_container + i].networks);
		for (char *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
			size_t k = strlen(w);
			const char *p = out;

			if (strcmp(w, "bridge") == 0 || strcmp(w, "host") == 0 || strcmp(w, "none") == 0)
				continue;
			/* Already listed? */
			while ((p = strstr(p, w)) != NULL && !((p == out || p[-1] == ' ') &&
			    (p[k] == ',' || p[k] == '\0')))
				p += k;
			if (p != NULL || used + k + 3 > len)
				continue;
			used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "", w);
		}
	}
}

/* Whether theme element E marks a problem (drawn even on the selection). */
static int
alarm_elem(int e)
{
	return e == TH_WARN || e == TH_CRIT;
}

/* The node screen. */
static void
node_draw(struct tui *t, int top, int rows)
{
	const struct pd_node *n = tui_node(t);
	const struct pd_container **cs;
	struct tui_list *l = &t->list[TV_NODE];
	static const char *const sort_names[] = { "name", "state", "cpu", "mem", "restarts" };
	char buf[512], mem[16], lim[16];
	int k, y, iw, xs, up, stw, pw, xst, xh, xm;
	/* The sort indicator: name and state ascending, the figures largest first. */
	int dir = (node.sort == NS_NAME || node.sort == NS_STATE ? 1 : -1) * (node.rev ? -1 : 1);

	if (n == NULL) {
		tui_put(t, top, 2, t->cols - 2, theme_attr(TH_CRIT), "This node is no longer in the fleet.");
		t->nitems = 0;
		return;
	}
	tui_shown(t, n->name, 1);  /* each container's CPU and memory */
	pd_format_bytes(mem, sizeof(mem), n->mem_total);
	snprintf(buf, sizeof(buf), " %s  %s  engine %s  API %s  %d CPUs  %s  rtt %.1f ms  %s",
	    n->name, pd_reach_name(n->reach), n->engine_version[0] ? n->engine_version : "?",
	    n->api_version[0] ? n->api_version : "?", n->ncpu, mem, n->rtt_ms < 0 ? 0 : n->rtt_ms,
	    n->endpoint);
	tui_put_untrusted(t, top, 0, t->cols, theme_attr(TH_INFO), buf);
	if (n->reach != PD_REACH_UP) {
		pd_format_age(mem, sizeof(mem), time(NULL), n->last_seen);
		snprintf(buf, sizeof(buf), " STALE: last answer %s ago. %s", mem, n->error);
		tui_put_untrusted(t, top + 1, 0, t->cols, theme_attr(TH_STALE), buf);
	} else {
		char nets[256];

		node_networks(t, n, nets, sizeof(nets));
		snprintf(buf, sizeof(buf), " %d running of %d   sorted by %s%s%s%s", n->running,
		    n->total, sort_names[node.sort], node.rev ? " (reversed)" : "",
		    nets[0] ? "   networks " : "", nets);
		if (n->warning[0] != '\0')   /* a cut list, a reply over its cap: before the rest */
			snprintf(buf, sizeof(buf), " %s   %d running of %d shown", n->warning,
			    n->running, n->total);
		tui_put_untrusted(t, top + 1, 0, t->cols,
		    theme_attr(n->warning[0] != '\0' ? TH_WARN : TH_DIM), buf);
	}
	/* Columns by width: at 80 the fixed ones; UPTIME from 100, STACK from
	 * 140, PORTS from 170; NAME and IMAGE share what they leave. */
	up = t->cols >= 100 ? 8 : 0;
	stw = t->cols >= 140 ? 15 : 0;
	pw = t->cols >= 170 ? 24 : 0;
	iw = t->cols - 22 - stw - 41 - up - (pw ? 14 + pw : 30);
	if (iw < 0)
		iw = 0;
	xs = 22 + (iw > 0 ? iw + 1 : 0);
	xst = xs + stw;
	xh = xst + 11 + up;
	xm = xh + 30;
	tui_fill(top + 2, 0, t->cols, theme_attr(TH_TITLE));
	tui_head(t, top + 2, 1, 20, theme_attr(TH_TITLE), "NAME", node.sort == NS_NAME ? dir : 0);
	if (iw > 0)
		tui_put(t, top + 2, 22, iw, theme_attr(TH_TITLE), "IMAGE");
	if (stw > 0)
		tui_put(t, top + 2, xs, stw, theme_attr(TH_TITLE), "STACK");
	tui_head(t, top + 2, xst, 10, theme_attr(TH_TITLE), "STATE", node.sort == NS_STATE ? dir : 0);
	if (up > 0)
		tui_put(t, top + 2, xst + 11, up, theme_attr(TH_TITLE), "UPTIME");
	tui_put(t, top + 2, xh, 9, theme_attr(TH_TITLE), "HEALTH");
	tui_head(t, top + 2, xh + 9, 1, theme_attr(TH_TITLE), "", node.sort == NS_RESTARTS ? dir : 0);
	tui_put(t, top + 2, xh + 10, 4, theme_attr(TH_TITLE), "RST");
	tui_put(t, top + 2, xh + 14, 9, theme_attr(TH_TITLE), "EXIT OOM");
	/* RST and CPU% are right-aligned: their indicators go before them. */
	tui_head(t, top + 2, xh + 24, 1, theme_attr(TH_TITLE), "", node.sort == NS_CPU ? dir : 0);
	tui_put(t, top + 2, xh + 25, 5, theme_attr(TH_TITLE), "CPU%");
	tui_head(t, top + 2, xm, pw ? 14 : t->cols - xm, theme_attr(TH_TITLE), "MEMORY",
	    node.sort == NS_MEM ? dir : 0);
	if (pw > 0)
		tui_put(t, top + 2, xm + 14, t->cols - xm - 14, theme_attr(TH_TITLE), "PORTS");
	cs = calloc(n->ncontainers + 1, sizeof(*cs));
	if (cs == NULL)
		return;
	k = node_containers(t, n, cs);
	t->nitems = k;
	t->page_rows = rows - 3;
	tui_list_clamp(l, k, rows - 3);
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
		if (stw > 0)
			tui_put_untrusted(t, y, xs, stw - 1, base, c->stack[0] ? c->stack : "-");
		/* A selected row keeps its warning colours: the selection never
		 * hides an alarm. */
		tui_put(t, y, xst, 10, sel && !alarm_elem(st) ? base : theme_attr(st), c->state);
		if (up > 0) {
			/* Since its start, while it runs: "up 3h" without the "up". */
			if (c->started_at != 0 && strcmp(c->state, "running") == 0)
				pd_format_age(buf, sizeof(buf), t->snap->taken, c->started_at);
			else
				snprintf(buf, sizeof(buf), "-");
			tui_put(t, y, xst + 11, up - 1, base, buf);
		}
		tui_put(t, y, xh, 9, sel && !alarm_elem(he) ? base : theme_attr(he),
		    c->health == PD_HEALTH_NONE ? "-" : pd_health_name(c->health));
		snprintf(buf, sizeof(buf), "%3d %4d ", c->restart_count, c->exit_code);
		tui_put(t, y, xh + 10, 9, base, buf);
		tui_put(t, y, xh + 19, 3, c->oom_killed ? theme_attr(TH_CRIT) : base,
		    c->oom_killed ? "OOM" : "  -");
		if (c->cpu_pct >= 0)
			snprintf(buf, sizeof(buf), "%6.1f", c->cpu_pct);
		else
			snprintf(buf, sizeof(buf), "     -");
		tui_put(t, y, xh + 23, 6, base, buf);
		if (c->sampled_at != 0) {
			pd_format_bytes(mem, sizeof(mem), c->mem_usage);
			pd_format_bytes(lim, sizeof(lim), c->mem_limit);
			snprintf(buf, sizeof(buf), "%s/%s", mem, lim);
		} else {
			snprintf(buf, sizeof(buf), "-");
		}
		tui_put(t, y, xm, pw ? 13 : t->cols - xm, base, buf);
		if (pw > 0)
			tui_put_untrusted(t, y, xm + 14, t->cols - xm - 14, base,
			    c->ports[0] ? c->ports : "-");
		tui_hit_add(t, y, 0, 1, t->cols, i);
	}
	if (k == 0)
		tui_put(t, top + 3, 2, t->cols - 2, theme_attr(TH_DIM),
		    tui_empty_text(t, "No containers."));
	free(cs);
}

/* Enter: open the container screen on the selected container. */
static int
node_open(struct tui *t)
{
	const struct pd_node *n = tui_node(t);
	const struct pd_container **cs;
	int k, sel;

	if (n == NULL || t->depth >= TUI_MAX_DEPTH)
		return 0;
	cs = calloc(n->ncontainers + 1, sizeof(*cs));
	if (cs == NULL)
		return 0;
	k = node_containers(t, n, cs);
	sel = t->list[TV_NODE].sel;
	if (sel >= 0 && sel < k) {
		snprintf(t->cid, sizeof(t->cid), "%s", cs[sel]->id);
		tui_open(t, TV_CONTAINER, TUI_PUSH);
	}
	free(cs);
	return sel >= 0 && sel < k;
}

/* The selected container, or NULL. */
static const struct pd_container *
node_selected(struct tui *t, const struct pd_node *n)
{
	const struct pd_container **cs, *c = NULL;
	int k, sel = t->list[TV_NODE].sel;

	if (n == NULL)
		return NULL;
	cs = calloc(n->ncontainers + 1, sizeof(*cs));
	if (cs == NULL)
		return NULL;
	k = node_containers(t, n, cs);
	if (sel >= 0 && sel < k)
		c = cs[sel];
	free(cs);
	return c;
}

/* s, F6: sort by the next column; r: reverse the sort; a, F9: act on the
 * selected container (and the action menu's keys while it is up); L: the
 * selected container's log, full screen. */
static int
node_key(struct tui *t, int ch)
{
	if (t->act_menu || ch == 'a' || ch == KEY_F(9))
		return tui_actions_key(t, ch, t->node, node_selected(t, tui_node(t)));
	if (ch == 'L') {
		const struct pd_container *c = node_selected(t, tui_node(t));

		if (c != NULL) {
			snprintf(t->cid, sizeof(t->cid), "%s", c->id);
			tui_open(t, TV_LOGS, TUI_PUSH_OR_REPLACE);
		}
		return 1;
	}
	switch (ch) {
	case 's':
	case KEY_F(6):
		node.sort = (node.sort + 1) % NS_COUNT;
		return 1;
	case 'r':
		node.rev = !node.rev;
		return 1;
	default:
		return 0;
	}
}

/* Opened on t->node: from the top, unfiltered; on t->select_cid when the
 * alarm key asked for it. */
static void
node_enter(struct tui *t)
{
	const struct pd_node *n = tui_node(t);
	const struct pd_container **cs;

	t->list[TV_NODE] = (struct tui_list){ 0, 0 };
	t->filter[TV_NODE][0] = '\0';
	if (t->select_cid[0] != '\0' && n != NULL &&
	    (cs = calloc(n->ncontainers + 1, sizeof(*cs))) != NULL) {
		int k = node_containers(t, n, cs);

		for (int i = 0; i < k; i++)
			if (strcmp(cs[i]->id, t->select_cid) == 0)
				t->list[TV_NODE].sel = i;
		free(cs);
	}
	t->select_cid[0] = '\0';
}

/* In the breadcrumb: the node's name. */
static const char *
node_crumb(const struct tui *t, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return t->node;
}

/* A new snapshot: an action's result becomes a notice, on any screen. */
static void
node_read(struct tui *t, enum tui_read what, int top)
{
	(void)top;
	if (what == TR_SNAPSHOT)
		tui_actions_read(t);
}

/* Forget the state: the next cockpit starts afresh. */
static void
node_stop(struct tui *t)
{
	(void)t;
	memset(&node, 0, sizeof(node));
}

static const char *const node_help[] = {
	"s, F6            sort by the next column", "r                reverse the sort",
	"L                the container's log, full screen",
	"a, F9            act on the container: a menu, then y/n",
	"                 r restart  s stop  t start  p pause",
	"                 u unpause  x remove (forced)  Esc",
	NULL,
};

const struct tui_screen screen_node = {
	.name = "Node",
	.footer = " F1 Help  Enter Open  Esc Back  / Filter  s/r Sort  a Act  e Events  F10 Quit",
	.help = node_help,
	.flags = TUI_FILTERS,
	.crumb = node_crumb,
	.enter = node_enter,
	.draw = node_draw,
	.key = node_key,
	.open = node_open,
	.answer = tui_actions_answer,
	.read = node_read,
	.stop = node_stop,
};
