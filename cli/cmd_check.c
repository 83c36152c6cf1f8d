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
	"pointer entries.  An intel64 image without vsmm's records (from a\n"
	"processor or another tool) has no hidden segment state: RSM reads it\n"
	"from the descriptor tables, which only a dump can hold; without one\n"
	"the verdict is 'undecided' (exit 1, as RSM is not known to resume).\n\n" CLI_HELP_IMAGE
	"\nOptions:\n" CLI_HELP_RSM;

static const char *verdict(int rc)
{
	return rc == VSMM_OK		? "resume"
	       : rc == VSMM_E_NO_MEMORY ? "undecided"
					: "shutdown";
}

static void report_json(const struct cli_image *img, const struct cli_opts *o, int rc,
			const struct vsmm_shutdown *why, const struct vsmm_cpu_state *out,
			const char *hidden)
{
	json_object *j = json_object_new_object();

	json_object_object_add(j, "result", json_object_new_string(verdict(rc)));
	cli_context_to_json(j, img->desc, img->revision, o);
	if (hidden)
		json_object_object_add(j, "hidden_state", json_object_new_string(hidden));
	if (rc == VSMM_OK)
		json_object_object_add(j, "state", cli_state_to_json(out));
	else if (rc == VSMM_E_SHUTDOWN)
		cli_shutdown_to_json(j, why);
	cli_json_print(j);
	json_object_put(j);
}

static void report_text(const struct cli_image *img, const struct cli_opts *o, int rc,
			const struct vsmm_shutdown *why, const char *hidden)
{
	if (rc == VSMM_E_NO_MEMORY)
		printf("check: undecided (");
	else
		printf("check: RSM would %s (", rc == VSMM_OK ? "resume" : "shut down");
	cli_print_context(stdout, img, o);
	printf(")\n");
	if (hidden)
		printf("hidden segment state: %s%s\n", hidden,
		       rc == VSMM_E_NO_MEMORY
			       ? " (an intel64 image without vsmm's records; RSM reads "
				 "the descriptor tables from guest memory: give it with "
				 "--dump-base and --smbase)"
			       : "");
	if (rc == VSMM_E_SHUTDOWN)
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

	rc = cli_opts_parse(cli_command_find("check"), CLI_OPTS_RSM, 1, 1, argc, argv,
			    &o);
	if (rc)
		return rc > 0 ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_ERR;
	if (cli_rsm_open(&r, &img, o.args[0], &o) != 0)
		return CLI_EXIT_ERR;
	const char *hidden = cli_hidden_state(&r, &img);
	/* No dump: no memory to read descriptors from (memory outside the
	 * image reads as zero, which is no GDT). */
	if (hidden && !img.from_dump)
		r.vcpu.ops = NULL;
	rc = vsmm_rsm_check(&r.vcpu, img.area, img.len, &why, &out);
	if (rc != VSMM_OK && rc != VSMM_E_SHUTDOWN && rc != VSMM_E_NO_MEMORY) {
		cli_err("%s: check failed: %s (%s)", img.src.name, vsmm_strerror(rc),
			vsmm_status_name(rc));
		cli_image_close(&img);
		return CLI_EXIT_ERR;
	}
	if (o.json)
		report_json(&img, &o, rc, &why, &out, hidden);
	else
		report_text(&img, &o, rc, &why, hidden);
	cli_image_close(&img);
	return cli_finish_stdout(rc == VSMM_OK ? CLI_EXIT_OK : CLI_EXIT_NO);
}
