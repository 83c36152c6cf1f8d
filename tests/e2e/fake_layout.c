/* SPDX-License-Identifier: MIT */
/*
 * LD_PRELOAD shim for the self-check test: a Unicorn whose CPU context is
 * not the size the mirror expects, as a different Unicorn build would be.
 */
#include <stddef.h>

#include <unicorn/unicorn.h>

size_t uc_context_size(uc_engine *uc)
{
	(void)uc;
	return 4096;
}
