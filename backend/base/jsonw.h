/* jsonw.h: a JSON document written as it is made, byte for byte what
 * pd_json_print (sanitize.h) prints of the same cJSON tree -- cJSON's
 * layout, numbers and escapes, strings made valid UTF-8 and what
 * pd_sanitize_hidden() names escaped -- without the tree: a status of
 * 2,700 containers was 100,000 cJSON items made, printed, copied and
 * freed to print once. */
#ifndef PD_JSONW_H
#define PD_JSONW_H

#include <stddef.h>
#include <time.h>

struct cJSON;

#define PD_JW_DEPTH 32

struct pd_jw {
	char *p;                          /* the text so far (not terminated) */
	size_t len, cap;
	int pretty;                       /* cJSON_Print's layout, else unformatted */
	int failed;                       /* out of memory: the text is not whole */
	int depth;
	int first[PD_JW_DEPTH];           /* nothing written yet in the container at depth */
	int array[PD_JW_DEPTH];
};

void pd_jw_init(struct pd_jw *w, int pretty);
void pd_jw_free(struct pd_jw *w);
/* A member's name, in an object; or, in an array, the next element. */
void pd_jw_key(struct pd_jw *w, const char *name);
void pd_jw_elem(struct pd_jw *w);
/* Values. */
void pd_jw_object(struct pd_jw *w);
void pd_jw_array(struct pd_jw *w);
void pd_jw_end(struct pd_jw *w);          /* of the innermost object or array */
void pd_jw_str(struct pd_jw *w, const char *s);
void pd_jw_null(struct pd_jw *w);
void pd_jw_bool(struct pd_jw *w, int b);
void pd_jw_num(struct pd_jw *w, double d);
/* S, or null when it is empty. */
void pd_jw_str_or_null(struct pd_jw *w, const char *s);
/* T as "2026-12-05T06:40:40Z" (UTC), or null when 0. */
void pd_jw_time(struct pd_jw *w, time_t t);
/* A cJSON tree J as a value, as pd_json_print would print it there. */
void pd_jw_cjson(struct pd_jw *w, const struct cJSON *j);

#endif
