/* test-deploy-scale.c: what lets a deploy scale, without a lab.
 *
 * - Engine negotiation runs for every node at once: fake engines on
 *   loopback answer their /_ping only while every ping of the test is open
 *   at the same moment — a hanging node's included, which never answers —
 *   so a negotiation one node after another gets no version from any of
 *   them (each ping times out alone), and only a parallel one gets theirs;
 *   then the hanging ones are let go (an empty reply) so the test is quick.
 *   It is run through engine_negotiate_all and through the deploy's own
 *   ro_negotiate (rollout.c).
 * - Journal lines and node phases written by many threads at once all land
 *   in the database, fewer transactions than lines (store.c's group
 *   commit). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend/deploy/rollout-int.h"
#include "backend/engine/engine.h"
#include "backend/engine/inventory.h"
#include "backend/store/store.h"

#define NANSWER 3               /* engines that answer */
#define NHANG 2                 /* engines that accept and never answer */
#define NLISTEN (NANSWER + NHANG)

/* The fake engines: NLISTEN listening sockets, one thread serving them. */
struct fake {
	int lfd[NLISTEN];
	int port[NLISTEN];
	int stop[2];                /* a pipe: written to end the thread */
	int served;                 /* pings answered */
	int most;                   /* most connections open at once */
	pthread_t th;
};

/* Listen on 127.3.0.(I+1), a port of the kernel's choosing. */
static int
fake_listen(int i, int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	char ip[32];
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	snprintf(ip, sizeof(ip), "127.3.0.%d", i + 1);
	inet_pton(AF_INET, ip, &a.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

/* Accept every connection; once one from each listener is open (and has
 * sent its request), answer those of the answering engines. */
static void *
fake_main(void *arg)
{
	struct fake *f = arg;
	int conn[NLISTEN * 4], from[NLISTEN * 4], nconn = 0, answered = 0;

	for (;;) {
		struct pollfd p[1 + NLISTEN + NLISTEN * 4];
		int np = 0, open_from[NLISTEN] = { 0 }, all = 1;

		p[np++] = (struct pollfd){ .fd = f->stop[0], .events = POLLIN };
		for (int i = 0; i < NLISTEN; i++)
			p[np++] = (struct pollfd){ .fd = f->lfd[i], .events = POLLIN };
		for (int i = 0; i < nconn; i++)
			p[np++] = (struct pollfd){ .fd = conn[i], .events = POLLIN };
		if (poll(p, (nfds_t)np, -1) < 0)
			continue;
		if (p[0].revents)
			break;
		for (int i = 0; i < NLISTEN; i++) {
			int c;

			if (!(p[1 + i].revents & POLLIN) || nconn >= NLISTEN * 4)
				continue;
			if ((c = accept(f->lfd[i], NULL, NULL)) >= 0) {
				conn[nconn] = c;
				from[nconn++] = i;
			}
		}
		/* A client that closed (timed out) is gone; a request is read. */
		for (int i = 0; i < nconn; i++) {
			char buf[1024];
			ssize_t n;

			if (!(p[1 + NLISTEN + i].revents & (POLLIN | POLLHUP)))
				continue;
			n = read(conn[i], buf, sizeof(buf));
			if (n <= 0) {
				close(conn[i]);
				conn[i] = conn[--nconn];
				from[i] = from[nconn];
				i--;
			}
		}
		for (int i = 0; i < nconn; i++)
			open_from[from[i]] = 1;
		for (int i = 0; i < NLISTEN; i++)
			all &= open_from[i];
		if (nconn > f->most)
			f->most = nconn;
		if (!all || answered)
			continue;
		answered = 1;
		for (int i = 0; i < nconn; i++) {
			static const char rep[] = "HTTP/1.1 200 OK\r\nApi-Version: 1.45\r\n"
			    "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK";

			if (from[i] >= NANSWER) {
				/* It hung while the others needed it to; now let it go
				 * (its client sees an empty reply) rather than wait for
				 * its timeout. */
				shutdown(conn[i], SHUT_RDWR);
				continue;
			}
			if (write(conn[i], rep, sizeof(rep) - 1) == (ssize_t)sizeof(rep) - 1)
				f->served++;
		}
	}
	for (int i = 0; i < nconn; i++)
		close(conn[i]);
	return NULL;
}

static void
fake_start(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < NLISTEN; i++)
		f->lfd[i] = fake_listen(i, &f->port[i]);
	assert_int_equal(pipe(f->stop), 0);
	assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void
fake_stop(struct fake *f)
{
	assert_int_equal(write(f->stop[1], "x", 1), 1);
	pthread_join(f->th, NULL);
	for (int i = 0; i < NLISTEN; i++)
		close(f->lfd[i]);
	close(f->stop[0]);
	close(f->stop[1]);
}

/* Inventory nodes for the fake engines, and a dead one (nothing listens
 * on 127.3.0.99:9) last. */
static void
fake_nodes(const struct fake *f, struct inv_node *nodes, char names[][32], char eps[][64])
{
	for (int i = 0; i <= NLISTEN; i++) {
		snprintf(names[i], 32, "fake-%d", i);
		if (i < NLISTEN)
			snprintf(eps[i], 64, "tcp://127.3.0.%d:%d", i + 1, f->port[i]);
		else
			snprintf(eps[i], 64, "tcp://127.3.0.99:9");
		memset(&nodes[i], 0, sizeof(nodes[i]));
		nodes[i].name = names[i];
		nodes[i].endpoint = eps[i];
	}
}

/* Each engine answers only while all are asked at once; the hanging and
 * the dead ones keep the fallback. */
static void
test_negotiate_all(void **state)
{
	struct fake f;
	struct inv_node nodes[NLISTEN + 1];
	struct engine *e[NLISTEN + 1];
	char names[NLISTEN + 1][32], eps[NLISTEN + 1][64];

	(void)state;
	fake_start(&f);
	fake_nodes(&f, nodes, names, eps);
	for (int i = 0; i <= NLISTEN; i++) {
		assert_non_null(e[i] = engine_new(&nodes[i]));
		e[i]->timeout_ms = 10000;   /* one at a time, each would time out */
	}
	assert_int_equal(engine_negotiate_all(e, NLISTEN + 1, "1.41"), NANSWER);
	for (int i = 0; i <= NLISTEN; i++)
		assert_string_equal(e[i]->api_version, i < NANSWER ? "1.45" : "1.41");
	fake_stop(&f);
	assert_int_equal(f.served, NANSWER);
	assert_true(f.most >= NLISTEN);
	for (int i = 0; i <= NLISTEN; i++)
		engine_free(e[i]);
}

/* The deploy's own negotiation (ro_new, rd_new) is the same. */
static void
test_rollout_negotiate(void **state)
{
	struct fake f;
	struct inv_node nodes[NLISTEN + 1];
	struct ro_node rn[NLISTEN + 1];
	struct rollout r;
	char names[NLISTEN + 1][32], eps[NLISTEN + 1][64];

	(void)state;
	fake_start(&f);
	fake_nodes(&f, nodes, names, eps);
	memset(&r, 0, sizeof(r));
	memset(rn, 0, sizeof(rn));
	r.nodes = rn;
	r.nnodes = NLISTEN + 1;
	for (int i = 0; i <= NLISTEN; i++) {
		rn[i].r = &r;
		rn[i].inv = &nodes[i];
		assert_non_null(rn[i].eng = engine_new(&nodes[i]));
		rn[i].eng->timeout_ms = 10000;
	}
	ro_negotiate(&r);
	for (int i = 0; i <= NLISTEN; i++)
		assert_string_equal(rn[i].eng->api_version, i < NANSWER ? "1.45" : "1.41");
	fake_stop(&f);
	for (int i = 0; i <= NLISTEN; i++)
		engine_free(rn[i].eng);
}

#define NWRITERS 8
#define NLINES 150

struct writer {
	struct store *st;
	int n;
};

/* One node's worker: a phase and a journal line, NLINES times. */
static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	char node[32], step[32];

	snprintf(node, sizeof(node), "node-%d", w->n);
	for (int i = 0; i < NLINES; i++) {
		snprintf(step, sizeof(step), "step %d", i);
		if (store_journal(w->st, 1, node, step, "ok", NULL) != 0)
			return (void *)1;
		store_node_set(w->st, 1, node, PD_PHASE_MONITOR, step, NULL);
	}
	return NULL;
}

static void
journal_count(void *ctx, double time, const char *node, const char *step, const char *status,
    const char *detail)
{
	(void)time;
	(void)node;
	(void)step;
	(void)status;
	(void)detail;
	(*(int *)ctx)++;
}

/* Every line written by many threads at once is there; they were written
 * in fewer transactions than lines. */
static void
test_journal_batched(void **state)
{
	char dir[] = "/tmp/pd-scale-XXXXXX", path[128], err[512] = "";
	struct store *st;
	struct writer w[NWRITERS];
	pthread_t th[NWRITERS];
	unsigned long batches, ops;
	int lines = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pd.db", dir);
	if (store_open(path, 0, &st, err, sizeof(err)) != 0)
		fail_msg("store_open: %s", err);
	for (int i = 0; i < NWRITERS; i++) {
		w[i] = (struct writer){ .st = st, .n = i };
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < NWRITERS; i++) {
		void *rc;

		pthread_join(th[i], &rc);
		assert_null(rc);
	}
	assert_int_equal(store_journal_each(st, 1, journal_count, &lines, err, sizeof(err)), 0);
	assert_int_equal(lines, NWRITERS * NLINES);
	store_write_stats(st, &batches, &ops);
	assert_int_equal(ops, 2 * NWRITERS * NLINES);
	assert_true(batches < ops);
	store_close(st);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate_all),
		cmocka_unit_test(test_rollout_negotiate),
		cmocka_unit_test(test_journal_batched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
