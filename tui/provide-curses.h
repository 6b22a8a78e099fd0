/* provide-curses.h: the one place curses is included. */
#ifndef PLANTDECK_PROVIDE_CURSES_H
#define PLANTDECK_PROVIDE_CURSES_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

#endif
