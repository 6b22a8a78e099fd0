/* tui-prompt.c: the one-line prompts at the bottom, and what a filter
 * that hides everything says.
 *
 * Every prompt (stack file, nodes, reason, filter) behaves alike: text it
 * starts with (the last stack file, the kept filter) is shown selected, so
 * the first character typed replaces it, while Left/Right/Home/End keep it
 * to edit; Backspace, Delete or Ctrl-U on a selection clears it.  tui.c
 * marks a prompt's text selected when the prompt opens, whichever screen
 * opened it.  The stack-file prompt completes paths with Tab: the common
 * prefix of the names that match, a '/' after a directory, ~ for $HOME;
 * when there is nothing more to add, Tab lists the candidates on the notice
 * line.  A directory is read for at most PROMPT_SCAN_MAX entries, so a huge
 * one never stalls the cockpit. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wchar.h>

#include "tui-internal.h"

#define PROMPT_SCAN_MAX 4096    /* directory entries Tab reads at most */
#define PROMPT_MATCH_MAX 256    /* names it keeps to complete and list */

/* One name that completes the prompt. */
struct match {
	char name[256];
	int dir;
};

/* Edit the line BUF (SIZE bytes) with key CH; *SEL: its text is selected
 * (NULL: never).  1 on Enter, -1 on Esc, else 0. */
int
tui_edit_line(char *buf, size_t size, int *sel, int ch)
{
	size_t len;

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		if (sel != NULL)
			*sel = 0;
		return 1;
	}
	if (ch == 27)
		return -1;
	if (sel != NULL && *sel) {
		*sel = 0;
		if (ch == KEY_LEFT || ch == KEY_RIGHT || ch == KEY_HOME || ch == KEY_END)
			return 0;       /* keep it, to edit */
		if (ch == KEY_BACKSPACE || ch == 127 || ch == 8 || ch == KEY_DC || ch == 21) {
			buf[0] = '\0';
			return 0;
		}
		if (ch >= 0x20 && ch < 0x7f)
			buf[0] = '\0';  /* typing replaces it */
	}
	len = strlen(buf);
	if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (len > 0)
			buf[len - 1] = '\0';
	} else if (ch == 21) { /* ^U */
		buf[0] = '\0';
	} else if (ch >= 0x20 && ch < 0x7f && len + 1 < size) {
		buf[len] = (char)ch;
		buf[len + 1] = '\0';
	}
	return 0;
}

/* Display columns of S (a character it cannot read counts one). */
static int
width(const char *s)
{
	mbstate_t st;
	wchar_t wc;
	size_t n, len = strlen(s);
	int w = 0, cw;

	memset(&st, 0, sizeof(st));
	while (len > 0) {
		n = mbrtowc(&wc, s, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof(st));
			n = 1;
			cw = 1;
		} else {
			cw = wcwidth(wc);
		}
		w += cw > 0 ? cw : 1;
		s += n;
		len -= n;
	}
	return w;
}

/* Draw a prompt on the last line: LABEL, the TEXT typed (selected when
 * SEL), the cursor, and the prompt's KEYS on the right when they fit. */
void
tui_prompt_draw(struct tui *t, const char *label, const char *text, int sel, const char *keys)
{
	int y = t->lines - 1, lw = width(label), kw = width(keys), room, tw, x;
	char clean[1024];
	const char *shown;

	tui_fill(y, 0, t->cols, theme_attr(TH_FILTER));
	tui_put(t, y, 0, lw, theme_attr(TH_FILTER), label);
	room = t->cols - lw - 1;
	if (room - kw - 2 >= 20)
		room -= kw + 2;
	else
		kw = 0;
	/* The end of a long path is what is being typed: show that. */
	pd_sanitize(clean, sizeof(clean), text, !t->utf8);
	shown = clean;
	while (*shown != '\0' && width(shown) > room)
		shown++;
	tw = width(shown);
	x = lw;
	if (tw > 0)
		tui_put(t, y, x, tw, theme_attr(sel ? TH_SELECTION : TH_FILTER), shown);
	x += tw;
	if (!sel && x < t->cols)
		tui_put(t, y, x, 1, theme_attr(TH_FILTER), "_");
	if (kw > 0)
		tui_put(t, y, t->cols - kw - 1, kw, theme_attr(TH_FILTER) | A_DIM, keys);
}

/* The text of an empty list: NONE, or what a filter that hides everything
 * says (in a buffer of its own, until the next call). */
const char *
tui_empty_text(const struct tui *t, const char *none)
{
	static char buf[160];
	const char *f = t->filter[tui_view(t)];

	if (f[0] == '\0')
		return none;
	snprintf(buf, sizeof(buf), "nothing matches '%s' %s Esc clears", f, t->utf8 ? "\xe2\x80\x94" : "-");
	return buf;
}

/* Order matches by name. */
static int
match_cmp(const void *a, const void *b)
{
	return strcmp(((const struct match *)a)->name, ((const struct match *)b)->name);
}

/* Whether NAME in directory DIR is a directory (following a link). */
static int
is_dir(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s%s", dir, name) >= (int)sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Put ~ at the start of BUF (SIZE bytes) as $HOME. */
static void
expand_home(char *buf, size_t size)
{
	const char *home = getenv("HOME");
	char tmp[1024];

	if (buf[0] != '~' || (buf[1] != '/' && buf[1] != '\0') || home == NULL || home[0] == '\0')
		return;
	if (snprintf(tmp, sizeof(tmp), "%s%s%s", home, buf[1] == '\0' ? "/" : "", buf + 1) >=
	    (int)size)
		return;
	memcpy(buf, tmp, strlen(tmp) + 1);
}

/* List matches M (N kept of TOTAL) on the notice line. */
static void
list_matches(struct tui *t, struct match *m, size_t n, size_t total, int cut)
{
	char line[PD_ERROR_LEN], clean[300];
	size_t o;
	int room = 2 * t->cols - 12;

	qsort(m, n, sizeof(*m), match_cmp);
	o = (size_t)snprintf(line, sizeof(line), " %zu%s:", total, cut ? "+" : "");
	for (size_t i = 0; i < n; i++) {
		pd_sanitize(clean, sizeof(clean), m[i].name, !t->utf8);
		if ((int)(o + strlen(clean) + 4) > room || o + strlen(clean) + 4 >= sizeof(line)) {
			snprintf(line + o, sizeof(line) - o, " ...");
			break;
		}
		o += (size_t)snprintf(line + o, sizeof(line) - o, "  %s%s", clean, m[i].dir ? "/" : "");
	}
	tui_message(t, theme_attr(TH_INFO), 0, "%s", line);
}

/* Tab in the stack-file prompt: complete the path typed in t->input_buf. */
void
tui_prompt_complete(struct tui *t)
{
	char *buf = t->input_buf, dir[512];
	const char *base, *slash;
	size_t blen, n = 0, total = 0, common, dlen;
	struct match *m;
	struct dirent *de;
	DIR *d;
	int scanned = 0, cut;

	expand_home(buf, sizeof(t->input_buf));
	slash = strrchr(buf, '/');
	dlen = slash != NULL ? (size_t)(slash - buf) + 1 : 0;
	if (dlen >= sizeof(dir))
		return;
	memcpy(dir, buf, dlen);
	dir[dlen] = '\0';
	base = buf + dlen;
	blen = strlen(base);
	d = opendir(dlen > 0 ? dir : ".");
	if (d == NULL) {
		tui_message(t, theme_attr(TH_WARN), 0, " Tab: cannot read %s: %s",
		    dlen > 0 ? dir : ".", strerror(errno));
		return;
	}
	m = calloc(PROMPT_MATCH_MAX, sizeof(*m));
	if (m == NULL) {
		closedir(d);
		return;
	}
	while (scanned < PROMPT_SCAN_MAX && (de = readdir(d)) != NULL) {
		scanned++;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.' && base[0] != '.')
			continue;
		if (strncmp(de->d_name, base, blen) != 0)
			continue;
		total++;
		if (n >= PROMPT_MATCH_MAX)
			continue;
		snprintf(m[n].name, sizeof(m[n].name), "%s", de->d_name);
		m[n].dir = de->d_type == DT_DIR || ((de->d_type == DT_UNKNOWN ||
		    de->d_type == DT_LNK) && is_dir(dlen > 0 ? dir : "./", de->d_name));
		n++;
	}
	cut = scanned >= PROMPT_SCAN_MAX || total > n;
	closedir(d);
	if (total == 0) {
		if (blen > 0)
			tui_message(t, theme_attr(TH_WARN), 3, " Tab: no file in %s starts with "
			    "'%s'%s", dlen > 0 ? dir : ".", base, cut ? " (read the first 4096 "
			    "entries only)" : "");
		else
			tui_message(t, theme_attr(TH_WARN), 3, " Tab: no files in %s (but hidden "
			    "ones: type a '.')", dlen > 0 ? dir : ".");
		free(m);
		return;
	}
	/* The prefix all of them share: what Tab can add for sure. */
	common = strlen(m[0].name);
	for (size_t i = 1; i < n; i++) {
		size_t k = 0;

		while (k < common && m[i].name[k] == m[0].name[k])
			k++;
		common = k;
	}
	if (n == 1 && !cut) {
		snprintf(buf + dlen, sizeof(t->input_buf) - dlen, "%s%s", m[0].name,
		    m[0].dir ? "/" : "");
	} else if (common > blen && !cut) {
		snprintf(buf + dlen, sizeof(t->input_buf) - dlen, "%.*s", (int)common, m[0].name);
	} else {
		list_matches(t, m, n, total, cut);
	}
	free(m);
}
