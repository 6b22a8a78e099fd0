/* tui-alarms.c: the fleet's alarms as the cockpit shows them.
 *
 * pd_alarms() (backend/model/alarm.c) decides what an alarm is; this file
 * reads its list once per snapshot into struct tui, so that the alarm line
 * on line 1, the fleet's tiles and rows, the kiosk's alarm page and the
 * jump key all show the same alarms in the same order.  A change in which
 * culprits are alarming (not in their restart counts) makes the line blink
 * for a while (tui-frame.c).
 *
 * The jump key (!) opens the node screen of the next alarm, with its
 * culprit container selected (nothing selected for a node's own alarm);
 * pressed again, the alarm after the one it went to last, in the order of
 * the list as it is then. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui-internal.h"

/* A hash of which culprits are alarming, so that a change can blink. */
static unsigned
alarms_signature(const struct pd_alarm *a, size_t n)
{
	unsigned h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h = (h ^ (unsigned)a[i].kind) * 16777619u;
		for (const char *p = a[i].node; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		for (const char *p = a[i].id; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
	}
	return h;
}

/* Read the alarms of the new snapshot. */
void
tui_alarms_read(struct tui *t)
{
	unsigned sig;

	free(t->alarms);
	t->alarms = pd_alarms(t->snap, &t->nalarms);
	sig = alarms_signature(t->alarms, t->nalarms);
	if (sig != t->alarm_sig) {
		t->alarm_sig = sig;
		t->alarm_changed = t->now;
	}
}

/* The alarm line in OUT for WIDTH columns, with a leading blank; 0 (and "")
 * when nothing is alarming. */
int
tui_alarms_line(const struct tui *t, char *out, size_t len, int width)
{
	if (t->nalarms == 0 || len < 2) {
		if (len > 0)
			out[0] = '\0';
		return 0;
	}
	out[0] = ' ';
	pd_alarm_line(out + 1, len - 1, t->alarms, t->nalarms, width - 1, !t->utf8);
	return 1;
}

/* The worst kind of alarm on NODE (its own or its containers'), or -1. */
int
tui_alarms_of_node(const struct tui *t, const char *node)
{
	/* The list is worst first: the first one of the node is its worst. */
	for (size_t i = 0; i < t->nalarms; i++)
		if (strcmp(t->alarms[i].node, node) == 0)
			return (int)t->alarms[i].kind;
	return -1;
}

/* The key that names alarm A among the others. */
static void
alarm_key(char *out, size_t len, const struct pd_alarm *a)
{
	snprintf(out, len, "%s/%s", a->node, a->id);
}

/* !: open the node screen on the next alarm's culprit. */
void
tui_alarms_jump(struct tui *t)
{
	char key[sizeof(t->alarm_jumped)], text[64], where[8 * PD_NAME_LEN + 2];
	const struct pd_alarm *a;
	size_t next = 0;

	if (t->nalarms == 0) {
		tui_message(t, theme_attr(TH_OK), 3, " No alarms.");
		return;
	}
	/* After the one it went to last, as the list is now. */
	for (size_t i = 0; i < t->nalarms; i++) {
		alarm_key(key, sizeof(key), &t->alarms[i]);
		if (strcmp(key, t->alarm_jumped) == 0) {
			next = (i + 1) % t->nalarms;
			break;
		}
	}
	a = &t->alarms[next];
	alarm_key(t->alarm_jumped, sizeof(t->alarm_jumped), a);
	snprintf(t->node, sizeof(t->node), "%s", a->node);
	snprintf(t->select_cid, sizeof(t->select_cid), "%s", a->id);
	if (tui_view(t) == TV_NODE)
		tui_open(t, TV_NODE, TUI_REPLACE);
	else
		tui_open(t, TV_NODE, TUI_ROOT);
	pd_alarm_text(text, sizeof(text), a, !t->utf8);
	if (a->container[0] != '\0') {
		char node[4 * PD_NAME_LEN], name[4 * PD_NAME_LEN];

		pd_sanitize(node, sizeof(node), a->node, !t->utf8);
		pd_sanitize(name, sizeof(name), a->container, !t->utf8);
		snprintf(where, sizeof(where), "%s/%s", node, name);
	} else {
		pd_sanitize(where, sizeof(where), a->node, !t->utf8);
	}
	tui_message(t, theme_attr(TH_WARN), 0, " Alarm %zu of %zu: %s %s  (! next)", next + 1,
	    t->nalarms, where, text);
}

/* Free the alarms. */
void
tui_alarms_free(struct tui *t)
{
	free(t->alarms);
	t->alarms = NULL;
	t->nalarms = 0;
}
