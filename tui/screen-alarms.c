/* screen-alarms.c: the alarm page of the kiosk, what is wrong, large and plain.
 *
 * Every alarm of the fleet, worst first, as pd_alarms() lists them (nodes
 * down or stale, containers OOM-killed, crash-looping, unhealthy or exited
 * with an error; see backend/model/alarm.c), then the heal proposals still
 * open, one line each; what does not fit is counted on the last line.  A
 * kiosk with a rotation shows it in turn with the fleet's tiles (tui.c). */
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

/* One alarm's line: "lab-01/crashy  restarting ×13  (last exit 2s ago)". */
static void
alarm_line(const struct tui *t, const struct pd_alarm *a, char *out, size_t len)
{
	const struct pd_snapshot *s = t->snap;
	char text[64], age[16], err[PD_ERROR_LEN] = "";

	pd_alarm_text(text, sizeof(text), a, !t->utf8);
	pd_format_age(age, sizeof(age), s->taken, a->since);
	if (a->container[0] == '\0') {
		for (size_t i = 0; i < s->nnodes; i++)
			if (strcmp(s->nodes[i].name, a->node) == 0 && s->nodes[i].error[0] != '\0')
				snprintf(err, sizeof(err), ": %s", s->nodes[i].error);
		if (a->since != 0)
			snprintf(out, len, " NODE %s %s  (last answer %s ago)%s", a->node, text, age, err);
		else
			snprintf(out, len, " NODE %s %s  (never answered)%s", a->node, text, err);
	} else if (a->since != 0 && a->kind != PD_ALARM_UNHEALTHY) {
		snprintf(out, len, " %s/%s  %s  (%s %s ago)", a->node, a->container, text,
		    a->kind == PD_ALARM_OOM ? "killed" : a->kind == PD_ALARM_EXITED ? "exited" :
		    "last exit", age);
	} else {
		snprintf(out, len, " %s/%s  %s", a->node, a->container, text);
	}
}

/* The kiosk's alarm page: one line per alarm, worst first, plainly. */
static void
alarms_draw(struct tui *t, int top, int rows)
{
	char buf[1024];
	int y = top + 1, bottom = top + rows;

	snprintf(buf, sizeof(buf), " ALARMS  %zu, worst first", t->nalarms);
	tui_put(t, top, 0, t->cols, theme_attr(TH_TITLE), t->nalarms ? buf : " ALARMS");
	for (size_t i = 0; i < t->nalarms && y < bottom; i++) {
		const struct pd_alarm *a = &t->alarms[i];

		if (y == bottom - 1 && i + 1 < t->nalarms) {
			snprintf(buf, sizeof(buf), " ... and %zu more", t->nalarms - i);
			tui_put(t, y++, 0, t->cols, theme_attr(TH_CRIT), buf);
			break;
		}
		alarm_line(t, a, buf, sizeof(buf));
		tui_put_untrusted(t, y++, 0, t->cols, theme_attr(a->kind <= PD_ALARM_OOM ?
		    TH_ALARM : TH_CRIT), buf);
	}
	y += heal_lines(t, y, bottom);
	if (y == top + 1)
		tui_put(t, y, 1, t->cols - 1, theme_attr(TH_OK), " No alarms: every node answers, every container is healthy.");
	t->nitems = 0;
}

const struct tui_screen screen_alarms = {
	.name = "Alarms",
	.footer = " F10 Quit",
	.draw = alarms_draw,
};
