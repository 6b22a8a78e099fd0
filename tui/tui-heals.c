/* tui-heals.c: the heal proposals as the cockpit last read them, and what
 * the heal screens (screen-heals.c, screen-heal.c) ask and do alike.
 * The open findings are read with them: one without a live proposal
 * carries the healer's reason (why not, and what the engineer can do).
 *
 * The detectors and the executor run in a backend thread (or another
 * process holding the lease); proposals live in the database.  The
 * backend's store reader reads them with the deploys (tui-deploys.c takes
 * the reading, never waiting on the database) and hands this file its heal
 * part only when something changed; the header's
 * badge (pending proposals), the kiosk's alarm page and the heal lines of
 * the events screen come from the same reading, and so does the header's
 * SERVE mark: a plantdeck serve beats on this database, so its executor
 * carries out what is approved (the heal screen says which serve).  A proposal that reaches
 * succeeded, failed or expired while the cockpit runs becomes an event
 * line and a notice.  a on the queue or on one proposal approves it after
 * a question; x or r rejects it, after a reason typed at the bottom and a
 * question.  A read-only cockpit asks no question: it lets the backend
 * refuse and shows the backend's words. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui-internal.h"

/* Texts are cut to the screen's fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define HEAL_EVENTS_MAX 200     /* heal lines kept for the events screen */

const char *const tui_heals_help[] = {
	"a                approve it (asks first)",
	"x, r             reject it: a reason, then y/n",
	"o                all proposals / open ones only",
	"A, X             four eyes: approve / reject the newest request",
	"                 that waits for a second person (asks first)",
	NULL,
};

/* Whether state S is over: nothing more will happen to the proposal. */
int
tui_heals_over(enum pd_proposal_state s)
{
	return s == PD_PROP_SUCCEEDED || s == PD_PROP_FAILED || s == PD_PROP_REJECTED ||
	    s == PD_PROP_EXPIRED;
}

/* The element to draw proposal state S with. */
int
tui_heals_state_attr(enum pd_proposal_state s)
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
void
tui_heals_target(char *out, size_t len, const struct pd_proposal *p)
{
	snprintf(out, len, "%s%s%s", p->node, p->container[0] ? "/" : "", p->container);
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
		tui_heals_target(tg, sizeof(tg), p);
		tui_message(t, theme_attr(p->state == PD_PROP_SUCCEEDED ? TH_OK :
		    p->state == PD_PROP_FAILED ? TH_CRIT : TH_DIM), 10, " Heal #%lld (%s %s) %s: %s",
		    (long long)p->id, pd_heal_action_name(p->action), tg,
		    pd_proposal_state_name(p->state), p->result[0] ? p->result : "-");
	}
}

/* Take the proposals and findings of reading R (its arrays become ours). */
void
tui_heals_records(struct tui *t, struct pd_records *r)
{
	if (t->heal_since == 0)
		t->heal_since = r->read_at;
	snprintf(t->heals_err, sizeof(t->heals_err), "%s", r->heals_err);
	free(t->heals);
	t->heals = r->proposals;
	t->nheals = r->nproposals;
	r->proposals = NULL;
	r->nproposals = 0;
	/* The open findings: those without a live proposal say why.  The
	 * proposal screen asked for all of them: it shows a resolved one too. */
	free(t->hfinds);
	free(t->hfinds_all);
	t->hfinds = t->hfinds_all = NULL;
	t->nhfinds = t->nhfinds_all = 0;
	if (r->all_findings) {
		t->hfinds_all = r->findings;
		t->nhfinds_all = r->nfindings;
		t->hfinds = calloc(r->nfindings ? r->nfindings : 1, sizeof(*t->hfinds));
		for (size_t i = 0; t->hfinds != NULL && i < r->nfindings; i++)
			if (r->findings[i].open)
				t->hfinds[t->nhfinds++] = r->findings[i];
	} else {
		t->hfinds = r->findings;
		t->nhfinds = r->nfindings;
	}
	r->findings = NULL;
	r->nfindings = 0;
	t->npending = 0;
	for (size_t i = 0; i < t->nheals; i++) {
		t->npending += t->heals[i].state == PD_PROP_PENDING;
		if (tui_heals_over(t->heals[i].state) && t->heals[i].updated >= t->heal_since)
			note_result(t, &t->heals[i]);
	}
	t->heal_runner = r->heal_runner;
	snprintf(t->heal_who, sizeof(t->heal_who), "%s", r->heal_who);
	t->serve = r->serve;
}

/* The header's badge in OUT: pending proposals; 0 when none. */
int
tui_heals_header(const struct tui *t, char *out, size_t len)
{
	out[0] = '\0';
	if (t->npending <= 0)
		return 0;
	snprintf(out, len, "%d heal", t->npending);
	return 1;
}

/* The header's SERVE mark in OUT: 1 while a plantdeck serve beats on this
 * database (its executor carries out approved proposals), 2 when the
 * newest one fell silent without its goodbye, 0 when none. */
int
tui_heals_serve_mark(const struct tui *t, char *out, size_t len)
{
	out[0] = '\0';
	if (t->serve.state == PD_SERVE_LIVE) {
		snprintf(out, len, t->serve.live > 1 ? "%d SERVE" : "SERVE", t->serve.live);
		return 1;
	}
	if (t->serve.state == PD_SERVE_STALE) {
		snprintf(out, len, "serve stale");
		return 2;
	}
	return 0;
}

/* Who serves, for the heal screen (untrusted: the database's words):
 * "serve: HOST pid N since HH:MM", or "" when none. */
void
tui_heals_serve_line(const struct tui *t, char *out, size_t len)
{
	char since[16], beat[16];
	struct tm tm;

	out[0] = '\0';
	if (t->serve.state == PD_SERVE_NONE)
		return;
	localtime_r(&t->serve.started, &tm);
	strftime(since, sizeof(since), "%H:%M", &tm);
	localtime_r(&t->serve.beat, &tm);
	strftime(beat, sizeof(beat), "%H:%M:%S", &tm);
	if (t->serve.state == PD_SERVE_LIVE)
		snprintf(out, len, "serve: %s pid %ld since %s%s%s%s", t->serve.host,
		    t->serve.pid, since, t->serve.heal ? "" : " (no heal)",
		    t->serve.metrics[0] ? ", metrics " : "", t->serve.metrics);
	else
		snprintf(out, len, "serve: %s pid %ld silent since %s", t->serve.host,
		    t->serve.pid, beat);
}

/* Proposal ID as last read, or NULL. */
const struct pd_proposal *
tui_heals_get(const struct tui *t, int64_t id)
{
	for (size_t i = 0; i < t->nheals; i++)
		if (t->heals[i].id == id)
			return &t->heals[i];
	return NULL;
}

/* Approve or reject proposal ID (REASON: the rejection's), on the
 * backend's command thread: the decision is a write to the database. */
static void
decide(struct tui *t, int approve, int64_t id, const char *reason)
{
	struct pd_command *c = pd_command_new(approve ? PD_COMMAND_HEAL_APPROVE :
	    PD_COMMAND_HEAL_REJECT);
	char words[64];

	if (c != NULL) {
		c->id = id;
		if (!approve && (c->text = strdup(reason != NULL ? reason : "")) == NULL) {
			pd_command_free(c);
			c = NULL;
		}
	}
	snprintf(words, sizeof(words), "Proposal #%lld: %s...", (long long)id,
	    approve ? "approving" : "rejecting");
	tui_command_send(t, c, words);
}

/* The backend decided proposal C->id, or could not: say so. */
void
tui_heals_done(struct tui *t, const struct pd_command *c)
{
	char e[PD_ERROR_LEN];

	if (c->rc != 0) {
		pd_sanitize(e, sizeof(e), c->err, !t->utf8);
		tui_message(t, theme_attr(c->rc == 1 ? TH_WARN : TH_CRIT), 0, " Proposal #%lld: %s",
		    (long long)c->id, e);
		if (c->rc == 1)
			tui_records_reread(t);
		return;
	}
	tui_records_reread(t);
	if (c->kind == PD_COMMAND_HEAL_APPROVE)
		tui_message(t, theme_attr(TH_INFO), 5, " Proposal #%lld approved%s.",
		    (long long)c->id, t->heal_runner > 0 ? "; the executor carries it out" :
		    "; no process runs the executor yet");
	else
		tui_message(t, theme_attr(TH_INFO), 5, " Proposal #%lld rejected.",
		    (long long)c->id);
}

/* y to the question: approve or reject. */
void
tui_heals_answer(struct tui *t)
{
	if (t->ask == TA_FOUR_APPROVE || t->ask == TA_FOUR_REJECT)
		tui_approvals_answer(t);
	else if (t->ask == TA_APPROVE)
		decide(t, 1, t->ask_id, NULL);
	else if (t->ask == TA_REJECT)
		decide(t, 0, t->ask_id, t->heal_reason);
}

/* Enter on the reason: ask before rejecting. */
void
tui_heals_typed(struct tui *t)
{
	const struct pd_proposal *p;
	char tg[2 * PD_NAME_LEN + 2];

	t->input = TI_NONE;
	snprintf(t->heal_reason, sizeof(t->heal_reason), "%s", t->input_buf);
	p = tui_heals_get(t, t->ask_id);
	if (p == NULL)
		return;
	tui_heals_target(tg, sizeof(tg), p);
	t->ask = TA_REJECT;
	snprintf(t->ask_text, sizeof(t->ask_text), "Reject proposal #%lld (%s %s)%s?",
	    (long long)p->id, pd_heal_action_name(p->action), tg,
	    t->heal_reason[0] ? ", with that reason" : ", with no reason");
}

/* a (approve), x or r (reject) (CH) on proposal P, or on none: ask first. */
void
tui_heals_ask(struct tui *t, int ch, const struct pd_proposal *p)
{
	char tg[2 * PD_NAME_LEN + 2];

	if (p == NULL) {
		tui_message(t, theme_attr(TH_DIM), 3, " No proposal selected.");
		return;
	}
	t->ask_id = p->id;
	/* Read-only: no question; the backend refuses, in its words. */
	if (backend_read_only(t->b)) {
		decide(t, ch == 'a', p->id, "");
		return;
	}
	tui_heals_target(tg, sizeof(tg), p);
	if (ch == 'a') {
		t->ask = TA_APPROVE;
		snprintf(t->ask_text, sizeof(t->ask_text), "Approve proposal #%lld: %s %s%s%s?",
		    (long long)p->id, pd_heal_action_name(p->action), tg,
		    p->action == PD_HEAL_RESCHEDULE ? (p->kind == PD_FIND_TASK_FAILING ?
		    " (drain the node)" : " to ") : "",
		    p->action == PD_HEAL_RESCHEDULE ? p->to_node : "");
		return;
	}
	t->input = TI_REASON;
	t->input_buf[0] = '\0';
}

/* Free the proposals as last read, and the heal events. */
void
tui_heals_free(struct tui *t)
{
	free(t->heals);
	t->heals = NULL;
	t->nheals = 0;
	free(t->hfinds);
	t->hfinds = NULL;
	t->nhfinds = 0;
	free(t->hfinds_all);
	t->hfinds_all = NULL;
	t->nhfinds_all = 0;
	free(t->heal_ev);
	free(t->heal_ev_ids);
	t->heal_ev = NULL;
	t->heal_ev_ids = NULL;
	t->nheal_ev = 0;
}
