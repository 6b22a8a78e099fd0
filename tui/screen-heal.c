/* screen-heal.c: the proposal screen, one heal proposal with its evidence.
 *
 * Its action and target, reason, evidence, expected outcome and result,
 * who decided and when, and its finding's evidence as the detector sees it
 * now (read each time the proposals are read), with, when the finding has
 * no live proposal, why not and what the engineer can do.  The heal queue opens it on
 * t->heal_id.  a approves it, x or r rejects it, after a question
 * (tui-heals.c).  It scrolls as a page.  Everything in a proposal may come
 * from a node and is drawn sanitised. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui-internal.h"

/* Texts are cut to the screen's fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define HEAL_LINES_MAX 64

/* The proposal screen's own state: the finding of proposal t->heal_id. */
static struct {
	struct pd_finding fnd;
	int ok;                         /* fnd is read */
} heal;

/* Lines of the proposal screen, collected then drawn from the scroll top. */
struct lines {
	char text[HEAL_LINES_MAX][PD_ERROR_LEN + 64];
	int attr[HEAL_LINES_MAX];
	int n;
};

/* Add a line, or several when it is longer than W columns. */
static void
add(struct lines *L, int w, int attr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(struct lines *L, int w, int attr, const char *fmt, ...)
{
	char buf[PD_ERROR_LEN + 64];
	const char *p = buf;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (w < 20)
		w = 20;
	/* Continuation lines are indented under the value: 12 columns. */
	do {
		size_t len = strlen(p), cut = len;

		if (L->n == HEAL_LINES_MAX)
			return;
		if (p != buf && (int)len > w - 12)
			cut = (size_t)(w - 12);
		else if (p == buf && (int)len > w)
			cut = (size_t)w;
		if (cut < len) {
			while (cut > 0 && ((unsigned char)p[cut] & 0xc0) == 0x80)
				cut--;
			for (size_t k = cut; k > cut / 2; k--)
				if (p[k] == ' ') {
					cut = k;
					break;
				}
		}
		snprintf(L->text[L->n], sizeof(L->text[0]), "%s%.*s", p == buf ? "" :
		    "            ", (int)cut, p);
		L->attr[L->n++] = attr;
		p += cut;
		while (*p == ' ')
			p++;
	} while (*p != '\0');
}

/* The proposal screen. */
static void
heal_draw(struct tui *t, int top, int rows)
{
	const struct pd_proposal *p = tui_heals_get(t, t->heal_id);
	struct tui_list *l = &t->list[TV_HEAL];
	struct lines *L;
	char tg[2 * PD_NAME_LEN + 2], a[32], b[32], when[48];
	int w = t->cols - 1, y;

	t->nitems = 0;
	if (p == NULL) {
		tui_put_wrap(t, top, 1, t->cols - 2, 3, theme_attr(t->heals_err[0] ? TH_CRIT : TH_DIM),
		    t->heals_err[0] ? t->heals_err : "reading the proposal...");
		return;
	}
	L = calloc(1, sizeof(*L));
	if (L == NULL)
		return;
	tui_heals_target(tg, sizeof(tg), p);
	pd_format_age(a, sizeof(a), time(NULL), p->created);
	add(L, w, theme_attr(TH_INFO), " #%lld  %s  stage %d: %s %s%s%s, proposed %s ago%s",
	    (long long)p->id, pd_finding_kind_name(p->kind), p->stage,
	    pd_heal_action_name(p->action), tg, p->stack[0] ? "  stack " : "", p->stack, a,
	    p->automatic ? " (automatic)" : "");
	snprintf(a, sizeof(a), "%s", pd_proposal_state_name(p->state));
	for (char *q = a; *q; q++)
		if (*q >= 'a' && *q <= 'z')
			*q = (char)(*q - 'a' + 'A');
	add(L, w, tui_heals_state_attr(p->state), " %s", a);
	switch (p->action) {
	case PD_HEAL_RESCHEDULE:
		if (p->kind == PD_FIND_TASK_FAILING)
			add(L, w, theme_attr(TH_NORMAL), " drain     node %s (Swarm moves its tasks)",
			    p->node);
		else
			add(L, w, theme_attr(TH_NORMAL), " to node    %s", p->to_node[0] ? p->to_node :
			    "?");
		break;
	case PD_HEAL_ROLLBACK:
		add(L, w, theme_attr(TH_NORMAL), " to revision %d", p->to_revision);
		break;
	case PD_HEAL_MEMORY:
		pd_format_bytes(a, sizeof(a), p->memory_from);
		pd_format_bytes(b, sizeof(b), p->memory_to);
		add(L, w, theme_attr(TH_NORMAL), " memory    %s -> %s", p->memory_from ? a : "none", b);
		break;
	case PD_HEAL_QUARANTINE:
		add(L, w, theme_attr(TH_NORMAL), " snapshot  %s", p->snapshot);
		break;
	default:
		break;
	}
	add(L, w, theme_attr(TH_NORMAL), " reason    %s", p->reason);
	add(L, w, theme_attr(TH_NORMAL), " evidence  %s", p->evidence[0] ? p->evidence : "-");
	add(L, w, theme_attr(TH_NORMAL), " expected  %s", p->expected[0] ? p->expected : "-");
	add(L, w, theme_attr(p->state == PD_PROP_FAILED ? TH_CRIT : p->state == PD_PROP_SUCCEEDED ?
	    TH_OK : TH_NORMAL), " result    %s", p->result[0] ? p->result : "-");
	if (p->decided != 0) {
		struct tm tm;

		localtime_r(&p->decided, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
		add(L, w, theme_attr(TH_NORMAL), " %s  %s at %s", p->state == PD_PROP_REJECTED ?
		    "rejected" : "approved", p->automatic ? "automatically (heal.auto)" :
		    p->decided_by[0] ? p->decided_by : "?", when);
		if (p->state == PD_PROP_REJECTED)
			add(L, w, theme_attr(TH_NORMAL), " because   %s", p->reject_reason[0] ?
			    p->reject_reason : "(no reason given)");
	} else {
		add(L, w, theme_attr(TH_DIM), " decided   %s", p->state == PD_PROP_PENDING ?
		    "not yet: a approves, x rejects" : "-");
	}
	add(L, w, theme_attr(TH_TITLE), " Finding #%lld", (long long)p->finding);
	if (heal.ok) {
		const struct pd_finding *f = &heal.fnd;

		pd_format_age(a, sizeof(a), time(NULL), f->first_seen);
		pd_format_age(b, sizeof(b), time(NULL), f->last_seen);
		add(L, w, theme_attr(f->open ? TH_WARN : TH_OK), " %s  %s, seen %d time%s, first %s "
		    "ago, last %s ago", pd_finding_kind_name(f->kind), f->open ? "open" : "resolved",
		    f->count, f->count == 1 ? "" : "s", a, b);
		add(L, w, theme_attr(TH_NORMAL), " evidence  %s", f->evidence[0] ? f->evidence : "-");
		if (f->open && f->reason[0] != '\0')
			add(L, w, theme_attr(TH_WARN), " now       %s", f->reason);
	} else {
		add(L, w, theme_attr(TH_DIM), " reading the finding...");
	}
	t->nitems = L->n;
	t->page_rows = rows - 1;
	if (l->top > L->n - (rows - 1))
		l->top = L->n - (rows - 1);
	if (l->top < 0)
		l->top = 0;
	l->sel = l->top;
	y = top;
	for (int i = l->top; i < L->n && y < top + rows - 1; i++, y++)
		tui_put_untrusted(t, y, 0, t->cols, L->attr[i], L->text[i]);
	tui_put(t, top + rows - 1, 1, t->cols - 1, theme_attr(TH_DIM), backend_read_only(t->b) ?
	    "Read-only: this cockpit cannot approve or reject.   Esc: back" :
	    p->state != PD_PROP_PENDING ? "Decided already.   Esc: back" :
	    "a: approve   x: reject (asks for a reason)   Esc: back");
	free(L);
}

/* a, x, r: decide on this proposal. */
static int
heal_key(struct tui *t, int ch)
{
	if (ch != 'a' && ch != 'x' && ch != 'r')
		return 0;
	tui_heals_ask(t, ch, tui_heals_get(t, t->heal_id));
	return 1;
}

/* The proposal's finding, from every finding the store reader read (it
 * reads all of them while this screen is on top: tui-deploys.c). */
static void
heal_find(struct tui *t)
{
	const struct pd_proposal *p = tui_heals_get(t, t->heal_id);

	heal.ok = 0;
	for (size_t i = 0; p != NULL && i < t->nhfinds_all; i++)
		if (t->hfinds_all[i].id == p->finding) {
			heal.fnd = t->hfinds_all[i];
			heal.ok = 1;
		}
}

/* Opened on t->heal_id: from the top, with its finding if it was read. */
static void
heal_enter(struct tui *t)
{
	heal.ok = 0;
	t->list[TV_HEAL] = (struct tui_list){ 0, 0 };
	heal_find(t);
}

/* The proposals were read: the finding too, as the detector sees it now. */
static void
heal_read(struct tui *t, enum tui_read what, int top)
{
	if (what != TR_HEALS)
		return;
	heal.ok = 0;
	if (top)
		heal_find(t);
}

/* In the breadcrumb: the proposal's number. */
static const char *
heal_crumb(const struct tui *t, char *buf, size_t len)
{
	snprintf(buf, len, "Proposal #%lld", (long long)t->heal_id);
	return buf;
}

/* Forget the state: the next cockpit starts afresh. */
static void
heal_stop(struct tui *t)
{
	(void)t;
	memset(&heal, 0, sizeof(heal));
}

/* The keys of one proposal: those of the list that work on it. */
static const char *const heal_help[] = {
	"a                approve it (asks first)",
	"x, r             reject it: a reason, then y/n",
	NULL,
};

const struct tui_screen screen_heal = {
	.name = "Proposal",
	.footer = " F1 Help  Esc Back  a Approve  x Reject  Up/Down Scroll  e Events  F10 Quit",
	.help = heal_help,
	.flags = TUI_SCROLLS,
	.crumb = heal_crumb,
	.enter = heal_enter,
	.read = heal_read,
	.draw = heal_draw,
	.key = heal_key,
	.typed = tui_heals_typed,
	.answer = tui_heals_answer,
	.stop = heal_stop,
};
