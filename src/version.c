/* SPDX-License-Identifier: MIT */
/*
 * The library's own version, for programs that need to know which build
 * they loaded rather than which header they were compiled with.
 */
#include "vsmm/vsmm.h"

const char *vsmm_version(void)
{
	return VSMM_VERSION_STRING;
}
