/* store.c: the SQLite database of deploys, revisions and the journal.
 *
 * One connection per store, its calls serialised by a mutex; WAL mode and a
 * busy timeout let the cockpit, a `plantdeck deploy` and a `plantdeck
 * rollout pause` share the file.  The schema carries its version in
 * PRAGMA user_version and is created or upgraded on open. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmpx.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "backend/store/store.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_BUSY_MS 5000
#define STORE_PLANT_DIR "/var/lib/plantdeck"  /* the plant-wide database, when it exists */
#define STORE_PEEK_MS 200      /* store_data_version's busy timeout */
#define STORE_STMTS 32         /* statements kept prepared on a connection */
/* An executor refreshes its heartbeat every second; one silent for longer
 * than this, or whose pid is gone, has died. */
#define STORE_HEARTBEAT_DEAD 10
#define STORE_HEARTBEAT_LOCAL_DEAD 60

/* A journal line or a node's phase, waiting for a group commit. */
struct store_op {
	int journal;            /* 1: a journal line, 0: a node's phase */
	int64_t id;
	const char *node, *step, *status, *detail, *error;
	enum pd_phase phase;
	double time;            /* when it was asked for */
	int64_t now;
	int rc, done;
	struct store_op *next;
};

struct store {
	sqlite3 *db;
	pthread_mutex_t lock;
	/* Group commit of journal lines and node phases (store_write): */
	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	struct store_op *qhead, **qtail;
	int qleader;            /* a thread is writing a batch */
	unsigned long batches, ops;  /* since open: transactions and what they held */
	char path[PATH_MAX];
	char host[128];
	int read_only;
	int node_failed;        /* deploy_nodes has the column failed (else an older
	                           database, opened read-only: phase 'failed' alone) */
	/* Statements asked for again and again (store_stmt): the healer's
	 * tick and the cockpit's store reader ran the same few every second,
	 * and preparing them again was most of what SQLite did there. */
	sqlite3_stmt *stmts[STORE_STMTS];
	size_t nstmts;
};

static const char store_schema[] =
	"CREATE TABLE IF NOT EXISTS stacks ("
	"  name TEXT PRIMARY KEY,"
	"  current_revision INTEGER NOT NULL DEFAULT 0,"
	"  last_revision INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS revisions ("
	"  stack TEXT NOT NULL,"
	"  revision INTEGER NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  deploy INTEGER,"
	"  file TEXT,"
	"  spec TEXT NOT NULL,"
	"  PRIMARY KEY (stack, revision));"
	"CREATE TABLE IF NOT EXISTS deploys ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  stack TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  parent INTEGER NOT NULL DEFAULT 0,"
	"  revision INTEGER NOT NULL,"
	"  from_revision INTEGER NOT NULL,"
	"  state TEXT NOT NULL,"
	"  request TEXT,"
	"  failure_action TEXT NOT NULL,"
	"  max_failure_ratio REAL NOT NULL,"
	"  policy TEXT,"
	"  file TEXT,"
	"  message TEXT,"
	"  user TEXT,"
	"  host TEXT,"
	"  pid INTEGER,"
	"  heartbeat INTEGER,"
	"  started INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS deploys_stack ON deploys (stack, id);"
	"CREATE TABLE IF NOT EXISTS deploy_nodes ("
	"  deploy INTEGER NOT NULL,"
	"  node TEXT NOT NULL,"
	"  wave INTEGER NOT NULL,"
	"  ord INTEGER NOT NULL,"
	"  phase TEXT NOT NULL,"
	"  step TEXT,"
	"  error TEXT,"
	"  updated INTEGER NOT NULL,"
	"  failed INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (deploy, node));"
	"CREATE TABLE IF NOT EXISTS journal ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  deploy INTEGER NOT NULL,"
	"  node TEXT,"
	"  step TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  detail TEXT,"
	"  time REAL NOT NULL);"
	"CREATE INDEX IF NOT EXISTS journal_deploy ON journal (deploy, id);";

int
store_default_path(const char *configured, char *out, size_t outlen, char *err, size_t errlen)
{
	const char *env = getenv("PLANTDECK_DB");
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	struct stat sb;
	int n;

	if (configured != NULL && configured[0] != '\0')
		n = snprintf(out, outlen, "%s", configured);
	else if (env != NULL && env[0] != '\0')
		n = snprintf(out, outlen, "%s", env);
	else if (stat(STORE_PLANT_DIR, &sb) == 0 && S_ISDIR(sb.st_mode))
		n = snprintf(out, outlen, "%s/plantdeck.db", STORE_PLANT_DIR);  /* installed */
	else if (xdg != NULL && xdg[0] == '/')
		n = snprintf(out, outlen, "%s/plantdeck/plantdeck.db", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(out, outlen, "%s/.local/state/plantdeck/plantdeck.db", home);
	else {
		snprintf(err, errlen, "no database path: set --db, PLANTDECK_DB or HOME");
		return -1;
	}
	if (n < 0 || (size_t)n >= outlen) {
		snprintf(err, errlen, "database path too long");
		return -1;
	}
	return 0;
}

/* Whether PATH's directory has the setgid bit (a group's shared one). */
static int
store_dir_setgid(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat sb;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	return stat(dir, &sb) == 0 && (sb.st_mode & S_ISGID) != 0;
}

/* mkdir -p of PATH's directory. */
static int
store_mkdirs(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Fill ERR from the connection's last error. */
static int
store_fail(struct store *st, const char *what, char *err, size_t errlen)
{
	if (err != NULL)
		snprintf(err, errlen, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
	return -1;
}

/* Whether deploy_nodes has the column failed: a node failed in its deploy,
 * kept when a rollback restores it (the breaker's count, and which ones).
 * Databases made before it get it added on a writable open; the schema
 * version stays, so an older plantdeck still opens them. */
static int
store_node_failed_column(sqlite3 *db)
{
	sqlite3_stmt *q;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info('deploy_nodes')"
	    " WHERE name = 'failed'", -1, &q, NULL) != SQLITE_OK)
		return 0;
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}
int
store_open(const char *path, int read_only, struct store **out, char *err, size_t errlen)
{
	struct store *st;
	int flags = SQLITE_OPEN_FULLMUTEX;
	char *msg = NULL;
	sqlite3_stmt *q;
	int version = 0, fd;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_init(&st->qlock, NULL);
	pthread_cond_init(&st->qcond, NULL);
	st->qtail = &st->qhead;
	snprintf(st->path, sizeof(st->path), "%s", path);
	st->read_only = read_only;
	if (gethostname(st->host, sizeof(st->host)) != 0)
		snprintf(st->host, sizeof(st->host), "localhost");
	st->host[sizeof(st->host) - 1] = '\0';
	if (read_only) {
		flags |= SQLITE_OPEN_READONLY;
	} else {
		flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
		if (store_mkdirs(path) != 0) {
			snprintf(err, errlen, "%s: cannot create its directory: %s", path,
			    strerror(errno));
			store_close(st);
			return -1;
		}
		/* A new database is its owner's alone (SQLite would make it 0644
		 * under the usual umask: the audit trail readable by every local
		 * user), or its group's in a setgid directory (the plant-wide
		 * /var/lib/plantdeck, 2770 root:plantdeck); SQLite gives its -wal
		 * and -shm files the same mode. */
		if (strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0 &&
		    (fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    store_dir_setgid(path) ? 0660 : 0600)) >= 0) {
			if (store_dir_setgid(path))
				fchmod(fd, 0660);                /* whatever the umask */
			close(fd);
		}
	}
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open the database: %s", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) : "out of memory");
		store_close(st);
		return -1;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK) {
		store_fail(st, "not a plantdeck database", err, errlen);
		store_close(st);
		return -1;
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (version > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: written by a newer plantdeck (schema %d, this one knows %d)",
		    path, version, STORE_SCHEMA_VERSION);
		store_close(st);
		return -1;
	}
	if (read_only) {
		if (version == 0) {
			snprintf(err, errlen, "%s: no plantdeck database here yet", path);
			store_close(st);
			return -1;
		}
		st->node_failed = store_node_failed_column(st->db);
		*out = st;
		return 0;
	}
	if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    "BEGIN IMMEDIATE;", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(st->db, store_schema, NULL, NULL, &msg) != SQLITE_OK ||
	    (!store_node_failed_column(st->db) && sqlite3_exec(st->db, "ALTER TABLE deploy_nodes"
	    " ADD COLUMN failed INTEGER NOT NULL DEFAULT 0", NULL, NULL, &msg) != SQLITE_OK) ||
	    sqlite3_exec(st->db, "PRAGMA user_version = 1; COMMIT;", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot set up the database: %s", path,
		    msg != NULL ? msg : sqlite3_errmsg(st->db));
		sqlite3_free(msg);
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		store_close(st);
		return -1;
	}
	st->node_failed = 1;
	*out = st;
	return 0;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	/* Kept statements first: sqlite3_close refuses while any is left. */
	for (size_t i = 0; i < st->nstmts; i++)
		sqlite3_finalize(st->stmts[i]);
	if (st->db != NULL)
		sqlite3_close(st->db);
	pthread_mutex_destroy(&st->lock);
	pthread_mutex_destroy(&st->qlock);
	pthread_cond_destroy(&st->qcond);
	free(st);
}

/* Prepare SQL; on failure fill ERR and return NULL. */
static sqlite3_stmt *
store_prepare(struct store *st, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *q = NULL;

	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
		store_fail(st, "prepare", err, errlen);
		return NULL;
	}
	return q;
}

sqlite3_stmt *
store_stmt(struct store *st, const char *sql)
{
	sqlite3_stmt *q = NULL;

	for (size_t i = 0; i < st->nstmts; i++)
		if (strcmp(sqlite3_sql(st->stmts[i]), sql) == 0)
			return st->stmts[i];
	if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK)
		return NULL;
	if (st->nstmts < STORE_STMTS)
		st->stmts[st->nstmts++] = q;
	return q;
}

void
store_stmt_done(struct store *st, sqlite3_stmt *q)
{
	if (q == NULL)
		return;
	for (size_t i = 0; i < st->nstmts; i++) {
		if (st->stmts[i] == q) {
			/* Reset ends the statement's read transaction: a kept
			 * one left stepping would pin the WAL and hide others'
			 * commits from this connection. */
			sqlite3_reset(q);
			sqlite3_clear_bindings(q);
			return;
		}
	}
	sqlite3_finalize(q);  /* past the cap: prepared for this use only */
}

/* Run a statement that returns no rows; 0 or -1 with ERR. */
static int
store_done(struct store *st, sqlite3_stmt *q, const char *what, char *err, size_t errlen)
{
	int rc = sqlite3_step(q);

	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return store_fail(st, what, err, errlen);
	return 0;
}

/* A column as a string, "" for NULL. */
static const char *
store_text(sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);

	return t != NULL ? (const char *)t : "";
}

static double
store_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* An integer query with one text and an optional integer parameter. */
static int
store_int_query(struct store *st, const char *sql, const char *text, int64_t num, int *out,
    char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	*out = 0;
	pthread_mutex_lock(&st->lock);
	q = store_prepare(st, sql, err, errlen);
	if (q == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	sqlite3_bind_text(q, 1, text, -1, SQLITE_TRANSIENT);
	if (sqlite3_bind_parameter_count(q) > 1)
		sqlite3_bind_int64(q, 2, num);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, "query", err, errlen);
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	pthread_mutex_unlock(&st->lock);
	return 0;
}

/* PRAGMA data_version: changes when another connection committed.  Asked
 * with a short busy timeout, so that a reader learns of a lock at once. */
int
store_data_version(struct store *st, int64_t *out, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	*out = 0;
	pthread_mutex_lock(&st->lock);
	sqlite3_busy_timeout(st->db, STORE_PEEK_MS);
	q = store_stmt(st, "PRAGMA data_version");
	if (q == NULL) {
		store_fail(st, "prepare", err, errlen);
		sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(q, 0);
	store_stmt_done(st, q);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		snprintf(err, errlen, "%s: locked by another process", st->path);
		pthread_mutex_unlock(&st->lock);
		return 1;
	}
	if (rc != SQLITE_ROW) {
		store_fail(st, "data_version", err, errlen);
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	pthread_mutex_unlock(&st->lock);
	return 0;
}

int
store_stack_current(struct store *st, const char *stack, int *rev, char *err, size_t errlen)
{
	return store_int_query(st, "SELECT current_revision FROM stacks WHERE name = ?1",
	    stack, 0, rev, err, errlen);
}

int
store_stack_next(struct store *st, const char *stack, int *rev, char *err, size_t errlen)
{
	if (store_int_query(st, "SELECT last_revision FROM stacks WHERE name = ?1",
	    stack, 0, rev, err, errlen) != 0)
		return -1;
	(*rev)++;
	return 0;
}

int
store_stack_set_current(struct store *st, const char *stack, int rev, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	pthread_mutex_lock(&st->lock);
	q = store_prepare(st, "INSERT INTO stacks (name, current_revision, last_revision) "
	    "VALUES (?1, ?2, ?2) ON CONFLICT (name) DO UPDATE SET current_revision = ?2",
	    err, errlen);
	if (q == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	sqlite3_bind_text(q, 1, stack, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 2, rev);
	rc = store_done(st, q, "set the current revision", err, errlen);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int
store_revision_spec(struct store *st, const char *stack, int rev, char **spec, char *err,
    size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	*spec = NULL;
	pthread_mutex_lock(&st->lock);
	q = store_prepare(st, "SELECT spec FROM revisions WHERE stack = ?1 AND revision = ?2",
	    err, errlen);
	if (q == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	sqlite3_bind_text(q, 1, stack, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 2, rev);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		*spec = strdup(store_text(q, 0));
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->lock);
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "stack %s has no revision %d (kept revisions: plantdeck "
		    "history %s)", stack, rev, stack);
		return -1;
	}
	if (*spec == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
store_revision_prune(struct store *st, const char *stack, int keep, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	pthread_mutex_lock(&st->lock);
	q = store_prepare(st,
	    "DELETE FROM revisions WHERE stack = ?1"
	    " AND revision <= (SELECT last_revision FROM stacks WHERE name = ?1) - ?2"
	    " AND revision != (SELECT current_revision FROM stacks WHERE name = ?1)"
	    " AND revision NOT IN (SELECT from_revision FROM deploys WHERE stack = ?1"
	    "   AND state IN ('running', 'paused', 'rolling_back'))"
	    " AND revision NOT IN (SELECT revision FROM deploys WHERE stack = ?1"
	    "   AND state IN ('running', 'paused', 'rolling_back'))", err, errlen);
	if (q == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	sqlite3_bind_text(q, 1, stack, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 2, keep);
	rc = store_done(st, q, "prune revisions", err, errlen);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* "service=image, ..." from a revision's spec (canonical JSON, see compose.h). */
static void
store_spec_images(const char *spec, char *out, size_t outlen)
{
	cJSON *j = cJSON_Parse(spec), *svc;
	size_t len = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(svc, cJSON_GetObjectItemCaseSensitive(j, "services")) {
		cJSON *name = cJSON_GetObjectItemCaseSensitive(svc, "name");
		cJSON *image = cJSON_GetObjectItemCaseSensitive(svc, "image");
		int n;

		if (!cJSON_IsString(name) || !cJSON_IsString(image) || len >= outlen)
			continue;
		n = snprintf(out + len, outlen - len, "%s%s=%s", len ? ", " : "",
		    name->valuestring, image->valuestring);
		if (n > 0)
			len += (size_t)n;
	}
	cJSON_Delete(j);
}

int
store_revisions(struct store *st, const char *stack, struct pd_revision **out, size_t *n,
    char *err, size_t errlen)
{
	sqlite3_stmt *q;
	struct pd_revision *v = NULL, *nv;
	size_t len = 0;
	int rc;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&st->lock);
	q = store_prepare(st,
	    "SELECT r.stack, r.revision, r.created, r.deploy, r.file, r.spec,"
	    " r.revision = s.current_revision FROM revisions r"
	    " LEFT JOIN stacks s ON s.name = r.stack"
	    " WHERE ?1 IS NULL OR r.stack = ?1 ORDER BY r.stack, r.revision DESC", err, errlen);
	if (q == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	if (stack != NULL)
		sqlite3_bind_text(q, 1, stack, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct pd_revision *r;

		nv = realloc(v, (len + 1) * sizeof(*v));
		if (nv == NULL)
			break;
		v = nv;
		r = &v[len++];
		memset(r, 0, sizeof(*r));
		snprintf(r->stack, sizeof(r->stack), "%s", store_text(q, 0));
		r->revision = sqlite3_column_int(q, 1);
		r->created = (time_t)sqlite3_column_int64(q, 2);
		r->deploy = sqlite3_column_int64(q, 3);
		snprintf(r->file, sizeof(r->file), "%s", store_text(q, 4));
		store_spec_images(store_text(q, 5), r->images, sizeof(r->images));
		r->current = sqlite3_column_int(q, 6);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->lock);
	if (rc != SQLITE_DONE) {
		free(v);
		snprintf(err, errlen, "%s: reading revisions failed", st->path);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

/* ---------------------------------------------------------------- deploys */

/* A state that blocks another deploy of the same stack. */
#define STORE_ACTIVE "('running', 'paused', 'rolling_back')"

/* Whether the process PID of HOST is alive (unknown hosts count as alive). */
static int
store_pid_alive(const struct store *st, const char *host, int64_t pid)
{
	if (host == NULL || strcmp(host, st->host) != 0)
		return 1;
	if (pid <= 0 || pid > INT_MAX)
		return 0;
	if (kill((pid_t)pid, 0) == 0 || errno == EPERM)
		return 1;
	return 0;
}

/* Whether the executor HOST:PID, last heard of at HEARTBEAT, still runs its
 * deploy.  On this host the pid says so (a pid reused by another program is
 * caught by the heartbeat, more patiently); elsewhere only the heartbeat. */
static int
store_owner_alive(const struct store *st, const char *host, int64_t pid, int64_t heartbeat)
{
	time_t age = time(NULL) - heartbeat;

	if (host != NULL && strcmp(host, st->host) == 0)
		return store_pid_alive(st, host, pid) && age <= STORE_HEARTBEAT_LOCAL_DEAD;
	return age <= STORE_HEARTBEAT_DEAD;
}

/* With the lock held: the id of a deploy of STACK that blocks a new one. */
static int64_t
store_blocking_deploy(struct store *st, const char *stack, char *state, size_t statelen)
{
	sqlite3_stmt *q;
	int64_t id = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT id, state, host, pid, heartbeat FROM deploys"
	    " WHERE stack = ?1 AND state IN " STORE_ACTIVE " ORDER BY id DESC LIMIT 1",
	    -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, stack, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const char *s = store_text(q, 1);
		id = sqlite3_column_int64(q, 0);
		if (strcmp(s, "paused") != 0 && !store_owner_alive(st, store_text(q, 2),
		    sqlite3_column_int64(q, 3), sqlite3_column_int64(q, 4)))
			s = "interrupted";
		snprintf(state, statelen, "%s", s);
	}
	sqlite3_finalize(q);
	return id;
}

int
store_deploy_create(struct store *st, const struct store_deploy_new *d, int64_t *id,
    char *err, size_t errlen)
{
	sqlite3_stmt *q;
	char state[32] = "";
	int64_t blocking;
	time_t now = time(NULL);

	*id = 0;
	pthread_mutex_lock(&st->lock);
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(st, "begin", err, errlen);
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	blocking = store_blocking_deploy(st, d->stack, state, sizeof(state));
	/* A rollback takes over from the deploy it undoes. */
	if (blocking != 0 && !(blocking == d->parent && strcmp(d->kind, "rollback") == 0)) {
		if (blocking < 0)
			store_fail(st, "query", err, errlen);
		else
			snprintf(err, errlen, "stack %s has deploy #%lld %s: resume, abort or roll "
			    "it back first (plantdeck rollout status %lld)", d->stack,
			    (long long)blocking, state, (long long)blocking);
		goto fail;
	}
	q = store_prepare(st, "INSERT INTO deploys (stack, kind, parent, revision, from_revision,"
	    " state, failure_action, max_failure_ratio, policy, file, user, host, pid, heartbeat,"
	    " started, updated) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9, ?10, ?11,"
	    " ?12, ?13, ?13, ?13)", err, errlen);
	if (q == NULL)
		goto fail;
	sqlite3_bind_text(q, 1, d->stack, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, d->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, d->parent);
	sqlite3_bind_int(q, 4, d->revision);
	sqlite3_bind_int(q, 5, d->from_revision);
	sqlite3_bind_text(q, 6, d->failure_action, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(q, 7, d->max_failure_ratio);
	sqlite3_bind_text(q, 8, d->policy, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 9, d->file, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 10, d->user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 11, st->host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 12, (int64_t)getpid());
	sqlite3_bind_int64(q, 13, (int64_t)now);
	if (store_done(st, q, "create the deploy", err, errlen) != 0)
		goto fail;
	*id = sqlite3_last_insert_rowid(st->db);
	if (d->spec != NULL) {
		q = store_prepare(st, "INSERT INTO revisions (stack, revision, created, deploy, file,"
		    " spec) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", err, errlen);
		if (q == NULL)
			goto fail;
		sqlite3_bind_text(q, 1, d->stack, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(q, 2, d->revision);
		sqlite3_bind_int64(q, 3, (int64_t)now);
		sqlite3_bind_int64(q, 4, *id);
		sqlite3_bind_text(q, 5, d->file, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 6, d->spec, -1, SQLITE_TRANSIENT);
		if (store_done(st, q, "store the revision", err, errlen) != 0)
			goto fail;
		q = store_prepare(st, "INSERT INTO stacks (name, current_revision, last_revision)"
		    " VALUES (?1, 0, ?2) ON CONFLICT (name) DO UPDATE SET last_revision = ?2",
		    err, errlen);
		if (q == NULL)
			goto fail;
		sqlite3_bind_text(q, 1, d->stack, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(q, 2, d->revision);
		if (store_done(st, q, "number the revision", err, errlen) != 0)
			goto fail;
	}
	for (size_t i = 0; i < d->nnodes; i++) {
		q = store_prepare(st, "INSERT INTO deploy_nodes (deploy, node, wave, ord, phase,"
		    " updated) VALUES (?1, ?2, ?3, ?4, 'pending', ?5)", err, errlen);
		if (q == NULL)
			goto fail;
		sqlite3_bind_int64(q, 1, *id);
		sqlite3_bind_text(q, 2, d->nodes[i].node, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(q, 3, d->nodes[i].wave);
		sqlite3_bind_int64(q, 4, (int64_t)i);
		sqlite3_bind_int64(q, 5, (int64_t)now);
		if (store_done(st, q, "record a target", err, errlen) != 0)
			goto fail;
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(st, "commit", err, errlen);
		goto fail;
	}
	pthread_mutex_unlock(&st->lock);
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&st->lock);
	*id = 0;
	return -1;
}

int
store_deploy_claim(struct store *st, int64_t id, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(st, "begin", err, errlen);
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	q = store_prepare(st, "SELECT state, host, pid, heartbeat FROM deploys WHERE id = ?1",
	    err, errlen);
	if (q == NULL)
		goto fail;
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(q);
		snprintf(err, errlen, "no deploy #%lld", (long long)id);
		goto fail;
	}
	if (strcmp(store_text(q, 0), "paused") != 0 && store_owner_alive(st, store_text(q, 1),
	    sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3)) &&
	    (strcmp(store_text(q, 0), "running") == 0 ||
	     strcmp(store_text(q, 0), "rolling_back") == 0)) {
		snprintf(err, errlen, "deploy #%lld is being run by process %lld on %s",
		    (long long)id, (long long)sqlite3_column_int64(q, 2), store_text(q, 1));
		sqlite3_finalize(q);
		goto fail;
	}
	sqlite3_finalize(q);
	q = store_prepare(st, "UPDATE deploys SET host = ?2, pid = ?3, heartbeat = ?4,"
	    " updated = ?4, request = NULL WHERE id = ?1", err, errlen);
	if (q == NULL)
		goto fail;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_text(q, 2, st->host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, (int64_t)getpid());
	sqlite3_bind_int64(q, 4, (int64_t)time(NULL));
	if (store_done(st, q, "claim the deploy", err, errlen) != 0)
		goto fail;
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(st, "commit", err, errlen);
		goto fail;
	}
	pthread_mutex_unlock(&st->lock);
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&st->lock);
	return -1;
}

/* UPDATE deploys SET <COLUMN> = TEXT, updated = now WHERE id = ID. */
static int
store_deploy_set_text(struct store *st, int64_t id, const char *sql, const char *text,
    char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	pthread_mutex_lock(&st->lock);
	q = store_prepare(st, sql, err, errlen);
	if (q == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	if (text != NULL)
		sqlite3_bind_text(q, 2, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 3, (int64_t)time(NULL));
	rc = store_done(st, q, "update the deploy", err, errlen);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int
store_deploy_set_state(struct store *st, int64_t id, enum pd_deploy_state state,
    const char *message, char *err, size_t errlen)
{
	char sql[200];

	snprintf(sql, sizeof(sql), "UPDATE deploys SET state = '%s', message = COALESCE(?2, "
	    "message), updated = ?3 WHERE id = ?1", pd_deploy_state_name(state));
	return store_deploy_set_text(st, id, sql, message, err, errlen);
}

int
store_deploy_request(struct store *st, int64_t id, const char *request, char *err, size_t errlen)
{
	return store_deploy_set_text(st, id,
	    "UPDATE deploys SET request = ?2, updated = ?3 WHERE id = ?1", request, err, errlen);
}

int
store_deploy_heartbeat(struct store *st, int64_t id, char *req, size_t reqlen)
{
	sqlite3_stmt *q;
	int rc = -1;

	req[0] = '\0';
	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, "UPDATE deploys SET heartbeat = ?2 WHERE id = ?1"
	    " RETURNING COALESCE(request, '')", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, id);
		sqlite3_bind_int64(q, 2, (int64_t)time(NULL));
		if (sqlite3_step(q) == SQLITE_ROW) {
			snprintf(req, reqlen, "%s", store_text(q, 0));
			rc = 0;
		}
		sqlite3_finalize(q);
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int
store_deploy_policy(struct store *st, int64_t id, char **policy, char **file, char *err,
    size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	*policy = *file = NULL;
	pthread_mutex_lock(&st->lock);
	q = store_prepare(st, "SELECT policy, file FROM deploys WHERE id = ?1", err, errlen);
	if (q == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*policy = strdup(store_text(q, 0));
		*file = strdup(store_text(q, 1));
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->lock);
	if (rc != SQLITE_ROW || *policy == NULL || *file == NULL) {
		free(*policy);
		free(*file);
		*policy = *file = NULL;
		snprintf(err, errlen, "no deploy #%lld", (long long)id);
		return -1;
	}
	return 0;
}

/* Run one op on the open connection (under st->lock); 0 or -1. */
static int
store_op_run(struct store *st, struct store_op *op)
{
	sqlite3_stmt *q;
	int rc = -1;

	if (op->journal) {
		if (sqlite3_prepare_v2(st->db, "INSERT INTO journal (deploy, node, step, status,"
		    " detail, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &q, NULL) != SQLITE_OK)
			return -1;
		sqlite3_bind_int64(q, 1, op->id);
		if (op->node != NULL)
			sqlite3_bind_text(q, 2, op->node, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 3, op->step, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(q, 4, op->status, -1, SQLITE_TRANSIENT);
		if (op->detail != NULL)
			sqlite3_bind_text(q, 5, op->detail, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(q, 6, op->time);
		rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(q);
		return rc;
	}
	/* failed stays set through a rollback; a node tried again from the
	 * start (pending: a resume retrying a failed pull) is clear again. */
	if (sqlite3_prepare_v2(st->db, "UPDATE deploy_nodes SET phase = ?3,"
	    " step = COALESCE(?4, step), error = COALESCE(?5, error), updated = ?6,"
	    " failed = CASE ?3 WHEN 'failed' THEN 1 WHEN 'pending' THEN 0 ELSE failed END"
	    " WHERE deploy = ?1 AND node = ?2", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(q, 1, op->id);
	sqlite3_bind_text(q, 2, op->node, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, pd_phase_name(op->phase), -1, SQLITE_STATIC);
	if (op->step != NULL)
		sqlite3_bind_text(q, 4, op->step, -1, SQLITE_TRANSIENT);
	if (op->error != NULL)
		sqlite3_bind_text(q, 5, op->error, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 6, op->now);
	rc = sqlite3_step(q) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(st->db, "UPDATE deploys SET updated = ?2 WHERE id = ?1",
	    -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, op->id);
		sqlite3_bind_int64(q, 2, op->now);
		sqlite3_step(q);
		sqlite3_finalize(q);
	}
	return rc;
}

/* Write the ops of BATCH in one transaction (one by one if none can be
 * opened, as a read-only store fails each). */
static void
store_batch(struct store *st, struct store_op *batch)
{
	int tx;

	pthread_mutex_lock(&st->lock);
	tx = batch->next != NULL &&
	    sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
	for (struct store_op *op = batch; op != NULL; op = op->next)
		op->rc = store_op_run(st, op);
	if (tx && sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		for (struct store_op *op = batch; op != NULL; op = op->next)
			op->rc = -1;
	}
	st->batches++;
	for (struct store_op *op = batch; op != NULL; op = op->next)
		st->ops++;
	pthread_mutex_unlock(&st->lock);
}

/* Write OP and return once it is committed: a group commit.  The first
 * writer writes every op queued meanwhile in one transaction; the others
 * wait for it (or write the next batch).  Nothing returns before its line
 * is in the database, so a resumed deploy sees every step that ended. */
static int
store_write(struct store *st, struct store_op *op)
{
	op->next = NULL;
	op->done = 0;
	pthread_mutex_lock(&st->qlock);
	*st->qtail = op;
	st->qtail = &op->next;
	while (!op->done) {
		struct store_op *batch, *next;

		if (st->qleader) {
			pthread_cond_wait(&st->qcond, &st->qlock);
			continue;
		}
		st->qleader = 1;
		batch = st->qhead;
		st->qhead = NULL;
		st->qtail = &st->qhead;
		pthread_mutex_unlock(&st->qlock);
		store_batch(st, batch);
		pthread_mutex_lock(&st->qlock);
		for (struct store_op *o = batch; o != NULL; o = next) {
			next = o->next;
			o->done = 1;    /* O may be gone once its writer sees this */
		}
		st->qleader = 0;
		pthread_cond_broadcast(&st->qcond);
	}
	pthread_mutex_unlock(&st->qlock);
	return op->rc;
}

int
store_node_set(struct store *st, int64_t id, const char *node, enum pd_phase phase,
    const char *step, const char *error)
{
	struct store_op op = { .id = id, .node = node, .phase = phase, .step = step,
		.error = error, .now = (int64_t)time(NULL) };

	return store_write(st, &op);
}

int
store_journal(struct store *st, int64_t id, const char *node, const char *step,
    const char *status, const char *detail)
{
	struct store_op op = { .journal = 1, .id = id, .node = node, .step = step,
		.status = status, .detail = detail, .time = store_now() };

	return store_write(st, &op);
}

void
store_write_stats(struct store *st, unsigned long *batches, unsigned long *ops)
{
	pthread_mutex_lock(&st->lock);
	*batches = st->batches;
	*ops = st->ops;
	pthread_mutex_unlock(&st->lock);
}

#define STORE_DEPLOY_COLUMNS \
	"d.id, d.stack, d.kind, d.parent, d.revision, d.from_revision, d.state," \
	" d.failure_action, d.max_failure_ratio, d.message, d.user, d.started, d.updated," \
	" d.host, d.pid, d.heartbeat," \
	" (SELECT COUNT(*) FROM deploy_nodes n WHERE n.deploy = d.id)," \
	" (SELECT COUNT(*) FROM deploy_nodes n WHERE n.deploy = d.id AND n.phase = 'done')," \
	" (SELECT COUNT(*) FROM deploy_nodes n WHERE n.deploy = d.id AND %s)," \
	" (SELECT COUNT(*) FROM deploy_nodes n WHERE n.deploy = d.id AND n.phase NOT IN" \
	"   ('pending', 'pulling', 'pulled', 'skipped'))," \
	" CASE WHEN json_valid(d.policy) THEN json_extract(d.policy, '$.target') END"

/* What counts a node as failed in STORE_DEPLOY_COLUMNS: it failed in the
 * deploy, also when a rollback restored it since. */
#define STORE_FAILED(st) ((st)->node_failed ? "(n.phase = 'failed' OR n.failed = 1)" : \
	"n.phase = 'failed'")

/* Fill D from a row of STORE_DEPLOY_COLUMNS. */
static void
store_deploy_row(struct store *st, sqlite3_stmt *q, struct pd_deploy *d)
{
	memset(d, 0, sizeof(*d));
	d->id = sqlite3_column_int64(q, 0);
	snprintf(d->stack, sizeof(d->stack), "%s", store_text(q, 1));
	snprintf(d->kind, sizeof(d->kind), "%s", store_text(q, 2));
	d->parent = sqlite3_column_int64(q, 3);
	d->revision = sqlite3_column_int(q, 4);
	d->from_revision = sqlite3_column_int(q, 5);
	d->state = pd_deploy_state_from_name(store_text(q, 6));
	snprintf(d->failure_action, sizeof(d->failure_action), "%s", store_text(q, 7));
	d->max_failure_ratio = sqlite3_column_double(q, 8);
	snprintf(d->message, sizeof(d->message), "%s", store_text(q, 9));
	snprintf(d->user, sizeof(d->user), "%s", store_text(q, 10));
	d->started = (time_t)sqlite3_column_int64(q, 11);
	d->updated = (time_t)sqlite3_column_int64(q, 12);
	if ((d->state == PD_DEPLOY_RUNNING || d->state == PD_DEPLOY_ROLLING_BACK) &&
	    !store_owner_alive(st, store_text(q, 13), sqlite3_column_int64(q, 14),
	    sqlite3_column_int64(q, 15)))
		d->state = PD_DEPLOY_INTERRUPTED;
	d->total = sqlite3_column_int(q, 16);
	d->done = sqlite3_column_int(q, 17);
	d->failed = sqlite3_column_int(q, 18);
	d->touched = sqlite3_column_int(q, 19);
	/* Deploys from before targets existed were of standalone engines. */
	snprintf(d->target, sizeof(d->target), "%s",
	    strcmp(store_text(q, 20), "swarm") == 0 ? "swarm" : "engines");
}

int
store_deploys(struct store *st, size_t limit, struct pd_deploy **out, size_t *n, char *err,
    size_t errlen)
{
	sqlite3_stmt *q;
	struct pd_deploy *v = NULL, *nv;
	size_t len = 0;
	char sql[2048];
	int rc;

	*out = NULL;
	*n = 0;
	snprintf(sql, sizeof(sql), "SELECT " STORE_DEPLOY_COLUMNS " FROM deploys d ORDER BY d.id"
	    " DESC LIMIT ?1", STORE_FAILED(st));
	pthread_mutex_lock(&st->lock);
	q = store_prepare(st, sql, err, errlen);
	if (q == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	sqlite3_bind_int64(q, 1, (int64_t)(limit > 0 ? limit : 20));
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		nv = realloc(v, (len + 1) * sizeof(*v));
		if (nv == NULL)
			break;
		v = nv;
		store_deploy_row(st, q, &v[len++]);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->lock);
	if (rc != SQLITE_DONE) {
		free(v);
		snprintf(err, errlen, "%s: reading deploys failed", st->path);
		return -1;
	}
	*out = v;
	*n = len;
	return 0;
}

int
store_deploy_get(struct store *st, int64_t id, struct pd_deploy *out, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	struct pd_deploy_node *nodes = NULL, *nv;
	size_t len = 0;
	char sql[2048];
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(sql, sizeof(sql), "SELECT " STORE_DEPLOY_COLUMNS " FROM deploys d %s",
	    STORE_FAILED(st), id > 0 ? "WHERE d.id = ?1" : "ORDER BY d.id DESC LIMIT 1");
	pthread_mutex_lock(&st->lock);
	q = store_prepare(st, sql, err, errlen);
	if (q == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	if (id > 0)
		sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		store_deploy_row(st, q, out);
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW) {
		pthread_mutex_unlock(&st->lock);
		if (id > 0)
			snprintf(err, errlen, "no deploy #%lld in %s", (long long)id, st->path);
		else
			snprintf(err, errlen, "no deploy yet in %s", st->path);
		return -1;
	}
	q = store_prepare(st, st->node_failed ? "SELECT node, wave, phase, step, error, updated,"
	    " failed FROM deploy_nodes WHERE deploy = ?1 ORDER BY ord" : "SELECT node, wave, phase,"
	    " step, error, updated, 0 FROM deploy_nodes WHERE deploy = ?1 ORDER BY ord", err,
	    errlen);
	if (q == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	sqlite3_bind_int64(q, 1, out->id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct pd_deploy_node *dn;

		nv = realloc(nodes, (len + 1) * sizeof(*nodes));
		if (nv == NULL)
			break;
		nodes = nv;
		dn = &nodes[len++];
		memset(dn, 0, sizeof(*dn));
		snprintf(dn->node, sizeof(dn->node), "%s", store_text(q, 0));
		dn->wave = sqlite3_column_int(q, 1);
		dn->phase = pd_phase_from_name(store_text(q, 2));
		snprintf(dn->step, sizeof(dn->step), "%s", store_text(q, 3));
		snprintf(dn->error, sizeof(dn->error), "%s", store_text(q, 4));
		dn->updated = (time_t)sqlite3_column_int64(q, 5);
		dn->failed = sqlite3_column_int(q, 6) != 0 || dn->phase == PD_PHASE_FAILED;
		dn->pull_pct = -1;
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->lock);
	if (rc != SQLITE_DONE) {
		free(nodes);
		snprintf(err, errlen, "%s: reading deploy nodes failed", st->path);
		return -1;
	}
	out->nodes = nodes;
	out->nnodes = len;
	return 0;
}

int
store_journal_each(struct store *st, int64_t id,
    void (*cb)(void *ctx, double time, const char *node, const char *step,
        const char *status, const char *detail), void *ctx, char *err, size_t errlen)
{
	sqlite3_stmt *q;
	int rc;

	pthread_mutex_lock(&st->lock);
	q = store_prepare(st, "SELECT time, COALESCE(node, '-'), step, status,"
	    " COALESCE(detail, '') FROM journal WHERE deploy = ?1 ORDER BY id", err, errlen);
	if (q == NULL) {
		pthread_mutex_unlock(&st->lock);
		return -1;
	}
	sqlite3_bind_int64(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		cb(ctx, sqlite3_column_double(q, 0), store_text(q, 1), store_text(q, 2),
		    store_text(q, 3), store_text(q, 4));
	sqlite3_finalize(q);
	pthread_mutex_unlock(&st->lock);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: reading the journal failed", st->path);
		return -1;
	}
	return 0;
}

/* The name of user UID, or its number. */
static void
store_user_name(uid_t uid, char *out, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, len, "%s", pw.pw_name);
	else
		snprintf(out, len, "uid %u", (unsigned)uid);
}

/* The login uid the kernel keeps for this process's session (pam_loginuid
 * sets it at login; the user cannot change it, sudo does not): 0 and *UID,
 * or -1 when the session has none. */
static int
store_login_uid(uid_t *uid)
{
	FILE *f = fopen("/proc/self/loginuid", "re");
	unsigned long v;
	int rc = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lu", &v) == 1 && v != 4294967295UL) {
		*uid = (uid_t)v;
		rc = 0;
	}
	fclose(f);
	return rc;
}

/* The remote host of the login on terminal TTY ("/dev/pts/3"), as sshd or
 * login wrote it into utmp (root-owned): "" when local or unknown. */
static void
store_tty_host(const char *tty, char *out, size_t len)
{
	struct utmpx key, *u;

	out[0] = '\0';
	if (tty == NULL || strncmp(tty, "/dev/", 5) != 0)
		return;
	memset(&key, 0, sizeof(key));
	snprintf(key.ut_line, sizeof(key.ut_line), "%s", tty + 5);
	setutxent();
	u = getutxline(&key);
	if (u != NULL && u->ut_type == USER_PROCESS && len > 0) {
		size_t n = strnlen(u->ut_host, sizeof(u->ut_host));

		n = n < len ? n : len - 1;
		memcpy(out, u->ut_host, n);
		out[n] = '\0';
	}
	endutxent();
}

void
store_actor(char *out, size_t len)
{
	char user[64], login[64], host[80], clean[160];
	const char *tty = ttyname(STDIN_FILENO);
	uid_t uid = getuid(), luid;

	/* Everything from the OS, nothing from the environment (SSH_CLIENT,
	 * USER, SUDO_USER are the user's to set): the real uid's name, the
	 * session's login uid when it differs (root via sudo: who logged in),
	 * the terminal and where utmp says its login came from. */
	store_user_name(uid, user, sizeof(user));
	login[0] = '\0';
	if (store_login_uid(&luid) == 0 && luid != uid) {
		char name[48];

		store_user_name(luid, name, sizeof(name));
		snprintf(login, sizeof(login), " (login %s)", name);
	}
	store_tty_host(tty, host, sizeof(host));
	pd_sanitize(clean, sizeof(clean), host, 1);
	snprintf(out, len, "%s%s%s%s%s%s", user, login, tty ? "@" : "", tty ? tty : "",
	    clean[0] ? " from " : "", clean);
}

sqlite3 *
store_sqlite(struct store *st)
{
	return st->db;
}

void
store_lock(struct store *st)
{
	pthread_mutex_lock(&st->lock);
}

void
store_unlock(struct store *st)
{
	pthread_mutex_unlock(&st->lock);
}

const char *
store_path(const struct store *st)
{
	return st->path;
}
