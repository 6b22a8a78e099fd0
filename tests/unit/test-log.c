/* test-log.c: the log file keeps every line whole under concurrent writers
 * and honours the level. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/base/log.h"

#define WRITERS 4
#define LINES_EACH 500

static void *
writer(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < LINES_EACH; i++)
		log_msg(LOG_INFO, "writer %ld line %d end", id, i);
	return NULL;
}

static void
test_concurrent_lines_whole(void **state)
{
	char path[] = "/tmp/plantdeck-test-log-XXXXXX";
	int fd = mkstemp(path);
	pthread_t th[WRITERS];
	char line[256];
	int counts[WRITERS] = { 0 };
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log_open(path), 0);
	log_set_level(LOG_INFO);
	for (long i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer, (void *)i), 0);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(th[i], NULL);
	log_msg(LOG_DEBUG, "hidden debug line");
	log_close();

	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		long id;
		int n;

		assert_non_null(strstr(line, " info writer "));
		assert_int_equal(sscanf(strstr(line, "writer"), "writer %ld line %d end", &id, &n), 2);
		assert_true(id >= 0 && id < WRITERS);
		assert_string_equal(line + strlen(line) - 5, " end\n");
		counts[id]++;
	}
	fclose(f);
	unlink(path);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(counts[i], LINES_EACH);
}

static void
test_open_bad_path(void **state)
{
	(void)state;
	assert_true(log_open("/nonexistent-dir/plantdeck.log") < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_lines_whole),
		cmocka_unit_test(test_open_bad_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
