/* SPDX-License-Identifier: MIT */
/*
 * vsmm-run: `vsmm run` as a program of its own, for the engine's tests and
 * for builds without the CLI.  `vsmm-run ARGS` is `vsmm run ARGS`.
 */
#include "vsmm_run.h"

int main(int argc, char **argv)
{
	static char name[] = "run";
	argv[0] = name;
	return vsmm_run_main(argc, argv);
}
