/* test-roles.c: the roles and four-eyes rules — which role a uid and its
 * groups get (roles_resolve), the inventory's roles: and four_eyes:
 * sections and their FILE:LINE:COL errors, and who counts as the same
 * person under four eyes (store_approval_same, built with -DUNITTEST). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/engine/inventory.h"
#include "backend/engine/roles.h"
#include "backend/store/store-approval.h"

#define ERRLEN 1024

/* Fail, showing both, unless message ERR contains WANT. */
#define assert_has(err, want) do { \
	if (strstr((err), (want)) == NULL) \
		fail_msg("'%s' lacks '%s'", (err), (want)); \
} while (0)

/* ---------------------------------------------------------------- resolve */

/* Roles viewer 100, operator 200, approver 300 (all named, all existing). */
static const struct inv_roles set_roles = { .set = 1 };

static void
test_resolve_groups(void **state)
{
	const long rg[ROLES_N] = { -1, 100, 200, 300 };
	const gid_t none[] = { 5, 6 }, v[] = { 5, 100 }, o[] = { 200 }, a[] = { 300, 7 },
	    oa[] = { 200, 300 }, all[] = { 100, 200, 300 };

	(void)state;
	assert_int_equal(roles_resolve(&set_roles, 1000, none, 2, rg), ROLES_NONE);
	assert_int_equal(roles_resolve(&set_roles, 1000, v, 2, rg), ROLES_VIEWER);
	assert_int_equal(roles_resolve(&set_roles, 1000, o, 1, rg), ROLES_OPERATOR);
	assert_int_equal(roles_resolve(&set_roles, 1000, a, 2, rg), ROLES_APPROVER);
	assert_int_equal(roles_resolve(&set_roles, 1000, oa, 2, rg), ROLES_APPROVER);
	assert_int_equal(roles_resolve(&set_roles, 1000, all, 3, rg), ROLES_APPROVER);
	assert_int_equal(roles_resolve(&set_roles, 1000, NULL, 0, rg), ROLES_NONE);
}

static void
test_resolve_root_and_unset(void **state)
{
	const long rg[ROLES_N] = { -1, 100, 200, 300 };
	const struct inv_roles unset = { 0 };
	const gid_t none[] = { 5 };

	(void)state;
	/* root has every role, in no group */
	assert_int_equal(roles_resolve(&set_roles, 0, none, 1, rg), ROLES_APPROVER);
	/* no roles: in the inventory, everyone may do everything (as before) */
	assert_int_equal(roles_resolve(&unset, 1000, none, 1, rg), ROLES_APPROVER);
	assert_int_equal(roles_resolve(NULL, 1000, none, 1, rg), ROLES_APPROVER);
}

static void
test_resolve_unnamed_and_missing(void **state)
{
	/* viewer not named: everyone may look; approver not named: nobody approves */
	const long no_viewer[ROLES_N] = { -1, -1, 200, -1 };
	/* groups named that this machine does not have: nobody is in them */
	const long missing[ROLES_N] = { -1, -2, -2, -2 };
	const gid_t g[] = { 5 }, o[] = { 200 }, neg[] = { (gid_t)-2 };

	(void)state;
	assert_int_equal(roles_resolve(&set_roles, 1000, g, 1, no_viewer), ROLES_VIEWER);
	assert_int_equal(roles_resolve(&set_roles, 1000, o, 1, no_viewer), ROLES_OPERATOR);
	assert_int_equal(roles_resolve(&set_roles, 1000, g, 1, missing), ROLES_NONE);
	assert_int_equal(roles_resolve(&set_roles, 1000, neg, 1, missing), ROLES_NONE);
}

static void
test_role_names(void **state)
{
	(void)state;
	assert_string_equal(roles_name(ROLES_NONE), "none");
	assert_string_equal(roles_name(ROLES_VIEWER), "viewer");
	assert_string_equal(roles_name(ROLES_OPERATOR), "operator");
	assert_string_equal(roles_name(ROLES_APPROVER), "approver");
	assert_string_equal(roles_name((enum roles_role)42), "none");
}

/* The caller: as root (the suite's usual user) every role; otherwise at
 * least a consistent answer and a label. */
static void
test_caller(void **state)
{
	struct inv_roles r = { .set = 1 };
	char who[128], label[160], err[ERRLEN];

	(void)state;
	r.group[ROLES_OPERATOR] = (char *)"pd-no-such-group-17";
	snprintf(r.where, sizeof(r.where), "inv.yaml:3:1");
	if (getuid() == 0) {
		assert_int_equal(roles_caller(&r, who, sizeof(who)), ROLES_APPROVER);
		assert_int_equal(roles_check(&r, ROLES_APPROVER, "x", err, sizeof(err)), 0);
		roles_label(&r, label, sizeof(label));
		assert_has(label, ": root");
	} else {
		/* In no group of a role that exists: refused, naming all of it. */
		assert_int_equal(roles_check(&r, ROLES_OPERATOR, "deploy web", err, sizeof(err)), -1);
		assert_has(err, "deploy web: refused: user ");
		assert_has(err, "the operator role (group pd-no-such-group-17, which this machine "
		    "does not have, roles at inv.yaml:3:1)");
	}
	roles_label(NULL, label, sizeof(label));
	assert_string_equal(label, "");
}

/* ---------------------------------------------------------------- four eyes */

static void
test_same_person(void **state)
{
	(void)state;
	/* different uids, no logins: two people */
	assert_false(store_approval_same(1002, -1, 1001, -1));
	/* the same uid */
	assert_true(store_approval_same(1001, -1, 1001, -1));
	/* root via sudo from alice (login 1001) approving alice's request */
	assert_true(store_approval_same(0, 1001, 1001, 1001));
	/* alice approving what she asked as root via sudo */
	assert_true(store_approval_same(1001, 1001, 0, 1001));
	/* two sudo sessions of the same login */
	assert_true(store_approval_same(0, 1001, 1003, 1001));
	/* root of bob's session approving alice's */
	assert_false(store_approval_same(0, 1002, 1001, 1001));
	/* root (no login) approving root's request */
	assert_true(store_approval_same(0, -1, 0, -1));
}

/* ---------------------------------------------------------------- inventory */

static char tmpdir[256];

/* Write TEXT as an inventory and load it: 0 with *OUT, or -1 with ERR. */
static int
load_text(const char *text, struct inventory **out, char *err)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/inv.yaml", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("nodes:\n  - name: a\n    endpoint: unix:///run/plantdeck-test.sock\n", f);
	fputs(text, f);
	fclose(f);
	return inventory_load(path, out, err, ERRLEN);
}

static int
setup(void **state)
{
	char tmpl[] = "/tmp/plantdeck-test-roles-XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	return 0;
}

static int
teardown(void **state)
{
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/inv.yaml", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

static void
test_inventory_roles(void **state)
{
	struct inventory *inv = NULL;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(load_text("roles:\n  viewer: plant-view\n  operator: plant-ops\n"
	    "  approver: plant_approve\nfour_eyes:\n  nodes: 3\n", &inv, err), 0);
	assert_true(inv->roles.set);
	assert_string_equal(inv->roles.group[ROLES_VIEWER], "plant-view");
	assert_string_equal(inv->roles.group[ROLES_OPERATOR], "plant-ops");
	assert_string_equal(inv->roles.group[ROLES_APPROVER], "plant_approve");
	assert_true(inv->roles.four_eyes);
	assert_int_equal(inv->roles.four_eyes_nodes, 3);
	assert_has(inv->roles.where, "inv.yaml:4:1");
	inventory_free(inv);

	/* none: as before */
	assert_int_equal(load_text("", &inv, err), 0);
	assert_false(inv->roles.set);
	assert_false(inv->roles.four_eyes);
	inventory_free(inv);

	/* operator alone is enough */
	assert_int_equal(load_text("roles: {operator: ops}\n", &inv, err), 0);
	assert_null(inv->roles.group[ROLES_VIEWER]);
	inventory_free(inv);
}

static void
test_inventory_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "roles: ops\n", "inv.yaml:4:8: 'roles' must be a mapping" },
		{ "roles:\n  operator: ops\n  admin: root\n", "inv.yaml:6:3: unknown role 'admin'" },
		{ "roles:\n  operator: 9ops\n", "inv.yaml:5:13: role 'operator': bad group name "
		  "'9ops'" },
		{ "roles:\n  operator: \"a b\"\n", "inv.yaml:5:13: role 'operator': bad group name" },
		{ "roles:\n  operator: [a]\n", "inv.yaml:5:13: role 'operator' must be a Unix group" },
		{ "roles:\n  operator: ops\n  operator: ops2\n", "inv.yaml:6:3: duplicate key "
		  "'operator' (first at line 5)" },
		{ "roles:\n  viewer: v\n", "inv.yaml:5:3: 'roles' names no 'operator' group" },
		{ "roles:\n  operator: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", "bad group name" },
		{ "roles: {operator: o}\nfour_eyes: {nodes: 2}\n", "inv.yaml:5:12: 'four_eyes' "
		  "needs 'roles' with an 'approver' group" },
		{ "four_eyes: {nodes: 2}\n", "inv.yaml:4:12: 'four_eyes' needs 'roles'" },
		{ "roles: {operator: o, approver: a}\nfour_eyes: {nodes: -1}\n", "inv.yaml:5:20: "
		  "'nodes' must be a whole number from 0 to 100000, not '-1'" },
		{ "roles: {operator: o, approver: a}\nfour_eyes: {nodes: 2x}\n", "inv.yaml:5:20: "
		  "'nodes' must be a whole number" },
		{ "roles: {operator: o, approver: a}\nfour_eyes: {nodes: 100001}\n", "inv.yaml:5:20: "
		  "'nodes' must be a whole number" },
		{ "roles: {operator: o, approver: a}\nfour_eyes: {nodes: 2, quorum: 3}\n",
		  "inv.yaml:5:23: unknown key 'quorum'" },
		{ "roles: {operator: o, approver: a}\nfour_eyes: {}\n", "inv.yaml:5:12: 'four_eyes' "
		  "needs 'nodes'" },
		{ "roles: {operator: o, approver: a}\nfour_eyes: 2\n", "inv.yaml:5:12: 'four_eyes' "
		  "must be a mapping" },
	};
	struct inventory *inv;
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		inv = NULL;
		err[0] = '\0';
		if (load_text(bad[i].text, &inv, err) == 0)
			fail_msg("accepted: %s", bad[i].text);
		assert_null(inv);
		assert_has(err, bad[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_groups),
		cmocka_unit_test(test_resolve_root_and_unset),
		cmocka_unit_test(test_resolve_unnamed_and_missing),
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_caller),
		cmocka_unit_test(test_same_person),
		cmocka_unit_test(test_inventory_roles),
		cmocka_unit_test(test_inventory_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
