/* screen-alarms.c: the alarm page of the kiosk, what is wrong, large and plain.
 *
 * Nodes down or stale, containers unhealthy or restarting, and the heal
 * proposals still open, one line each.  A kiosk with a rotation shows it
 * in turn with the fleet's tiles (tui.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tui-internal.h"

/* Texts are cut to the screen's fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* The open heal proposals, one line each from Y above BOTTOM; returns the
 * lines drawn. */
static int
heal_lines(struct tui *t, int y, int bottom)
{
	char buf[PD_ERROR_LEN + 160], tg[2 * PD_NAME_LEN + 2];
	int y0 = y;

	for (size_t i = 0; i < t->nheals && y < bottom; i++) {
		const struct pd_proposal *p = &t->heals[i];

		if (tui_heals_over(p->state))
			continue;
		tui_heals_target(tg, sizeof(tg), p);
		snprintf(buf, sizeof(buf), " HEAL #%lld %s: %s %s (%s)", (long long)p->id,
		    pd_proposal_state_name(p->state), pd_heal_action_name(p->action), tg,
		    pd_finding_kind_name(p->kind));
		tui_put_untrusted(t, y++, 0, t->cols, p->state == PD_PROP_PENDING ?
		    theme_attr(TH_WARN) : theme_attr(TH_DEPLOY), buf);
	}
	return y - y0;
}

/* The kiosk's alarm page: one line per problem, plainly. */
static void
alarms_draw(struct tui *t, int top, int rows)
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
	y += heal_lines(t, y, top + rows);
	if (y == top + 1)
		tui_put(t, y, 1, t->cols - 1, theme_attr(TH_OK), " No alarms: every node answers, every container is healthy.");
	t->nitems = 0;
}

const struct tui_screen screen_alarms = {
	.name = "Alarms",
	.footer = " F10 Quit",
	.draw = alarms_draw,
};
