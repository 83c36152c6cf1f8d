/* SPDX-License-Identifier: MIT */
/*
 * The version of the library as loaded at run time (include/vsmm/vsmm.h;
 * meson.build refuses a project version other than the header's).
 */
#include "internal.h"

const char *vsmm_version(void)
{
	return VSMM_VERSION_STRING;
}

uint32_t vsmm_version_number(void)
{
	return VSMM_VERSION_NUMBER;
}
