/* screen-deploys.c: the deploy list, the newest deploys.
 *
 * One line per deploy: its stack, kind, revisions, state (a * when this
 * process runs it), progress, failures, age and who started it; filtered.
 * D opens it from any screen, above the fleet.  Enter opens the deploy
 * screen on the selected deploy; n starts a new deploy, and p, r, a and b
 * act on the selected one after a question (tui-deploys.c).  Everything
 * that came from a stack file or a node is drawn sanitised. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tui-internal.h"

/* Whether deploy D passes the deploy list's filter. */
static int
deploy_matches(const struct pd_deploy *d, const char *f)
{
	char id[32];

	if (f[0] == '\0')
		return 1;
	snprintf(id, sizeof(id), "#%lld", (long long)d->id);
	return strcasestr(d->stack, f) != NULL || strcasestr(d->kind, f) != NULL ||
	    strcasestr(pd_deploy_state_name(d->state), f) != NULL ||
	    strcasestr(d->user, f) != NULL || strcmp(id, f) == 0;
}

/* The deploys the list shows, as indexes into t->deploys; returns the count. */
static int
list_order(const struct tui *t, int *idx)
{
	int k = 0;

	for (size_t i = 0; i < t->ndeploys; i++)
		if (deploy_matches(&t->deploys[i], t->filter[TV_DEPLOYS]))
			idx[k++] = (int)i;
	return k;
}

/* The deploy selected in the list, or NULL. */
static const struct pd_deploy *
list_selected(const struct tui *t)
{
	int *idx = calloc(t->ndeploys + 1, sizeof(*idx)), k, sel;
	const struct pd_deploy *d = NULL;

	if (idx == NULL)
		return NULL;
	k = list_order(t, idx);
	sel = t->list[TV_DEPLOYS].sel;
	if (sel >= 0 && sel < k)
		d = &t->deploys[idx[sel]];
	free(idx);
	return d;
}

/* The deploy list screen. */
static void
deploys_draw(struct tui *t, int top, int rows)
{
	struct tui_list *l = &t->list[TV_DEPLOYS];
	int *idx = calloc(t->ndeploys + 1, sizeof(*idx)), k, y;
	char buf[160], age[16];

	if (idx == NULL)
		return;
	k = list_order(t, idx);
	t->nitems = k;
	t->page_rows = rows - 1;
	tui_put(t, top, 0, t->cols, theme_attr(TH_TITLE),
	    "    ID STACK            KIND     REV    STATE        DONE/ALL FAIL   AGE BY");
	tui_list_clamp(l, k, rows - 1);
	y = top + 1;
	for (int i = l->top; i < k && y < top + rows; i++, y++) {
		const struct pd_deploy *d = &t->deploys[idx[i]];
		int sel = i == l->sel, base = theme_attr(sel ? TH_SELECTION : TH_NORMAL);

		tui_fill(y, 0, t->cols, base);
		snprintf(buf, sizeof(buf), "%6lld", (long long)d->id);
		tui_put(t, y, 0, 6, base, buf);
		tui_put_untrusted(t, y, 7, 16, base, d->stack);
		tui_put_untrusted(t, y, 24, 8, base, d->kind);
		snprintf(buf, sizeof(buf), "%d>%d", d->from_revision, d->revision);
		tui_put(t, y, 33, 6, base, buf);
		snprintf(buf, sizeof(buf), "%s%s", pd_deploy_state_name(d->state), d->live ? "*" : "");
		tui_put(t, y, 40, 12, sel ? base : tui_deploys_state_attr(d->state), buf);
		snprintf(buf, sizeof(buf), "%4d/%-4d", d->done, d->total);
		tui_put(t, y, 53, 9, base, buf);
		snprintf(buf, sizeof(buf), "%4d", d->failed);
		tui_put(t, y, 62, 4, d->failed && !sel ? theme_attr(TH_CRIT) : base, buf);
		pd_format_age(age, sizeof(age), time(NULL), d->started);
		snprintf(buf, sizeof(buf), "%5s", age);
		tui_put(t, y, 67, 5, base, buf);
		tui_put_untrusted(t, y, 73, t->cols - 73, base, d->user);
		tui_hit_add(t, y, 0, 1, t->cols, i);
	}
	if (t->deploys_err[0] != '\0')
		tui_put_wrap(t, top + 1, 1, t->cols - 2, 3, theme_attr(TH_CRIT), t->deploys_err);
	else if (k == 0)
		tui_put(t, top + 1, 2, t->cols - 2, theme_attr(TH_DIM),
		    t->records_at == 0 ? "Reading the deploys..." :
		    tui_empty_text(t, "No deploys yet. Press n to deploy a stack file."));
	free(idx);
}

/* n: a new deploy; p, r, a, b: a command on the selected deploy. */
static int
deploys_key(struct tui *t, int ch)
{
	if (ch == 'n') {
		tui_deploys_new(t);
		return 1;
	}
	if (ch != 'p' && ch != 'r' && ch != 'a' && ch != 'b')
		return 0;
	tui_deploys_ask(t, ch, list_selected(t));
	return 1;
}

/* Enter: open the deploy screen on the selected deploy. */
static int
deploys_open(struct tui *t)
{
	const struct pd_deploy *d = list_selected(t);

	if (d == NULL)
		return 0;
	tui_deploys_open(t, d->id);
	return 1;
}

const struct tui_screen screen_deploys = {
	.name = "Deploys",
	.footer = " F1 Help  Enter Open  n New  p Pause  r Resume  a Abort  b Rollback  / Filter",
	.help = tui_deploys_help,
	.flags = TUI_FILTERS | TUI_FAST_DEPLOYS,
	.draw = deploys_draw,
	.key = deploys_key,
	.open = deploys_open,
	.typed = tui_deploys_typed,
	.answer = tui_deploys_answer,
};
