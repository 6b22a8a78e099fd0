/* compose-net.c: a stack's networks and its start order.
 *
 * Under target engines a stack has networks as docker compose gives a
 * project: STACK_default, which every service without networks: or
 * network_mode: joins, and the ones of the top-level networks: key (driver,
 * driver_opts, internal, attachable, ipam, labels; external: and name:).
 * Each becomes the body of an Engine API POST /networks/create, labelled as
 * Compose labels it (com.docker.compose.project/network) and with
 * io.plantdeck.stack, kept in stack->networks (an array of {"key", "name",
 * "external", "create"}) and in the canonical text.  A service's networks:
 * become its endpoints (service->endpoints: {NETWORK: EndpointSettings},
 * the service's name and aliases as DNS aliases), kept apart from its
 * create body: the rollout creates the container on the first one and
 * connects the others before it starts it.  network_mode (host, none,
 * bridge, container:ID, service:NAME) is the body's HostConfig.NetworkMode;
 * the rollout turns service:NAME into container:ID on each node.
 *
 * depends_on (a list of names, or a mapping with condition, restart and
 * required) becomes stack->services[i].depends_on; a service with
 * network_mode service:NAME depends on NAME being started.  Once every
 * service is read, cp_net_check() checks that the services named exist and
 * that the graph has no cycle (an error at the FILE:LINE:COL of the entry
 * that closes it); compose_start_order() gives the order the rollout
 * starts a node's services in, and stops them in reverse.
 *
 * Under target swarm the networks are those docker stack deploy gives a
 * stack: overlay (unless the file names a driver), scope swarm, labelled
 * com.docker.stack.namespace and io.plantdeck.stack; rollout-swarm-net.c
 * makes them through the managers and turns each service's endpoints into
 * its TaskTemplate.Networks.  network_mode: host is the node's host network
 * as a service network (what a stack file's external network named host
 * gives); any other network_mode is an error; depends_on is a warning, as
 * docker stack deploy ignores it too; ipv4_address is a warning (Swarm
 * gives task addresses itself). */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose.h"
#include "backend/deploy/compose-int.h"

#define CN_LABEL_STACK "io.plantdeck.stack"
#define CN_LABEL_NAMESPACE "com.docker.stack.namespace"	/* docker stack deploy's */
#define CN_MAX_NETWORKS 64

/* A top-level network. */
enum { NET_DRIVER, NET_DRIVER_OPTS, NET_INTERNAL, NET_ATTACHABLE, NET_IPAM, NET_LABELS,
	NET_EXTERNAL, NET_NAME, NET_NKEYS };
static const char *const cn_network_keys[NET_NKEYS] = {
	[NET_DRIVER] = "driver", [NET_DRIVER_OPTS] = "driver_opts",
	[NET_INTERNAL] = "internal", [NET_ATTACHABLE] = "attachable", [NET_IPAM] = "ipam",
	[NET_LABELS] = "labels", [NET_EXTERNAL] = "external", [NET_NAME] = "name",
};
static const char *const cn_network_unsupported[] = { "enable_ipv4", "enable_ipv6", NULL };

enum { IPAM_DRIVER, IPAM_CONFIG, IPAM_OPTIONS, IPAM_NKEYS };
static const char *const cn_ipam_keys[IPAM_NKEYS] = {
	[IPAM_DRIVER] = "driver", [IPAM_CONFIG] = "config", [IPAM_OPTIONS] = "options",
};

enum { POOL_SUBNET, POOL_GATEWAY, POOL_IP_RANGE, POOL_NKEYS };
static const char *const cn_pool_keys[POOL_NKEYS] = {
	[POOL_SUBNET] = "subnet", [POOL_GATEWAY] = "gateway", [POOL_IP_RANGE] = "ip_range",
};
static const char *const cn_pool_unsupported[] = { "aux_addresses", NULL };

/* A service's entry under networks:. */
enum { SN_ALIASES, SN_IPV4, SN_NKEYS };
static const char *const cn_svcnet_keys[SN_NKEYS] = {
	[SN_ALIASES] = "aliases", [SN_IPV4] = "ipv4_address",
};
static const char *const cn_svcnet_unsupported[] = {
	"ipv6_address", "link_local_ips", "mac_address", "driver_opts", "priority",
	"gw_priority", "interface_name", NULL,
};

/* A depends_on entry in its long form. */
enum { DEP_CONDITION, DEP_RESTART, DEP_REQUIRED, DEPN_NKEYS };
static const char *const cn_dep_keys[DEPN_NKEYS] = {
	[DEP_CONDITION] = "condition", [DEP_RESTART] = "restart", [DEP_REQUIRED] = "required",
};

static const char *const cn_conditions[] = {
	[COMPOSE_DEP_STARTED] = "service_started",
	[COMPOSE_DEP_HEALTHY] = "service_healthy",
	[COMPOSE_DEP_COMPLETED] = "service_completed_successfully",
};
const struct cp_names cp_conditions = { cn_conditions, 3 };

/* ---------------------------------------------------------------- helpers */

/* Whether S is a good network name for the engine. */
static int
cn_valid_net_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 2 * CP_MAX_NAME + 1 || !yf_isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (!yf_isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	}
	return 1;
}

/* Whether S is an address (CIDR: with a /prefix) of either family. */
static int
cn_valid_addr(const char *s, int cidr)
{
	char host[64];
	unsigned char buf[16];
	const char *slash = strchr(s, '/');
	size_t hl = slash != NULL ? (size_t)(slash - s) : strlen(s);
	long long bits;
	int v6;

	if ((slash != NULL) != (cidr != 0) || hl == 0 || hl >= sizeof(host))
		return 0;
	memcpy(host, s, hl);
	host[hl] = '\0';
	v6 = strchr(host, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, buf) != 1)
		return 0;
	if (slash == NULL)
		return 1;
	return cp_parse_int(slash + 1, 0, v6 ? 128 : 32, &bits) == 0;
}

/* The stack network with KEY, or NULL. */
static cJSON *
cn_find(const struct compose_stack *s, const char *key)
{
	cJSON *n;

	cJSON_ArrayForEach(n, s->networks) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(n, "key");

		if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
			return n;
	}
	return NULL;
}

/* A new network entry KEY with NAME (external or to create) in the stack,
 * or NULL on allocation failure. */
static cJSON *
cn_add(struct compose_stack *s, const char *key, const char *name, int external)
{
	cJSON *o;

	if (s->networks == NULL && (s->networks = cJSON_CreateArray()) == NULL)
		return NULL;
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddItemToArray(s->networks, o);
	if (cJSON_AddStringToObject(o, "key", key) == NULL ||
	    cJSON_AddStringToObject(o, "name", name) == NULL ||
	    cJSON_AddBoolToObject(o, "external", external) == NULL)
		return NULL;
	return o;
}

/* The create body of network NAME (key KEY) of the stack with the labels
 * Compose gives (under target swarm: docker stack deploy's, and the swarm
 * scope), plus LABELS (taken). */
static cJSON *
cn_body(const struct compose_stack *s, const char *key, const char *name, cJSON *labels)
{
	int swarm = s->target == COMPOSE_TARGET_SWARM;
	cJSON *b = cJSON_CreateObject();

	if (b == NULL || cJSON_AddStringToObject(b, "Name", name) == NULL ||
	    cJSON_AddBoolToObject(b, "CheckDuplicate", 1) == NULL ||
	    cJSON_AddStringToObject(b, "Driver", swarm ? "overlay" : "bridge") == NULL ||
	    (swarm && cJSON_AddStringToObject(b, "Scope", "swarm") == NULL)) {
		cJSON_Delete(b);
		cJSON_Delete(labels);
		return NULL;
	}
	if (labels == NULL && (labels = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(b);
		return NULL;
	}
	cJSON_AddItemToObject(b, "Labels", labels);
	cJSON_DeleteItemFromObjectCaseSensitive(labels, "com.docker.compose.project");
	cJSON_DeleteItemFromObjectCaseSensitive(labels, "com.docker.compose.network");
	cJSON_DeleteItemFromObjectCaseSensitive(labels, CN_LABEL_STACK);
	cJSON_DeleteItemFromObjectCaseSensitive(labels, CN_LABEL_NAMESPACE);
	if (swarm) {
		if (cJSON_AddStringToObject(labels, CN_LABEL_NAMESPACE, s->name) == NULL ||
		    cJSON_AddStringToObject(labels, CN_LABEL_STACK, s->name) == NULL) {
			cJSON_Delete(b);
			return NULL;
		}
		return b;
	}
	if (cJSON_AddStringToObject(labels, "com.docker.compose.project", s->name) == NULL ||
	    cJSON_AddStringToObject(labels, "com.docker.compose.network", key) == NULL ||
	    cJSON_AddStringToObject(labels, CN_LABEL_STACK, s->name) == NULL) {
		cJSON_Delete(b);
		return NULL;
	}
	return b;
}

/* ---------------------------------------------------------------- top level */

/* ipam: N into BODY's IPAM. */
static int
cn_ipam(struct cp_file *f, yaml_node_t *n, cJSON *body)
{
	static const struct cp_schema schema = { cn_ipam_keys, IPAM_NKEYS, NULL, 1 };
	static const struct cp_schema pool = { cn_pool_keys, POOL_NKEYS, cn_pool_unsupported, 1 };
	yaml_node_t *vals[IPAM_NKEYS], *keyn[IPAM_NKEYS];
	cJSON *ipam, *cfg;
	size_t count;

	if (cp_mapping(f, n, "'ipam'", &schema, vals, keyn) != 0)
		return -1;
	cJSON_DeleteItemFromObjectCaseSensitive(body, "IPAM");
	if ((ipam = cJSON_AddObjectToObject(body, "IPAM")) == NULL)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	if (vals[IPAM_DRIVER] != NULL) {
		char *d = cp_str(f, vals[IPAM_DRIVER], "'ipam.driver'", 0);

		if (d == NULL)
			return -1;
		if (cJSON_AddStringToObject(ipam, "Driver", d) == NULL) {
			free(d);
			return yf_error(&f->y, &n->start_mark, "out of memory");
		}
		free(d);
	} else if (cJSON_AddStringToObject(ipam, "Driver", "default") == NULL)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	if ((cfg = cJSON_AddArrayToObject(ipam, "Config")) == NULL)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	if (vals[IPAM_CONFIG] != NULL) {
		if (cp_list(f, vals[IPAM_CONFIG], "'ipam.config'", &count) != 0)
			return -1;
		for (size_t i = 0; i < count; i++) {
			static const char *const jkeys[POOL_NKEYS] = { "Subnet", "Gateway",
			    "IPRange" };
			yaml_node_t *item = cp_item(f, vals[IPAM_CONFIG], i), *pv[POOL_NKEYS];
			yaml_node_t *pk[POOL_NKEYS];
			cJSON *o;

			if (cp_mapping(f, item, "an 'ipam.config' entry", &pool, pv, pk) != 0)
				return -1;
			if ((o = cJSON_CreateObject()) == NULL)
				return yf_error(&f->y, &item->start_mark, "out of memory");
			cJSON_AddItemToArray(cfg, o);
			for (int k = 0; k < POOL_NKEYS; k++) {
				struct yf_q q;
				char *s;

				if (pv[k] == NULL)
					continue;
				if ((s = cp_str(f, pv[k], cn_pool_keys[k], 0)) == NULL)
					return -1;
				if (!cn_valid_addr(s, k != POOL_GATEWAY)) {
					yf_error(&f->y, &pv[k]->start_mark, "'%s': bad %s '%s'",
					    cn_pool_keys[k], k != POOL_GATEWAY ?
					    "subnet (use ADDRESS/BITS)" : "address",
					    yf_quotes(&q, s, YF_QUOTE));
					free(s);
					return -1;
				}
				if (cJSON_AddStringToObject(o, jkeys[k], s) == NULL) {
					free(s);
					return yf_error(&f->y, &item->start_mark, "out of memory");
				}
				free(s);
			}
		}
	}
	if (vals[IPAM_OPTIONS] != NULL) {
		struct cp_vars opts = { 0 };
		cJSON *o;

		if (cp_kv(f, vals[IPAM_OPTIONS], "'ipam.options'", 0, &opts) != 0)
			return -1;
		o = cp_vars_json(&opts, 0);
		cp_vars_clear(&opts);
		if (o == NULL)
			return yf_error(&f->y, &n->start_mark, "out of memory");
		cJSON_AddItemToObject(ipam, "Options", o);
	}
	return 0;
}

/* Network KEY (node K) with settings V (NULL: the defaults). */
static int
cn_network(struct cp_file *f, yaml_node_t *k, yaml_node_t *v)
{
	static const struct cp_schema schema = { cn_network_keys, NET_NKEYS,
	    cn_network_unsupported, 1 };
	struct compose_stack *s = f->stack;
	yaml_node_t *vals[NET_NKEYS] = { 0 }, *keyn[NET_NKEYS] = { 0 };
	char key[CP_MAX_NAME + 1], name[2 * CP_MAX_NAME + 2], *given = NULL;
	cJSON *entry, *body, *labels = NULL;
	struct yf_q q;
	int external = 0, b;

	yf_quote(&q, yf_scalar(k), k->data.scalar.length, YF_QUOTE);
	if (!cp_valid_name(yf_scalar(k), k->data.scalar.length))
		return yf_error(&f->y, &k->start_mark, "bad network name '%s': use 1 to %d of "
		    "A-Z a-z 0-9 _ . - starting with a letter or digit", q.s, CP_MAX_NAME);
	memcpy(key, yf_scalar(k), k->data.scalar.length);
	key[k->data.scalar.length] = '\0';
	if (v != NULL && cp_mapping(f, v, "a network", &schema, vals, keyn) != 0)
		return -1;
	if (vals[NET_EXTERNAL] != NULL) {
		if (vals[NET_EXTERNAL]->type == YAML_MAPPING_NODE)
			return yf_error(&f->y, &vals[NET_EXTERNAL]->start_mark, "'external': "
			    "use 'external: true' and 'name:' (external.name is obsolete)");
		if (cp_bool(f, vals[NET_EXTERNAL], "'external'", &external) != 0)
			return -1;
	}
	if (vals[NET_NAME] != NULL) {
		if ((given = cp_str(f, vals[NET_NAME], "'name'", 0)) == NULL)
			return -1;
		if (!cn_valid_net_name(given)) {
			yf_error(&f->y, &vals[NET_NAME]->start_mark, "bad network name '%s'",
			    yf_quotes(&q, given, YF_QUOTE));
			free(given);
			return -1;
		}
		snprintf(name, sizeof(name), "%s", given);
		free(given);
	} else if (external)
		snprintf(name, sizeof(name), "%s", key);
	else
		snprintf(name, sizeof(name), "%s_%s", s->name, key);
	if (external) {
		for (int i = 0; i < NET_NKEYS; i++) {
			if (keyn[i] != NULL && i != NET_EXTERNAL && i != NET_NAME)
				return yf_error(&f->y, &keyn[i]->start_mark, "'%s': an external "
				    "network is not created, so it takes no settings",
				    cn_network_keys[i]);
		}
		return cn_add(s, key, name, 1) != NULL ? 0 :
		    yf_error(&f->y, &k->start_mark, "out of memory");
	}
	if (vals[NET_LABELS] != NULL) {
		struct cp_vars lv = { 0 };

		if (cp_kv(f, vals[NET_LABELS], "'labels'", 0, &lv) != 0)
			return -1;
		labels = cp_vars_json(&lv, 0);
		cp_vars_clear(&lv);
		if (labels == NULL)
			return yf_error(&f->y, &k->start_mark, "out of memory");
	}
	if ((body = cn_body(s, key, name, labels)) == NULL)
		return yf_error(&f->y, &k->start_mark, "out of memory");
	if ((entry = cn_add(s, key, name, 0)) == NULL) {
		cJSON_Delete(body);
		return yf_error(&f->y, &k->start_mark, "out of memory");
	}
	cJSON_AddItemToObject(entry, "create", body);
	if (vals[NET_DRIVER] != NULL) {
		char *d = cp_str(f, vals[NET_DRIVER], "'driver'", 0);

		if (d == NULL)
			return -1;
		cJSON_ReplaceItemInObjectCaseSensitive(body, "Driver", cJSON_CreateString(d));
		free(d);
	}
	if (vals[NET_DRIVER_OPTS] != NULL) {
		struct cp_vars ov = { 0 };
		cJSON *o;

		if (cp_kv(f, vals[NET_DRIVER_OPTS], "'driver_opts'", 0, &ov) != 0)
			return -1;
		o = cp_vars_json(&ov, 0);
		cp_vars_clear(&ov);
		if (o == NULL)
			return yf_error(&f->y, &k->start_mark, "out of memory");
		cJSON_AddItemToObject(body, "Options", o);
	}
	if (vals[NET_INTERNAL] != NULL) {
		if (cp_bool(f, vals[NET_INTERNAL], "'internal'", &b) != 0)
			return -1;
		cJSON_AddBoolToObject(body, "Internal", b);
	}
	if (vals[NET_ATTACHABLE] != NULL) {
		if (cp_bool(f, vals[NET_ATTACHABLE], "'attachable'", &b) != 0)
			return -1;
		cJSON_AddBoolToObject(body, "Attachable", b);
	}
	if (vals[NET_IPAM] != NULL && cn_ipam(f, vals[NET_IPAM], body) != 0)
		return -1;
	return 0;
}

/* Top-level networks: N. */
int
cp_networks_top(struct cp_file *f, yaml_node_t *n)
{
	struct cp_pair *pairs;
	size_t np;
	int rc = -1;

	if (n->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &n->start_mark, "expected a mapping for 'networks'");
	if (cp_pairs(f, n, &pairs, &np) != 0)
		return -1;
	if (np > CN_MAX_NETWORKS) {
		yf_error(&f->y, &n->start_mark, "too many networks (at most %d)", CN_MAX_NETWORKS);
		goto out;
	}
	for (size_t i = 0; i < np; i++) {
		if (pairs[i].k->data.scalar.length >= 2 && yf_scalar(pairs[i].k)[0] == 'x' &&
		    yf_scalar(pairs[i].k)[1] == '-')
			continue;
		if (cn_network(f, pairs[i].k, yf_null(pairs[i].v) ? NULL : pairs[i].v) != 0)
			goto out;
	}
	rc = 0;
out:
	free(pairs);
	return rc;
}

/* ---------------------------------------------------------------- services */

/* The stack network KEY that service networks: names (at node N); the
 * default one is made on first use. */
static cJSON *
cn_use(struct cp_file *f, yaml_node_t *n, const char *key)
{
	struct compose_stack *s = f->stack;
	cJSON *e = cn_find(s, key), *body;
	char name[2 * CP_MAX_NAME + 2];
	struct yf_q q;

	if (e != NULL)
		return e;
	if (strcmp(key, "default") != 0) {
		yf_error(&f->y, &n->start_mark, "network '%s' is not defined under the top-level "
		    "'networks'", yf_quotes(&q, key, YF_QUOTE));
		return NULL;
	}
	snprintf(name, sizeof(name), "%s_default", s->name);
	if ((body = cn_body(s, key, name, NULL)) == NULL || (e = cn_add(s, key, name, 0)) == NULL) {
		cJSON_Delete(body);
		yf_error(&f->y, &n->start_mark, "out of memory");
		return NULL;
	}
	cJSON_AddItemToObject(e, "create", body);
	return e;
}

/* Endpoint of service SVC on stack network KEY (node N) with its options
 * V (NULL: none) into ENDPOINTS. */
static int
cn_endpoint(struct cp_file *f, const struct compose_service *svc, yaml_node_t *n,
    const char *key, yaml_node_t *v, cJSON *endpoints)
{
	static const struct cp_schema schema = { cn_svcnet_keys, SN_NKEYS,
	    cn_svcnet_unsupported, 1 };
	yaml_node_t *vals[SN_NKEYS] = { 0 }, *keyn[SN_NKEYS] = { 0 };
	const cJSON *net = cn_use(f, n, key), *name;
	cJSON *ep, *aliases;
	struct yf_q q;

	if (net == NULL)
		return -1;
	name = cJSON_GetObjectItemCaseSensitive(net, "name");
	if (cJSON_GetObjectItemCaseSensitive(endpoints, name->valuestring) != NULL)
		return yf_error(&f->y, &n->start_mark, "network '%s' is named twice",
		    yf_quotes(&q, key, YF_QUOTE));
	if (v != NULL && cp_mapping(f, v, "a service's network", &schema, vals, keyn) != 0)
		return -1;
	if ((ep = cJSON_CreateObject()) == NULL)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	cJSON_AddItemToObject(endpoints, name->valuestring, ep);
	if ((aliases = cJSON_AddArrayToObject(ep, "Aliases")) == NULL ||
	    cp_add_string(aliases, svc->name) != 0)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	if (vals[SN_ALIASES] != NULL) {
		cJSON *more, *a;

		if (cp_string_list(f, vals[SN_ALIASES], "'aliases'", 0, &more) != 0)
			return -1;
		cJSON_ArrayForEach(a, more) {
			if (!cn_valid_net_name(a->valuestring)) {
				yf_error(&f->y, &vals[SN_ALIASES]->start_mark, "bad alias '%s'",
				    yf_quotes(&q, a->valuestring, YF_QUOTE));
				cJSON_Delete(more);
				return -1;
			}
			if (cp_add_string(aliases, a->valuestring) != 0) {
				cJSON_Delete(more);
				return yf_error(&f->y, &n->start_mark, "out of memory");
			}
		}
		cJSON_Delete(more);
	}
	if (vals[SN_IPV4] != NULL && f->stack->target == COMPOSE_TARGET_SWARM) {
		if (cp_warn(f, &keyn[SN_IPV4]->start_mark, "unsupported key 'ipv4_address' ignored "
		    "(x-plantdeck target swarm: Swarm gives each task its address, as under "
		    "docker stack deploy)") != 0)
			return -1;
	} else if (vals[SN_IPV4] != NULL) {
		char *ip = cp_str(f, vals[SN_IPV4], "'ipv4_address'", 0);
		cJSON *ipam;

		if (ip == NULL)
			return -1;
		if (!cn_valid_addr(ip, 0) || strchr(ip, ':') != NULL) {
			yf_error(&f->y, &vals[SN_IPV4]->start_mark, "'ipv4_address': bad address "
			    "'%s'", yf_quotes(&q, ip, YF_QUOTE));
			free(ip);
			return -1;
		}
		ipam = cJSON_AddObjectToObject(ep, "IPAMConfig");
		if (ipam == NULL || cJSON_AddStringToObject(ipam, "IPv4Address", ip) == NULL) {
			free(ip);
			return yf_error(&f->y, &n->start_mark, "out of memory");
		}
		free(ip);
	}
	return 0;
}

/* qsort order of two endpoints: by network name. */
static int
cn_endpoint_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

/* Put ENDPOINTS in the order of their networks' names, as docker compose
 * does (without priority): the first is the network the container is
 * created on (HostConfig.NetworkMode), whatever order the file lists. */
static int
cn_sort_endpoints(cJSON *endpoints)
{
	int n = cJSON_GetArraySize(endpoints), i = 0;
	cJSON **v, *e;

	if (n < 2)
		return 0;
	if ((v = calloc((size_t)n, sizeof(*v))) == NULL)
		return -1;
	cJSON_ArrayForEach(e, endpoints)
		v[i++] = e;
	qsort(v, (size_t)n, sizeof(*v), cn_endpoint_cmp);
	for (i = 0; i < n; i++)
		cJSON_DetachItemViaPointer(endpoints, v[i]);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(endpoints, v[i]);
	free(v);
	return 0;
}

/* network_mode MODE_N and networks NETS_N of service SVC into its create
 * body (HostConfig HC). */
static int
cn_service_networks(struct cp_file *f, struct compose_service *svc, yaml_node_t *sk, cJSON *hc,
    yaml_node_t *mode_n, yaml_node_t *nets_n, yaml_node_t *nets_k)
{
	cJSON *endpoints;
	struct yf_q q;

	if (mode_n != NULL) {
		char *m;
		cJSON *item;

		if (nets_k != NULL)
			return yf_error(&f->y, &nets_k->start_mark, "'networks' and 'network_mode' "
			    "cannot both be given");
		if ((m = cp_str(f, mode_n, "'network_mode'", 0)) == NULL)
			return -1;
		if (strncmp(m, "service:", 8) == 0 && !cp_valid_name(m + 8, strlen(m + 8))) {
			yf_error(&f->y, &mode_n->start_mark, "'network_mode': bad service name in "
			    "'%s'", yf_quotes(&q, m, YF_QUOTE));
			free(m);
			return -1;
		}
		if (f->stack->target == COMPOSE_TARGET_SWARM && strcmp(m, "host") != 0) {
			yf_error(&f->y, &mode_n->start_mark, "'network_mode': '%s' has no Swarm "
			    "equivalent (x-plantdeck target swarm): only 'host' (the node's host "
			    "network) has; leave network_mode out for the stack's networks",
			    yf_quotes(&q, m, YF_QUOTE));
			free(m);
			return -1;
		}
		if (strcmp(m, "host") != 0 && strcmp(m, "none") != 0 && strcmp(m, "bridge") != 0 &&
		    strncmp(m, "service:", 8) != 0 &&
		    (strncmp(m, "container:", 10) != 0 || m[10] == '\0')) {
			yf_error(&f->y, &mode_n->start_mark, "'network_mode': '%s' is none of "
			    "host, none, bridge, service:NAME, container:ID",
			    yf_quotes(&q, m, YF_QUOTE));
			free(m);
			return -1;
		}
		item = cJSON_AddStringToObject(hc, "NetworkMode", m);
		free(m);
		return item != NULL ? 0 : yf_error(&f->y, &mode_n->start_mark, "out of memory");
	}
	if ((endpoints = svc->endpoints = cJSON_CreateObject()) == NULL)
		return yf_error(&f->y, &sk->start_mark, "out of memory");
	if (nets_n == NULL)
		return cn_endpoint(f, svc, nets_k != NULL ? nets_k : sk, "default", NULL, endpoints);
	if (nets_n->type == YAML_SEQUENCE_NODE) {
		size_t count;

		if (cp_list(f, nets_n, "'networks'", &count) != 0)
			return -1;
		for (size_t i = 0; i < count; i++) {
			yaml_node_t *item = cp_item(f, nets_n, i);
			char *key = cp_str(f, item, "'networks'", 0);
			int rc;

			if (key == NULL)
				return -1;
			rc = cn_endpoint(f, svc, item, key, NULL, endpoints);
			free(key);
			if (rc != 0)
				return -1;
		}
	} else if (nets_n->type == YAML_MAPPING_NODE) {
		struct cp_pair *pairs;
		size_t np;

		if (cp_pairs(f, nets_n, &pairs, &np) != 0)
			return -1;
		for (size_t i = 0; i < np; i++) {
			char key[CP_MAX_NAME + 1];
			yaml_node_t *k = pairs[i].k;

			if (k->data.scalar.length > CP_MAX_NAME) {
				free(pairs);
				return yf_error(&f->y, &k->start_mark, "network name too long");
			}
			memcpy(key, yf_scalar(k), k->data.scalar.length);
			key[k->data.scalar.length] = '\0';
			if (cn_endpoint(f, svc, k, key, yf_null(pairs[i].v) ? NULL : pairs[i].v,
			    endpoints) != 0) {
				free(pairs);
				return -1;
			}
		}
		free(pairs);
	} else
		return yf_error(&f->y, &nets_n->start_mark, "expected a list or a mapping for "
		    "'networks'");
	if (cJSON_GetArraySize(endpoints) == 0)
		return yf_error(&f->y, &nets_n->start_mark, "'networks' is empty");
	if (cn_sort_endpoints(endpoints) != 0)
		return yf_error(&f->y, &nets_n->start_mark, "out of memory");
	return 0;
}

/* One depends_on entry: service NAME (node K) with its long form V (NULL:
 * the short form) into ARR. */
static int
cn_dep(struct cp_file *f, yaml_node_t *k, yaml_node_t *v, cJSON *arr)
{
	static const struct cp_schema schema = { cn_dep_keys, DEPN_NKEYS, NULL, 1 };
	yaml_node_t *vals[DEPN_NKEYS] = { 0 }, *keyn[DEPN_NKEYS] = { 0 };
	int cond = COMPOSE_DEP_STARTED, restart = 0, required = 1;
	char *name = cp_str(f, k, "'depends_on'", 0);
	struct yf_q q;
	cJSON *o, *e;

	if (name == NULL)
		return -1;
	if (!cp_valid_name(name, strlen(name))) {
		yf_error(&f->y, &k->start_mark, "'depends_on': bad service name '%s'",
		    yf_quotes(&q, name, YF_QUOTE));
		free(name);
		return -1;
	}
	cJSON_ArrayForEach(e, arr) {
		if (strcmp(cJSON_GetObjectItemCaseSensitive(e, "service")->valuestring, name) == 0) {
			yf_error(&f->y, &k->start_mark, "'depends_on': '%s' is named twice",
			    yf_quotes(&q, name, YF_QUOTE));
			free(name);
			return -1;
		}
	}
	if (v != NULL &&
	    (cp_mapping(f, v, "a 'depends_on' entry", &schema, vals, keyn) != 0 ||
	    (vals[DEP_CONDITION] != NULL &&
	    cp_enum(f, vals[DEP_CONDITION], "'condition'", &cp_conditions, &cond) != 0) ||
	    (vals[DEP_RESTART] != NULL && cp_bool(f, vals[DEP_RESTART], "'restart'", &restart) != 0) ||
	    (vals[DEP_REQUIRED] != NULL &&
	    cp_bool(f, vals[DEP_REQUIRED], "'required'", &required) != 0))) {
		free(name);
		return -1;
	}
	o = cJSON_CreateObject();
	if (o == NULL || cJSON_AddStringToObject(o, "service", name) == NULL ||
	    cJSON_AddStringToObject(o, "condition", cp_name(&cp_conditions, cond)) == NULL ||
	    cJSON_AddBoolToObject(o, "restart", restart) == NULL ||
	    cJSON_AddBoolToObject(o, "required", required) == NULL) {
		cJSON_Delete(o);
		free(name);
		return yf_error(&f->y, &k->start_mark, "out of memory");
	}
	free(name);
	cJSON_AddItemToArray(arr, o);
	return 0;
}

/* depends_on N of service SVC. */
static int
cn_depends_on(struct cp_file *f, struct compose_service *svc, yaml_node_t *n)
{
	if ((svc->depends_on = cJSON_CreateArray()) == NULL)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	if (n->type == YAML_SEQUENCE_NODE) {
		size_t count;

		if (cp_list(f, n, "'depends_on'", &count) != 0)
			return -1;
		for (size_t i = 0; i < count; i++) {
			if (cn_dep(f, cp_item(f, n, i), NULL, svc->depends_on) != 0)
				return -1;
		}
		return 0;
	}
	if (n->type == YAML_MAPPING_NODE) {
		struct cp_pair *pairs;
		size_t np;
		int rc = 0;

		if (cp_pairs(f, n, &pairs, &np) != 0)
			return -1;
		for (size_t i = 0; i < np && rc == 0; i++)
			rc = cn_dep(f, pairs[i].k, yf_null(pairs[i].v) ? NULL : pairs[i].v,
			    svc->depends_on);
		free(pairs);
		return rc;
	}
	return yf_error(&f->y, &n->start_mark, "expected a list or a mapping for 'depends_on'");
}

/* networks NETS_N (key NETS_K), network_mode MODE_N and depends_on DEPS_N
 * (key DEPS_K) of service SVC (key SK); HC is its HostConfig. */
int
cp_service_net(struct cp_file *f, struct compose_service *svc, yaml_node_t *sk, cJSON *hc,
    yaml_node_t *nets_n, yaml_node_t *nets_k, yaml_node_t *mode_n, yaml_node_t *deps_n,
    yaml_node_t *deps_k)
{
	if (cn_service_networks(f, svc, sk, hc, mode_n, nets_n, nets_k) != 0)
		return -1;
	if (f->stack->target == COMPOSE_TARGET_SWARM) {
		/* Swarm starts a stack's services in no order, and docker stack
		 * deploy ignores depends_on as well. */
		if (deps_k != NULL && cp_warn(f, &deps_k->start_mark, "unsupported key "
		    "'depends_on' ignored (x-plantdeck target swarm: Swarm starts the services "
		    "in no order; docker stack deploy ignores it too)") != 0)
			return -1;
		return 0;
	}
	if (deps_n != NULL && cn_depends_on(f, svc, deps_n) != 0)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- order */

/* The index of service NAME in S, or S->nservices. */
static size_t
cn_index(const struct compose_stack *s, const char *name)
{
	for (size_t i = 0; i < s->nservices; i++)
		if (strcmp(s->services[i].name, name) == 0)
			return i;
	return s->nservices;
}

/* The service that service I of S must come after, by edge E (0.. its
 * depends_on entries, then its network_mode service:); S->nservices for
 * none (an entry not required whose service is not in S). -1: no edge E. */
static long
cn_edge(const struct compose_stack *s, size_t i, int e, const char **name)
{
	const struct compose_service *svc = &s->services[i];
	int nd = cJSON_GetArraySize(svc->depends_on);
	const cJSON *hc, *mode;

	if (e < nd) {
		const cJSON *d = cJSON_GetArrayItem(svc->depends_on, e);

		*name = cJSON_GetObjectItemCaseSensitive(d, "service")->valuestring;
		return (long)cn_index(s, *name);
	}
	if (e > nd)
		return -1;
	hc = cJSON_GetObjectItemCaseSensitive(svc->create, "HostConfig");
	mode = cJSON_GetObjectItemCaseSensitive(hc, "NetworkMode");
	if (!cJSON_IsString(mode) || strncmp(mode->valuestring, "service:", 8) != 0)
		return -1;
	*name = mode->valuestring + 8;
	return (long)cn_index(s, *name);
}

/* Start order of S into ORDER (S->nservices indexes): a service after the
 * ones it depends on, else in file order.  0, or -1 with ERR naming a
 * service of a cycle (*CYCLE its index) or a missing service. */
static int
cn_order(const struct compose_stack *s, size_t *order, size_t *cycle, unsigned char *stuck,
    char *err, size_t errlen)
{
	unsigned char *done = calloc(s->nservices + 1, 1);
	size_t n = 0;

	if (done == NULL)
		return yf_seterr(err, errlen, "out of memory");
	while (n < s->nservices) {
		size_t pick = s->nservices;

		for (size_t i = 0; i < s->nservices && pick == s->nservices; i++) {
			const char *name;
			int ready = !done[i];
			long j;

			for (int e = 0; ready && (j = cn_edge(s, i, e, &name)) >= 0; e++) {
				if ((size_t)j == s->nservices) {
					const cJSON *d = cJSON_GetArrayItem(s->services[i].depends_on, e);

					if (d == NULL || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d,
					    "required"))) {
						free(done);
						*cycle = i;
						if (d == NULL)
							return yf_seterr(err, errlen, "'network_mode': "
							    "'service:%s' names no service of the stack",
							    name);
						return yf_seterr(err, errlen, "service '%s' depends on "
						    "'%s', which is not a service of the stack",
						    s->services[i].name, name);
					}
					continue;
				}
				if (!done[j])
					ready = 0;
			}
			if (ready)
				pick = i;
		}
		if (pick == s->nservices) {
			/* Everything left waits for something left: name one of a cycle. */
			*cycle = s->nservices;
			for (size_t i = 0; i < s->nservices; i++) {
				if (!done[i] && *cycle == s->nservices)
					*cycle = i;
				if (stuck != NULL)
					stuck[i] = !done[i];
			}
			free(done);
			return yf_seterr(err, errlen, "dependency cycle");
		}
		done[pick] = 1;
		order[n++] = pick;
	}
	free(done);
	return 0;
}

/* The start order of STACK's services. */
int
compose_start_order(const struct compose_stack *stack, size_t *order, char *err, size_t errlen)
{
	size_t at = 0;

	return cn_order(stack, order, &at, NULL, err, errlen);
}

/* "a -> b -> a": a cycle among the STUCK services of S, from service AT,
 * into OUT; *LAST_SVC and *LAST_EDGE get the edge that closes it. */
static void
cn_cycle_text(const struct compose_stack *s, const unsigned char *stuck, size_t at, char *out,
    size_t len, size_t *last_svc, int *last_edge)
{
	size_t path[CP_MAX_SERVICES + 1], np = 0, cur = at, start, o = 0;
	int edges[CP_MAX_SERVICES + 1];

	*last_svc = at;
	*last_edge = 0;
	out[0] = '\0';
	/* Each stuck service waits for another stuck one: walk until one repeats. */
	for (;;) {
		const char *name;
		long j = -1;
		int e, seen = 0;

		for (size_t i = 0; i < np; i++)
			if (path[i] == cur)
				seen = 1;
		if (seen || np >= CP_MAX_SERVICES)
			break;
		path[np] = cur;
		for (e = 0; (j = cn_edge(s, cur, e, &name)) >= 0; e++)
			if ((size_t)j < s->nservices && stuck[j])
				break;
		edges[np++] = e;
		if (j < 0)
			break;
		cur = (size_t)j;
	}
	for (start = 0; start < np && path[start] != cur; start++)
		;
	if (start == np)
		start = 0;
	*last_svc = path[np - 1];
	*last_edge = edges[np - 1];
	for (size_t i = start; i < np && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s -> ", s->services[path[i]].name);
	if (o < len)
		snprintf(out + o, len - o, "%s", s->services[cur].name);
}

/* The position of dependency E of service I (its depends_on node DEPS, or
 * network_mode node MODE). */
static const yaml_mark_t *
cn_edge_mark(struct cp_file *f, yaml_node_t *deps, yaml_node_t *mode, int e)
{
	if (deps != NULL && deps->type == YAML_SEQUENCE_NODE &&
	    e < deps->data.sequence.items.top - deps->data.sequence.items.start)
		return &cp_item(f, deps, (size_t)e)->start_mark;
	if (deps != NULL && deps->type == YAML_MAPPING_NODE &&
	    e < deps->data.mapping.pairs.top - deps->data.mapping.pairs.start) {
		yaml_node_t *k = yf_get(&f->y, deps->data.mapping.pairs.start[e].key);

		if (k != NULL)
			return &k->start_mark;
	}
	if (mode != NULL)
		return &mode->start_mark;
	return deps != NULL ? &deps->start_mark : NULL;
}

/* The depends_on and network_mode nodes of the service mapping V. */
static void
cn_service_nodes(struct cp_file *f, yaml_node_t *v, yaml_node_t **deps, yaml_node_t **mode)
{
	*deps = *mode = NULL;
	if (v == NULL || v->type != YAML_MAPPING_NODE)
		return;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top;
	    p++) {
		yaml_node_t *k = yf_get(&f->y, p->key), *val = yf_get(&f->y, p->value);

		if (k != NULL && yf_scalar_is(k, "depends_on"))
			*deps = val;
		else if (k != NULL && yf_scalar_is(k, "network_mode"))
			*mode = val;
	}
}

/* Whether a service of S joins network NAME. */
static int
cn_used(const struct compose_stack *s, const char *name)
{
	for (size_t i = 0; i < s->nservices; i++)
		if (cJSON_GetObjectItemCaseSensitive(s->services[i].endpoints, name) != NULL)
			return 1;
	return 0;
}

/* Whether a service joins the top-level network N (for cp_drop_unused). */
static int
cn_joined(const struct compose_stack *s, cJSON *n)
{
	return cn_used(s, cJSON_GetObjectItemCaseSensitive(n, "name")->valuestring);
}

/* After every service of SERVICES (the mapping) is read: networks no
 * service joins are dropped (top-level NETS, NULL: none), the services
 * named by depends_on and network_mode exist, and there is no cycle. */
int
cp_net_check(struct cp_file *f, yaml_node_t *services, yaml_node_t *nets)
{
	struct compose_stack *s = f->stack;
	size_t *order, at = 0;
	unsigned char *stuck;
	char msg[512];
	int rc;

	if (s->nservices == 0)
		return 0;
	if (cp_drop_unused(f, &s->networks, nets, "network", cn_joined) != 0)
		return -1;
	if (s->target == COMPOSE_TARGET_SWARM)
		return 0;	/* no depends_on, no network_mode service: */
	order = calloc(s->nservices, sizeof(*order));
	stuck = calloc(s->nservices, 1);
	if (order == NULL || stuck == NULL) {
		free(order);
		free(stuck);
		return yf_error(&f->y, &services->start_mark, "out of memory");
	}
	rc = cn_order(s, order, &at, stuck, msg, sizeof(msg));
	free(order);
	if (rc == 0) {
		free(stuck);
		return 0;
	}
	{
		yaml_node_pair_t *p;
		yaml_node_t *v = NULL, *deps, *mode;
		const yaml_mark_t *mark;
		/* The cycle as fits the message after its prefix. */
		char cyc[sizeof(msg) - sizeof("dependency cycle: ") + 1];
		size_t svc = at;
		int edge = 0;

		if (strcmp(msg, "dependency cycle") == 0) {
			cn_cycle_text(s, stuck, at, cyc, sizeof(cyc), &svc, &edge);
			snprintf(msg, sizeof(msg), "dependency cycle: %s", cyc);
		} else {
			/* The missing one: the first required edge to no service. */
			const char *name;
			long j;

			for (edge = 0; (j = cn_edge(s, at, edge, &name)) >= 0; edge++)
				if ((size_t)j == s->nservices)
					break;
		}
		/* Services are in file order, merges aside: find the mapping by key. */
		for (p = services->data.mapping.pairs.start; p < services->data.mapping.pairs.top;
		    p++) {
			yaml_node_t *k = yf_get(&f->y, p->key);

			if (k != NULL && yf_scalar_is(k, s->services[svc].name)) {
				v = yf_get(&f->y, p->value);
				break;
			}
		}
		cn_service_nodes(f, v, &deps, &mode);
		mark = cn_edge_mark(f, deps, edge < cJSON_GetArraySize(s->services[svc].depends_on) ?
		    NULL : mode, edge);
		if (mark == NULL)
			mark = &services->start_mark;
		free(stuck);
		return yf_error(&f->y, mark, "%s", msg);
	}
}

/* ---------------------------------------------------------------- codec */

/* Whether the networks array A of a canonical text is well formed. */
int
cp_networks_valid(const cJSON *a)
{
	const cJSON *n;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > CN_MAX_NETWORKS)
		return 0;
	cJSON_ArrayForEach(n, a) {
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(n, "key");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(n, "name");
		const cJSON *ext = cJSON_GetObjectItemCaseSensitive(n, "external");
		const cJSON *create = cJSON_GetObjectItemCaseSensitive(n, "create");
		const cJSON *cn;

		if (!cJSON_IsString(key) || !cp_valid_name(key->valuestring,
		    strlen(key->valuestring)) || !cJSON_IsString(name) ||
		    !cn_valid_net_name(name->valuestring) || !cJSON_IsBool(ext))
			return 0;
		if (cJSON_IsTrue(ext))
			continue;
		cn = cJSON_GetObjectItemCaseSensitive(create, "Name");
		if (!cJSON_IsObject(create) || !cJSON_IsString(cn) ||
		    strcmp(cn->valuestring, name->valuestring) != 0)
			return 0;
	}
	return 1;
}

/* Whether the depends_on array A of a canonical text is well formed. */
int
cp_depends_valid(const cJSON *a)
{
	const cJSON *d;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > CP_MAX_SERVICES)
		return 0;
	cJSON_ArrayForEach(d, a) {
		const cJSON *svc = cJSON_GetObjectItemCaseSensitive(d, "service");
		const cJSON *cond = cJSON_GetObjectItemCaseSensitive(d, "condition");

		if (!cJSON_IsString(svc) || !cp_valid_name(svc->valuestring,
		    strlen(svc->valuestring)) || !cJSON_IsString(cond) ||
		    cp_value(&cp_conditions, cond->valuestring) < 0 ||
		    !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(d, "restart")) ||
		    !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(d, "required")))
			return 0;
	}
	return 1;
}

/* Whether the endpoints object O of a canonical text is well formed. */
int
cp_endpoints_valid(const cJSON *o)
{
	const cJSON *ep;

	if (!cJSON_IsObject(o) || cJSON_GetArraySize(o) == 0 ||
	    cJSON_GetArraySize(o) > CN_MAX_NETWORKS)
		return 0;
	cJSON_ArrayForEach(ep, o) {
		if (ep->string == NULL || !cn_valid_net_name(ep->string) || !cJSON_IsObject(ep))
			return 0;
	}
	return 1;
}

/* The condition of depends_on entry D. */
enum compose_dep_condition
compose_dep_condition(const cJSON *d)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(d, "condition");
	int v = cJSON_IsString(c) ? cp_value(&cp_conditions, c->valuestring) : -1;

	return v < 0 ? COMPOSE_DEP_STARTED : (enum compose_dep_condition)v;
}

/* The name of condition C. */
const char *
compose_dep_condition_name(enum compose_dep_condition c)
{
	return cp_name(&cp_conditions, (int)c);
}
