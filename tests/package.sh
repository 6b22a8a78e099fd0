#!/bin/sh
# package.sh: the Debian package (debian/, doc/packaging.md).  In a clean
# copy of the source tree under $T_TMP: dpkg-buildpackage -us -uc -b (a
# release build: no sanitizers, no test suite, two jobs); lintian reports no
# error; the .deb holds the binary, the manual, the themes, the units, the
# completion, the conffiles and the agent image's builder.  Then it installs
# it on this machine (dpkg -i): the installed plantdeck runs, the postinst
# made the plantdeck group and users and /var/lib/plantdeck (2770
# root:plantdeck), systemd-analyze verify passes on both units, the agent
# image's build context is made from the installed binary, and with the lab
# up the installed `plantdeck status` reads the whole lab.  dpkg --purge at
# exit (and the users and group the package made), leaving the machine as
# found.
#
# While the package is installed /var/lib/plantdeck exists, and a plantdeck
# run without --db or PLANTDECK_DB would use the database there: with a
# lab, the install is done under the lab's lock, so that no lab test runs
# meanwhile.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

command -v dpkg-buildpackage >/dev/null ||
	skip "dpkg-buildpackage is missing (Debian packages dpkg-dev, debhelper, fakeroot, lintian)"
[ "$(id -u)" = 0 ] || skip "dpkg -i needs root"
for t in lintian dh fakeroot systemd-analyze; do
	command -v "$t" >/dev/null || fail "$t is missing (scripts/setup installs it)"
done
if dpkg-query -W -f='${Status}' plantdeck 2>/dev/null | grep -q 'ok installed'; then
	fail "a plantdeck package is installed already: this test installs and purges its own (dpkg --purge plantdeck first)"
fi

V=$(sed -n 's/^plantdeck (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog" | head -n1)
SRC=$T_TMP/plantdeck-$V
mkdir -p "$SRC"
# A clean copy: the tracked and untracked files, none of the ignored build
# products (or, when $top_srcdir is not the top of a git work tree, such as
# make distcheck's copy, what make dist ships).
if [ -z "$(git -C "$top_srcdir" rev-parse --show-prefix 2>/dev/null || echo no)" ]; then
	(cd "$top_srcdir" && git ls-files -co --exclude-standard -z) |
		(cd "$top_srcdir" && tar -cf - --null -T -) | tar -xf - -C "$SRC"
else
	rmdir "$SRC"
	make -s -C "$top_builddir" distdir distdir="$SRC" >/dev/null
fi
[ ! -e "$SRC/build" ] || fail "the copy holds a build directory"

t0=$(now_s)
(cd "$SRC" && DEB_BUILD_OPTIONS="parallel=2 nocheck noddebs" \
	dpkg-buildpackage -us -uc -b >"$T_TMP/build.log" 2>&1) || {
	tail -n 40 "$T_TMP/build.log" >&2
	fail "dpkg-buildpackage failed"
}
DEB=$T_TMP/plantdeck_${V}_$(dpkg --print-architecture).deb
[ -f "$DEB" ] || fail "no $DEB after the build"
ok "dpkg-buildpackage: $(basename "$DEB") in $(ms_between "$t0" "$(now_s)") ms"
grep -q 'sanitizers: *no' "$T_TMP/build.log" || fail "the package was not built without the sanitizers"

lintian --tag-display-limit 0 "$DEB" >"$T_TMP/lintian.txt" 2>&1 || true
if grep -q '^E: ' "$T_TMP/lintian.txt"; then
	cat "$T_TMP/lintian.txt" >&2
	fail "lintian reports errors"
fi
ok "lintian: no error ($(grep -c '^W: ' "$T_TMP/lintian.txt" || true) warnings)"

dpkg-deb -c "$DEB" | awk '{ print $NF }' | sed 's|^\./|/|' >"$T_TMP/files"
for f in /usr/bin/plantdeck /usr/share/man/man1/plantdeck.1.gz \
	/usr/share/plantdeck/themes/default.theme /usr/share/plantdeck/themes/high-contrast.theme \
	/usr/share/plantdeck/themes/monochrome.theme /usr/share/plantdeck/themes/light.theme \
	/usr/share/plantdeck/themes/colorblind.theme \
	/etc/plantdeck/inventory.yaml /etc/default/plantdeck /var/lib/plantdeck/ \
	/lib/systemd/system/plantdeck.service /lib/systemd/system/plantdeck-kiosk@.service \
	/usr/share/bash-completion/completions/plantdeck \
	/usr/share/plantdeck/agent/plantdeck-agent-image \
	/usr/share/doc/plantdeck/copyright /usr/share/doc/plantdeck/examples/inventory.yaml; do
	grep -qxF "$f" "$T_TMP/files" || fail "the package lacks $f"
done
dpkg-deb -I "$DEB" conffiles >"$T_TMP/conffiles"
for f in /etc/plantdeck/inventory.yaml /etc/default/plantdeck; do
	grep -qxF "$f" "$T_TMP/conffiles" || fail "$f is not a conffile"
done
ok "the package's files and conffiles"

# Install it.  With a lab, under its lock (see above); the users and the
# group it makes are removed after the purge unless they were here before.
[ -z "${PLANTDECK_LAB:-}" ] || need_lab
had_users=""
for u in plantdeck plantdeck-kiosk; do
	getent passwd "$u" >/dev/null && had_users="$had_users user:$u"
done
for g in plantdeck plantdeck-kiosk; do
	getent group "$g" >/dev/null && had_users="$had_users group:$g"
done
# Purge, then remove the users and groups the postinst made.
pkg_cleanup() {
	dpkg --purge plantdeck >/dev/null 2>&1 || true
	for u in plantdeck plantdeck-kiosk; do
		case " $had_users " in *" user:$u "*) ;; *) deluser --system --quiet "$u" >/dev/null 2>&1 || true ;; esac
	done
	for g in plantdeck plantdeck-kiosk; do
		case " $had_users " in *" group:$g "*) ;; *) delgroup --system --quiet "$g" >/dev/null 2>&1 || true ;; esac
	done
}
t_on_exit pkg_cleanup
dpkg -i "$DEB" >"$T_TMP/dpkg.log" 2>&1 || { cat "$T_TMP/dpkg.log" >&2; fail "dpkg -i failed"; }

v=$(/usr/bin/plantdeck --version) || fail "the installed plantdeck --version failed"
[ "$v" = "plantdeck $V" ] || fail "the installed plantdeck says '$v', the package is $V"
ok "installed: $v"
[ "$(stat -c '%a %U %G' /var/lib/plantdeck)" = "2770 root plantdeck" ] ||
	fail "/var/lib/plantdeck is $(stat -c '%a %U %G' /var/lib/plantdeck), not 2770 root plantdeck"
id -nG plantdeck | grep -qw plantdeck || fail "no plantdeck service user in the plantdeck group"
getent passwd plantdeck-kiosk >/dev/null || fail "no plantdeck-kiosk user"
man -P cat plantdeck 2>/dev/null | grep -q '^FILES' || fail "man plantdeck shows no FILES section"

for u in plantdeck.service plantdeck-kiosk@tty7.service; do
	systemd-analyze verify "$u" >"$T_TMP/verify.txt" 2>&1 || {
		cat "$T_TMP/verify.txt" >&2
		fail "systemd-analyze verify $u"
	}
	[ ! -s "$T_TMP/verify.txt" ] || { cat "$T_TMP/verify.txt" >&2; fail "systemd-analyze verify $u warns"; }
done
ok "systemd-analyze verify: both units clean"

/usr/share/plantdeck/agent/plantdeck-agent-image context "$T_TMP/agent" >/dev/null ||
	fail "plantdeck-agent-image context failed"
cmp -s /usr/bin/plantdeck "$T_TMP/agent/rootfs/usr/bin/plantdeck" || fail "the agent context lacks the binary"
grep -q '^FROM scratch' "$T_TMP/agent/Dockerfile" || fail "the agent context's Dockerfile is not FROM scratch"
ok "the agent image's build context from the installed binary"

if [ -n "${PLANTDECK_LAB:-}" ]; then
	command -v jq >/dev/null || fail "jq is missing (Debian package 'jq')"
	/usr/bin/plantdeck --db "$T_TMP/status.db" status --json >"$T_TMP/status.json" ||
		fail "the installed plantdeck status exited $? on the lab"
	n=$(jq '[.nodes[] | select(.reach == "up")] | length' "$T_TMP/status.json")
	[ "$n" = "$PLANTDECK_LAB_NODES" ] || fail "installed status: $n nodes up, the lab has $PLANTDECK_LAB_NODES"
	ok "installed plantdeck status: $n lab nodes up"
fi

dpkg --purge plantdeck >/dev/null 2>&1 || fail "dpkg --purge plantdeck failed"
[ ! -e /usr/bin/plantdeck ] && [ ! -e /var/lib/plantdeck ] && [ ! -e /etc/plantdeck ] ||
	fail "files left after dpkg --purge"
ok "purged"
