/* SPDX-License-Identifier: MIT */
/*
 * vsmm_version() and vsmm_version_number() against the project's version as
 * meson knows it (VSMM_PROJECT_VERSION, from meson.build), not against the
 * header the library was built from: a release that bumps one but not the
 * other fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vsmm/vsmm.h"

static void test_string(void **unused)
{
	(void)unused;
	const char *v = vsmm_version();

	assert_non_null(v);
	assert_string_equal(v, VSMM_PROJECT_VERSION);
	assert_string_equal(v, VSMM_VERSION_STRING);
}

static void test_number(void **unused)
{
	(void)unused;
	unsigned major, minor, patch;
	char tail;

	assert_int_equal(
		sscanf(VSMM_PROJECT_VERSION, "%u.%u.%u%c", &major, &minor, &patch, &tail),
		3);
	assert_true(minor < 256 && patch < 256);
	assert_int_equal(vsmm_version_number(), (major << 16) | (minor << 8) | patch);
	assert_int_equal(vsmm_version_number(), VSMM_VERSION_NUMBER);
	assert_int_equal(VSMM_VERSION_MAJOR, major);
	assert_int_equal(VSMM_VERSION_MINOR, minor);
	assert_int_equal(VSMM_VERSION_PATCH, patch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_number),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
