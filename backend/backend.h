/* backend.h: the backend's public face, the only backend header tui/ and
 * cli/ include.
 *
 * The backend owns every thread, socket, file and database handle.  Readers
 * take snapshots; commands that change anything are checked here, so that a
 * read-only (kiosk) front end cannot be talked into changing a node. */
#ifndef PLANTDECK_BACKEND_H
#define PLANTDECK_BACKEND_H

#include <stddef.h>

/* The program's version string, e.g. "0.1.0". */
const char *backend_version(void);

/* Whether node-local eBPF capture can run here; if not, REASON says why. */
int backend_capture_available(char *reason, size_t reasonlen);

#endif
