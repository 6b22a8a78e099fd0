/* tui-heal.c: the heal queue, and what the other screens show of it.
 *
 *   heal       the proposals of self-heal, newest first (all, or the open
 *              ones): state, stage, action, target, stack, age, automatic;
 *              a approve, x or r reject (a reason, then y/n), o all/open
 *   proposal   one proposal: its action and target, reason, evidence,
 *              expected outcome, result, who decided and when, and its
 *              finding's evidence as the detector sees it now
 *
 * The detectors and the executor run in a backend thread (or another
 * process holding the lease); proposals live in the database.  This file
 * reads them at most once a second, never once per frame; the header's
 * badge (pending proposals), the kiosk's alarm page and the heal lines of
 * the events screen come from the same reading.  A proposal that reaches
 * succeeded, failed or expired while the cockpit runs becomes an event
 * line and a notice.  A read-only cockpit asks no question: it lets the
 * backend refuse and shows the backend's words.  Everything in a proposal
 * may come from a node and is drawn sanitised. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tui-internal.h"

/* Texts are cut to the screen's fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define HEAL_GAP 1.0            /* s between readings */
#define HEAL_EVENTS_MAX 200     /* heal lines kept for the events screen */
#define HEAL_LINES_MAX 64

/* Whether state S is over: nothing more will happen to the proposal. */
static int
state_over(enum pd_proposal_state s)
{
	return s == PD_PROP_SUCCEEDED || s == PD_PROP_FAILED || s == PD_PROP_REJECTED ||
	    s == PD_PROP_EXPIRED;
}

/* The element to draw proposal state S with. */
static int
state_attr(enum pd_proposal_state s)
{
	switch (s) {
	case PD_PROP_PENDING: return theme_attr(TH_WARN);
	case PD_PROP_APPROVED:
	case PD_PROP_EXECUTING:
	case PD_PROP_VERIFYING: return theme_attr(TH_DEPLOY);
	case PD_PROP_SUCCEEDED: return theme_attr(TH_OK);
	case PD_PROP_FAILED: return theme_attr(TH_CRIT);
	default: return theme_attr(TH_DIM);
	}
}

/* "node/container", or the node alone for a node's proposal. */
static void
target(char *out, size_t len, const struct pd_proposal *p)
{
	snprintf(out, len, "%s%s%s", p->node, p->container[0] ? "/" : "", p->container);
}

double
tui_heal_due(const struct tui *t)
{
	if (t->heals_at == 0)
		return 0;
	return t->heals_at + HEAL_GAP - t->now;
}

/* Remember proposal P, which reached a final state: an events line and a notice. */
static void
note_result(struct tui *t, const struct pd_proposal *p)
{
	struct pd_event *e;
	char tg[2 * PD_NAME_LEN + 2];

	if (p->state == PD_PROP_REJECTED)
		return;     /* a decision, not a result: the audit trail has it */
	for (size_t i = 0; i < t->nheal_ev; i++)
		if (t->heal_ev_ids[i] == p->id)
			return;
	if (t->nheal_ev == HEAL_EVENTS_MAX) {
		t->nheal_ev--;   /* the oldest goes */
	} else {
		struct pd_event *ne = realloc(t->heal_ev, (t->nheal_ev + 1) * sizeof(*ne));
		int64_t *ni;

		if (ne == NULL)
			return;
		t->heal_ev = ne;
		ni = realloc(t->heal_ev_ids, (t->nheal_ev + 1) * sizeof(*ni));
		if (ni == NULL)
			return;
		t->heal_ev_ids = ni;
	}
	/* Newest first, like the snapshot's events. */
	memmove(t->heal_ev + 1, t->heal_ev, t->nheal_ev * sizeof(*t->heal_ev));
	memmove(t->heal_ev_ids + 1, t->heal_ev_ids, t->nheal_ev * sizeof(*t->heal_ev_ids));
	t->nheal_ev++;
	t->heal_ev_ids[0] = p->id;
	e = &t->heal_ev[0];
	memset(e, 0, sizeof(*e));
	e->time = p->updated ? p->updated : time(NULL);
	e->kind = PD_EV_CONTAINER;
	snprintf(e->node, sizeof(e->node), "%s", p->node);
	snprintf(e->container, sizeof(e->container), "%s", p->container);
	snprintf(e->action, sizeof(e->action), "heal");
	snprintf(e->severity, sizeof(e->severity), "%s", pd_proposal_state_name(p->state));
	snprintf(e->text, sizeof(e->text), "#%lld %s %s: %s", (long long)p->id,
	    pd_heal_action_name(p->action), pd_proposal_state_name(p->state),
	    p->result[0] ? p->result : "-");
	/* A notice too, unless one waits for a key. */
	if (t->msg[0] == '\0' || t->msg_until != 0) {
		target(tg, sizeof(tg), p);
		tui_message(t, theme_attr(p->state == PD_PROP_SUCCEEDED ? TH_OK :
		    p->state == PD_PROP_FAILED ? TH_CRIT : TH_DIM), 10, " Heal #%lld (%s %s) %s: %s",
		    (long long)p->id, pd_heal_action_name(p->action), tg,
		    pd_proposal_state_name(p->state), p->result[0] ? p->result : "-");
	}
}

void
tui_heal_refresh(struct tui *t)
{
	struct pd_proposal *list = NULL;
	size_t n = 0;
	char err[PD_ERROR_LEN];

	if (tui_heal_due(t) > 0)
		return;
	t->heals_at = t->now > 0 ? t->now : 1e-9;
	if (t->heal_since == 0)
		t->heal_since = time(NULL);
	if (backend_heal_list(t->b, 1, &list, &n, err, sizeof(err)) != 0) {
		snprintf(t->heals_err, sizeof(t->heals_err), "%s", err);
		list = NULL;
		n = 0;
	} else {
		t->heals_err[0] = '\0';
	}
	free(t->heals);
	t->heals = list;
	t->nheals = n;
	t->npending = 0;
	for (size_t i = 0; i < n; i++) {
		t->npending += list[i].state == PD_PROP_PENDING;
		if (state_over(list[i].state) && list[i].updated >= t->heal_since)
			note_result(t, &list[i]);
	}
	t->heal_runner = backend_heal_runner(t->b, t->heal_who, sizeof(t->heal_who));

	/* The proposal screen: its finding, as the detector sees it now. */
	t->fnd_ok = 0;
	if (tui_view(t) == TV_HEAL) {
		const struct pd_proposal *p = NULL;
		struct pd_finding *f = NULL;
		size_t nf = 0;

		for (size_t i = 0; i < n; i++)
			if (list[i].id == t->heal_id)
				p = &list[i];
		if (p != NULL && backend_heal_findings(t->b, 1, &f, &nf, err, sizeof(err)) == 0) {
			for (size_t i = 0; i < nf; i++)
				if (f[i].id == p->finding) {
					t->fnd = f[i];
					t->fnd_ok = 1;
				}
			free(f);
		}
	}
	t->dirty = 1;
}

int
tui_heal_header(const struct tui *t, char *out, size_t len)
{
	out[0] = '\0';
	if (t->npending <= 0)
		return 0;
	snprintf(out, len, "%d heal", t->npending);
	return 1;
}

const char *
tui_heal_crumb(const struct tui *t, enum tui_view v, char *buf, size_t len)
{
	if (v == TV_HEALS)
		return "Heal";
	snprintf(buf, len, "Proposal #%lld", (long long)t->heal_id);
	return buf;
}

void
tui_heal_show(struct tui *t)
{
	if (tui_view(t) == TV_HEALS)
		return;
	if (tui_view(t) == TV_CONTAINER)
		backend_watch_container(t->b, NULL, NULL);
	t->stack[0] = TV_FLEET;
	t->stack[1] = TV_HEALS;
	t->depth = 2;
	t->heals_at = 0;
}

/* Whether proposal P passes the list's filter and the all/open toggle. */
static int
heal_matches(const struct tui *t, const struct pd_proposal *p)
{
	const char *f = t->filter[TV_HEALS];
	char id[32];

	if (t->heal_open_only && state_over(p->state))
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

/* The proposal of the proposal screen, or NULL. */
static const struct pd_proposal *
current(const struct tui *t)
{
	for (size_t i = 0; i < t->nheals; i++)
		if (t->heals[i].id == t->heal_id)
			return &t->heals[i];
	return NULL;
}

/* The line under the title: who runs the detectors and the executor. */
static void
draw_runner(struct tui *t, int y)
{
	char buf[PD_ERROR_LEN + 160];
	int attr = theme_attr(TH_DIM);

	if (t->heal_runner > 0) {
		snprintf(buf, sizeof(buf), " %s proposals, newest first (o: %s).  Detectors and "
		    "executor: %s", t->heal_open_only ? "Open" : "All", t->heal_open_only ? "all" :
		    "open only", t->heal_who);
	} else if (t->heal_runner == 0) {
		snprintf(buf, sizeof(buf), " %s proposals, newest first (o: %s).  No process runs "
		    "the detectors: approved proposals wait (plantdeck heal watch)",
		    t->heal_open_only ? "Open" : "All", t->heal_open_only ? "all" : "open only");
		attr = theme_attr(TH_WARN);
	} else {
		snprintf(buf, sizeof(buf), " %s proposals, newest first (o: %s).  %s",
		    t->heal_open_only ? "Open" : "All", t->heal_open_only ? "all" : "open only",
		    t->heal_who);
	}
	tui_put_untrusted(t, y, 0, t->cols, attr, buf);
}

/* The heal queue screen. */
static void
draw_list(struct tui *t, int top, int rows)
{
	struct tui_list *l = &t->list[TV_HEALS];
	int *idx = calloc(t->nheals + 1, sizeof(*idx)), k, y, tw = t->cols - 33 - 24;
	char buf[2 * PD_NAME_LEN + 32], age[16];

	if (idx == NULL)
		return;
	if (tw < 8)
		tw = 8;
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
		tui_put(t, y, 7, 10, sel ? base : state_attr(p->state),
		    pd_proposal_state_name(p->state));
		snprintf(buf, sizeof(buf), "%3d", p->stage);
		tui_put(t, y, 18, 3, base, buf);
		tui_put(t, y, 22, 10, base, pd_heal_action_name(p->action));
		target(buf, sizeof(buf), p);
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
		tui_put(t, top + 2, 2, t->cols - 2, theme_attr(TH_DIM), t->filter[TV_HEALS][0] ?
		    "No proposal matches the filter." : t->heal_open_only ?
		    "No open proposals. Press o to see them all." :
		    "No proposals: the detectors found nothing to heal.");
	free(idx);
}

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
draw_proposal(struct tui *t, int top, int rows)
{
	const struct pd_proposal *p = current(t);
	struct tui_list *l = &t->list[TV_HEAL];
	struct lines *L;
	char tg[2 * PD_NAME_LEN + 2], a[32], b[32], when[32];
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
	target(tg, sizeof(tg), p);
	pd_format_age(a, sizeof(a), time(NULL), p->created);
	add(L, w, theme_attr(TH_INFO), " #%lld  %s  stage %d: %s %s%s%s, proposed %s ago%s",
	    (long long)p->id, pd_finding_kind_name(p->kind), p->stage,
	    pd_heal_action_name(p->action), tg, p->stack[0] ? "  stack " : "", p->stack, a,
	    p->automatic ? " (automatic)" : "");
	snprintf(a, sizeof(a), "%s", pd_proposal_state_name(p->state));
	for (char *q = a; *q; q++)
		if (*q >= 'a' && *q <= 'z')
			*q = (char)(*q - 'a' + 'A');
	add(L, w, state_attr(p->state), " %s", a);
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
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
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
	if (t->fnd_ok) {
		const struct pd_finding *f = &t->fnd;

		pd_format_age(a, sizeof(a), time(NULL), f->first_seen);
		pd_format_age(b, sizeof(b), time(NULL), f->last_seen);
		add(L, w, theme_attr(f->open ? TH_WARN : TH_OK), " %s  %s, seen %d time%s, first %s "
		    "ago, last %s ago", pd_finding_kind_name(f->kind), f->open ? "open" : "resolved",
		    f->count, f->count == 1 ? "" : "s", a, b);
		add(L, w, theme_attr(TH_NORMAL), " evidence  %s", f->evidence[0] ? f->evidence : "-");
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

void
tui_heal_draw(struct tui *t, int top, int rows)
{
	if (tui_view(t) == TV_HEALS)
		draw_list(t, top, rows);
	else if (tui_view(t) == TV_HEAL)
		draw_proposal(t, top, rows);
}

int
tui_heal_alarm_lines(struct tui *t, int y, int bottom)
{
	char buf[PD_ERROR_LEN + 160], tg[2 * PD_NAME_LEN + 2];
	int y0 = y;

	for (size_t i = 0; i < t->nheals && y < bottom; i++) {
		const struct pd_proposal *p = &t->heals[i];

		if (state_over(p->state))
			continue;
		target(tg, sizeof(tg), p);
		snprintf(buf, sizeof(buf), " HEAL #%lld %s: %s %s (%s)", (long long)p->id,
		    pd_proposal_state_name(p->state), pd_heal_action_name(p->action), tg,
		    pd_finding_kind_name(p->kind));
		tui_put_untrusted(t, y++, 0, t->cols, p->state == PD_PROP_PENDING ?
		    theme_attr(TH_WARN) : theme_attr(TH_DEPLOY), buf);
	}
	return y - y0;
}

/* Approve or reject proposal ID (REASON: the rejection's). */
static void
decide(struct tui *t, int approve, int64_t id, const char *reason)
{
	char err[PD_ERROR_LEN];
	int rc;

	rc = approve ? backend_heal_approve(t->b, id, err, sizeof(err)) :
	    backend_heal_reject(t->b, id, reason, err, sizeof(err));
	if (rc != 0) {
		tui_message(t, theme_attr(TH_CRIT), 0, " Proposal #%lld: %s", (long long)id, err);
		return;
	}
	t->heals_at = 0;
	if (approve)
		tui_message(t, theme_attr(TH_INFO), 5, " Proposal #%lld approved%s.", (long long)id,
		    t->heal_runner > 0 ? "; the executor carries it out" :
		    "; no process runs the executor yet");
	else
		tui_message(t, theme_attr(TH_INFO), 5, " Proposal #%lld rejected.", (long long)id);
}

void
tui_heal_answer(struct tui *t)
{
	if (t->ask == TA_APPROVE)
		decide(t, 1, t->ask_id, NULL);
	else if (t->ask == TA_REJECT)
		decide(t, 0, t->ask_id, t->heal_reason);
}

void
tui_heal_input_done(struct tui *t)
{
	const struct pd_proposal *p = NULL;
	char tg[2 * PD_NAME_LEN + 2];

	t->input = TI_NONE;
	snprintf(t->heal_reason, sizeof(t->heal_reason), "%s", t->input_buf);
	for (size_t i = 0; i < t->nheals; i++)
		if (t->heals[i].id == t->ask_id)
			p = &t->heals[i];
	if (p == NULL)
		return;
	target(tg, sizeof(tg), p);
	t->ask = TA_REJECT;
	snprintf(t->ask_text, sizeof(t->ask_text), "Reject proposal #%lld (%s %s)%s?",
	    (long long)p->id, pd_heal_action_name(p->action), tg,
	    t->heal_reason[0] ? ", with that reason" : ", with no reason");
}

int
tui_heal_key(struct tui *t, int ch)
{
	enum tui_view v = tui_view(t);
	const struct pd_proposal *p;
	char tg[2 * PD_NAME_LEN + 2];

	if (v != TV_HEALS && v != TV_HEAL)
		return 0;
	if (ch == 'o' && v == TV_HEALS) {
		t->heal_open_only = !t->heal_open_only;
		t->list[TV_HEALS] = (struct tui_list){ 0, 0 };
		return 1;
	}
	if (ch != 'a' && ch != 'x' && ch != 'r')
		return 0;
	p = v == TV_HEALS ? list_selected(t) : current(t);
	if (p == NULL) {
		tui_message(t, theme_attr(TH_DIM), 3, " No proposal selected.");
		return 1;
	}
	t->ask_id = p->id;
	/* Read-only: no question; the backend refuses, in its words. */
	if (backend_read_only(t->b)) {
		decide(t, ch == 'a', p->id, "");
		return 1;
	}
	target(tg, sizeof(tg), p);
	if (ch == 'a') {
		t->ask = TA_APPROVE;
		snprintf(t->ask_text, sizeof(t->ask_text), "Approve proposal #%lld: %s %s%s%s?",
		    (long long)p->id, pd_heal_action_name(p->action), tg,
		    p->action == PD_HEAL_RESCHEDULE ? (p->kind == PD_FIND_TASK_FAILING ?
		    " (drain the node)" : " to ") : "",
		    p->action == PD_HEAL_RESCHEDULE ? p->to_node : "");
		return 1;
	}
	t->input = TI_REASON;
	t->input_buf[0] = '\0';
	return 1;
}

int
tui_heal_open_selected(struct tui *t)
{
	const struct pd_proposal *p;

	if (tui_view(t) != TV_HEALS || t->depth >= TUI_MAX_DEPTH)
		return 0;
	p = list_selected(t);
	if (p == NULL)
		return 0;
	t->heal_id = p->id;
	t->fnd_ok = 0;
	t->list[TV_HEAL] = (struct tui_list){ 0, 0 };
	t->stack[t->depth++] = TV_HEAL;
	t->heals_at = 0;
	return 1;
}

const char *
tui_heal_footer(const struct tui *t)
{
	if (tui_view(t) == TV_HEALS)
		return " F1 Help  Enter Open  a Approve  x Reject  o All/open  / Filter  Esc Back";
	return " F1 Help  Esc Back  a Approve  x Reject  Up/Down Scroll  e Events  F10 Quit";
}

void
tui_heal_free(struct tui *t)
{
	free(t->heals);
	t->heals = NULL;
	t->nheals = 0;
	free(t->heal_ev);
	free(t->heal_ev_ids);
	t->heal_ev = NULL;
	t->heal_ev_ids = NULL;
	t->nheal_ev = 0;
}
