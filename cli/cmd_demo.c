/* SPDX-License-Identifier: MIT */
/*
 * vsmm demo: the 30-second tour in one command.  A 64-bit vCPU state
 * (the sample shipped in examples/images/) takes an SMI; the demo shows
 * the image written to SMRAM, the SMM entry state, then RSMs and checks
 * that the vCPU got back exactly the state it had.
 */
#define _POSIX_C_SOURCE 200809L

#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef VSMM_DEMO_STATE
#define VSMM_DEMO_STATE "examples/images/long64.json"
#endif
#ifndef VSMM_DEMO_STATE_INSTALLED
#define VSMM_DEMO_STATE_INSTALLED VSMM_DEMO_STATE
#endif

const char cmd_demo_usage[] =
	"Usage: vsmm demo [STATE.json] [--model intel|amd]\n"
	"                 [--semantics kvm|hardware] [--layout ...]\n\n"
	"Show SMI delivery and RSM on a vCPU state, step by step: the state\n"
	"before the SMI, the non-zero fields of the image written to SMRAM, the\n"
	"SMM entry state, and the state RSM resumes with, compared with the\n"
	"state before.  Exit 0 if RSM restored it exactly, 1 if not.\n"
	"STATE.json defaults to the 64-bit sample shipped with vsmm\n"
	"(examples/images/long64.json in the source tree; share/vsmm/long64.json\n"
	"where vsmm is installed).\n\n"
	"Options:\n" CLI_HELP_MODEL CLI_HELP_SEMANTICS
	"  --layout auto|p6-32|amd64|intel64\n"
	"                      the map (default: the model's, as for smi)\n";

/* Non-zero fields only: a tour, not a dump (decode prints them all). */
static void print_nonzero_fields(const struct vsmm_layout_desc *d, const uint8_t *area)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct vsmm_field_desc *f = &d->fields[i];
		uint64_t v = vsmm_field_read(d, f, area);

		if (v)
			printf("  0x%04x %-20s 0x%0*llx\n", f->offset, f->name,
			       f->size * 2, (unsigned long long)v);
	}
}

/* The architectural registers RSM must give back (not the event flags,
 * which SMM itself changes). */
static int compare(const struct vsmm_cpu_state *a, const struct vsmm_cpu_state *b)
{
	json_object *ja = cli_state_to_json(a), *jb = cli_state_to_json(b);
	static const char *const events[] = {
		"smm",		"nmi_masked", "smm_inside_nmi", "smi_pending",
		"init_latched", "shutdown",   "nmi_pending",	"halted",
	};
	int differ = 0;

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		json_object_object_del(ja, events[i]);
		json_object_object_del(jb, events[i]);
	}
	json_object_object_foreach(ja, key, va)
	{
		json_object *vb = json_object_object_get(jb, key);

		if (!json_object_equal(va, vb)) {
			printf("  differs: %s %s -> %s\n", key,
			       json_object_to_json_string(va),
			       json_object_to_json_string(vb));
			differ = 1;
		}
	}
	json_object_put(ja);
	json_object_put(jb);
	return differ;
}

static int tour(const struct cli_opts *o, const struct vsmm_cpu_state *before)
{
	struct cli_smi r;
	int rc;

	memset(&r, 0, sizeof(r));
	printf("1. The vCPU before the SMI:\n");
	cli_print_state_brief(stdout, before);
	rc = cli_smi_deliver(&r, o, before);
	if (rc != VSMM_OK) {
		cli_err("demo: SMI delivery failed: %s", vsmm_strerror(rc));
		return CLI_EXIT_ERR;
	}
	printf("\n2. SMI (model %s, semantics %s): the %s image at physical "
	       "0x%llx, non-zero fields:\n",
	       vsmm_vendor_name(o->vendor), vsmm_semantics_name(o->semantics),
	       r.desc->name, (unsigned long long)r.mem.area_addr);
	print_nonzero_fields(r.desc, r.area);
	printf("\n3. The SMM entry state (the handler runs at CS base + 0x8000):\n");
	cli_print_state_brief(stdout, &r.vcpu.state);
	rc = vsmm_leave_smm(&r.vcpu);
	if (rc != VSMM_OK) {
		printf("\n4. RSM shut the vCPU down:\n");
		cli_print_shutdown(stdout, &r.vcpu.last_shutdown);
		return CLI_EXIT_NO;
	}
	printf("\n4. RSM: the vCPU resumed with\n");
	cli_print_state_brief(stdout, &r.vcpu.state);
	printf("\n5. Compared with the state before the SMI (every register):\n");
	if (compare(before, &r.vcpu.state))
		return CLI_EXIT_NO;
	printf("  every register is back as it was.\n\n"
	       "Next: vsmm decode, check and rsm on an image file; see vsmm --help.\n");
	return CLI_EXIT_OK;
}

int cmd_demo(int argc, char **argv)
{
	const unsigned allowed = CLI_OPT_MODEL | CLI_OPT_SEMANTICS | CLI_OPT_LAYOUT;
	struct cli_opts o;
	struct cli_state_doc doc;
	const char *path;
	int rc;

	rc = cli_opts_parse(cli_command_find("demo"), allowed, 0, 1, argc, argv, &o);
	if (rc)
		return rc > 0 ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_ERR;
	if (o.nargs)
		path = o.args[0];
	else if (access(VSMM_DEMO_STATE, R_OK) == 0)
		path = VSMM_DEMO_STATE;
	else
		path = VSMM_DEMO_STATE_INSTALLED;
	if (cli_state_doc_load(path, &doc))
		return CLI_EXIT_ERR;
	return cli_finish_stdout(tour(&o, &doc.state));
}
