/* backend.c: the backend's entry points that the front ends call. */
#include "config.h"

#include "backend.h"
#include "capture.h"

const char *
backend_version(void)
{
	return PACKAGE_VERSION;
}

int
backend_capture_available(char *reason, size_t reasonlen)
{
	return capture_available(reason, reasonlen);
}
