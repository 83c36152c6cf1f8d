/* SPDX-License-Identifier: MIT */
/*
 * What the engine's C tests (test_engine.c, test_smi_path.c) share: the
 * check that this Unicorn build can run them at all, and the flat BIOS
 * image their machines boot.
 */
#ifndef VSMM_TESTS_ENGINE_TEST_H
#define VSMM_TESTS_ENGINE_TEST_H

/* Where engine_test_start() wrote the BIOS image: 64 KiB of HLT. */
extern const char *engine_test_bios;

/*
 * Open an x86-64 instance and run the engine's self-check (skip, 77, if
 * either fails), then write the BIOS image to a new temporary file.
 * Returns -1 when the tests can run, else the exit status for main().
 * prog names the test in messages.
 */
int engine_test_start(const char *prog);

/* Remove the BIOS image; returns rc, for `return engine_test_end(rc)`. */
int engine_test_end(int rc);

#endif
