/* plan-diff.c: what a new revision of a stack changes, against the one
 * running.
 *
 * compose_diff compares two stacks (the current revision, read back from
 * its canonical JSON, and the file being planned) and gives one line of
 * text per change, the lines both front ends draw under a plan: services
 * added and removed, and per service its image, environment (one line per
 * variable added, removed or changed), ports, restart policy and any other
 * container option that differs; the rollout policy field by field; the
 * networks, volumes, secrets and configs added or removed.  A variable
 * whose name looks like a credential (PASSWORD, TOKEN, SECRET, ...) is
 * said to change without its values; a secret's content is never in a
 * stack at all (only its digest, compared).  Identical stacks give the
 * one line "no change".  Values come from a stack file: front ends draw
 * them sanitised. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "backend/deploy/compose.h"

/* The lines being made. */
struct cd_out {
	char **lines;
	size_t n;
	int oom;
};

/* Add a formatted line to O. */
static void __attribute__((format(printf, 2, 3)))
cd_line(struct cd_out *o, const char *fmt, ...)
{
	char buf[1024], **nl;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	nl = realloc(o->lines, (o->n + 1) * sizeof(*nl));
	if (nl == NULL || (nl[o->n] = strdup(buf)) == NULL) {
		if (nl != NULL)
			o->lines = nl;
		o->oom = 1;
		return;
	}
	o->lines = nl;
	o->n++;
}

/* Whether variable NAME (LEN bytes) looks like it holds a credential. */
int
compose_var_secret(const char *name, size_t len)
{
	static const char *const words[] = { "PASSWORD", "PASSWD", "PASS", "TOKEN", "SECRET",
	    "KEY", "CREDENTIAL", "PRIVATE", "AUTH" };
	char up[256];

	if (len >= sizeof(up))
		len = sizeof(up) - 1;
	for (size_t i = 0; i < len; i++)
		up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
	up[len] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(up, words[i]) != NULL)
			return 1;
	return 0;
}

/* A JSON value in one short line (at most LEN-1 bytes, "..." when cut). */
static void
cd_json(const cJSON *v, char *out, size_t len)
{
	char *s;

	if (v == NULL) {
		snprintf(out, len, "(none)");
		return;
	}
	if (cJSON_IsString(v)) {
		snprintf(out, len, "%s", v->valuestring);
		return;
	}
	s = cJSON_PrintUnformatted(v);
	snprintf(out, len, "%s", s != NULL ? s : "?");
	if (s != NULL && strlen(s) >= len && len > 4)
		memcpy(out + len - 4, "...", 4);
	free(s);
}

/* Whether A and B are equal JSON (two NULLs are; cJSON_Compare says not). */
static int
cd_same(const cJSON *a, const cJSON *b)
{
	return (a == NULL && b == NULL) || cJSON_Compare(a, b, 1);
}

/* The Env entry of array ENV whose name is NAME (LEN bytes), or NULL. */
static const char *
cd_env_find(const cJSON *env, const char *name, size_t len)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, env) {
		if (cJSON_IsString(e) && strncmp(e->valuestring, name, len) == 0 &&
		    (e->valuestring[len] == '=' || e->valuestring[len] == '\0'))
			return e->valuestring;
	}
	return NULL;
}

/* The environment of service SVC: each variable added, removed or changed. */
static void
cd_env(struct cd_out *o, const char *svc, const cJSON *old, const cJSON *new)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, new) {
		const char *s = cJSON_IsString(e) ? e->valuestring : "", *was;
		size_t len = strcspn(s, "=");
		int hide = compose_var_secret(s, len);

		was = cd_env_find(old, s, len);
		if (was == NULL)
			cd_line(o, "service %s: env %.*s added%s%s", svc, (int)len, s,
			    hide ? " (value hidden)" : " = ", hide ? "" : s + len + (s[len] == '='));
		else if (strcmp(was, s) != 0)
			cd_line(o, "service %s: env %.*s %s%s%s%s", svc, (int)len, s,
			    hide ? "changed (values hidden)" : "",
			    hide ? "" : was + len + (was[len] == '='), hide ? "" : " -> ",
			    hide ? "" : s + len + (s[len] == '='));
	}
	cJSON_ArrayForEach(e, old) {
		const char *s = cJSON_IsString(e) ? e->valuestring : "";
		size_t len = strcspn(s, "=");

		if (cd_env_find(new, s, len) == NULL)
			cd_line(o, "service %s: env %.*s removed", svc, (int)len, s);
	}
}

/* The readable name of create-body key KEY. */
static const char *
cd_key_name(const char *key)
{
	static const char *const names[][2] = {
		{ "PortBindings", "ports" }, { "ExposedPorts", "exposed ports" },
		{ "RestartPolicy", "restart" }, { "Binds", "binds" }, { "Mounts", "mounts" },
		{ "Cmd", "command" }, { "Entrypoint", "entrypoint" }, { "Labels", "labels" },
		{ "Memory", "memory limit" }, { "NanoCpus", "cpus" }, { "Healthcheck", "healthcheck" },
		{ "NetworkMode", "network mode" }, { "User", "user" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(key, names[i][0]) == 0)
			return names[i][1];
	return key;
}

/* Value V of create-body key KEY as a person writes it: ports as
 * "[IP:]HOST:CONTAINER/PROTO, ...", a restart policy by its name; else
 * its JSON. */
static void
cd_value(const char *key, const cJSON *v, char *out, size_t len)
{
	const cJSON *p, *b;
	size_t o = 0;

	if (v != NULL && strcmp(key, "RestartPolicy") == 0 &&
	    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(v, "Name"))) {
		const cJSON *max = cJSON_GetObjectItemCaseSensitive(v, "MaximumRetryCount");

		if (cJSON_IsNumber(max) && max->valueint > 0)
			snprintf(out, len, "%s:%d", cJSON_GetObjectItemCaseSensitive(v,
			    "Name")->valuestring, max->valueint);
		else
			snprintf(out, len, "%s", cJSON_GetObjectItemCaseSensitive(v,
			    "Name")->valuestring);
		return;
	}
	if (v == NULL || strcmp(key, "PortBindings") != 0 || !cJSON_IsObject(v)) {
		cd_json(v, out, len);
		return;
	}
	out[0] = '\0';
	cJSON_ArrayForEach(p, v) {
		cJSON_ArrayForEach(b, p) {
			const char *ip = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b,
			    "HostIp"));
			const char *hp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b,
			    "HostPort"));
			int n = snprintf(out + o, len - o, "%s%s%s%s%s", o ? ", " : "",
			    ip && *ip ? ip : "", ip && *ip ? ":" : "", hp && *hp ? hp : "", hp && *hp ?
			    ":" : "");

			if (n < 0 || (size_t)n >= len - o)
				return;
			o += (size_t)n;
			n = snprintf(out + o, len - o, "%s", p->string);
			if (n < 0 || (size_t)n >= len - o)
				return;
			o += (size_t)n;
		}
	}
	if (o == 0)
		snprintf(out, len, "(none)");
}

/* Every key of objects OLD and NEW (create bodies, or their HostConfig)
 * that differs, but Image, Env and HostConfig, told apart. */
static void
cd_object(struct cd_out *o, const char *svc, const cJSON *old, const cJSON *new)
{
	char a[160], b[160];
	const cJSON *k;

	cJSON_ArrayForEach(k, new) {
		const cJSON *was = cJSON_GetObjectItemCaseSensitive(old, k->string);

		if (strcmp(k->string, "Image") == 0 || strcmp(k->string, "Env") == 0 ||
		    strcmp(k->string, "HostConfig") == 0 || cd_same(was, k))
			continue;
		cd_value(k->string, was, a, sizeof(a));
		cd_value(k->string, k, b, sizeof(b));
		cd_line(o, "service %s: %s %s -> %s", svc, cd_key_name(k->string), a, b);
	}
	cJSON_ArrayForEach(k, old) {
		if (strcmp(k->string, "Image") == 0 || strcmp(k->string, "Env") == 0 ||
		    strcmp(k->string, "HostConfig") == 0 ||
		    cJSON_GetObjectItemCaseSensitive(new, k->string) != NULL)
			continue;
		cd_value(k->string, k, a, sizeof(a));
		cd_line(o, "service %s: %s %s -> (none)", svc, cd_key_name(k->string), a);
	}
}

/* One service in both revisions. */
static void
cd_service(struct cd_out *o, const struct compose_service *old,
    const struct compose_service *new)
{
	const cJSON *hold = cJSON_GetObjectItemCaseSensitive(old->create, "HostConfig");
	const cJSON *hnew = cJSON_GetObjectItemCaseSensitive(new->create, "HostConfig");
	char a[160], b[160];

	if (strcmp(old->image, new->image) != 0)
		cd_line(o, "service %s: image %s -> %s", new->name, old->image, new->image);
	cd_env(o, new->name, cJSON_GetObjectItemCaseSensitive(old->create, "Env"),
	    cJSON_GetObjectItemCaseSensitive(new->create, "Env"));
	cd_object(o, new->name, old->create, new->create);
	cd_object(o, new->name, hold, hnew);
	if (!cd_same(old->endpoints, new->endpoints)) {
		cd_json(old->endpoints, a, sizeof(a));
		cd_json(new->endpoints, b, sizeof(b));
		cd_line(o, "service %s: networks %s -> %s", new->name, a, b);
	}
	if (!cd_same(old->secrets, new->secrets))
		cd_line(o, "service %s: secrets or configs it mounts changed", new->name);
	if (!cd_same(old->depends_on, new->depends_on))
		cd_line(o, "service %s: depends_on changed", new->name);
	if (old->mode != new->mode || old->replicas != new->replicas)
		cd_line(o, "service %s: mode %s %d -> %s %d", new->name, compose_mode_name(old->mode),
		    old->replicas, compose_mode_name(new->mode), new->replicas);
}

/* The NAME of each item of OLD not in NEW: "WHAT NAME removed", and the
 * other way round "added"; and a changed sha256 (secrets). */
static void
cd_named(struct cd_out *o, const char *what, const cJSON *old, const cJSON *new)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, new) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
		const cJSON *f, *was = NULL;

		cJSON_ArrayForEach(f, old) {
			const char *n2 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f,
			    "name"));

			if (name != NULL && n2 != NULL && strcmp(name, n2) == 0)
				was = f;
		}
		if (was == NULL)
			cd_line(o, "%s %s added", what, name ? name : "?");
		else if (!cd_same(was, e))
			cd_line(o, "%s %s changed%s", what, name ? name : "?",
			    cJSON_GetObjectItemCaseSensitive(e, "sha256") != NULL ?
			    " (its content: sha256 differs)" : "");
	}
	cJSON_ArrayForEach(e, old) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
		const cJSON *f;
		int found = 0;

		cJSON_ArrayForEach(f, new) {
			const char *n2 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(f,
			    "name"));

			found |= name != NULL && n2 != NULL && strcmp(name, n2) == 0;
		}
		if (!found)
			cd_line(o, "%s %s removed", what, name ? name : "?");
	}
}

/* The rollout policy and target, field by field. */
static void
cd_policy(struct cd_out *o, const struct compose_stack *old, const struct compose_stack *new)
{
	char *a = compose_policy_to_json(&old->policy, old->target);
	char *b = compose_policy_to_json(&new->policy, new->target);
	cJSON *ja = a ? cJSON_Parse(a) : NULL, *jb = b ? cJSON_Parse(b) : NULL;
	const cJSON *k;
	char x[64], y[64];

	cJSON_ArrayForEach(k, jb) {
		const cJSON *was = cJSON_GetObjectItemCaseSensitive(ja, k->string);

		if (cd_same(was, k))
			continue;
		cd_json(was, x, sizeof(x));
		cd_json(k, y, sizeof(y));
		cd_line(o, "rollout %s %s -> %s", k->string, x, y);
	}
	if ((old->placement == NULL) != (new->placement == NULL) ||
	    (old->placement != NULL && strcmp(old->placement, new->placement) != 0))
		cd_line(o, "placement %s -> %s", old->placement ? old->placement : "(all)",
		    new->placement ? new->placement : "(all)");
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	free(a);
	free(b);
}

/* The changes from OLD to NEW. */
int
compose_diff(const struct compose_stack *old, const struct compose_stack *new, char ***lines,
    size_t *n)
{
	struct cd_out o = { 0 };

	*lines = NULL;
	*n = 0;
	for (size_t i = 0; i < new->nservices; i++) {
		const struct compose_service *s = &new->services[i], *was = NULL;

		for (size_t j = 0; j < old->nservices; j++)
			if (strcmp(old->services[j].name, s->name) == 0)
				was = &old->services[j];
		if (was == NULL)
			cd_line(&o, "service %s: added, image %s", s->name, s->image);
		else
			cd_service(&o, was, s);
	}
	for (size_t j = 0; j < old->nservices; j++) {
		int found = 0;

		for (size_t i = 0; i < new->nservices; i++)
			found |= strcmp(old->services[j].name, new->services[i].name) == 0;
		if (!found)
			cd_line(&o, "service %s: removed (was image %s)", old->services[j].name,
			    old->services[j].image);
	}
	cd_policy(&o, old, new);
	cd_named(&o, "network", old->networks, new->networks);
	cd_named(&o, "volume", old->volumes, new->volumes);
	cd_named(&o, "secret/config", old->secrets, new->secrets);
	if (o.n == 0 && !o.oom)
		cd_line(&o, "no change");
	if (o.oom) {
		compose_diff_free(o.lines, o.n);
		return -1;
	}
	*lines = o.lines;
	*n = o.n;
	return 0;
}

/* Free what compose_diff gave. */
void
compose_diff_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
