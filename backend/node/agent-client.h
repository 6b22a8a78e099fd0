/* agent-client.h: the client that reaches the plantdeck agent of a remote
 * node, through that node's Engine API (doc/agent.md).
 *
 * The agent (agent.c) runs in a container labelled io.plantdeck.agent=1 on
 * its node; a request line is an exec of `plantdeck agent --request LINE`
 * in that container, and its answer the last JSON line the exec printed.
 * Used by `plantdeck agent --node` (cli/agent.c, through backend.h) and by
 * the self-healer's reapply (backend/heal/execute.c).  The fleet follows
 * the agents' output on its own, through their logs stream (fleet.c). */
#ifndef PLANTDECK_AGENT_CLIENT_H
#define PLANTDECK_AGENT_CLIENT_H

#include <stddef.h>

#include "backend/model/model.h"

/* Send request LINE (as agent_command takes it) to the agent container of
 * node NODE (NULL: the inventory's one node) through the Engine API: an exec
 * of `plantdeck agent --request LINE` in the node's trusted agent container
 * (the one agent --start recorded, still from the recorded image).  Refused under CFG->read_only.  0 with *OUT, the
 * answer line (JSON, to free), or -1 with ERR.  The front ends reach it
 * through backend.h (node/node.h includes this header). */
int agent_remote_request(const struct backend_config *cfg, const char *node, const char *line,
    char **out, char *err, size_t errlen);

/* Start node NODE's trusted agent container (agent-start.c): from the
 * inventory's pinned image, with least privilege, a fresh key put in before
 * it starts, and its record written; ARGV[0..ARGC-1] are more agent
 * arguments.  Refused under CFG->read_only.  0 with its id in ID_OUT, or
 * -1 with ERR. */
int agent_remote_start(const struct backend_config *cfg, const char *node, int argc,
    char **argv, char *id_out, size_t idlen, char *err, size_t errlen);

/* The create body of the agent container (agent-start.c, doc/agent.md
 * "Least privilege"): image REF, more agent arguments ARGV[0..ARGC-1], on an
 * engine of API version API_VERSION ("1.41"): CapAdd CAP_BPF and
 * CAP_PERFMON from 1.42 on, CAP_SYS_ADMIN alone before.  A new string. */
char *agent_start_create_body(const char *ref, int argc, char **argv, const char *api_version);

/* Whether API version V ("1.41") is at least 1.42 (Docker 23.0). */
int agent_start_api_new(const char *v);

#endif
