/* screen-plan.c: the plan screen, a new deploy before it starts.
 *
 * The stack file and node selector typed at the bottom (tui-deploys.c),
 * and the plan the backend made of them: the stack's revisions, services,
 * policy, the nodes wave by wave (or the Swarm placement) and the
 * warnings; or why the file cannot be deployed.  Above them, what the
 * deploy changes against the running revision (compose_diff's lines, the
 * same the CLI prints) and the variables set here: v types NAME=VALUE,
 * kept for this file's plan alone (never put in the process environment,
 * where other deploys would see it), and plans again.  Enter starts it
 * after a y/n question, and the deploy screen takes its place; n types
 * another file.  It scrolls as a page.  Everything that came from a stack
 * file is drawn sanitised. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui-internal.h"

/* The plan screen's own state: the plan of t->plan_file on t->plan_nodes. */
#define PLAN_MAX_VARS 32

static struct {
	struct pd_plan *plan;           /* or NULL */
	char err[PD_ERROR_LEN];
	char file[sizeof(((struct tui *)0)->plan_file)];   /* the vars are this file's */
	char vars[PLAN_MAX_VARS][sizeof(((struct tui *)0)->input_buf)];  /* typed with v */
	size_t nvars;
	uint64_t planning;              /* the plan command awaited (0: none) */
	int starting;                   /* a start was sent: Enter waits for its outcome */
} plan;

/* The plan screen: what a deploy of the chosen file would do. */
static void
plan_draw(struct tui *t, int top, int rows)
{
	const struct pd_plan *p = plan.plan;
	struct tui_list *l = &t->list[TV_PLAN];
	char buf[PD_ERROR_LEN + 640], line[512];
	int y = top, bottom = top + rows - 1, wave = -1, swarm;

	t->nitems = 0;
	snprintf(buf, sizeof(buf), " Stack file %s   nodes %s", t->plan_file,
	    t->plan_nodes[0] ? t->plan_nodes : "(all the placement allows)");
	tui_put_untrusted(t, y++, 0, t->cols, theme_attr(TH_INFO), buf);
	if (p == NULL && (plan.planning != 0 || plan.starting)) {
		y++;
		tui_put(t, y++, 1, t->cols - 1, theme_attr(TH_DIM), plan.starting ?
		    "Starting the deploy..." : "Planning...");
		tui_put(t, bottom, 1, t->cols - 1, theme_attr(TH_DIM),
		    "n: choose another file   Esc: back");
		return;
	}
	if (p == NULL) {
		y++;
		tui_put(t, y++, 1, t->cols - 1, theme_attr(TH_TITLE), "This file cannot be deployed:");
		y += tui_put_wrap(t, y, 2, t->cols - 3, bottom - y, theme_attr(TH_CRIT),
		    plan.err[0] ? plan.err : "no plan");
		tui_put(t, bottom, 1, t->cols - 1, theme_attr(TH_DIM),
		    "n: choose another file   Esc: back");
		return;
	}
	/* The plan scrolls as a whole when it is longer than the screen. */
	if (l->top < 0)
		l->top = 0;
	y -= l->top;
#define PLAN_LINE(attr, ...) do { \
		if (y > top && y < bottom) { \
			snprintf(buf, sizeof(buf), __VA_ARGS__); \
			tui_put_untrusted(t, y, 0, t->cols, (attr), buf); \
		} \
		y++; \
	} while (0)
	y++;
	PLAN_LINE(theme_attr(TH_TITLE), " Stack %s: revision %d -> %d", p->stack, p->from_revision,
	    p->revision);
	if (p->vars[0] != '\0')
		PLAN_LINE(theme_attr(TH_INFO), " Variables %s", p->vars);
	if (p->ndiff > 0) {
		PLAN_LINE(theme_attr(TH_TITLE), " Changes against revision %d:", p->from_revision);
		for (size_t i = 0; i < p->ndiff; i++)
			PLAN_LINE(theme_attr(strcmp(p->diff[i], "no change") == 0 ? TH_DIM : TH_WARN),
			    "   %s", p->diff[i]);
	}
	for (size_t i = 0; i < p->nservices; i++)
		PLAN_LINE(theme_attr(TH_NORMAL), "   service %-16s %s", p->services[i].name,
		    p->services[i].image);
	if (p->networks[0] != '\0')
		PLAN_LINE(theme_attr(TH_NORMAL), " Networks %s", p->networks);
	if (p->volumes[0] != '\0')
		PLAN_LINE(theme_attr(TH_NORMAL), " Volumes  %s", p->volumes);
	if (p->secrets[0] != '\0')
		PLAN_LINE(theme_attr(TH_NORMAL), " Secrets  %s", p->secrets);
	if (p->order[0] != '\0')
		PLAN_LINE(theme_attr(TH_NORMAL), " Start    %s", p->order);
	/* The policy line, broken at "; " to fit. */
	{
		const char *q = p->policy;

		snprintf(line, sizeof(line), " Policy  ");
		while (*q != '\0') {
			const char *e = strstr(q, "; ");
			size_t len = e != NULL ? (size_t)(e - q) + 1 : strlen(q), o = strlen(line);

			if (o > 10 && o + len + 1 > (size_t)t->cols - 1) {
				PLAN_LINE(theme_attr(TH_NORMAL), "%s", line);
				o = (size_t)snprintf(line, sizeof(line), "         ");
			}
			snprintf(line + o, sizeof(line) - o, " %.*s", (int)len, q);
			q += len;
			while (*q == ' ')
				q++;
		}
		PLAN_LINE(theme_attr(TH_NORMAL), "%s", line);
	}
	swarm = strcmp(p->target, "swarm") == 0;
	if (swarm)
		PLAN_LINE(theme_attr(TH_TITLE), " %zu node%s, target swarm: Swarm updates them, "
		    "one service per compose service", p->nnodes, p->nnodes == 1 ? "" : "s");
	else
		PLAN_LINE(theme_attr(TH_TITLE), " %zu node%s in %d wave%s", p->nnodes,
		    p->nnodes == 1 ? "" : "s", p->nwaves, p->nwaves == 1 ? "" : "s");
	/* One line per wave, continued on more lines when it is long. */
	for (size_t i = 0; i < p->nnodes; i++) {
		size_t o;

		if (p->nodes[i].wave != wave) {
			wave = p->nodes[i].wave;
			o = swarm ? (size_t)snprintf(line, sizeof(line), "   placement:") :
			    (size_t)snprintf(line, sizeof(line), "   wave %d%s:", wave,
			    wave == 0 ? " (canary)" : "");
		} else {
			o = strlen(line);
		}
		if (o > 16 && o + strlen(p->nodes[i].node) + 1 > (size_t)t->cols - 1) {
			PLAN_LINE(theme_attr(TH_NORMAL), "%s", line);
			o = (size_t)snprintf(line, sizeof(line), "%16s", "");
		}
		snprintf(line + o, sizeof(line) - o, " %s", p->nodes[i].node);
		if (i + 1 == p->nnodes || p->nodes[i + 1].wave != wave)
			PLAN_LINE(theme_attr(TH_NORMAL), "%s", line);
	}
	if (p->nwarnings > 0) {
		PLAN_LINE(theme_attr(TH_WARN), " %zu warning%s", p->nwarnings,
		    p->nwarnings == 1 ? "" : "s");
		for (size_t i = 0; i < p->nwarnings; i++)
			PLAN_LINE(theme_attr(TH_WARN), "   %s", p->warnings[i]);
	}
#undef PLAN_LINE
	t->nitems = y + l->top - top;
	t->page_rows = rows - 2;
	if (l->top > t->nitems - (rows - 2))
		l->top = t->nitems - (rows - 2) > 0 ? t->nitems - (rows - 2) : 0;
	l->sel = l->top;
	tui_put(t, bottom, 1, t->cols - 1, theme_attr(backend_read_only(t->b) ? TH_DIM : TH_OK),
	    backend_read_only(t->b) ? "Read-only: this cockpit cannot start a deploy.   "
	    "v: variable   n: another file   Esc: back" : "Enter: start this deploy (asks "
	    "first)   v: variable   n: another file   Esc: back");
}

/* Opened on t->plan_file and t->plan_nodes, or back after a failed start:
 * ask the backend's command thread for a plan of that file on those nodes
 * (planning reads the file and the database); it comes to tui_plan_done. */
static void
make_plan(struct tui *t)
{
	char path[sizeof(t->plan_file)];
	const char *home = getenv("HOME");
	struct pd_command *c;

	/* Variables belong to the file they were typed for. */
	if (strcmp(plan.file, t->plan_file) != 0) {
		snprintf(plan.file, sizeof(plan.file), "%s", t->plan_file);
		plan.nvars = 0;
	}
	pd_plan_free(plan.plan);
	plan.plan = NULL;
	plan.err[0] = '\0';
	plan.planning = 0;
	t->list[TV_PLAN] = (struct tui_list){ 0, 0 };
	if (t->plan_file[0] == '~' && t->plan_file[1] == '/' && home != NULL)
		snprintf(path, sizeof(path), "%s%s", home, t->plan_file + 1);
	else
		snprintf(path, sizeof(path), "%s", t->plan_file);
	c = pd_command_new(PD_COMMAND_PLAN);
	if (c != NULL && ((c->text = strdup(path)) == NULL || (t->plan_nodes[0] &&
	    (c->selector = strdup(t->plan_nodes)) == NULL) ||
	    (plan.nvars > 0 && (c->vars = calloc(plan.nvars, sizeof(*c->vars))) == NULL))) {
		pd_command_free(c);
		c = NULL;
	}
	for (size_t i = 0; c != NULL && i < plan.nvars; i++) {
		if ((c->vars[i] = strdup(plan.vars[i])) == NULL) {
			pd_command_free(c);
			c = NULL;
			break;
		}
		c->nvars++;
	}
	plan.planning = tui_command_send(t, c, NULL);  /* "Planning..." on the screen */
	if (plan.planning == 0)
		snprintf(plan.err, sizeof(plan.err), "%.200s: cannot plan a deploy (out of memory)",
		    path);
}

/* Start the plan on the screen: the backend's command thread takes it over
 * (a start journals the plan); the outcome comes to tui_plan_done. */
static void
start_plan(struct tui *t)
{
	char words[PD_NAME_LEN + 64];
	struct pd_command *c;

	if (plan.plan == NULL || plan.starting)
		return;
	c = pd_command_new(PD_COMMAND_DEPLOY_START);
	if (c == NULL) {
		tui_message(t, theme_attr(TH_CRIT), 0, " Not started: out of memory");
		return;
	}
	snprintf(c->label, sizeof(c->label), "%s", plan.plan->stack);
	snprintf(words, sizeof(words), "Starting deploy of stack %s...", plan.plan->stack);
	c->plan = plan.plan;
	plan.plan = NULL;
	if (tui_command_send(t, c, words) == 0) {
		make_plan(t);   /* the plan went with the command */
		return;
	}
	plan.starting = 1;
}

/* The backend made the plan awaited, or started one, or could not. */
void
tui_plan_done(struct tui *t, struct pd_command *c)
{
	char e[PD_ERROR_LEN];

	if (c->kind == PD_COMMAND_PLAN) {
		if (c->seq != plan.planning)
			return;         /* planned again since: that one is awaited */
		plan.planning = 0;
		pd_plan_free(plan.plan);
		plan.plan = c->rc == 0 ? c->plan : NULL;
		c->plan = NULL;
		if (c->rc != 0 && c->err[0] != '\0')
			snprintf(plan.err, sizeof(plan.err), "%s", c->err);
		else if (c->rc != 0)
			snprintf(plan.err, sizeof(plan.err), "%.200s: cannot plan a deploy",
			    c->text != NULL ? c->text : "");
		return;
	}
	plan.starting = 0;
	if (c->rc == 1) {               /* held for four eyes: this cockpit starts it */
		pd_sanitize(e, sizeof(e), c->err, !t->utf8);
		tui_message(t, theme_attr(TH_WARN), 0, " Waiting: %s", e);
		tui_records_reread(t);
		return;
	}
	if (c->rc != 0) {
		pd_sanitize(e, sizeof(e), c->err, !t->utf8);
		tui_message(t, theme_attr(TH_CRIT), 0, " Not started: %s", e);
		if (tui_view(t) == TV_PLAN)
			make_plan(t);   /* the plan stays on the screen */
		return;
	}
	tui_records_reread(t);
	tui_deploys_open(t, c->newid);
	tui_message(t, theme_attr(TH_INFO), 5, " Deploy #%lld of stack %s started.",
	    (long long)c->newid, c->label);
}

/* Enter: ask before starting the deploy; read-only: let the backend refuse now. */
static void
ask_start(struct tui *t)
{
	const struct pd_plan *p = plan.plan;

	t->ask_id = 0;
	t->ask = TA_START;
	if (backend_read_only(t->b)) {
		start_plan(t);
		t->ask = TA_NONE;
		return;
	}
	snprintf(t->ask_text, sizeof(t->ask_text), "Start deploy of stack %s revision %d "
	    "to %zu node%s?", p->stack, p->revision, p->nnodes, p->nnodes == 1 ? "" : "s");
}

/* Enter on the variable line: set NAME=VALUE (NAME alone: unset) for this
 * plan and plan again; else the stack file and nodes lines. */
static void
plan_typed(struct tui *t)
{
	const char *s = t->input_buf;
	size_t len = strcspn(s, "="), i;

	if (t->input != TI_VAR) {
		tui_deploys_typed(t);
		return;
	}
	t->input = TI_NONE;
	if (len == 0)
		return;
	for (i = 0; i < plan.nvars; i++)
		if (strncmp(plan.vars[i], s, len) == 0 && plan.vars[i][len] == '=')
			break;
	if (s[len] != '=') {            /* unset */
		if (i < plan.nvars) {
			memmove(plan.vars[i], plan.vars[i + 1], (plan.nvars - i - 1) *
			    sizeof(plan.vars[0]));
			plan.nvars--;
		}
	} else if (i < plan.nvars || plan.nvars < PLAN_MAX_VARS) {
		snprintf(plan.vars[i], sizeof(plan.vars[i]), "%s", s);
		if (i == plan.nvars)
			plan.nvars++;
	} else {
		tui_message(t, theme_attr(TH_CRIT), 0, " At most %d variables.", PLAN_MAX_VARS);
		return;
	}
	make_plan(t);
}

/* n: another stack file or nodes; v: a variable; Enter: start this deploy. */
static int
plan_key(struct tui *t, int ch)
{
	if (ch == 'n') {
		tui_deploys_new(t);
		return 1;
	}
	if (ch == 'v') {
		t->input = TI_VAR;
		t->input_buf[0] = '\0';
		return 1;
	}
	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		if (plan.plan != NULL)
			ask_start(t);
		return 1;
	}
	return 0;
}

/* y to starting the deploy. */
static void
plan_answer(struct tui *t)
{
	if (t->ask == TA_START)
		start_plan(t);
}

/* The cockpit ends: free the plan. */
static void
plan_stop(struct tui *t)
{
	(void)t;
	pd_plan_free(plan.plan);
	plan.plan = NULL;
	plan.err[0] = '\0';
}

static const char *const plan_help[] = {
	"Enter            start this deploy (asks first)",
	"v                set a variable of the stack file (NAME=VALUE) for this",
	"                 plan alone, and plan again",
	"n                another stack file or nodes",
	NULL,
};

const struct tui_screen screen_plan = {
	.name = "New deploy",
	.footer = " F1 Help  Enter Start  v Variable  n Other file  Esc Back  F10 Quit",
	.help = plan_help,
	.flags = TUI_SCROLLS,
	.enter = make_plan,
	.draw = plan_draw,
	.key = plan_key,
	.typed = plan_typed,
	.answer = plan_answer,
	.stop = plan_stop,
};
