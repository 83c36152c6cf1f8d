/* SPDX-License-Identifier: MIT */
/*
 * vsmm-run: `vsmm run` as a program of its own, for the engine's tests
 * (built in cli/meson.build, with the CLI's option code).  `vsmm-run ARGS`
 * is `vsmm run ARGS`.
 */
#include "vsmm_run.h"

int main(int argc, char **argv)
{
	static char name[] = "run";
	argv[0] = name;
	return vsmm_run_main(argc, argv);
}
