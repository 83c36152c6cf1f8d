/* SPDX-License-Identifier: MIT */
/* vsmm smi: deliver an SMI to a vCPU in a JSON state; write the image. */
#include <string.h>

#include "cli.h"

const char cmd_smi_usage[] =
	"Usage: vsmm smi --state STATE.json -o IMAGE [--model intel|amd]\n"
	"                [--semantics kvm|hardware] [--layout ...]\n"
	"                [--smbase ADDR] [--json]\n\n"
	"Run SMI delivery (vsmm_enter_smm) on a vCPU in the state of STATE.json\n"
	"(docs/json.md; '-' = stdin; absent keys are zero), write the state-save\n"
	"area it saved to IMAGE (whole or not at all; '-' = stdout), and print\n"
	"the SMM entry state (to stderr when IMAGE is stdout).\n\n"
	"Options:\n"
	"  --state FILE        the vCPU state before the SMI\n"
	"  -o, --output IMAGE  where the image goes\n"
	"  --smbase ADDR       SMBASE of the vCPU (default: the state's smbase)\n" CLI_HELP_MODEL
		CLI_HELP_SEMANTICS "  --layout auto|p6-32|amd64|intel64\n"
	"                      the map to write.  auto (default) is the model's:\n"
	"                      amd64 under kvm; intel64 (Intel) or amd64 (AMD)\n"
	"                      under hardware.\n" CLI_HELP_JSON;

static void report(FILE *f, const struct cli_smi *r, const struct cli_opts *o)
{
	uint32_t rev = cli_area_revision(r->area, r->desc->area_size);

	if (o->json) {
		json_object *j = json_object_new_object();

		cli_context_to_json(j, r->desc, rev, o);
		json_object_object_add(j, "area_address", cli_json_hex(r->mem.area_addr));
		json_object_object_add(j, "state", cli_state_to_json(&r->vcpu.state));
		cli_json_fprint(f, j);
		json_object_put(j);
		return;
	}
	fprintf(f,
		"smi: wrote %u bytes (layout %s, revision 0x%08x, model %s, "
		"semantics %s)\n",
		r->desc->area_size, r->desc->name, rev, vsmm_vendor_name(o->vendor),
		vsmm_semantics_name(o->semantics));
	fprintf(f, "area at physical 0x%llx (SMBASE 0x%x + 0x%x)\n",
		(unsigned long long)r->mem.area_addr, r->vcpu.state.smbase,
		r->desc->area_offset);
	fprintf(f, "SMM entry state:\n");
	cli_print_state(f, &r->vcpu.state);
}

int cmd_smi(int argc, char **argv)
{
	const unsigned allowed = CLI_OPT_MODEL | CLI_OPT_SEMANTICS | CLI_OPT_LAYOUT |
				 CLI_OPT_JSON | CLI_OPT_OUTPUT | CLI_OPT_STATE |
				 CLI_OPT_SMBASE;
	struct cli_opts o;
	struct cli_state_doc doc;
	struct cli_smi r;
	int rc;

	rc = cli_opts_parse(cli_command_find("smi"), allowed, 0, 0, argc, argv, &o);
	if (rc)
		return rc > 0 ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_ERR;
	if (!o.state || !o.output) {
		cli_err("smi: %s is required; try 'vsmm smi --help'",
			!o.state ? "--state STATE.json" : "-o IMAGE");
		return CLI_EXIT_ERR;
	}
	if (cli_state_doc_load(o.state, &doc) != 0)
		return CLI_EXIT_ERR;
	if (o.has_smbase)
		doc.state.smbase = o.smbase;
	memset(&r, 0, sizeof(r));
	rc = cli_smi_deliver(&r, &o, &doc.state);
	if (rc != VSMM_OK) {
		cli_err("smi: SMI delivery failed: %s (%s)", vsmm_strerror(rc),
			vsmm_status_name(rc));
		return CLI_EXIT_ERR;
	}
	if (cli_write_file(o.output, r.area, r.desc->area_size) != 0)
		return CLI_EXIT_ERR;
	report(strcmp(o.output, "-") == 0 ? stderr : stdout, &r, &o);
	return cli_finish_stdout(CLI_EXIT_OK);
}
