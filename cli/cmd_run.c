/* SPDX-License-Identifier: MIT */
/*
 * vsmm run: hands over to the Unicorn engine (engines/unicorn) when this
 * vsmm was built with it.  The engine is GPL-2.0 through Unicorn, so it
 * is linked into the vsmm program only, never into the library.
 */
#include <string.h>

#include "cli.h"

#ifdef VSMM_HAVE_RUN
#include "vsmm_run.h"
#endif

const char cmd_run_usage[] =
	"Usage: vsmm run --bios IMAGE [OPTIONS...]\n\n"
	"Run a guest with SMM on the Unicorn engine ('vsmm run --help' in a\n"
	"build with Unicorn lists its options).\n"
#ifndef VSMM_HAVE_RUN
	"\nThis vsmm was built without the Unicorn engine.\n"
#endif
	;

int cmd_run(int argc, char **argv)
{
#ifdef VSMM_HAVE_RUN
	return vsmm_run_main(argc, argv);
#else
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(cmd_run_usage, stdout);
			return cli_finish_stdout(CLI_EXIT_OK);
		}
	}
	cli_err("run: this vsmm was built without the Unicorn engine");
	return CLI_EXIT_ERR;
#endif
}
