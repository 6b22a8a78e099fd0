/* alarm.c: what is wrong in the fleet now, worst first, from one snapshot.
 *
 * One place decides what an alarm is, so that the cockpit's alarm line, its
 * jump key (!) and the kiosk's alarm page never disagree.  pd_alarms() is a
 * pure function of a struct pd_snapshot: it reads the snapshot's own clock
 * (taken), never the system's, so a unit test drives it with a hand-made
 * one.  It lives in model/ rather than tui/ because it needs no curses and
 * any front end may show it (plantdeck status could print the same list).
 *
 * Worst first: a node down, a node stale, a container OOM-killed, a crash
 * loop (the more restarts the worse), a failing healthcheck, an exit with
 * an error.  Each node or container raises one alarm, of its worst kind.
 *
 * Lifetimes, since the fleet model keeps the OOM mark once seen (the
 * engine's OOMKilled is cleared when the container starts again):
 *   - OOM: while the container is not running (it is dead: someone must
 *     act), and for PD_ALARM_OOM_SECS after the kill (finished_at) once it
 *     runs again; a running container whose kill time is unknown raises none.
 *   - crash loop: while the engine says "restarting", and while a container
 *     with RestartCount > 0 that runs, or has just failed again, last died
 *     within PD_ALARM_RESTART_SECS: between a die event and the engine's
 *     next restart it is "exited", and the alarm must not flicker.
 *   - unhealthy: while the healthcheck says so.
 *   - exited: while it stays exited with a non-zero code, unless the code
 *     says a signal someone sends to stop a container ended it (130, 137
 *     without OOM, 143): docker stop and docker kill are not alarms.
 *
 * Names in an alarm are copied as the engine gave them; the text functions
 * below add none of them, and the alarm line sanitises what it shows. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/model/model.h"

/* The name of an alarm's kind. */
const char *
pd_alarm_kind_name(enum pd_alarm_kind k)
{
	static const char *const names[] = {
		[PD_ALARM_NODE_DOWN] = "down", [PD_ALARM_NODE_STALE] = "stale",
		[PD_ALARM_OOM] = "oom", [PD_ALARM_RESTARTING] = "restarting",
		[PD_ALARM_UNHEALTHY] = "unhealthy", [PD_ALARM_EXITED] = "exited",
	};

	if ((int)k < 0 || (size_t)k >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[k];
}

/* Whether an exit code says a signal that stops containers on purpose ended it. */
static int
alarm_stopped(int code, int oom)
{
	return code == 143 || code == 130 || (code == 137 && !oom);
}

/* The worst alarm container C of a node raises at NOW into A; 0 when none.
 * The order of the tests is the order of the kinds. */
static int
alarm_container(const struct pd_container *c, time_t now, struct pd_alarm *a)
{
	int running = strcmp(c->state, "running") == 0;
	int restarting = strcmp(c->state, "restarting") == 0;
	int exited = strcmp(c->state, "exited") == 0;
	time_t ago = c->finished_at != 0 && now >= c->finished_at ? now - c->finished_at : -1;

	int failed = exited && c->exit_code != 0 && !alarm_stopped(c->exit_code, c->oom_killed);

	if (c->oom_killed && (!running || (ago >= 0 && ago < PD_ALARM_OOM_SECS)))
		a->kind = PD_ALARM_OOM;
	else if (restarting || ((running || failed) && c->restart_count > 0 && ago >= 0 &&
	    ago < PD_ALARM_RESTART_SECS))
		a->kind = PD_ALARM_RESTARTING;
	else if (c->health == PD_HEALTH_UNHEALTHY && (running || restarting))
		a->kind = PD_ALARM_UNHEALTHY;
	else if (failed)
		a->kind = PD_ALARM_EXITED;
	else
		return 0;
	snprintf(a->container, sizeof(a->container), "%s", c->name);
	snprintf(a->id, sizeof(a->id), "%s", c->id);
	a->restarts = c->restart_count;
	a->exit_code = c->exit_code;
	a->since = c->finished_at;
	return 1;
}

/* qsort comparator: worst first, then the most restarts, then by name. */
static int
alarm_cmp(const void *pa, const void *pb)
{
	const struct pd_alarm *a = pa, *b = pb;
	int r;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->restarts != b->restarts)
		return a->restarts > b->restarts ? -1 : 1;
	r = strcmp(a->node, b->node);
	if (r == 0)
		r = strcmp(a->container, b->container);
	if (r == 0)
		r = strcmp(a->id, b->id);
	return r;
}

/* The alarms of snapshot S, worst first. */
struct pd_alarm *
pd_alarms(const struct pd_snapshot *s, size_t *n)
{
	struct pd_alarm *out;
	size_t k = 0;

	*n = 0;
	if (s == NULL || s->nnodes + s->ncontainers == 0)
		return NULL;
	out = calloc(s->nnodes + s->ncontainers, sizeof(*out));
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *nd = &s->nodes[i];

		if (nd->reach == PD_REACH_DOWN || nd->reach == PD_REACH_STALE) {
			struct pd_alarm *a = &out[k++];

			a->kind = nd->reach == PD_REACH_DOWN ? PD_ALARM_NODE_DOWN : PD_ALARM_NODE_STALE;
			snprintf(a->node, sizeof(a->node), "%s", nd->name);
			a->since = nd->last_seen;
			continue;
		}
		if (nd->reach != PD_REACH_UP)
			continue;
		for (size_t j = 0; j < nd->ncontainers; j++) {
			size_t ci = nd->first_container + j;

			if (ci >= s->ncontainers)
				break;
			if (alarm_container(&s->containers[ci], s->taken, &out[k])) {
				snprintf(out[k].node, sizeof(out[k].node), "%s", nd->name);
				k++;
			}
		}
	}
	if (k == 0) {
		free(out);
		return NULL;
	}
	qsort(out, k, sizeof(*out), alarm_cmp);
	*n = k;
	return out;
}

/* A's short text for a person. */
void
pd_alarm_text(char *out, size_t len, const struct pd_alarm *a, int ascii)
{
	const char *x = ascii ? "x" : "\u00d7";

	switch (a->kind) {
	case PD_ALARM_NODE_DOWN:
		snprintf(out, len, "DOWN");
		break;
	case PD_ALARM_NODE_STALE:
		snprintf(out, len, "STALE");
		break;
	case PD_ALARM_OOM:
		if (a->restarts > 0)
			snprintf(out, len, "OOM, restarts %s%d", x, a->restarts);
		else
			snprintf(out, len, "OOM");
		break;
	case PD_ALARM_RESTARTING:
		snprintf(out, len, "restarting %s%d", x, a->restarts);
		break;
	case PD_ALARM_UNHEALTHY:
		snprintf(out, len, "unhealthy");
		break;
	case PD_ALARM_EXITED:
		if (a->restarts > 0)
			snprintf(out, len, "exited %d after %d restart%s", a->exit_code, a->restarts,
			    a->restarts == 1 ? "" : "s");
		else
			snprintf(out, len, "exited %d", a->exit_code);
		break;
	default:
		snprintf(out, len, "?");
		break;
	}
}

/* Columns that UTF-8 text S takes (one per character). */
static int
alarm_cols(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Cut UTF-8 text S to at most COLS columns, ending with ELLIPSIS when cut;
 * never inside a character or a sanitiser's escape. */
static void
alarm_cut(char *s, int cols, const char *ellipsis)
{
	int keep = cols - alarm_cols(ellipsis), n = 0;
	size_t i = 0, cut = 0;

	if (alarm_cols(s) <= cols)
		return;
	if (keep < 0)
		keep = 0;
	while (s[i] != '\0' && n < keep) {
		size_t step = 1;

		/* A whole escape ("\e", "\x07", "\u0085") or character at a time. */
		if (s[i] == '\\' && s[i + 1] == 'x' && s[i + 2] && s[i + 3])
			step = 4;
		else if (s[i] == '\\' && s[i + 1] == 'u' && strlen(s + i) >= 6)
			step = 6;
		else if (s[i] == '\\' && s[i + 1] != '\0')
			step = 2;
		else
			while (((unsigned char)s[i + step] & 0xc0) == 0x80)
				step++;
		if (n + (int)(s[i] == '\\' ? step : 1) > keep)
			break;
		n += s[i] == '\\' ? (int)step : 1;
		i += step;
		cut = i;
	}
	s[cut] = '\0';
	if (cols >= alarm_cols(ellipsis))
		memcpy(s + cut, ellipsis, strlen(ellipsis) + 1);
}

/* One culprit, "lab-01/crashy restarting ×13", sanitised, in OUT. */
static void
alarm_culprit(char *out, size_t len, const struct pd_alarm *a, int ascii)
{
	char node[4 * PD_NAME_LEN], name[4 * PD_NAME_LEN], text[64];

	pd_sanitize(node, sizeof(node), a->node, ascii);
	pd_sanitize(name, sizeof(name), a->container, ascii);
	pd_alarm_text(text, sizeof(text), a, ascii);
	if (a->container[0] != '\0')
		snprintf(out, len, "%s/%s %s", node, name, text);
	else
		snprintf(out, len, "%s %s", node, text);
}

/* The alarm line, in at most WIDTH columns; returns how many it names. */
size_t
pd_alarm_line(char *out, size_t len, const struct pd_alarm *a, size_t n, int width, int ascii)
{
	const char *sep = ascii ? ", " : " \u00b7 ", *ell = ascii ? "~" : "\u2026";
	char one[16 * PD_NAME_LEN], more[48];
	size_t named = 0, o;
	int used;

	if (len == 0)
		return 0;
	out[0] = '\0';
	if (n == 0 || width < 6)
		return 0;
	o = (size_t)snprintf(out, len, "ALARM");
	used = 5;
	for (size_t i = 0; i < n && o < len; i++) {
		int room = width - used - alarm_cols(i ? sep : " "), need;

		alarm_culprit(one, sizeof(one), &a[i], ascii);
		/* Keep room for the count of the ones after this one. */
		if (i + 1 < n) {
			snprintf(more, sizeof(more), "%s+%zu more", sep, n - i - 1);
			room -= alarm_cols(more);
		}
		need = alarm_cols(one);
		if (need > room) {
			/* The first culprit is cut rather than left out: a name must show. */
			if (i > 0 || room < 8)
				break;
			alarm_cut(one, room, ell);
			need = alarm_cols(one);
		}
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? sep : " ", one);
		used += alarm_cols(i ? sep : " ") + need;
		named++;
	}
	if (named < n && o < len) {
		snprintf(more, sizeof(more), "%s+%zu%s", named ? sep : " ", n - named,
		    named ? " more" : "");
		if (used + alarm_cols(more) <= width)
			snprintf(out + o, len - o, "%s", more);
	}
	return named;
}
