/* screen-container.c: the container screen, one container in depth.
 *
 * Its state and image, the inspect summary (command, restart policy,
 * limits, user), when it started and finished, its usage, the health log,
 * its recent events, and its last log lines.  The node screen opens it on
 * t->node and t->cid; while it is on top the backend watches the container
 * (logs, inspect), and the details come with each snapshot.  It scrolls as
 * a page. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui-internal.h"

/* The details of the watched container, as last read. */
static struct pd_details details;

/* The container the container view shows, and its node. */
static const struct pd_container *
current_container(const struct tui *t, const struct pd_node **np)
{
	const struct pd_node *n = tui_node(t);

	*np = n;
	if (n == NULL)
		return NULL;
	for (size_t i = 0; i < n->ncontainers; i++)
		if (strcmp(t->snap->containers[n->first_container + i].id, t->cid) == 0)
			return &t->snap->containers[n->first_container + i];
	return NULL;
}

/* Lines of the container screen, collected then drawn from the scroll top. */
struct lines {
	char text[160][PD_LINE_LEN + 32];
	int attr[160];
	int untrusted[160];
	int n;
};

/* Add a line. */
static void
add(struct lines *L, int attr, int untrusted, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(struct lines *L, int attr, int untrusted, const char *fmt, ...)
{
	va_list ap;

	if (L->n == 160)
		return;
	va_start(ap, fmt);
	vsnprintf(L->text[L->n], sizeof(L->text[0]), fmt, ap);
	va_end(ap);
	L->attr[L->n] = attr;
	L->untrusted[L->n] = untrusted;
	L->n++;
}

/* The container screen. */
static void
container_draw(struct tui *t, int top, int rows)
{
	const struct pd_node *n;
	const struct pd_container *c = current_container(t, &n);
	const struct pd_details *d = &details;
	struct lines *L = calloc(1, sizeof(*L));
	struct tui_list *l = &t->list[TV_CONTAINER];
	char a[32], b[32];
	int y;

	if (L == NULL)
		return;
	if (c == NULL) {
		tui_put(t, top, 2, t->cols - 2, theme_attr(TH_CRIT), "This container is gone.");
		t->nitems = 0;
		free(L);
		return;
	}
	add(L, theme_attr(TH_INFO), 1, " %s on %s   %s%s%s", c->name, n->name, c->state,
	    c->health != PD_HEALTH_NONE ? ", " : "", c->health != PD_HEALTH_NONE ?
	    pd_health_name(c->health) : "");
	if (n->reach != PD_REACH_UP)
		add(L, theme_attr(TH_STALE), 0, " STALE: the node does not answer; this is the last known state");
	add(L, theme_attr(TH_NORMAL), 1, " image     %s", c->image);
	add(L, theme_attr(TH_NORMAL), 0, " id        %.12s", c->id);
	if (c->networks[0] != '\0')
		add(L, theme_attr(TH_NORMAL), 1, " networks  %s", c->networks);
	if (d->ready) {
		add(L, theme_attr(TH_NORMAL), 1, " command   %s", d->command);
		add(L, theme_attr(TH_NORMAL), 1, " restart   %s%s%.0d   restarts %d",
		    d->restart_policy[0] ? d->restart_policy : "no", d->restart_max ? " max " : "",
		    d->restart_max, c->restart_count);
		char cpus[16];

		pd_format_bytes(a, sizeof(a), d->mem_limit);
		pd_format_bytes(b, sizeof(b), d->mem_reservation);
		snprintf(cpus, sizeof(cpus), "%.2f", d->cpus);
		add(L, theme_attr(TH_NORMAL), 0, " limits    memory %s  reservation %s  cpus %s",
		    d->mem_limit ? a : "none", d->mem_reservation ? b : "none",
		    d->cpus > 0 ? cpus : "none");
		add(L, theme_attr(TH_NORMAL), 1, " user      %s%s%s", d->user[0] ? d->user : "(image default)",
		    d->privileged ? "  PRIVILEGED" : "", d->read_only_rootfs ? "  read-only rootfs" : "");
	} else if (d->error[0]) {
		add(L, theme_attr(TH_CRIT), 1, " %s", d->error);
	} else {
		add(L, theme_attr(TH_DIM), 0, " fetching details...");
	}
	pd_format_age(a, sizeof(a), t->snap->taken, c->started_at);
	pd_format_age(b, sizeof(b), t->snap->taken, c->finished_at);
	add(L, theme_attr(TH_NORMAL), 0, " started   %s%s   finished %s%s   exit %d%s", a,
	    c->started_at ? " ago" : "", b, c->finished_at ? " ago" : "",
	    c->exit_code, c->oom_killed ? "   OOM-KILLED" : "");
	if (c->sampled_at) {
		pd_format_bytes(a, sizeof(a), c->mem_usage);
		pd_format_bytes(b, sizeof(b), c->mem_limit);
		add(L, theme_attr(TH_NORMAL), 0, " usage     cpu %.1f%%   memory %s of %s",
		    c->cpu_pct < 0 ? 0 : c->cpu_pct, a, b);
	}
	if (d->ready && d->nhealth > 0) {
		add(L, theme_attr(TH_TITLE), 0, " Health log");
		for (int i = 0; i < d->nhealth; i++)
			add(L, theme_attr(d->health_exit[i] ? TH_WARN : TH_NORMAL), 1, "  exit %d  %s",
			    d->health_exit[i], d->health_log[i][0] ? d->health_log[i] : "(no output)");
	}
	add(L, theme_attr(TH_TITLE), 0, " Recent events");
	for (size_t i = 0, k = 0; i < t->snap->nevents && k < 8; i++) {
		const struct pd_event *e = &t->snap->events[i];
		struct tm tm;

		if (strcmp(e->node, n->name) != 0 || strcmp(e->container, c->name) != 0)
			continue;
		localtime_r(&e->time, &tm);
		strftime(a, sizeof(a), "%H:%M:%S", &tm);
		add(L, theme_attr(TH_NORMAL), 1, "  %s %-8s %s", a, e->action, e->text);
		k++;
	}
	add(L, theme_attr(TH_TITLE), 0, " Last log lines");
	if (d->ready || d->nlogs)
		for (int i = 0; i < d->nlogs; i++)
			add(L, theme_attr(TH_NORMAL), 1, "  %s", d->logs[i]);
	t->nitems = L->n;
	t->page_rows = rows;
	if (l->top > L->n - rows)
		l->top = L->n - rows;
	if (l->top < 0)
		l->top = 0;
	l->sel = l->top;
	y = top;
	for (int i = l->top; i < L->n && y < top + rows; i++, y++) {
		if (L->untrusted[i])
			tui_put_untrusted(t, y, 0, t->cols, L->attr[i], L->text[i]);
		else
			tui_put(t, y, 0, t->cols, L->attr[i], L->text[i]);
	}
	free(L);
}

/* Opened on t->node and t->cid: from the top; the backend watches it. */
static void
container_enter(struct tui *t)
{
	t->list[TV_CONTAINER] = (struct tui_list){ 0, 0 };
	memset(&details, 0, sizeof(details));
	backend_watch_container(t->b, t->node, t->cid);
}

/* Covered or closed: the backend stops watching. */
static void
container_leave(struct tui *t)
{
	backend_watch_container(t->b, NULL, NULL);
}

/* A new snapshot: read the watched container's details with it. */
static void
container_read(struct tui *t, enum tui_read what, int top)
{
	/* Back on top after a screen it opened: watch it again. */
	if (what == TR_SNAPSHOT && top && backend_details(t->b, &details) != 0)
		backend_watch_container(t->b, t->node, t->cid);
}

/* Enter: its log, full screen. */
static int
container_open(struct tui *t)
{
	return tui_open(t, TV_LOGS, TUI_PUSH_OR_REPLACE);
}

/* a, F9: act on this container (and the action menu's keys while it is
 * up); L: its log, full screen. */
static int
container_key(struct tui *t, int ch)
{
	const struct pd_node *n;
	const struct pd_container *c = NULL;

	if (!t->act_menu && ch == 'L')
		return container_open(t);
	if (!t->act_menu && ch != 'a' && ch != KEY_F(9))
		return 0;
	n = tui_node(t);
	for (size_t k = 0; n != NULL && k < n->ncontainers; k++)
		if (strcmp(t->snap->containers[n->first_container + k].id, t->cid) == 0)
			c = &t->snap->containers[n->first_container + k];
	return tui_actions_key(t, ch, t->node, c);
}

/* The cockpit ends: nothing is watched any more. */
static void
container_stop(struct tui *t)
{
	backend_watch_container(t->b, NULL, NULL);
	memset(&details, 0, sizeof(details));
}

static const char *const container_help[] = {
	"L, Enter         the log, full screen",
	"a, F9            act on the container: a menu, then y/n",
	"                 r restart  s stop  t start  p pause",
	"                 u unpause  x remove (forced)  Esc",
	NULL,
};

const struct tui_screen screen_container = {
	.name = "Container",
	.footer = " F1 Help  Esc Back  Up/Down Scroll  L Logs  a Act  e Events  F10 Quit",
	.help = container_help,
	.flags = TUI_SCROLLS,
	.enter = container_enter,
	.leave = container_leave,
	.read = container_read,
	.draw = container_draw,
	.key = container_key,
	.open = container_open,
	.answer = tui_actions_answer,
	.stop = container_stop,
};
