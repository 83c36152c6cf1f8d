/* SPDX-License-Identifier: MIT */
/* vsmm encode: the image of a JSON state, written as is (no SMI). */
#include "cli.h"

const char cmd_encode_usage[] =
	"Usage: vsmm encode STATE.json -o IMAGE [--layout auto|p6-32|amd64|intel64]\n\n"
	"Write the state-save image that holds the state of STATE.json ('-' =\n"
	"stdin), without SMI delivery and without checks: useful to build test\n"
	"images, including broken ones.  STATE.json is a state object, or a\n"
	"document as 'vsmm decode --json' prints it (then its layout-specific\n"
	"fields and revision are written too, and decode | encode gives back\n"
	"the same image).  What the layout cannot hold is dropped.\n\n"
	"Options:\n"
	"  -o, --output IMAGE  where the image goes (whole or not at all;\n"
	"                      '-' = stdout)\n"
	"  --layout auto|p6-32|amd64|intel64\n"
	"                      the map.  auto (default): the document's \"layout\"\n"
	"                      if it has one, else amd64 (the map KVM writes for\n"
	"                      a long-mode vCPU).\n";

/* The document's extras, with the layout's default revision if it gave
 * none (found by encoding once without extras, so the default lives only
 * in the library). */
static int encode(enum vsmm_layout layout, struct cli_state_doc *d, uint8_t *area,
		  size_t len)
{
	int rc = vsmm_image_encode(layout, &d->state, NULL, area, len);

	if (rc != VSMM_OK || !d->has_extras)
		return rc;
	if (!d->has_revision)
		d->extras.revision = cli_area_revision(area, len);
	return vsmm_image_encode(layout, &d->state, &d->extras, area, len);
}

int cmd_encode(int argc, char **argv)
{
	const unsigned allowed = CLI_OPT_LAYOUT | CLI_OPT_OUTPUT;
	struct cli_opts o;
	struct cli_state_doc doc;
	enum vsmm_layout layout;
	const struct vsmm_layout_desc *desc;
	uint8_t area[VSMM_IMAGE_MAX] = { 0 };
	int rc;

	rc = cli_opts_parse(cli_command_find("encode"), allowed, 1, 1, argc, argv, &o);
	if (rc)
		return rc > 0 ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_ERR;
	if (!o.output) {
		cli_err("encode: -o IMAGE is required; try 'vsmm encode --help'");
		return CLI_EXIT_ERR;
	}
	if (cli_state_doc_load(o.args[0], &doc) != 0)
		return CLI_EXIT_ERR;
	layout = o.layout != VSMM_LAYOUT_AUTO	  ? o.layout
		 : doc.layout != VSMM_LAYOUT_AUTO ? doc.layout
						  : VSMM_LAYOUT_AMD64;
	desc = vsmm_layout_get(layout);
	if (!desc) {
		cli_err("encode: no such layout");
		return CLI_EXIT_ERR;
	}
	rc = encode(layout, &doc, area, desc->area_size);
	if (rc != VSMM_OK) {
		cli_err("encode: %s: %s (%s)", desc->name, vsmm_strerror(rc),
			vsmm_status_name(rc));
		return CLI_EXIT_ERR;
	}
	if (cli_write_file(o.output, area, desc->area_size) != 0)
		return CLI_EXIT_ERR;
	return CLI_EXIT_OK;
}
