/* test-theme.c: themes parse, the shipped ones agree with the built-in and
 * stay legible at every depth, bad files say FILE:LINE: what, colours
 * downgrade sensibly, monochrome keeps states apart, and no input crashes
 * the parser.  The terminal tests bind to /dev/null through newterm(). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/provide-curses.h"
#include "tui/theme.h"

static const char *const shipped[] = {
	"default", "light", "high-contrast", "monochrome", "colorblind",
};
#define NSHIPPED (sizeof(shipped) / sizeof(shipped[0]))

static char srcdir[2048];
static char themedir[2100];
static char fixtures[2100];

/* Where the source tree is: $top_srcdir under make check, else "..". */
static int
setup(void **state)
{
	const char *top = getenv("top_srcdir");

	(void)state;
	snprintf(srcdir, sizeof(srcdir), "%s", top != NULL && top[0] != '\0' ? top : "..");
	snprintf(themedir, sizeof(themedir), "%s/themes", srcdir);
	snprintf(fixtures, sizeof(fixtures), "%s/tests/data/themes", srcdir);
	setenv("PLANTDECK_THEMEDIR", themedir, 1);
	unsetenv("NO_COLOR");
	return 0;
}

/* Write LEN bytes of DATA to a new temporary file; its name into PATH. */
static void
write_temp(char *path, size_t pathlen, const void *data, size_t len)
{
	int fd;

	snprintf(path, pathlen, "/tmp/plantdeck-test-theme-XXXXXX.theme");
	fd = mkstemps(path, 6);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Load PATH, expecting failure with an error that starts with PATH. */
static void
expect_error_at(const char *path, char *err, size_t errlen)
{
	struct theme *t = (struct theme *)1;

	assert_int_equal(theme_load(path, &t, err, errlen), -1);
	assert_null(t);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
}

/* Before any theme_apply(): monochrome fallbacks, no terminal needed. */
static void
test_attr_before_apply(void **state)
{
	int ok = theme_attr(TH_OK), warn = theme_attr(TH_WARN), crit = theme_attr(TH_CRIT);
	int stale = theme_attr(TH_STALE), sel = theme_attr(TH_SELECTION);
	const int states[] = { ok, warn, crit, stale, sel, theme_attr(TH_ALARM) };
	const enum theme_elem tiles[] = { TH_TILE_OK, TH_TILE_WARN, TH_TILE_CRIT,
	    TH_TILE_STALE, TH_TILE_SELECTED };

	(void)state;
	assert_int_equal(ok, A_NORMAL);
	assert_int_equal(warn, A_BOLD);
	assert_true((crit & A_BOLD) && (crit & A_REVERSE));
	assert_int_equal(stale, A_DIM);
	assert_int_equal(sel, A_REVERSE);
	assert_true(theme_attr(TH_ALARM) & A_BLINK);
	assert_true(theme_attr(TH_HEADER) & A_REVERSE);
	assert_true(theme_attr(TH_FOOTER) & A_REVERSE);
	assert_int_not_equal(theme_attr(TH_SELECTION_DIM), sel);
	assert_int_not_equal(theme_attr(TH_SELECTION_DIM), theme_attr(TH_NORMAL));
	assert_int_not_equal(sel, theme_attr(TH_NORMAL));
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		for (size_t j = i + 1; j < sizeof(states) / sizeof(states[0]); j++)
			assert_int_not_equal(states[i], states[j]);
	for (size_t i = 0; i < 5; i++)
		for (size_t j = i + 1; j < 5; j++)
			assert_int_not_equal(theme_attr(tiles[i]), theme_attr(tiles[j]));
	assert_int_equal(theme_attr(TH_COUNT), A_NORMAL);
	assert_int_equal(theme_attr((enum theme_elem)-1), A_NORMAL);
}

/* Every element has a unique file name that looks up to itself. */
static void
test_elem_names(void **state)
{
	(void)state;
	assert_string_equal(theme_elem_name(TH_HEADER), "header");
	assert_string_equal(theme_elem_name(TH_SELECTION), "selection");
	assert_string_equal(theme_elem_name(TH_TILE_OK), "tile.ok");
	assert_string_equal(theme_elem_name(TH_KIOSK_BADGE), "kiosk.badge");
	for (int e = 0; e < TH_COUNT; e++) {
		const char *n = theme_elem_name((enum theme_elem)e);

		assert_non_null(n);
		assert_int_equal(theme_elem_lookup(n), e);
		for (int f = e + 1; f < TH_COUNT; f++)
			assert_string_not_equal(n, theme_elem_name((enum theme_elem)f));
	}
	assert_int_equal(theme_elem_lookup("TILE.OK"), TH_TILE_OK);
	assert_int_equal(theme_elem_lookup("nosuch"), -1);
	assert_string_equal(theme_elem_name(TH_COUNT), "?");
}

/* Every shipped theme parses, by name, and is legible at every depth:
 * no element draws text in its own background colour. */
static void
test_shipped_themes(void **state)
{
	const enum theme_depth depths[] = { THEME_8, THEME_16, THEME_256 };
	char err[512];

	(void)state;
	for (size_t i = 0; i < NSHIPPED; i++) {
		struct theme *t = NULL;

		if (theme_load(shipped[i], &t, err, sizeof(err)) != 0)
			fail_msg("%s: %s", shipped[i], err);
		assert_non_null(t);
		assert_true(strlen(theme_name(t)) > 0);
		for (size_t d = 0; d < 3; d++) {
			for (int e = 0; e < TH_COUNT; e++) {
				struct theme_style st;

				theme_resolve(t, (enum theme_elem)e, depths[d], &st);
				assert_true(st.fg >= THEME_DEFAULT && st.fg <= 255);
				assert_true(st.bg >= THEME_DEFAULT && st.bg <= 255);
				if (depths[d] != THEME_256) {
					assert_true(st.fg < (depths[d] == THEME_8 ? 8 : 16));
					assert_true(st.bg < (depths[d] == THEME_8 ? 8 : 16));
				}
				if (st.fg >= 0 && st.fg == st.bg)
					fail_msg("%s: %s is %d on %d at depth %s", shipped[i],
					    theme_elem_name((enum theme_elem)e), st.fg, st.bg,
					    theme_depth_name(depths[d]));
			}
		}
		theme_free(t);
	}
}

/* The compiled-in theme is exactly themes/default.theme. */
static void
test_builtin_is_default_file(void **state)
{
	char path[2200], err[512];
	struct theme *t = NULL, *d = NULL;

	(void)state;
	snprintf(path, sizeof(path), "%s/default.theme", themedir);
	if (theme_load(path, &t, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(theme_name(theme_builtin()), "Default");
	assert_string_equal(theme_name(t), "Default");
	for (int e = 0; e < TH_COUNT; e++) {
		for (int depth = THEME_MONO; depth <= THEME_256; depth++) {
			struct theme_style a, b;

			theme_resolve(t, (enum theme_elem)e, (enum theme_depth)depth, &a);
			theme_resolve(theme_builtin(), (enum theme_elem)e, (enum theme_depth)depth, &b);
			if (memcmp(&a, &b, sizeof(a)) != 0)
				fail_msg("default.theme and the built-in differ on %s at depth %s",
				    theme_elem_name((enum theme_elem)e),
				    theme_depth_name((enum theme_depth)depth));
		}
	}
	assert_true(theme_equal(t, theme_builtin())); /* as written, too */
	theme_free(t);

	/* "default" by name is the built-in, files or not. */
	setenv("PLANTDECK_THEMEDIR", "/nonexistent", 1);
	assert_int_equal(theme_load("default", &d, err, sizeof(err)), 0);
	assert_ptr_equal(d, theme_builtin());
	theme_free(d);
	setenv("PLANTDECK_THEMEDIR", themedir, 1);

	/* And theme_equal() can tell themes apart. */
	assert_int_equal(theme_load("light", &t, err, sizeof(err)), 0);
	assert_false(theme_equal(t, theme_builtin()));
	theme_free(t);
}

/* Each bad fixture fails with its exact "FILE:LINE: message". */
static void
test_bad_fixtures(void **state)
{
	static const struct {
		const char *file;
		int line;
		const char *msg;
	} cases[] = {
		{ "err-missing-equals", 2, "missing '='" },
		{ "err-unknown-element", 2, "unknown element 'headr'" },
		{ "err-bad-colour", 2, "bad colour 'greeen'" },
		{ "err-bad-number", 2, "bad colour '256'" },
		{ "err-bad-attr", 2, "bad attribute 'bolt'" },
		{ "err-missing-on", 2, "expected 'on' or ',', got 'cyan'" },
		{ "err-on-no-colour", 2, "missing colour after 'on'" },
		{ "err-extra-word", 2, "unexpected 'blue' after the colours" },
		{ "err-missing-comma", 2, "missing ',' before 'bold'" },
		{ "err-empty-attr", 2, "missing attribute after ','" },
		{ "err-missing-value", 2, "missing value" },
		{ "err-no-key", 2, "missing element before '='" },
		{ "err-bad-name", 2, "bad name '': use 1 to 63 printable ASCII characters" },
		{ "err-dup-element", 5, "duplicate element 'ok' (first on line 3)" },
		{ "err-dup-name", 3, "duplicate 'name' (first on line 2)" },
		{ "err-dup-inherit", 3, "duplicate 'inherit' (first on line 2)" },
		{ "err-inherit-late", 3, "'inherit' must come before the elements" },
		{ "err-inherit-loop", 2, "inherit chain too deep (a cycle?)" },
	};
	char path[2200], want[8192], err[1024];
	struct theme *t = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.theme", fixtures, cases[i].file);
		snprintf(want, sizeof(want), "%s:%d: %s", path, cases[i].line, cases[i].msg);
		assert_int_equal(theme_load(path, &t, err, sizeof(err)), -1);
		assert_null(t);
		assert_string_equal(err, want);
	}

	/* A broken theme inherited: the error is in the broken file. */
	snprintf(path, sizeof(path), "%s/err-inherit-bad.theme", fixtures);
	snprintf(want, sizeof(want), "%s/err-bad-colour.theme:2: bad colour 'greeen'", fixtures);
	assert_int_equal(theme_load(path, &t, err, sizeof(err)), -1);
	assert_string_equal(err, want);

	/* A missing one: where it was asked for, and where it was looked for. */
	snprintf(path, sizeof(path), "%s/err-inherit-missing.theme", fixtures);
	snprintf(want, sizeof(want), "%s:2: theme 'nosuch' not found (looked in: %s, %s, %s)",
	    path, fixtures, themedir, PLANTDECK_THEMEDIR);
	assert_int_equal(theme_load(path, &t, err, sizeof(err)), -1);
	assert_string_equal(err, want);

	/* A bad name and a directory (fuzz-theme found both said without the
	 * inheriting file's FILE:LINE). */
	snprintf(path, sizeof(path), "%s/err-inherit-name.theme", fixtures);
	snprintf(want, sizeof(want), "%s:2: bad theme name '@default': use letters, digits, "
	    "'.', '_' and '-', or give a path", path);
	assert_int_equal(theme_load(path, &t, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	snprintf(path, sizeof(path), "%s/err-inherit-dir.theme", fixtures);
	snprintf(want, sizeof(want), "%s:2: /: Is a directory", path);
	assert_int_equal(theme_load(path, &t, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

/* Names that are not there, names that cannot be, paths that are not. */
static void
test_not_found(void **state)
{
	char want[8192], err[1024];
	struct theme *t = NULL;

	(void)state;
	snprintf(want, sizeof(want), "theme 'nosuch' not found (looked in: %s, %s)",
	    themedir, PLANTDECK_THEMEDIR);
	assert_int_equal(theme_load("nosuch", &t, err, sizeof(err)), -1);
	assert_string_equal(err, want);

	unsetenv("PLANTDECK_THEMEDIR");
	assert_int_equal(theme_load("nosuch", &t, err, sizeof(err)), -1);
	assert_string_equal(err, "theme 'nosuch' not found (looked in: " PLANTDECK_THEMEDIR ")");
	setenv("PLANTDECK_THEMEDIR", themedir, 1);

	assert_int_equal(theme_load("/nonexistent/x.theme", &t, err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/x.theme: No such file or directory");
	assert_int_equal(theme_load("bad name", &t, err, sizeof(err)), -1);
	assert_string_equal(err, "bad theme name 'bad name': use letters, digits, '.', '_' "
	    "and '-', or give a path");
	assert_int_equal(theme_load(".hidden", &t, err, sizeof(err)), -1);
	assert_int_equal(theme_load("", &t, err, sizeof(err)), -1);
	assert_string_equal(err, "empty theme name");
	assert_int_equal(theme_load("\x1b[31m", &t, err, sizeof(err)), -1);
	assert_null(strchr(err, '\x1b'));
	assert_int_equal(theme_load(fixtures, &t, err, sizeof(err)), -1); /* a directory */
	assert_non_null(strstr(err, "Is a directory"));
	assert_null(t);
	/* No room for the message, or nowhere to put it: still no crash. */
	assert_int_equal(theme_load("nosuch", &t, err, 5), -1);
	assert_int_equal(strlen(err), 4);
	assert_int_equal(theme_load("nosuch", &t, NULL, 0), -1);
}

/* Elements a theme leaves out follow their parents, on normal's colours;
 * inherit starts from another theme; CRLF files are fine. */
static void
test_parents_and_inherit(void **state)
{
	char path[2200], err[512];
	struct theme *t = NULL;
	struct theme_style st;

	(void)state;
	snprintf(path, sizeof(path), "%s/good-partial.theme", fixtures);
	if (theme_load(path, &t, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(theme_name(t), "good-partial");
	theme_resolve(t, TH_TILE_OK, THEME_256, &st);
	assert_int_equal(st.fg, 10);
	assert_int_equal(st.bg, COLOR_BLUE);
	theme_resolve(t, TH_HEADER_ALARM, THEME_256, &st); /* → alarm → crit → normal */
	assert_int_equal(st.fg, COLOR_WHITE);
	assert_int_equal(st.bg, COLOR_BLUE);
	theme_resolve(t, TH_TILE_OK, THEME_8, &st);
	assert_int_equal(st.fg, COLOR_GREEN);
	assert_true(st.attrs & A_BOLD);
	theme_free(t);

	snprintf(path, sizeof(path), "%s/good-inherit.theme", fixtures);
	if (theme_load(path, &t, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(theme_name(t), "good-inherit");
	theme_resolve(t, TH_OK, THEME_256, &st);
	assert_int_equal(st.fg, 33);
	assert_int_equal(st.attrs, A_UNDERLINE);
	theme_resolve(t, TH_CRIT, THEME_256, &st);
	assert_int_equal(st.fg, 208);
	assert_int_equal(st.bg, THEME_DEFAULT);
	assert_int_equal(st.attrs, A_BOLD | A_REVERSE);
	theme_resolve(t, TH_HEADER, THEME_256, &st); /* from default */
	assert_int_equal(st.fg, COLOR_BLACK);
	assert_int_equal(st.bg, COLOR_CYAN);
	theme_free(t);

	snprintf(path, sizeof(path), "%s/good-crlf.theme", fixtures);
	if (theme_load(path, &t, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(theme_name(t), "CRLF");
	theme_free(t);

	/* By name through $PLANTDECK_THEMEDIR, inheriting by name. */
	setenv("PLANTDECK_THEMEDIR", fixtures, 1);
	assert_int_equal(theme_load("good-inherit", &t, err, sizeof(err)), 0);
	theme_free(t);
	setenv("PLANTDECK_THEMEDIR", themedir, 1);
}

/* 256 → 16 → 8 colours, and monochrome. */
static void
test_downgrade(void **state)
{
	static const struct {
		int c, to16;
	} map[] = {
		{ 0, 0 }, { 1, 1 }, { 7, 7 }, { 9, 9 }, { 15, 15 },
		{ 16, 0 }, { 196, 9 }, { 46, 10 }, { 21, 12 }, { 226, 11 }, { 201, 13 },
		{ 51, 14 }, { 231, 15 }, { 124, 1 }, { 52, 1 }, { 28, 2 }, { 17, 4 },
		{ 25, 4 }, { 31, 6 }, { 33, 12 }, { 90, 5 }, { 136, 3 }, { 208, 9 },
		{ 166, 9 }, { 214, 11 }, { 220, 11 }, { 75, 12 },
		{ 232, 0 }, { 236, 0 }, { 240, 8 }, { 244, 8 }, { 250, 7 }, { 252, 7 },
		{ 254, 15 }, { 255, 15 },
	};
	int bold;

	(void)state;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		int c16 = theme_colour_downgrade(map[i].c, THEME_16, &bold);

		if (c16 != map[i].to16)
			fail_msg("colour %d: %d on 16 colours, want %d", map[i].c, c16, map[i].to16);
		assert_false(bold);
		assert_int_equal(theme_colour_downgrade(map[i].c, THEME_8, &bold), map[i].to16 % 8);
		assert_int_equal(bold, map[i].to16 >= 8);
		assert_int_equal(theme_colour_downgrade(map[i].c, THEME_256, &bold), map[i].c);
		assert_false(bold);
	}
	for (int c = 0; c < 256; c++) {
		int c16 = theme_colour_downgrade(c, THEME_16, NULL);

		assert_true(c16 >= 0 && c16 < 16);
		assert_int_equal(theme_colour_downgrade(c, THEME_8, &bold), c16 & 7);
		assert_int_equal(theme_colour_downgrade(c, THEME_MONO, NULL), THEME_DEFAULT);
	}
	assert_int_equal(theme_colour_downgrade(THEME_DEFAULT, THEME_8, &bold), THEME_DEFAULT);
	assert_int_equal(theme_colour_downgrade(256, THEME_256, &bold), THEME_DEFAULT);
}

/* Monochrome: every shipped theme keeps states apart; a theme whose own
 * attributes would blur them gets the fallbacks; monochrome.theme is the
 * fallback set itself; --colors names parse. */
static void
test_mono(void **state)
{
	static const enum theme_elem groups[][6] = {
		{ TH_OK, TH_WARN, TH_CRIT, TH_STALE, TH_ALARM, TH_COUNT },
		{ TH_TILE_OK, TH_TILE_WARN, TH_TILE_CRIT, TH_TILE_STALE, TH_TILE_SELECTED, TH_COUNT },
		{ TH_BAR_OK, TH_BAR_WARN, TH_BAR_CRIT, TH_BAR_EMPTY, TH_COUNT },
		{ TH_NORMAL, TH_SELECTION, TH_SELECTION_DIM, TH_COUNT },
		{ TH_HEADER, TH_HEADER_ALARM, TH_COUNT },
		{ TH_FOOTER, TH_FOOTER_KEY, TH_COUNT },
	};
	static const char blur[] = "ok = green, bold\nwarn = yellow, bold\n";
	char path[256], err[512];
	struct theme *t = NULL;
	struct theme_style a, b;
	enum theme_depth d;

	(void)state;
	for (size_t i = 0; i < NSHIPPED; i++) {
		assert_int_equal(theme_load(shipped[i], &t, err, sizeof(err)), 0);
		for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
			for (size_t x = 0; groups[g][x] != TH_COUNT; x++) {
				theme_resolve(t, groups[g][x], THEME_MONO, &a);
				assert_int_equal(a.fg, THEME_DEFAULT);
				assert_int_equal(a.bg, THEME_DEFAULT);
				for (size_t y = x + 1; groups[g][y] != TH_COUNT; y++) {
					theme_resolve(t, groups[g][y], THEME_MONO, &b);
					if (a.attrs == b.attrs)
						fail_msg("%s: %s and %s look alike in mono", shipped[i],
						    theme_elem_name(groups[g][x]),
						    theme_elem_name(groups[g][y]));
				}
			}
		}
		theme_free(t);
	}

	write_temp(path, sizeof(path), blur, sizeof(blur) - 1);
	assert_int_equal(theme_load(path, &t, err, sizeof(err)), 0);
	theme_resolve(t, TH_OK, THEME_MONO, &a);
	theme_resolve(t, TH_WARN, THEME_MONO, &b);
	assert_int_equal(a.attrs, A_NORMAL);
	assert_int_equal(b.attrs, A_BOLD);
	theme_resolve(t, TH_OK, THEME_256, &a); /* in colour it is as written */
	assert_int_equal(a.attrs, A_BOLD);
	theme_free(t);
	unlink(path);

	assert_int_equal(theme_load("monochrome", &t, err, sizeof(err)), 0);
	for (int e = 0; e < TH_COUNT; e++) {
		theme_resolve(t, (enum theme_elem)e, THEME_256, &a);
		assert_int_equal(a.fg, THEME_DEFAULT);
		assert_int_equal(a.bg, THEME_DEFAULT);
		assert_int_equal(a.attrs, theme_attr((enum theme_elem)e));
		theme_resolve(t, (enum theme_elem)e, THEME_MONO, &b);
		assert_int_equal(b.attrs, a.attrs);
	}
	theme_free(t);

	assert_int_equal(theme_depth_parse("mono", &d), 0);
	assert_int_equal(d, THEME_MONO);
	assert_int_equal(theme_depth_parse("16", &d), 0);
	assert_int_equal(d, THEME_16);
	assert_int_equal(theme_depth_parse("256", &d), 0);
	assert_int_equal(d, THEME_256);
	assert_int_equal(theme_depth_parse("17", &d), -1);
	assert_int_equal(theme_depth_parse(NULL, &d), -1);
	assert_string_equal(theme_depth_name(THEME_8), "8");
}

/* Tiny deterministic PRNG for the hostile inputs. */
static unsigned
rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

/* Huge lines, huge files, binary, NULs, 10k lines, random junk: errors
 * with FILE:LINE or a theme, never a crash. */
static void
test_hostile(void **state)
{
	static const char *const vocab[] = {
		"ok", "warn", "tile.crit", "name", "inherit", "=", "on", ",", "bold",
		"bright-red", "255", "256", "-1", "#", "default", " ", "\t", "blink",
		"on on", "==", ",,", "\xff\xfe", "bright-", "999999999999", "header",
		"nosuch", "\r", "bright-bright-red", "reverse", "0", "light",
	};
	size_t big = 3 * 1024 * 1024, n;
	char *buf = malloc(big), path[256], err[512];
	struct theme *t = NULL;
	unsigned seed = 42;
	int rc;

	(void)state;
	assert_non_null(buf);

	/* One 3 MiB line. */
	memset(buf, 'a', big);
	write_temp(path, sizeof(path), buf, big);
	expect_error_at(path, err, sizeof(err));
	assert_non_null(strstr(err, ":1: line too long (max 1024 bytes)"));
	unlink(path);

	/* 3 MiB of short comment lines: too large. */
	for (size_t i = 0; i < big; i += 8)
		memcpy(buf + i, "# xxxx\n\n", 8);
	write_temp(path, sizeof(path), buf, big);
	expect_error_at(path, err, sizeof(err));
	assert_non_null(strstr(err, "file too large"));
	unlink(path);

	/* 10k lines of comments around one element: fine. */
	n = 0;
	for (int i = 0; i < 10000; i++)
		n += (size_t)snprintf(buf + n, big - n, i == 5000 ? "ok = 33\n" : "# line %d\n", i);
	write_temp(path, sizeof(path), buf, n);
	rc = theme_load(path, &t, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s", err);
	theme_free(t);
	unlink(path);

	/* 10k element lines: the second is a duplicate. */
	n = 0;
	for (int i = 0; i < 10000; i++)
		n += (size_t)snprintf(buf + n, big - n, "ok = %d\n", i % 256);
	write_temp(path, sizeof(path), buf, n);
	expect_error_at(path, err, sizeof(err));
	assert_non_null(strstr(err, ":2: duplicate element 'ok' (first on line 1)"));
	unlink(path);

	/* A NUL, an escape: control characters, with their line. */
	write_temp(path, sizeof(path), "ok = green\nwarn\0 = red\n", 23);
	expect_error_at(path, err, sizeof(err));
	assert_non_null(strstr(err, ":2: control character 0x00"));
	unlink(path);
	write_temp(path, sizeof(path), "ok = \x1b[31m\n", 11);
	expect_error_at(path, err, sizeof(err));
	assert_non_null(strstr(err, ":1: control character 0x1b"));
	unlink(path);

	/* High bytes are quoted in messages, long tokens cut. */
	memset(buf, 'x', 600);
	memcpy(buf, "ok = \xc3\xa9", 7);
	buf[600] = '\n';
	write_temp(path, sizeof(path), buf, 601);
	expect_error_at(path, err, sizeof(err));
	assert_non_null(strstr(err, ":1: bad colour '\\xc3\\xa9xxx"));
	assert_non_null(strstr(err, "...'"));
	unlink(path);

	/* Binary noise. */
	for (int round = 0; round < 50; round++) {
		n = 1 + rnd(&seed) % 4096;
		for (size_t i = 0; i < n; i++)
			buf[i] = (char)rnd(&seed);
		write_temp(path, sizeof(path), buf, n);
		rc = theme_load(path, &t, err, sizeof(err));
		if (rc == 0)
			theme_free(t);
		else
			assert_int_equal(strncmp(err, path, strlen(path)), 0);
		unlink(path);
	}

	/* Junk lines from a theme-ish vocabulary. */
	for (int round = 0; round < 300; round++) {
		int lines = 1 + (int)(rnd(&seed) % 20);

		n = 0;
		for (int l = 0; l < lines; l++) {
			int words = (int)(rnd(&seed) % 7);

			for (int w = 0; w < words; w++) {
				const char *v = vocab[rnd(&seed) % (sizeof(vocab) / sizeof(vocab[0]))];

				n += (size_t)snprintf(buf + n, big - n, "%s%s", v, rnd(&seed) % 2 ? " " : "");
			}
			buf[n++] = '\n';
		}
		write_temp(path, sizeof(path), buf, n);
		rc = theme_load(path, &t, err, sizeof(err));
		if (rc == 0) {
			for (int e = 0; e < TH_COUNT; e++) {
				struct theme_style st;

				theme_resolve(t, (enum theme_elem)e, THEME_8, &st);
				assert_true(st.fg >= THEME_DEFAULT && st.fg < 8);
			}
			theme_free(t);
		} else {
			assert_true(strlen(err) > 0);
		}
		unlink(path);
	}
	free(buf);
}

/* A screen on /dev/null for terminal type TYPE, or NULL (then skip). */
static SCREEN *
open_screen(const char *type, FILE **out, FILE **in)
{
	SCREEN *s;

	*out = fopen("/dev/null", "w");
	*in = fopen("/dev/null", "r");
	assert_non_null(*out);
	assert_non_null(*in);
	s = newterm(type, *out, *in);
	if (s == NULL) {
		fclose(*out);
		fclose(*in);
		return NULL;
	}
	set_term(s);
	if (has_colors())
		start_color();
	return s;
}

/* Undo open_screen(). */
static void
close_screen(SCREEN *s, FILE *out, FILE *in)
{
	endwin();
	delscreen(s);
	fclose(out);
	fclose(in);
}

/* On real terminal descriptions: detected depth, pairs, bold for bright
 * on 8 colours, NO_COLOR, and vt100's missing dim. */
static void
test_apply(void **state)
{
	FILE *out, *in;
	SCREEN *s;
	short fg, bg;
	int a;

	(void)state;
	s = open_screen("xterm-256color", &out, &in);
	if (s == NULL)
		skip();
	assert_int_equal(theme_detect_depth(), THEME_256);
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(theme_detect_depth(), THEME_MONO);
	unsetenv("NO_COLOR");

	theme_apply(NULL, THEME_256);
	a = theme_attr(TH_HEADER);
	assert_true(PAIR_NUMBER(a) > 0);
	assert_int_equal(pair_content((short)PAIR_NUMBER(a), &fg, &bg), OK);
	assert_int_equal(fg, COLOR_BLACK);
	assert_int_equal(bg, COLOR_CYAN);
	assert_int_equal(PAIR_NUMBER(theme_attr(TH_FOOTER)), PAIR_NUMBER(a)); /* shared */
	assert_int_equal(PAIR_NUMBER(theme_attr(TH_NORMAL)), 0);
	a = theme_attr(TH_TITLE);
	assert_int_equal(pair_content((short)PAIR_NUMBER(a), &fg, &bg), OK);
	assert_int_equal(fg, 15);

	theme_apply(NULL, THEME_8); /* bright-white title: white + bold */
	a = theme_attr(TH_TITLE);
	assert_int_equal(pair_content((short)PAIR_NUMBER(a), &fg, &bg), OK);
	assert_int_equal(fg, COLOR_WHITE);
	assert_true(a & A_BOLD);

	theme_apply(NULL, THEME_MONO);
	assert_int_equal(theme_attr(TH_SELECTION), A_REVERSE);
	assert_int_equal(theme_attr(TH_STALE), A_DIM);
	close_screen(s, out, in);

	s = open_screen("xterm", &out, &in);
	if (s == NULL)
		skip();
	assert_int_equal(theme_detect_depth(), THEME_8);
	theme_apply(NULL, THEME_256); /* asked for more than there is */
	a = theme_attr(TH_TITLE);
	assert_int_equal(pair_content((short)PAIR_NUMBER(a), &fg, &bg), OK);
	assert_int_equal(fg, COLOR_WHITE);
	assert_true(a & A_BOLD);
	close_screen(s, out, in);

	s = open_screen("vt100", &out, &in);
	if (s == NULL)
		skip();
	assert_int_equal(theme_detect_depth(), THEME_MONO);
	theme_apply(NULL, THEME_256);
	assert_int_equal(PAIR_NUMBER(theme_attr(TH_HEADER)), 0);
	assert_int_equal(theme_attr(TH_SELECTION), A_REVERSE);
	assert_int_equal(theme_attr(TH_STALE), A_UNDERLINE); /* vt100 has no dim */
	assert_int_not_equal(theme_attr(TH_STALE), theme_attr(TH_OK));
	close_screen(s, out, in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attr_before_apply), /* first: nothing applied yet */
		cmocka_unit_test(test_elem_names),
		cmocka_unit_test(test_shipped_themes),
		cmocka_unit_test(test_builtin_is_default_file),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_parents_and_inherit),
		cmocka_unit_test(test_downgrade),
		cmocka_unit_test(test_mono),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
