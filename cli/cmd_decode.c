/* SPDX-License-Identifier: MIT */
/* vsmm decode: every field of an image, and the vCPU state it carries. */
#include <string.h>

#include "cli.h"

const char cmd_decode_usage[] =
	"Usage: vsmm decode IMAGE [--layout auto|p6-32|amd64|intel64] [--json]\n"
	"                   [--dump-base ADDR --smbase ADDR]\n\n"
	"Print every field of the state-save image with its offset (as the\n"
	"manuals write it, from SMBASE+0x8000), size and value, then the vCPU\n"
	"state the image holds.\n\n" CLI_HELP_IMAGE
	"\nOptions:\n" CLI_HELP_LAYOUT_AUTO CLI_HELP_DUMP CLI_HELP_JSON;

static void print_header(const struct cli_image *img)
{
	printf("layout:   %s (%s)\n", img->desc->name,
	       img->auto_chosen ? "chosen from the revision id" : "chosen with --layout");
	printf("title:    %s\n", img->desc->title);
	printf("revision: 0x%08x\n", img->revision);
	printf("area:     %zu bytes at SMBASE+0x%x", img->len, img->desc->area_offset);
	if (img->from_dump)
		printf(", physical 0x%llx in the dump",
		       (unsigned long long)img->area_addr);
	putchar('\n');
}

/* "VSMM" little-endian: the intel64 map's marker for vsmm's extension
 * records (the vsmm_signature row of `vsmm layouts intel64`). */
#define VSMM_EXT_SIGNATURE 0x4d4d5356u

/* An Intel map from real hardware has no vsmm records: say that its
 * hidden segment caches and table limits are unknown, not zero. */
static void note_extension(const struct cli_image *img)
{
	for (size_t i = 0; i < img->desc->nfields; i++) {
		const struct vsmm_field_desc *f = &img->desc->fields[i];

		if (strcmp(f->name, "vsmm_signature") != 0)
			continue;
		if (vsmm_field_read(img->desc, f, img->area) != VSMM_EXT_SIGNATURE)
			printf("note:     no vsmm extension records, as in an image "
			       "from a processor: the segment caches\n"
			       "          and the GDTR/IDTR limits are not in this "
			       "map and decode as 0\n");
		return;
	}
}

static int decode_json(const struct cli_image *img, const struct vsmm_cpu_state *s,
		       const struct vsmm_image_extras *x)
{
	json_object *o = json_object_new_object();
	json_object *extras = cli_extras_to_json(img->desc, x);

	json_object_object_add(o, "layout", json_object_new_string(img->desc->name));
	json_object_object_add(o, "revision", cli_json_hex(img->revision));
	json_object_object_add(o, "state", cli_state_to_json(s));
	json_object_object_foreach(extras, key, val)
		json_object_object_add(o, key, json_object_get(val));
	json_object_put(extras);
	cli_json_print(o);
	json_object_put(o);
	return CLI_EXIT_OK;
}

int cmd_decode(int argc, char **argv)
{
	const unsigned allowed = CLI_OPT_LAYOUT | CLI_OPT_JSON | CLI_OPT_DUMP |
				 CLI_OPT_SMBASE;
	struct cli_opts o;
	struct cli_image img;
	struct vsmm_cpu_state s;
	struct vsmm_image_extras x;
	int rc;

	rc = cli_opts_parse(cli_command_find("decode"), allowed, 1, 1, argc, argv, &o);
	if (rc)
		return rc > 0 ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_ERR;
	if (cli_image_load(&img, o.args[0], &o) != 0)
		return CLI_EXIT_ERR;
	rc = vsmm_image_decode(img.layout, img.area, img.len, &s, &x);
	if (rc != VSMM_OK) {
		cli_err("%s: cannot decode as %s: %s", img.src.name, img.desc->name,
			vsmm_strerror(rc));
		cli_image_close(&img);
		return CLI_EXIT_ERR;
	}
	if (o.json) {
		rc = decode_json(&img, &s, &x);
	} else {
		print_header(&img);
		note_extension(&img);
		printf("\nfields:\n");
		cli_print_fields(stdout, img.desc, img.area);
		printf("\nstate:\n");
		cli_print_state(stdout, &s);
		rc = CLI_EXIT_OK;
	}
	cli_image_close(&img);
	return cli_finish_stdout(rc);
}
