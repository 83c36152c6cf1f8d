/* SPDX-License-Identifier: MIT */
/*
 * `vsmm run`: execute a BIOS image on the Unicorn CPU engine with vsmm as
 * its SMM implementation.  Linked into the `vsmm` command when Unicorn is
 * available (Unicorn is GPL-2.0; see docs/engine.md).
 */
#ifndef VSMM_RUN_H
#define VSMM_RUN_H

/* argv[0] is the subcommand name ("run"); the options follow.  Returns the
 * process exit status (docs/engine.md lists them). */
int vsmm_run_main(int argc, char **argv);

#endif /* VSMM_RUN_H */
