/* inventory.c: the nodes of the plant, from a YAML file, the environment or
 * the user's Docker contexts, and the selectors that pick some of them.
 *
 * A YAML inventory is read whole (at most INV_MAX_FILE bytes) and loaded
 * with libyaml's document API by base/yamlfile.c, which the stack format
 * uses too, then walked against a small schema.  Each
 * mapping is checked against a table of the keys it may hold (inv_top_keys,
 * inv_node_keys, ...): inv_mapping() rejects unknown and repeated keys and
 * hands back the values by table index, so a new key is a new table row and
 * the code that reads its value.  The walk only ever goes as deep as the
 * schema, so aliases (even cyclic ones) are never expanded.  Deep nesting
 * is refused before the loader runs (yf_load); limits on nodes, labels and
 * text bound the rest.
 *
 * Every error is one line.  In a file it is "FILE:LINE:COLUMN: message",
 * 1-based (libyaml's marks are 0-based); elsewhere it is prefixed by what
 * was wrong (DOCKER_HOST, a meta.json path).  yf_error() writes the one,
 * yf_seterr() the other; text quoted in a message may be junk from the
 * file, so yf_quote() escapes and shortens it.
 *
 * The constructors return 0, or -1 with *out NULL; whatever they built on
 * the way is freed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "backend/base/yamlfile.h"
#include "backend/engine/inventory.h"
#include "backend/engine/registry-auth.h"
#include "backend/node/agent-trust.h"

#define INV_MAX_FILE (16 * 1024 * 1024)	/* bytes of YAML */
#define INV_MAX_JSON (1024 * 1024)	/* bytes of one meta.json */
#define INV_MAX_NODES 4096
#define INV_MAX_LABELS 64		/* per node, defaults included */
#define INV_MAX_NAME 63			/* node names and label keys */
#define INV_MAX_TEXT 1024		/* site, label values, endpoints */
#define INV_MAX_PATH 4096		/* TLS file names */
#define INV_MAX_SELECTOR 4096
#define INV_MAX_REGISTRIES 256

#define INV_DEFAULT_HOST "unix:///var/run/docker.sock"
#define INV_PORT_PLAIN 2375
#define INV_PORT_TLS 2376

/* A YAML inventory being read. */
struct inv_file {
	struct yf_file y;	/* the file, its document and where errors go */
	char *dir;		/* absolute directory of the file */
};

/* A tls value: a mapping, or true/false. */
struct inv_tls {
	int set;		/* the key was given */
	int enabled;
	int verify;
	char *ca, *cert, *key;	/* absolute, or NULL */
	yaml_mark_t mark;	/* of the key, for "tls needs tcp" */
	yaml_mark_t verify_mark; /* of verify's value, for "verify: false is refused" */
};

/* What "defaults:" gives every node. */
struct inv_defaults {
	struct inv_tls tls;
	int insecure;		/* insecure: true, for every node */
	struct inv_label *labels;
	size_t nlabels;
};

/* The keys each mapping may hold, by the index its value is returned at. */
enum { TOP_SITE, TOP_DEFAULTS, TOP_NODES, TOP_KIOSK, TOP_HEAL, TOP_REGISTRIES, TOP_AUDIT,
	TOP_ROLES, TOP_FOUR_EYES, TOP_AGENT, TOP_NKEYS };
static const char *const inv_top_keys[TOP_NKEYS] = {
	[TOP_SITE] = "site",
	[TOP_DEFAULTS] = "defaults",
	[TOP_NODES] = "nodes",
	[TOP_KIOSK] = "kiosk",
	[TOP_HEAL] = "heal",
	[TOP_REGISTRIES] = "registries",
	[TOP_AUDIT] = "audit",
	[TOP_ROLES] = "roles",
	[TOP_FOUR_EYES] = "four_eyes",
	[TOP_AGENT] = "agent",
};

enum { AGT_IMAGE, AGT_RECORDS, AGT_ENGINE_SOCKET, AGT_NKEYS };
static const char *const inv_agent_keys[AGT_NKEYS] = {
	[AGT_IMAGE] = "image",
	[AGT_RECORDS] = "records",
	[AGT_ENGINE_SOCKET] = "engine_socket",
};

enum { AUD_REQUIRE, AUD_SIGNER, AUD_PUBLIC_KEY, AUD_CHECKPOINTS, AUD_NKEYS };
static const char *const inv_audit_keys[AUD_NKEYS] = {
	[AUD_REQUIRE] = "require",
	[AUD_SIGNER] = "signer",
	[AUD_PUBLIC_KEY] = "public_key",
	[AUD_CHECKPOINTS] = "checkpoints",
};

enum { REG_CONFIG, REG_HELPER, REG_NKEYS };
static const char *const inv_registry_keys[REG_NKEYS] = {
	[REG_CONFIG] = "config",
	[REG_HELPER] = "helper",
};

/* Keys of a registries entry that would hold a secret: refused with why. */
static const char *const inv_registry_secrets[] = {
	"password", "auth", "identitytoken", "secret", "token", "username",
};

enum { HEAL_AUTO, HEAL_HEADROOM, HEAL_MEMORY_MAX, HEAL_VERIFY, HEAL_CRASH_RESTARTS,
	HEAL_CRASH_WINDOW, HEAL_OOM_WINDOW, HEAL_CLEAR_AFTER, HEAL_NODE_GRACE,
	HEAL_ANOMALY_SEVERITY, HEAL_NKEYS };
static const char *const inv_heal_keys[HEAL_NKEYS] = {
	[HEAL_AUTO] = "auto",
	[HEAL_HEADROOM] = "memory_headroom",
	[HEAL_MEMORY_MAX] = "memory_max",
	[HEAL_VERIFY] = "verify_window",
	[HEAL_CRASH_RESTARTS] = "crash_restarts",
	[HEAL_CRASH_WINDOW] = "crash_window",
	[HEAL_OOM_WINDOW] = "oom_window",
	[HEAL_CLEAR_AFTER] = "clear_after",
	[HEAL_NODE_GRACE] = "node_grace",
	[HEAL_ANOMALY_SEVERITY] = "anomaly_severity",
};

enum { HAUTO_STACK, HAUTO_ACTIONS, HAUTO_NKEYS };
static const char *const inv_heal_auto_keys[HAUTO_NKEYS] = {
	[HAUTO_STACK] = "stack",
	[HAUTO_ACTIONS] = "actions",
};

enum { KIOSK_EXIT_CHORD, KIOSK_NKEYS };
static const char *const inv_kiosk_keys[KIOSK_NKEYS] = {
	[KIOSK_EXIT_CHORD] = "exit_chord",
};

enum { DEF_TLS, DEF_LABELS, DEF_INSECURE, DEF_NKEYS };
static const char *const inv_defaults_keys[DEF_NKEYS] = {
	[DEF_TLS] = "tls",
	[DEF_LABELS] = "labels",
	[DEF_INSECURE] = "insecure",
};

enum { NODE_NAME, NODE_ENDPOINT, NODE_TLS, NODE_LABELS, NODE_SWARM, NODE_INSECURE,
	NODE_NKEYS };
static const char *const inv_node_keys[NODE_NKEYS] = {
	[NODE_NAME] = "name",
	[NODE_ENDPOINT] = "endpoint",
	[NODE_TLS] = "tls",
	[NODE_LABELS] = "labels",
	[NODE_SWARM] = "swarm",
	[NODE_INSECURE] = "insecure",
};

/* Why an unauthenticated transport is refused. */
#define INV_WHY_PLAIN "is refused: anyone on the network who reaches the engine is root on it"
#define INV_WHY_NOVERIFY "is refused: any server, a man in the middle too, would be believed"
/* What lets the environment and Docker contexts use one anyway. */
#define INV_INSECURE_ENV "PLANTDECK_INSECURE"

enum { TLS_CA, TLS_CERT, TLS_KEY, TLS_VERIFY, TLS_NKEYS };
static const char *const inv_tls_keys[TLS_NKEYS] = {
	[TLS_CA] = "ca",
	[TLS_CERT] = "cert",
	[TLS_KEY] = "key",
	[TLS_VERIFY] = "verify",
};

/* A selector term that tests a label. */
struct inv_term {
	char *key;
	char *value;
	int negate;		/* key!=value */
};

struct inv_selector {
	struct inv_term *labels;
	size_t nlabels;
	char **names;		/* fnmatch patterns */
	size_t nnames;
};

/* ---------------------------------------------------------------- helpers */

/* Whether C is one of the characters of SET (never NUL). */
static int
inv_in(const char *set, int c)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* Whether S (LEN bytes) is a good node name: 1-63 of [A-Za-z0-9._-]. */
static int
inv_valid_name(const char *s, size_t len)
{
	if (len == 0 || len > INV_MAX_NAME)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (!yf_isalnum((unsigned char)s[i]) && !inv_in("._-", s[i]))
			return 0;
	}
	return 1;
}

/* Whether S (LEN bytes) is a good label key: 1-63 of [A-Za-z0-9._/-]. */
static int
inv_valid_key(const char *s, size_t len)
{
	if (len == 0 || len > INV_MAX_NAME)
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (!yf_isalnum((unsigned char)s[i]) && !inv_in("._/-", s[i]))
			return 0;
	}
	return 1;
}

/* Free an array of labels. */
static void
inv_labels_free(struct inv_label *labels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(labels[i].key);
		free(labels[i].value);
	}
	free(labels);
}

/* Add or replace label KEY=VALUE in *LABELS (room for it is there). */
static int
inv_labels_set(struct inv_label *labels, size_t *n, const char *key, const char *value)
{
	char *v = strdup(value), *k = NULL;
	size_t i;

	if (v == NULL)
		return -1;
	for (i = 0; i < *n; i++) {
		if (strcmp(labels[i].key, key) == 0) {
			free(labels[i].value);
			labels[i].value = v;
			return 0;
		}
	}
	k = strdup(key);
	if (k == NULL) {
		free(v);
		return -1;
	}
	labels[i].key = k;
	labels[i].value = v;
	(*n)++;
	return 0;
}

/* Whether PATH is a regular file we may read: NULL, or why not. */
static const char *
inv_unreadable(const char *path)
{
	struct stat st;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return strerror(errno);
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		return strerror(e);
	}
	close(fd);
	if (S_ISDIR(st.st_mode))
		return strerror(EISDIR);
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	return NULL;
}

/* ---------------------------------------------------------------- endpoints */

/* Check URL and give it its one spelling: scheme in lower case, a port. */
char *
inventory_endpoint_normalise(const char *url, int tls, char *err, size_t errlen)
{
	struct yf_q q, qs;
	const char *sep, *host, *p, *start;
	size_t len, schemelen, hostlen, plen;
	long port;
	char *out;

	if (url == NULL)
		url = "";
	len = strlen(url);
	yf_quote(&q, url, len, YF_QUOTE_PATH);
	if (len > INV_MAX_TEXT) {
		yf_seterr(err, errlen, "bad endpoint '%s': too long (at most %d bytes)",
		    q.s, INV_MAX_TEXT);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (yf_iscntrl((unsigned char)url[i])) {
			yf_seterr(err, errlen, "bad endpoint '%s': control character", q.s);
			return NULL;
		}
	}
	sep = strstr(url, "://");
	schemelen = sep == NULL ? 0 : (size_t)(sep - url);
	if (schemelen == 0) {
		yf_seterr(err, errlen, "bad endpoint '%s': missing scheme "
		    "(use unix:///path or tcp://host[:port])", q.s);
		return NULL;
	}

	if (schemelen == 4 && strncasecmp(url, "unix", 4) == 0) {
		p = sep + 3;
		plen = strlen(p);
		if (*p != '/') {
			yf_seterr(err, errlen, "bad endpoint '%s': the socket path "
			    "must be absolute (unix:///path)", q.s);
			return NULL;
		}
		while (plen > 1 && p[plen - 1] == '/')
			plen--;
		if (plen == 1) {
			yf_seterr(err, errlen, "bad endpoint '%s': missing socket path", q.s);
			return NULL;
		}
		if (plen >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
			yf_seterr(err, errlen, "bad endpoint '%s': socket path too long "
			    "(at most %zu bytes)", q.s,
			    sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
			return NULL;
		}
		out = malloc(plen + 8);
		if (out == NULL) {
			yf_seterr(err, errlen, "out of memory");
			return NULL;
		}
		snprintf(out, plen + 8, "unix://%.*s", (int)plen, p);
		return out;
	}

	if (schemelen != 3 || strncasecmp(url, "tcp", 3) != 0) {
		yf_seterr(err, errlen, "bad endpoint '%s': unsupported scheme '%s' "
		    "(use unix:// or tcp://)", q.s, yf_quote(&qs, url, schemelen, YF_QUOTE));
		return NULL;
	}

	host = sep + 3;
	if (*host == '[') {
		char addr[INET6_ADDRSTRLEN + 64];
		unsigned char bin[16];
		const char *rb = strchr(host, ']');
		size_t alen;

		if (rb == NULL) {
			yf_seterr(err, errlen, "bad endpoint '%s': bad IPv6 address", q.s);
			return NULL;
		}
		alen = (size_t)(rb - host - 1);
		if (memchr(host + 1, '%', alen) != NULL)	/* a zone: check the address */
			alen = (size_t)((const char *)memchr(host + 1, '%', alen) - host - 1);
		if (alen == 0 || alen >= sizeof(addr)) {
			yf_seterr(err, errlen, "bad endpoint '%s': bad IPv6 address", q.s);
			return NULL;
		}
		memcpy(addr, host + 1, alen);
		addr[alen] = '\0';
		if (inet_pton(AF_INET6, addr, bin) != 1) {
			yf_seterr(err, errlen, "bad endpoint '%s': bad IPv6 address", q.s);
			return NULL;
		}
		for (p = host + 1 + alen; p < rb; p++) {
			if (!yf_isalnum((unsigned char)*p) && !inv_in("%._-", *p)) {
				yf_seterr(err, errlen, "bad endpoint '%s': bad IPv6 address", q.s);
				return NULL;
			}
		}
		p = rb + 1;
	} else {
		for (p = host; yf_isalnum((unsigned char)*p) || inv_in("._-", *p); p++)
			;
		if (p == host && (*p == '\0' || *p == ':' || *p == '/')) {
			yf_seterr(err, errlen, "bad endpoint '%s': missing host", q.s);
			return NULL;
		}
		if (*p != '\0' && *p != ':' && *p != '/') {
			yf_seterr(err, errlen, "bad endpoint '%s': bad character '%s' in the host",
			    q.s, yf_quote(&qs, p, 1, 1));
			return NULL;
		}
		if (p - host > 253 || host[0] == '.' || host[0] == '-') {
			yf_seterr(err, errlen, "bad endpoint '%s': bad host", q.s);
			return NULL;
		}
	}
	hostlen = (size_t)(p - host);

	port = tls ? INV_PORT_TLS : INV_PORT_PLAIN;
	if (*p == ':') {
		start = ++p;
		while (yf_isdigit((unsigned char)*p))
			p++;
		if (p == start) {
			yf_seterr(err, errlen, "bad endpoint '%s': missing port after ':'", q.s);
			return NULL;
		}
		if (p - start > 5 || (port = strtol(start, NULL, 10)) < 1 || port > 65535) {
			yf_seterr(err, errlen, "bad endpoint '%s': the port must be 1-65535", q.s);
			return NULL;
		}
	}
	if (p[0] == '/' && p[1] == '\0')
		p++;
	if (*p != '\0') {
		yf_seterr(err, errlen, "bad endpoint '%s': trailing junk '%s'", q.s,
		    yf_quotes(&qs, p, YF_QUOTE));
		return NULL;
	}
	out = malloc(hostlen + 16);
	if (out == NULL) {
		yf_seterr(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(out, hostlen + 16, "tcp://%.*s:%ld", (int)hostlen, host, port);
	return out;
}

/* Whether URL names a unix socket (whether or not it is well formed). */
static int
inv_is_unix(const char *url)
{
	return strncasecmp(url, "unix://", 7) == 0;
}

/* ---------------------------------------------------------------- inventories */

/* Free the fields of one node. */
static void
inv_node_clear(struct inv_node *n)
{
	free(n->name);
	free(n->endpoint);
	free(n->tls_ca);
	free(n->tls_cert);
	free(n->tls_key);
	inv_labels_free(n->labels, n->nlabels);
	memset(n, 0, sizeof(*n));
}

/* Free an inventory and everything in it. */
void
inventory_free(struct inventory *inv)
{
	if (inv == NULL)
		return;
	for (size_t i = 0; i < inv->nnodes; i++)
		inv_node_clear(&inv->nodes[i]);
	free(inv->nodes);
	free(inv->source);
	free(inv->site);
	free(inv->kiosk_exit_chord);
	free(inv->audit.signer);
	free(inv->audit.public_key);
	free(inv->audit.checkpoints);
	free(inv->agent.image);
	free(inv->agent.records);
	roles_clear(&inv->roles);
	for (size_t i = 0; i < inv->heal.nautos; i++)
		free(inv->heal.autos[i].stack);
	free(inv->heal.autos);
	for (size_t i = 0; i < inv->nregistries; i++) {
		free(inv->registries[i].host);
		free(inv->registries[i].config);
		free(inv->registries[i].helper);
	}
	free(inv->registries);
	free(inv);
}

/* A new empty inventory from SOURCE with room for N nodes, or NULL. */
static struct inventory *
inv_new(const char *source, size_t n)
{
	struct inventory *inv = calloc(1, sizeof(*inv));

	if (inv == NULL)
		return NULL;
	inv->source = strdup(source);
	inv->nodes = calloc(n ? n : 1, sizeof(*inv->nodes));
	if (inv->source == NULL || inv->nodes == NULL) {
		inventory_free(inv);
		return NULL;
	}
	return inv;
}

/* Order nodes by name, for qsort. */
static int
inv_node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct inv_node *)a)->name, ((const struct inv_node *)b)->name);
}

/* The value of label KEY on NODE, or NULL. */
const char *
inventory_label(const struct inv_node *node, const char *key)
{
	if (node == NULL || key == NULL)
		return NULL;
	for (size_t i = 0; i < node->nlabels; i++) {
		if (strcmp(node->labels[i].key, key) == 0)
			return node->labels[i].value;
	}
	return NULL;
}

/* Keep the nodes SEL matches, in order; how many are left. */
size_t
inventory_filter(struct inventory *inv, const struct inv_selector *sel)
{
	size_t kept = 0;

	if (inv == NULL)
		return 0;
	for (size_t i = 0; i < inv->nnodes; i++) {
		if (inventory_selector_match(sel, &inv->nodes[i])) {
			if (kept != i) {
				inv->nodes[kept] = inv->nodes[i];
				memset(&inv->nodes[i], 0, sizeof(inv->nodes[i]));
			}
			kept++;
		} else
			inv_node_clear(&inv->nodes[i]);
	}
	inv->nnodes = kept;
	return kept;
}

/* ---------------------------------------------------------------- YAML files */

/* N as a boolean: 1, 0, or -1 when it is not true or false. */
static int
inv_bool(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? yf_truth(yf_scalar(n), n->data.scalar.length) : -1;
}

/* A copy of scalar N's text, at most MAX bytes, not empty, no control
 * characters; WHAT names it in messages ("'site'", "label 'line'"). */
static char *
inv_text(struct inv_file *f, const yaml_node_t *n, const char *what, size_t max)
{
	const char *s;
	size_t len;
	char *copy;

	if (n->type != YAML_SCALAR_NODE) {
		yf_error(&f->y, &n->start_mark, "%s must be a string", what);
		return NULL;
	}
	s = yf_scalar(n);
	len = n->data.scalar.length;
	if (len == 0) {
		yf_error(&f->y, &n->start_mark, "%s is empty", what);
		return NULL;
	}
	if (len > max) {
		yf_error(&f->y, &n->start_mark, "%s is too long (at most %zu bytes)", what, max);
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		if (yf_iscntrl((unsigned char)s[i])) {
			yf_error(&f->y, &n->start_mark, "%s has a control character", what);
			return NULL;
		}
	}
	copy = yf_strndup(s, len);
	if (copy == NULL)
		yf_error(&f->y, &n->start_mark, "out of memory");
	return copy;
}

/* Check that mapping N holds only keys of KEYS (NKEYS of them), each at
 * most once; VALS[i] and KEYN[i] get the value and key of KEYS[i] or NULL. */
static int
inv_mapping(struct inv_file *f, yaml_node_t *n, const char *const *keys, size_t nkeys,
    yaml_node_t **vals, yaml_node_t **keyn)
{
	struct yf_q q;

	for (size_t i = 0; i < nkeys; i++)
		vals[i] = keyn[i] = NULL;
	for (size_t p = 0; p < yf_npairs(n); p++) {
		yaml_node_t *k, *v;
		size_t i;

		if (yf_pair(&f->y, n, p, &k, &v) != 0)
			return -1;
		i = yf_key_index(k, keys, nkeys);
		yf_quote(&q, yf_scalar(k), k->data.scalar.length, YF_QUOTE);
		if (i == nkeys)
			return yf_error(&f->y, &k->start_mark, "unknown key '%s'", q.s);
		if (vals[i] != NULL)
			return yf_error(&f->y, &k->start_mark, "duplicate key '%s' (first at "
			    "line %zu)", q.s, keyn[i]->start_mark.line + 1);
		vals[i] = v;
		keyn[i] = k;
	}
	return 0;
}

/* Read TLS file name N (the value of KEY) into *OUT as an absolute path,
 * relative names being taken from the inventory's directory. */
static int
inv_file_tls_path(struct inv_file *f, const yaml_node_t *n, const char *key, char **out)
{
	char what[64];
	struct yf_q q;
	const char *why;
	char *path;

	snprintf(what, sizeof(what), "tls '%s'", key);
	path = yf_path(&f->y, &n->start_mark, f->dir, inv_text(f, n, what, INV_MAX_PATH));
	if (path == NULL)
		return -1;
	why = inv_unreadable(path);
	if (why != NULL) {
		yf_error(&f->y, &n->start_mark, "tls %s '%s': %s", key,
		    yf_quotes(&q, path, YF_QUOTE_PATH), why);
		free(path);
		return -1;
	}
	*out = path;
	return 0;
}

/* Free the file names of a tls value. */
static void
inv_tls_clear(struct inv_tls *t)
{
	free(t->ca);
	free(t->cert);
	free(t->key);
	t->ca = t->cert = t->key = NULL;
}

/* Read the tls value V of key K into T: a mapping of ca/cert/key/verify
 * (TLS on), or true/false. */
static int
inv_file_tls(struct inv_file *f, const yaml_node_t *k, yaml_node_t *v, struct inv_tls *t)
{
	yaml_node_t *vals[TLS_NKEYS], *keyn[TLS_NKEYS];
	struct yf_q q;
	int b;

	t->set = 1;
	t->mark = k->start_mark;
	t->verify = 1;
	if (v->type == YAML_SCALAR_NODE && (b = inv_bool(v)) >= 0) {
		t->enabled = b;
		return 0;
	}
	if (v->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &v->start_mark,
		    "'tls' must be a mapping (ca, cert, key, verify) or true/false");
	t->enabled = 1;
	if (inv_mapping(f, v, inv_tls_keys, TLS_NKEYS, vals, keyn) != 0)
		return -1;
	if ((vals[TLS_CA] != NULL && inv_file_tls_path(f, vals[TLS_CA], "ca", &t->ca) != 0) ||
	    (vals[TLS_CERT] != NULL && inv_file_tls_path(f, vals[TLS_CERT], "cert", &t->cert) != 0) ||
	    (vals[TLS_KEY] != NULL && inv_file_tls_path(f, vals[TLS_KEY], "key", &t->key) != 0))
		return -1;
	if (vals[TLS_VERIFY] != NULL) {
		t->verify_mark = vals[TLS_VERIFY]->start_mark;
		b = inv_bool(vals[TLS_VERIFY]);
		if (b < 0 && vals[TLS_VERIFY]->type == YAML_SCALAR_NODE)
			return yf_error(&f->y, &vals[TLS_VERIFY]->start_mark,
			    "'verify' must be true or false, not '%s'",
			    yf_quote(&q, yf_scalar(vals[TLS_VERIFY]),
			    vals[TLS_VERIFY]->data.scalar.length, YF_QUOTE));
		if (b < 0)
			return yf_error(&f->y, &vals[TLS_VERIFY]->start_mark,
			    "'verify' must be true or false");
		t->verify = b;
	}
	if ((t->cert == NULL) != (t->key == NULL))
		return yf_error(&f->y, &v->start_mark, "tls needs both 'cert' and 'key', or "
		    "neither");
	return 0;
}

/* Read labels mapping V into *LABELS, over the NBASE labels already there
 * (the defaults, which a key given again replaces). */
static int
inv_file_labels(struct inv_file *f, yaml_node_t *v, const struct inv_label *base,
    size_t nbase, struct inv_label **labels, size_t *nlabels)
{
	const yaml_node_pair_t *first = v->data.mapping.pairs.start;
	struct inv_label *l;
	struct yf_q q;
	size_t n = 0, npairs;

	if (v->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &v->start_mark, "'labels' must be a mapping of names to "
		    "values");
	npairs = yf_npairs(v);
	if (npairs > INV_MAX_LABELS)
		return yf_error(&f->y, &v->start_mark, "too many labels (at most %d)",
		    INV_MAX_LABELS);
	l = calloc(nbase + npairs + 1, sizeof(*l));
	if (l == NULL)
		return yf_error(&f->y, &v->start_mark, "out of memory");
	for (size_t i = 0; i < nbase; i++) {
		if (inv_labels_set(l, &n, base[i].key, base[i].value) != 0)
			goto oom;
	}
	for (size_t p = 0; p < npairs; p++) {
		char what[sizeof(q.s) + 16], *key, *value;
		yaml_node_t *k, *val;

		if (yf_pair(&f->y, v, p, &k, &val) != 0)
			goto fail;
		yf_quote(&q, yf_scalar(k), k->data.scalar.length, YF_QUOTE);
		if (!inv_valid_key(yf_scalar(k), k->data.scalar.length)) {
			yf_error(&f->y, &k->start_mark, "bad label key '%s': use 1 to %d of "
			    "A-Z a-z 0-9 . _ / -", q.s, INV_MAX_NAME);
			goto fail;
		}
		for (size_t prev = 0; prev < p; prev++) {
			yaml_node_t *pk = yf_get(&f->y, first[prev].key);

			if (pk != NULL && yf_scalar_is(pk, yf_scalar(k))) {
				yf_error(&f->y, &k->start_mark, "duplicate key '%s' (first at "
				    "line %zu)", q.s, pk->start_mark.line + 1);
				goto fail;
			}
		}
		snprintf(what, sizeof(what), "label '%s'", q.s);
		value = inv_text(f, val, what, INV_MAX_TEXT);
		if (value == NULL)
			goto fail;
		key = yf_strndup(yf_scalar(k), k->data.scalar.length);
		if (key == NULL || inv_labels_set(l, &n, key, value) != 0) {
			free(key);
			free(value);
			goto oom;
		}
		free(key);
		free(value);
	}
	if (n > INV_MAX_LABELS) {
		yf_error(&f->y, &v->start_mark, "too many labels (at most %d)", INV_MAX_LABELS);
		goto fail;
	}
	*labels = l;
	*nlabels = n;
	return 0;

oom:
	yf_error(&f->y, &v->start_mark, "out of memory");
fail:
	inv_labels_free(l, n);
	return -1;
}

/* Read an insecure: value V into *OUT. */
static int
inv_file_insecure(struct inv_file *f, const yaml_node_t *v, int *out)
{
	struct yf_q q;
	int b = inv_bool(v);

	if (b >= 0) {
		*out = b;
		return 0;
	}
	if (v->type == YAML_SCALAR_NODE)
		return yf_error(&f->y, &v->start_mark, "'insecure' must be true or false, not '%s'",
		    yf_quote(&q, yf_scalar(v), v->data.scalar.length, YF_QUOTE));
	return yf_error(&f->y, &v->start_mark, "'insecure' must be true or false");
}

/* Refuse node N's transport when nothing authenticates the engine (plaintext
 * tcp://, or TLS without verification) and the inventory did not allow it
 * with insecure: true; mark it insecure when it did.  TLS is the node's tls
 * settings (NULL: plaintext); EP is its endpoint's value. */
static int
inv_file_transport(struct inv_file *f, struct inv_node *n, const struct inv_tls *tls,
    const yaml_node_t *ep, int allowed)
{
	if (inv_is_unix(n->endpoint) || (tls != NULL && tls->verify))
		return 0;
	if (allowed) {
		n->insecure = tls == NULL ? PD_INSECURE_PLAIN : PD_INSECURE_NOVERIFY;
		return 0;
	}
	if (tls == NULL)
		return yf_error(&f->y, &ep->start_mark, "node '%s': plaintext tcp:// " INV_WHY_PLAIN
		    "; give it 'tls' (ca, cert, key: mutual TLS, port 2376), or "
		    "'insecure: true' to accept the risk", n->name);
	return yf_error(&f->y, &tls->verify_mark, "node '%s': tls 'verify: false' "
	    INV_WHY_NOVERIFY "; give the plant CA as 'ca' instead, or 'insecure: true' to "
	    "accept the risk", n->name);
}

/* Read the defaults mapping V into D. */
static int
inv_file_defaults(struct inv_file *f, yaml_node_t *v, struct inv_defaults *d)
{
	yaml_node_t *vals[DEF_NKEYS], *keyn[DEF_NKEYS];

	if (v->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &v->start_mark, "'defaults' must be a mapping (tls, "
		    "labels, insecure)");
	if (inv_mapping(f, v, inv_defaults_keys, DEF_NKEYS, vals, keyn) != 0)
		return -1;
	if (vals[DEF_INSECURE] != NULL && inv_file_insecure(f, vals[DEF_INSECURE], &d->insecure) != 0)
		return -1;
	if (vals[DEF_TLS] != NULL && inv_file_tls(f, keyn[DEF_TLS], vals[DEF_TLS], &d->tls) != 0)
		return -1;
	if (vals[DEF_LABELS] != NULL &&
	    inv_file_labels(f, vals[DEF_LABELS], NULL, 0, &d->labels, &d->nlabels) != 0)
		return -1;
	return 0;
}

/* Duplicate the tls settings T into node N (T must be enabled). */
static int
inv_node_set_tls(struct inv_node *n, const struct inv_tls *t)
{
	n->tls = 1;
	n->tls_verify = t->verify;
	if ((t->ca != NULL && (n->tls_ca = strdup(t->ca)) == NULL) ||
	    (t->cert != NULL && (n->tls_cert = strdup(t->cert)) == NULL) ||
	    (t->key != NULL && (n->tls_key = strdup(t->key)) == NULL))
		return -1;
	return 0;
}

/* Read node mapping V (the INDEXth) into INV->nodes[INDEX]. */
static int
inv_file_node(struct inv_file *f, yaml_node_t *v, const struct inv_defaults *d,
    struct inventory *inv, size_t index)
{
	yaml_node_t *vals[NODE_NKEYS], *keyn[NODE_NKEYS], *nv;
	struct inv_node *n = &inv->nodes[index];
	struct inv_tls t = { 0 };
	const struct inv_tls *tls;
	struct yf_q q;
	char msg[1024], *endpoint;
	int rc = -1, insecure;

	n->line = v->start_mark.line >= INT_MAX ? INT_MAX : (int)v->start_mark.line + 1;
	n->column = v->start_mark.column >= INT_MAX ? INT_MAX : (int)v->start_mark.column + 1;
	n->tls_verify = 1;
	if (v->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &v->start_mark,
		    "a node must be a mapping with 'name' and 'endpoint'");
	if (inv_mapping(f, v, inv_node_keys, NODE_NKEYS, vals, keyn) != 0)
		return -1;

	nv = vals[NODE_NAME];
	if (nv == NULL)
		return yf_error(&f->y, &v->start_mark, "node has no 'name'");
	if (nv->type != YAML_SCALAR_NODE)
		return yf_error(&f->y, &nv->start_mark, "'name' must be a string");
	yf_quote(&q, yf_scalar(nv), nv->data.scalar.length, YF_QUOTE);
	if (!inv_valid_name(yf_scalar(nv), nv->data.scalar.length))
		return yf_error(&f->y, &nv->start_mark, "bad node name '%s': use 1 to %d of "
		    "A-Z a-z 0-9 . _ -", q.s, INV_MAX_NAME);
	for (size_t i = 0; i < index; i++) {
		if (yf_scalar_is(nv, inv->nodes[i].name))
			return yf_error(&f->y, &nv->start_mark,
			    "duplicate node name '%s' (first defined at line %d)",
			    q.s, inv->nodes[i].line);
	}
	n->name = yf_strndup(yf_scalar(nv), nv->data.scalar.length);
	if (n->name == NULL)
		return yf_error(&f->y, &nv->start_mark, "out of memory");

	nv = vals[NODE_ENDPOINT];
	if (nv == NULL)
		return yf_error(&f->y, &v->start_mark, "node '%s' has no 'endpoint'", q.s);
	endpoint = inv_text(f, nv, "'endpoint'", INV_MAX_TEXT);
	if (endpoint == NULL)
		return -1;

	tls = &d->tls;
	if (vals[NODE_TLS] != NULL) {
		if (inv_file_tls(f, keyn[NODE_TLS], vals[NODE_TLS], &t) != 0)
			goto out;
		tls = &t;
		if (t.enabled && inv_is_unix(endpoint)) {
			yf_error(&f->y, &t.mark, "tls needs a tcp:// endpoint, not unix://");
			goto out;
		}
	}
	if (inv_is_unix(endpoint))
		tls = NULL;	/* defaults' tls is for the tcp nodes */
	else if (!tls->enabled)
		tls = NULL;

	n->endpoint = inventory_endpoint_normalise(endpoint, tls != NULL, msg, sizeof(msg));
	if (n->endpoint == NULL) {
		yf_error(&f->y, &nv->start_mark, "%s", msg);
		goto out;
	}
	if (tls != NULL && inv_node_set_tls(n, tls) != 0) {
		yf_error(&f->y, &v->start_mark, "out of memory");
		goto out;
	}

	/* swarm: manager marks a Swarm manager; workers need no mark (the
	 * managers list them), so any other value is a mistake. */
	nv = vals[NODE_SWARM];
	if (nv != NULL) {
		if (!yf_scalar_is(nv, "manager")) {
			if (nv->type == YAML_SCALAR_NODE)
				yf_error(&f->y, &nv->start_mark, "'swarm' must be 'manager', "
				    "not '%s'", yf_quote(&q, yf_scalar(nv), nv->data.scalar.length,
				    YF_QUOTE));
			else
				yf_error(&f->y, &nv->start_mark, "'swarm' must be 'manager'");
			goto out;
		}
		n->swarm_manager = 1;
	}

	if (vals[NODE_LABELS] != NULL) {
		if (inv_file_labels(f, vals[NODE_LABELS], d->labels, d->nlabels,
		    &n->labels, &n->nlabels) != 0)
			goto out;
	} else if (d->nlabels > 0) {
		n->labels = calloc(d->nlabels, sizeof(*n->labels));
		if (n->labels == NULL) {
			yf_error(&f->y, &v->start_mark, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < d->nlabels; i++) {
			if (inv_labels_set(n->labels, &n->nlabels, d->labels[i].key,
			    d->labels[i].value) != 0) {
				yf_error(&f->y, &v->start_mark, "out of memory");
				goto out;
			}
		}
	}
	/* Last: a node that is right in every other way may still be refused. */
	insecure = d->insecure;
	if (vals[NODE_INSECURE] != NULL && inv_file_insecure(f, vals[NODE_INSECURE], &insecure) != 0)
		goto out;
	if (inv_file_transport(f, n, tls, vals[NODE_ENDPOINT], insecure) != 0)
		goto out;
	rc = 0;
out:
	free(endpoint);
	inv_tls_clear(&t);
	return rc;
}

int
inventory_chord_valid(const char *chord, char *bad, size_t badlen)
{
	const char *p = chord;
	int n = 0;

	if (strlen(chord) > 64) {
		snprintf(bad, badlen, "too long");
		return 0;
	}
	while (*p != '\0') {
		const char *tok;
		size_t len;
		int ok;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		tok = p;
		while (*p != '\0' && *p != ' ')
			p++;
		len = (size_t)(p - tok);
		ok = (len == 1 && tok[0] > 0x20 && tok[0] < 0x7f) ||
		    (len == 3 && tok[0] == 'C' && tok[1] == '-' && tok[2] >= 'a' && tok[2] <= 'z') ||
		    ((len == 2 || len == 3) && tok[0] == 'F' && tok[1] >= '1' && tok[1] <= '9' &&
		    (len == 2 || (tok[1] == '1' && tok[2] >= '0' && tok[2] <= '2')));
		if (!ok) {
			snprintf(bad, badlen, "bad key '%.*s' (use C-a..C-z, F1..F12 or one character)",
			    (int)(len > 16 ? 16 : len), tok);
			return 0;
		}
		n++;
	}
	if (n < 2 || n > 8) {
		snprintf(bad, badlen, "a chord is 2 to 8 keys, not %d", n);
		return 0;
	}
	return 1;
}

/* Read "kiosk:" (exit_chord: "C-x C-q"). */
static int
inv_file_kiosk(struct inv_file *f, yaml_node_t *m, struct inventory *inv)
{
	yaml_node_t *vals[KIOSK_NKEYS], *keyn[KIOSK_NKEYS];
	char bad[96];

	if (m->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &m->start_mark, "'kiosk' must be a mapping (exit_chord)");
	if (inv_mapping(f, m, inv_kiosk_keys, KIOSK_NKEYS, vals, keyn) != 0)
		return -1;
	if (vals[KIOSK_EXIT_CHORD] == NULL)
		return 0;
	inv->kiosk_exit_chord = inv_text(f, vals[KIOSK_EXIT_CHORD], "'exit_chord'", 128);
	if (inv->kiosk_exit_chord == NULL)
		return -1;
	if (!inventory_chord_valid(inv->kiosk_exit_chord, bad, sizeof(bad)))
		return yf_error(&f->y, &vals[KIOSK_EXIT_CHORD]->start_mark, "exit_chord: %s", bad);
	return 0;
}

/* Read "audit:" (require, signer, public_key, checkpoints; doc/audit.md),
 * file names relative to the inventory's directory. */
static int
inv_file_audit(struct inv_file *f, yaml_node_t *m, struct inventory *inv)
{
	yaml_node_t *vals[AUD_NKEYS], *keyn[AUD_NKEYS];
	char **paths[AUD_NKEYS] = {
		[AUD_SIGNER] = &inv->audit.signer,
		[AUD_PUBLIC_KEY] = &inv->audit.public_key,
		[AUD_CHECKPOINTS] = &inv->audit.checkpoints,
	};

	if (m->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &m->start_mark, "'audit' must be a mapping (require, "
		    "signer, public_key, checkpoints)");
	if (inv_mapping(f, m, inv_audit_keys, AUD_NKEYS, vals, keyn) != 0)
		return -1;
	if (vals[AUD_REQUIRE] != NULL) {
		inv->audit.require = inv_bool(vals[AUD_REQUIRE]);
		if (inv->audit.require < 0)
			return yf_error(&f->y, &vals[AUD_REQUIRE]->start_mark,
			    "'require' must be true or false");
	}
	for (int k = AUD_SIGNER; k < AUD_NKEYS; k++) {
		char what[32];

		if (vals[k] == NULL)
			continue;
		snprintf(what, sizeof(what), "'%s'", inv_audit_keys[k]);
		*paths[k] = yf_path(&f->y, &vals[k]->start_mark, f->dir,
		    inv_text(f, vals[k], what, INV_MAX_PATH));
		if (*paths[k] == NULL)
			return -1;
		if (k == AUD_SIGNER && strlen(*paths[k]) >= 108)
			return yf_error(&f->y, &vals[k]->start_mark, "'signer' is too long for a "
			    "Unix socket path (at most 107 bytes)");
	}
	return 0;
}

/* Read "agent:" (image pinned by digest, records; engine_socket refused; doc/agent.md). */
static int
inv_file_agent(struct inv_file *f, yaml_node_t *m, struct inventory *inv)
{
	yaml_node_t *vals[AGT_NKEYS], *keyn[AGT_NKEYS];
	char why[320];

	if (m->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &m->start_mark, "'agent' must be a mapping (image, "
		    "records)");
	if (inv_mapping(f, m, inv_agent_keys, AGT_NKEYS, vals, keyn) != 0)
		return -1;
	if (vals[AGT_IMAGE] != NULL) {
		inv->agent.image = inv_text(f, vals[AGT_IMAGE], "'image'", INV_MAX_TEXT);
		if (inv->agent.image == NULL)
			return -1;
		if (!agent_trust_pin_valid(inv->agent.image, why, sizeof(why)))
			return yf_error(&f->y, &vals[AGT_IMAGE]->start_mark, "agent image %s", why);
	}
	if (vals[AGT_RECORDS] != NULL) {
		inv->agent.records = yf_path(&f->y, &vals[AGT_RECORDS]->start_mark, f->dir,
		    inv_text(f, vals[AGT_RECORDS], "'records'", INV_MAX_PATH));
		if (inv->agent.records == NULL)
			return -1;
	}
	/* Gone: an agent holding the node's engine socket is root on the node.
	 * A plant's existing inventory is told so, where the key is. */
	if (vals[AGT_ENGINE_SOCKET] != NULL)
		return yf_error(&f->y, &keyn[AGT_ENGINE_SOCKET]->start_mark, "'engine_socket' is "
		    "no longer accepted: the agent no longer gets the node's engine socket (that "
		    "is root on the node); plantdeck hands the agent its node's containers itself "
		    "(doc/agent.md, \"Least privilege\"): remove this line");
	(void)keyn;
	return 0;
}

/* Scalar N as an unsigned number with an optional suffix: *NUM and the
 * suffix in SUF (""); 0, or -1 when it is not one. */
static int
inv_number(const yaml_node_t *n, unsigned long long *num, char *suf, size_t suflen)
{
	const char *s;
	size_t len, i = 0;
	unsigned long long v = 0;

	if (n->type != YAML_SCALAR_NODE)
		return -1;
	s = yf_scalar(n);
	len = n->data.scalar.length;
	if (len == 0 || !yf_isdigit((unsigned char)s[0]))
		return -1;
	for (; i < len && yf_isdigit((unsigned char)s[i]); i++) {
		if (v > (ULLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (len - i >= suflen)
		return -1;
	memcpy(suf, s + i, len - i);
	suf[len - i] = '\0';
	*num = v;
	return 0;
}

#define INV_HEAL_ACTIONS "restart, reschedule, rollback, memory, quarantine, reapply"

/* One entry of heal.auto: {stack: NAME, actions: [restart, ...]}. */
static int
inv_file_heal_auto(struct inv_file *f, yaml_node_t *m, struct inv_heal_auto *a)
{
	static const char *const names[] = { "restart", "reschedule", "rollback", "memory",
	    "quarantine", "reapply" };
	static const unsigned bits[] = { INV_HEAL_RESTART, INV_HEAL_RESCHEDULE, INV_HEAL_ROLLBACK,
	    INV_HEAL_MEMORY, INV_HEAL_QUARANTINE, INV_HEAL_REAPPLY };
	yaml_node_t *vals[HAUTO_NKEYS], *keyn[HAUTO_NKEYS], *acts;
	struct yf_q q;

	if (m->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &m->start_mark,
		    "an 'auto' entry must be a mapping (stack, actions)");
	if (inv_mapping(f, m, inv_heal_auto_keys, HAUTO_NKEYS, vals, keyn) != 0)
		return -1;
	if (vals[HAUTO_STACK] == NULL)
		return yf_error(&f->y, &m->start_mark, "an 'auto' entry has no 'stack'");
	if (vals[HAUTO_ACTIONS] == NULL)
		return yf_error(&f->y, &m->start_mark, "an 'auto' entry has no 'actions'");
	a->stack = inv_text(f, vals[HAUTO_STACK], "'stack'", INV_MAX_NAME * 2);
	if (a->stack == NULL)
		return -1;
	acts = vals[HAUTO_ACTIONS];
	if (acts->type != YAML_SEQUENCE_NODE)
		return yf_error(&f->y, &acts->start_mark, "'actions' must be a list "
		    "(" INV_HEAL_ACTIONS ")");
	for (yaml_node_item_t *it = acts->data.sequence.items.start;
	    it < acts->data.sequence.items.top; it++) {
		yaml_node_t *v = yf_get(&f->y, *it);
		size_t k;

		if (v == NULL || v->type != YAML_SCALAR_NODE)
			return yf_error(&f->y, v != NULL ? &v->start_mark : &acts->start_mark,
			    "an action must be a word (" INV_HEAL_ACTIONS ")");
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (yf_scalar_is(v, names[k]))
				break;
		if (k == sizeof(names) / sizeof(names[0])) {
			yf_quote(&q, yf_scalar(v), v->data.scalar.length, YF_QUOTE);
			return yf_error(&f->y, &v->start_mark, "unknown action '%s': use "
			    INV_HEAL_ACTIONS, q.s);
		}
		a->actions |= bits[k];
	}
	return 0;
}

/* Heal key NAME's duration V ("30", "30s", "5m") into *OUT seconds, which
 * must lie in [LO, HI]; nothing when V is NULL.  0, or -1 with the error. */
static int
inv_heal_duration(struct inv_file *f, const yaml_node_t *v, const char *name, unsigned lo,
    unsigned hi, double *out)
{
	unsigned long long num, secs;
	char suf[8];
	struct yf_q q;

	if (v == NULL)
		return 0;
	if (inv_number(v, &num, suf, sizeof(suf)) != 0 ||
	    (suf[0] != '\0' && strcmp(suf, "s") != 0 && strcmp(suf, "m") != 0) ||
	    num > 1000000 || (secs = suf[0] == 'm' ? num * 60 : num) < lo || secs > hi) {
		yf_quote(&q, v->type == YAML_SCALAR_NODE ? yf_scalar(v) : "",
		    v->type == YAML_SCALAR_NODE ? v->data.scalar.length : 0, YF_QUOTE);
		return yf_error(&f->y, &v->start_mark, "'%s' must be a duration from %us to %u%s, "
		    "like 30s or 5m, not '%s'", name, lo, hi > 3600 ? hi / 3600 : hi / 60,
		    hi > 3600 ? "h" : "m", q.s);
	}
	*out = (double)secs;
	return 0;
}

/* Read "heal:" (auto, memory_headroom, memory_max, the windows and thresholds). */
static int
inv_file_heal(struct inv_file *f, yaml_node_t *m, struct inventory *inv)
{
	yaml_node_t *vals[HEAL_NKEYS], *keyn[HEAL_NKEYS], *v;
	unsigned long long num;
	char suf[8];
	struct yf_q q;

	if (m->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &m->start_mark, "'heal' must be a mapping "
		    "(auto, memory_headroom, memory_max, verify_window, ...)");
	if (inv_mapping(f, m, inv_heal_keys, HEAL_NKEYS, vals, keyn) != 0)
		return -1;
	if ((v = vals[HEAL_AUTO]) != NULL) {
		size_t count;

		if (v->type != YAML_SEQUENCE_NODE)
			return yf_error(&f->y, &v->start_mark, "'auto' must be a list of "
			    "{stack, actions}");
		count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		inv->heal.autos = calloc(count ? count : 1, sizeof(*inv->heal.autos));
		if (inv->heal.autos == NULL)
			return yf_error(&f->y, &v->start_mark, "out of memory");
		for (size_t i = 0; i < count; i++) {
			yaml_node_t *item = yf_get(&f->y, v->data.sequence.items.start[i]);

			inv->heal.nautos = i + 1;
			if (item == NULL)
				return yf_error(&f->y, &v->start_mark, "broken list");
			if (inv_file_heal_auto(f, item, &inv->heal.autos[i]) != 0)
				return -1;
		}
	}
	if ((v = vals[HEAL_HEADROOM]) != NULL) {
		/* "off" (or 0) turns memory proposals off; unset takes the default. */
		if (yf_scalar_is(v, "off") || yf_scalar_is(v, "false") || yf_scalar_is(v, "no")) {
			inv->heal.memory_headroom = -1;
		} else if (inv_number(v, &num, suf, sizeof(suf)) != 0 ||
		    (suf[0] != '\0' && strcmp(suf, "%") != 0) || num > 1000) {
			yf_quote(&q, v->type == YAML_SCALAR_NODE ? yf_scalar(v) : "",
			    v->type == YAML_SCALAR_NODE ? v->data.scalar.length : 0, YF_QUOTE);
			return yf_error(&f->y, &v->start_mark, "'memory_headroom' must be a "
			    "percentage from 1%% to 1000%%, or off, not '%s'", q.s);
		} else {
			inv->heal.memory_headroom = num == 0 ? -1 : (int)num;
		}
	}
	if ((v = vals[HEAL_MEMORY_MAX]) != NULL) {
		unsigned long long mult = 0;

		if (inv_number(v, &num, suf, sizeof(suf)) == 0) {
			if (suf[0] == '\0' || strcmp(suf, "B") == 0 || strcmp(suf, "b") == 0)
				mult = 1;
			else if (strcasecmp(suf, "K") == 0 || strcasecmp(suf, "KiB") == 0)
				mult = 1ull << 10;
			else if (strcasecmp(suf, "M") == 0 || strcasecmp(suf, "MiB") == 0)
				mult = 1ull << 20;
			else if (strcasecmp(suf, "G") == 0 || strcasecmp(suf, "GiB") == 0)
				mult = 1ull << 30;
		}
		if (mult == 0 || num == 0 || num > (1ull << 50) / mult || num * mult < (6ull << 20)) {
			yf_quote(&q, v->type == YAML_SCALAR_NODE ? yf_scalar(v) : "",
			    v->type == YAML_SCALAR_NODE ? v->data.scalar.length : 0, YF_QUOTE);
			return yf_error(&f->y, &v->start_mark, "'memory_max' must be a size of "
			    "at least 6M, like 512M or 2G, not '%s'", q.s);
		}
		inv->heal.memory_max = num * mult;
	}
	if (inv_heal_duration(f, vals[HEAL_VERIFY], "verify_window", 1, 3600,
	    &inv->heal.verify_window) != 0 ||
	    inv_heal_duration(f, vals[HEAL_CRASH_WINDOW], "crash_window", 5, 3600,
	    &inv->heal.crash_window) != 0 ||
	    inv_heal_duration(f, vals[HEAL_OOM_WINDOW], "oom_window", 10, 86400,
	    &inv->heal.oom_window) != 0 ||
	    inv_heal_duration(f, vals[HEAL_CLEAR_AFTER], "clear_after", 1, 3600,
	    &inv->heal.clear_after) != 0 ||
	    inv_heal_duration(f, vals[HEAL_NODE_GRACE], "node_grace", 1, 3600,
	    &inv->heal.node_grace) != 0)
		return -1;
	if ((v = vals[HEAL_CRASH_RESTARTS]) != NULL) {
		if (inv_number(v, &num, suf, sizeof(suf)) != 0 || suf[0] != '\0' || num < 2 ||
		    num > 32) {
			yf_quote(&q, v->type == YAML_SCALAR_NODE ? yf_scalar(v) : "",
			    v->type == YAML_SCALAR_NODE ? v->data.scalar.length : 0, YF_QUOTE);
			return yf_error(&f->y, &v->start_mark, "'crash_restarts' must be a "
			    "whole number from 2 to 32, not '%s'", q.s);
		}
		inv->heal.crash_restarts = (int)num;
	}
	if ((v = vals[HEAL_ANOMALY_SEVERITY]) != NULL) {
		if (yf_scalar_is(v, "critical")) {
			inv->heal.anomaly_critical_only = 1;
		} else if (!yf_scalar_is(v, "warning")) {
			yf_quote(&q, v->type == YAML_SCALAR_NODE ? yf_scalar(v) : "",
			    v->type == YAML_SCALAR_NODE ? v->data.scalar.length : 0, YF_QUOTE);
			return yf_error(&f->y, &v->start_mark, "'anomaly_severity' must be "
			    "warning or critical, not '%s'", q.s);
		}
	}
	if (inv->heal.memory_headroom < 0 && vals[HEAL_MEMORY_MAX] != NULL)
		return yf_error(&f->y, &keyn[HEAL_MEMORY_MAX]->start_mark,
		    "'memory_max' bounds memory raises, which 'memory_headroom: off' turns off");
	return 0;
}

/* One entry of "registries:": key K (a registry host), value V (a mapping
 * of config or helper), into R; PREV entries before it. */
static int
inv_file_registry(struct inv_file *f, yaml_node_t *k, yaml_node_t *v, struct inv_registry *r,
    const struct inv_registry *prev, size_t nprev)
{
	yaml_node_t *vals[REG_NKEYS], *keyn[REG_NKEYS];
	char host[256], *text;
	const char *why;
	struct yf_q q;

	r->line = (int)(k->start_mark.line < INT_MAX ? k->start_mark.line + 1 : INT_MAX);
	r->column = (int)(k->start_mark.column < INT_MAX ? k->start_mark.column + 1 : INT_MAX);
	text = inv_text(f, k, "a registry", 255);
	if (text == NULL)
		return -1;
	yf_quote(&q, text, strlen(text), YF_QUOTE);
	if (registry_auth_host(text, host, sizeof(host)) != 0 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyz0123456789.-:[]") != strlen(host)) {
		free(text);
		return yf_error(&f->y, &k->start_mark, "bad registry '%s': use its host[:port], "
		    "as in an image name (registry.example.com:5000)", q.s);
	}
	free(text);
	for (size_t i = 0; i < nprev; i++) {
		if (strcmp(prev[i].host, host) == 0)
			return yf_error(&f->y, &k->start_mark, "registry '%s' is listed twice "
			    "(first at line %d)", q.s, prev[i].line);
	}
	r->host = strdup(host);
	if (r->host == NULL)
		return yf_error(&f->y, &k->start_mark, "out of memory");
	if (v->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &v->start_mark, "registry '%s' must be a mapping: "
		    "{config: PATH} (a docker config.json) or {helper: NAME} "
		    "(docker-credential-NAME)", q.s);
	/* The inventory is read by everyone who runs plantdeck, and copied
	 * around with the plant's files: it holds no secrets. */
	for (size_t p = 0; p < yf_npairs(v); p++) {
		yaml_node_t *pk, *pv;

		if (yf_pair(&f->y, v, p, &pk, &pv) != 0)
			return -1;
		for (size_t s = 0; s < sizeof(inv_registry_secrets) / sizeof(inv_registry_secrets[0]);
		    s++) {
			if (yf_scalar_is(pk, inv_registry_secrets[s]))
				return yf_error(&f->y, &pk->start_mark, "'%s' does not belong in the "
				    "inventory: it holds no credentials (anyone who can read it would "
				    "have them); keep them in a docker config.json (config: PATH, "
				    "e.g. one docker login wrote) or a credential helper (helper: NAME)",
				    inv_registry_secrets[s]);
		}
	}
	if (inv_mapping(f, v, inv_registry_keys, REG_NKEYS, vals, keyn) != 0)
		return -1;
	if ((vals[REG_CONFIG] == NULL) == (vals[REG_HELPER] == NULL))
		return yf_error(&f->y, &v->start_mark, "registry '%s' needs one of 'config' "
		    "(a docker config.json) and 'helper' (docker-credential-NAME)", q.s);
	if (vals[REG_HELPER] != NULL) {
		r->helper = inv_text(f, vals[REG_HELPER], "'helper'", 64);
		if (r->helper == NULL)
			return -1;
		if (!registry_auth_helper_valid(r->helper)) {
			yf_quote(&q, r->helper, strlen(r->helper), YF_QUOTE);
			return yf_error(&f->y, &vals[REG_HELPER]->start_mark, "bad helper '%s': "
			    "the NAME of docker-credential-NAME, 1 to 64 of A-Z a-z 0-9 . _ -", q.s);
		}
		return 0;
	}
	r->config = yf_path(&f->y, &vals[REG_CONFIG]->start_mark, f->dir,
	    inv_text(f, vals[REG_CONFIG], "'config'", INV_MAX_PATH));
	if (r->config == NULL)
		return -1;
	why = inv_unreadable(r->config);
	if (why != NULL)
		return yf_error(&f->y, &vals[REG_CONFIG]->start_mark, "config '%s': %s",
		    yf_quotes(&q, r->config, YF_QUOTE_PATH), why);
	return 0;
}

/* Read "registries:" (host: {config: PATH} or {helper: NAME}). */
static int
inv_file_registries(struct inv_file *f, yaml_node_t *m, struct inventory *inv)
{
	size_t count;

	if (m->type != YAML_MAPPING_NODE)
		return yf_error(&f->y, &m->start_mark, "'registries' must be a mapping of "
		    "registry hosts to {config: PATH} or {helper: NAME}");
	count = yf_npairs(m);
	if (count > INV_MAX_REGISTRIES)
		return yf_error(&f->y, &m->start_mark, "too many registries (at most %d)",
		    INV_MAX_REGISTRIES);
	inv->registries = calloc(count ? count : 1, sizeof(*inv->registries));
	if (inv->registries == NULL)
		return yf_error(&f->y, &m->start_mark, "out of memory");
	for (size_t p = 0; p < count; p++) {
		yaml_node_t *k, *v;

		if (yf_pair(&f->y, m, p, &k, &v) != 0)
			return -1;
		inv->nregistries = p + 1;	/* so that inventory_free sees it */
		if (inv_file_registry(f, k, v, &inv->registries[p], inv->registries, p) != 0)
			return -1;
	}
	return 0;
}

/* Check the document's root and read the whole inventory into INV. */
static int
inv_file_parse(struct inv_file *f, struct inventory *inv)
{
	yaml_node_t *root = yf_root(&f->y, "inventory", "a mapping with a 'nodes' list");
	yaml_node_t *vals[TOP_NKEYS], *keyn[TOP_NKEYS], *nodes;
	struct inv_defaults d = { .tls = { .verify = 1 } };
	size_t count;
	int rc = -1;

	if (root == NULL)
		return -1;
	if (inv_mapping(f, root, inv_top_keys, TOP_NKEYS, vals, keyn) != 0)
		return -1;

	if (vals[TOP_SITE] != NULL) {
		inv->site = inv_text(f, vals[TOP_SITE], "'site'", INV_MAX_TEXT);
		if (inv->site == NULL)
			return -1;
	}
	if (vals[TOP_DEFAULTS] != NULL && inv_file_defaults(f, vals[TOP_DEFAULTS], &d) != 0)
		goto out;
	if (vals[TOP_KIOSK] != NULL && inv_file_kiosk(f, vals[TOP_KIOSK], inv) != 0)
		goto out;
	if (vals[TOP_HEAL] != NULL && inv_file_heal(f, vals[TOP_HEAL], inv) != 0)
		goto out;
	if (vals[TOP_REGISTRIES] != NULL &&
	    inv_file_registries(f, vals[TOP_REGISTRIES], inv) != 0)
		goto out;
	if (vals[TOP_AUDIT] != NULL && inv_file_audit(f, vals[TOP_AUDIT], inv) != 0)
		goto out;
	if (vals[TOP_AGENT] != NULL && inv_file_agent(f, vals[TOP_AGENT], inv) != 0)
		goto out;
	if (roles_parse(&f->y, keyn[TOP_ROLES], vals[TOP_ROLES], vals[TOP_FOUR_EYES],
	    &inv->roles) != 0)
		goto out;

	nodes = vals[TOP_NODES];
	if (nodes == NULL) {
		yf_error(&f->y, &root->start_mark, "no 'nodes' list");
		goto out;
	}
	if (nodes->type != YAML_SEQUENCE_NODE) {
		yf_error(&f->y, &nodes->start_mark, "'nodes' must be a list of nodes");
		goto out;
	}
	count = (size_t)(nodes->data.sequence.items.top - nodes->data.sequence.items.start);
	inv->nodes = yf_items(&f->y, &nodes->start_mark, count, INV_MAX_NODES,
	    sizeof(*inv->nodes), "nodes", "'nodes' is empty: list at least one node");
	if (inv->nodes == NULL)
		goto out;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = yf_get(&f->y, nodes->data.sequence.items.start[i]);

		inv->nnodes = i + 1;	/* so that inventory_free sees it */
		if (item == NULL) {
			yf_error(&f->y, &nodes->start_mark, "broken list");
			goto out;
		}
		if (inv_file_node(f, item, &d, inv, i) != 0)
			goto out;
	}
	rc = 0;
out:
	inv_tls_clear(&d.tls);
	inv_labels_free(d.labels, d.nlabels);
	return rc;
}

/* Read the YAML inventory at PATH. */
int
inventory_load(const char *path, struct inventory **out, char *err, size_t errlen)
{
	struct inv_file f = { .y = { .path = path, .err = err, .errlen = errlen } };
	struct inventory *inv = NULL;
	size_t len = 0;
	char *buf, *reldir;
	int rc = -1, e;

	if (out == NULL)
		return yf_seterr(err, errlen, "no place for the inventory");
	*out = NULL;
	if (path == NULL)
		return yf_seterr(err, errlen, "no inventory file");
	buf = yf_read_file(path, INV_MAX_FILE, &len);
	if (buf == NULL)
		return yf_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	reldir = yf_dirname(path);
	f.dir = reldir != NULL ? realpath(reldir, NULL) : NULL;
	e = errno;
	free(reldir);
	if (f.dir == NULL) {
		yf_seterr(err, errlen, "%s: cannot open: %s", path, strerror(e));
		free(buf);
		return -1;
	}
	if (yf_load(&f.y, buf, len) != 0)
		goto out;
	inv = calloc(1, sizeof(*inv));
	if (inv == NULL || (inv->source = strdup(path)) == NULL) {
		yf_seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (inv_file_parse(&f, inv) != 0)
		goto out;
	*out = inv;
	inv = NULL;
	rc = 0;

out:
	inventory_free(inv);
	yf_close(&f.y);
	free(f.dir);
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------- environment */

/* Set *OUT to DIR/NAME if that file exists; an error when it exists but
 * cannot be read.  WHAT prefixes the error. */
static int
inv_optional_file(const char *dir, const char *name, const char *what, char **out,
    char *err, size_t errlen)
{
	struct stat st;
	struct yf_q q;
	const char *why;
	char *path = yf_join(dir, name);

	if (path == NULL)
		return yf_seterr(err, errlen, "out of memory");
	if (stat(path, &st) != 0 && errno == ENOENT) {
		free(path);
		return 0;
	}
	why = inv_unreadable(path);
	if (why != NULL) {
		yf_seterr(err, errlen, "%s: '%s': %s", what,
		    yf_quotes(&q, path, YF_QUOTE_PATH), why);
		free(path);
		return -1;
	}
	*out = path;
	return 0;
}

/* The node name for endpoint EP: "local" for a socket, else the host. */
static char *
inv_env_name(const char *ep)
{
	const char *host, *colon;

	if (inv_is_unix(ep))
		return strdup("local");
	host = ep + strlen("tcp://");
	colon = strrchr(host, ':');
	if (colon == NULL)
		colon = host + strlen(host);
	if (host[0] == '[' && colon > host + 1 && colon[-1] == ']')
		return yf_strndup(host + 1, (size_t)(colon - host - 2));
	return yf_strndup(host, (size_t)(colon - host));
}

/* Whether PLANTDECK_INSECURE=1 lets the environment or the Docker contexts
 * use a transport that does not authenticate the engine. */
static int
inv_insecure_env(void)
{
	const char *v = getenv(INV_INSECURE_ENV);

	return v != NULL && strcmp(v, "1") == 0;
}

/* The one node the Docker environment variables name. */
int
inventory_from_env(struct inventory **out, char *err, size_t errlen)
{
	const char *host = getenv("DOCKER_HOST");
	const char *verify = getenv("DOCKER_TLS_VERIFY");
	const char *certs = getenv("DOCKER_CERT_PATH");
	const char *home = getenv("HOME");
	struct inventory *inv;
	struct inv_node *n;
	char msg[1024], *dir = NULL, *abs;
	int tls;

	if (out == NULL)
		return yf_seterr(err, errlen, "no place for the inventory");
	*out = NULL;
	if (host == NULL || *host == '\0')
		host = INV_DEFAULT_HOST;
	tls = verify != NULL && *verify != '\0' && !inv_is_unix(host);

	inv = inv_new("environment", 1);
	if (inv == NULL)
		return yf_seterr(err, errlen, "out of memory");
	inv->nnodes = 1;
	n = &inv->nodes[0];
	n->tls_verify = 1;
	n->endpoint = inventory_endpoint_normalise(host, tls, msg, sizeof(msg));
	if (n->endpoint == NULL) {
		yf_seterr(err, errlen, "DOCKER_HOST: %s", msg);
		goto fail;
	}
	n->name = inv_env_name(n->endpoint);
	if (n->name == NULL)
		goto oom;
	if (!tls && !inv_is_unix(n->endpoint)) {
		if (!inv_insecure_env()) {
			yf_seterr(err, errlen, "DOCKER_HOST: plaintext tcp:// " INV_WHY_PLAIN
			    "; set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (mutual TLS, port "
			    "2376), or " INV_INSECURE_ENV "=1 to accept the risk");
			goto fail;
		}
		n->insecure = PD_INSECURE_PLAIN;
	}
	if (tls) {
		n->tls = 1;
		if (certs != NULL && *certs != '\0')
			dir = strdup(certs);
		else if (home != NULL && *home != '\0')
			dir = yf_join(home, ".docker");
		else {
			yf_seterr(err, errlen, "DOCKER_TLS_VERIFY is set but neither "
			    "DOCKER_CERT_PATH nor HOME is");
			goto fail;
		}
		if (dir == NULL)
			goto oom;
		/* Absolute names; a missing directory just has no files. */
		abs = realpath(dir, NULL);
		if (abs != NULL) {
			free(dir);
			dir = abs;
		} else if (errno == ENOMEM)
			goto oom;
		if (inv_optional_file(dir, "ca.pem", "DOCKER_CERT_PATH", &n->tls_ca, err, errlen) != 0 ||
		    inv_optional_file(dir, "cert.pem", "DOCKER_CERT_PATH", &n->tls_cert, err, errlen) != 0 ||
		    inv_optional_file(dir, "key.pem", "DOCKER_CERT_PATH", &n->tls_key, err, errlen) != 0)
			goto fail;
	}
	free(dir);
	*out = inv;
	return 0;

oom:
	yf_seterr(err, errlen, "out of memory");
fail:
	free(dir);
	inventory_free(inv);
	return -1;
}

/* ---------------------------------------------------------------- Docker contexts */

/* One context found under contexts/meta. */
struct inv_context {
	char *dir;		/* the meta directory's name (a digest) */
	char *name;
	char *host;
	int skip_verify;
};

/* Free N contexts. */
static void
inv_contexts_free(struct inv_context *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].dir);
		free(c[i].name);
		free(c[i].host);
	}
	free(c);
}

/* Order contexts by name, for qsort. */
static int
inv_context_cmp(const void *a, const void *b)
{
	return strcmp(((const struct inv_context *)a)->name,
	    ((const struct inv_context *)b)->name);
}

/* Whether S is a name Docker allows for a context. */
static int
inv_valid_context(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 255 || !yf_isalnum((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < len; i++) {
		if (!yf_isalnum((unsigned char)s[i]) && !inv_in("_.+-", s[i]))
			return 0;
	}
	return 1;
}

/* Read META/DIR/meta.json into C; 1 when there is none. */
static int
inv_context_read(const char *meta, const char *dir, struct inv_context *c,
    char *err, size_t errlen)
{
	const cJSON *name, *docker, *host, *skip;
	char path[PATH_MAX], *buf;
	struct yf_q q;
	cJSON *root;
	size_t len;
	int rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/meta.json", meta, dir) >= sizeof(path))
		return yf_seterr(err, errlen, "%s/%s: path too long", meta, dir);
	buf = yf_read_file(path, INV_MAX_JSON, &len);
	if (buf == NULL && (errno == ENOENT || errno == ENOTDIR))
		return 1;
	if (buf == NULL)
		return yf_seterr(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	root = cJSON_Parse(buf);
	free(buf);
	if (root == NULL)
		return yf_seterr(err, errlen, "%s: not valid JSON", path);
	name = cJSON_GetObjectItemCaseSensitive(root, "Name");
	docker = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(root, "Endpoints"), "docker");
	host = cJSON_GetObjectItemCaseSensitive(docker, "Host");
	skip = cJSON_GetObjectItemCaseSensitive(docker, "SkipTLSVerify");
	if (!cJSON_IsString(name) || name->valuestring == NULL) {
		yf_seterr(err, errlen, "%s: no \"Name\"", path);
		goto out;
	}
	if (!inv_valid_context(name->valuestring)) {
		yf_seterr(err, errlen, "%s: bad context name '%s'", path,
		    yf_quotes(&q, name->valuestring, YF_QUOTE));
		goto out;
	}
	if (!cJSON_IsString(host) || host->valuestring == NULL) {
		yf_seterr(err, errlen, "%s: context '%s' has no Endpoints.docker.Host",
		    path, name->valuestring);
		goto out;
	}
	c->dir = strdup(dir);
	c->name = strdup(name->valuestring);
	c->host = strdup(host->valuestring);
	c->skip_verify = cJSON_IsTrue(skip);
	if (c->dir == NULL || c->name == NULL || c->host == NULL) {
		yf_seterr(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

/* All contexts under META, sorted by name, into *OUT and *N. */
static int
inv_contexts_list(const char *meta, struct inv_context **out, size_t *n,
    char *err, size_t errlen)
{
	struct inv_context *c = NULL, *nc;
	size_t count = 0, size = 0;
	struct dirent *de;
	DIR *d;
	int rc;

	*out = NULL;
	*n = 0;
	d = opendir(meta);
	if (d == NULL && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (d == NULL)
		return yf_seterr(err, errlen, "%s: cannot open: %s", meta, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (count == INV_MAX_NODES) {
			yf_seterr(err, errlen, "%s: too many contexts (at most %d)",
			    meta, INV_MAX_NODES);
			goto fail;
		}
		if (count == size) {
			size = size ? size * 2 : 8;
			nc = realloc(c, size * sizeof(*c));
			if (nc == NULL) {
				yf_seterr(err, errlen, "out of memory");
				goto fail;
			}
			c = nc;
		}
		memset(&c[count], 0, sizeof(c[count]));
		rc = inv_context_read(meta, de->d_name, &c[count], err, errlen);
		if (rc < 0) {
			count++;	/* free what it got */
			goto fail;
		}
		if (rc == 0)
			count++;
	}
	closedir(d);
	if (count > 0)
		qsort(c, count, sizeof(*c), inv_context_cmp);
	*out = c;
	*n = count;
	return 0;

fail:
	closedir(d);
	inv_contexts_free(c, count);
	return -1;
}

/* Add context C as the next node of INV; TLS files come from TLSDIR. */
static int
inv_context_node(struct inventory *inv, const struct inv_context *c, const char *tlsdir,
    char *err, size_t errlen)
{
	struct inv_node *n = &inv->nodes[inv->nnodes++];
	char msg[1024], path[PATH_MAX], what[PATH_MAX + 32];
	struct stat st;
	int tls = 0;

	n->tls_verify = !c->skip_verify;
	if ((n->name = strdup(c->name)) == NULL)
		return yf_seterr(err, errlen, "out of memory");
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/docker", tlsdir, c->dir) >= sizeof(path))
		return yf_seterr(err, errlen, "context '%s': path too long", c->name);
	snprintf(what, sizeof(what), "context '%s'", c->name);
	if (!inv_is_unix(c->host) && stat(path, &st) == 0) {
		if (inv_optional_file(path, "ca.pem", what, &n->tls_ca, err, errlen) != 0 ||
		    inv_optional_file(path, "cert.pem", what, &n->tls_cert, err, errlen) != 0 ||
		    inv_optional_file(path, "key.pem", what, &n->tls_key, err, errlen) != 0)
			return -1;
		tls = n->tls_ca != NULL || n->tls_cert != NULL || n->tls_key != NULL;
	}
	n->tls = tls;
	n->endpoint = inventory_endpoint_normalise(c->host, tls, msg, sizeof(msg));
	if (n->endpoint == NULL)
		return yf_seterr(err, errlen, "context '%s': %s", c->name, msg);
	if (!inv_is_unix(n->endpoint) && (!tls || !n->tls_verify)) {
		if (!inv_insecure_env() && !tls)
			return yf_seterr(err, errlen, "context '%s': plaintext tcp:// "
			    INV_WHY_PLAIN "; give the context ca, cert and key (mutual TLS), or "
			    "set " INV_INSECURE_ENV "=1 to accept the risk", c->name);
		if (!inv_insecure_env())
			return yf_seterr(err, errlen, "context '%s': SkipTLSVerify "
			    INV_WHY_NOVERIFY "; remove it and give the context the plant CA, or "
			    "set " INV_INSECURE_ENV "=1 to accept the risk", c->name);
		n->insecure = tls ? PD_INSECURE_NOVERIFY : PD_INSECURE_PLAIN;
	}
	n->labels = calloc(1, sizeof(*n->labels));
	if (n->labels == NULL || inv_labels_set(n->labels, &n->nlabels, "context", c->name) != 0)
		return yf_seterr(err, errlen, "out of memory");
	return 0;
}

/* A node for each Docker context, or for context NAME only. */
int
inventory_from_contexts(const char *config_dir, const char *name,
    struct inventory **out, char *err, size_t errlen)
{
	char meta[PATH_MAX], tlsdir[PATH_MAX], list[512];
	const char *home = getenv("HOME");
	struct inventory *inv = NULL;
	struct inv_context *c = NULL;
	char *dir = NULL, *abs;
	size_t n = 0, used = 0, i;
	struct yf_q q;
	int rc = -1;

	if (out == NULL)
		return yf_seterr(err, errlen, "no place for the inventory");
	*out = NULL;
	if (config_dir == NULL || *config_dir == '\0')
		config_dir = getenv("DOCKER_CONFIG");
	if (config_dir != NULL && *config_dir != '\0')
		dir = strdup(config_dir);
	else if (home != NULL && *home != '\0')
		dir = yf_join(home, ".docker");
	else
		return yf_seterr(err, errlen, "cannot find the Docker contexts: "
		    "neither DOCKER_CONFIG nor HOME is set");
	if (dir == NULL)
		return yf_seterr(err, errlen, "out of memory");
	if ((abs = realpath(dir, NULL)) != NULL) {	/* absolute TLS paths */
		free(dir);
		dir = abs;
	}
	if ((size_t)snprintf(meta, sizeof(meta), "%s/contexts/meta", dir) >= sizeof(meta) ||
	    (size_t)snprintf(tlsdir, sizeof(tlsdir), "%s/contexts/tls", dir) >= sizeof(tlsdir)) {
		yf_seterr(err, errlen, "%s: path too long", dir);
		goto out;
	}
	if (inv_contexts_list(meta, &c, &n, err, errlen) != 0)
		goto out;
	if (n == 0) {
		yf_seterr(err, errlen, "%s: no Docker contexts (create one with "
		    "'docker context create')", meta);
		goto out;
	}
	if (name != NULL) {
		for (i = 0; i < n && strcmp(c[i].name, name) != 0; i++)
			;
		if (i == n) {
			list[0] = '\0';
			for (i = 0; i < n && used < sizeof(list); i++) {
				int w = snprintf(list + used, sizeof(list) - used, "%s%s",
				    i ? ", " : "", c[i].name);

				if (w < 0)
					break;
				used += (size_t)w;
			}
			yf_seterr(err, errlen, "no Docker context '%s' (there are: %s)",
			    yf_quotes(&q, name, YF_QUOTE), list);
			goto out;
		}
	}
	inv = inv_new("docker contexts", n);
	if (inv == NULL) {
		yf_seterr(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (name != NULL && strcmp(c[i].name, name) != 0)
			continue;
		if (inv_context_node(inv, &c[i], tlsdir, err, errlen) != 0)
			goto out;
	}
	qsort(inv->nodes, inv->nnodes, sizeof(*inv->nodes), inv_node_cmp);
	*out = inv;
	inv = NULL;
	rc = 0;
out:
	inventory_free(inv);
	inv_contexts_free(c, n);
	free(dir);
	return rc;
}

/* ---------------------------------------------------------------- selectors */

/* Free a selector. */
void
inventory_selector_free(struct inv_selector *sel)
{
	if (sel == NULL)
		return;
	for (size_t i = 0; i < sel->nlabels; i++) {
		free(sel->labels[i].key);
		free(sel->labels[i].value);
	}
	for (size_t i = 0; i < sel->nnames; i++)
		free(sel->names[i]);
	free(sel->labels);
	free(sel->names);
	free(sel);
}

/* Whether C may appear in a name term (a node name or an fnmatch glob). */
static int
inv_name_char(int c)
{
	return yf_isalnum(c) || inv_in("._+:-*?[]!", c);
}

/* Add term S (LEN bytes, trimmed, not empty) of selector TEXT to SEL. */
static int
inv_selector_term(struct inv_selector *sel, const char *text, const char *s, size_t len,
    char *err, size_t errlen)
{
	const char *eq = memchr(s, '=', len), *key, *value;
	struct yf_q qt, qs, qc;
	size_t klen, vlen, i;
	struct inv_term *t;
	int negate;

	yf_quotes(&qs, text, YF_QUOTE_PATH);
	yf_quote(&qt, s, len, YF_QUOTE);
	if (eq == NULL) {
		for (i = 0; i < len; i++) {
			if (!inv_name_char((unsigned char)s[i]))
				return yf_seterr(err, errlen, "bad selector '%s': bad character "
				    "'%s' in '%s'", qs.s, yf_quote(&qc, s + i, 1, 1), qt.s);
		}
		if ((sel->names[sel->nnames] = yf_strndup(s, len)) == NULL)
			return yf_seterr(err, errlen, "out of memory");
		sel->nnames++;
		return 0;
	}

	negate = eq > s && eq[-1] == '!';
	key = s;
	klen = (size_t)(eq - s) - (negate ? 1 : 0);
	while (klen > 0 && (key[klen - 1] == ' ' || key[klen - 1] == '\t'))
		klen--;
	value = eq + 1;
	vlen = len - (size_t)(value - s);
	while (vlen > 0 && (*value == ' ' || *value == '\t')) {
		value++;
		vlen--;
	}
	if (klen == 0)
		return yf_seterr(err, errlen, "bad selector '%s': empty key in '%s'", qs.s, qt.s);
	if (vlen == 0)
		return yf_seterr(err, errlen, "bad selector '%s': empty value in '%s'", qs.s, qt.s);
	if (klen > INV_MAX_NAME)
		return yf_seterr(err, errlen, "bad selector '%s': key too long in '%s'", qs.s,
		    qt.s);
	for (i = 0; i < klen; i++) {
		if (!yf_isalnum((unsigned char)key[i]) && !inv_in("._/-", key[i]))
			return yf_seterr(err, errlen, "bad selector '%s': bad character "
			    "'%s' in '%s'", qs.s, yf_quote(&qc, key + i, 1, 1), qt.s);
	}
	for (i = 0; i < vlen; i++) {
		if (yf_iscntrl((unsigned char)value[i]) || value[i] == '=')
			return yf_seterr(err, errlen, "bad selector '%s': bad character "
			    "'%s' in '%s'", qs.s, yf_quote(&qc, value + i, 1, 1), qt.s);
	}
	t = &sel->labels[sel->nlabels];
	t->key = yf_strndup(key, klen);
	t->value = yf_strndup(value, vlen);
	t->negate = negate;
	sel->nlabels++;		/* so that inventory_selector_free sees it */
	if (t->key == NULL || t->value == NULL)
		return yf_seterr(err, errlen, "out of memory");
	return 0;
}

/* Parse selector TEXT: comma-separated label and name terms. */
int
inventory_selector_parse(const char *text, struct inv_selector **out,
    char *err, size_t errlen)
{
	struct inv_selector *sel;
	size_t len, nterms = 1;
	const char *p, *end;
	struct yf_q q;

	if (out == NULL)
		return yf_seterr(err, errlen, "no place for the selector");
	*out = NULL;
	if (text == NULL)
		text = "";
	len = strlen(text);
	if (len > INV_MAX_SELECTOR)
		return yf_seterr(err, errlen, "bad selector '%s': too long (at most %d bytes)",
		    yf_quotes(&q, text, YF_QUOTE), INV_MAX_SELECTOR);
	for (p = text; *p != '\0'; p++)
		nterms += *p == ',';
	sel = calloc(1, sizeof(*sel));
	if (sel == NULL)
		return yf_seterr(err, errlen, "out of memory");
	sel->labels = calloc(nterms, sizeof(*sel->labels));
	sel->names = calloc(nterms, sizeof(*sel->names));
	if (sel->labels == NULL || sel->names == NULL) {
		yf_seterr(err, errlen, "out of memory");
		goto fail;
	}
	for (p = text;; p = end + 1) {
		const char *s = p;
		size_t tlen;

		end = strchr(p, ',');
		if (end == NULL)
			end = text + len;
		tlen = (size_t)(end - s);
		while (tlen > 0 && (*s == ' ' || *s == '\t')) {
			s++;
			tlen--;
		}
		while (tlen > 0 && (s[tlen - 1] == ' ' || s[tlen - 1] == '\t'))
			tlen--;
		if (tlen == 0) {
			yf_seterr(err, errlen, "bad selector '%s': empty term",
			    yf_quotes(&q, text, YF_QUOTE_PATH));
			goto fail;
		}
		if (inv_selector_term(sel, text, s, tlen, err, errlen) != 0)
			goto fail;
		if (*end == '\0')
			break;
	}
	*out = sel;
	return 0;

fail:
	inventory_selector_free(sel);
	return -1;
}

/* Whether NODE is one SEL selects; a NULL selector selects every node. */
int
inventory_selector_match(const struct inv_selector *sel, const struct inv_node *node)
{
	if (node == NULL)
		return 0;
	if (sel == NULL)
		return 1;
	for (size_t i = 0; i < sel->nlabels; i++) {
		const char *v = inventory_label(node, sel->labels[i].key);
		int same = v != NULL && strcmp(v, sel->labels[i].value) == 0;

		if (same == sel->labels[i].negate)
			return 0;
	}
	if (sel->nnames == 0)
		return 1;
	for (size_t i = 0; i < sel->nnames; i++) {
		if (fnmatch(sel->names[i], node->name, 0) == 0)
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- configuration */

int
inventory_for_config(const struct backend_config *cfg, struct inventory **out, char *err,
    size_t errlen)
{
	struct inv_selector *sel;
	size_t kept;
	int rc;

	*out = NULL;
	if (cfg->inventory_path != NULL)
		rc = inventory_load(cfg->inventory_path, out, err, errlen);
	else if (cfg->context != NULL)
		rc = inventory_from_contexts(NULL, strcmp(cfg->context, "*") == 0 ? NULL :
		    cfg->context, out, err, errlen);
	else
		rc = inventory_from_env(out, err, errlen);
	if (rc != 0 || cfg->selector == NULL)
		return rc;
	if (inventory_selector_parse(cfg->selector, &sel, err, errlen) != 0)
		goto fail;
	kept = inventory_filter(*out, sel);
	inventory_selector_free(sel);
	if (kept == 0) {
		snprintf(err, errlen, "--nodes '%s': no node of %s matches", cfg->selector,
		    (*out)->source);
		goto fail;
	}
	return 0;
fail:
	inventory_free(*out);
	*out = NULL;
	return -1;
}
