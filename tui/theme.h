/* theme.h: semantic colours.  Drawing code asks for an element (the
 * header, a selected row, a critical tile) and gets the curses attribute to
 * draw it with; a theme decides what that looks like on this terminal.
 * Themes are files (doc/themes.md); the default one is compiled in. */
#ifndef PLANTDECK_THEME_H
#define PLANTDECK_THEME_H

#include <stddef.h>

/* Semantic elements; drawing code asks for these, never for colours. */
enum theme_elem {
	TH_NORMAL, TH_DIM, TH_HEADER, TH_HEADER_ALARM, TH_FOOTER, TH_FOOTER_KEY, TH_TITLE, TH_GROUP,
	TH_SELECTION, TH_SELECTION_DIM, TH_OK, TH_WARN, TH_CRIT, TH_STALE, TH_ALARM, TH_INFO,
	TH_KIOSK_BADGE, TH_TILE_OK, TH_TILE_WARN, TH_TILE_CRIT, TH_TILE_STALE, TH_TILE_SELECTED,
	TH_BAR_OK, TH_BAR_WARN, TH_BAR_CRIT, TH_BAR_EMPTY, TH_BORDER, TH_FILTER, TH_DEPLOY, TH_COUNT
};

/* How many colours the terminal has; THEME_MONO uses attributes only. */
enum theme_depth { THEME_MONO, THEME_8, THEME_16, THEME_256 };

/* Colour numbers in a theme: THEME_DEFAULT is the terminal's own colour,
 * 0..7 the basic eight, 8..15 their bright versions, 16..255 xterm's. */
#define THEME_DEFAULT (-1)

/* One element as it will be drawn at some depth: colours after
 * downgrading (THEME_DEFAULT or 0..255) and curses A_* attribute bits. */
struct theme_style {
	int fg, bg;
	int attrs;
};

struct theme;                                   /* parsed, not yet bound to a terminal */

/* The name an element has in theme files: "header", "tile.ok", ... */
const char *theme_elem_name(enum theme_elem e);

/* The element a theme file name stands for (any case), or -1. */
int theme_elem_lookup(const char *name);

/* The default dark theme, compiled in; never NULL, theme_free() ignores it. */
struct theme *theme_builtin(void);

/* Load a theme by NAME (NAME.theme in $PLANTDECK_THEMEDIR, then, for a
 * plantdeck run from its build tree, in the source tree's themes/, then in
 * the installed theme directory) or by path (a value containing '/' or ending
 * in ".theme").  Returns 0, or -1 with "FILE:LINE: message" or "theme 'x'
 * not found (looked in: ...)" in err. */
int theme_load(const char *name_or_path, struct theme **out, char *err, size_t errlen);

/* Free a theme from theme_load(); NULL and the built-in are ignored. */
void theme_free(struct theme *t);

/* The theme's display name ("Default", "Light", ...). */
const char *theme_name(const struct theme *t);

/* Whether two themes say the same thing, element for element. */
int theme_equal(const struct theme *a, const struct theme *b);

/* The terminal's depth from has_colors()/COLORS (after initscr() and
 * start_color()); NO_COLOR in the environment means monochrome. */
enum theme_depth theme_detect_depth(void);

/* Parse "mono", "8", "16" or "256" (a --colors override); 0 or -1. */
int theme_depth_parse(const char *s, enum theme_depth *out);

/* "mono", "8", "16" or "256". */
const char *theme_depth_name(enum theme_depth depth);

/* How element e of theme t looks at depth: pure, needs no terminal. */
void theme_resolve(const struct theme *t, enum theme_elem e, enum theme_depth depth,
    struct theme_style *out);

/* Map colour c (0..255) to one a terminal of this depth has (mono gives
 * THEME_DEFAULT); *bold is set when brightness has to come from A_BOLD. */
int theme_colour_downgrade(int c, enum theme_depth depth, int *bold);

/* Bind theme t (NULL: the built-in) to the terminal: init_pair()s, after
 * start_color().  A depth above what the terminal has is lowered. */
void theme_apply(const struct theme *t, enum theme_depth depth);

/* The attribute (COLOR_PAIR | A_BOLD | ...) to draw element e with; before
 * theme_apply() it is the monochrome fallback, so it never needs a terminal. */
int theme_attr(enum theme_elem e);

#endif
