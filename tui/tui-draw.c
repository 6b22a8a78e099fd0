/* tui-draw.c: drawing primitives for the cockpit, and the small helpers
 * its screens share (a list's scroll, a filter's match).
 *
 * Text is clipped and padded by display columns (wide characters count
 * two), and every string that came from a node goes through pd_sanitize()
 * first, so an escape sequence in a container name is shown, not obeyed. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "tui-internal.h"

/* Draw trusted text S at Y,X, clipped and padded to W columns. */
void
tui_put(struct tui *t, int y, int x, int w, int attr, const char *s)
{
	mbstate_t st;
	wchar_t wc;
	int used = 0;
	size_t n, len = strlen(s);

	if (w <= 0 || y < 0 || y >= t->lines || x >= t->cols)
		return;
	if (x + w > t->cols)
		w = t->cols - x;
	attron(attr);
	move(y, x);
	memset(&st, 0, sizeof(st));
	while (len > 0 && used < w) {
		int cw;

		n = mbrtowc(&wc, s, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			/* Not valid here (e.g. a UTF-8 byte under LANG=C): show '?'. */
			addch('?');
			used++;
			memset(&st, 0, sizeof(st));
			s++;
			len--;
			continue;
		}
		cw = wcwidth(wc);
		if (cw < 0)
			cw = 1, wc = L'?';
		if (used + cw > w)
			break;
		addnwstr(&wc, 1);
		used += cw;
		s += n;
		len -= n;
	}
	for (; used < w; used++)
		addch(' ');
	attroff(attr);
}

/* Draw text from a node: sanitised first. */
void
tui_put_untrusted(struct tui *t, int y, int x, int w, int attr, const char *s)
{
	char clean[1024];

	pd_sanitize(clean, sizeof(clean), s, !t->utf8);
	tui_put(t, y, x, w, attr, clean);
}

/* Fill W columns with blanks in ATTR. */
void
tui_fill(int y, int x, int w, int attr)
{
	attron(attr);
	mvhline(y, x, ' ', w);
	attroff(attr);
}

/* A horizontal rule. */
void
tui_hline(struct tui *t, int y, int x, int w, int attr)
{
	static const wchar_t line[] = L"\u2500";
	cchar_t cc;

	if (!t->utf8) {
		attron(attr);
		mvhline(y, x, '-', w);
		attroff(attr);
		return;
	}
	setcchar(&cc, line, (attr_t)attr, (short)PAIR_NUMBER(attr), NULL);
	mvhline_set(y, x, &cc, w);
}

/* A bar of W columns filled to FRAC (0..1), in eighths where UTF-8 allows. */
void
tui_bar(struct tui *t, int y, int x, int w, double frac, int attr_fill, int attr_empty)
{
	static const wchar_t eighths[] = L" \u258f\u258e\u258d\u258c\u258b\u258a\u2589\u2588";
	int cells;

	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	cells = (int)(frac * w * 8 + 0.5);
	move(y, x);
	for (int i = 0; i < w; i++, cells -= 8) {
		if (cells >= 8) {
			attron(attr_fill);
			if (t->utf8)
				addnwstr(&eighths[8], 1);
			else
				addch('#');
			attroff(attr_fill);
		} else if (cells > 0 && t->utf8) {
			attron(attr_fill);
			addnwstr(&eighths[cells], 1);
			attroff(attr_fill);
		} else {
			attron(attr_empty);
			addch(t->utf8 ? ' ' : '.');
			attroff(attr_empty);
		}
	}
}

/* Remember that a click at Y,X (H rows, W columns) means ITEM. */
void
tui_hit_add(struct tui *t, int y, int x, int h, int w, int item)
{
	if (t->nhits == TUI_MAX_HITS)
		return;
	t->hits[t->nhits++] = (struct tui_hit){ y, x, h, w, item };
}

/* The item under Y,X, or -1. */
int
tui_hit_find(const struct tui *t, int y, int x)
{
	for (int i = 0; i < t->nhits; i++) {
		const struct tui_hit *h = &t->hits[i];

		if (y >= h->y && y < h->y + h->h && x >= h->x && x < h->x + h->w)
			return h->item;
	}
	return -1;
}

/* Draw text from a node or a file, sanitised, over at most MAXLINES lines of
 * W columns from Y,X, broken at spaces; returns the lines used. */
int
tui_put_wrap(struct tui *t, int y, int x, int w, int maxlines, int attr, const char *s)
{
	char clean[1024], part[1024];
	const char *p = clean;
	int used = 0;

	if (w <= 0 || maxlines <= 0)
		return 0;
	pd_sanitize(clean, sizeof(clean), s, !t->utf8);
	while (*p != '\0' && used < maxlines) {
		size_t len = strlen(p), cut = len;

		if ((int)len > w && used + 1 < maxlines) {
			/* Bytes are at least columns: cutting at W bytes never overflows. */
			cut = (size_t)w;
			while (cut > 0 && ((unsigned char)p[cut] & 0xc0) == 0x80)
				cut--;
			for (size_t k = cut; k > (size_t)w / 2; k--)
				if (p[k] == ' ') {
					cut = k;
					break;
				}
		}
		if (cut >= sizeof(part))
			cut = sizeof(part) - 1;
		memcpy(part, p, cut);
		part[cut] = '\0';
		tui_put(t, y + used, x, w, attr, part);
		used++;
		p += cut;
		while (*p == ' ')
			p++;
	}
	return used;
}

/* Keep the selection inside the list and visible in ROWS rows. */
void
tui_list_clamp(struct tui_list *l, int n, int rows)
{
	if (l->sel >= n)
		l->sel = n - 1;
	if (l->sel < 0)
		l->sel = 0;
	if (rows < 1)
		rows = 1;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + rows)
		l->top = l->sel - rows + 1;
	if (l->top > n - rows)
		l->top = n - rows;
	if (l->top < 0)
		l->top = 0;
}

/* Whether NEEDLE is in HAY, case-insensitive; "" is everywhere. */
int
tui_has(const char *hay, const char *needle)
{
	return needle[0] == '\0' || strcasestr(hay, needle) != NULL;
}

/* A column's header LABEL at Y,X in W columns, with the sort indicator
 * when the table is sorted by it: DIR 1 ascending (▲, ^ in ASCII), -1
 * descending (▼, v), 0 not sorted by it. */
void
tui_head(struct tui *t, int y, int x, int w, int attr, const char *label, int dir)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s%s", label, dir == 0 ? "" : dir > 0 ?
	    (t->utf8 ? "\u25b2" : "^") : (t->utf8 ? "\u25bc" : "v"));
	tui_put(t, y, x, w, attr, buf);
}
