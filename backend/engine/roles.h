/* roles.h: who may do what — the viewer, operator and approver roles that
 * the inventory's "roles:" section maps to Unix groups, and its
 * "four_eyes:" rule (doc/security.md, "Roles and four eyes").
 *
 * A user's role comes from the OS, never the environment: the process's
 * real uid and its real and supplementary groups (getgid, getgroups), the
 * same credentials the kernel checks files against.  Each role includes
 * the ones below it (approver > operator > viewer).  Root (real uid 0) has
 * every role: it can read the keys and the database anyway; it is audited
 * as root, and four eyes still wants a second person.  An inventory without
 * "roles:" lets everyone do everything, as before. */
#ifndef PLANTDECK_ROLES_H
#define PLANTDECK_ROLES_H

#include <stddef.h>
#include <sys/types.h>

#include <yaml.h>

#include "backend/base/yamlfile.h"

enum roles_role {
	ROLES_NONE,          /* in no role's group: may not even look */
	ROLES_VIEWER,        /* looks: status, the cockpit, lists, logs, audit */
	ROLES_OPERATOR,      /* changes: deploys, container actions, heal decisions, tune */
	ROLES_APPROVER,      /* and approves another person's fleet-wide action */
	ROLES_N
};

/* The inventory's "roles:" and "four_eyes:" sections; zero when absent. */
struct inv_roles {
	int set;                     /* roles: given */
	char *group[ROLES_N];        /* [ROLES_VIEWER..ROLES_APPROVER]: a group name, or NULL */
	char where[300];             /* "FILE:LINE:COL" of roles:, for messages */
	int four_eyes;               /* four_eyes: given */
	unsigned four_eyes_nodes;    /* a deploy or rollback to more nodes needs a second
	                                person; every quarantine does */
};

/* Read the inventory's ROLES and FOUR_EYES values (either may be NULL) of
 * file F into R; 0, or -1 with F's error ("FILE:LINE:COL: message"). */
int roles_parse(struct yf_file *f, const yaml_node_t *roles_key, yaml_node_t *roles,
    yaml_node_t *four_eyes, struct inv_roles *r);

/* Free what roles_parse kept. */
void roles_clear(struct inv_roles *r);

/* A role's name: "none", "viewer", "operator", "approver". */
const char *roles_name(enum roles_role role);

/* The role of a user with real uid UID in groups GIDS[0..N) (real and
 * supplementary), when the role groups are RG (a gid, -1 when R does not
 * name that role, -2 when it names a group this machine does not have).
 * Without R->set every user is an approver. */
enum roles_role roles_resolve(const struct inv_roles *r, uid_t uid, const gid_t *gids,
    size_t n, const long rg[ROLES_N]);

/* The calling process's role under R, as the OS says (real uid, real gid,
 * getgroups()); WHO gets "alice (uid 1001)" when not NULL. */
enum roles_role roles_caller(const struct inv_roles *r, char *who, size_t wholen);

/* Whether the caller has role NEED under R: 0, or -1 with ERR "WHAT:
 * refused: user alice (uid 1001) is a viewer; this needs the operator role
 * (group plant-ops, roles at FILE:LINE:COL)". */
int roles_check(const struct inv_roles *r, enum roles_role need, const char *what,
    char *err, size_t errlen);

/* For the cockpit's header: "alice: operator", or "" without roles. */
void roles_label(const struct inv_roles *r, char *out, size_t len);

#endif
