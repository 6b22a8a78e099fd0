/* tui-actions.c: container actions from the node and container screens.
 *
 * a or F9 on a container puts a one-line menu at the bottom: restart (r),
 * stop (s), start (t), pause (p), unpause (u), remove (x), Esc.  The chosen
 * action is asked as y/n naming the node and the container ("Restart
 * lab-01/plc-sim?"; a remove of a running container says that it is
 * killed first), and y hands it to the backend's command thread, which
 * writes it to the audit trail and queues it for its io thread: the
 * cockpit never waits for the database nor for a node.  The result comes
 * back as an event of the container (action "action", "restart by USER:
 * done" or "...: failed: why"), which this file turns into a notice as
 * well.  A read-only cockpit opens no menu,
 * asks nothing and sends nothing: it says read-only (and the backend would
 * refuse all the same).  A kiosk never gets here: its keys only feed the
 * exit chord, and its footer says read-only. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tui-internal.h"

/* Texts are cut to the screen's fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* The menu's keys, one per action (enum pd_container_action). */
static const int action_keys[PD_CACT_COUNT] = {
	[PD_CACT_RESTART] = 'r',
	[PD_CACT_STOP] = 's',
	[PD_CACT_START] = 't',
	[PD_CACT_PAUSE] = 'p',
	[PD_CACT_UNPAUSE] = 'u',
	[PD_CACT_REMOVE] = 'x',
};

const char *const tui_actions_help[] = {
	"a, F9            act on the container: a menu, then y/n",
	"                 r restart  s stop  t start  p pause",
	"                 u unpause  x remove (forced)  Esc",
	NULL,
};

/* The container as the selection names it: node and id, with its name. */
static const struct pd_container *
find(const struct tui *t, const char *node, const char *id)
{
	for (size_t i = 0; t->snap != NULL && i < t->snap->nnodes; i++) {
		const struct pd_node *n = &t->snap->nodes[i];

		if (strcmp(n->name, node) != 0)
			continue;
		for (size_t k = 0; k < n->ncontainers; k++)
			if (strcmp(t->snap->containers[n->first_container + k].id, id) == 0)
				return &t->snap->containers[n->first_container + k];
	}
	return NULL;
}

/* The newest event's seq: results after it are the ones awaited. */
static uint64_t
newest_seq(const struct tui *t)
{
	uint64_t seq = 0;

	for (size_t i = 0; t->snap != NULL && i < t->snap->nevents; i++)
		if (t->snap->events[i].seq > seq)
			seq = t->snap->events[i].seq;
	return seq;
}

/* Hand action A on the remembered container to the backend's command
 * thread (its audit entry can wait on the database), and say so. */
static void
act(struct tui *t, enum pd_container_action a)
{
	char tg[2 * PD_NAME_LEN + 2], clean[sizeof(tg)], words[sizeof(tg) + 64];
	const char *what = pd_container_action_name(a);
	struct pd_command *c = pd_command_new(PD_COMMAND_CONTAINER);

	snprintf(tg, sizeof(tg), "%s/%s", t->act_node, t->act_name);
	pd_sanitize(clean, sizeof(clean), tg, !t->utf8);
	if (c != NULL) {
		snprintf(c->node, sizeof(c->node), "%s", t->act_node);
		snprintf(c->ref, sizeof(c->ref), "%s", t->act_cid);
		snprintf(c->label, sizeof(c->label), "%s", t->act_name);
		c->action = a;
	}
	t->act_wait = 0;
	snprintf(words, sizeof(words), "%c%s %s: writing the audit trail...",
	    what[0] - 'a' + 'A', what + 1, clean);
	if (tui_command_send(t, c, words) != 0)
		t->act_seq = newest_seq(t);     /* the result comes after this */
}

/* The backend wrote the audit entry and queued action C, or refused it:
 * say so; the result is then awaited among the events. */
void
tui_actions_done(struct tui *t, const struct pd_command *c)
{
	char tg[2 * PD_NAME_LEN + 2], clean[sizeof(tg)], e[PD_ERROR_LEN];
	const char *what = pd_container_action_name((enum pd_container_action)c->action);

	if (c->rc != 0) {
		pd_sanitize(e, sizeof(e), c->err, !t->utf8);
		tui_message(t, theme_attr(TH_CRIT), 0, " %s", e);
		return;
	}
	snprintf(t->act_node, sizeof(t->act_node), "%s", c->node);
	snprintf(t->act_cid, sizeof(t->act_cid), "%s", c->ref);
	snprintf(t->act_name, sizeof(t->act_name), "%s", c->label);
	snprintf(tg, sizeof(tg), "%s/%s", c->node, c->label);
	pd_sanitize(clean, sizeof(clean), tg, !t->utf8);
	t->act_wait = 1;
	tui_message(t, theme_attr(TH_INFO), 0, " %c%s %s: sent (audited); the result shows here "
	    "and in the events.", what[0] - 'a' + 'A', what + 1, clean);
	tui_actions_read(t);            /* it may be in the snapshot already */
}

/* a or F9 on container C of NODE, or a key of the menu that is up; 1 when
 * the key was taken. */
int
tui_actions_key(struct tui *t, int ch, const char *node, const struct pd_container *c)
{
	char tg[2 * PD_NAME_LEN + 2], clean[sizeof(tg)];

	if (t->act_menu) {
		const struct pd_container *cur = find(t, t->act_node, t->act_cid);
		int a = -1;
		const char *what;

		t->act_menu = 0;
		for (int i = 0; i < PD_CACT_COUNT; i++)
			if (ch == action_keys[i])
				a = i;
		if (a < 0) {
			tui_message(t, theme_attr(TH_DIM), 3, " Cancelled.");
			return 1;
		}
		what = pd_container_action_name((enum pd_container_action)a);
		t->act_action = a;
		t->ask = TA_CONTAINER;
		snprintf(t->ask_text, sizeof(t->ask_text), "%c%s %s/%s?%s", what[0] - 'a' + 'A',
		    what + 1, t->act_node, t->act_name, a == PD_CACT_REMOVE && cur != NULL &&
		    strcmp(cur->state, "running") == 0 ?
		    " It is running: it is killed first (forced), then removed." :
		    a == PD_CACT_REMOVE ? " It is gone for good." : "");
		return 1;
	}
	if (ch != 'a' && ch != KEY_F(9))
		return 0;
	if (c == NULL) {
		tui_message(t, theme_attr(TH_DIM), 3, " No container selected.");
		return 1;
	}
	snprintf(t->act_node, sizeof(t->act_node), "%s", node);
	snprintf(t->act_cid, sizeof(t->act_cid), "%s", c->id);
	snprintf(t->act_name, sizeof(t->act_name), "%s", c->name);
	snprintf(tg, sizeof(tg), "%s/%s", node, c->name);
	pd_sanitize(clean, sizeof(clean), tg, !t->utf8);
	/* Read-only: no menu, no question, nothing sent (the backend would
	 * refuse it too: backend_container_action). */
	if (backend_read_only(t->b)) {
		tui_message(t, theme_attr(TH_CRIT), 0, " %s: container actions are refused: "
		    "read-only (kiosk or --read-only). Nothing was sent.", clean);
		return 1;
	}
	t->act_menu = 1;
	tui_message(t, theme_attr(TH_FILTER), 0, " %s: restart (r)  stop (s)  start (t)  "
	    "pause (p)  unpause (u)  remove (x)  Esc", clean);
	return 1;
}

/* y to the question: do it. */
void
tui_actions_answer(struct tui *t)
{
	if (t->ask == TA_CONTAINER)
		act(t, (enum pd_container_action)t->act_action);
}

/* A new snapshot: the awaited result, when it came, becomes a notice. */
void
tui_actions_read(struct tui *t)
{
	const struct pd_event *got = NULL;
	char text[PD_EVENT_TEXT_LEN + 2 * PD_NAME_LEN + 8], clean[sizeof(text)];

	if (!t->act_wait || t->snap == NULL)
		return;
	for (size_t i = 0; i < t->snap->nevents; i++) {
		const struct pd_event *e = &t->snap->events[i];

		if (e->seq > t->act_seq && strcmp(e->action, "action") == 0 &&
		    strcmp(e->node, t->act_node) == 0 && strcmp(e->id, t->act_cid) == 0 &&
		    (got == NULL || e->seq < got->seq))
			got = e;
	}
	if (got == NULL)
		return;
	t->act_seq = got->seq;
	t->act_wait = 0;
	snprintf(text, sizeof(text), "%s/%s: %s", got->node, got->container, got->text);
	pd_sanitize(clean, sizeof(clean), text, !t->utf8);
	tui_message(t, theme_attr(strstr(got->text, ": failed") != NULL ? TH_CRIT : TH_OK), 10,
	    " %s", clean);
}
