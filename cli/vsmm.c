/* SPDX-License-Identifier: MIT */
/*
 * vsmm: inspect, check, build and transform SMRAM state-save images.
 *
 * main() only dispatches through the {name, fn, help} table below (the
 * kvmtool shape); each command lives in its own cmd_*.c file.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const struct cli_command cli_commands[] = {
	{ "decode", cmd_decode,
	  "print every field of an image and the vCPU state it holds", cmd_decode_usage },
	{ "check", cmd_check,
	  "would RSM accept this image? (exit 1 and the reason if not)",
	  cmd_check_usage },
	{ "smi", cmd_smi,
	  "enter SMM from a JSON state: write the image, print the SMM entry state",
	  cmd_smi_usage },
	{ "rsm", cmd_rsm,
	  "leave SMM with an image: print the resumed state or the shutdown reason",
	  cmd_rsm_usage },
	{ "encode", cmd_encode, "write the image of a JSON state (no SMI, no checks)",
	  cmd_encode_usage },
	{ "diff", cmd_diff, "compare two images field by field (exit 1 if they differ)",
	  cmd_diff_usage },
	{ "savestate", cmd_savestate,
	  "EDK2's ReadSaveState/WriteSaveState on an image (read or write)",
	  cmd_savestate_usage },
	{ "layouts", cmd_layouts, "list the save-state layouts and their field tables",
	  cmd_layouts_usage },
	{ "demo", cmd_demo, "a 64-bit state through SMI and RSM, step by step",
	  cmd_demo_usage },
	{ "run", cmd_run, "run a guest with SMM on the Unicorn engine", cmd_run_usage },
	{ "help", cmd_help, "show the help of a command", cmd_help_usage },
};

const size_t cli_ncommands = sizeof(cli_commands) / sizeof(cli_commands[0]);

const struct cli_command *cli_command_find(const char *name)
{
	for (size_t i = 0; i < cli_ncommands; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

static void print_overview(FILE *f)
{
	fputs("Usage: vsmm COMMAND [ARGS...]\n"
	      "       vsmm COMMAND --help | vsmm --help | vsmm --version\n\n"
	      "Inspect, check, build and transform x86 SMRAM state-save images.\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < cli_ncommands; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i].name, cli_commands[i].help);
	fputs("\nExit status: 0 success; 1 check: RSM would shut down, rsm: shutdown,\n"
	      "diff: the images differ, savestate: EDK2 refuses; 2 usage, input or\n"
	      "output error.\n"
	      "See vsmm(1) and docs/json.md.\n",
	      f);
}

const char cmd_help_usage[] =
	"Usage: vsmm help [COMMAND]\n\n"
	"Show the list of commands, or the help of one command (the same as\n"
	"'vsmm COMMAND --help').\n";

int cmd_help(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		print_overview(stdout);
		return cli_finish_stdout(CLI_EXIT_OK);
	}
	if (argc > 2) {
		cli_err("help: expected at most one command name");
		return CLI_EXIT_ERR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(cmd_help_usage, stdout);
		return cli_finish_stdout(CLI_EXIT_OK);
	}
	c = cli_command_find(argv[1]);
	if (!c) {
		cli_err("help: unknown command '%s'", argv[1]);
		return CLI_EXIT_ERR;
	}
	/* Exactly what `vsmm CMD --help` prints (for `run`, the engine's own
	 * help when vsmm has it). */
	{
		char name[16], opt[] = "--help";
		char *args[] = { name, opt, NULL };

		snprintf(name, sizeof(name), "%s", c->name);
		return c->fn(2, args);
	}
}

int main(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2) {
		print_overview(stderr);
		return CLI_EXIT_ERR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_overview(stdout);
		return cli_finish_stdout(CLI_EXIT_OK);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("vsmm %s\n", VSMM_VERSION_STRING);
		return cli_finish_stdout(CLI_EXIT_OK);
	}
	c = cli_command_find(argv[1]);
	if (!c) {
		cli_err("unknown command '%s'; try 'vsmm --help'", argv[1]);
		return CLI_EXIT_ERR;
	}
	return c->fn(argc - 1, argv + 1);
}
