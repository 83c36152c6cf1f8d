/* SPDX-License-Identifier: MIT */
/* vsmm check: would RSM accept this image, and if not, why not. */
#include "cli.h"

const char cmd_check_usage[] =
	"Usage: vsmm check IMAGE [--model intel|amd] [--semantics kvm|hardware]\n"
	"                  [--layout ...] [--json] [--dump-base ADDR --smbase ADDR]\n"
	"                  [--halted] [--vmx]\n\n"
	"Would RSM accept this image?  Runs every RSM check of the chosen\n"
	"semantics on a vCPU in the SMM entry environment (SMBASE from --smbase\n"
	"or from the image) without changing anything.  Exit 0 if RSM would\n"
	"resume; exit 1 with the reason (rule, field, offset, value, message\n"
	"and manual reference) if it would shut down the vCPU.  Memory outside\n"
	"the image (or the dump) reads as zero, e.g. for PAE page-directory-\n"
	"pointer entries.\n\n"
	CLI_HELP_IMAGE "\nOptions:\n"
	CLI_HELP_RSM;

static void report_json(const struct cli_image *img, const struct cli_opts *o,
			int rc, const struct vsmm_shutdown *why,
			const struct vsmm_cpu_state *out)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "result", json_object_new_string(
				       rc == VSMM_OK ? "resume" : "shutdown"));
	cli_context_to_json(j, img->desc, img->revision, o);
	if (rc == VSMM_OK)
		json_object_object_add(j, "state", cli_state_to_json(out));
	else
		cli_shutdown_to_json(j, why);
	cli_json_print(j);
	json_object_put(j);
}

static void report_text(const struct cli_image *img, const struct cli_opts *o,
			int rc, const struct vsmm_shutdown *why)
{
	printf("check: RSM would %s (", rc == VSMM_OK ? "resume" : "shut down");
	cli_print_context(stdout, img, o);
	printf(")\n");
	if (rc != VSMM_OK)
		cli_print_shutdown(stdout, why);
}

int cmd_check(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_image img;
	struct cli_rsm r;
	struct vsmm_shutdown why = { VSMM_REASON_NONE, NULL, 0, 0 };
	struct vsmm_cpu_state out;
	int rc;

	rc = cli_opts_parse(cli_command_find("check"), CLI_OPTS_RSM, 1, 1, argc,
			    argv, &o);
	if (rc)
		return rc > 0 ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_ERR;
	if (cli_rsm_open(&r, &img, o.args[0], &o) != 0)
		return CLI_EXIT_ERR;
	rc = vsmm_rsm_check(&r.vcpu, img.area, img.len, &why, &out);
	if (rc != VSMM_OK && rc != VSMM_E_SHUTDOWN) {
		cli_err("%s: check failed: %s (%s)", img.src.name,
			vsmm_strerror(rc), vsmm_status_name(rc));
		cli_image_close(&img);
		return CLI_EXIT_ERR;
	}
	if (o.json)
		report_json(&img, &o, rc, &why, &out);
	else
		report_text(&img, &o, rc, &why);
	cli_image_close(&img);
	return cli_finish_stdout(rc == VSMM_OK ? CLI_EXIT_OK : CLI_EXIT_NO);
}
