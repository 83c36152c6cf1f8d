/* SPDX-License-Identifier: MIT */
/*
 * `vsmm run --trace`: one JSON object per line on the log stream for each
 * SMI and RSM, with the vCPU state before and after and the decoded
 * state-save image.  Keys and value formats follow the CLI's JSON
 * (docs/json.md): integers are lower-case hex strings with 0x.
 */
#ifndef VSMM_ENGINE_TRACE_H
#define VSMM_ENGINE_TRACE_H

#include "machine.h"

/* The run's configuration (model, layout, semantics) and reset state. */
void trace_start(struct machine *m);
void trace_smi(struct machine *m, const struct vsmm_cpu_state *before, const char *source,
	       const struct vsmm_io_smi *io);
void trace_rsm(struct machine *m, const struct vsmm_cpu_state *before, int rc);
/* A save/restore cycle at the sync port (stage = AL; in SMM or not). */
void trace_sync(struct machine *m, unsigned stage);
/* The end of the run: its exit status, the instructions executed and the
 * vCPU where it stopped (so a run that ends on --timeout says where the
 * guest was waiting). */
void trace_stop(struct machine *m, int status);

#endif /* VSMM_ENGINE_TRACE_H */
