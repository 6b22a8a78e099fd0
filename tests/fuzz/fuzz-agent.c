/* fuzz-agent: lines of the plantdeck agent's output (fleet_parse_agent_line,
 * backend/engine/fleet.c): untrusted, they become findings.
 *
 * Input: byte 0 whether the line carries the engine's timestamp, the rest
 * one line.  Checked: the verdict is -1, 0 or 1; an event's container,
 * action, text and severity are terminated and safe for a terminal (the
 * parser sanitises them), its severity one of info, warning, critical. */
#include "backend/engine/fleet.h"
#include "tests/fuzz/fuzz.h"

/* Field F of an event (SIZE bytes) is terminated and safe. */
static void
fz_field(const char *what, const char *f, size_t size)
{
	const char *end = memchr(f, '\0', size);

	if (end == NULL)
		fz_fail("fleet_parse_agent_line: %s not terminated", what);
	fz_check_safe(what, f, (size_t)(end - f), NULL, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pd_event e;
	long long sec;
	long nsec;
	char *line;
	int rc;

	if (size < 1)
		return 0;
	line = fz_strdup(data + 1, size - 1);
	memset(&e, 0, sizeof(e));
	rc = fleet_parse_agent_line(line, data[0] & 1, &e, &sec, &nsec);
	if (rc < -1 || rc > 1)
		fz_fail("fleet_parse_agent_line: verdict %d", rc);
	if (nsec < 0 || nsec > 999999999)
		fz_fail("fleet_parse_agent_line: %ld ns", nsec);
	if (rc == 1) {
		fz_field("container", e.container, sizeof(e.container));
		fz_field("action", e.action, sizeof(e.action));
		fz_field("text", e.text, sizeof(e.text));
		fz_field("severity", e.severity, sizeof(e.severity));
		if (strcmp(e.severity, "info") != 0 && strcmp(e.severity, "warning") != 0 &&
		    strcmp(e.severity, "critical") != 0)
			fz_fail("fleet_parse_agent_line: severity '%s'", e.severity);
	}
	free(line);
	return 0;
}
