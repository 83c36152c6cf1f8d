/* SPDX-License-Identifier: MIT */
/*
 * Exit statuses of `vsmm run` (documented in docs/engine.md; scripts rely
 * on them).  A guest's own exit through the isa-debug-exit port gives the
 * odd statuses (V << 1) | 1, so every status vsmm chooses itself is even.
 */
#ifndef VSMM_ENGINE_RUN_STATUS_H
#define VSMM_ENGINE_RUN_STATUS_H

#define RUN_EXIT_HALTED 0 /* HLT with nothing pending that could wake it */
#define RUN_EXIT_SHUTDOWN \
	2 /* triple fault: a fault delivering #DF, or
				* RSM refused the image */
#define RUN_EXIT_GUEST_FAULT \
	4			      /* something the engine cannot emulate:
				* an event it cannot deliver (task gate,
				* virtual-8086 mode), #UD
				* (incl. RSM outside SMM), unmapped memory,
				* a state the engine cannot run */
#define RUN_EXIT_LIMIT 6	      /* --max-insns or --timeout reached */
#define RUN_EXIT_ENGINE_UNAVAILABLE 8 /* Unicorn missing or self-check failed */
#define RUN_EXIT_INTERNAL 10	      /* an engine or platform call failed */
#define RUN_EXIT_USAGE 64	      /* bad command line */
#define RUN_EXIT_BAD_IMAGE 66	      /* BIOS image unreadable or of a wrong size */
#define RUN_EXIT_CANT_CREATE 74	      /* --serial file cannot be written (EX_IOERR) */

#endif /* VSMM_ENGINE_RUN_STATUS_H */
