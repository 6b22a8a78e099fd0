/* audit-signer.c: the audit signer — a small service that holds the
 * Ed25519 key on a Unix socket — and the client writers use.
 *
 * One request per connection, one line each way:
 *   sign ID PREV_HASH HASH      ->  ok SIG   |   error TEXT
 * The signer remembers the head it signed last (from its checkpoint file
 * at start) and signs only ID = head + 1 whose PREV_HASH is the head's
 * hash; the first request after an empty file starts the signed part of
 * the chain (its id is each checkpoint's "first").  Each signature is
 * appended to the checkpoint file (fsync'd) and sent to syslog before the
 * answer, so a signed entry always has its checkpoint.  Requests are
 * served one at a time (writers hold the database's write lock while they
 * ask, so there is one at a time anyway); a client that sends nothing is
 * dropped after 2 s. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "backend/store/audit-sign.h"

#define SIGNER_LINE 512

/* What the running signer knows. */
struct signer {
	EVP_PKEY *key;
	const struct audit_signer_opts *o;
	int cpfd;                        /* the checkpoint file, O_APPEND */
	int64_t head, first;             /* 0: nothing signed yet */
	char head_hash[65];
};

/* Whether S is 64 lower-case hex digits. */
static int
signer_is_hash(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

/* Write all of BUF to FD; 0 or -1. */
static int
signer_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read one line (without its newline) from FD into BUF; 0 or -1. */
static int
signer_read_line(int fd, char *buf, size_t len)
{
	size_t at = 0;

	while (at + 1 < len) {
		ssize_t n = recv(fd, buf + at, 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (buf[at] == '\n') {
			buf[at] = '\0';
			return 0;
		}
		at++;
	}
	return -1;
}

/* Answer one request on C: sign, checkpoint, reply. */
static void
signer_serve(struct signer *s, int c)
{
	char line[SIGNER_LINE], prev[80], hash[80], msg[256], sig[AUDIT_SIG_HEX + 1];
	char cp[768], cpsig[AUDIT_SIG_HEX + 1], now[40], reply[256];
	struct ucred cred = { .uid = (uid_t)-1 };
	socklen_t credlen = sizeof(cred);
	struct timeval tv = { .tv_sec = 2 };
	long long id;
	struct tm tm;
	time_t t;
	int n;

	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &credlen);
	if (signer_read_line(c, line, sizeof(line)) != 0)
		return;
	n = 0;
	if (sscanf(line, "sign %lld %70s %70s%n", &id, prev, hash, &n) != 3 ||
	    (size_t)n != strlen(line) || id < 1 || !signer_is_hash(prev) || !signer_is_hash(hash)) {
		signer_write_all(c, "error malformed request (want: sign ID PREV_HASH HASH)\n", 55);
		return;
	}
	if (s->head != 0 && (id != s->head + 1 || strcmp(prev, s->head_hash) != 0)) {
		n = snprintf(reply, sizeof(reply), "error the signer's head is entry %lld: it signs "
		    "only entry %lld chained to it\n", (long long)s->head, (long long)s->head + 1);
		signer_write_all(c, reply, (size_t)n);
		syslog(LOG_WARNING, "plantdeck-audit-signer: refused entry %lld from uid %ld: not "
		    "the entry after the head %lld", id, (long)cred.uid, (long long)s->head);
		return;
	}
	t = time(NULL);
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(cp, sizeof(cp), "plantdeck-audit-checkpoint v1 id=%lld hash=%s first=%lld "
	    "time=%s uid=%ld", id, hash, (long long)(s->head != 0 ? s->first : id), now,
	    (long)cred.uid);
	if (audit_entry_message(msg, sizeof(msg), id, hash) < 0 ||
	    audit_key_sign(s->key, msg, sig) != 0 || audit_key_sign(s->key, cp, cpsig) != 0) {
		signer_write_all(c, "error signing failed (libcrypto)\n", 33);
		return;
	}
	n += snprintf(cp + n, sizeof(cp) - (size_t)n, " sig=%s\n", cpsig);
	if (signer_write_all(s->cpfd, cp, (size_t)n) != 0 || fsync(s->cpfd) != 0) {
		n = snprintf(reply, sizeof(reply), "error %s: %s\n", s->o->checkpoints,
		    strerror(errno));
		signer_write_all(c, reply, (size_t)n);
		return;
	}
	if (!s->o->no_syslog)
		syslog(LOG_NOTICE, "%.*s", n - 1, cp);
	if (s->head == 0)
		s->first = id;
	s->head = id;
	memcpy(s->head_hash, hash, sizeof(s->head_hash));
	n = snprintf(reply, sizeof(reply), "ok %s\n", sig);
	signer_write_all(c, reply, (size_t)n);
}

/* Bind and listen on O->socket, owned by O->group (0660) or 0600. */
static int
signer_listen(const struct audit_signer_opts *o, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat sb;
	gid_t gid = (gid_t)-1;
	int fd;

	if (strlen(o->socket) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", o->socket);
		return -1;
	}
	if (o->group != NULL) {
		struct group *g = getgrnam(o->group);

		if (g == NULL) {
			snprintf(err, errlen, "--group %s: no such group", o->group);
			return -1;
		}
		gid = g->gr_gid;
	}
	memcpy(sa.sun_path, o->socket, strlen(o->socket) + 1);
	if (lstat(o->socket, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(o->socket);                     /* a stale one */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(o->socket, o->group != NULL ? 0660 : 0600) != 0 ||
	    (o->group != NULL && chown(o->socket, (uid_t)-1, gid) != 0) || listen(fd, 16) != 0) {
		snprintf(err, errlen, "%s: %s", o->socket, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int
audit_signer_run(const struct audit_signer_opts *o, volatile sig_atomic_t *stop, char *err,
    size_t errlen)
{
	struct signer s = { .o = o, .cpfd = -1 };
	struct audit_checkpoint cp;
	struct stat sb;
	char why[512];
	int lfd, rc;

	/* A key every local user can read signs nothing worth checking. */
	if (stat(o->key, &sb) == 0 && (sb.st_mode & 0007) != 0) {
		snprintf(err, errlen, "%s: other users can read or write it (mode %04o): chmod 600, "
		    "or 640 for a group of its own", o->key, (unsigned)(sb.st_mode & 07777));
		return -1;
	}
	s.key = audit_key_load(o->key, 1, err, errlen);
	if (s.key == NULL)
		return -1;
	rc = audit_checkpoint_last(o->checkpoints, s.key, &cp, why, sizeof(why));
	if (rc < 0) {
		snprintf(err, errlen, "%s", why);
		EVP_PKEY_free(s.key);
		return -1;
	}
	if (rc == 1) {
		s.head = cp.id;
		s.first = cp.first;
		memcpy(s.head_hash, cp.hash, sizeof(s.head_hash));
	}
	s.cpfd = open(o->checkpoints, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (s.cpfd < 0) {
		snprintf(err, errlen, "%s: %s", o->checkpoints, strerror(errno));
		EVP_PKEY_free(s.key);
		return -1;
	}
	lfd = signer_listen(o, err, errlen);
	if (lfd < 0) {
		close(s.cpfd);
		EVP_PKEY_free(s.key);
		return -1;
	}
	openlog("plantdeck-audit-signer", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_INFO, "listening on %s; head entry %lld", o->socket, (long long)s.head);
	/* For whoever started it (a service manager's journal, a test). */
	fprintf(stderr, "plantdeck audit-signer: listening on %s; head entry %lld\n", o->socket,
	    (long long)s.head);
	while (!*stop) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int c;

		if (poll(&p, 1, -1) < 0)
			continue;                          /* EINTR: look at *STOP */
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		signer_serve(&s, c);
		close(c);
	}
	close(lfd);
	unlink(o->socket);
	close(s.cpfd);
	EVP_PKEY_free(s.key);
	closelog();
	return 0;
}

int
audit_signer_sign(const char *socket_path, int64_t id, const char *prev_hash, const char *hash,
    char sig[AUDIT_SIG_HEX + 1], char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	char req[256], reply[SIGNER_LINE];
	int fd, n;

	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "the signer %s: socket path too long", socket_path);
		return -1;
	}
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, errlen, "the signer %s: %s", socket_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	n = snprintf(req, sizeof(req), "sign %lld %s %s\n", (long long)id, prev_hash, hash);
	if (n < 0 || (size_t)n >= sizeof(req) || signer_write_all(fd, req, (size_t)n) != 0 ||
	    signer_read_line(fd, reply, sizeof(reply)) != 0) {
		snprintf(err, errlen, "the signer %s: no answer (%s)", socket_path,
		    errno ? strerror(errno) : "closed");
		close(fd);
		return -1;
	}
	close(fd);
	if (strncmp(reply, "ok ", 3) == 0 && strlen(reply + 3) == AUDIT_SIG_HEX) {
		memcpy(sig, reply + 3, AUDIT_SIG_HEX + 1);
		return 0;
	}
	/* Its refusal, made printable (it is another process's text). */
	for (char *p = reply; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	snprintf(err, errlen, "the signer %s refused: %s", socket_path,
	    strncmp(reply, "error ", 6) == 0 ? reply + 6 : reply);
	return -1;
}
