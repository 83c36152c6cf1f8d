/* SPDX-License-Identifier: MIT */
/* vsmm rsm: run leave_smm on an image and show what RSM did. */
#include "cli.h"

const char cmd_rsm_usage[] =
	"Usage: vsmm rsm IMAGE [--model intel|amd] [--semantics kvm|hardware]\n"
	"                [--layout ...] [--json] [--dump-base ADDR --smbase ADDR]\n"
	"                [--halted] [--vmx]\n\n"
	"Run RSM (vsmm_leave_smm) on the image, starting from the SMM entry\n"
	"environment of a reset vCPU whose SMBASE is --smbase or the image's\n"
	"SMBASE field, with the image in memory at SMBASE.  Print the state the\n"
	"vCPU resumes with, or the shutdown reason (exit 1).  Memory outside\n"
	"the image (or the dump) reads as zero.  An intel64 image without\n"
	"vsmm's records takes its hidden segment state from the descriptor\n"
	"tables, which only a dump can hold (see check).\n\n" CLI_HELP_IMAGE
	"\nOptions:\n" CLI_HELP_RSM;

static void report_json(const struct cli_image *img, const struct cli_opts *o, int rc,
			const struct vsmm_vcpu *vcpu, const char *hidden)
{
	json_object *j = json_object_new_object();

	json_object_object_add(
		j, "result",
		json_object_new_string(rc == VSMM_OK ? "resumed" : "shutdown"));
	if (rc == VSMM_OK)
		json_object_object_add(j, "state", cli_state_to_json(&vcpu->state));
	else
		cli_shutdown_to_json(j, &vcpu->last_shutdown);
	cli_context_to_json(j, img->desc, img->revision, o);
	if (hidden)
		json_object_object_add(j, "hidden_state", json_object_new_string(hidden));
	cli_json_print(j);
	json_object_put(j);
}

static void report_text(const struct cli_image *img, const struct cli_opts *o, int rc,
			const struct vsmm_vcpu *vcpu, const char *hidden)
{
	printf("rsm: %s (", rc == VSMM_OK ? "resumed" : "shutdown");
	cli_print_context(stdout, img, o);
	printf(")\n");
	if (hidden)
		printf("hidden segment state: %s%s\n", hidden,
		       img->from_dump
			       ? ""
			       : " (an intel64 image without vsmm's records: RSM read the "
				 "descriptor tables from memory that reads as zero; give "
				 "the memory with --dump-base and --smbase)");
	if (rc == VSMM_OK) {
		printf("state:\n");
		cli_print_state(stdout, &vcpu->state);
	} else {
		cli_print_shutdown(stdout, &vcpu->last_shutdown);
	}
}

int cmd_rsm(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_image img;
	struct cli_rsm r;
	int rc;

	rc = cli_opts_parse(cli_command_find("rsm"), CLI_OPTS_RSM, 1, 1, argc, argv, &o);
	if (rc)
		return rc > 0 ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_ERR;
	if (cli_rsm_open(&r, &img, o.args[0], &o) != 0)
		return CLI_EXIT_ERR;
	const char *hidden = cli_hidden_state(&r, &img);
	rc = vsmm_leave_smm(&r.vcpu);
	if (rc != VSMM_OK && rc != VSMM_E_SHUTDOWN) {
		cli_err("%s: RSM failed: %s (%s)", img.src.name, vsmm_strerror(rc),
			vsmm_status_name(rc));
		cli_image_close(&img);
		return CLI_EXIT_ERR;
	}
	if (o.json)
		report_json(&img, &o, rc, &r.vcpu, hidden);
	else
		report_text(&img, &o, rc, &r.vcpu, hidden);
	cli_image_close(&img);
	return cli_finish_stdout(rc == VSMM_OK ? CLI_EXIT_OK : CLI_EXIT_NO);
}
