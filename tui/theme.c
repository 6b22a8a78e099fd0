/* theme.c: semantic elements mapped to colours and attributes.
 *
 * A theme is parsed from a small line-based file (doc/themes.md) into one
 * raw spec per element: foreground, background, attributes, and whether
 * the file set it.  Elements a theme leaves out take their parent's spec
 * (tile.ok → ok → normal), and a missing foreground or background is
 * normal's, so a partial theme still looks whole.  `inherit` starts from
 * another theme's lines before this file's.
 *
 * Nothing here needs a terminal until theme_apply(): theme_resolve() says
 * what an element looks like at a depth (256 → 16 → 8 colours, then
 * monochrome), and theme_attr() answers with monochrome fallbacks until a
 * theme is applied.  In monochrome every element has a built-in attribute
 * set, merged with the theme's own, chosen so that states (ok, warn, crit,
 * stale, selection...) stay distinguishable without colour; if a theme's
 * attributes would make two of them look alike, the fallbacks win.
 *
 * The parser reads a byte at a time into a fixed buffer: lines, files and
 * inherit chains are bounded, control bytes are refused, and every error
 * names FILE:LINE. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provide-curses.h"
#include "theme.h"

#ifndef PLANTDECK_THEMEDIR
#define PLANTDECK_THEMEDIR "/usr/local/share/plantdeck/themes"
#endif
/* The build tree this was built in and its source tree's themes
 * (Makefile.am); used only by a plantdeck run from that build tree. */
#ifndef PLANTDECK_BUILDDIR
#define PLANTDECK_BUILDDIR ""
#endif
#ifndef PLANTDECK_SRC_THEMEDIR
#define PLANTDECK_SRC_THEMEDIR ""
#endif

#define THEME_LINE_MAX 1024          /* bytes in one line */
#define THEME_FILE_MAX (1024 * 1024) /* bytes in one file */
#define THEME_INHERIT_MAX 8          /* nested inherits */
#define THEME_NAME_MAX 64            /* display name, with its NUL */
#define THEME_QUOTE_MAX 40           /* bytes of a token quoted in an error */
#define THEME_UNSET (-2)             /* colour not given: normal's */

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

struct theme_spec {
	short fg, bg;      /* THEME_UNSET, THEME_DEFAULT or 0..255 */
	int attrs;         /* curses A_* bits */
	unsigned char set; /* given by the file (or the theme it inherits) */
};

struct theme {
	char name[THEME_NAME_MAX];
	struct theme_spec raw[TH_COUNT]; /* as written */
	struct theme_spec res[TH_COUNT]; /* parents and normal's colours filled in */
	int builtin;
};

/* What each element is called in files, where an unset one looks, its
 * monochrome attributes, and the group whose members must stay distinct. */
static const struct {
	const char *name;
	enum theme_elem parent;
	int mono;
	int group;
} theme_elems[TH_COUNT] = {
	[TH_NORMAL]        = { "normal",        TH_NORMAL,    A_NORMAL, 4 },
	[TH_DIM]           = { "dim",           TH_NORMAL,    A_DIM, 0 },
	[TH_HEADER]        = { "header",        TH_NORMAL,    A_REVERSE, 5 },
	[TH_HEADER_ALARM]  = { "header.alarm",  TH_ALARM,     A_REVERSE | A_BOLD | A_BLINK, 5 },
	[TH_FOOTER]        = { "footer",        TH_HEADER,    A_REVERSE, 6 },
	[TH_FOOTER_KEY]    = { "footer.key",    TH_FOOTER,    A_BOLD, 6 },
	[TH_TITLE]         = { "title",         TH_NORMAL,    A_BOLD, 0 },
	[TH_GROUP]         = { "group",         TH_TITLE,     A_BOLD | A_UNDERLINE, 0 },
	[TH_SELECTION]     = { "selection",     TH_NORMAL,    A_REVERSE, 4 },
	[TH_SELECTION_DIM] = { "selection.dim", TH_SELECTION, A_UNDERLINE, 4 },
	[TH_OK]            = { "ok",            TH_NORMAL,    A_NORMAL, 1 },
	[TH_WARN]          = { "warn",          TH_NORMAL,    A_BOLD, 1 },
	[TH_CRIT]          = { "crit",          TH_NORMAL,    A_BOLD | A_REVERSE, 1 },
	[TH_STALE]         = { "stale",         TH_NORMAL,    A_DIM, 1 },
	[TH_ALARM]         = { "alarm",         TH_CRIT,      A_BOLD | A_REVERSE | A_BLINK, 1 },
	[TH_INFO]          = { "info",          TH_NORMAL,    A_NORMAL, 0 },
	[TH_KIOSK_BADGE]   = { "kiosk.badge",   TH_HEADER,    A_BOLD | A_REVERSE, 0 },
	[TH_TILE_OK]       = { "tile.ok",       TH_OK,        A_NORMAL, 2 },
	[TH_TILE_WARN]     = { "tile.warn",     TH_WARN,      A_BOLD, 2 },
	[TH_TILE_CRIT]     = { "tile.crit",     TH_CRIT,      A_BOLD | A_REVERSE, 2 },
	[TH_TILE_STALE]    = { "tile.stale",    TH_STALE,     A_DIM, 2 },
	[TH_TILE_SELECTED] = { "tile.selected", TH_SELECTION, A_REVERSE, 2 },
	[TH_BAR_OK]        = { "bar.ok",        TH_OK,        A_NORMAL, 3 },
	[TH_BAR_WARN]      = { "bar.warn",      TH_WARN,      A_BOLD, 3 },
	[TH_BAR_CRIT]      = { "bar.crit",      TH_CRIT,      A_BOLD | A_REVERSE, 3 },
	[TH_BAR_EMPTY]     = { "bar.empty",     TH_DIM,       A_DIM, 3 },
	[TH_BORDER]        = { "border",        TH_DIM,       A_NORMAL, 0 },
	[TH_FILTER]        = { "filter",        TH_NORMAL,    A_BOLD | A_UNDERLINE, 0 },
	[TH_DEPLOY]        = { "deploy",        TH_INFO,      A_BOLD, 0 },
};

static const char *const theme_colour_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

static const struct {
	const char *name;
	int attr;
} theme_attr_names[] = {
	{ "bold", A_BOLD }, { "dim", A_DIM }, { "underline", A_UNDERLINE },
	{ "reverse", A_REVERSE }, { "blink", A_BLINK }, { "standout", A_STANDOUT },
};

/* The built-in default theme; themes/default.theme says the same. */
#define EL(f, b, a) { .fg = (f), .bg = (b), .attrs = (a), .set = 1 }
#define U THEME_UNSET
#define D THEME_DEFAULT
static struct theme theme_default = {
	.name = "Default",
	.builtin = 1,
	.raw = {
		[TH_NORMAL]        = EL(D, U, 0),
		[TH_DIM]           = EL(8, U, 0),
		[TH_HEADER]        = EL(COLOR_BLACK, COLOR_CYAN, 0),
		[TH_HEADER_ALARM]  = EL(15, COLOR_RED, A_BOLD),
		[TH_FOOTER]        = EL(COLOR_BLACK, COLOR_CYAN, 0),
		[TH_FOOTER_KEY]    = EL(15, COLOR_BLACK, A_BOLD),
		[TH_TITLE]         = EL(15, U, A_BOLD),
		[TH_GROUP]         = EL(COLOR_CYAN, U, A_BOLD),
		[TH_SELECTION]     = EL(COLOR_BLACK, COLOR_CYAN, 0),
		[TH_SELECTION_DIM] = EL(COLOR_BLACK, COLOR_WHITE, 0),
		[TH_OK]            = EL(COLOR_GREEN, U, 0),
		[TH_WARN]          = EL(COLOR_YELLOW, U, A_BOLD),
		[TH_CRIT]          = EL(9, U, A_BOLD),
		[TH_STALE]         = EL(8, U, 0),
		[TH_ALARM]         = EL(15, COLOR_RED, A_BOLD),
		[TH_INFO]          = EL(COLOR_CYAN, U, 0),
		[TH_KIOSK_BADGE]   = EL(COLOR_BLACK, COLOR_YELLOW, A_BOLD),
		[TH_TILE_OK]       = EL(COLOR_BLACK, COLOR_GREEN, 0),
		[TH_TILE_WARN]     = EL(COLOR_BLACK, COLOR_YELLOW, 0),
		[TH_TILE_CRIT]     = EL(15, COLOR_RED, A_BOLD),
		[TH_TILE_STALE]    = EL(COLOR_WHITE, 8, 0),
		[TH_TILE_SELECTED] = EL(COLOR_BLACK, COLOR_CYAN, A_BOLD),
		[TH_BAR_OK]        = EL(COLOR_GREEN, U, 0),
		[TH_BAR_WARN]      = EL(COLOR_YELLOW, U, 0),
		[TH_BAR_CRIT]      = EL(9, U, 0),
		[TH_BAR_EMPTY]     = EL(8, U, 0),
		[TH_BORDER]        = EL(COLOR_BLUE, U, 0),
		[TH_FILTER]        = EL(COLOR_BLACK, COLOR_YELLOW, 0),
		[TH_DEPLOY]        = EL(COLOR_MAGENTA, U, A_BOLD),
	},
};
#undef EL
#undef U
#undef D
static int theme_default_ready;

/* What theme_attr() answers; the monochrome fallbacks until applied. */
static int theme_cur[TH_COUNT];
static int theme_cur_ready;

/* State of one file being parsed. */
struct theme_parser {
	const char *path;
	int line;
	int depth;                  /* how many inherits deep */
	char *err;
	size_t errlen;
	struct theme *t;
	int seen[TH_COUNT];         /* line where each element was set */
	int seen_name, seen_inherit, seen_element;
};

static int theme_load_at(const char *arg, const char *from, int depth, struct theme **out,
    char *err, size_t errlen, int *notfound);

/* An element's name in theme files. */
const char *
theme_elem_name(enum theme_elem e)
{
	if ((int)e < 0 || e >= TH_COUNT)
		return "?";
	return theme_elems[e].name;
}

/* The element a name in a theme file stands for, or -1. */
int
theme_elem_lookup(const char *name)
{
	for (int e = 0; e < TH_COUNT; e++)
		if (strcasecmp(name, theme_elems[e].name) == 0)
			return e;
	return -1;
}

/* Fill t->res from t->raw: parents for unset elements, normal's colours
 * for unset foregrounds and backgrounds. */
static void
theme_finish(struct theme *t)
{
	for (int e = 0; e < TH_COUNT; e++) {
		int p = e;

		/* Parents form a tree rooted at normal (checked by the tests). */
		for (int hops = 0; !t->raw[p].set && p != TH_NORMAL && hops < TH_COUNT; hops++)
			p = theme_elems[p].parent;
		if (t->raw[p].set) {
			t->res[e] = t->raw[p];
		} else {
			t->res[e].fg = t->res[e].bg = THEME_UNSET;
			t->res[e].attrs = 0;
		}
		t->res[e].set = 1;
	}
	if (t->res[TH_NORMAL].fg == THEME_UNSET)
		t->res[TH_NORMAL].fg = THEME_DEFAULT;
	if (t->res[TH_NORMAL].bg == THEME_UNSET)
		t->res[TH_NORMAL].bg = THEME_DEFAULT;
	for (int e = 0; e < TH_COUNT; e++) {
		if (t->res[e].fg == THEME_UNSET)
			t->res[e].fg = t->res[TH_NORMAL].fg;
		if (t->res[e].bg == THEME_UNSET)
			t->res[e].bg = t->res[TH_NORMAL].bg;
	}
}

/* The compiled-in default theme, finished on first use. */
struct theme *
theme_builtin(void)
{
	if (!theme_default_ready) {
		theme_finish(&theme_default);
		theme_default_ready = 1;
	}
	return &theme_default;
}

/* Free a loaded theme; the built-in one is never freed. */
void
theme_free(struct theme *t)
{
	if (t != NULL && !t->builtin)
		free(t);
}

/* The theme's display name. */
const char *
theme_name(const struct theme *t)
{
	return t != NULL ? t->name : theme_builtin()->name;
}

/* Whether two themes were written the same, element for element. */
int
theme_equal(const struct theme *a, const struct theme *b)
{
	if (strcmp(a->name, b->name) != 0)
		return 0;
	for (int e = 0; e < TH_COUNT; e++) {
		const struct theme_spec *x = &a->raw[e], *y = &b->raw[e];

		if (x->set != y->set || (x->set && (x->fg != y->fg || x->bg != y->bg ||
		    x->attrs != y->attrs)))
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------ colours */

/* Map an xterm colour 16..255 to the nearest of the basic sixteen, by hue
 * rather than by distance so dark colours keep their hue: greys by
 * lightness, others by which channels stand out, bright when strong. */
static int
theme_256_to_16(int c)
{
	static const int cube[6] = { 0, 95, 135, 175, 215, 255 };
	int r, g, b, max, min, range;

	if (c < 16)
		return c;
	if (c >= 232) {
		r = g = b = 8 + 10 * (c - 232);
	} else {
		r = cube[(c - 16) / 36];
		g = cube[(c - 16) / 6 % 6];
		b = cube[(c - 16) % 6];
	}
	max = r > g ? (r > b ? r : b) : (g > b ? g : b);
	min = r < g ? (r < b ? r : b) : (g < b ? g : b);
	range = max - min;
	if (range < 48 || range * 4 < max) {
		int v = (r + g + b) / 3;

		return v < 64 ? COLOR_BLACK : v < 160 ? 8 : v < 224 ? COLOR_WHITE : 15;
	}
	/* ANSI numbers are a bit mask: 1 red, 2 green, 4 blue. */
	return (3 * (r - min) >= 2 * range ? 1 : 0) |
	    (3 * (g - min) >= 2 * range ? 2 : 0) |
	    (3 * (b - min) >= 2 * range ? 4 : 0) |
	    (max >= 215 ? 8 : 0);
}

/* Colour C as a terminal of DEPTH can show it. */
int
theme_colour_downgrade(int c, enum theme_depth depth, int *bold)
{
	int dummy;

	if (bold == NULL)
		bold = &dummy;
	*bold = 0;
	if (c < 0 || c > 255 || depth == THEME_MONO)
		return THEME_DEFAULT;
	if (depth == THEME_256)
		return c;
	c = theme_256_to_16(c);
	if (depth == THEME_16 || c < 8)
		return c;
	*bold = 1;
	return c - 8;
}

/* An element's monochrome attributes: fallback merged with the theme's,
 * unless that would make two members of its group look alike. */
static int
theme_mono_attrs(const struct theme *t, enum theme_elem e)
{
	int group = theme_elems[e].group;

	if (group != 0) {
		for (int a = 0; a < TH_COUNT; a++) {
			if (theme_elems[a].group != group)
				continue;
			for (int b = a + 1; b < TH_COUNT; b++)
				if (theme_elems[b].group == group &&
				    (theme_elems[a].mono | t->res[a].attrs) ==
				    (theme_elems[b].mono | t->res[b].attrs))
					return theme_elems[e].mono;
		}
	}
	return theme_elems[e].mono | t->res[e].attrs;
}

/* How element E of theme T looks at DEPTH; pure. */
void
theme_resolve(const struct theme *t, enum theme_elem e, enum theme_depth depth,
    struct theme_style *out)
{
	int bold;

	if (t == NULL)
		t = theme_builtin();
	out->fg = out->bg = THEME_DEFAULT;
	out->attrs = A_NORMAL;
	if ((int)e < 0 || e >= TH_COUNT)
		return;
	if (depth == THEME_MONO) {
		out->attrs = theme_mono_attrs(t, e);
		return;
	}
	out->fg = theme_colour_downgrade(t->res[e].fg, depth, &bold);
	out->attrs = t->res[e].attrs | (bold ? A_BOLD : 0);
	out->bg = theme_colour_downgrade(t->res[e].bg, depth, NULL);
}

/* ------------------------------------------------------------ terminal */

/* The depth the terminal can show, ignoring NO_COLOR. */
static enum theme_depth
theme_terminal_depth(void)
{
	if (stdscr == NULL || !has_colors())
		return THEME_MONO;
	if (COLORS >= 256)
		return THEME_256;
	if (COLORS >= 16)
		return THEME_16;
	if (COLORS >= 8)
		return THEME_8;
	return THEME_MONO;
}

/* The depth to use on this terminal, NO_COLOR honoured. */
enum theme_depth
theme_detect_depth(void)
{
	const char *nc = getenv("NO_COLOR");

	if (nc != NULL && nc[0] != '\0')
		return THEME_MONO;
	return theme_terminal_depth();
}

/* Parse a --colors value. */
int
theme_depth_parse(const char *s, enum theme_depth *out)
{
	static const struct {
		const char *name;
		enum theme_depth depth;
	} names[] = {
		{ "mono", THEME_MONO }, { "monochrome", THEME_MONO }, { "0", THEME_MONO },
		{ "2", THEME_MONO }, { "8", THEME_8 }, { "16", THEME_16 }, { "256", THEME_256 },
	};

	for (size_t i = 0; s != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].depth;
			return 0;
		}
	}
	return -1;
}

/* A depth as --colors spells it. */
const char *
theme_depth_name(enum theme_depth depth)
{
	switch (depth) {
	case THEME_MONO:
		return "mono";
	case THEME_8:
		return "8";
	case THEME_16:
		return "16";
	case THEME_256:
		return "256";
	}
	return "?";
}

/* Bind theme T to the terminal: pairs and attributes per element. */
void
theme_apply(const struct theme *t, enum theme_depth depth)
{
	short pfg[TH_COUNT + 1], pbg[TH_COUNT + 1];
	int npairs = 0, can_default = 1;
	enum theme_depth cap = theme_terminal_depth();

	if (t == NULL)
		t = theme_builtin();
	if (depth > cap)
		depth = cap;
	if (depth != THEME_MONO)
		can_default = use_default_colors() == OK;
	for (int e = 0; e < TH_COUNT; e++) {
		struct theme_style st;
		int pair = 0;

		theme_resolve(t, (enum theme_elem)e, depth, &st);
		if (depth == THEME_MONO) {
			/* Where dim does not show (vt100), stale must still. */
			if ((e == TH_STALE || e == TH_TILE_STALE) && (st.attrs & A_DIM) &&
			    stdscr != NULL && !(termattrs() & A_DIM))
				st.attrs = (st.attrs & ~(int)A_DIM) | A_UNDERLINE;
			theme_cur[e] = st.attrs;
			continue;
		}
		if (!can_default) {
			if (st.fg == THEME_DEFAULT)
				st.fg = COLOR_WHITE;
			if (st.bg == THEME_DEFAULT)
				st.bg = COLOR_BLACK;
		}
		if (st.fg != THEME_DEFAULT || st.bg != THEME_DEFAULT) {
			for (int p = 1; p <= npairs && pair == 0; p++)
				if (pfg[p] == st.fg && pbg[p] == st.bg)
					pair = p;
			if (pair == 0 && npairs + 1 < COLOR_PAIRS &&
			    init_pair((short)(npairs + 1), (short)st.fg, (short)st.bg) == OK) {
				pair = ++npairs;
				pfg[pair] = (short)st.fg;
				pbg[pair] = (short)st.bg;
			}
			if (pair == 0) {
				/* Out of pairs: this one keeps its shape at least. */
				theme_resolve(t, (enum theme_elem)e, THEME_MONO, &st);
			}
		}
		theme_cur[e] = st.attrs | (pair > 0 ? (int)COLOR_PAIR(pair) : 0);
	}
	theme_cur_ready = 1;
}

/* The attribute to draw element E with. */
int
theme_attr(enum theme_elem e)
{
	if ((int)e < 0 || e >= TH_COUNT)
		return A_NORMAL;
	return theme_cur_ready ? theme_cur[e] : theme_elems[e].mono;
}

/* ------------------------------------------------------------ parsing */

/* TOKEN (N bytes) made safe to print: printable ASCII, else \xNN, cut. */
static const char *
theme_quote(const char *s, size_t n, char *buf, size_t buflen)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < buflen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i >= THEME_QUOTE_MAX) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
		} else {
			snprintf(buf + o, buflen - o, "\\x%02x", c);
			o += 4;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* Report "FILE:LINE: message"; returns -1. */
static int __attribute__((format(printf, 2, 3)))
theme_perr(struct theme_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, p->line);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* S without leading and trailing blanks (in place). */
static char *
theme_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* The next blank-separated word of *S (NULL at the end); advances *S. */
static char *
theme_word(char **s)
{
	char *w = *s, *end;

	while (*w == ' ' || *w == '\t')
		w++;
	if (*w == '\0')
		return NULL;
	end = w + strcspn(w, " \t");
	if (*end != '\0')
		*end++ = '\0';
	*s = end;
	return w;
}

/* Parse a colour word into THEME_DEFAULT or 0..255; 0 or -1. */
static int
theme_parse_colour(const char *w, short *out)
{
	const char *name = w;
	int bright = 0;
	size_t n = strlen(w);

	if (strcasecmp(w, "default") == 0) {
		*out = THEME_DEFAULT;
		return 0;
	}
	if (n >= 1 && n <= 3 && strspn(w, "0123456789") == n) {
		int v = 0;

		for (size_t i = 0; i < n; i++)
			v = v * 10 + (w[i] - '0');
		if (v > 255)
			return -1;
		*out = (short)v;
		return 0;
	}
	if (strncasecmp(w, "bright-", 7) == 0) {
		name = w + 7;
		bright = 8;
	}
	for (int i = 0; i < 8; i++) {
		if (strcasecmp(name, theme_colour_names[i]) == 0) {
			*out = (short)(i + bright);
			return 0;
		}
	}
	return -1;
}

/* The A_* bit an attribute word names, or 0. */
static int
theme_parse_attr_word(const char *w)
{
	for (size_t i = 0; i < sizeof(theme_attr_names) / sizeof(theme_attr_names[0]); i++)
		if (strcasecmp(w, theme_attr_names[i].name) == 0)
			return theme_attr_names[i].attr;
	return 0;
}

/* Parse attribute words (blank-separated) into *attrs; 0 or -1. */
static int
theme_parse_attrs(struct theme_parser *p, char *s, int *attrs)
{
	char *w, q[THEME_QUOTE_MAX * 4 + 8];
	int a;

	while ((w = theme_word(&s)) != NULL) {
		a = theme_parse_attr_word(w);
		if (a == 0)
			return theme_perr(p, "bad attribute '%s'",
			    theme_quote(w, strlen(w), q, sizeof(q)));
		*attrs |= a;
	}
	return 0;
}

/* Parse "FG [on BG] [, attr...]" (or just "attr, ...") into *sp. */
static int
theme_parse_value(struct theme_parser *p, char *val, struct theme_spec *sp)
{
	char *comma = strchr(val, ','), *rest = NULL, *s = val, *w;
	char q[THEME_QUOTE_MAX * 4 + 8];

	sp->fg = sp->bg = THEME_UNSET;
	sp->attrs = 0;
	sp->set = 1;
	if (comma != NULL) {
		*comma = '\0';
		rest = comma + 1;
	}
	w = theme_word(&s);
	if (w == NULL) {
		if (comma != NULL)
			return theme_perr(p, "missing colour before ','");
		return theme_perr(p, "missing value");
	}
	if (theme_parse_attr_word(w) != 0) {
		/* Attributes only: the colours are normal's. */
		sp->attrs |= theme_parse_attr_word(w);
		if (theme_parse_attrs(p, s, &sp->attrs) != 0)
			return -1;
	} else {
		if (strcasecmp(w, "on") != 0) {
			if (theme_parse_colour(w, &sp->fg) != 0)
				return theme_perr(p, "bad colour '%s'",
				    theme_quote(w, strlen(w), q, sizeof(q)));
			w = theme_word(&s);
		}
		if (w != NULL) {
			if (strcasecmp(w, "on") != 0) {
				if (theme_parse_attr_word(w) != 0)
					return theme_perr(p, "missing ',' before '%s'", w);
				return theme_perr(p, "expected 'on' or ',', got '%s'",
				    theme_quote(w, strlen(w), q, sizeof(q)));
			}
			w = theme_word(&s);
			if (w == NULL)
				return theme_perr(p, "missing colour after 'on'");
			if (theme_parse_colour(w, &sp->bg) != 0)
				return theme_perr(p, "bad colour '%s'",
				    theme_quote(w, strlen(w), q, sizeof(q)));
			w = theme_word(&s);
			if (w != NULL) {
				if (theme_parse_attr_word(w) != 0)
					return theme_perr(p, "missing ',' before '%s'", w);
				return theme_perr(p, "unexpected '%s' after the colours",
				    theme_quote(w, strlen(w), q, sizeof(q)));
			}
		}
	}
	while (rest != NULL) {
		comma = strchr(rest, ',');
		if (comma != NULL)
			*comma = '\0';
		if (*theme_trim(rest) == '\0')
			return theme_perr(p, "missing attribute after ','");
		if (theme_parse_attrs(p, rest, &sp->attrs) != 0)
			return -1;
		rest = comma != NULL ? comma + 1 : NULL;
	}
	return 0;
}

/* The directory part of PATH into BUF ("." when it has none). */
static void
theme_dirname(const char *path, char *buf, size_t buflen)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(buf, buflen, ".");
	else if (slash == path)
		snprintf(buf, buflen, "/");
	else
		snprintf(buf, buflen, "%.*s", (int)(slash - path), path);
}

/* Handle "inherit = NAME|PATH": start from that theme's lines. */
static int
theme_parse_inherit(struct theme_parser *p, const char *val)
{
	char dir[PATH_MAX], inner[1024];
	struct theme *base = NULL;
	int notfound = 0;

	if (p->seen_element)
		return theme_perr(p, "'inherit' must come before the elements");
	if (p->seen_inherit)
		return theme_perr(p, "duplicate 'inherit' (first on line %d)", p->seen_inherit);
	p->seen_inherit = p->line;
	if (strcasecmp(val, "default") == 0) {
		base = theme_builtin();
	} else {
		if (p->depth + 1 >= THEME_INHERIT_MAX)
			return theme_perr(p, "inherit chain too deep (a cycle?)");
		theme_dirname(p->path, dir, sizeof(dir));
		if (theme_load_at(val, dir, p->depth + 1, &base, inner, sizeof(inner),
		    &notfound) != 0) {
			/* Say where a missing theme was asked for; a bad one
			 * names its own FILE:LINE. */
			if (notfound)
				return theme_perr(p, "%s", inner);
			snprintf(p->err, p->errlen, "%s", inner);
			return -1;
		}
	}
	memcpy(p->t->raw, base->raw, sizeof(p->t->raw));
	theme_free(base);
	return 0;
}

/* Handle one line (comments and blanks included); 0 or -1. */
static int
theme_parse_line(struct theme_parser *p, char *s)
{
	char *eq, *key, *val, q[THEME_QUOTE_MAX * 4 + 8];
	int e;

	s[strcspn(s, "#")] = '\0';
	s = theme_trim(s);
	if (*s == '\0')
		return 0;
	eq = strchr(s, '=');
	if (eq == NULL)
		return theme_perr(p, "missing '='");
	*eq = '\0';
	key = theme_trim(s);
	val = theme_trim(eq + 1);
	if (*key == '\0')
		return theme_perr(p, "missing element before '='");
	if (strcasecmp(key, "name") == 0) {
		size_t n = strlen(val);

		if (p->seen_name)
			return theme_perr(p, "duplicate 'name' (first on line %d)", p->seen_name);
		p->seen_name = p->line;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)val[i] < 0x20 || (unsigned char)val[i] >= 0x7f)
				n = 0;
		if (n == 0 || n >= THEME_NAME_MAX)
			return theme_perr(p, "bad name '%s': use 1 to %d printable ASCII characters",
			    theme_quote(val, strlen(val), q, sizeof(q)), THEME_NAME_MAX - 1);
		snprintf(p->t->name, sizeof(p->t->name), "%s", val);
		return 0;
	}
	if (strcasecmp(key, "inherit") == 0) {
		if (*val == '\0')
			return theme_perr(p, "missing value");
		return theme_parse_inherit(p, val);
	}
	e = theme_elem_lookup(key);
	if (e < 0)
		return theme_perr(p, "unknown element '%s'", theme_quote(key, strlen(key), q, sizeof(q)));
	if (p->seen[e])
		return theme_perr(p, "duplicate element '%s' (first on line %d)",
		    theme_elems[e].name, p->seen[e]);
	p->seen[e] = p->line;
	p->seen_element = 1;
	return theme_parse_value(p, val, &p->t->raw[e]);
}

/* Parse the open file F into p->t; 0 or -1 with the error in p->err. */
static int
theme_parse_file(struct theme_parser *p, FILE *f)
{
	char line[THEME_LINE_MAX + 1];
	size_t len = 0;
	long total = 0;
	int c;

	p->line = 1;
	for (;;) {
		c = getc(f);
		if (c == EOF) {
			if (ferror(f)) {
				snprintf(p->err, p->errlen, "%s: %s", p->path, strerror(errno));
				return -1;
			}
			line[len] = '\0';
			return len > 0 ? theme_parse_line(p, line) : 0;
		}
		if (++total > THEME_FILE_MAX)
			return theme_perr(p, "file too large (max %d bytes)", THEME_FILE_MAX);
		if (c == '\n') {
			line[len] = '\0';
			if (theme_parse_line(p, line) != 0)
				return -1;
			if (p->line < INT_MAX)
				p->line++;
			len = 0;
			continue;
		}
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return theme_perr(p, "control character 0x%02x (not a text file?)", c);
		if (len >= THEME_LINE_MAX)
			return theme_perr(p, "line too long (max %d bytes)", THEME_LINE_MAX);
		line[len++] = (char)c;
	}
}

/* Whether ARG names a file rather than an installed theme. */
static int
theme_is_path(const char *arg)
{
	size_t n = strlen(arg);

	return strchr(arg, '/') != NULL || (n > 6 && strcmp(arg + n - 6, ".theme") == 0);
}

/* The source tree's theme directory when this process runs uninstalled,
 * from the build tree it was built in (its binary there); else NULL. */
static const char *
theme_build_tree_dir(void)
{
	static char themes[PATH_MAX];
	char exe[PATH_MAX], top[PATH_MAX];
	char *slash;

	if (PLANTDECK_BUILDDIR[0] == '\0' || PLANTDECK_SRC_THEMEDIR[0] == '\0' ||
	    realpath("/proc/self/exe", exe) == NULL || realpath(PLANTDECK_BUILDDIR, top) == NULL)
		return NULL;
	slash = strrchr(exe, '/');
	if (slash == NULL)
		return NULL;
	*slash = '\0';
	if (strcmp(exe, top) != 0)
		return NULL;
	/* "/src/build/../themes" said as "/src/themes", when it exists. */
	if (realpath(PLANTDECK_SRC_THEMEDIR, themes) == NULL)
		snprintf(themes, sizeof(themes), "%s", PLANTDECK_SRC_THEMEDIR);
	return themes;
}

/* fopen(PATH, "r"), but NULL with errno EISDIR for a directory (which
 * fopen opens, and reading then fails without a line to name). */
static FILE *
theme_fopen(const char *path)
{
	FILE *f = fopen(path, "r");
	struct stat st;

	if (f != NULL && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		errno = EISDIR;
		return NULL;
	}
	return f;
}

/* Open theme ARG (FROM: the including file's directory, or NULL) and say
 * which file that was in PATH; NULL with err set if it cannot be. */
static FILE *
theme_open(const char *arg, const char *from, char *path, size_t pathlen,
    char *err, size_t errlen, int *notfound)
{
	const char *dirs[4], *env = getenv("PLANTDECK_THEMEDIR"), *tree;
	char looked[1024] = "", q[THEME_QUOTE_MAX * 4 + 8];
	size_t nd = 0, n = strlen(arg), o = 0;
	FILE *f;
	int len;

	*notfound = 0;
	if (theme_is_path(arg)) {
		if (from != NULL && arg[0] != '/')
			len = snprintf(path, pathlen, "%s/%s", from, arg);
		else
			len = snprintf(path, pathlen, "%s", arg);
		if (len < 0 || (size_t)len >= pathlen) {
			snprintf(err, errlen, "theme path too long: '%s'", theme_quote(arg, n, q, sizeof(q)));
			return NULL;
		}
		f = theme_fopen(path);
		if (f == NULL) {
			*notfound = errno == ENOENT;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		}
		return f;
	}
	if (n == 0 || n > 64 || arg[0] == '.' || strspn(arg,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
		snprintf(err, errlen, "bad theme name '%s': use letters, digits, '.', '_' and '-', "
		    "or give a path", theme_quote(arg, n, q, sizeof(q)));
		return NULL;
	}
	if (from != NULL)
		dirs[nd++] = from;
	if (env != NULL && env[0] != '\0')
		dirs[nd++] = env;
	tree = theme_build_tree_dir();
	if (tree != NULL && (env == NULL || strcmp(env, tree) != 0))
		dirs[nd++] = tree;
	if (env == NULL || strcmp(env, PLANTDECK_THEMEDIR) != 0)
		dirs[nd++] = PLANTDECK_THEMEDIR;
	for (size_t i = 0; i < nd; i++) {
		len = snprintf(path, pathlen, "%s/%s.theme", dirs[i], arg);
		if (len < 0 || (size_t)len >= pathlen)
			continue;
		f = theme_fopen(path);
		if (f != NULL)
			return f;
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return NULL;
		}
	}
	for (size_t i = 0; i < nd && o < sizeof(looked); i++) {
		len = snprintf(looked + o, sizeof(looked) - o, "%s%s", i ? ", " : "", dirs[i]);
		if (len < 0)
			break;
		o += (size_t)len;
	}
	*notfound = 1;
	snprintf(err, errlen, "theme '%s' not found (looked in: %s)", arg, looked);
	return NULL;
}

/* Load theme ARG, inherit-nested DEPTH deep, names first looked up in FROM. */
static int
theme_load_at(const char *arg, const char *from, int depth, struct theme **out,
    char *err, size_t errlen, int *notfound)
{
	struct theme_parser p;
	char path[PATH_MAX];
	const char *base, *dot;
	FILE *f;
	int rc;

	*out = NULL;
	*notfound = 0;
	if (strcasecmp(arg, "default") == 0) {
		*out = theme_builtin();
		return 0;
	}
	f = theme_open(arg, from, path, sizeof(path), err, errlen, notfound);
	if (f == NULL) {
		/* No file of ARG was read (a bad name, unreadable, missing): an
		 * inheriting file says where it named it (fuzz-theme). */
		*notfound = 1;
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.path = path;
	p.depth = depth;
	p.err = err;
	p.errlen = errlen;
	p.t = calloc(1, sizeof(*p.t));
	if (p.t == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	rc = theme_parse_file(&p, f);
	fclose(f);
	if (rc != 0) {
		free(p.t);
		return -1;
	}
	if (!p.seen_name) {
		/* No name line: the file's, without ".theme". */
		base = strrchr(path, '/');
		base = base != NULL ? base + 1 : path;
		dot = strrchr(base, '.');
		theme_quote(base, dot != NULL && dot != base ? (size_t)(dot - base) : strlen(base),
		    p.t->name, sizeof(p.t->name));
	}
	theme_finish(p.t);
	*out = p.t;
	return 0;
}

/* Load a theme by name or path; see theme.h. */
int
theme_load(const char *name_or_path, struct theme **out, char *err, size_t errlen)
{
	char dummy[1];
	int notfound;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	*out = NULL;
	if (name_or_path == NULL || name_or_path[0] == '\0') {
		snprintf(err, errlen, "empty theme name");
		return -1;
	}
	return theme_load_at(name_or_path, NULL, 0, out, err, errlen, &notfound);
}
