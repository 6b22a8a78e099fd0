/* fleet-swarm.c: the swarm as its managers list it -- which manager is
 * asked and the failover to the next, the node, service and task lists
 * and their event stream, each linked to the inventory's nodes.  Run by
 * the io thread like the rest of the model (fleet.c), under its lock
 * but for the parsing (fl_parse_swarm). */
#include "config.h"

#include "backend/engine/fleet-int.h"

/* ------------------------------------------------------------ swarm */

/* The /events path of a swarm manager: changes of services and nodes. */
static const char fl_swarm_events_path[] =
	"/events?filters=%7B%22type%22%3A%5B%22service%22%2C%22node%22%5D%7D";

/* The index of node N in its fleet (and in the inventory). */
static size_t
fl_index(const struct fl_node *n)
{
	return (size_t)(n - n->fleet->nodes);
}

/* Drop the swarm requests in flight but SKIP (one being finished). */
static void
fl_swarm_cancel(struct fleet *f, const struct fl_req *skip)
{
	struct fl_req *r = f->inflight, *next;

	for (; r != NULL; r = next) {
		next = r->next;
		if (r != skip && r->kind >= FL_SW_NODES)
			fl_release(f, r);
	}
}

/* Give manager INDEX up (WHY may live in a request cancelled here): the
 * next tick asks the next one. */
static void
fl_swarm_failover(struct fleet *f, size_t index, const char *why, const struct fl_req *skip)
{
	struct fl_swarm *w = &f->sw;
	char error[PD_ERROR_LEN];

	snprintf(error, sizeof(error), "%s", why);
	log_msg(LOG_WARN, "swarm: manager %s given up: %s", f->nodes[index].pub.name, error);
	swarm_mark_failed(w->sw, index, error);
	if (w->cur == (int)index) {
		fl_swarm_cancel(f, skip);
		w->cur = -1;
		w->manager[0] = '\0';
	}
	snprintf(w->error, sizeof(w->error), "%s", error);
	w->stale = 1;
	fl_event(&f->nodes[index], PD_EV_NODE, NULL, "swarm", "manager given up: %s", error);
	fl_touch(f);
}

/* The id of swarm node POS of the array at ARG (fl_swarm_relink's index). */
static const char *
fl_swarm_node_key(const void *arg, size_t pos)
{
	return ((const struct pd_swarm_node *)arg)[pos].id;
}

/* Link the swarm's lists with each other and with the inventory nodes:
 * a swarm node whose ID an endpoint's /info gave is that inventory node.
 * The swarm nodes are indexed by id for it (the first of equal ids), so
 * that it costs nodes + swarm nodes, not their product. */
static void
fl_swarm_relink(struct fleet *f)
{
	struct fl_swarm *w = &f->sw;
	size_t *cand = calloc(f->nnodes ? f->nnodes : 1, sizeof(*cand)), nc = 0;
	struct cindex ix;
	int indexed = 1;

	w->relink = 0;
	if (cand != NULL)
		nc = swarm_candidates(w->sw, cand, f->nnodes);
	cindex_init(&ix, fl_swarm_node_key, w->nodes, f->rand_state);
	for (size_t k = 0; k < w->nnodes; k++) {
		w->nodes[k].inventory[0] = '\0';
		if (indexed && cindex_find(&ix, w->nodes[k].id) < 0 &&
		    cindex_insert(&ix, w->nodes[k].id, k) != 0)
			indexed = 0;    /* out of memory: look them up one by one */
	}
	for (size_t i = 0; i < f->nnodes; i++) {
		struct pd_node *p = &f->nodes[i].pub;

		p->swarm_availability[0] = '\0';
		p->swarm_state[0] = '\0';
		p->swarm_manager = 0;
	}
	for (size_t k = 0; k < nc && k < f->nnodes; k++)
		if (cand[k] < f->nnodes)
			f->nodes[cand[k]].pub.swarm_manager = 1;
	for (size_t i = 0; i < f->nnodes; i++) {
		struct pd_node *p = &f->nodes[i].pub;
		struct pd_swarm_node *sn = NULL;

		if (p->swarm_node_id[0] == '\0')
			continue;
		if (indexed) {
			long pos = cindex_find(&ix, p->swarm_node_id);

			sn = pos >= 0 && w->nodes[pos].inventory[0] == '\0' ? &w->nodes[pos] : NULL;
		} else {
			for (size_t k = 0; k < w->nnodes && sn == NULL; k++)
				if (strcmp(w->nodes[k].id, p->swarm_node_id) == 0 &&
				    w->nodes[k].inventory[0] == '\0')
					sn = &w->nodes[k];
		}
		if (sn == NULL)
			continue;
		snprintf(sn->inventory, sizeof(sn->inventory), "%s", p->name);
		snprintf(p->swarm_role, sizeof(p->swarm_role), "%s", sn->role);
		snprintf(p->swarm_availability, sizeof(p->swarm_availability), "%s",
		    sn->availability);
		snprintf(p->swarm_state, sizeof(p->swarm_state), "%s", sn->state);
	}
	cindex_free(&ix);
	free(cand);
	swarm_link(w->nodes, w->nnodes, w->services, w->nservices, w->tasks, w->ntasks);
	fl_touch(f);
}

/* Whether the swarm's lists are fresh: the manager in use gave all three,
 * none older than two intervals and a timeout; marks the model changed
 * when that turned. */
static void
fl_swarm_freshness(struct fleet *f, double now)
{
	struct fl_swarm *w = &f->sw;
	double limit = 2 * f->cfg.swarm_interval + FLEET_SWARM_TIMEOUT;
	int stale = w->cur < 0 || w->answered != 7;

	for (int k = 0; k < 3; k++)
		stale |= w->read_at[k] == 0 || now - w->read_at[k] > limit;
	if (stale != w->stale) {
		w->stale = stale;
		fl_touch(f);
	}
}

/* Apply the swarm part of node N's /info (SI, parsed already): its swarm
 * node ID, its role, and whether it is a manager to ask. */
void
fl_apply_swarm_info(struct fl_node *n, const struct swarm_info *sip)
{
	struct fleet *f = n->fleet;
	struct swarm_info si = *sip;
	int active;

	active = strcmp(si.state, "active") == 0;
	snprintf(n->pub.swarm_node_id, sizeof(n->pub.swarm_node_id), "%s",
	    active ? si.node_id : "");
	snprintf(n->pub.swarm_role, sizeof(n->pub.swarm_role), "%s",
	    !active ? "" : si.manager ? "manager" : "worker");
	swarm_set_detected(f->sw.sw, fl_index(n), active && si.manager);
	/* Now, not at the next tick: a reader woken by this answer must not
	 * see the node unlinked from its swarm node. */
	fl_swarm_relink(f);
}

/* A request to the swarm manager finished: adopt its list, or fail over
 * when the manager could not serve it. */
void
fl_swarm_done(struct fleet *f, struct fl_req *r, int rc, double now)
{
	struct fl_swarm *w = &f->sw;
	struct fl_node *n = r->node;
	size_t idx = fl_index(n);
	int which, prc = r->sw_rc;

	if (r->kind == FL_SW_EVENTS) {
		log_msg(LOG_INFO, "%s: swarm event stream ended: %s", n->pub.name,
		    rc != 0 ? r->reply.error : "closed by the engine");
		if ((int)idx != w->cur)
			return;
		w->next_poll = now;          /* events may have been missed */
		w->events_next = now + 1.0;
		if (rc != 0 && r->reply.status != 0 && swarm_should_failover(&r->reply))
			fl_swarm_failover(f, idx, r->reply.error, r);
		fl_touch(f);
		return;
	}
	if ((int)idx != w->cur)
		return;                      /* from a manager given up since */
	if (rc != 0) {
		if (swarm_should_failover(&r->reply)) {
			fl_swarm_failover(f, idx, r->reply.error, r);
		} else {
			log_msg(LOG_WARN, "%s", r->reply.error);
			snprintf(w->error, sizeof(w->error), "%.*s", (int)sizeof(w->error) - 1,
			    r->reply.error);
			fl_touch(f);
		}
		return;
	}
	which = (int)(r->kind - FL_SW_NODES);
	/* Parsed before the lock was taken (fl_done): only adopted here. */
	if (prc == 0 && r->kind == FL_SW_NODES) {
		free(w->nodes);
		w->nodes = r->sw_v;
		w->nnodes = r->sw_n;
	} else if (prc == 0 && r->kind == FL_SW_SERVICES) {
		free(w->services);
		w->services = r->sw_v;
		w->nservices = r->sw_n;
	} else if (prc == 0) {
		free(w->tasks);
		w->tasks = r->sw_v;
		w->ntasks = r->sw_n;
	}
	if (prc == 0)
		r->sw_v = NULL;
	if (prc != 0) {
		snprintf(w->error, sizeof(w->error), "%.60s: GET %.60s: %.120s", n->pub.name,
		    r->path, r->sw_err);
		log_msg(LOG_WARN, "%s", w->error);
		fl_touch(f);
		return;
	}
	w->read_at[which] = now;
	w->read_wall[which] = time(NULL);
	w->answered |= 1 << which;
	if (w->answered == 7) {
		w->complete = 1;
		w->error[0] = '\0';
	}
	swarm_mark_ok(w->sw, idx);
	fl_swarm_relink(f);          /* now, not at the next tick: a reader woken by */
	fl_swarm_freshness(f, now);  /* this answer must not see it complete but
	                                unlinked, or stale */
	fl_touch(f);
}

/* Ask the manager in use for the swarm's lists when due (at once after an
 * event), and fail over from one that stopped answering.  Returns the
 * seconds until it next needs a turn. */
double
fl_swarm_tick(struct fleet *f, double now)
{
	struct fl_swarm *w = &f->sw;
	struct fl_node *n;
	double wait;
	int cur;

	if (w->relink)
		fl_swarm_relink(f);
	if (!swarm_has_managers(w->sw)) {
		if (w->cur >= 0) {           /* the last one was demoted, or left */
			fl_swarm_cancel(f, NULL);
			w->cur = -1;
			w->manager[0] = '\0';
		}
		return 1.0;
	}
	cur = swarm_current(w->sw);
	if (cur < 0 || (size_t)cur >= f->nnodes)
		cur = swarm_next(w->sw, -1);
	if (cur < 0) {
		/* Every manager was given up a moment ago; they are asked again
		 * after a pause. */
		if (w->cur >= 0) {
			fl_swarm_cancel(f, NULL);
			w->cur = -1;
			w->manager[0] = '\0';
		}
		if (!w->complete || !w->stale) {
			w->complete = 1;
			w->stale = 1;
			fl_touch(f);
		}
		return 0.5;
	}
	n = &f->nodes[cur];
	if (!n->connected) {
		if (!n->ever_answered && n->pub.reach == PD_REACH_CONNECTING)
			return 0.1;  /* its first ping is under way */
		fl_swarm_failover(f, (size_t)cur, n->pub.error[0] != '\0' ? n->pub.error :
		    "not connected", NULL);
		return 0.01;
	}
	if (cur != w->cur) {
		fl_swarm_cancel(f, NULL);    /* whatever the previous one still owes */
		w->cur = cur;
		w->answered = 0;
		snprintf(w->manager, sizeof(w->manager), "%s", n->pub.name);
		w->next_poll = now;
		w->events_next = now;
		log_msg(LOG_INFO, "swarm: asking manager %s", n->pub.name);
		fl_event(n, PD_EV_NODE, NULL, "swarm", "manager in use");
		fl_touch(f);
	}
	if (w->events == NULL && now >= w->events_next) {
		if (fl_send(n, FL_SW_EVENTS, fl_swarm_events_path, NULL, 0) != NULL)
			fl_touch(f);
		w->events_next = now + 1.0;
		w->next_poll = now;          /* (re)opened: events may have been missed */
	}
	if (w->inflight == 0 && now >= w->next_poll) {
		fl_send(n, FL_SW_NODES, "/nodes", NULL, FLEET_SWARM_TIMEOUT);
		fl_send(n, FL_SW_SERVICES, "/services?status=true", NULL, FLEET_SWARM_TIMEOUT);
		fl_send(n, FL_SW_TASKS, "/tasks", NULL, FLEET_SWARM_TIMEOUT);
		w->next_poll = now + f->cfg.swarm_interval;
	}
	fl_swarm_freshness(f, now);
	wait = w->next_poll - now;
	return wait < 1.0 ? wait : 1.0;
}

/* Parse what R brought for the swarm (its lists, /info's Swarm part)
 * into R, before the model lock is taken.  J: the reply's tree, for
 * /info, which fl_done parses for the node's facts (once, for both). */
void
fl_parse_swarm(struct fl_req *r, const cJSON *j)
{
	const char *body = r->reply.body.data ? r->reply.body.data : "";
	size_t len = r->reply.body.len;

	r->sw_err[0] = '\0';
	switch (r->kind) {
	case FL_INFO:
		r->si_rc = swarm_info_from_json(j, &r->si);
		break;
	case FL_SW_NODES: {
		struct pd_swarm_node *v = NULL;

		r->sw_rc = swarm_parse_nodes(body, len, &v, &r->sw_n, r->sw_err, sizeof(r->sw_err));
		r->sw_v = v;
		break;
	}
	case FL_SW_SERVICES: {
		struct pd_swarm_service *v = NULL;

		r->sw_rc = swarm_parse_services(body, len, &v, &r->sw_n, r->sw_err,
		    sizeof(r->sw_err));
		r->sw_v = v;
		break;
	}
	case FL_SW_TASKS: {
		struct pd_swarm_task *v = NULL;

		r->sw_rc = swarm_parse_tasks(body, len, &v, &r->sw_n, r->sw_err, sizeof(r->sw_err));
		r->sw_v = v;
		break;
	}
	default:
		break;
	}
	if (r->sw_rc != 0) {
		free(r->sw_v);
		r->sw_v = NULL;
	}
}
