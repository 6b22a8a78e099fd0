/* screen-events.c: the events screen, the fleet-wide timeline.
 *
 * The snapshot's events (containers, nodes, the agents' anomalies) and the
 * results of heal proposals this cockpit saw (tui-heals.c), merged newest
 * first, filterable by "node:", "container:", "kind:" or any text.  e opens
 * it from any other screen. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui-internal.h"

/* Whether event E passes the events filter: "node:x", "container:x",
 * "kind:node", or text anywhere.  HEAL: a heal result (kind "heal"). */
static int
event_matches(const struct pd_event *e, int heal, const char *f)
{
	const char *kind = heal ? "heal" : e->kind == PD_EV_NODE ? "node" :
	    e->kind == PD_EV_ANOMALY ? "agent" : "container";

	if (strncmp(f, "node:", 5) == 0)
		return tui_has(e->node, f + 5);
	if (strncmp(f, "container:", 10) == 0)
		return tui_has(e->container, f + 10);
	if (strncmp(f, "kind:", 5) == 0)
		return tui_has(kind, f + 5);
	return tui_has(e->node, f) || tui_has(e->container, f) || tui_has(e->action, f) ||
	    tui_has(e->text, f);
}

/* The events screen: the snapshot's events and the heal results of this
 * cockpit (tui-heals.c), merged newest first. */
static void
events_draw(struct tui *t, int top, int rows)
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
	tui_list_clamp(l, k, rows - 1);
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
		tui_put(t, top + 1, 2, t->cols - 2, theme_attr(TH_DIM),
		    tui_empty_text(t, "No events yet."));
	free(idx);
}

/* Opened: from the newest. */
static void
events_enter(struct tui *t)
{
	t->list[TV_EVENTS] = (struct tui_list){ 0, 0 };
}

static const char *const events_help[] = {
	"filter words     node:NAME  container:NAME  any text",
	"                 kind:container|node|agent|heal",
	NULL,
};

const struct tui_screen screen_events = {
	.name = "Events",
	.footer = " F1 Help  Esc Back  / Filter (node: container: kind:)  F10 Quit",
	.help = events_help,
	.flags = TUI_FILTERS,
	.enter = events_enter,
	.draw = events_draw,
};
