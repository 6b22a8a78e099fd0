/* tui-deploy.c: the deploy screens, and what the other screens show of deploys.
 *
 *   deploys    the newest deploys: stack, kind, revisions, state, progress
 *   deploy     one deploy node by node: wave, phase, a pull bar, step, error;
 *              p pause, r resume, a abort, b roll back, each asked first
 *   plan       a new deploy: the stack file and node selector typed at the
 *              bottom, the plan the backend made of them; Enter starts it,
 *              after a y/n question
 *
 * The executor runs in a backend thread and pokes the wakeup fd.  This file
 * reads the deploys back from the backend at most once a second (four times
 * a second on a deploy screen after a poke), never once per frame; the
 * fleet screen's marks on the nodes a running deploy works on and the
 * header's counts come from the same reading.  A read-only cockpit asks no
 * question: it lets the backend refuse and shows the backend's words.
 * Everything that came from a stack file or a node is drawn sanitised. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tui-internal.h"

#define DEPLOY_LIST_MAX 50
#define DEPLOY_GAP_IDLE 1.0     /* s between readings */
#define DEPLOY_GAP_VIEW 0.25    /* on a deploy screen, after a poke */
#define DEPLOY_BAR_W 10

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
static int
state_attr(enum pd_deploy_state s)
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
static int
phase_attr(enum pd_phase p)
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

double
tui_deploy_due(const struct tui *t)
{
	enum tui_view v = tui_view(t);
	double gap = DEPLOY_GAP_IDLE;

	if (t->deploys_at == 0)
		return 0;
	if ((v == TV_DEPLOYS || v == TV_DEPLOY) && t->deploys_poked)
		gap = DEPLOY_GAP_VIEW;
	return t->deploys_at + gap - t->now;
}

/* Add the nodes deploy ID is working on now to *BUSY. */
static void
collect_busy(struct tui *t, int64_t id, char (**busy)[PD_NAME_LEN], size_t *n)
{
	struct pd_deploy d;
	char err[PD_ERROR_LEN];

	if (backend_deploy_get(t->b, id, &d, err, sizeof(err)) != 0)
		return;
	for (size_t i = 0; i < d.nnodes; i++) {
		char (*nb)[PD_NAME_LEN];

		if (!phase_in_flight(d.nodes[i].phase))
			continue;
		nb = realloc(*busy, (*n + 1) * sizeof(**busy));
		if (nb == NULL)
			break;
		*busy = nb;
		snprintf(nb[(*n)++], PD_NAME_LEN, "%s", d.nodes[i].node);
	}
	pd_deploy_free(&d);
}

void
tui_deploy_refresh(struct tui *t)
{
	struct pd_deploy *list = NULL;
	char (*busy)[PD_NAME_LEN] = NULL;
	size_t n = 0, nbusy = 0;
	char err[PD_ERROR_LEN];

	if (tui_deploy_due(t) > 0)
		return;
	t->deploys_at = t->now > 0 ? t->now : 1e-9;
	t->deploys_poked = 0;
	t->dirty = 1;
	if (backend_deploys(t->b, DEPLOY_LIST_MAX, &list, &n, err, sizeof(err)) != 0) {
		snprintf(t->deploys_err, sizeof(t->deploys_err), "%s", err);
		list = NULL;
		n = 0;
	} else {
		t->deploys_err[0] = '\0';
	}
	if (t->deploys != NULL)
		pd_deploys_free(t->deploys, t->ndeploys);
	t->deploys = list;
	t->ndeploys = n;
	t->nrunning = t->npaused = t->ninterrupted = 0;
	for (size_t i = 0; i < n; i++) {
		/* A deploy rolling back is counted as its rollback, which runs. */
		t->nrunning += list[i].state == PD_DEPLOY_RUNNING;
		t->npaused += list[i].state == PD_DEPLOY_PAUSED;
		t->ninterrupted += list[i].state == PD_DEPLOY_INTERRUPTED;
		if (list[i].state == PD_DEPLOY_RUNNING)
			collect_busy(t, list[i].id, &busy, &nbusy);
	}
	free(t->busy_nodes);
	t->busy_nodes = busy;
	t->nbusy_nodes = nbusy;

	if (tui_view(t) == TV_DEPLOY) {
		if (t->dep_ok)
			pd_deploy_free(&t->dep);
		memset(&t->dep, 0, sizeof(t->dep));
		t->dep_ok = backend_deploy_get(t->b, t->dep_id, &t->dep, t->dep_err,
		    sizeof(t->dep_err)) == 0;
	}

	/* At startup: a deploy whose process died waits for someone to decide. */
	if (!t->deploys_seen && t->deploys_err[0] == '\0') {
		t->deploys_seen = 1;
		if (n > 0 && list[0].state == PD_DEPLOY_INTERRUPTED && !t->opts->kiosk)
			tui_message(t, theme_attr(TH_WARN), 0, " Deploy #%lld of stack %s was "
			    "interrupted (its process died): press D, open it, then r to resume "
			    "or b to roll back.", (long long)list[0].id, list[0].stack);
	}
}

int
tui_deploy_node_busy(const struct tui *t, const char *node)
{
	for (size_t i = 0; i < t->nbusy_nodes; i++)
		if (strcmp(t->busy_nodes[i], node) == 0)
			return 1;
	return 0;
}

int
tui_deploy_header(const struct tui *t, char *out, size_t len)
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

const char *
tui_deploy_crumb(const struct tui *t, enum tui_view v, char *buf, size_t len)
{
	switch (v) {
	case TV_DEPLOYS: return "Deploys";
	case TV_PLAN: return "New deploy";
	case TV_DEPLOY:
		snprintf(buf, len, "Deploy #%lld", (long long)t->dep_id);
		return buf;
	default: return "";
	}
}

void
tui_deploy_show(struct tui *t)
{
	if (tui_view(t) == TV_DEPLOYS)
		return;
	if (tui_view(t) == TV_CONTAINER)
		backend_watch_container(t->b, NULL, NULL);
	t->stack[0] = TV_FLEET;
	t->stack[1] = TV_DEPLOYS;
	t->depth = 2;
	t->deploys_at = 0;
}

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
draw_list(struct tui *t, int top, int rows)
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
		tui_put(t, y, 40, 12, sel ? base : state_attr(d->state), buf);
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
		tui_put(t, top + 1, 2, t->cols - 2, theme_attr(TH_DIM), t->filter[TV_DEPLOYS][0] ?
		    "No deploy matches the filter." : "No deploys yet. Press n to deploy a stack file.");
	free(idx);
}

/* The deploy screen: one deploy, node by node. */
static void
draw_deploy(struct tui *t, int top, int rows)
{
	const struct pd_deploy *d = &t->dep;
	struct tui_list *l = &t->list[TV_DEPLOY];
	char buf[PD_ERROR_LEN + 256], age[16], kind[48];
	int y = top, x, pct, first;

	if (!t->dep_ok) {
		tui_put_wrap(t, top, 1, t->cols - 2, 3, theme_attr(t->dep_err[0] ? TH_CRIT : TH_DIM),
		    t->dep_err[0] ? t->dep_err : "reading the deploy...");
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
	tui_put(t, y, x, (int)strlen(buf), state_attr(d->state), buf);
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
		tui_put(t, y, 21, 12, sel ? base : phase_attr(n->phase), pd_phase_name(n->phase));
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

/* The plan screen: what a deploy of the chosen file would do. */
static void
draw_plan(struct tui *t, int top, int rows)
{
	const struct pd_plan *p = t->plan;
	struct tui_list *l = &t->list[TV_PLAN];
	char buf[PD_ERROR_LEN + 640], line[512];
	int y = top, bottom = top + rows - 1, wave = -1, swarm;

	t->nitems = 0;
	snprintf(buf, sizeof(buf), " Stack file %s   nodes %s", t->plan_file,
	    t->plan_nodes[0] ? t->plan_nodes : "(all the placement allows)");
	tui_put_untrusted(t, y++, 0, t->cols, theme_attr(TH_INFO), buf);
	if (p == NULL) {
		y++;
		tui_put(t, y++, 1, t->cols - 1, theme_attr(TH_TITLE), "This file cannot be deployed:");
		y += tui_put_wrap(t, y, 2, t->cols - 3, bottom - y, theme_attr(TH_CRIT),
		    t->plan_err[0] ? t->plan_err : "no plan");
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
	for (size_t i = 0; i < p->nservices; i++)
		PLAN_LINE(theme_attr(TH_NORMAL), "   service %-16s %s", p->services[i].name,
		    p->services[i].image);
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
	    "n: another file   Esc: back" : "Enter: start this deploy (asks first)   "
	    "n: another file   Esc: back");
}

void
tui_deploy_draw(struct tui *t, int top, int rows)
{
	switch (tui_view(t)) {
	case TV_DEPLOYS: draw_list(t, top, rows); break;
	case TV_DEPLOY: draw_deploy(t, top, rows); break;
	case TV_PLAN: draw_plan(t, top, rows); break;
	default: break;
	}
}

/* Show deploy ID on the deploy screen (in place of the plan screen). */
static void
open_deploy(struct tui *t, int64_t id)
{
	if (t->dep_ok)
		pd_deploy_free(&t->dep);
	memset(&t->dep, 0, sizeof(t->dep));
	t->dep_ok = 0;
	t->dep_err[0] = '\0';
	t->dep_id = id;
	t->list[TV_DEPLOY] = (struct tui_list){ 0, 0 };
	if (tui_view(t) == TV_PLAN || tui_view(t) == TV_DEPLOY)
		t->stack[t->depth - 1] = TV_DEPLOY;
	else if (t->depth < TUI_MAX_DEPTH)
		t->stack[t->depth++] = TV_DEPLOY;
	else
		t->stack[t->depth - 1] = TV_DEPLOY;
	t->deploys_at = 0;
}

/* Ask the backend for a plan of the chosen file and nodes. */
static void
make_plan(struct tui *t)
{
	char path[sizeof(t->plan_file)];
	const char *home = getenv("HOME");
	int rc;

	pd_plan_free(t->plan);
	t->plan = NULL;
	t->plan_err[0] = '\0';
	if (t->plan_file[0] == '~' && t->plan_file[1] == '/' && home != NULL)
		snprintf(path, sizeof(path), "%s%s", home, t->plan_file + 1);
	else
		snprintf(path, sizeof(path), "%s", t->plan_file);
	rc = backend_deploy_plan(t->b, path, t->plan_nodes[0] ? t->plan_nodes : NULL, &t->plan,
	    t->plan_err, sizeof(t->plan_err));
	if (rc != 0) {
		t->plan = NULL;
		if (t->plan_err[0] == '\0')
			snprintf(t->plan_err, sizeof(t->plan_err), "%.200s: cannot plan a deploy", path);
	}
	t->list[TV_PLAN] = (struct tui_list){ 0, 0 };
}

/* Start the plan on the screen; the backend takes it over. */
static void
start_plan(struct tui *t)
{
	struct pd_plan *p = t->plan;
	char err[PD_ERROR_LEN], stack[PD_NAME_LEN];
	int64_t id = 0;
	int rc;

	if (p == NULL)
		return;
	snprintf(stack, sizeof(stack), "%s", p->stack);
	t->plan = NULL;
	rc = backend_deploy_start(t->b, p, &id, err, sizeof(err));
	if (rc != 0) {
		tui_message(t, theme_attr(TH_CRIT), 0, " Not started: %s", err);
		make_plan(t);   /* the plan stays on the screen */
		return;
	}
	open_deploy(t, id);
	tui_message(t, theme_attr(TH_INFO), 5, " Deploy #%lld of stack %s started.",
	    (long long)id, stack);
}

/* Pause, resume, abort or roll back deploy ID. */
static void
command(struct tui *t, enum pd_deploy_cmd cmd, int64_t id)
{
	static const char *const names[] = { "pause", "resume", "abort", "rollback" };
	char err[PD_ERROR_LEN];
	int64_t newid = 0;
	int rc;

	rc = backend_deploy_command(t->b, id, cmd, 0, &newid, err, sizeof(err));
	if (rc != 0) {
		tui_message(t, theme_attr(TH_CRIT), 0, " Deploy #%lld: %s", (long long)id, err);
		return;
	}
	t->deploys_at = 0;
	if (cmd == PD_CMD_ROLLBACK && newid != 0) {
		open_deploy(t, newid);
		tui_message(t, theme_attr(TH_INFO), 5, " Deploy #%lld: rolling back as deploy #%lld.",
		    (long long)id, (long long)newid);
		return;
	}
	tui_message(t, theme_attr(TH_INFO), 5, " Deploy #%lld: %s asked.", (long long)id,
	    names[cmd]);
}

/* Ask y/n before WHAT on deploy ID; read-only: let the backend refuse now. */
static void
ask(struct tui *t, enum tui_ask what, const struct pd_deploy *d)
{
	t->ask_id = d != NULL ? d->id : 0;
	t->ask = what;
	if (backend_read_only(t->b)) {
		tui_deploy_answer(t);
		t->ask = TA_NONE;
		return;
	}
	switch (what) {
	case TA_START:
		snprintf(t->ask_text, sizeof(t->ask_text), "Start deploy of stack %s revision %d "
		    "to %zu node%s?", t->plan->stack, t->plan->revision, t->plan->nnodes,
		    t->plan->nnodes == 1 ? "" : "s");
		break;
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

void
tui_deploy_answer(struct tui *t)
{
	switch (t->ask) {
	case TA_START: start_plan(t); break;
	case TA_PAUSE: command(t, PD_CMD_PAUSE, t->ask_id); break;
	case TA_RESUME: command(t, PD_CMD_RESUME, t->ask_id); break;
	case TA_ABORT: command(t, PD_CMD_ABORT, t->ask_id); break;
	case TA_ROLLBACK: command(t, PD_CMD_ROLLBACK, t->ask_id); break;
	default: break;
	}
}

void
tui_deploy_input_done(struct tui *t)
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
	make_plan(t);
	if (tui_view(t) != TV_PLAN) {
		if (t->depth < TUI_MAX_DEPTH)
			t->stack[t->depth++] = TV_PLAN;
		else
			t->stack[t->depth - 1] = TV_PLAN;
	}
}

int
tui_deploy_key(struct tui *t, int ch)
{
	enum tui_view v = tui_view(t);
	const struct pd_deploy *d = NULL;

	if (v != TV_DEPLOYS && v != TV_DEPLOY && v != TV_PLAN)
		return 0;
	if (ch == 'n') {
		t->input = TI_FILE;
		snprintf(t->input_buf, sizeof(t->input_buf), "%s", t->plan_file);
		return 1;
	}
	if (v == TV_PLAN) {
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
			if (t->plan != NULL)
				ask(t, TA_START, NULL);
			return 1;
		}
		return 0;
	}
	if (ch != 'p' && ch != 'r' && ch != 'a' && ch != 'b')
		return 0;
	d = v == TV_DEPLOYS ? list_selected(t) : t->dep_ok ? &t->dep : NULL;
	if (d == NULL) {
		tui_message(t, theme_attr(TH_DIM), 3, " No deploy selected.");
		return 1;
	}
	ask(t, ch == 'p' ? TA_PAUSE : ch == 'r' ? TA_RESUME : ch == 'a' ? TA_ABORT : TA_ROLLBACK, d);
	return 1;
}

int
tui_deploy_open_selected(struct tui *t)
{
	if (tui_view(t) == TV_DEPLOYS) {
		const struct pd_deploy *d = list_selected(t);

		if (d == NULL)
			return 0;
		open_deploy(t, d->id);
		return 1;
	}
	if (tui_view(t) == TV_DEPLOY && t->dep_ok && t->depth < TUI_MAX_DEPTH) {
		int sel = t->list[TV_DEPLOY].sel;

		if (sel < 0 || (size_t)sel >= t->dep.nnodes)
			return 0;
		snprintf(t->node, sizeof(t->node), "%s", t->dep.nodes[sel].node);
		t->list[TV_NODE] = (struct tui_list){ 0, 0 };
		t->filter[TV_NODE][0] = '\0';
		t->stack[t->depth++] = TV_NODE;
		return 1;
	}
	return 0;
}

const char *
tui_deploy_footer(const struct tui *t)
{
	switch (tui_view(t)) {
	case TV_DEPLOYS:
		return " F1 Help  Enter Open  n New  p Pause  r Resume  a Abort  b Rollback  / Filter";
	case TV_DEPLOY:
		return " F1 Help  Esc Back  p Pause  r Resume  a Abort  b Rollback  n New  F10 Quit";
	case TV_PLAN:
		return " F1 Help  Enter Start  n Other file  Esc Back  F10 Quit";
	default:
		return "";
	}
}

void
tui_deploy_free(struct tui *t)
{
	if (t->deploys != NULL)
		pd_deploys_free(t->deploys, t->ndeploys);
	t->deploys = NULL;
	t->ndeploys = 0;
	if (t->dep_ok)
		pd_deploy_free(&t->dep);
	t->dep_ok = 0;
	free(t->busy_nodes);
	t->busy_nodes = NULL;
	t->nbusy_nodes = 0;
	pd_plan_free(t->plan);
	t->plan = NULL;
}
