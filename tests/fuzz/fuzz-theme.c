/* fuzz-theme: theme files (tui/theme.c).
 *
 * The input is written to a file NAME.theme and loaded with theme_load.
 * Checked: a load fails with a "FILE:LINE: message" naming the file, or
 * gives a theme with a name that equals itself and a second load of the
 * same file. */
#include "tui/theme.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fz_write_file("fuzz.theme", data, size);
	struct theme *t = NULL, *t2 = NULL;
	char err[512];

	err[0] = '\0';
	if (theme_load(path, &t, err, sizeof(err)) != 0) {
		if (strncmp(err, path, strlen(path)) != 0)
			fz_fail("theme_load failed without naming the file: %s", err);
		return 0;
	}
	if (t == NULL || theme_name(t) == NULL)
		fz_fail("theme_load: a theme without a name");
	if (theme_load(path, &t2, err, sizeof(err)) != 0 || !theme_equal(t, t2) ||
	    !theme_equal(t, t))
		fz_fail("theme_load: two loads of one file differ");
	theme_free(t2);
	theme_free(t);
	return 0;
}
