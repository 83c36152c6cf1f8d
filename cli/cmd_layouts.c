/* SPDX-License-Identifier: MIT */
/* vsmm layouts: the save-state maps vsmm knows, from the library's tables. */
#include "cli.h"

const char cmd_layouts_usage[] =
	"Usage: vsmm layouts [NAME] [--json]\n\n"
	"List the save-state layouts (p6-32, amd64, intel64) with their revision\n"
	"id, area and field table: offset (from SMBASE+0x8000, as the manuals\n"
	"write it), size, name and description.  NAME shows one layout.\n\n"
	"Options:\n" CLI_HELP_JSON;

static json_object *layout_json(const struct vsmm_layout_desc *d)
{
	json_object *o = json_object_new_object();
	json_object *fields = json_object_new_array();

	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "title", json_object_new_string(d->title));
	json_object_object_add(o, "revision", cli_json_hex(d->revision));
	json_object_object_add(o, "area_offset", cli_json_hex(d->area_offset));
	json_object_object_add(o, "area_size", cli_json_hex(d->area_size));
	for (size_t i = 0; i < d->nfields; i++) {
		const struct vsmm_field_desc *f = &d->fields[i];
		json_object *e = json_object_new_object();

		json_object_object_add(e, "name", json_object_new_string(f->name));
		json_object_object_add(e, "offset", cli_json_hex(f->offset));
		json_object_object_add(e, "size", cli_json_hex(f->size));
		json_object_object_add(
			e, "extension",
			json_object_new_boolean(f->flags & VSMM_FIELD_VSMM_EXT));
		json_object_object_add(
			e, "reserved",
			json_object_new_boolean(f->flags & VSMM_FIELD_RESERVED));
		json_object_object_add(e, "text",
				       json_object_new_string(f->text ? f->text : ""));
		json_object_array_add(fields, e);
	}
	json_object_object_add(o, "fields", fields);
	return o;
}

static void layout_text(const struct vsmm_layout_desc *d)
{
	printf("%s: %s\n", d->name, d->title);
	printf("  revision 0x%08x, %u bytes at SMBASE+0x%x, %zu fields\n", d->revision,
	       d->area_size, d->area_offset, d->nfields);
	printf("  %-6s %4s  %-22s %s\n", "offset", "size", "field", "description");
	for (size_t i = 0; i < d->nfields; i++) {
		const struct vsmm_field_desc *f = &d->fields[i];

		printf("  0x%04x %4u  %-22s %s%s%s\n", f->offset, f->size, f->name,
		       f->text ? f->text : "",
		       f->flags & VSMM_FIELD_VSMM_EXT ? " [extension]" : "",
		       f->flags & VSMM_FIELD_RESERVED ? " [reserved]" : "");
	}
}

int cmd_layouts(int argc, char **argv)
{
	struct cli_opts o;
	enum vsmm_layout only = VSMM_LAYOUT_AUTO;
	json_object *list;
	int rc;

	rc = cli_opts_parse(cli_command_find("layouts"), CLI_OPT_JSON, 0, 1, argc, argv,
			    &o);
	if (rc)
		return rc > 0 ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_ERR;
	if (o.nargs && (vsmm_layout_from_name(o.args[0], &only) != VSMM_OK ||
			!vsmm_layout_get(only))) {
		cli_err("layouts: unknown layout '%s' (p6-32, amd64, intel64)",
			o.args[0]);
		return CLI_EXIT_ERR;
	}
	list = json_object_new_array();
	for (int l = VSMM_LAYOUT_AUTO + 1; l < VSMM_LAYOUT_COUNT; l++) {
		const struct vsmm_layout_desc *d = vsmm_layout_get((enum vsmm_layout)l);

		if (!d || (only != VSMM_LAYOUT_AUTO && (int)only != l))
			continue;
		if (o.json) {
			json_object_array_add(list, layout_json(d));
		} else {
			layout_text(d);
			if (only == VSMM_LAYOUT_AUTO && l + 1 < VSMM_LAYOUT_COUNT)
				putchar('\n');
		}
	}
	if (o.json)
		cli_json_print(list);
	json_object_put(list);
	return cli_finish_stdout(CLI_EXIT_OK);
}
