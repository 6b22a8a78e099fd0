/* tui-deploys.c: the deploys as the cockpit last read them, and what the
 * deploy screens (screen-deploys.c, screen-deploy.c, screen-plan.c) ask and
 * do alike.
 *
 * The executor runs in a backend thread; the backend's store reader
 * (backend/reader.c) reads the deploys and the heal proposals from the
 * database on a thread of its own when they may have changed, and wakes
 * the cockpit only when what it read differs.  This file takes that
 * reading (tui_records_refresh: never waiting on the database) and tells
 * the reader which deploy the deploy screen shows; the fleet screen's marks
 * on the nodes a running deploy works on and the header's counts come from
 * the same reading.  While another process holds the database locked, the
 * screens keep what they have and say it is stale.  n on any deploy
 * screen types a stack file and a node selector at the bottom, then opens
 * the plan screen on them; p, r, a and b on the list or on one deploy ask
 * y/n, then pause, resume, abort or roll it back.  A read-only cockpit asks
 * no question: it lets the backend refuse and shows the backend's words. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui-internal.h"


const char *const tui_deploys_help[] = {
	"n                new deploy: stack file, then nodes",
	"p / r            pause / resume (asks first)",
	"a / b            abort / roll back (asks first)",
	NULL,
};

/* Copy S into DST of SIZE bytes, cut short if it must be. */
static void
copy(char *dst, size_t size, const char *s)
{
	size_t len = strnlen(s, size - 1);

	memcpy(dst, s, len);
	dst[len] = '\0';
}

/* Whether phase P means the deploy is working on that node now. */
static int
phase_in_flight(enum pd_phase p)
{
	return p == PD_PHASE_PULLING || p == PD_PHASE_SWITCHING || p == PD_PHASE_HEALTH ||
	    p == PD_PHASE_MONITOR || p == PD_PHASE_ROLLING_BACK;
}

/* The element to draw deploy state S with. */
int
tui_deploys_state_attr(enum pd_deploy_state s)
{
	switch (s) {
	case PD_DEPLOY_RUNNING:
	case PD_DEPLOY_ROLLING_BACK: return theme_attr(TH_DEPLOY);
	case PD_DEPLOY_COMPLETED:
	case PD_DEPLOY_ROLLED_BACK: return theme_attr(TH_OK);
	case PD_DEPLOY_PAUSED: return theme_attr(TH_WARN);
	case PD_DEPLOY_FAILED:
	case PD_DEPLOY_INTERRUPTED: return theme_attr(TH_CRIT);
	default: return theme_attr(TH_DIM);
	}
}

/* The element to draw node phase P with. */
int
tui_deploys_phase_attr(enum pd_phase p)
{
	if (phase_in_flight(p))
		return theme_attr(TH_DEPLOY);
	switch (p) {
	case PD_PHASE_DONE:
	case PD_PHASE_ROLLED_BACK: return theme_attr(TH_OK);
	case PD_PHASE_FAILED: return theme_attr(TH_CRIT);
	case PD_PHASE_PULLED: return theme_attr(TH_INFO);
	default: return theme_attr(TH_DIM);
	}
}

/* Add the nodes deploy D is working on now to *BUSY. */
static void
collect_busy(const struct pd_deploy *d, char (**busy)[PD_NAME_LEN], size_t *n)
{
	for (size_t i = 0; i < d->nnodes; i++) {
		char (*nb)[PD_NAME_LEN];

		if (!phase_in_flight(d->nodes[i].phase))
			continue;
		nb = realloc(*busy, (*n + 1) * sizeof(**busy));
		if (nb == NULL)
			break;
		*busy = nb;
		snprintf(nb[(*n)++], PD_NAME_LEN, "%s", d->nodes[i].node);
	}
}

/* Take the deploys of reading R (its arrays become ours). */
static void
take_deploys(struct tui *t, struct pd_records *r)
{
	char (*busy)[PD_NAME_LEN] = NULL;
	size_t nbusy = 0;

	snprintf(t->deploys_err, sizeof(t->deploys_err), "%s", r->deploys_err);
	if (t->deploys != NULL)
		pd_deploys_free(t->deploys, t->ndeploys);
	t->deploys = r->deploys;
	t->ndeploys = r->ndeploys;
	r->deploys = NULL;
	r->ndeploys = 0;
	t->nrunning = t->npaused = t->ninterrupted = 0;
	for (size_t i = 0; i < t->ndeploys; i++) {
		/* A deploy rolling back is counted as its rollback, which runs. */
		t->nrunning += t->deploys[i].state == PD_DEPLOY_RUNNING;
		t->npaused += t->deploys[i].state == PD_DEPLOY_PAUSED;
		t->ninterrupted += t->deploys[i].state == PD_DEPLOY_INTERRUPTED;
	}
	for (size_t i = 0; i < r->nrunning; i++)
		collect_busy(&r->running[i], &busy, &nbusy);
	free(t->busy_nodes);
	t->busy_nodes = busy;
	t->nbusy_nodes = nbusy;

	/* The deploy screen's deploy, with its nodes. */
	pd_deploy_free(&t->watched);
	t->watched = r->watched;
	t->watched_ok = r->watched_ok;
	t->watched_id = r->watched_id;
	snprintf(t->watched_err, sizeof(t->watched_err), "%s", r->watched_err);
	r->watched.nodes = NULL;
	r->watched.nnodes = 0;
	r->watched_ok = 0;

	/* At startup: a deploy whose process died waits for someone to decide. */
	if (!t->deploys_seen && t->deploys_err[0] == '\0') {
		t->deploys_seen = 1;
		if (t->ndeploys > 0 && t->deploys[0].state == PD_DEPLOY_INTERRUPTED &&
		    !t->opts->kiosk)
			tui_message(t, theme_attr(TH_WARN), 0, " Deploy #%lld of stack %s was "
			    "interrupted (its process died): press D, open it, then r to resume "
			    "or b to roll back.", (long long)t->deploys[0].id, t->deploys[0].stack);
	}
}

/* Take a new reading of the deploys and proposals when the backend's store
 * reader has one (never waiting on the database); 1 when it did. */
int
tui_records_refresh(struct tui *t)
{
	struct pd_records *r;
	enum tui_view v = tui_view(t);

	/* What the screen on top shows besides the lists. */
	backend_records_watch(t->b, v == TV_DEPLOY ? t->dep_id : -1, v == TV_HEAL);
	r = backend_records_take(t->b);
	if (r == NULL)
		return 0;
	t->dirty = 1;
	if (r->locked) {
		/* Keep what was read before, and say how old it is. */
		snprintf(t->records_locked, sizeof(t->records_locked), "%s", r->locked_err);
		pd_records_free(r);
		return 0;
	}
	t->records_locked[0] = '\0';
	t->records_at = r->read_at;
	take_deploys(t, r);
	tui_heals_records(t, r);
	tui_approvals_records(t, r);
	pd_records_free(r);
	return 1;
}

/* Read the deploys and proposals again soon: a command changed them. */
void
tui_records_reread(struct tui *t)
{
	backend_records_reread(t->b);
}

/* In OUT: why the deploys and proposals shown may be old, or "". */
void
tui_records_stale(const struct tui *t, char *out, size_t len)
{
	struct tm tm;
	char at[16] = "";

	out[0] = '\0';
	if (t->records_locked[0] == '\0')
		return;
	if (t->records_at == 0) {
		snprintf(out, len, "The database is locked by another process: nothing read yet "
		    "(%s).", t->records_locked);
		return;
	}
	if (localtime_r(&t->records_at, &tm) != NULL)
		strftime(at, sizeof(at), "%H:%M:%S", &tm);
	snprintf(out, len, "Stale: the database is locked by another process; shown as read "
	    "at %s (%s).", at, t->records_locked);
}

/* Whether a running deploy works on NODE now. */
int
tui_deploys_busy(const struct tui *t, const char *node)
{
	for (size_t i = 0; i < t->nbusy_nodes; i++)
		if (strcmp(t->busy_nodes[i], node) == 0)
			return 1;
	return 0;
}

/* The header's words on deploys in OUT: 1, 2 when one is interrupted, or 0. */
int
tui_deploys_header(const struct tui *t, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	if (t->nrunning > 0 && o < len)
		o += (size_t)snprintf(out + o, len - o, "%d deploying", t->nrunning);
	if (t->npaused > 0 && o < len)
		o += (size_t)snprintf(out + o, len - o, "%s%d paused", o ? ", " : "", t->npaused);
	if (t->ninterrupted > 0 && o < len)
		snprintf(out + o, len - o, "%s%d interrupted", o ? ", " : "", t->ninterrupted);
	return t->ninterrupted > 0 ? 2 : out[0] != '\0';
}

/* Show deploy ID on the deploy screen (in place of the plan screen). */
void
tui_deploys_open(struct tui *t, int64_t id)
{
	t->dep_id = id;
	tui_open(t, TV_DEPLOY, tui_view(t) == TV_PLAN || tui_view(t) == TV_DEPLOY ? TUI_REPLACE :
	    TUI_PUSH_OR_REPLACE);
}

static const char *const cmd_names[] = { "pause", "resume", "abort", "rollback" };

/* Pause, resume, abort or roll back deploy ID, on the backend's command
 * thread: each writes the database, and a rollback plans and journals. */
static void
command(struct tui *t, enum pd_deploy_cmd cmd, int64_t id)
{
	struct pd_command *c = pd_command_new(PD_COMMAND_DEPLOY);
	char words[64];

	if (c != NULL) {
		c->id = id;
		c->action = cmd;
	}
	snprintf(words, sizeof(words), "Deploy #%lld: asking to %s...", (long long)id,
	    cmd == PD_CMD_ROLLBACK ? "roll back" : cmd_names[cmd]);
	tui_command_send(t, c, words);
}

/* The backend ran deploy command C, or refused it: say so. */
void
tui_deploys_done(struct tui *t, const struct pd_command *c)
{
	char e[PD_ERROR_LEN];

	if (c->rc != 0) {
		pd_sanitize(e, sizeof(e), c->err, !t->utf8);
		tui_message(t, theme_attr(c->rc == 1 ? TH_WARN : TH_CRIT), 0, " Deploy #%lld: %s",
		    (long long)c->id, e);
		if (c->rc == 1)         /* held for four eyes: the request shows */
			tui_records_reread(t);
		return;
	}
	tui_records_reread(t);
	if (c->action == PD_CMD_ROLLBACK && c->newid != 0) {
		tui_deploys_open(t, c->newid);
		tui_message(t, theme_attr(TH_INFO), 5, " Deploy #%lld: rolling back as deploy #%lld.",
		    (long long)c->id, (long long)c->newid);
		return;
	}
	tui_message(t, theme_attr(TH_INFO), 5, " Deploy #%lld: %s asked.", (long long)c->id,
	    c->action >= 0 && c->action <= PD_CMD_ROLLBACK ? cmd_names[c->action] : "command");
}

/* Ask y/n before WHAT on deploy ID; read-only: let the backend refuse now. */
static void
ask(struct tui *t, enum tui_ask what, const struct pd_deploy *d)
{
	t->ask_id = d != NULL ? d->id : 0;
	t->ask = what;
	if (backend_read_only(t->b)) {
		tui_deploys_answer(t);
		t->ask = TA_NONE;
		return;
	}
	switch (what) {
	case TA_PAUSE:
		snprintf(t->ask_text, sizeof(t->ask_text), "Pause deploy #%lld (%s)? Nodes in "
		    "flight finish.", (long long)d->id, d->stack);
		break;
	case TA_RESUME:
		snprintf(t->ask_text, sizeof(t->ask_text), "Resume deploy #%lld (%s) in this "
		    "cockpit?", (long long)d->id, d->stack);
		break;
	case TA_ABORT:
		snprintf(t->ask_text, sizeof(t->ask_text), "Abort deploy #%lld (%s) for good? "
		    "Touched nodes keep what they have.", (long long)d->id, d->stack);
		break;
	case TA_ROLLBACK:
		snprintf(t->ask_text, sizeof(t->ask_text), "Roll deploy #%lld (%s) back to "
		    "revision %d?", (long long)d->id, d->stack, d->from_revision);
		break;
	default:
		t->ask = TA_NONE;
		break;
	}
}

/* p, r, a or b (CH) on deploy D, or on none: ask before the command. */
void
tui_deploys_ask(struct tui *t, int ch, const struct pd_deploy *d)
{
	if (d == NULL) {
		tui_message(t, theme_attr(TH_DIM), 3, " No deploy selected.");
		return;
	}
	ask(t, ch == 'p' ? TA_PAUSE : ch == 'r' ? TA_RESUME : ch == 'a' ? TA_ABORT : TA_ROLLBACK, d);
}

/* y to the question: the command. */
void
tui_deploys_answer(struct tui *t)
{
	switch (t->ask) {
	case TA_PAUSE: command(t, PD_CMD_PAUSE, t->ask_id); break;
	case TA_RESUME: command(t, PD_CMD_RESUME, t->ask_id); break;
	case TA_ABORT: command(t, PD_CMD_ABORT, t->ask_id); break;
	case TA_ROLLBACK: command(t, PD_CMD_ROLLBACK, t->ask_id); break;
	default: break;
	}
}

/* n: type a stack file at the bottom, the last one to start with. */
void
tui_deploys_new(struct tui *t)
{
	t->input = TI_FILE;
	snprintf(t->input_buf, sizeof(t->input_buf), "%s", t->plan_file);
}

/* Enter on the stack file: type the nodes; on the nodes: open the plan. */
void
tui_deploys_typed(struct tui *t)
{
	if (t->input == TI_FILE) {
		if (t->input_buf[0] == '\0') {
			t->input = TI_NONE;
			return;
		}
		snprintf(t->plan_file, sizeof(t->plan_file), "%s", t->input_buf);
		snprintf(t->input_buf, sizeof(t->input_buf), "%s", t->plan_nodes);
		t->input = TI_NODES;
		return;
	}
	t->input = TI_NONE;
	copy(t->plan_nodes, sizeof(t->plan_nodes), t->input_buf);
	tui_open(t, TV_PLAN, tui_view(t) == TV_PLAN ? TUI_REPLACE : TUI_PUSH_OR_REPLACE);
}

/* Free the deploys as last read. */
void
tui_deploys_free(struct tui *t)
{
	if (t->deploys != NULL)
		pd_deploys_free(t->deploys, t->ndeploys);
	t->deploys = NULL;
	t->ndeploys = 0;
	free(t->busy_nodes);
	t->busy_nodes = NULL;
	t->nbusy_nodes = 0;
	pd_deploy_free(&t->watched);
	t->watched_ok = 0;
}
