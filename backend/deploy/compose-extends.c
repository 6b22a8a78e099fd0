/* compose-extends.c: a service's extends: (another service of the same
 * file or of another file) and Compose's merge of the two.
 *
 * The base service is read as any service is (cp_service), in the file
 * that has it, so that its errors and warnings name that file's
 * FILE:LINE:COL; its image may be missing, the extending service giving
 * one.  The two create bodies are then merged as Compose merges the keys
 * plantdeck reads: the extending service's scalars win; environment,
 * labels, healthcheck, sysctls and tmpfs merge key by key; ports, devices,
 * capabilities, dns and extra_hosts are the union; volumes (binds) merge
 * by their target path; ulimits by their name.  A chain of extends is
 * followed to CP_MAX_EXTENDS and a cycle is an error naming it.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/deploy/compose-int.h"

/* The target path of bind B ("SOURCE:TARGET[:MODE]", or "TARGET") into
 * BUF. */
static const char *
cp_bind_target(const char *b, char *buf, size_t len)
{
	const char *c1 = strchr(b, ':'), *t = c1 != NULL ? c1 + 1 : b;
	size_t n = strcspn(t, ":");

	if (n >= len)
		n = len - 1;
	memcpy(buf, t, n);
	buf[n] = '\0';
	return buf;
}

/* The name of "KEY=VALUE" S (up to '=') into BUF. */
static const char *
cp_env_key(const char *s, char *buf, size_t len)
{
	size_t n = strcspn(s, "=");

	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* Merge array OWN into array BASE: an item of OWN replaces the one of BASE
 * with the same KEY (NULL: the same text), else is appended. */
static int
cp_merge_array(cJSON *base, const cJSON *own,
    const char *(*key)(const cJSON *, char *, size_t))
{
	const cJSON *o;

	cJSON_ArrayForEach(o, own) {
		char ko[4096], kb[4096];
		cJSON *b, *copy = cJSON_Duplicate(o, 1);
		int i = 0, at = -1;

		if (copy == NULL)
			return -1;
		cJSON_ArrayForEach(b, base) {
			if (key != NULL ? strcmp(key(o, ko, sizeof(ko)), key(b, kb, sizeof(kb))) == 0 :
			    cJSON_Compare(o, b, 1)) {
				at = i;
				break;
			}
			i++;
		}
		if (at >= 0)
			cJSON_ReplaceItemInArray(base, at, copy);
		else
			cJSON_AddItemToArray(base, copy);
	}
	return 0;
}

/* Keys of array items, in the shape cp_merge_array calls. */
static const char *
cp_key_bind(const cJSON *j, char *buf, size_t len)
{
	return cJSON_IsString(j) ? cp_bind_target(j->valuestring, buf, len) : "";
}

static const char *
cp_key_env(const cJSON *j, char *buf, size_t len)
{
	return cJSON_IsString(j) ? cp_env_key(j->valuestring, buf, len) : "";
}

static const char *
cp_key_name(const cJSON *j, char *buf, size_t len)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, "Name");

	snprintf(buf, len, "%s", cJSON_IsString(n) ? n->valuestring : "");
	return buf;
}

/* Merge object OWN into object BASE key by key (OWN's win). */
static int
cp_merge_object(cJSON *base, const cJSON *own)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, own) {
		cJSON *copy = cJSON_Duplicate(o, 1);

		if (copy == NULL)
			return -1;
		if (cJSON_GetObjectItemCaseSensitive(base, o->string) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(base, o->string, copy);
		else
			cJSON_AddItemToObject(base, o->string, copy);
	}
	return 0;
}

/* Merge the fields of object OWN into BASE by Compose's rules (RULES: a
 * field name and how it merges). */
static int
cp_merge_fields(cJSON *base, const cJSON *own)
{
	static const struct { const char *field; int how; } rules[] = {
		{ "Env", 1 }, { "Binds", 2 }, { "Ulimits", 3 },
		{ "CapAdd", 4 }, { "CapDrop", 4 }, { "Dns", 4 }, { "ExtraHosts", 4 },
		{ "Devices", 4 },
		{ "Labels", 5 }, { "ExposedPorts", 5 }, { "Volumes", 5 }, { "Healthcheck", 5 },
		{ "PortBindings", 5 }, { "Tmpfs", 5 }, { "Sysctls", 5 },
		{ "HostConfig", 6 },
	};
	const cJSON *o;

	cJSON_ArrayForEach(o, own) {
		cJSON *b = cJSON_GetObjectItemCaseSensitive(base, o->string), *copy;
		int how = 0, rc = 0;

		for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
			if (strcmp(rules[i].field, o->string) == 0)
				how = rules[i].how;
		}
		if (b != NULL && how != 0 && (cJSON_IsArray(b) || cJSON_IsObject(b))) {
			switch (how) {
			case 1:
				rc = cp_merge_array(b, o, cp_key_env);
				break;
			case 2:
				rc = cp_merge_array(b, o, cp_key_bind);
				break;
			case 3:
				rc = cp_merge_array(b, o, cp_key_name);
				break;
			case 4:
				rc = cp_merge_array(b, o, NULL);
				break;
			case 5:
				rc = cp_merge_object(b, o);
				break;
			default:
				rc = cp_merge_fields(b, o);
				break;
			}
			if (rc != 0)
				return -1;
			continue;
		}
		if ((copy = cJSON_Duplicate(o, 1)) == NULL)
			return -1;
		if (b != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(base, o->string, copy);
		else
			cJSON_AddItemToObject(base, o->string, copy);
	}
	return 0;
}

/* OWN's create body merged into BASE's (BASE is changed); -1 on
 * allocation failure. */
int
cp_merge_create(cJSON *base, const cJSON *own)
{
	return cp_merge_fields(base, own);
}

/* The node of service NAME in the document of F, or NULL. */
static yaml_node_t *
cp_find_service(struct cp_file *f, const char *name, yaml_node_t **key)
{
	yaml_node_t *root = yaml_document_get_root_node(&f->y.doc), *services = NULL, *found = NULL;
	yaml_node_pair_t *p;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&f->y.doc, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE && yf_scalar_is(k, "services"))
			services = yaml_document_get_node(&f->y.doc, p->value);
	}
	if (services == NULL || services->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = services->data.mapping.pairs.start; p < services->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&f->y.doc, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE && yf_scalar_is(k, name)) {
			found = yaml_document_get_node(&f->y.doc, p->value);
			*key = k;
		}
	}
	return found;
}

/* extends N of a service: read the service it names into BASE. */
int
cp_extends(struct cp_file *f, yaml_node_t *n, struct compose_service *base)
{
	static const char *const keys[] = { "service", "file" };
	static const struct cp_schema schema = { keys, 2, NULL, 1 };
	yaml_node_t *vals[2] = { NULL, NULL }, *keyn[2], *sn = n, *bk = NULL, *bv;
	struct cp_file bf, *from = f;
	char *name = NULL, *path = NULL, *buf = NULL;
	struct yf_q q;
	size_t len = 0;
	int rc = -1, quiet = f->quiet;

	if (f->depth >= CP_MAX_EXTENDS)
		return yf_error(&f->y, &n->start_mark, "'extends': a chain longer than %d "
		    "services, or a cycle", CP_MAX_EXTENDS);
	if (n->type == YAML_MAPPING_NODE) {
		if (cp_mapping(f, n, "'extends'", &schema, vals, keyn) != 0)
			return -1;
		if (vals[0] == NULL)
			return yf_error(&f->y, &n->start_mark, "'extends': no 'service'");
		sn = vals[0];
	}
	if ((name = cp_str(f, sn, "'service'", 0)) == NULL)
		return -1;
	yf_quotes(&q, name, YF_QUOTE);
	memset(&bf, 0, sizeof(bf));
	if (vals[1] != NULL) {
		/* Another file: read as the stack file is, its errors its own. */
		path = yf_path(&f->y, &vals[1]->start_mark, f->reldir,
		    cp_str(f, vals[1], "'file'", 0));
		if (path == NULL)
			goto out;
		if ((buf = yf_read_file(path, CP_MAX_FILE, &len)) == NULL) {
			yf_error(&f->y, &vals[1]->start_mark, "'extends': cannot open '%s': %s",
			    path, errno == EFBIG ? "too large" : strerror(errno));
			goto out;
		}
		bf.y.path = path;
		bf.y.err = f->y.err;
		bf.y.errlen = f->y.errlen;
		bf.reldir = yf_dirname(path);
		bf.dir = bf.reldir != NULL ? realpath(bf.reldir, NULL) : NULL;
		if (bf.reldir == NULL || bf.dir == NULL) {
			yf_error(&f->y, &vals[1]->start_mark, "'extends': cannot open '%s': %s",
			    path, strerror(errno ? errno : ENOMEM));
			goto out;
		}
		bf.dotenv = f->dotenv;		/* the project's variables */
		bf.set = f->set;
		bf.nset = f->nset;
		bf.stack = f->stack;
		bf.images = f->images;
		bf.profiles = f->profiles;
		bf.nprofiles = f->nprofiles;
		if (memchr(buf, '\0', len) != NULL) {
			yf_error(&f->y, &vals[1]->start_mark, "'extends': '%s' is not a text file",
			    path);
			goto out;
		}
		if (yf_load(&bf.y, buf, len) != 0)
			goto out;
		from = &bf;
	}
	bv = cp_find_service(from, name, &bk);
	if (bv == NULL) {
		yf_error(&f->y, &sn->start_mark, "'extends': no service '%s' in %s", q.s,
		    from->y.path);
		goto out;
	}
	/* A base in this file tells its warnings when it is read itself. */
	from->depth = f->depth + 1;
	from->partial++;
	if (from == f)
		f->quiet = 1;
	rc = cp_service(from, bk, bv, base) < 0 ? -1 : 0;
	from->partial--;
	if (from == f) {
		f->depth--;
		f->quiet = quiet;
	}
out:
	if (bf.y.path != NULL)
		yf_close(&bf.y);
	free(bf.dir);
	free(bf.reldir);
	free(buf);
	free(path);
	free(name);
	return rc;
}
