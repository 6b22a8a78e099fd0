/* tui-commands.c: the cockpit's commands, sent to the backend's command
 * thread and answered when they are done.
 *
 * No key handler runs a command itself: a container action, a heal
 * decision, a deploy command, a deploy start or a plan can wait on the
 * database (a busy timeout of 5 s behind another process, an fsync) or on
 * a lock a deploy holds, and the screen must go on answering keys
 * meanwhile.  A handler fills a struct pd_command and sends it with its
 * words ("Restart lab-01/x: writing the audit trail..."), which stay on the
 * bottom line, under any notice, until no command is under way; tui_commands_read, called by the main loop, takes the ones
 * done and hands each to the file it came from, which shows the outcome. */
#include "config.h"

#include <stdio.h>

#include "tui-internal.h"

/* Send C (taken over, also when it fails: then the failure is on the
 * bottom line), and say WORDS (NULL: nothing) there until it is done; its
 * number, or 0 when it was not sent. */
uint64_t
tui_command_send(struct tui *t, struct pd_command *c, const char *words)
{
	char err[PD_ERROR_LEN];
	uint64_t seq = 0;

	if (c == NULL) {
		tui_message(t, theme_attr(TH_CRIT), 0, " Out of memory: nothing was sent.");
		return 0;
	}
	if (backend_command_send(t->b, c, &seq, err, sizeof(err)) != 0) {
		tui_message(t, theme_attr(TH_CRIT), 0, " Not sent: %s", err);
		pd_command_free(c);
		return 0;
	}
	if (words != NULL) {
		tui_message(t, theme_attr(TH_INFO), 0, " %s", words);
		snprintf(t->cmd_wait, sizeof(t->cmd_wait), " %s", words);
	}
	return seq;
}

/* Take the commands done and hand each to its file; 1 when one came. */
int
tui_commands_read(struct tui *t)
{
	struct pd_command *c;
	int got = 0;

	while ((c = backend_command_take(t->b)) != NULL) {
		switch (c->kind) {
		case PD_COMMAND_CONTAINER:
			tui_actions_done(t, c);
			break;
		case PD_COMMAND_HEAL_APPROVE:
		case PD_COMMAND_HEAL_REJECT:
			tui_heals_done(t, c);
			break;
		case PD_COMMAND_DEPLOY:
			tui_deploys_done(t, c);
			break;
		case PD_COMMAND_DEPLOY_START:
		case PD_COMMAND_PLAN:
			tui_plan_done(t, c);
			break;
		case PD_COMMAND_APPROVAL_APPROVE:
		case PD_COMMAND_APPROVAL_REJECT:
			tui_approvals_done(t, c);
			break;
		}
		pd_command_free(c);
		got = 1;
		t->dirty = 1;
	}
	if (got && backend_commands_pending(t->b) == 0)
		t->cmd_wait[0] = '\0';
	return got;
}
