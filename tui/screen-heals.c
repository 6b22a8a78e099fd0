/* screen-heals.c: the heal queue, the proposals of self-heal.
 *
 * Newest first, all of them or the open ones (o): state, stage, action,
 * target, stack, age, automatic; filtered; and who runs the detectors and
 * the executor.  Below them, the open findings that have no live proposal,
 * each with the healer's reason: why nothing is proposed (no stack to roll
 * back, ladder exhausted, rejected...) and what the engineer can do; the
 * filter applies to them too.
 * H opens it from any screen, above the fleet.  Enter opens
 * the proposal screen on the selected proposal; a approves it, x or r
 * rejects it, after a question (tui-heals.c).  Everything in a proposal
 * may come from a node and is drawn sanitised. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tui-internal.h"

/* Texts are cut to the screen's fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* The heal queue's own state. */
static struct {
	int open_only;                  /* hide the proposals that are over */
} queue;

/* Whether proposal P passes the list's filter and the all/open toggle. */
static int
heal_matches(const struct tui *t, const struct pd_proposal *p)
{
	const char *f = t->filter[TV_HEALS];
	char id[32];

	if (queue.open_only && tui_heals_over(p->state))
		return 0;
	if (f[0] == '\0')
		return 1;
	snprintf(id, sizeof(id), "#%lld", (long long)p->id);
	return strcasestr(p->node, f) != NULL || strcasestr(p->container, f) != NULL ||
	    strcasestr(p->stack, f) != NULL || strcasestr(pd_heal_action_name(p->action), f) ||
	    strcasestr(pd_proposal_state_name(p->state), f) != NULL ||
	    strcasestr(pd_finding_kind_name(p->kind), f) != NULL || strcmp(id, f) == 0;
}

/* The proposals the list shows, as indexes into t->heals; returns the count. */
static int
list_order(const struct tui *t, int *idx)
{
	int k = 0;

	for (size_t i = 0; i < t->nheals; i++)
		if (heal_matches(t, &t->heals[i]))
			idx[k++] = (int)i;
	return k;
}

/* The proposal selected in the list, or NULL. */
static const struct pd_proposal *
list_selected(const struct tui *t)
{
	int *idx = calloc(t->nheals + 1, sizeof(*idx)), k, sel;
	const struct pd_proposal *p = NULL;

	if (idx == NULL)
		return NULL;
	k = list_order(t, idx);
	sel = t->list[TV_HEALS].sel;
	if (sel >= 0 && sel < k)
		p = &t->heals[idx[sel]];
	free(idx);
	return p;
}

/* The line under the title: who runs the detectors and the executor. */
static void
draw_runner(struct tui *t, int y)
{
	char buf[PD_ERROR_LEN + 600], serve[400], who[PD_ERROR_LEN + 420];
	int attr = theme_attr(TH_DIM);

	/* The lease holder is a plantdeck serve: say so, and since when. */
	tui_heals_serve_line(t, serve, sizeof(serve));
	snprintf(who, sizeof(who), "%s", t->heal_who);
	if (serve[0] != '\0') {
		char me[PD_ERROR_LEN];

		snprintf(me, sizeof(me), "%s pid %ld", t->serve.host, t->serve.pid);
		if (t->serve.state == PD_SERVE_LIVE && strcmp(me, t->heal_who) == 0)
			snprintf(who, sizeof(who), "%s", serve);
		else
			snprintf(who, sizeof(who), "%s; %s", t->heal_who, serve);
	}
	if (t->heal_runner > 0) {
		snprintf(buf, sizeof(buf), " %s proposals, newest first (o: %s).  Detectors and "
		    "executor: %s", queue.open_only ? "Open" : "All", queue.open_only ? "all" :
		    "open only", who);
	} else if (t->heal_runner == 0) {
		snprintf(buf, sizeof(buf), " %s proposals, newest first (o: %s).  No process runs "
		    "the detectors: approved proposals wait (plantdeck heal watch)%s%s",
		    queue.open_only ? "Open" : "All", queue.open_only ? "all" : "open only",
		    serve[0] ? "; " : "", serve);
		attr = theme_attr(TH_WARN);
	} else {
		snprintf(buf, sizeof(buf), " %s proposals, newest first (o: %s).  %s",
		    queue.open_only ? "Open" : "All", queue.open_only ? "all" : "open only",
		    t->heal_who);
	}
	tui_put_untrusted(t, y, 0, t->cols, attr, buf);
}

/* Lines per finding in the findings part. */
#define FINDING_LINES 3

/* Whether finding F is open without a live proposal and passes the filter. */
static int
finding_shown(const struct tui *t, const struct pd_finding *f)
{
	const char *flt = t->filter[TV_HEALS];
	char id[32];

	if (!f->open || f->reason[0] == '\0')
		return 0;
	if (flt[0] == '\0')
		return 1;
	snprintf(id, sizeof(id), "#%lld", (long long)f->id);
	return strcasestr(f->node, flt) != NULL || strcasestr(f->container, flt) != NULL ||
	    strcasestr(f->stack, flt) != NULL || strcasestr(pd_finding_kind_name(f->kind), flt) ||
	    strcmp(id, flt) == 0;
}

/* How many findings the findings part shows. */
static int
findings_waiting(const struct tui *t)
{
	int n = 0;

	for (size_t i = 0; i < t->nhfinds; i++)
		n += finding_shown(t, &t->hfinds[i]);
	return n;
}

/* The findings without a live proposal, with their reasons, in ROWS rows
 * from Y. */
static void
draw_findings(struct tui *t, int y, int rows)
{
	char buf[3 * PD_ERROR_LEN];
	int end = y + rows;

	tui_fill(y, 0, t->cols, theme_attr(TH_TITLE));
	tui_put(t, y, 0, t->cols, theme_attr(TH_TITLE), " FINDINGS WITHOUT A PROPOSAL: why, "
	    "and what you can do");
	y++;
	for (size_t i = 0; i < t->nhfinds && y < end; i++) {
		const struct pd_finding *f = &t->hfinds[i];
		int lines = end - y < FINDING_LINES ? end - y : FINDING_LINES;

		if (!finding_shown(t, f))
			continue;
		snprintf(buf, sizeof(buf), "#%lld %s %s%s%s: %s", (long long)f->id,
		    pd_finding_kind_name(f->kind), f->node, f->container[0] ? "/" : "",
		    f->container, f->reason);
		y += tui_put_wrap(t, y, 1, t->cols - 2, lines, theme_attr(TH_WARN), buf);
	}
}

/* The heal queue screen. */
static void
heals_draw(struct tui *t, int top, int rows)
{
	struct tui_list *l = &t->list[TV_HEALS];
	int *idx = calloc(t->nheals + 1, sizeof(*idx)), k, y, tw = t->cols - 33 - 24;
	int nw = findings_waiting(t), fh = 0, ah = tui_approvals_rows(t);
	char buf[2 * PD_NAME_LEN + 32], age[16];

	if (idx == NULL)
		return;
	if (tw < 8)
		tw = 8;
	/* Four eyes' waiting requests: at most a third of the rows, at the foot. */
	if (ah > rows / 3)
		ah = rows / 3;
	if (ah >= 2) {
		tui_approvals_draw(t, top + rows - ah, ah);
		rows -= ah;
	}
	/* The findings part: at most half the rows, below the proposals. */
	if (nw > 0) {
		fh = 1 + nw * FINDING_LINES;
		if (fh > rows / 2)
			fh = rows / 2;
		if (fh < 2)
			fh = 0;
		if (fh > 0)
			draw_findings(t, top + rows - fh, fh);
		rows -= fh;
	}
	k = list_order(t, idx);
	t->nitems = k;
	t->page_rows = rows - 2;
	draw_runner(t, top);
	tui_fill(top + 1, 0, t->cols, theme_attr(TH_TITLE));
	tui_put(t, top + 1, 0, 33, theme_attr(TH_TITLE), "    ID STATE      STG ACTION     ");
	tui_put(t, top + 1, 33, tw, theme_attr(TH_TITLE), "TARGET");
	tui_put(t, top + 1, 33 + tw + 1, 23, theme_attr(TH_TITLE), "STACK          AGE AUTO");
	tui_list_clamp(l, k, rows - 2);
	y = top + 2;
	for (int i = l->top; i < k && y < top + rows; i++, y++) {
		const struct pd_proposal *p = &t->heals[idx[i]];
		int sel = i == l->sel, base = theme_attr(sel ? TH_SELECTION : TH_NORMAL);
		int x = 33 + tw + 1;

		tui_fill(y, 0, t->cols, base);
		snprintf(buf, sizeof(buf), "%6lld", (long long)p->id);
		tui_put(t, y, 0, 6, base, buf);
		tui_put(t, y, 7, 10, sel ? base : tui_heals_state_attr(p->state),
		    pd_proposal_state_name(p->state));
		snprintf(buf, sizeof(buf), "%3d", p->stage);
		tui_put(t, y, 18, 3, base, buf);
		tui_put(t, y, 22, 10, base, pd_heal_action_name(p->action));
		tui_heals_target(buf, sizeof(buf), p);
		tui_put_untrusted(t, y, 33, tw, base, buf);
		tui_put_untrusted(t, y, x, 12, base, p->stack[0] ? p->stack : "-");
		pd_format_age(age, sizeof(age), time(NULL), p->created);
		snprintf(buf, sizeof(buf), "%5s", age);
		tui_put(t, y, x + 13, 5, base, buf);
		tui_put(t, y, x + 19, 4, base, p->automatic ? "auto" : "");
		tui_hit_add(t, y, 0, 1, t->cols, i);
	}
	if (t->heals_err[0] != '\0')
		tui_put_wrap(t, top + 2, 1, t->cols - 2, 3, theme_attr(TH_CRIT), t->heals_err);
	else if (k == 0)
		tui_put(t, top + 2, 2, t->cols - 2, theme_attr(TH_DIM),
		    t->filter[TV_HEALS][0] ? tui_empty_text(t, "") : queue.open_only ?
		    "No open proposals. Press o to see them all." : nw > 0 ?
		    "No proposals: the findings below say why." :
		    "No proposals: the detectors found nothing to heal.");
	free(idx);
}

/* o: all proposals or the open ones; a, x, r: decide on the selected one. */
static int
heals_key(struct tui *t, int ch)
{
	if (ch == 'o') {
		queue.open_only = !queue.open_only;
		t->list[TV_HEALS] = (struct tui_list){ 0, 0 };
		return 1;
	}
	if (ch == 'A' || ch == 'X') {
		tui_approvals_ask(t, ch);
		return 1;
	}
	if (ch != 'a' && ch != 'x' && ch != 'r')
		return 0;
	tui_heals_ask(t, ch, list_selected(t));
	return 1;
}

/* Enter: open the proposal screen on the selected proposal. */
static int
heals_open(struct tui *t)
{
	const struct pd_proposal *p;

	if (t->depth >= TUI_MAX_DEPTH)
		return 0;
	p = list_selected(t);
	if (p == NULL)
		return 0;
	t->heal_id = p->id;
	tui_open(t, TV_HEAL, TUI_PUSH);
	return 1;
}

/* Forget the state: the next cockpit starts afresh. */
static void
heals_stop(struct tui *t)
{
	(void)t;
	memset(&queue, 0, sizeof(queue));
}

const struct tui_screen screen_heals = {
	.name = "Heal",
	.footer = " F1 Help  Enter Open  a Approve  x Reject  o All/open  / Filter  Esc Back",
	.help = tui_heals_help,
	.flags = TUI_FILTERS,
	.draw = heals_draw,
	.key = heals_key,
	.open = heals_open,
	.typed = tui_heals_typed,
	.answer = tui_heals_answer,
	.stop = heals_stop,
};
