/* agent.c: `plantdeck agent`, the node-local backend, headless.
 *
 * It starts the backend's agent (eBPF capture and the drift checker) and
 * prints its JSON lines (doc/agent.md) until SIGTERM or SIGINT.  The
 * handler only counts them (cli_catch_signals); they are blocked but inside
 * ppoll(), so that none can come between the look at the count and the
 * wait.  The backend's threads block them on their own (pd_thread_start):
 * they reach this thread only, and the shutdown is stop flag, wake,
 * join, destroy skeleton, in that order.  With --commands it also reads
 * requests on stdin, one per line. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "backend/backend.h"
#include "cli.h"

#define AGENT_CLI_MAX_ALLOW 64
#define AGENT_CLI_LINE 4096

/* Print the help of `plantdeck agent`. */
static void
agent_cli_help(void)
{
	printf("Usage: plantdeck agent [OPTION]...\n"
	    "Run the node-local backend headless: eBPF anomaly capture (signals, OOM kills,\n"
	    "execs and ptrace into containers) and the cgroup drift checker, for the local\n"
	    "engines of the inventory.  Prints one JSON object per line (doc/agent.md)\n"
	    "until SIGTERM or SIGINT.  Capture needs root and a kernel with BTF; without\n"
	    "them it says \"unavailable: REASON\" once and the rest goes on.\n"
	    "\n"
	    "  -j, --json                 JSON lines (the default, and the only format)\n"
	    "  -a, --allow PROG           also allow exec of PROG into any container (a path,\n"
	    "                             or a program name); repeatable\n"
	    "      --drift-interval SECS  seconds between drift checks (default 10)\n"
	    "      --stats-interval SECS  seconds between \"stats\" lines (default 60)\n"
	    "      --all-signals          report every signal, not only those that terminate\n"
	    "      --no-capture           run the drift checker only\n"
	    "      --no-drift             run the capture only\n"
	    "      --own-containers       report only containers a local engine knows (an\n"
	    "                             agent in a container, on a kernel that other\n"
	    "                             engines share)\n"
	    "      --commands             read requests on stdin, one per line:\n"
	    "                             tune CONTAINER KEY=VALUE..., check CONTAINER,\n"
	    "                             fix CONTAINER (refused under --read-only)\n"
	    "      --request LINE         run one request (as --commands takes them), print\n"
	    "                             its answer line and exit\n"
	    "      --node NAME            with --request: send it to the trusted agent\n"
	    "                             container of node NAME through the Engine API\n"
	    "      --start                with --node: start node NAME's trusted agent\n"
	    "                             container from the image pinned in the inventory\n"
	    "                             (agent: image:); arguments after -- go to it\n"
	    "      --key-file PATH        seal every line with the key in PATH (written\n"
	    "                             there by --start; read, then removed)\n"
	    "      --manifest PATH        no engine: take the node's containers (names,\n"
	    "                             allow lists, engine records) from the manifest\n"
	    "                             the backend puts in PATH, verified with the\n"
	    "                             --key-file key (the agent container; --start\n"
	    "                             passes it)\n"
	    "  -h, --help                 show this help\n"
	    "\n"
	    "Exit status: 0 after a clean stop (--request: the answer says \"ok\":true),\n"
	    "1 when it could not start (--request: failed or not ok), 2 on bad usage.\n");
}

/* The key lines are sealed with (--key-file), or NULL. */
static struct agent_trust_sealer *agent_cli_sealer;

/* Print every pending line, sealed under --key-file; 0, or -1 when stdout
 * is gone. */
static int
agent_cli_drain(struct agent *a)
{
	char *line, *sealed;
	int rc = 0;

	while ((line = agent_next(a)) != NULL) {
		sealed = agent_cli_sealer != NULL ? agent_trust_seal(agent_cli_sealer, line) : NULL;
		if (agent_cli_sealer != NULL && sealed == NULL) {
			free(line);      /* never an unsealed line under --key-file */
			continue;
		}
		if (rc == 0 && (fputs(sealed ? sealed : line, stdout) == EOF ||
		    putchar('\n') == EOF))
			rc = -1;
		free(sealed);
		free(line);
	}
	if (rc == 0 && fflush(stdout) == EOF)
		rc = -1;
	return rc;
}

/* Read what stdin has and run each complete line; 0, or -1 at end of file. */
static int
agent_cli_stdin(struct agent *a, char *buf, size_t *len)
{
	ssize_t r;
	char *nl;

	r = read(STDIN_FILENO, buf + *len, AGENT_CLI_LINE - 1 - *len);
	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (r == 0) {
		if (*len > 0) {
			buf[*len] = '\0';
			agent_command(a, buf);
			*len = 0;
		}
		return -1;
	}
	*len += (size_t)r;
	buf[*len] = '\0';
	while ((nl = memchr(buf, '\n', *len)) != NULL) {
		*nl = '\0';
		agent_command(a, buf);
		*len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, *len);
		buf[*len] = '\0';
	}
	if (*len == AGENT_CLI_LINE - 1) {
		agent_command(a, "error: request longer than 4095 bytes");
		*len = 0;
	}
	return 0;
}

/* Print ANSWER (an agent's answer line); the exit status from its "ok". */
static int
agent_cli_answer(const char *answer)
{
	cJSON *j = cJSON_Parse(answer);
	int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"));

	cJSON_Delete(j);
	puts(answer);
	fflush(stdout);
	return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

/* --request: here, or through the agent container of NODE. */
static int
agent_cli_request(const struct backend_config *cfg, const struct agent_options *ao,
    const char *node, const char *request)
{
	struct agent_options one = *ao;
	struct agent *a;
	char err[512], *line;
	int rc;

	if (node != NULL) {
		if (agent_remote_request(cfg, node, request, &line, err, sizeof(err)) != 0) {
			fprintf(stderr, "plantdeck: agent: %s\n", err);
			return CLI_EXIT_FAIL;
		}
		rc = agent_cli_answer(line);
		free(line);
		return rc;
	}
	one.no_capture = 1;
	one.no_drift = 1;
	if (agent_open(cfg, &one, &a, err, sizeof(err)) != 0) {
		fprintf(stderr, "plantdeck: agent: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	agent_command(a, request);
	line = agent_next(a);
	rc = line != NULL ? agent_cli_answer(line) : CLI_EXIT_FAIL;
	free(line);
	agent_close(a);
	return rc;
}

int
cli_agent(const struct cli_global *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "allow", required_argument, NULL, 'a' },
		{ "drift-interval", required_argument, NULL, 'D' },
		{ "stats-interval", required_argument, NULL, 'S' },
		{ "all-signals", no_argument, NULL, 'A' },
		{ "no-capture", no_argument, NULL, 'c' },
		{ "no-drift", no_argument, NULL, 'd' },
		{ "commands", no_argument, NULL, 'm' },
		{ "own-containers", no_argument, NULL, 'o' },
		{ "request", required_argument, NULL, 'q' },
		{ "node", required_argument, NULL, 'N' },
		{ "start", no_argument, NULL, 'T' },
		{ "key-file", required_argument, NULL, 'K' },
		{ "manifest", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *allow[AGENT_CLI_MAX_ALLOW];
	struct agent_options ao;
	struct backend_config cfg;
	struct sigaction sa;
	sigset_t block, waitmask;
	struct agent *a;
	char err[512], buf[AGENT_CLI_LINE];
	const char *request = NULL, *node = NULL, *key_file = NULL;
	struct agent_trust_sealer sealer;
	size_t buflen = 0;
	int opt, rc, commands = 0, start = 0, status = CLI_EXIT_OK;

	memset(&ao, 0, sizeof(ao));
	cli_backend_config(g, &cfg);
	optind = 0;         /* 0: glibc starts over (main() used "+") */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":ja:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j': break;
		case 'a':
			if (ao.nallow == AGENT_CLI_MAX_ALLOW)
				return cli_usage_error("agent", "at most %d --allow", AGENT_CLI_MAX_ALLOW);
			if (optarg[0] == '\0' || strlen(optarg) > 255)
				return cli_usage_error("agent", "--allow: want a path or a program name");
			allow[ao.nallow++] = optarg;
			break;
		case 'D':
			if (cli_parse_seconds(optarg, &ao.drift_interval) != 0)
				return cli_usage_error("agent", "--drift-interval '%s': want seconds, "
				    "0 < s <= 3600", optarg);
			break;
		case 'S':
			if (cli_parse_seconds(optarg, &ao.stats_interval) != 0)
				return cli_usage_error("agent", "--stats-interval '%s': want seconds, "
				    "0 < s <= 3600", optarg);
			break;
		case 'A': ao.all_signals = 1; break;
		case 'c': ao.no_capture = 1; break;
		case 'd': ao.no_drift = 1; break;
		case 'm': commands = 1; break;
		case 'o': ao.own_containers = 1; break;
		case 'q': request = optarg; break;
		case 'N': node = optarg; break;
		case 'T': start = 1; break;
		case 'K': key_file = optarg; break;
		case 'M': ao.manifest = optarg; break;
		case 'h': agent_cli_help(); return CLI_EXIT_OK;
		default: return cli_option_error("agent", opt, argv);
		}
	}
	if (start) {
		char id[PD_ID_LEN];

		if (node == NULL || request != NULL)
			return cli_usage_error("agent", "--start goes with --node NAME (and not "
			    "--request)");
		if (agent_remote_start(&cfg, node, argc - optind, argv + optind, id, sizeof(id),
		    err, sizeof(err)) != 0) {
			fprintf(stderr, "plantdeck: agent: %s\n", err);
			return CLI_EXIT_FAIL;
		}
		printf("%s\n", id);
		return CLI_EXIT_OK;
	}
	if (optind < argc)
		return cli_usage_error("agent", "unexpected argument '%s'", argv[optind]);
	ao.allow = allow;
	ao.log_path = g->log_path;
	if (node != NULL && request == NULL)
		return cli_usage_error("agent", "--node goes with --request or --start");
	if (key_file != NULL && request == NULL) {
		if (agent_trust_sealer_load(&sealer, key_file, err, sizeof(err)) != 0) {
			fprintf(stderr, "plantdeck: agent: %s\n", err);
			return CLI_EXIT_USAGE;
		}
		agent_cli_sealer = &sealer;
		ao.manifest_key = sealer.key;
		ao.manifest_id = sealer.id;
	}
	if (request != NULL)
		return agent_cli_request(&cfg, &ao, node, request);

	/* Signals: counted, and blocked everywhere but in ppoll().  No other
	 * thread runs yet, so sigprocmask() sets the one thread's mask. */
	cli_catch_signals();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);

	if (agent_open(&cfg, &ao, &a, err, sizeof(err)) != 0) {
		fprintf(stderr, "plantdeck: agent: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	rc = agent_start(a, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "plantdeck: agent: cannot start: %s\n", err);
		agent_close(a);
		return CLI_EXIT_FAIL;
	}
	while (!cli_signals()) {
		struct pollfd p[2] = {
			{ .fd = agent_wakeup_fd(a), .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};

		if (agent_cli_drain(a) != 0)
			break;
		rc = ppoll(p, commands ? 2 : 1, NULL, &waitmask);
		if (rc < 0 && errno != EINTR) {
			fprintf(stderr, "plantdeck: agent: poll: %s\n", strerror(errno));
			status = CLI_EXIT_FAIL;
			break;
		}
		if (rc > 0 && commands && (p[1].revents & (POLLIN | POLLHUP)) &&
		    agent_cli_stdin(a, buf, &buflen) != 0)
			commands = 0;
	}
	agent_stop(a);
	agent_cli_drain(a);
	agent_close(a);
	if (agent_cli_sealer != NULL)
		explicit_bzero(&sealer, sizeof(sealer));
	agent_cli_sealer = NULL;
	return status;
}
