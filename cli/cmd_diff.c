/* SPDX-License-Identifier: MIT */
/*
 * vsmm diff: two images field by field.  Images of the same layout are
 * compared on the layout's table, plus any bytes no field covers (so
 * "equal" means byte-identical); images of different layouts are compared
 * on the vCPU states they decode to.
 */
#include <string.h>

#include "cli.h"

const char cmd_diff_usage[] =
	"Usage: vsmm diff IMAGE1 IMAGE2 [--layout auto|p6-32|amd64|intel64] [--json]\n\n"
	"Compare two state-save images field by field: offset, field, and the\n"
	"two values.  Bytes outside every field are compared too.  Images of\n"
	"different layouts are compared on the decoded vCPU states.  Exit 0 if\n"
	"they are the same, 1 if they differ.\n\n"
	"IMAGE1 and IMAGE2 are files of exactly one area ('-' = stdin, for one\n"
	"of them).\n\n"
	"Options:\n" CLI_HELP_LAYOUT_AUTO
	"                      (--layout forces the layout of both images)\n" CLI_HELP_JSON;

struct diff_out {
	bool json;
	json_object *list;
	unsigned count;
};

static void add_field(struct diff_out *d, const struct vsmm_field_desc *f, uint64_t a,
		      uint64_t b)
{
	d->count++;
	if (d->json) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "field", json_object_new_string(f->name));
		json_object_object_add(e, "offset", cli_json_hex(f->offset));
		json_object_object_add(e, "size", cli_json_hex(f->size));
		json_object_object_add(e, "a", cli_json_hex(a));
		json_object_object_add(e, "b", cli_json_hex(b));
		json_object_array_add(d->list, e);
		return;
	}
	printf("  0x%04x %-22s 0x%0*llx -> 0x%0*llx\n", f->offset, f->name, f->size * 2,
	       (unsigned long long)a, f->size * 2, (unsigned long long)b);
}

/* A run [lo, hi) of differing bytes that no field covers. */
static void add_bytes(struct diff_out *d, uint32_t lo, uint32_t hi)
{
	d->count++;
	if (d->json) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "field", NULL);
		json_object_object_add(e, "offset", cli_json_hex(lo));
		json_object_object_add(e, "size", cli_json_hex(hi - lo));
		json_object_array_add(d->list, e);
		return;
	}
	printf("  0x%04x %-22s bytes 0x%04x-0x%04x differ\n", lo, "(outside any field)",
	       lo, hi - 1);
}

static void diff_same_layout(struct diff_out *d, const struct cli_image *a,
			     const struct cli_image *b)
{
	const struct vsmm_layout_desc *desc = a->desc;
	uint32_t first = 0x8000u - (uint32_t)a->len; /* 0x7E00 or 0x7C00 */
	bool covered[VSMM_IMAGE_MAX] = { false };
	size_t i = 0;

	for (size_t k = 0; k < desc->nfields; k++) {
		const struct vsmm_field_desc *f = &desc->fields[k];
		uint64_t va = vsmm_field_read(desc, f, a->area);
		uint64_t vb = vsmm_field_read(desc, f, b->area);

		for (unsigned n = 0; n < f->size; n++)
			if (f->offset + n >= first && f->offset + n < 0x8000u)
				covered[f->offset + n - first] = true;
		if (va != vb)
			add_field(d, f, va, vb);
	}
	while (i < a->len) {
		size_t j = i;

		while (j < a->len && !covered[j] && a->area[j] != b->area[j])
			j++;
		if (j > i)
			add_bytes(d, first + (uint32_t)i, first + (uint32_t)j);
		i = j + 1;
	}
}

/* Different layouts: compare the decoded states key by key. */
static void diff_states(struct diff_out *d, json_object *a, json_object *b,
			const char *prefix)
{
	char path[64];

	json_object_object_foreach(a, key, va)
	{
		json_object *vb = json_object_object_get(b, key);

		cli_join_path(path, sizeof(path), prefix, key);
		if (json_object_is_type(va, json_type_object)) {
			diff_states(d, va, vb, path);
			continue;
		}
		if (json_object_equal(va, vb))
			continue;
		d->count++;
		if (d->json) {
			json_object *e = json_object_new_object();

			json_object_object_add(e, "key", json_object_new_string(path));
			json_object_object_add(e, "a", json_object_get(va));
			json_object_object_add(e, "b", json_object_get(vb));
			json_object_array_add(d->list, e);
		} else {
			printf("  %-22s %s -> %s\n", path, json_object_to_json_string(va),
			       json_object_to_json_string(vb));
		}
	}
}

static int decode_state(const struct cli_image *img, json_object **out)
{
	struct vsmm_cpu_state s;
	struct vsmm_image_extras x;
	int rc = vsmm_image_decode(img->layout, img->area, img->len, &s, &x);

	if (rc != VSMM_OK) {
		cli_err("%s: cannot decode: %s", img->src.name, vsmm_strerror(rc));
		return -1;
	}
	*out = cli_state_to_json(&s);
	return 0;
}

static int run_diff(const struct cli_image *a, const struct cli_image *b, bool json)
{
	struct diff_out d = { json, json ? json_object_new_array() : NULL, 0 };
	bool same_layout = a->layout == b->layout;

	if (!json)
		printf("diff: %s (%s) vs %s (%s)%s\n", a->src.name, a->desc->name,
		       b->src.name, b->desc->name,
		       same_layout ? ""
				   : ": layouts differ, comparing the "
				     "decoded states");
	if (same_layout) {
		diff_same_layout(&d, a, b);
	} else {
		json_object *sa = NULL, *sb = NULL;

		if (decode_state(a, &sa) || decode_state(b, &sb)) {
			/* The first may have decoded before the second failed. */
			json_object_put(sa);
			json_object_put(d.list);
			return CLI_EXIT_ERR;
		}
		diff_states(&d, sa, sb, "state");
		json_object_put(sa);
		json_object_put(sb);
		if (!json && d.count == 0)
			printf("  (the decoded states are the same)\n");
		d.count++; /* different layouts are different images */
	}
	if (json) {
		json_object *j = json_object_new_object();
		json_object *l = json_object_new_array();

		json_object_array_add(l, json_object_new_string(a->desc->name));
		json_object_array_add(l, json_object_new_string(b->desc->name));
		json_object_object_add(j, "equal", json_object_new_boolean(d.count == 0));
		json_object_object_add(j, "layouts", l);
		json_object_object_add(j, "differences", d.list);
		cli_json_print(j);
		json_object_put(j);
	} else {
		printf(d.count ? "the images differ\n" : "the images are the same\n");
	}
	return d.count ? CLI_EXIT_NO : CLI_EXIT_OK;
}

int cmd_diff(int argc, char **argv)
{
	struct cli_opts o;
	struct cli_image a, b;
	int rc;

	rc = cli_opts_parse(cli_command_find("diff"), CLI_OPT_LAYOUT | CLI_OPT_JSON, 2, 2,
			    argc, argv, &o);
	if (rc)
		return rc > 0 ? cli_finish_stdout(CLI_EXIT_OK) : CLI_EXIT_ERR;
	if (strcmp(o.args[0], "-") == 0 && strcmp(o.args[1], "-") == 0) {
		cli_err("diff: only one of the images can be stdin");
		return CLI_EXIT_ERR;
	}
	memset(&b, 0, sizeof(b));
	b.src.fd = -1;
	if (cli_image_load(&a, o.args[0], &o) != 0 ||
	    cli_image_load(&b, o.args[1], &o) != 0)
		rc = CLI_EXIT_ERR;
	else
		rc = run_diff(&a, &b, o.json);
	cli_image_close(&a);
	cli_image_close(&b);
	return cli_finish_stdout(rc);
}
