/*
 * faults.c — the control listener: injected faults per node (hang, refuse,
 * slow, drop-events, many, huge) and single lifecycle events.  Design: enginesim.c.
 */
#include "sim.h"

/* ---------------------------------------------------------------- control */

/* Index of node NAME (sim-0001 or 1), or -1. */
static int
node_index(const char *name)
{
	int i;
	char *end;
	long v = strtol(name, &end, 10);

	if (*end == '\0' && v >= 1 && v <= sim_n)
		return (int)v - 1;
	for (i = 0; i < sim_n; i++)
		if (strcmp(sim_nodes[i].name, name) == 0)
			return i;
	return -1;
}


/* Control requests: POST /fault?node=N&kind=K[&arg=A], GET /nodes (one line each),
 * GET /requests and /stats-calls (what clients asked). */
void
ctl_handle(struct conn *cn, char *path)
{
	char *q = strchr(path, '?'), node[64], kind[32], arg[32];
	struct sbuf b = { 0 };
	struct node *n;
	int i;

	if (q != NULL)
		*q++ = '\0';
	if (strcmp(path, "/_ping") == 0) {
		reply(cn, 200, "text/plain", "OK", 2);
		return;
	}
	if (strcmp(path, "/nodes") == 0) {
		for (i = 0; i < sim_n; i++)
			sb_fmt(&b, "%s %s %d%s%s\n", sim_nodes[i].name, sim_nodes[i].addr,
			    sim_nodes[i].nc, sim_nodes[i].hang ? " hang" : "",
			    sim_nodes[i].refuse ? " refuse" : "");
		reply(cn, 200, "text/plain", b.p ? b.p : "", b.len);
		free(b.p);
		return;
	}
	if (strcmp(path, "/work") == 0) {
		/* POST /work?pull=MS&start=MS&health=MS (health -1: at random); GET: the values */
		if (query_get(q, "pull", arg, sizeof(arg)))
			sim_pull_ms = (int)strtol(arg, NULL, 10);
		if (query_get(q, "start", arg, sizeof(arg)))
			sim_start_ms = (int)strtol(arg, NULL, 10);
		if (query_get(q, "health", arg, sizeof(arg)))
			sim_health_ms = (int)strtol(arg, NULL, 10);
		if (sim_pull_ms < 0 || sim_pull_ms > 600000)
			sim_pull_ms = 0;
		if (sim_start_ms < 0 || sim_start_ms > 600000)
			sim_start_ms = 0;
		if (sim_health_ms < -1 || sim_health_ms > 600000)
			sim_health_ms = -1;
		sb_fmt(&b, "pull %d\nstart %d\nhealth %d\n", sim_pull_ms, sim_start_ms,
		    sim_health_ms);
		reply(cn, 200, "text/plain", b.p, b.len);
		free(b.p);
		return;
	}
	if (strcmp(path, "/requests") == 0) {
		/* "NODE KIND COUNT" for each kind a node was asked (sim_req_names),
		 * nodes in order; reset=1 zeroes them after. */
		int reset = query_get(q, "reset", arg, sizeof(arg)) && strcmp(arg, "1") == 0;

		for (i = 0; i < sim_n; i++)
			for (int k = 0; k < SIM_REQ_KINDS; k++) {
				if (sim_nodes[i].reqs[k] != 0)
					sb_fmt(&b, "%s %s %u\n", sim_nodes[i].name, sim_req_names[k],
					    sim_nodes[i].reqs[k]);
				if (reset)
					sim_nodes[i].reqs[k] = 0;
			}
		reply(cn, 200, "text/plain", b.p ? b.p : "", b.len);
		free(b.p);
		return;
	}
	if (strcmp(path, "/stats-calls") == 0) {
		/* "NODE CONTAINER CALLS STATE" for each container; reset=1 zeroes them after. */
		int reset = query_get(q, "reset", arg, sizeof(arg)) && strcmp(arg, "1") == 0;

		for (i = 0; i < sim_n; i++)
			for (int k = 0; k < sim_nodes[i].nc; k++) {
				struct ctr *c = sim_nodes[i].c[k];

				sb_fmt(&b, "%s %s %u %s\n", sim_nodes[i].name, c->name, c->stats_calls,
				    state_names[c->state]);
				if (reset)
					c->stats_calls = 0;
			}
		reply(cn, 200, "text/plain", b.p ? b.p : "", b.len);
		free(b.p);
		return;
	}
	if (strcmp(path, "/fault") != 0 || !query_get(q, "node", node, sizeof(node)) ||
	    !query_get(q, "kind", kind, sizeof(kind))) {
		reply(cn, 404, "text/plain", "usage: /fault?node=N&kind=K[&arg=A]\n", 36);
		return;
	}
	if (!query_get(q, "arg", arg, sizeof(arg)))
		arg[0] = '\0';
	i = node_index(node);
	if (i < 0) {
		reply(cn, 404, "text/plain", "no such node\n", 13);
		return;
	}
	n = &sim_nodes[i];
	if (strcmp(kind, "hang") == 0) {
		n->hang = 1;
	} else if (strcmp(kind, "refuse") == 0) {
		n->refuse = 1;
		if (n->lfd >= 0) {
			close(n->lfd);
			n->lfd = -1;
		}
	} else if (strcmp(kind, "slow") == 0) {
		n->slow_ms = (int)strtol(arg, NULL, 10);
	} else if (strcmp(kind, "drop-events") == 0) {
		struct conn *s, *next;

		for (s = n->streams; s != NULL; s = next) {
			next = s->snext;
			if (s->stream == S_EVENTS)
				conn_close(s);
		}
	} else if (strcmp(kind, "many") == 0) {
		long k = strtol(arg, NULL, 10);
		char nm[64];

		if (k <= 0 || k > 1000000)
			k = 50000;
		for (i = 0; i < k; i++) {
			struct ctr *c;

			snprintf(nm, sizeof(nm), "%s-many-%d", n->name, n->nc);
			c = ctr_new(n, nm, sim_images[i % 4]);
			c->state = i % 5 == 0 ? ST_EXITED : ST_RUNNING;
			c->started = c->created;
			c->finished = c->state == ST_EXITED ? c->created : 0;
		}
	} else if (strcmp(kind, "huge") == 0) {
		long mib = strtol(arg, NULL, 10);

		n->huge_mib = mib > 0 && mib <= 1024 ? (int)mib : 65;
	} else if (strcmp(kind, "ok") == 0) {
		n->hang = 0;
		n->slow_ms = 0;
		n->huge_mib = 0;
		if (n->refuse) {
			n->refuse = 0;
			node_listen(n);
		}
	} else if (strcmp(kind, "event") == 0 && n->nc > 0) {
		/* one lifecycle change on this node: arg die|oom|unhealthy|healthy */
		struct ctr *c = n->c[0];

		if (c->state != ST_RUNNING)
			ctr_start(n, c);
		if (strcmp(arg, "oom") == 0) {
			c->oom = 1;
			ev_emit(n, c, "oom", "");
			ctr_die(n, c, 137, 0);
			c->oom = 1;
		} else if (strcmp(arg, "die") == 0) {
			ctr_die(n, c, 1, 0);
		} else if (c->has_health) {
			c->health = strcmp(arg, "unhealthy") == 0 ? H_UNHEALTHY : H_HEALTHY;
			ev_emit(n, c, c->health == H_HEALTHY ? "health_status: healthy" :
			    "health_status: unhealthy", "");
		}
	} else {
		reply(cn, 400, "text/plain", "unknown kind\n", 13);
		return;
	}
	reply(cn, 200, "text/plain", "ok\n", 3);
}
