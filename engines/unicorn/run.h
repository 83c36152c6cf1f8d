/* SPDX-License-Identifier: MIT */
/* The execution loop of `vsmm run`: guest code on Unicorn, SMI delivery and
 * RSM through vsmm. */
#ifndef VSMM_ENGINE_RUN_H
#define VSMM_ENGINE_RUN_H

#include "machine.h"

/* Run until the guest exits, shuts down, halts for good or hits a limit.
 * Returns the `vsmm run` exit status (run_status.h). */
int machine_run(struct machine *m);

#endif /* VSMM_ENGINE_RUN_H */
