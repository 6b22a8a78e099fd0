/* tui-approvals.c: four eyes in the cockpit (doc/security.md) — the
 * requests that wait for a second person, read with the heal proposals,
 * drawn at the foot of the heal queue (H) and counted in the header; A
 * approves the newest waiting request and X rejects it, after a question,
 * on the backend's command thread like a heal decision.  The backend checks
 * the role and refuses the requester's own request, in its words. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui-internal.h"

/* Texts are cut to the screen's fixed-size buffers on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* Take the four-eyes requests of reading R (its array becomes ours). */
void
tui_approvals_records(struct tui *t, struct pd_records *r)
{
	free(t->approvals);
	t->approvals = r->approvals;
	t->napprovals = r->napprovals;
	r->approvals = NULL;
	r->napprovals = 0;
}

/* The newest request that waits for a decision, or NULL. */
static const struct pd_approval *
newest_pending(const struct tui *t)
{
	for (size_t i = 0; i < t->napprovals; i++)
		if (strcmp(t->approvals[i].state, "pending") == 0)
			return &t->approvals[i];
	return NULL;
}

/* How many requests wait. */
static int
npending(const struct tui *t)
{
	int n = 0;

	for (size_t i = 0; i < t->napprovals; i++)
		n += strcmp(t->approvals[i].state, "pending") == 0;
	return n;
}

/* The header's badge: "2 four-eyes"; 0 when none waits. */
int
tui_approvals_header(const struct tui *t, char *out, size_t len)
{
	int n = npending(t);

	out[0] = '\0';
	if (n <= 0)
		return 0;
	snprintf(out, len, "%d four-eyes", n);
	return 1;
}

/* Rows the requests take at the foot of the heal queue (0: none wait). */
int
tui_approvals_rows(const struct tui *t)
{
	int n = npending(t);

	return n > 0 ? 1 + 2 * n : 0;
}

/* The waiting requests in ROWS rows from Y. */
void
tui_approvals_draw(struct tui *t, int y, int rows)
{
	char buf[3 * PD_ERROR_LEN];
	int end = y + rows;

	tui_fill(y, 0, t->cols, theme_attr(TH_TITLE));
	tui_put(t, y, 0, t->cols, theme_attr(TH_TITLE), " FOUR EYES: waiting for a second "
	    "person (A approves the newest, X rejects it)");
	y++;
	for (size_t i = 0; i < t->napprovals && y < end; i++) {
		const struct pd_approval *a = &t->approvals[i];
		char age[16];

		if (strcmp(a->state, "pending") != 0)
			continue;
		pd_format_age(age, sizeof(age), time(NULL), a->created);
		snprintf(buf, sizeof(buf), "#%lld %s %s, asked by %s %s ago: %s", (long long)a->id,
		    a->kind, a->target, a->requester, age, a->detail);
		y += tui_put_wrap(t, y, 1, t->cols - 2, end - y < 2 ? end - y : 2,
		    theme_attr(TH_WARN), buf);
	}
}

/* A (approve) or X (reject) on the newest waiting request: ask first;
 * read-only: let the backend refuse now. */
void
tui_approvals_ask(struct tui *t, int ch)
{
	const struct pd_approval *a = newest_pending(t);

	if (a == NULL) {
		tui_message(t, theme_attr(TH_DIM), 3, " No four-eyes request waits.");
		return;
	}
	t->ask_id = a->id;
	t->ask = ch == 'A' ? TA_FOUR_APPROVE : TA_FOUR_REJECT;
	if (backend_read_only(t->b)) {
		tui_approvals_answer(t);
		t->ask = TA_NONE;
		return;
	}
	snprintf(t->ask_text, sizeof(t->ask_text), "%s request #%lld of %.60s: %s %.80s?",
	    ch == 'A' ? "Approve" : "Reject", (long long)a->id, a->requester, a->kind, a->target);
}

/* y to the question: decide on the backend's command thread. */
void
tui_approvals_answer(struct tui *t)
{
	int approve = t->ask == TA_FOUR_APPROVE;
	struct pd_command *c = pd_command_new(approve ? PD_COMMAND_APPROVAL_APPROVE :
	    PD_COMMAND_APPROVAL_REJECT);
	char words[96];

	if (c == NULL) {
		tui_message(t, theme_attr(TH_CRIT), 0, " Out of memory.");
		return;
	}
	c->id = t->ask_id;
	if (!approve)
		c->text = strdup("rejected in the cockpit");
	snprintf(words, sizeof(words), "Request #%lld: %s...", (long long)c->id,
	    approve ? "approving" : "rejecting");
	tui_command_send(t, c, words);
}

/* The backend decided request C->id, or refused: say so. */
void
tui_approvals_done(struct tui *t, const struct pd_command *c)
{
	char e[PD_ERROR_LEN];

	if (c->rc != 0) {
		pd_sanitize(e, sizeof(e), c->err, !t->utf8);
		tui_message(t, theme_attr(TH_CRIT), 0, " %s", e);
		return;
	}
	tui_records_reread(t);
	tui_message(t, theme_attr(TH_INFO), 5, " Request #%lld %s.", (long long)c->id,
	    c->kind == PD_COMMAND_APPROVAL_APPROVE ? "approved: the process that asked runs it" :
	    "rejected");
}

/* Free the requests as last read. */
void
tui_approvals_free(struct tui *t)
{
	free(t->approvals);
	t->approvals = NULL;
	t->napprovals = 0;
}
