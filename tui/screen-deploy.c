/* screen-deploy.c: the deploy screen, one deploy node by node.
 *
 * Its stack, revisions, kind and who started it; its state, progress and
 * failures against their limit; then one line per node: wave, phase, a
 * pull bar, the step or the error.  The deploy list, the plan screen and a
 * rollback open it on t->dep_id; it reads the deploy with its nodes each
 * time the deploys are read (tui-deploys.c).  p, r, a and b act on it
 * after a question; Enter opens the node screen on the selected node. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui-internal.h"

#define DEPLOY_BAR_W 10

/* The deploy screen's own state: the deploy t->dep_id, with its nodes. */
static struct {
	struct pd_deploy dep;
	int ok;                         /* dep holds t->dep_id */
	char err[PD_ERROR_LEN];
} deploy;

/* The deploy screen: one deploy, node by node. */
static void
deploy_draw(struct tui *t, int top, int rows)
{
	const struct pd_deploy *d = &deploy.dep;
	struct tui_list *l = &t->list[TV_DEPLOY];
	char buf[PD_ERROR_LEN + 256], age[16], kind[48];
	int y = top, x, pct, first;

	if (!deploy.ok) {
		tui_put_wrap(t, top, 1, t->cols - 2, 3, theme_attr(deploy.err[0] ? TH_CRIT : TH_DIM),
		    deploy.err[0] ? deploy.err : "reading the deploy...");
		t->nitems = 0;
		return;
	}
	pd_format_age(age, sizeof(age), time(NULL), d->started);
	if (d->parent != 0)
		snprintf(kind, sizeof(kind), "rollback of #%lld", (long long)d->parent);
	else
		snprintf(kind, sizeof(kind), "%s", d->kind);
	snprintf(buf, sizeof(buf), " #%lld  stack %s  revision %d -> %d  %s%s by %s, %s ago",
	    (long long)d->id, d->stack, d->from_revision, d->revision, kind,
	    strcmp(d->target, "swarm") == 0 ? " through Swarm" : "", d->user[0] ? d->user : "?",
	    age);
	tui_put_untrusted(t, y++, 0, t->cols, theme_attr(TH_INFO), buf);

	/* State, progress, and the failures against their limit. */
	tui_fill(y, 0, t->cols, theme_attr(TH_NORMAL));
	x = 1;
	snprintf(buf, sizeof(buf), "%s", pd_deploy_state_name(d->state));
	for (char *p = buf; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	if (d->live)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " here");
	tui_put(t, y, x, (int)strlen(buf), tui_deploys_state_attr(d->state), buf);
	x += (int)strlen(buf) + 2;
	snprintf(buf, sizeof(buf), "done %d/%d", d->done, d->total);
	tui_put(t, y, x, (int)strlen(buf), theme_attr(TH_NORMAL), buf);
	x += (int)strlen(buf) + 1;
	tui_bar(t, y, x, DEPLOY_BAR_W, d->total > 0 ? (double)d->done / d->total : 0,
	    theme_attr(TH_BAR_OK), theme_attr(TH_BAR_EMPTY));
	x += DEPLOY_BAR_W + 2;
	{
		double ratio = d->total > 0 ? (double)d->failed / d->total : 0;
		int over = ratio > d->max_failure_ratio;

		snprintf(buf, sizeof(buf), "failed %d (%.0f%%), limit %g%% then %s", d->failed,
		    100 * ratio, 100 * d->max_failure_ratio,
		    d->failure_action[0] ? d->failure_action : "?");
		tui_put_untrusted(t, y, x, t->cols - x, theme_attr(over ? TH_CRIT :
		    d->failed ? TH_WARN : TH_NORMAL), buf);
	}
	y++;
	if (d->message[0] != '\0')
		y += tui_put_wrap(t, y, 1, t->cols - 2, 2, theme_attr(d->state == PD_DEPLOY_FAILED ||
		    d->state == PD_DEPLOY_INTERRUPTED ? TH_CRIT : TH_WARN), d->message);
	tui_put(t, y++, 0, t->cols, theme_attr(TH_TITLE),
	    " NODE           WAVE PHASE        PULL            STEP / ERROR");

	t->nitems = (int)d->nnodes;
	t->page_rows = top + rows - y;
	tui_list_clamp(l, (int)d->nnodes, top + rows - y);
	first = y;
	for (int i = l->top; i < (int)d->nnodes && y < top + rows; i++, y++) {
		const struct pd_deploy_node *n = &d->nodes[i];
		int sel = i == l->sel, base = theme_attr(sel ? TH_SELECTION : TH_NORMAL);
		double frac;

		tui_fill(y, 0, t->cols, base);
		tui_put_untrusted(t, y, 1, 14, base, n->node);
		snprintf(buf, sizeof(buf), "%4d", n->wave);
		tui_put(t, y, 16, 4, base, buf);
		/* A node that failed keeps the failure's colour after a rollback. */
		tui_put(t, y, 21, 12, sel ? base : n->failed ? theme_attr(TH_CRIT) :
		    tui_deploys_phase_attr(n->phase), pd_phase_name(n->phase));
		/* The bar: the pull while it runs, full once the images are there. */
		pct = -1;
		if (n->phase == PD_PHASE_PULLING)
			pct = n->pull_pct;
		else if (n->phase != PD_PHASE_PENDING && n->phase != PD_PHASE_SKIPPED &&
		    n->phase != PD_PHASE_FAILED)
			pct = 100;
		frac = pct < 0 ? 0 : pct / 100.0;
		tui_bar(t, y, 34, DEPLOY_BAR_W, frac, theme_attr(TH_BAR_OK), theme_attr(TH_BAR_EMPTY));
		if (n->phase == PD_PHASE_PULLING && pct < 0)
			snprintf(buf, sizeof(buf), "   ?");
		else if (pct >= 0)
			snprintf(buf, sizeof(buf), "%3d%%", pct);
		else
			snprintf(buf, sizeof(buf), "   -");
		tui_put(t, y, 45, 4, base, buf);
		if (n->error[0] != '\0')
			tui_put_untrusted(t, y, 50, t->cols - 50, sel ? base : theme_attr(TH_CRIT),
			    n->error);
		else
			tui_put_untrusted(t, y, 50, t->cols - 50, base, n->step);
		tui_hit_add(t, y, 0, 1, t->cols, i);
	}
	if (d->nnodes == 0)
		tui_put(t, first, 2, t->cols - 2, theme_attr(TH_DIM), "No nodes.");
}

/* n: a new deploy; p, r, a, b: a command on this deploy. */
static int
deploy_key(struct tui *t, int ch)
{
	if (ch == 'n') {
		tui_deploys_new(t);
		return 1;
	}
	if (ch != 'p' && ch != 'r' && ch != 'a' && ch != 'b')
		return 0;
	/* The store reader has not handed it over yet: say so, ask nothing. */
	if (!deploy.ok) {
		tui_message(t, theme_attr(TH_DIM), 3, " Deploy #%lld: still reading it; "
		    "press the key again in a moment.", (long long)t->dep_id);
		return 1;
	}
	tui_deploys_ask(t, ch, &deploy.dep);
	return 1;
}

/* Enter: open the node screen on the selected node. */
static int
deploy_open(struct tui *t)
{
	int sel = t->list[TV_DEPLOY].sel;

	if (!deploy.ok || t->depth >= TUI_MAX_DEPTH)
		return 0;
	if (sel < 0 || (size_t)sel >= deploy.dep.nnodes)
		return 0;
	snprintf(t->node, sizeof(t->node), "%s", deploy.dep.nodes[sel].node);
	tui_open(t, TV_NODE, TUI_PUSH);
	return 1;
}

/* Forget the deploy shown before. */
static void
forget(void)
{
	if (deploy.ok)
		pd_deploy_free(&deploy.dep);
	memset(&deploy.dep, 0, sizeof(deploy.dep));
	deploy.ok = 0;
}

/* Copy t->dep_id, with its nodes, from the store reader's last reading,
 * when that reading has it (the reader reads it once asked: tui-deploys.c). */
static void
take(struct tui *t)
{
	forget();
	deploy.err[0] = '\0';
	if (t->watched_id != t->dep_id)
		return;
	snprintf(deploy.err, sizeof(deploy.err), "%s", t->watched_err);
	if (!t->watched_ok)
		return;
	deploy.dep = t->watched;
	deploy.dep.nodes = NULL;
	deploy.dep.nnodes = 0;
	if (t->watched.nnodes > 0) {
		deploy.dep.nodes = calloc(t->watched.nnodes, sizeof(*deploy.dep.nodes));
		if (deploy.dep.nodes == NULL)
			return;
		memcpy(deploy.dep.nodes, t->watched.nodes,
		    t->watched.nnodes * sizeof(*deploy.dep.nodes));
		deploy.dep.nnodes = t->watched.nnodes;
	}
	deploy.ok = 1;
}

/* Opened on t->dep_id: show it as last read, if it was. */
static void
deploy_enter(struct tui *t)
{
	t->list[TV_DEPLOY] = (struct tui_list){ 0, 0 };
	take(t);
}

/* The deploys were read: this one too, with its nodes. */
static void
deploy_read(struct tui *t, enum tui_read what, int top)
{
	if (what != TR_DEPLOYS || !top)
		return;
	take(t);
}

/* In the breadcrumb: the deploy's number. */
static const char *
deploy_crumb(const struct tui *t, char *buf, size_t len)
{
	snprintf(buf, len, "Deploy #%lld", (long long)t->dep_id);
	return buf;
}

/* The cockpit ends: free the deploy. */
static void
deploy_stop(struct tui *t)
{
	(void)t;
	forget();
	deploy.err[0] = '\0';
}

const struct tui_screen screen_deploy = {
	.name = "Deploy",
	.footer = " F1 Help  Esc Back  p Pause  r Resume  a Abort  b Rollback  n New  F10 Quit",
	.help = tui_deploys_help,
	.flags = TUI_FAST_DEPLOYS,
	.crumb = deploy_crumb,
	.enter = deploy_enter,
	.read = deploy_read,
	.draw = deploy_draw,
	.key = deploy_key,
	.open = deploy_open,
	.typed = tui_deploys_typed,
	.answer = tui_deploys_answer,
	.stop = deploy_stop,
};
