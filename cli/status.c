/* status.c: `plantdeck status`, the fleet as text or JSON.
 *
 * It starts the backend, waits until every node has answered or failed once
 * (or --timeout passes), and prints one snapshot; with --watch it prints a
 * new one whenever the model changes, at most five times a second.  The JSON
 * schema is documented in doc/status-json.md; its "schema" member changes
 * when a field changes meaning. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend/backend.h"
#include "backend/base/jsonw.h"
#include "cli.h"

#define STATUS_SCHEMA "plantdeck.status/1"

/* Print a sanitised field padded to WIDTH (cut with '~' when longer). */
static void
status_field(const char *s, int width)
{
	char clean[1024];
	size_t len;

	len = pd_sanitize(clean, sizeof(clean), s, 0);
	if (width > 0 && len > (size_t)width) {
		size_t k = (size_t)width - 1;

		/* Cut before a character, never inside its UTF-8 sequence. */
		while (k > 0 && ((unsigned char)clean[k] & 0xc0) == 0x80)
			k--;
		clean[k] = '~';
		clean[k + 1] = '\0';
	}
	if (width > 0)
		printf("%-*s ", width, clean);
	else
		printf("%s", clean);
}

/* A swarm state as `docker node ls` and `docker service ps` write it:
 * "ready" -> "Ready", "" -> "-". */
static void
status_state(const char *s, int width)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s", s[0] != '\0' ? s : "-");
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	status_field(buf, width);
}

/* IMAGE without the "@sha256:..." Swarm pinned, as the docker CLI shows it. */
static void
status_image(const char *image, int width)
{
	char buf[PD_IMAGE_LEN];
	char *at;

	snprintf(buf, sizeof(buf), "%s", image);
	at = strstr(buf, "@sha256:");
	if (at != NULL)
		*at = '\0';
	status_field(buf[0] != '\0' ? buf : "-", width);
}

/* The swarm part: `docker node ls`, `docker service ls`, `docker service
 * ps`, from the manager in use. */
static void
status_print_swarm(const struct pd_snapshot *s, int show_tasks)
{
	const struct pd_swarm *w = &s->swarm;
	char buf[64], name[PD_NAME_LEN + 48];

	printf("\nswarm: ");
	if (w->manager[0] != '\0') {
		printf("manager ");
		status_field(w->manager, 0);
	} else {
		printf("no manager answers");
	}
	printf(" (managers");
	for (size_t i = 0; i < w->nmanagers; i++) {
		printf("%s", i ? ", " : " ");
		status_field(w->managers[i].node, 0);
	}
	pd_format_age(buf, sizeof(buf), s->taken, w->updated);
	printf("); %zu nodes, %zu services, %zu tasks; read %s ago%s\n", w->nnodes,
	    w->nservices, w->ntasks, buf, w->stale ? " (stale)" : "");
	if (w->error[0] != '\0') {
		printf("  ! ");
		status_field(w->error, 0);
		putchar('\n');
	}
	printf("%-25s %-16s %-16s %-12s %-12s %-14s %-14s %s\n", "ID", "NODE", "HOSTNAME",
	    "STATUS", "AVAILABILITY", "MANAGER STATUS", "ENGINE VERSION", "ADDRESS");
	for (size_t i = 0; i < w->nnodes; i++) {
		const struct pd_swarm_node *n = &w->nodes[i];

		status_field(n->id, 25);
		status_field(n->inventory[0] != '\0' ? n->inventory : "-", 16);
		status_field(n->hostname, 16);
		status_state(n->state, 12);
		status_state(n->availability, 12);
		status_state(n->leader ? "leader" : n->reachability, 14);
		status_field(n->engine_version, 14);
		status_field(n->addr, 0);
		putchar('\n');
	}
	printf("\n%-12s %-24s %-14s %-8s %-36s %-20s %s\n", "ID", "NAME", "MODE", "REPLICAS",
	    "IMAGE", "UPDATE", "STACK");
	for (size_t i = 0; i < w->nservices; i++) {
		const struct pd_swarm_service *v = &w->services[i];

		snprintf(buf, sizeof(buf), "%d/%d", v->running, v->desired);
		printf("%-12.12s ", v->id);
		status_field(v->name, 24);
		status_field(v->mode[0] ? v->mode : "-", 14);
		printf("%-8s ", buf);
		status_image(v->image, 36);
		status_field(v->update_state[0] ? v->update_state : "-", 20);
		status_field(v->stack[0] ? v->stack : "-", 0);
		putchar('\n');
		if (v->update_message[0] != '\0' && strcmp(v->update_state, "completed") != 0) {
			printf("  update: ");
			status_field(v->update_message, 0);
			putchar('\n');
		}
	}
	if (!show_tasks)
		return;
	printf("\n%-12s %-36s %-36s %-16s %-9s %-24s %s\n", "ID", "NAME", "IMAGE", "NODE",
	    "DESIRED", "CURRENT STATE", "ERROR");
	for (size_t i = 0; i < w->ntasks; i++) {
		const struct pd_swarm_task *t = &w->tasks[i];
		const struct pd_swarm_task *p = i > 0 ? &w->tasks[i - 1] : NULL;
		int again = p != NULL && strcmp(p->service_id, t->service_id) == 0 &&
		    p->slot == t->slot && (t->slot != 0 || strcmp(p->node_id, t->node_id) == 0);

		/* Older tasks of a slot as `docker service ps` shows them: " \_ name". */
		if (t->slot > 0)
			snprintf(name, sizeof(name), "%s%s.%d", again ? " \\_ " : "",
			    t->service[0] ? t->service : t->service_id, t->slot);
		else
			snprintf(name, sizeof(name), "%s%s.%s", again ? " \\_ " : "",
			    t->service[0] ? t->service : t->service_id, t->node_id);
		printf("%-12.12s ", t->id);
		status_field(name, 36);
		status_image(t->image, 36);
		status_field(t->node[0] ? t->node : "-", 16);
		status_state(t->desired_state, 9);
		pd_format_age(buf, sizeof(buf), s->taken, t->since);
		{
			char cur[PD_STATE_LEN + 80];

			snprintf(cur, sizeof(cur), "%s %s ago", t->state, buf);
			if (cur[0] >= 'a' && cur[0] <= 'z')
				cur[0] = (char)(cur[0] - 'a' + 'A');
			status_field(cur, 24);
		}
		status_field(t->error[0] ? t->error : "", 0);
		putchar('\n');
	}
}

/* The human table. */
static void
status_print_text(const struct pd_snapshot *s, int show_containers)
{
	size_t up = 0, running = 0, total = 0, listed = 0, insecure = 0;
	char buf[64], buf2[64];

	for (size_t i = 0; i < s->nnodes; i++) {
		insecure += s->nodes[i].insecure != 0;
		up += s->nodes[i].reach == PD_REACH_UP;
		running += (size_t)s->nodes[i].running;
		total += (size_t)s->nodes[i].total;
		listed += s->nodes[i].ncontainers;
	}
	printf("site ");
	status_field(s->site[0] ? s->site : "-", 0);
	printf(": %zu nodes, %zu up; %zu of %zu containers running%s", s->nnodes, up,
	    running, total, s->complete ? "" : " (incomplete: some nodes never answered)");
	if (insecure > 0)
		printf("; %zu INSECURE (reached without authenticated TLS)", insecure);
	putchar('\n');
	printf("%-16s %-10s %5s %8s %-14s %-5s %4s %7s %7s  %s\n", "NODE", "STATE", "SEEN",
	    "RTT", "ENGINE", "API", "CPUS", "MEMORY", "RUN/ALL", "LABELS");
	/* The containers' own header, indented as their lines are under each node. */
	if (show_containers && listed > 0)
		printf("  %-24s %-32s %-10s %-9s %8s %4s %-3s %6s %s\n", "CONTAINER", "IMAGE",
		    "STATE", "HEALTH", "RESTARTS", "EXIT", "OOM", "CPU", "MEM/LIMIT");
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *n = &s->nodes[i];

		status_field(n->name, 16);
		printf("%-10s ", pd_reach_name(n->reach));
		pd_format_age(buf, sizeof(buf), s->taken, n->last_seen);
		printf("%5s ", buf);
		if (n->rtt_ms >= 0)
			printf("%6.1fms ", n->rtt_ms);
		else
			printf("%8s ", "-");
		status_field(n->engine_version[0] ? n->engine_version : "-", 14);
		status_field(n->api_version[0] ? n->api_version : "-", 5);
		printf("%4d ", n->ncpu);
		pd_format_bytes(buf, sizeof(buf), n->mem_total);
		snprintf(buf2, sizeof(buf2), "%d/%d", n->running, n->total);
		printf("%7s %7s  ", n->mem_total ? buf : "-", buf2);
		for (int k = 0; k < n->nlabels; k++) {
			status_field(n->labels[k].key, 0);
			putchar('=');
			status_field(n->labels[k].value, 0);
			if (k + 1 < n->nlabels)
				putchar(',');
		}
		putchar('\n');
		if (n->insecure)
			printf("  ! INSECURE: %s, allowed by the inventory (insecure: true)\n",
			    n->insecure == PD_INSECURE_NOVERIFY ? "TLS without verifying the engine" :
			    "plaintext tcp://");
		if (n->reach != PD_REACH_UP && n->error[0] != '\0') {
			printf("  ! ");
			status_field(n->error, 0);
			if (n->ncontainers > 0)
				printf(" (container data below is stale)");
			putchar('\n');
		}
		if (n->reach == PD_REACH_UP && n->warning[0] != '\0') {
			printf("  ! ");
			status_field(n->warning, 0);
			putchar('\n');
		}
		if (!show_containers)
			continue;
		for (size_t k = 0; k < n->ncontainers; k++) {
			const struct pd_container *c = &s->containers[n->first_container + k];

			printf("  ");
			status_field(c->name, 24);
			status_field(c->image, 32);
			status_field(c->state, 10);
			printf("%-9s %8d %4d %-3s ", pd_health_name(c->health),
			    c->restart_count, c->exit_code, c->oom_killed ? "OOM" : "-");
			if (c->cpu_pct >= 0)
				printf("%5.1f%% ", c->cpu_pct);
			else
				printf("%6s ", "-");
			if (c->sampled_at != 0) {
				pd_format_bytes(buf, sizeof(buf), c->mem_usage);
				pd_format_bytes(buf2, sizeof(buf2), c->mem_limit);
				printf("%s/%s", buf, buf2);
			} else {
				printf("-");
			}
			putchar('\n');
		}
	}
	if (s->swarm.active)
		status_print_swarm(s, show_containers);
}

/* The "kind" of an event in JSON. */
static const char *
status_event_kind(enum pd_event_kind k)
{
	switch (k) {
	case PD_EV_CONTAINER: return "container";
	case PD_EV_NODE: return "node";
	case PD_EV_ANOMALY: return "agent";
	}
	return "container";
}

/* S as a JSON string, or null when empty. */
static cJSON *
status_json_str(const char *s)
{
	return s[0] != '\0' ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* Member "networks": the names in LIST ("a,b") as an array. */
static void
status_json_networks(struct pd_jw *w, const char *list)
{
	char buf[PD_NAME_LEN], *save = NULL;

	pd_jw_key(w, "networks");
	pd_jw_array(w);
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		pd_jw_elem(w);
		pd_jw_str(w, t);
	}
	pd_jw_end(w);
}

/* A node's swarm membership, or null when it is in no swarm. */
static void
status_json_node_swarm(struct pd_jw *w, const struct pd_node *n)
{
	if (n->swarm_role[0] == '\0' && n->swarm_node_id[0] == '\0' && !n->swarm_manager) {
		pd_jw_null(w);
		return;
	}
	pd_jw_object(w);
	pd_jw_key(w, "node_id");
	pd_jw_str_or_null(w, n->swarm_node_id);
	pd_jw_key(w, "role");
	pd_jw_str_or_null(w, n->swarm_role);
	pd_jw_key(w, "availability");
	pd_jw_str_or_null(w, n->swarm_availability);
	pd_jw_key(w, "state");
	pd_jw_str_or_null(w, n->swarm_state);
	pd_jw_key(w, "manager");
	pd_jw_bool(w, n->swarm_manager);
	pd_jw_end(w);
}

/* The swarm part (doc/status-json.md), or null when no node is a manager. */
static cJSON *
status_json_swarm(const struct pd_snapshot *s)
{
	const struct pd_swarm *w = &s->swarm;
	cJSON *o, *a;

	if (!w->active)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "manager", status_json_str(w->manager));
	cJSON_AddItemToObject(o, "error", status_json_str(w->error));
	cJSON_AddBoolToObject(o, "stale", w->stale);
	cJSON_AddItemToObject(o, "updated", cli_json_time(w->updated));
	if (w->updated != 0)
		cJSON_AddNumberToObject(o, "age_s", (double)(s->taken - w->updated));
	else
		cJSON_AddNullToObject(o, "age_s");
	cJSON_AddBoolToObject(o, "events_connected", w->events_connected);
	cJSON_AddBoolToObject(o, "complete", w->complete);
	a = cJSON_AddArrayToObject(o, "managers");
	for (size_t i = 0; i < w->nmanagers; i++) {
		const struct pd_swarm_manager *m = &w->managers[i];
		cJSON *mo = cJSON_CreateObject();

		cJSON_AddStringToObject(mo, "node", m->node);
		cJSON_AddBoolToObject(mo, "marked", m->marked);
		cJSON_AddBoolToObject(mo, "detected", m->detected);
		cJSON_AddBoolToObject(mo, "current", m->current);
		cJSON_AddItemToObject(mo, "error", status_json_str(m->error));
		cJSON_AddItemToObject(mo, "failed", cli_json_time(m->failed));
		cJSON_AddItemToArray(a, mo);
	}
	a = cJSON_AddArrayToObject(o, "nodes");
	for (size_t i = 0; i < w->nnodes; i++) {
		const struct pd_swarm_node *n = &w->nodes[i];
		cJSON *no = cJSON_CreateObject(), *labels;

		cJSON_AddStringToObject(no, "id", n->id);
		cJSON_AddNumberToObject(no, "version", (double)n->version);
		cJSON_AddStringToObject(no, "hostname", n->hostname);
		cJSON_AddItemToObject(no, "inventory", status_json_str(n->inventory));
		cJSON_AddStringToObject(no, "role", n->role);
		cJSON_AddStringToObject(no, "availability", n->availability);
		cJSON_AddStringToObject(no, "state", n->state);
		cJSON_AddItemToObject(no, "message", status_json_str(n->message));
		cJSON_AddStringToObject(no, "addr", n->addr);
		cJSON_AddBoolToObject(no, "leader", n->leader);
		cJSON_AddItemToObject(no, "reachability", status_json_str(n->reachability));
		cJSON_AddItemToObject(no, "manager_addr", status_json_str(n->manager_addr));
		cJSON_AddStringToObject(no, "engine_version", n->engine_version);
		labels = cJSON_AddObjectToObject(no, "labels");
		for (int k = 0; k < n->nlabels; k++)
			cJSON_AddStringToObject(labels, n->labels[k].key, n->labels[k].value);
		cJSON_AddItemToArray(a, no);
	}
	a = cJSON_AddArrayToObject(o, "services");
	for (size_t i = 0; i < w->nservices; i++) {
		const struct pd_swarm_service *v = &w->services[i];
		cJSON *so = cJSON_CreateObject();

		cJSON_AddStringToObject(so, "id", v->id);
		cJSON_AddNumberToObject(so, "version", (double)v->version);
		cJSON_AddStringToObject(so, "name", v->name);
		cJSON_AddStringToObject(so, "image", v->image);
		cJSON_AddNumberToObject(so, "force_update", (double)v->force_update);
		cJSON_AddStringToObject(so, "mode", v->mode);
		cJSON_AddNumberToObject(so, "replicas_desired", v->desired);
		cJSON_AddNumberToObject(so, "replicas_running", v->running);
		cJSON_AddItemToObject(so, "stack", status_json_str(v->stack));
		cJSON_AddItemToObject(so, "update_state", status_json_str(v->update_state));
		cJSON_AddItemToObject(so, "update_message", status_json_str(v->update_message));
		cJSON_AddItemToObject(so, "update_started", cli_json_time(v->update_started));
		cJSON_AddItemToObject(so, "update_completed", cli_json_time(v->update_completed));
		cJSON_AddItemToObject(so, "created", cli_json_time(v->created));
		cJSON_AddItemToObject(so, "updated", cli_json_time(v->updated));
		cJSON_AddItemToArray(a, so);
	}
	a = cJSON_AddArrayToObject(o, "tasks");
	for (size_t i = 0; i < w->ntasks; i++) {
		const struct pd_swarm_task *t = &w->tasks[i];
		cJSON *to = cJSON_CreateObject();

		cJSON_AddStringToObject(to, "id", t->id);
		cJSON_AddStringToObject(to, "service_id", t->service_id);
		cJSON_AddStringToObject(to, "service", t->service);
		cJSON_AddNumberToObject(to, "slot", t->slot);
		cJSON_AddItemToObject(to, "node_id", status_json_str(t->node_id));
		cJSON_AddItemToObject(to, "node", status_json_str(t->node));
		cJSON_AddStringToObject(to, "desired_state", t->desired_state);
		cJSON_AddStringToObject(to, "state", t->state);
		cJSON_AddStringToObject(to, "message", t->message);
		cJSON_AddItemToObject(to, "error", status_json_str(t->error));
		cJSON_AddItemToObject(to, "since", cli_json_time(t->since));
		cJSON_AddItemToObject(to, "created", cli_json_time(t->created));
		cJSON_AddStringToObject(to, "image", t->image);
		cJSON_AddNumberToObject(to, "force_update", (double)t->force_update);
		cJSON_AddItemToObject(to, "container_id", status_json_str(t->container_id));
		cJSON_AddNumberToObject(to, "exit_code", t->exit_code);
		cJSON_AddItemToArray(a, to);
	}
	return o;
}

/* The snapshot as a JSON document (schema in doc/status-json.md), written
 * as it is made (backend/base/jsonw.h): a tree of 100,000 cJSON items at
 * 270 nodes x 10 was made, printed, copied and freed for one print.  The
 * swarm part is still a tree (status_json_swarm), written the same way. */
static void
status_json(struct pd_jw *w, const struct pd_snapshot *s)
{
	cJSON *swarm;

	pd_jw_object(w);
	pd_jw_key(w, "schema");
	pd_jw_str(w, STATUS_SCHEMA);
	pd_jw_key(w, "taken");
	pd_jw_time(w, s->taken);
	pd_jw_key(w, "site");
	pd_jw_str(w, s->site);
	pd_jw_key(w, "complete");
	pd_jw_bool(w, s->complete);
	pd_jw_key(w, "nodes");
	pd_jw_array(w);
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct pd_node *n = &s->nodes[i];

		pd_jw_elem(w);
		pd_jw_object(w);
		pd_jw_key(w, "name");
		pd_jw_str(w, n->name);
		pd_jw_key(w, "endpoint");
		pd_jw_str(w, n->endpoint);
		pd_jw_key(w, "reach");
		pd_jw_str(w, pd_reach_name(n->reach));
		pd_jw_key(w, "insecure");
		pd_jw_bool(w, n->insecure);
		pd_jw_key(w, "tls_refused");
		pd_jw_bool(w, n->tls_refused && n->reach != PD_REACH_UP);
		pd_jw_key(w, "error");
		pd_jw_str_or_null(w, n->error);
		pd_jw_key(w, "last_seen");
		pd_jw_time(w, n->last_seen);
		pd_jw_key(w, "age_s");
		if (n->last_seen != 0)
			pd_jw_num(w, (double)(s->taken - n->last_seen));
		else
			pd_jw_null(w);
		pd_jw_key(w, "rtt_ms");
		if (n->rtt_ms >= 0)
			pd_jw_num(w, round(n->rtt_ms * 1000) / 1000);
		else
			pd_jw_null(w);
		pd_jw_key(w, "engine_version");
		pd_jw_str(w, n->engine_version);
		pd_jw_key(w, "api_version");
		pd_jw_str(w, n->api_version);
		pd_jw_key(w, "os");
		pd_jw_str(w, n->os);
		pd_jw_key(w, "ncpu");
		pd_jw_num(w, n->ncpu);
		pd_jw_key(w, "mem_total");
		pd_jw_num(w, (double)n->mem_total);
		pd_jw_key(w, "events_connected");
		pd_jw_bool(w, n->events_connected);
		pd_jw_key(w, "agent");
		pd_jw_str_or_null(w, n->agent);
		pd_jw_key(w, "agent_connected");
		pd_jw_bool(w, n->agent_connected);
		pd_jw_key(w, "agent_verified");
		pd_jw_bool(w, n->agent_verified);
		pd_jw_key(w, "agent_untrusted");
		pd_jw_str_or_null(w, n->agent_untrusted);
		pd_jw_key(w, "agent_rejected");
		pd_jw_num(w, n->agent_rejected);
		pd_jw_key(w, "labels");
		pd_jw_object(w);
		for (int k = 0; k < n->nlabels; k++) {
			pd_jw_key(w, n->labels[k].key);
			pd_jw_str(w, n->labels[k].value);
		}
		pd_jw_end(w);
		pd_jw_key(w, "swarm");
		status_json_node_swarm(w, n);
		pd_jw_key(w, "containers_running");
		pd_jw_num(w, n->running);
		pd_jw_key(w, "containers_total");
		pd_jw_num(w, n->total);
		pd_jw_key(w, "containers_listed");
		pd_jw_num(w, (double)n->listed);
		pd_jw_key(w, "warning");
		pd_jw_str_or_null(w, n->warning);
		pd_jw_key(w, "containers");
		pd_jw_array(w);
		for (size_t k = 0; k < n->ncontainers; k++) {
			const struct pd_container *c = &s->containers[n->first_container + k];

			pd_jw_elem(w);
			pd_jw_object(w);
			pd_jw_key(w, "id");
			pd_jw_str(w, c->id);
			pd_jw_key(w, "name");
			pd_jw_str(w, c->name);
			pd_jw_key(w, "image");
			pd_jw_str(w, c->image);
			pd_jw_key(w, "state");
			pd_jw_str(w, c->state);
			pd_jw_key(w, "health");
			pd_jw_str(w, pd_health_name(c->health));
			pd_jw_key(w, "restart_count");
			pd_jw_num(w, c->restart_count);
			pd_jw_key(w, "exit_code");
			pd_jw_num(w, c->exit_code);
			pd_jw_key(w, "oom_killed");
			pd_jw_bool(w, c->oom_killed);
			status_json_networks(w, c->networks);
			pd_jw_key(w, "created");
			pd_jw_time(w, c->created);
			pd_jw_key(w, "started_at");
			pd_jw_time(w, c->started_at);
			pd_jw_key(w, "finished_at");
			pd_jw_time(w, c->finished_at);
			pd_jw_key(w, "cpu_pct");
			if (c->cpu_pct >= 0)
				pd_jw_num(w, round(c->cpu_pct * 100) / 100);
			else
				pd_jw_null(w);
			pd_jw_key(w, "mem_usage");
			if (c->sampled_at != 0)
				pd_jw_num(w, (double)c->mem_usage);
			else
				pd_jw_null(w);
			pd_jw_key(w, "mem_limit");
			if (c->sampled_at != 0)
				pd_jw_num(w, (double)c->mem_limit);
			else
				pd_jw_null(w);
			pd_jw_key(w, "sampled_at");
			pd_jw_time(w, c->sampled_at);
			pd_jw_key(w, "stale");
			pd_jw_bool(w, n->reach != PD_REACH_UP);
			pd_jw_end(w);
		}
		pd_jw_end(w);
		pd_jw_end(w);
	}
	pd_jw_end(w);
	pd_jw_key(w, "swarm");
	swarm = status_json_swarm(s);
	pd_jw_cjson(w, swarm);
	cJSON_Delete(swarm);
	pd_jw_key(w, "events");
	pd_jw_array(w);
	for (size_t i = 0; i < s->nevents; i++) {
		const struct pd_event *e = &s->events[i];

		pd_jw_elem(w);
		pd_jw_object(w);
		pd_jw_key(w, "time");
		pd_jw_time(w, e->time);
		pd_jw_key(w, "kind");
		pd_jw_str(w, status_event_kind(e->kind));
		pd_jw_key(w, "node");
		pd_jw_str(w, e->node);
		pd_jw_key(w, "container");
		pd_jw_str(w, e->container);
		pd_jw_key(w, "action");
		pd_jw_str(w, e->action);
		pd_jw_key(w, "text");
		pd_jw_str(w, e->text);
		pd_jw_key(w, "severity");
		pd_jw_str_or_null(w, e->severity);
		pd_jw_end(w);
	}
	pd_jw_end(w);
	pd_jw_end(w);
}

/* Print S in the chosen format. */
static void
status_print(const struct pd_snapshot *s, int json, int watch, int show_containers)
{
	if (json) {
		struct pd_jw w;

		pd_jw_init(&w, !watch);
		status_json(&w, s);
		if (!w.failed) {
			fwrite(w.p, 1, w.len, stdout);
			putchar('\n');
		}
		pd_jw_free(&w);
	} else {
		status_print_text(s, show_containers);
		if (watch)
			putchar('\n');
	}
	fflush(stdout);
}

/* 0 when every node is up (and a swarm, if any, has a manager that answers). */
static int
status_exit(const struct pd_snapshot *s)
{
	for (size_t i = 0; i < s->nnodes; i++)
		if (s->nodes[i].reach != PD_REACH_UP)
			return CLI_EXIT_FAIL;
	if (s->swarm.active && s->swarm.manager[0] == '\0')
		return CLI_EXIT_FAIL;
	return CLI_EXIT_OK;
}

static void
status_help(void)
{
	printf("Usage: plantdeck status [OPTION]...\n"
	    "Print every node of the fleet and its containers, then exit.\n"
	    "\n"
	    "  -i, --inventory FILE  the plant's inventory (default: $PLANTDECK_INVENTORY,\n"
	    "                        else DOCKER_HOST or the local socket)\n"
	    "  -c, --context NAME    nodes from a Docker context ('*' for all contexts)\n"
	    "  -n, --nodes SELECTOR  only these nodes: line=A,cell=3 or press-01,press-0*\n"
	    "  -j, --json            print JSON (schema plantdeck.status/1)\n"
	    "  -w, --watch           print again whenever something changes (until ^C)\n"
	    "      --nodes-only      leave out the containers (text output)\n"
	    "  -t, --timeout SECS    wait at most this long for every node (default 10)\n"
	    "      --ping-interval SECS       liveness check of each node (default 2;\n"
	    "                                 beyond 500 nodes, nodes / 250)\n"
	    "      --reconcile-interval SECS  full container list, a safety net (default 10;\n"
	    "                                 30 while the node's event stream is up)\n"
	    "      --stats-interval SECS      CPU/memory sample per container (default 10)\n"
	    "      --swarm-interval SECS      a Swarm manager's nodes, services, tasks (default 3)\n"
	    "  -h, --help            show this help\n"
	    "\n"
	    "Where inventory nodes manage a Docker Swarm (marked 'swarm: manager', or found\n"
	    "by their /info), a Swarm part follows: its nodes, services and tasks, as the\n"
	    "manager in use lists them (--nodes-only leaves the tasks out).\n"
	    "\n"
	    "Exit status: 0 when every node answered (and a swarm manager, if any), 1 when\n"
	    "one did not, 2 on bad input (command line or inventory).\n");
}

int
cli_status(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "context", required_argument, NULL, 'c' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'w' },
		{ "nodes-only", no_argument, NULL, 'N' },
		{ "timeout", required_argument, NULL, 't' },
		{ "ping-interval", required_argument, NULL, 'P' },
		{ "reconcile-interval", required_argument, NULL, 'R' },
		{ "stats-interval", required_argument, NULL, 'S' },
		{ "swarm-interval", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct backend_config cfg = { 0 };
	char err[512];
	struct backend *b;
	struct pd_snapshot *s;
	int opt, json = 0, watch = 0, containers = 1, rc;
	double timeout = 10, deadline;

	cli_backend_config(g, &cfg);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":i:c:n:jwt:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i': cfg.inventory_path = optarg; cfg.context = NULL; break;
		case 'c': cfg.context = optarg; cfg.inventory_path = NULL; break;
		case 'n': cfg.selector = optarg; break;
		case 'j': json = 1; break;
		case 'w': watch = 1; break;
		case 'N': containers = 0; break;
		case 't':
			if (cli_parse_seconds(optarg, &timeout) != 0)
				return cli_usage_error("status", "--timeout '%s': want seconds, 0 < t <= 3600",
				    optarg);
			break;
		case 'P':
			if (cli_parse_seconds(optarg, &cfg.ping_interval) != 0)
				return cli_usage_error("status", "--ping-interval '%s': want seconds", optarg);
			break;
		case 'R':
			if (cli_parse_seconds(optarg, &cfg.reconcile_interval) != 0)
				return cli_usage_error("status", "--reconcile-interval '%s': want seconds",
				    optarg);
			break;
		case 'S':
			if (cli_parse_seconds(optarg, &cfg.stats_interval) != 0)
				return cli_usage_error("status", "--stats-interval '%s': want seconds", optarg);
			break;
		case 'W':
			if (cli_parse_seconds(optarg, &cfg.swarm_interval) != 0)
				return cli_usage_error("status", "--swarm-interval '%s': want seconds", optarg);
			break;
		case 'h': status_help(); return CLI_EXIT_OK;
		default: return cli_option_error("status", opt, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error("status", "unexpected argument '%s'", argv[optind]);

	/* One snapshot: the event streams wait for their nodes' first. */
	cfg.one_snapshot = !watch;
	if ((rc = cli_backend_open(g, &cfg, NULL, &b)) != CLI_EXIT_OK)
		return rc;
	rc = backend_start(b, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "plantdeck: cannot start the backend: %s\n", err);
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	cli_catch_signals();

	/* Wait for a complete first snapshot, or the deadline.  Each wakeup
	 * asks only whether it is complete: copying the whole model at every
	 * answer would cost (and hold the model's lock) for nothing.  A
	 * snapshot that came complete in between is as good. */
	deadline = cli_now() + timeout;
	for (;;) {
		struct pollfd p = { .fd = backend_wakeup_fd(b), .events = POLLIN };
		double left = deadline - cli_now();

		if (backend_complete(b) || left <= 0 || cli_signals())
			break;
		poll(&p, 1, (int)(left * 1000) + 1);
		backend_wakeup_ack(b);
	}
	s = backend_snapshot(b);
	if (s == NULL) {
		fprintf(stderr, "plantdeck: out of memory\n");
		backend_close(b);
		return CLI_EXIT_FAIL;
	}
	/* The one snapshot is taken: what the io thread would do next (event
	 * streams, lists again) would only compete with the printing. */
	if (!watch)
		backend_stop(b);
	status_print(s, json, watch, containers);
	rc = status_exit(s);

	while (watch && !cli_signals()) {
		struct pollfd p = { .fd = backend_wakeup_fd(b), .events = POLLIN };
		uint64_t gen = s->generation;

		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			break;
		backend_wakeup_ack(b);
		if (cli_signals())
			break;
		pd_snapshot_free(s);
		s = backend_snapshot(b);
		if (s == NULL)
			break;
		if (s->generation != gen)
			status_print(s, json, watch, containers);
		rc = status_exit(s);
		usleep(200000);  /* at most five prints a second */
	}
	pd_snapshot_free(s);
	backend_close(b);
	return rc;
}
