/* format.c: ages and sizes formatted the same way for every front end.
 * (The sanitiser for untrusted text is backend/base/sanitize.c.) */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backend/model/model.h"

void
pd_format_age(char *out, size_t len, time_t now, time_t then)
{
	long s;

	if (then == 0) {
		snprintf(out, len, "-");
		return;
	}
	s = (long)(now - then);
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(out, len, "%lds", s);
	else if (s < 7200)
		snprintf(out, len, "%ldm", s / 60);
	else if (s < 172800)
		snprintf(out, len, "%ldh", s / 3600);
	else
		snprintf(out, len, "%ldd", s / 86400);
}

void
pd_format_bytes(char *out, size_t len, uint64_t v)
{
	static const char units[] = "BKMGTP";
	double d = (double)v;
	int u = 0;

	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, len, "%" PRIu64 "B", v);
	else
		snprintf(out, len, "%.*f%c", d < 10 ? 1 : 0, d, units[u]);
}
