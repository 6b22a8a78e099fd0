#!/bin/sh
# deploy-secrets.sh: secrets and configs on the lab's engines.  A stack with a
# secret from a file, one from an environment variable (long form: a relative
# target, uid, gid, mode 0400) and a config from content: (with a ${VAR}, at
# /etc/plc/plc.conf, mode 0440) on two nodes: each is readable inside the
# container at its path, with its mode and owner, before the container's own
# command ran (the command reads them as it starts); the secrets' text is
# nowhere in the SQLite database, the --log file, the plan, `status --json`,
# `rollout status --json` or the journal.  The self-healer's path
# (rollout_place) puts them into a container it re-creates.  An update whose
# secret file changed gets the new content; a rollback to the revision of the
# old content is refused, naming the file, and changes nothing.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_lab
. "$top_srcdir/tests/deploy-lib.sh"

S=dsec$$
SEL=lab-01,lab-02
PLACE=$top_builddir/tests/rollout-place
# Containers first (cleanups run newest first): a network in use cannot go.
t_on_exit "for i in 1 2; do ldocker \$i network rm ${S}_default >/dev/null 2>&1 || true; done"
t_on_exit "lab_rm_prefix $S-"

FILE_SECRET="file-secret-$$-Qx7"
ENV_SECRET="env-secret-$$-Vb3"
mkdir -p "$T_TMP/site"
printf '%s\n' "$FILE_SECRET" >"$T_TMP/site/db_pw.txt"
export PD_TEST_API_KEY="$ENV_SECRET" PD_TEST_LINE=B
LOG=$T_TMP/plantdeck.log

# Stack file on plc-sim tag $1.  The command copies what it finds at start:
# the files are there before the container starts, not after.
sec_stack() {
	cat >"$T_TMP/site/stack.yaml" <<YAML
x-plantdeck:
  stack: $S
  rollout:
    monitor: 1s
    progress_deadline: 60s
secrets:
  db_pw:
    file: ./db_pw.txt
  api_key:
    environment: PD_TEST_API_KEY
configs:
  plc_conf:
    content: |
      line=\${PD_TEST_LINE}
      scan=100ms
services:
  plc:
    image: $REG/plant/plc-sim:$1
    command: ["sh", "-c", "cat /run/secrets/db_pw > /tmp/at-start && exec /bin/plc-sim"]
    secrets:
      - db_pw
      - source: api_key
        target: keys/api.key
        uid: "1000"
        gid: "1001"
        mode: 0400
    configs:
      - source: plc_conf
        target: /etc/plc/plc.conf
        mode: 0440
YAML
	echo "$T_TMP/site/stack.yaml"
}

# "PATH MODE UID GID" and the content of every file on node $1.
expect_files() {
	local i=$1 want_pw=$2 got
	got=$(ldocker "$i" exec "$S-plc" stat -c '%n %a %u %g' /run/secrets/db_pw \
		/run/secrets/keys/api.key /etc/plc/plc.conf 2>&1) || fail "$(lab_name "$i"): stat: $got"
	[ "$got" = "/run/secrets/db_pw 444 0 0
/run/secrets/keys/api.key 400 1000 1001
/etc/plc/plc.conf 440 0 0" ] || fail "$(lab_name "$i"): modes and owners: $got"
	[ "$(ldocker "$i" exec "$S-plc" cat /run/secrets/db_pw)" = "$want_pw" ] ||
		fail "$(lab_name "$i"): /run/secrets/db_pw is not the file's content"
	[ "$(ldocker "$i" exec "$S-plc" cat /tmp/at-start)" = "$want_pw" ] ||
		fail "$(lab_name "$i"): the secret was not there when the container started"
	[ "$(ldocker "$i" exec "$S-plc" cat /run/secrets/keys/api.key)" = "$ENV_SECRET" ] ||
		fail "$(lab_name "$i"): api.key is not the variable's value"
	[ "$(ldocker "$i" exec "$S-plc" cat /etc/plc/plc.conf)" = "line=B
scan=100ms" ] || fail "$(lab_name "$i"): plc.conf: $(ldocker "$i" exec "$S-plc" cat /etc/plc/plc.conf)"
}

# Fail if secret text $1 is in the database, the log or output file $2...
expect_nowhere() {
	local text=$1 f
	shift
	for f in "$PLANTDECK_DB"* "$LOG" "$@"; do
		[ -e "$f" ] || continue
		! grep -a -q -- "$text" "$f" || fail "the secret's text is in $f"
	done
}

# --- the plan names the sources and digests, not the content
f=$(sec_stack 1)
"$PLANTDECK" --log "$LOG" deploy "$f" --nodes "$SEL" --dry-run >"$T_TMP/plan" 2>&1 ||
	fail "dry run: $(cat "$T_TMP/plan")"
grep -q "^  secrets and configs: db_pw (secret, file $T_TMP/site/db_pw.txt, sha256 [0-9a-f]\{8\}), api_key (secret, \$PD_TEST_API_KEY, sha256 [0-9a-f]\{8\}), plc_conf (config, content, sha256 [0-9a-f]\{8\})$" \
	"$T_TMP/plan" || fail "plan: $(cat "$T_TMP/plan")"
ok "dry run: each secret's source and digest in the plan"

# --- revision 1 on two nodes
"$PLANTDECK" --log "$LOG" deploy "$f" --nodes "$SEL" --yes >"$T_TMP/out1" 2>&1 ||
	{ cat "$T_TMP/out1" >&2; fail "deploy 1 failed"; }
expect_files 1 "$FILE_SECRET"
expect_files 2 "$FILE_SECRET"
ok "revision 1: secrets at /run/secrets (444 root; 400 1000:1001), the config at /etc/plc/plc.conf (440), there before start"

id1=$(deploy_status | jq .id)
"$PLANTDECK" rollout journal "$id1" >"$T_TMP/journal1"
grep -q "secrets $S-plc  *begin  *secret db_pw (sha256 [0-9a-f]\{8\}) at /run/secrets/db_pw" "$T_TMP/journal1" ||
	fail "no secrets step in the journal: $(cat "$T_TMP/journal1")"
deploy_status >"$T_TMP/status.json"
"$PLANTDECK" status --json >"$T_TMP/fleet.json" 2>&1 || true
"$PLANTDECK" history "$S" --json >"$T_TMP/history.json"
"$PLANTDECK" audit >"$T_TMP/audit" 2>&1 || true
for t in "$FILE_SECRET" "$ENV_SECRET"; do
	expect_nowhere "$t" "$T_TMP/plan" "$T_TMP/out1" "$T_TMP/journal1" "$T_TMP/status.json" \
		"$T_TMP/fleet.json" "$T_TMP/history.json" "$T_TMP/audit"
done
[ -s "$PLANTDECK_DB" ] || fail "no database at $PLANTDECK_DB"
ok "the secrets' text is in neither the database nor the log, the plan, the journal, status or the audit trail"

# --- the self-healer's path: a container re-created from the revision
if [ -x "$PLACE" ]; then
	ldocker 2 rm -f "$S-plc" >/dev/null
	"$PLACE" "$PLANTDECK_INVENTORY" "$PLANTDECK_DB" "$S" 0 lab-02 >"$T_TMP/place" 2>&1 ||
		fail "rollout_place: $(cat "$T_TMP/place")"
	expect_files 2 "$FILE_SECRET"
	ok "re-created by rollout_place (the self-healer's path): the secrets are there again"
fi

# --- an update whose secret file changed
NEW_SECRET="rotated-$$-Hn4"
printf '%s\n' "$NEW_SECRET" >"$T_TMP/site/db_pw.txt"
f=$(sec_stack 2)
"$PLANTDECK" --log "$LOG" deploy "$f" --nodes "$SEL" --yes >"$T_TMP/out2" 2>&1 ||
	{ cat "$T_TMP/out2" >&2; fail "deploy 2 failed"; }
expect_files 1 "$NEW_SECRET"
expect_files 2 "$NEW_SECRET"
id2=$(deploy_status | jq .id)
ok "revision 2: the changed file's content in both containers"

# --- a rollback to revision 1, whose file content is gone: refused, nothing changed
rc=0
"$PLANTDECK" rollout rollback "$id2" --to 1 >"$T_TMP/out3" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "a rollback with a changed secret succeeded: $(cat "$T_TMP/out3")"
deploy_status | jq -e '.kind == "rollback" and .state == "failed" and
	(.message | test("secret .db_pw.: .*db_pw[.]txt changed since the revision was made"))' \
	>/dev/null || fail "the rollback: $(deploy_status)"
for i in 1 2; do
	img=$(ldocker "$i" inspect -f '{{.Config.Image}}' "$S-plc")
	[ "$img" = "$REG/plant/plc-sim:2" ] || fail "$(lab_name "$i"): on $img after a refused rollback"
done
expect_files 1 "$NEW_SECRET"
ok "rollback to 1 refused: db_pw.txt changed since; both nodes left on revision 2"

# --- the old content back: the rollback goes through
printf '%s\n' "$FILE_SECRET" >"$T_TMP/site/db_pw.txt"
"$PLANTDECK" rollout rollback "$id2" --to 1 >"$T_TMP/out4" 2>&1 ||
	{ cat "$T_TMP/out4" >&2; fail "rollback with the file restored failed"; }
expect_files 1 "$FILE_SECRET"
expect_files 2 "$FILE_SECRET"
for t in "$FILE_SECRET" "$ENV_SECRET" "$NEW_SECRET"; do
	expect_nowhere "$t" "$T_TMP/out2" "$T_TMP/out3" "$T_TMP/out4"
done
ok "with the file restored, rollback to 1: the old content back; still no secret text in the database or log"
