/*
 * http.c — HTTP/1.1 for the simulated engines: replies, chunked streams, and
 * the non-blocking connections (accept, read, serve, flush, close).
 * Design: enginesim.c.
 */
#include "sim.h"

/* ---------------------------------------------------------------- output */


/* Queue a complete reply with a body. */
void
reply(struct conn *c, int status, const char *ctype, const char *body, size_t len)
{
	static const char *reasons[] = { [200] = "OK", [201] = "Created", [204] = "No Content",
		[304] = "Not Modified", [400] = "Bad Request", [404] = "Not Found",
		[409] = "Conflict", [500] = "Internal Server Error",
		[503] = "Service Unavailable" };
	const char *reason = status < 600 && reasons[status] ? reasons[status] : "Unknown";

	sb_fmt(&c->out, "HTTP/1.1 %d %s\r\nApi-Version: " SIM_API "\r\n", status, reason);
	if (ctype != NULL)
		sb_fmt(&c->out, "Content-Type: %s\r\n", ctype);
	sb_str(&c->out, "Docker-Experimental: false\r\nOstype: linux\r\n"
	    "Server: Docker/" SIM_VERSION " (linux)\r\n");
	if (c->close_after)
		sb_str(&c->out, "Connection: close\r\n");
	if (status == 204 || status == 304)
		sb_str(&c->out, "\r\n");
	else {
		sb_fmt(&c->out, "Content-Length: %zu\r\n\r\n", len);
		sb_add(&c->out, body, len);
	}
}

/* A JSON reply from a buffer. */
void
reply_json(struct conn *c, int status, struct sbuf *b)
{
	sb_add(b, "\n", 1);
	reply(c, status, "application/json", b->p, b->len);
}

/* The engine's error object. */
void
reply_err(struct conn *c, int status, const char *fmt, ...)
{
	char msg[512];
	struct sbuf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sb_str(&b, "{\"message\":");
	sb_jstr(&b, msg);
	sb_str(&b, "}");
	reply_json(c, status, &b);
	free(b.p);
}

/* Start a chunked stream reply. */
void
stream_begin(struct conn *c, const char *ctype)
{
	sb_fmt(&c->out, "HTTP/1.1 200 OK\r\nApi-Version: " SIM_API "\r\nContent-Type: %s\r\n"
	    "Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/" SIM_VERSION
	    " (linux)\r\nTransfer-Encoding: chunked\r\n\r\n", ctype);
}

/* One chunk of a stream. */
void
stream_chunk(struct conn *c, const char *p, size_t n)
{
	if (n == 0)
		return;
	sb_fmt(&c->out, "%zx\r\n", n);
	sb_add(&c->out, p, n);
	sb_str(&c->out, "\r\n");
}

/* End a chunked stream; the connection serves requests again. */
void
stream_end(struct conn *c)
{
	sb_str(&c->out, "0\r\n\r\n");
}

/* ---------------------------------------------------------------- connections */

/* Add FD to epoll with PTR. */
void
ep_add(int fd, void *ptr, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = ptr };

	epoll_ctl(sim_ep, EPOLL_CTL_ADD, fd, &e);
}

/* Take a stream off its node's list. */
void
stream_unlink(struct conn *c)
{
	struct conn **pp;

	if (c->node == NULL)
		return;
	for (pp = &c->node->streams; *pp != NULL; pp = &(*pp)->snext)
		if (*pp == c) {
			*pp = c->snext;
			break;
		}
	c->snext = NULL;
}

/* Close a connection (freed now, or when its pending timer fires). */
void
conn_close(struct conn *c)
{
	if (c->fd < 0)
		return;
	stream_unlink(c);
	c->stream = S_NONE;
	close(c->fd);
	c->fd = -1;
	free(c->in.p);
	free(c->out.p);
	c->in.p = c->out.p = NULL;
	c->in.len = c->out.len = c->in.cap = c->out.cap = 0;
	if (c->waiting) {
		c->dead = 1;          /* the timer frees it */
	} else {
		c->gnext = sim_grave;
		sim_grave = c;
	}
}

/* Write what is queued; watch for EPOLLOUT while something is left. */
void
conn_flush(struct conn *c)
{
	ssize_t w;

	while (c->fd >= 0 && c->out.off < c->out.len) {
		w = send(c->fd, c->out.p + c->out.off, c->out.len - c->out.off, MSG_NOSIGNAL);
		if (w > 0) {
			c->out.off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_close(c);
		return;
	}
	if (c->fd < 0)
		return;
	if (c->out.off == c->out.len) {
		c->out.off = c->out.len = 0;
		if (c->out.cap > (1u << 20)) {
			free(c->out.p);
			c->out.p = NULL;
			c->out.cap = 0;
		}
		if (c->close_after) {
			conn_close(c);
			return;
		}
	} else if (c->out.off > (1u << 20)) {
		sb_compact(&c->out);
	}
	{
		int want = c->out.len > c->out.off;

		if (want != c->want_out) {
			struct epoll_event e = { .events = EPOLLIN | (want ? EPOLLOUT : 0),
				.data.ptr = c };

			epoll_ctl(sim_ep, EPOLL_CTL_MOD, c->fd, &e);
			c->want_out = want;
		}
	}
}



/* The simulated work of request REQ (its first line), in seconds: a pull
 * or a container start, as POST /work set them; 0 for anything else. */
static double
work_delay(const char *req)
{
	const char *path = req + 5, *end;
	size_t len;

	if (strncmp(req, "POST /", 6) != 0)
		return 0;
	end = path + strcspn(path, "? \r\n");
	len = (size_t)(end - path);
	if (sim_pull_ms > 0 && len >= 14 && strncmp(end - 14, "/images/create", 14) == 0)
		return sim_pull_ms / 1000.0;
	if (sim_start_ms > 0 && len >= 6 && strncmp(end - 6, "/start", 6) == 0 &&
	    memmem(path, len, "/containers/", 12) != NULL)
		return sim_start_ms / 1000.0;
	return 0;
}

/* Parse and answer the complete requests in C's input buffer. */
void
conn_serve(struct conn *c)
{
	while (c->fd >= 0 && !c->stream && !c->held && !c->waiting && !c->close_after) {
		char *end = strstr(c->in.p ? c->in.p : "", "\r\n\r\n");
		char method[16], target[4096], *p, *body, saved;
		size_t head, clen = 0, total;
		int minor = 1, want_close = 0;

		if (end == NULL) {
			if (c->in.len > 65536)
				conn_close(c);
			return;
		}
		head = (size_t)(end - c->in.p) + 4;
		for (p = c->in.p; p < end; p++) {
			if ((*p == '\n') && strncasecmp(p + 1, "content-length:", 15) == 0)
				clen = (size_t)strtoull(p + 16, NULL, 10);
			if ((*p == '\n') && strncasecmp(p + 1, "connection:", 11) == 0) {
				char *v = p + 12;

				while (*v == ' ')
					v++;
				if (strncasecmp(v, "close", 5) == 0)
					want_close = 1;
			}
		}
		if (clen > SIM_MAX_REQ) {
			conn_close(c);
			return;
		}
		total = head + clen;
		if (c->in.len < total)
			return;
		if (c->node != NULL && c->node->hang) {
			c->held = 1;         /* never answered */
			return;
		}
		if (c->node != NULL && c->node->slow_ms > 0 && !c->slow_done) {
			c->waiting = 1;
			timer_add(c->node->slow_ms / 1000.0, T_REPLY, c->node, NULL, c);
			return;
		}
		if (c->node != NULL && !c->slow_done && work_delay(c->in.p) > 0) {
			c->waiting = 1;      /* a pull or start that takes its time */
			timer_add(work_delay(c->in.p), T_REPLY, c->node, NULL, c);
			return;
		}
		c->slow_done = 0;
		if (sscanf(c->in.p, "%15s %4095s HTTP/1.%d", method, target, &minor) < 2) {
			conn_close(c);
			return;
		}
		c->close_after = want_close || minor == 0;
		body = c->in.p + head;
		saved = body[clen];
		body[clen] = '\0';
		p = target;
		if (p[0] == '/' && p[1] == 'v' && p[2] >= '0' && p[2] <= '9') {
			char *s = strchr(p + 1, '/');

			if (s != NULL)
				p = s;
		}
		if (c->node == NULL)
			ctl_handle(c, p);
		else
			node_handle(c, c->node, method, p, body);
		body[clen] = saved;
		memmove(c->in.p, c->in.p + total, c->in.len - total);
		c->in.len -= total;
		c->in.p[c->in.len] = '\0';
		conn_flush(c);
	}
}

/* Readable: take the bytes, serve what is complete. */
void
conn_read(struct conn *c)
{
	char buf[65536];
	ssize_t r;

	for (;;) {
		r = recv(c->fd, buf, sizeof(buf), 0);
		if (r > 0) {
			if (c->stream || c->held) {
				if (c->held && c->in.len < 65536)
					sb_add(&c->in, buf, (size_t)r);
				continue;           /* a stream reads nothing more */
			}
			sb_add(&c->in, buf, (size_t)r);
			if (c->in.len > SIM_MAX_REQ + 65536) {
				conn_close(c);
				return;
			}
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_close(c);       /* EOF or error */
		return;
	}
	conn_serve(c);
}

/* Accept every pending connection on listener FD for node N (NULL: control). */
void
do_accept(int fd, struct node *n)
{
	for (;;) {
		int s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
		struct conn *c;

		if (s < 0)
			return;
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = xrealloc(NULL, sizeof(*c));
		memset(c, 0, sizeof(*c));
		c->kind = K_CONN;
		c->fd = s;
		c->node = n;
		ep_add(s, c, EPOLLIN);
	}
}

/* Open a listening socket on ADDR:2375. */
int
listen_on(const char *addr)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(SIM_PORT);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 512) != 0) {
		fprintf(stderr, "enginesim: %s:%d: %s\n", addr, SIM_PORT, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* (Re)open node N's listener. */
void
node_listen(struct node *n)
{
	n->lfd = listen_on(n->addr);
	if (n->lfd >= 0)
		ep_add(n->lfd, n, EPOLLIN);
}
