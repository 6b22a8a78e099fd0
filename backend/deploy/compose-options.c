/* compose-options.c: the container options of a service that are one
 * HostConfig field each: tmpfs, ulimits, sysctls, extra_hosts, dns and
 * logging (cp_service in compose-service.c calls these and puts what they
 * give in the create body).
 *
 * Each reads its key's short and long forms as the Compose Specification
 * writes them and gives the Engine API's shape: Tmpfs {PATH: OPTIONS},
 * Ulimits [{Name, Soft, Hard}], Sysctls {KEY: VALUE}, ExtraHosts
 * ["HOST:IP"], Dns ["IP"], LogConfig {Type, Config}.  Errors name the key
 * at the value's FILE:LINE:COL, as the rest of the stack format does.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose-int.h"

/* One tmpfs entry S ("PATH[:OPTIONS]") at N into object TMPFS. */
static int
cp_tmpfs_one(struct cp_file *f, yaml_node_t *n, const char *s, cJSON *tmpfs)
{
	const char *colon = strchr(s, ':');
	char path[4096];
	size_t len = colon != NULL ? (size_t)(colon - s) : strlen(s);
	struct yf_q q;

	if (len == 0 || len >= sizeof(path) || s[0] != '/')
		return yf_error(&f->y, &n->start_mark, "'tmpfs': bad entry '%s' (use an "
		    "absolute PATH[:OPTIONS], such as /run:size=64m)",
		    yf_quotes(&q, s, YF_QUOTE));
	memcpy(path, s, len);
	path[len] = '\0';
	cJSON_DeleteItemFromObjectCaseSensitive(tmpfs, path);
	if (cJSON_AddStringToObject(tmpfs, path, colon != NULL ? colon + 1 : "") == NULL)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	return 0;
}

/* tmpfs N (a path or a list of them) into object TMPFS. */
int
cp_tmpfs(struct cp_file *f, yaml_node_t *n, cJSON *tmpfs)
{
	size_t count = 1;

	if (n->type == YAML_SEQUENCE_NODE && cp_list(f, n, "'tmpfs'", &count) != 0)
		return -1;
	if (n->type != YAML_SEQUENCE_NODE && n->type != YAML_SCALAR_NODE)
		return yf_error(&f->y, &n->start_mark, "expected a list or a string for 'tmpfs'");
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = n->type == YAML_SEQUENCE_NODE ? cp_item(f, n, i) : n;
		char *s = cp_str(f, item, "'tmpfs'", 0);
		int rc;

		if (s == NULL)
			return -1;
		rc = cp_tmpfs_one(f, item, s, tmpfs);
		free(s);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* A tmpfs mount at TARGET of SIZE bytes (0: no size) into object TMPFS. */
int
cp_tmpfs_add(struct cp_file *f, yaml_node_t *n, const char *target, int64_t size, cJSON *tmpfs)
{
	char opts[32] = "";

	if (size > 0)
		snprintf(opts, sizeof(opts), "size=%lld", (long long)size);
	cJSON_DeleteItemFromObjectCaseSensitive(tmpfs, target);
	if (cJSON_AddStringToObject(tmpfs, target, opts) == NULL)
		return yf_error(&f->y, &n->start_mark, "out of memory");
	return 0;
}

/* ulimits N (NAME: LIMIT or NAME: {soft, hard}) as an Ulimits array. */
int
cp_ulimits(struct cp_file *f, yaml_node_t *n, cJSON **out)
{
	static const char *const keys[] = { "soft", "hard" };
	static const struct cp_schema schema = { keys, 2, NULL, 1 };
	struct cp_pair *pairs;
	size_t np;
	cJSON *arr;

	*out = NULL;
	if (n->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &n->start_mark, "expected a mapping for 'ulimits'");
	if (cp_pairs(f, n, &pairs, &np) != 0)
		return -1;
	if ((arr = cJSON_CreateArray()) == NULL)
		goto oom;
	for (size_t i = 0; i < np; i++) {
		yaml_node_t *k = pairs[i].k, *v = pairs[i].v, *vals[2], *keyn[2];
		long long soft, hard;
		char name[64];
		cJSON *u;

		if (k->data.scalar.length == 0 || k->data.scalar.length >= sizeof(name)) {
			yf_error(&f->y, &k->start_mark, "'ulimits': bad name");
			goto fail;
		}
		memcpy(name, yf_scalar(k), k->data.scalar.length);
		name[k->data.scalar.length] = '\0';
		if (v->type == YAML_MAPPING_NODE) {
			if (cp_mapping(f, v, "'ulimits'", &schema, vals, keyn) != 0)
				goto fail;
			if (vals[0] == NULL || vals[1] == NULL) {
				yf_error(&f->y, &v->start_mark, "'ulimits': '%s' needs 'soft' and "
				    "'hard'", name);
				goto fail;
			}
			if (cp_int(f, vals[0], "'soft'", -1, CP_MAX_INT, &soft) != 0 ||
			    cp_int(f, vals[1], "'hard'", -1, CP_MAX_INT, &hard) != 0)
				goto fail;
		} else {
			if (cp_int(f, v, "'ulimits'", -1, CP_MAX_INT, &soft) != 0)
				goto fail;
			hard = soft;
		}
		if ((u = cJSON_CreateObject()) == NULL)
			goto oom;
		cJSON_AddItemToArray(arr, u);
		if (cJSON_AddStringToObject(u, "Name", name) == NULL ||
		    cJSON_AddNumberToObject(u, "Soft", (double)soft) == NULL ||
		    cJSON_AddNumberToObject(u, "Hard", (double)hard) == NULL)
			goto oom;
	}
	free(pairs);
	*out = arr;
	return 0;
oom:
	yf_error(&f->y, &n->start_mark, "out of memory");
fail:
	cJSON_Delete(arr);
	free(pairs);
	return -1;
}

/* sysctls N (a mapping or a list of KEY=VALUE) as a Sysctls object. */
int
cp_sysctls(struct cp_file *f, yaml_node_t *n, cJSON **out)
{
	struct cp_vars vars = { 0 };

	*out = NULL;
	if (cp_kv(f, n, "'sysctls'", 0, &vars) != 0) {
		cp_vars_clear(&vars);
		return -1;
	}
	*out = cp_vars_json(&vars, 0);
	cp_vars_clear(&vars);
	return *out == NULL ? yf_error(&f->y, &n->start_mark, "out of memory") : 0;
}

/* Whether S is an IPv4 or IPv6 address. */
static int
cp_is_ip(const char *s)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1;
}

/* extra_hosts N (HOST:IP or HOST=IP items, or a mapping HOST: IP) as an
 * ExtraHosts array of "HOST:IP". */
int
cp_extra_hosts(struct cp_file *f, yaml_node_t *n, cJSON **out)
{
	struct cp_vars vars = { 0 };
	struct yf_q q;
	size_t count;
	cJSON *arr;

	*out = NULL;
	if (n->type == YAML_MAPPING_NODE) {
		if (cp_kv(f, n, "'extra_hosts'", 0, &vars) != 0)
			goto fail;
	} else {
		if (cp_list(f, n, "'extra_hosts'", &count) != 0)
			return -1;
		for (size_t i = 0; i < count; i++) {
			yaml_node_t *item = cp_item(f, n, i);
			char *s = cp_str(f, item, "'extra_hosts'", 0), *sep;
			struct cp_var *nv;

			if (s == NULL)
				goto fail;
			sep = strpbrk(s, "=:");
			if (sep == NULL || sep == s) {
				yf_error(&f->y, &item->start_mark, "'extra_hosts': bad entry '%s' "
				    "(use HOST:IP or HOST=IP)", yf_quotes(&q, s, YF_QUOTE));
				free(s);
				goto fail;
			}
			*sep = '\0';
			nv = realloc(vars.v, (vars.n + 1) * sizeof(*nv));
			if (nv == NULL) {
				free(s);
				goto oom;
			}
			vars.v = nv;
			vars.v[vars.n].key = s;
			if ((vars.v[vars.n].value = strdup(sep + 1)) == NULL) {
				free(s);
				goto oom;
			}
			vars.n++;
		}
	}
	if ((arr = cJSON_CreateArray()) == NULL)
		goto oom;
	for (size_t i = 0; i < vars.n; i++) {
		const char *ip = vars.v[i].value != NULL ? vars.v[i].value : "";
		char entry[512];

		/* An IPv6 address may be written in brackets. */
		if (ip[0] == '[' && ip[strlen(ip) - 1] == ']') {
			memmove(vars.v[i].value, ip + 1, strlen(ip) - 2);
			vars.v[i].value[strlen(ip) - 2] = '\0';
		}
		if (!cp_is_ip(ip)) {
			cJSON_Delete(arr);
			yf_error(&f->y, &n->start_mark, "'extra_hosts': '%s' is not an IP address",
			    yf_quotes(&q, ip, YF_QUOTE));
			goto fail;
		}
		if ((size_t)snprintf(entry, sizeof(entry), "%s:%s", vars.v[i].key, ip) >=
		    sizeof(entry) || cp_add_string(arr, entry) != 0) {
			cJSON_Delete(arr);
			goto oom;
		}
	}
	cp_vars_clear(&vars);
	*out = arr;
	return 0;
oom:
	yf_error(&f->y, &n->start_mark, "out of memory");
fail:
	cp_vars_clear(&vars);
	return -1;
}

/* dns N (an address or a list of them) as a Dns array. */
int
cp_dns(struct cp_file *f, yaml_node_t *n, cJSON **out)
{
	const cJSON *item;
	struct yf_q q;

	*out = NULL;
	if (n->type == YAML_SCALAR_NODE) {
		char *s = cp_str(f, n, "'dns'", 0);

		if (s == NULL)
			return -1;
		if ((*out = cJSON_CreateArray()) == NULL || cp_add_string(*out, s) != 0) {
			free(s);
			return yf_error(&f->y, &n->start_mark, "out of memory");
		}
		free(s);
	} else if (cp_string_list(f, n, "'dns'", 0, out) != 0)
		return -1;
	cJSON_ArrayForEach(item, *out) {
		if (!cp_is_ip(item->valuestring)) {
			yf_error(&f->y, &n->start_mark, "'dns': '%s' is not an IP address",
			    yf_quotes(&q, item->valuestring, YF_QUOTE));
			cJSON_Delete(*out);
			*out = NULL;
			return -1;
		}
	}
	return 0;
}

/* logging N ({driver, options}) as a LogConfig object. */
int
cp_logging(struct cp_file *f, yaml_node_t *n, cJSON **out)
{
	static const char *const keys[] = { "driver", "options" };
	static const struct cp_schema schema = { keys, 2, NULL, 1 };
	yaml_node_t *vals[2], *keyn[2];
	struct cp_vars opts = { 0 };
	cJSON *lc, *cfg;
	char *driver = NULL;

	*out = NULL;
	if (cp_mapping(f, n, "'logging'", &schema, vals, keyn) != 0)
		return -1;
	if (vals[0] != NULL && (driver = cp_str(f, vals[0], "'driver'", 0)) == NULL)
		return -1;
	if (vals[1] != NULL && cp_kv(f, vals[1], "'options'", 0, &opts) != 0) {
		free(driver);
		cp_vars_clear(&opts);
		return -1;
	}
	lc = cJSON_CreateObject();
	cfg = cp_vars_json(&opts, 0);
	cp_vars_clear(&opts);
	if (lc == NULL || cfg == NULL ||
	    cJSON_AddStringToObject(lc, "Type", driver != NULL ? driver : "") == NULL) {
		cJSON_Delete(lc);
		cJSON_Delete(cfg);
		free(driver);
		return yf_error(&f->y, &n->start_mark, "out of memory");
	}
	cJSON_AddItemToObject(lc, "Config", cfg);
	free(driver);
	*out = lc;
	return 0;
}
