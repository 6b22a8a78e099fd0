/*
 * swarm.c — a simulated Docker Swarm over the simulated nodes (`sim up
 * --swarm [--managers M]`): every node is a member, nodes 1..M managers
 * (node 1 the leader).  Managers answer /swarm, /nodes, /services and
 * /tasks as a 20.10 manager does (tests/sim-calibrate-swarm.sh compares
 * them field by field with a lab swarm); workers refuse them with the
 * engine's 503.  /info carries each node's Swarm section.
 *
 * Services are kept as the cJSON spec they were created or updated with,
 * filled with the defaults the real manager adds.  Tasks are placed at
 * once (replicated: round robin over the eligible nodes; global: one per
 * eligible node; placement constraints node.labels.K, node.role,
 * node.hostname and node.id with == and !=) and run at once: each running
 * task is a container on its node, named and labelled as Swarm names
 * them, so that the fleet's container lists show it.  An update that
 * changes the task template or ForceUpdate shuts the old tasks down and
 * starts new ones; UpdateStatus says "updating" for SIM_SW_UPDATE_S and
 * "completed" after (read lazily: no timer).  Service and node events go
 * to the managers' /events streams (scope swarm).
 *
 * Every byte from a client is untrusted: bodies are parsed with cJSON and
 * what is echoed is printed by cJSON or JSON-escaped.
 */
#include "sim.h"

#define SIM_SW_UPDATE_S 1.0   /* an update is "updating" this long, then "completed" */

/* A swarm node: one per simulated node, same index. */
struct sw_node {
	char id[26];
	int manager;
	unsigned long long version;
	double created, updated;
	cJSON *spec;             /* {"Labels":{},"Role":"...","Availability":"..."} */
};

struct sw_svc;

/* A task of a service. */
struct sw_task {
	char id[26];
	struct sw_svc *svc;
	int slot;                /* replicated: 1..; global: 0 */
	int node;                /* index in sim_nodes */
	char *spec;              /* the task template it runs, printed */
	unsigned long long version;
	double created, updated;
	int running;             /* 1 running, 0 shut down */
	struct ctr *ctr;         /* its container while running */
	char ctr_id[65];
};

/* A service. */
struct sw_svc {
	char id[26];
	cJSON *spec, *prev;      /* Spec and PreviousSpec (NULL before an update) */
	unsigned long long version;
	double created, updated;
	int updated_once;        /* UpdateStatus exists */
	int rollback;            /* the last update was a rollback */
	double upd_started;
	unsigned gen;            /* task generation: bumped when the template changes */
};

int sim_swarm, sim_managers = 1;
static struct sw_node *sw_nodes;
static struct sw_svc **sw_svcs;
static int sw_nsvcs, sw_capsvcs;
static struct sw_task **sw_tasks;
static int sw_ntasks, sw_captasks;
static unsigned long long sw_index = 10;   /* the raft index: every change bumps it */
static char sw_cluster[26];
static double sw_created;

/* A Swarm object id: 25 lowercase letters and digits. */
static void
sw_newid(char out[26])
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	int i;

	for (i = 0; i < 25; i++)
		out[i] = al[rnd() % 36];
	out[25] = '\0';
}

/* The next raft index. */
static unsigned long long
sw_next(void)
{
	return ++sw_index;
}

/* Make the swarm: every node a member, nodes 1..sim_managers managers. */
void
swarm_init(void)
{
	int i;

	if (!sim_swarm)
		return;
	if (sim_managers < 1)
		sim_managers = 1;
	if (sim_managers > sim_n)
		sim_managers = sim_n;
	sw_newid(sw_cluster);
	sw_created = now_wall() - 3600;
	sw_nodes = xrealloc(NULL, (size_t)sim_n * sizeof(*sw_nodes));
	memset(sw_nodes, 0, (size_t)sim_n * sizeof(*sw_nodes));
	for (i = 0; i < sim_n; i++) {
		struct sw_node *w = &sw_nodes[i];

		sw_newid(w->id);
		w->manager = i < sim_managers;
		w->version = sw_next();
		w->created = sw_created + i * 0.01;
		w->updated = w->created + 0.1;
		w->spec = cJSON_CreateObject();
		cJSON_AddItemToObject(w->spec, "Labels", cJSON_CreateObject());
		cJSON_AddStringToObject(w->spec, "Role", w->manager ? "manager" : "worker");
		cJSON_AddStringToObject(w->spec, "Availability", "active");
	}
}

/* ---------------------------------------------------------------- output */

/* The swarm CA's certificate, as the lab's managers show it (a fixed one). */
static const char sw_tls[] =
	"{\"TrustRoot\":\"-----BEGIN CERTIFICATE-----\\nMIIBazCCARCgAwIBAgIUN7qmiSULogU0N/48slF"
	"UdRMXdygwCgYIKoZIzj0EAwIw\\nEzERMA8GA1UEAxMIc3dhcm0tY2EwHhcNMjYxMjA0MTAyNDAwWhcNNDYxMTI5MTAy"
	"\\n-----END CERTIFICATE-----\\n\",\"CertIssuerSubject\":\"MBMxETAPBgNVBAMTCHN3YXJtLWNh\","
	"\"CertIssuerPublicKey\":\"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdKtTrLqa+Fj/34uTq5uMjLHr4ce14V"
	"GbNkpM34o0IePKdeSL0EXHek6iWdP2ntH5VXobrGi4ILxcjGN9qs+7wQ==\"}";

/* The cluster object's common part: ID, Version, times, Spec, TLSInfo, ... */
static void
sb_cluster(struct sbuf *b)
{
	sb_fmt(b, "\"ID\":\"%s\",\"Version\":{\"Index\":10},\"CreatedAt\":", sw_cluster);
	sb_time(b, sw_created);
	sb_str(b, ",\"UpdatedAt\":");
	sb_time(b, sw_created + 0.6);
	sb_str(b, ",\"Spec\":{\"Name\":\"default\",\"Labels\":{},\"Orchestration\":"
	    "{\"TaskHistoryRetentionLimit\":5},\"Raft\":{\"SnapshotInterval\":10000,"
	    "\"KeepOldSnapshots\":0,\"LogEntriesForSlowFollowers\":500,\"ElectionTick\":10,"
	    "\"HeartbeatTick\":1},\"Dispatcher\":{\"HeartbeatPeriod\":5000000000},\"CAConfig\":"
	    "{\"NodeCertExpiry\":7776000000000000},\"TaskDefaults\":{},\"EncryptionConfig\":"
	    "{\"AutoLockManagers\":false}},\"TLSInfo\":");
	sb_str(b, sw_tls);
	sb_str(b, ",\"RootRotationInProgress\":false,\"DefaultAddrPool\":null,\"SubnetSize\":24,"
	    "\"DataPathPort\":4789");
}

/* /info's "Swarm" object of node N. */
void
swarm_info(struct sbuf *b, const struct node *n)
{
	const struct sw_node *w;

	if (!sim_swarm) {
		sb_str(b, "{\"NodeID\":\"\",\"NodeAddr\":\"\",\"LocalNodeState\":\"inactive\","
		    "\"ControlAvailable\":false,\"Error\":\"\",\"RemoteManagers\":null}");
		return;
	}
	w = &sw_nodes[n->idx - 1];
	sb_fmt(b, "{\"NodeID\":\"%s\",\"NodeAddr\":\"%s\",\"LocalNodeState\":\"active\","
	    "\"ControlAvailable\":%s,\"Error\":\"\",\"RemoteManagers\":[", w->id, n->addr,
	    w->manager ? "true" : "false");
	for (int i = 0; i < sim_managers; i++)
		sb_fmt(b, "%s{\"NodeID\":\"%s\",\"Addr\":\"%s:2377\"}", i ? "," : "",
		    sw_nodes[i].id, sim_nodes[i].addr);
	sb_str(b, "]");
	if (w->manager) {
		sb_fmt(b, ",\"Nodes\":%d,\"Managers\":%d,\"Cluster\":{", sim_n, sim_managers);
		sb_cluster(b);
		sb_str(b, "}");
	}
	sb_str(b, "}");
}

/* A cJSON value printed into B ("null" for NULL). */
static void
sb_cjson(struct sbuf *b, const cJSON *j)
{
	char *t = j != NULL ? cJSON_PrintUnformatted(j) : NULL;

	sb_str(b, t != NULL ? t : "null");
	free(t);
}

/* Swarm node I as GET /nodes lists it. */
static void
sb_swnode(struct sbuf *b, int i)
{
	const struct sw_node *w = &sw_nodes[i];
	const struct node *n = &sim_nodes[i];

	sb_fmt(b, "{\"ID\":\"%s\",\"Version\":{\"Index\":%llu},\"CreatedAt\":", w->id, w->version);
	sb_time(b, w->created);
	sb_str(b, ",\"UpdatedAt\":");
	sb_time(b, w->updated);
	sb_str(b, ",\"Spec\":");
	sb_cjson(b, w->spec);
	sb_str(b, ",\"Description\":{\"Hostname\":");
	sb_jstr(b, n->name);
	sb_str(b, ",\"Platform\":{\"Architecture\":\"x86_64\",\"OS\":\"linux\"},\"Resources\":"
	    "{\"NanoCPUs\":2000000000,\"MemoryBytes\":8326664192},\"Engine\":{\"EngineVersion\":\""
	    SIM_VERSION "\",\"Plugins\":[");
	{
		static const char *pl[] = { "Log awslogs", "Log fluentd", "Log gcplogs", "Log gelf",
			"Log journald", "Log json-file", "Log local", "Log logentries", "Log splunk",
			"Log syslog", "Network bridge", "Network host", "Network ipvlan",
			"Network macvlan", "Network null", "Network overlay", "Volume local" };

		for (size_t k = 0; k < sizeof(pl) / sizeof(pl[0]); k++) {
			const char *sp = strchr(pl[k], ' ');

			sb_fmt(b, "%s{\"Type\":\"%.*s\",\"Name\":\"%s\"}", k ? "," : "",
			    (int)(sp - pl[k]), pl[k], sp + 1);
		}
	}
	sb_str(b, "]},\"TLSInfo\":");
	sb_str(b, sw_tls);
	sb_fmt(b, "},\"Status\":{\"State\":\"%s\",\"Addr\":\"%s\"}",
	    n->refuse || n->hang ? "down" : "ready", n->addr);
	if (w->manager)
		sb_fmt(b, ",\"ManagerStatus\":{%s\"Reachability\":\"%s\",\"Addr\":\"%s:2377\"}",
		    i == 0 ? "\"Leader\":true," : "", n->refuse || n->hang ? "unreachable" :
		    "reachable", n->addr);
	sb_str(b, "}");
}

/* Running and desired tasks of service S. */
static void
sw_counts(const struct sw_svc *s, int *running, int *desired)
{
	*running = *desired = 0;
	for (int i = 0; i < sw_ntasks; i++)
		if (sw_tasks[i]->svc == s && sw_tasks[i]->running) {
			(*desired)++;
			*running += sw_tasks[i]->ctr != NULL && sw_tasks[i]->ctr->alive &&
			    sw_tasks[i]->ctr->state == ST_RUNNING;
		}
}

/* Service S as GET /services lists it; STATUS: with ServiceStatus. */
static void
sb_svc(struct sbuf *b, const struct sw_svc *s, int status)
{
	const cJSON *ep = cJSON_GetObjectItemCaseSensitive(s->spec, "EndpointSpec");

	sb_fmt(b, "{\"ID\":\"%s\",\"Version\":{\"Index\":%llu},\"CreatedAt\":", s->id, s->version);
	sb_time(b, s->created);
	sb_str(b, ",\"UpdatedAt\":");
	sb_time(b, s->updated);
	sb_str(b, ",\"Spec\":");
	sb_cjson(b, s->spec);
	if (s->prev != NULL) {
		sb_str(b, ",\"PreviousSpec\":");
		sb_cjson(b, s->prev);
	}
	sb_str(b, ",\"Endpoint\":{\"Spec\":");
	if (ep != NULL)
		sb_cjson(b, ep);
	else
		sb_str(b, "{}");
	sb_str(b, "}");
	if (s->updated_once) {
		int done = now_wall() >= s->upd_started + SIM_SW_UPDATE_S;

		sb_fmt(b, ",\"UpdateStatus\":{\"State\":\"%s\",\"StartedAt\":",
		    s->rollback ? (done ? "rollback_completed" : "rollback_started") :
		    done ? "completed" : "updating");
		sb_time(b, s->upd_started);
		if (done) {
			sb_str(b, ",\"CompletedAt\":");
			sb_time(b, s->upd_started + SIM_SW_UPDATE_S);
		}
		sb_fmt(b, ",\"Message\":\"%s\"}", s->rollback ? (done ? "rollback completed" :
		    "manually requested rollback") : done ? "update completed" :
		    "update in progress");
	}
	if (status) {
		int run, want;

		sw_counts(s, &run, &want);
		sb_fmt(b, ",\"ServiceStatus\":{\"RunningTasks\":%d,\"DesiredTasks\":%d,"
		    "\"CompletedTasks\":0}", run, want);
	}
	sb_str(b, "}");
}

/* Task T as GET /tasks lists it. */
static void
sb_task(struct sbuf *b, const struct sw_task *t)
{
	int up = t->running && t->ctr != NULL && t->ctr->alive && t->ctr->state == ST_RUNNING;
	const char *state = up ? "running" : t->running ? "failed" : "shutdown";

	sb_fmt(b, "{\"ID\":\"%s\",\"Version\":{\"Index\":%llu},\"CreatedAt\":", t->id, t->version);
	sb_time(b, t->created);
	sb_str(b, ",\"UpdatedAt\":");
	sb_time(b, t->updated);
	sb_fmt(b, ",\"Labels\":{},\"Spec\":%s,\"ServiceID\":\"%s\"", t->spec, t->svc->id);
	if (t->slot > 0)
		sb_fmt(b, ",\"Slot\":%d", t->slot);
	sb_fmt(b, ",\"NodeID\":\"%s\",\"Status\":{\"Timestamp\":", sw_nodes[t->node].id);
	sb_time(b, t->updated);
	sb_fmt(b, ",\"State\":\"%s\",\"Message\":\"%s\"", state,
	    up ? "started" : t->running ? "started" : "shutdown");
	if (!up && t->running)
		sb_fmt(b, ",\"Err\":\"task: non-zero exit (%d)\"", t->ctr != NULL && t->ctr->alive ?
		    t->ctr->exit_code : 137);
	sb_fmt(b, ",\"ContainerStatus\":{\"ContainerID\":\"%s\",\"PID\":%d,\"ExitCode\":%d},"
	    "\"PortStatus\":{}},\"DesiredState\":\"%s\"}", t->ctr_id, up ? 1000 + t->slot : 0,
	    up || t->ctr == NULL || !t->ctr->alive ? 0 : t->ctr->exit_code,
	    t->running ? "running" : "shutdown");
}

/* ---------------------------------------------------------------- events */

/* A swarm event (TYPE service or node) to every manager's /events streams. */
static void
sw_event(const char *type, const char *action, const char *id, const char *name,
    const char *extra)
{
	struct sbuf b = { 0 };
	long long sec, nano;

	ev_now(&sec, &nano);
	sb_fmt(&b, "{\"Type\":\"%s\",\"Action\":\"%s\",\"Actor\":{\"ID\":\"%s\",\"Attributes\":{",
	    type, action, id);
	if (name != NULL) {
		sb_str(&b, "\"name\":");
		sb_jstr(&b, name);
	}
	sb_fmt(&b, "%s}},\"scope\":\"swarm\",\"time\":%lld,\"timeNano\":%lld}\n", extra, sec,
	    nano);
	for (int i = 0; i < sim_managers; i++)
		if (!sim_nodes[i].hang)
			ev_send(&sim_nodes[i], type, action, b.p, b.len, nano);
	free(b.p);
}

/* ---------------------------------------------------------------- services and tasks */

/* A string member K of J, or "". */
static const char *
sw_str(const cJSON *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Fill SPEC with what the real manager adds to a service spec. */
static void
sw_defaults(cJSON *spec)
{
	cJSON *tt = cJSON_GetObjectItemCaseSensitive(spec, "TaskTemplate"), *cs, *rp;

	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(spec, "Labels"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "Labels");
		cJSON_AddItemToObject(spec, "Labels", cJSON_CreateObject());
	}
	if (!cJSON_IsObject(tt)) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "TaskTemplate");
		tt = cJSON_AddObjectToObject(spec, "TaskTemplate");
	}
	cs = cJSON_GetObjectItemCaseSensitive(tt, "ContainerSpec");
	if (!cJSON_IsObject(cs)) {
		cJSON_DeleteItemFromObjectCaseSensitive(tt, "ContainerSpec");
		cs = cJSON_AddObjectToObject(tt, "ContainerSpec");
	}
	if (cJSON_GetObjectItemCaseSensitive(cs, "Isolation") == NULL)
		cJSON_AddStringToObject(cs, "Isolation", "default");
	rp = cJSON_GetObjectItemCaseSensitive(tt, "RestartPolicy");
	if (cJSON_IsObject(rp) && cJSON_GetObjectItemCaseSensitive(rp, "MaxAttempts") == NULL)
		cJSON_AddNumberToObject(rp, "MaxAttempts", 0);
	if (cJSON_GetObjectItemCaseSensitive(tt, "ForceUpdate") == NULL)
		cJSON_AddNumberToObject(tt, "ForceUpdate", 0);
	if (cJSON_GetObjectItemCaseSensitive(tt, "Runtime") == NULL)
		cJSON_AddStringToObject(tt, "Runtime", "container");
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(spec, "Mode"))) {
		cJSON *m = cJSON_CreateObject(), *r = cJSON_AddObjectToObject(m, "Replicated");

		cJSON_AddNumberToObject(r, "Replicas", 1);
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "Mode");
		cJSON_AddItemToObject(spec, "Mode", m);
	}
}

/* The task template of SPEC as tasks carry it (without Runtime), printed. */
static char *
sw_task_spec(const cJSON *spec)
{
	cJSON *tt = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(spec, "TaskTemplate"), 1);
	char *t;

	cJSON_DeleteItemFromObjectCaseSensitive(tt, "Runtime");
	t = cJSON_PrintUnformatted(tt);
	cJSON_Delete(tt);
	return t != NULL ? t : xstrdup("{}");
}

/* Whether node I satisfies constraint C ("node.labels.k==v", "node.role!=manager", ...). */
static int
sw_constraint(int i, const char *c)
{
	const char *op = strstr(c, "=="), *ne = strstr(c, "!=");
	char key[128], val[128];
	const char *have = NULL;
	int eq = 1;

	if (ne != NULL && (op == NULL || ne < op)) {
		op = ne;
		eq = 0;
	}
	if (op == NULL)
		return 1;
	snprintf(key, sizeof(key), "%.*s", (int)(op - c), c);
	snprintf(val, sizeof(val), "%s", op + 2);
	/* trim blanks */
	for (char *p = key + strlen(key); p > key && p[-1] == ' '; )
		*--p = '\0';
	{
		char *v = val;

		while (*v == ' ')
			v++;
		memmove(val, v, strlen(v) + 1);
	}
	if (strncmp(key, "node.labels.", 12) == 0) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(sw_nodes[i].spec, "Labels"), key + 12);

		have = cJSON_IsString(l) ? l->valuestring : NULL;
	} else if (strcmp(key, "node.role") == 0) {
		have = sw_nodes[i].manager ? "manager" : "worker";
	} else if (strcmp(key, "node.hostname") == 0) {
		have = sim_nodes[i].name;
	} else if (strcmp(key, "node.id") == 0) {
		have = sw_nodes[i].id;
	} else {
		return 1;    /* engine labels and the like: not simulated, every node has them */
	}
	return eq ? have != NULL && strcmp(have, val) == 0 : have == NULL || strcmp(have, val) != 0;
}

/* Whether node I may run a task of SPEC: active and within the constraints. */
static int
sw_eligible(int i, const cJSON *spec)
{
	const cJSON *c, *cons = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(spec, "TaskTemplate"), "Placement"), "Constraints");

	if (strcmp(sw_str(sw_nodes[i].spec, "Availability"), "active") != 0)
		return 0;
	cJSON_ArrayForEach(c, cons)
		if (cJSON_IsString(c) && !sw_constraint(i, c->valuestring))
			return 0;
	return 1;
}

/* Add a task of S in SLOT on node NODE and start its container. */
static void
sw_task_new(struct sw_svc *s, int slot, int node)
{
	struct sw_task *t = xrealloc(NULL, sizeof(*t));
	const cJSON *tt = cJSON_GetObjectItemCaseSensitive(s->spec, "TaskTemplate");
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(tt, "ContainerSpec"), *l;
	const char *name = sw_str(s->spec, "Name");
	char cname[200], tname[128];
	struct node *n = &sim_nodes[node];

	memset(t, 0, sizeof(*t));
	sw_newid(t->id);
	t->svc = s;
	t->slot = slot;
	t->node = node;
	t->spec = sw_task_spec(s->spec);
	t->version = sw_next();
	t->created = t->updated = now_wall();
	t->running = 1;
	if (slot > 0)
		snprintf(tname, sizeof(tname), "%.60s.%d", name, slot);
	else
		snprintf(tname, sizeof(tname), "%.60s.%s", name, sw_nodes[node].id);
	snprintf(cname, sizeof(cname), "%s.%s", tname, t->id);
	t->ctr = ctr_new(n, cname, sw_str(cs, "Image")[0] ? sw_str(cs, "Image") : "unknown");
	snprintf(t->ctr_id, sizeof(t->ctr_id), "%s", t->ctr->id);
	image_traits(t->ctr);
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(cs, "Labels"))
		if (cJSON_IsString(l) && l->string != NULL)
			ctr_set_label(t->ctr, l->string, l->valuestring);
	ctr_set_label(t->ctr, "com.docker.swarm.node.id", sw_nodes[node].id);
	ctr_set_label(t->ctr, "com.docker.swarm.service.id", s->id);
	ctr_set_label(t->ctr, "com.docker.swarm.service.name", name);
	ctr_set_label(t->ctr, "com.docker.swarm.task", "");
	ctr_set_label(t->ctr, "com.docker.swarm.task.id", t->id);
	ctr_set_label(t->ctr, "com.docker.swarm.task.name", tname);
	ev_emit(n, t->ctr, "create", "");
	ctr_start(n, t->ctr);
	if (sw_ntasks == sw_captasks) {
		sw_captasks = sw_captasks ? 2 * sw_captasks : 64;
		sw_tasks = xrealloc(sw_tasks, (size_t)sw_captasks * sizeof(*sw_tasks));
	}
	sw_tasks[sw_ntasks++] = t;
}

/* Shut task T down: its container stopped and removed. */
static void
sw_task_stop(struct sw_task *t)
{
	struct node *n = &sim_nodes[t->node];

	t->running = 0;
	t->version = sw_next();
	t->updated = now_wall();
	if (t->ctr != NULL && t->ctr->alive) {
		if (t->ctr->state == ST_RUNNING)
			ctr_stop(n, t->ctr, 15);
		ev_emit(n, t->ctr, "destroy", "");
		ctr_drop(n, t->ctr);
	}
	t->ctr = NULL;
}

/* Drop the tasks of S that are shut down (ALL: every task, shut down first). */
static void
sw_tasks_prune(struct sw_svc *s, int all)
{
	int i, k = 0;

	for (i = 0; i < sw_ntasks; i++) {
		struct sw_task *t = sw_tasks[i];

		if (t->svc == s && all && t->running)
			sw_task_stop(t);
		if (t->svc == s && !t->running) {
			free(t->spec);
			free(t);
		} else {
			sw_tasks[k++] = t;
		}
	}
	sw_ntasks = k;
}

/* Make S's running tasks what its spec asks: replicas or one per eligible node. */
static void
sw_reconcile(struct sw_svc *s)
{
	const cJSON *mode = cJSON_GetObjectItemCaseSensitive(s->spec, "Mode");
	const cJSON *rep = cJSON_GetObjectItemCaseSensitive(mode, "Replicated");
	int global = cJSON_GetObjectItemCaseSensitive(mode, "Global") != NULL;
	int want = 0, i;
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(rep, "Replicas");

	if (cJSON_IsNumber(r) && r->valuedouble >= 0 && r->valuedouble < 100000)
		want = (int)r->valuedouble;
	if (global) {
		char *has = xrealloc(NULL, (size_t)sim_n);

		memset(has, 0, (size_t)sim_n);
		for (i = 0; i < sw_ntasks; i++)
			if (sw_tasks[i]->svc == s && sw_tasks[i]->running) {
				if (!sw_eligible(sw_tasks[i]->node, s->spec))
					sw_task_stop(sw_tasks[i]);
				else
					has[sw_tasks[i]->node] = 1;
			}
		for (i = 0; i < sim_n; i++)
			if (!has[i] && sw_eligible(i, s->spec))
				sw_task_new(s, 0, i);
		free(has);
		return;
	}
	/* replicated: slots 1..want, each on an eligible node with the fewest of its tasks
	 * (Swarm's spread), ties to the next node after the slot's own */
	for (i = 0; i < sw_ntasks; i++)
		if (sw_tasks[i]->svc == s && sw_tasks[i]->running && sw_tasks[i]->slot > want)
			sw_task_stop(sw_tasks[i]);
	{
		int *count = xrealloc(NULL, (size_t)sim_n * sizeof(int));
		char *slots = xrealloc(NULL, (size_t)want + 1);

		memset(count, 0, (size_t)sim_n * sizeof(int));
		memset(slots, 0, (size_t)want + 1);
		for (i = 0; i < sw_ntasks; i++)
			if (sw_tasks[i]->svc == s && sw_tasks[i]->running) {
				count[sw_tasks[i]->node]++;
				slots[sw_tasks[i]->slot] = 1;
			}
		for (int slot = 1; slot <= want; slot++) {
			int best = -1;

			if (slots[slot])
				continue;
			for (int k = 0; k < sim_n; k++) {
				int cand = (slot - 1 + k) % sim_n;

				if ((best < 0 || count[cand] < count[best]) && sw_eligible(cand, s->spec))
					best = cand;
			}
			if (best >= 0) {
				sw_task_new(s, slot, best);
				count[best]++;
			}
		}
		free(count);
		free(slots);
	}
}

/* The service named or with the id (prefix) REF, or NULL. */
static struct sw_svc *
sw_svc_find(const char *ref)
{
	for (int i = 0; i < sw_nsvcs; i++)
		if (strcmp(sw_str(sw_svcs[i]->spec, "Name"), ref) == 0 ||
		    strcmp(sw_svcs[i]->id, ref) == 0)
			return sw_svcs[i];
	for (int i = 0; i < sw_nsvcs; i++)
		if (ref[0] != '\0' && strncmp(sw_svcs[i]->id, ref, strlen(ref)) == 0)
			return sw_svcs[i];
	return NULL;
}

/* The swarm node index of REF (id, id prefix or hostname), or -1. */
static int
sw_node_find(const char *ref)
{
	for (int i = 0; i < sim_n; i++)
		if (strcmp(sw_nodes[i].id, ref) == 0 || strcmp(sim_nodes[i].name, ref) == 0)
			return i;
	for (int i = 0; ref[0] != '\0' && i < sim_n; i++)
		if (strncmp(sw_nodes[i].id, ref, strlen(ref)) == 0)
			return i;
	return -1;
}

/* POST /services/create. */
static void
sw_create(struct conn *cn, const char *body)
{
	cJSON *spec = cJSON_Parse(body);
	struct sw_svc *s, *old;
	struct sbuf b = { 0 };
	const char *name = sw_str(spec, "Name");

	if (!cJSON_IsObject(spec)) {
		cJSON_Delete(spec);
		reply_err(cn, 400, "invalid JSON");
		return;
	}
	if (name[0] == '\0' || strlen(name) > 63) {
		cJSON_Delete(spec);
		reply_err(cn, 400, "rpc error: code = InvalidArgument desc = name must be valid as a "
		    "DNS name component");
		return;
	}
	old = sw_svc_find(name);
	if (old != NULL && strcmp(sw_str(old->spec, "Name"), name) == 0) {
		reply_err(cn, 409, "rpc error: code = AlreadyExists desc = name conflicts with an "
		    "existing object: service %s already exists", name);
		cJSON_Delete(spec);      /* (NAME is in it) */
		return;
	}
	sw_defaults(spec);
	s = xrealloc(NULL, sizeof(*s));
	memset(s, 0, sizeof(*s));
	sw_newid(s->id);
	s->spec = spec;
	s->version = sw_next();
	s->created = s->updated = now_wall();
	if (sw_nsvcs == sw_capsvcs) {
		sw_capsvcs = sw_capsvcs ? 2 * sw_capsvcs : 16;
		sw_svcs = xrealloc(sw_svcs, (size_t)sw_capsvcs * sizeof(*sw_svcs));
	}
	sw_svcs[sw_nsvcs++] = s;
	sw_event("service", "create", s->id, sw_str(spec, "Name"), "");
	sw_reconcile(s);
	sb_fmt(&b, "{\"ID\":\"%s\"}", s->id);
	reply_json(cn, 201, &b);
	free(b.p);
}

/* POST /services/ID/update?version=V[&rollback=previous]. */
static void
sw_update(struct conn *cn, struct sw_svc *s, const char *q, const char *body)
{
	char ver[32], rb[32];
	cJSON *spec;
	char *was, *now;
	int tpl;

	if (!query_get(q, "version", ver, sizeof(ver)) ||
	    strtoull(ver, NULL, 10) != s->version) {
		reply_err(cn, 500, "rpc error: code = Unknown desc = update out of sequence");
		return;
	}
	if (query_get(q, "rollback", rb, sizeof(rb)) && strcmp(rb, "previous") == 0) {
		if (s->prev == NULL) {
			reply_err(cn, 500, "rpc error: code = FailedPrecondition desc = service %s "
			    "does not have a previous spec", s->id);
			return;
		}
		spec = cJSON_Duplicate(s->prev, 1);
		s->rollback = 1;
	} else {
		spec = cJSON_Parse(body);
		if (!cJSON_IsObject(spec)) {
			cJSON_Delete(spec);
			reply_err(cn, 400, "invalid JSON");
			return;
		}
		sw_defaults(spec);
		s->rollback = 0;
	}
	if (strcmp(sw_str(spec, "Name"), sw_str(s->spec, "Name")) != 0) {
		cJSON_Delete(spec);
		reply_err(cn, 500, "rpc error: code = Unimplemented desc = renaming services is not "
		    "supported");
		return;
	}
	was = sw_task_spec(s->spec);
	now = sw_task_spec(spec);
	tpl = strcmp(was, now) != 0;
	free(was);
	free(now);
	cJSON_Delete(s->prev);
	s->prev = s->spec;
	s->spec = spec;
	s->version = sw_next();
	s->updated = now_wall();
	sw_event("service", "update", s->id, sw_str(spec, "Name"), "");
	if (tpl) {
		s->updated_once = 1;
		s->upd_started = s->updated;
		s->gen++;
		sw_tasks_prune(s, 0);          /* the history of the generation before */
		for (int i = 0; i < sw_ntasks; i++)
			if (sw_tasks[i]->svc == s && sw_tasks[i]->running)
				sw_task_stop(sw_tasks[i]);
		sw_event("service", "update", s->id, sw_str(spec, "Name"),
		    s->rollback ? ",\"updatestate.new\":\"rollback_started\"" :
		    ",\"updatestate.new\":\"updating\"");
	}
	sw_reconcile(s);
	reply(cn, 200, "application/json", "{\"Warnings\":null}\n", 18);
}

/* DELETE /services/ID. */
static void
sw_remove(struct conn *cn, struct sw_svc *s)
{
	int i;

	sw_tasks_prune(s, 1);
	for (i = 0; i < sw_nsvcs; i++)
		if (sw_svcs[i] == s) {
			sw_svcs[i] = sw_svcs[--sw_nsvcs];
			break;
		}
	sw_event("service", "remove", s->id, sw_str(s->spec, "Name"), "");
	cJSON_Delete(s->spec);
	cJSON_Delete(s->prev);
	free(s);
	reply(cn, 200, "text/plain; charset=utf-8", "", 0);
}

/* POST /nodes/ID/update?version=V: the node's spec (labels, role, availability). */
static void
sw_node_update(struct conn *cn, int i, const char *q, const char *body)
{
	char ver[32];
	cJSON *spec = cJSON_Parse(body);

	if (!query_get(q, "version", ver, sizeof(ver)) ||
	    strtoull(ver, NULL, 10) != sw_nodes[i].version) {
		cJSON_Delete(spec);
		reply_err(cn, 500, "rpc error: code = Unknown desc = update out of sequence");
		return;
	}
	if (!cJSON_IsObject(spec)) {
		cJSON_Delete(spec);
		reply_err(cn, 400, "invalid JSON");
		return;
	}
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(spec, "Labels"))) {
		cJSON_DeleteItemFromObjectCaseSensitive(spec, "Labels");
		cJSON_AddItemToObject(spec, "Labels", cJSON_CreateObject());
	}
	if (sw_str(spec, "Role")[0] == '\0')
		cJSON_AddStringToObject(spec, "Role", sw_nodes[i].manager ? "manager" : "worker");
	if (sw_str(spec, "Availability")[0] == '\0')
		cJSON_AddStringToObject(spec, "Availability", "active");
	cJSON_Delete(sw_nodes[i].spec);
	sw_nodes[i].spec = spec;
	sw_nodes[i].version = sw_next();
	sw_nodes[i].updated = now_wall();
	sw_event("node", "update", sw_nodes[i].id, sim_nodes[i].name, "");
	/* tasks that may no longer run there move; services that may now run there grow */
	for (int k = 0; k < sw_nsvcs; k++) {
		for (int j = 0; j < sw_ntasks; j++)
			if (sw_tasks[j]->svc == sw_svcs[k] && sw_tasks[j]->running &&
			    sw_tasks[j]->node == i && !sw_eligible(i, sw_svcs[k]->spec))
				sw_task_stop(sw_tasks[j]);
		sw_reconcile(sw_svcs[k]);
	}
	reply(cn, 200, "text/plain; charset=utf-8", "", 0);
}

/* ---------------------------------------------------------------- filters */

/* Whether filter key K of F (absent: any) has a value V matches (PREFIX: V a prefix). */
static int
sw_filter(const cJSON *f, const char *k, const char *v, int prefix)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(f, k), *it;

	if (a == NULL)
		return 1;
	cJSON_ArrayForEach(it, a) {
		const char *s = cJSON_IsString(it) ? it->valuestring : it->string;

		if (s != NULL && (prefix ? s[0] != '\0' && strncmp(v, s, strlen(s)) == 0 :
		    strcmp(v, s) == 0))
			return 1;
	}
	return 0;
}

/* Whether labels L (a cJSON object) satisfy F's "label" filter (k or k=v, all). */
static int
sw_labels_match(const cJSON *f, const cJSON *l)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(f, "label")) {
		const char *s = cJSON_IsString(it) ? it->valuestring : it->string, *eq;
		char k[256];
		const cJSON *have;

		if (s == NULL)
			continue;
		eq = strchr(s, '=');
		snprintf(k, sizeof(k), "%.*s", eq ? (int)(eq - s) : (int)strlen(s), s);
		have = cJSON_GetObjectItemCaseSensitive(l, k);
		if (!cJSON_IsString(have) || (eq != NULL && strcmp(have->valuestring, eq + 1) != 0))
			return 0;
	}
	return 1;
}

/* The filters= of query Q parsed (NULL: none); *BAD set when it is not JSON. */
static cJSON *
sw_filters(const char *q, int *bad)
{
	char *buf = xrealloc(NULL, 65536);
	cJSON *f = NULL;

	*bad = 0;
	if (query_get(q, "filters", buf, 65536) && buf[0]) {
		f = cJSON_Parse(buf);
		*bad = !cJSON_IsObject(f);
	}
	free(buf);
	return f;
}

/* ---------------------------------------------------------------- requests */

/* Swarm requests of node N: 1 when PATH was one (answered), 0 otherwise. */
int
swarm_handle(struct conn *cn, struct node *n, const char *method, char *path, char *q,
    const char *body)
{
	struct sbuf b = { 0 };
	cJSON *f;
	int bad, i, first = 1;

	if (strcmp(path, "/swarm") != 0 && strcmp(path, "/nodes") != 0 &&
	    strcmp(path, "/services") != 0 && strcmp(path, "/tasks") != 0 &&
	    strncmp(path, "/nodes/", 7) != 0 && strncmp(path, "/services/", 10) != 0 &&
	    strncmp(path, "/tasks/", 7) != 0)
		return 0;
	if (!sim_swarm) {
		reply_err(cn, 503, "This node is not a swarm manager. Use \"docker swarm init\" or "
		    "\"docker swarm join\" to connect this node to swarm and try again.");
		return 1;
	}
	if (!sw_nodes[n->idx - 1].manager) {
		reply_err(cn, 503, "This node is not a swarm manager. Worker nodes can't be used to "
		    "view or modify cluster state. Please run this command on a manager node or "
		    "promote the current node to a manager.");
		return 1;
	}
	f = sw_filters(q, &bad);
	if (bad) {
		cJSON_Delete(f);
		reply_err(cn, 400, "invalid filter");
		return 1;
	}
	if (strcmp(path, "/swarm") == 0) {
		sb_str(&b, "{");
		sb_cluster(&b);
		sb_str(&b, ",\"JoinTokens\":{\"Worker\":\"SWMTKN-1-simulated-worker\","
		    "\"Manager\":\"SWMTKN-1-simulated-manager\"}}");
		reply_json(cn, 200, &b);
	} else if (strcmp(path, "/nodes") == 0) {
		sb_str(&b, "[");
		for (i = 0; i < sim_n; i++) {
			if (!sw_filter(f, "id", sw_nodes[i].id, 1) ||
			    !sw_filter(f, "name", sim_nodes[i].name, 0) ||
			    !sw_filter(f, "role", sw_nodes[i].manager ? "manager" : "worker", 0) ||
			    !sw_labels_match(f, cJSON_GetObjectItemCaseSensitive(sw_nodes[i].spec,
			    "Labels")))
				continue;
			if (!first)
				sb_str(&b, ",");
			first = 0;
			sb_swnode(&b, i);
		}
		sb_str(&b, "]");
		reply_json(cn, 200, &b);
	} else if (strncmp(path, "/nodes/", 7) == 0) {
		char *id = path + 7, *act = strchr(id, '/');

		if (act != NULL)
			*act++ = '\0';
		url_decode(id);
		i = sw_node_find(id);
		if (i < 0) {
			reply_err(cn, 404, "node %s not found", id);
		} else if (act != NULL && strcmp(act, "update") == 0 && strcmp(method, "POST") == 0) {
			sw_node_update(cn, i, q, body);
		} else if (act == NULL && strcmp(method, "GET") == 0) {
			sb_swnode(&b, i);
			reply_json(cn, 200, &b);
		} else {
			reply_err(cn, 404, "page not found");
		}
	} else if (strcmp(path, "/services") == 0) {
		int status = query_bool(q, "status");

		sb_str(&b, "[");
		for (i = 0; i < sw_nsvcs; i++) {
			const struct sw_svc *s = sw_svcs[i];

			if (!sw_filter(f, "id", s->id, 1) ||
			    !sw_filter(f, "name", sw_str(s->spec, "Name"), 1) ||
			    !sw_labels_match(f, cJSON_GetObjectItemCaseSensitive(s->spec, "Labels")))
				continue;
			if (!first)
				sb_str(&b, ",");
			first = 0;
			sb_svc(&b, s, status);
		}
		sb_str(&b, "]");
		reply_json(cn, 200, &b);
	} else if (strcmp(path, "/services/create") == 0 && strcmp(method, "POST") == 0) {
		sw_create(cn, body);
	} else if (strncmp(path, "/services/", 10) == 0) {
		char *id = path + 10, *act = strchr(id, '/');
		struct sw_svc *s;

		if (act != NULL)
			*act++ = '\0';
		url_decode(id);
		s = sw_svc_find(id);
		if (s == NULL)
			reply_err(cn, 404, "service %s not found", id);
		else if (act == NULL && strcmp(method, "GET") == 0) {
			sb_svc(&b, s, 0);
			reply_json(cn, 200, &b);
		} else if (act == NULL && strcmp(method, "DELETE") == 0)
			sw_remove(cn, s);
		else if (act != NULL && strcmp(act, "update") == 0 && strcmp(method, "POST") == 0)
			sw_update(cn, s, q, body);
		else
			reply_err(cn, 404, "page not found");
	} else if (strcmp(path, "/tasks") == 0) {
		sb_str(&b, "[");
		for (i = 0; i < sw_ntasks; i++) {
			const struct sw_task *t = sw_tasks[i];
			const cJSON *sv = cJSON_GetObjectItemCaseSensitive(f, "service"), *it;
			int ok = sv == NULL;

			cJSON_ArrayForEach(it, sv)
				if (cJSON_IsString(it) && (strcmp(it->valuestring, t->svc->id) == 0 ||
				    strcmp(it->valuestring, sw_str(t->svc->spec, "Name")) == 0))
					ok = 1;
			if (!ok || !sw_filter(f, "id", t->id, 1) ||
			    !sw_filter(f, "node", sw_nodes[t->node].id, 0) ||
			    !sw_filter(f, "desired-state", t->running ? "running" : "shutdown", 0))
				continue;
			if (!first)
				sb_str(&b, ",");
			first = 0;
			sb_task(&b, t);
		}
		sb_str(&b, "]");
		reply_json(cn, 200, &b);
	} else if (strncmp(path, "/tasks/", 7) == 0) {
		char *id = path + 7;

		url_decode(id);
		for (i = 0; i < sw_ntasks; i++)
			if (strcmp(sw_tasks[i]->id, id) == 0)
				break;
		if (i == sw_ntasks) {
			reply_err(cn, 404, "task %s not found", id);
		} else {
			sb_task(&b, sw_tasks[i]);
			reply_json(cn, 200, &b);
		}
	} else {
		reply_err(cn, 404, "page not found");
	}
	cJSON_Delete(f);
	free(b.p);
	return 1;
}
