/* SPDX-License-Identifier: MIT */
/*
 * Finding the state-save area: a file that is exactly one area, or the
 * area inside a physical-memory dump; and choosing its layout.
 */
#include <string.h>

#include "cli.h"

/* Streams are read whole (they cannot seek); a dump piped through stdin
 * may be this big, a larger one must be given as a file. */
#define CLI_STREAM_LIMIT (256ull << 20)

/* The revision id sits at 0x7EFC in every layout; every area ends at
 * 0x7FFF, so it is 0x104 bytes before the end whatever the area's size. */
uint32_t cli_area_revision(const uint8_t *area, size_t len)
{
	const uint8_t *p = area + len - 0x104;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Under --layout auto: the library decides from the revision id. */
static int choose_layout(struct cli_image *img, const char *name)
{
	uint32_t rev = 0;
	enum vsmm_layout l;
	int rc = vsmm_layout_detect(img->area, img->len, &l, &rev);

	if (rc != VSMM_OK) {
		cli_err("%s: unknown save-state revision 0x%08x (known: low 16 "
			"bits 0x0000 = p6-32, 0x0064 = amd64, 0x0100/0x0101 = "
			"intel64); use --layout",
			name, rev);
		return -1;
	}
	img->layout = l;
	img->desc = vsmm_layout_get(l);
	img->auto_chosen = true;
	if (!img->desc || img->desc->area_size != img->len) {
		cli_err("%s: revision 0x%08x selects layout %s, whose area is "
			"%u bytes, but the image has %zu; use --layout",
			name, rev, cli_layout_name(l),
			img->desc ? img->desc->area_size : 0, img->len);
		return -1;
	}
	return 0;
}

static int load_file(struct cli_image *img, const char *path, const struct cli_opts *o)
{
	const struct vsmm_layout_desc *forced = vsmm_layout_get(o->layout);

	if (cli_input_open(&img->src, path, VSMM_IMAGE_MAX) != 0)
		return -1;
	if (img->src.size != 512 && img->src.size != 1024) {
		cli_err("%s: an image is exactly one state-save area (512 bytes, "
			"or 1024 for intel64), this file has %llu bytes; for a "
			"memory dump use --dump-base and --smbase",
			img->src.name, (unsigned long long)img->src.size);
		return -1;
	}
	if (forced && forced->area_size != img->src.size) {
		cli_err("%s: layout %s needs %u bytes, the file has %llu", img->src.name,
			forced->name, forced->area_size,
			(unsigned long long)img->src.size);
		return -1;
	}
	img->len = (size_t)img->src.size;
	if (cli_input_read(&img->src, 0, img->area, img->len) != 0) {
		cli_err("%s: read error", img->src.name);
		return -1;
	}
	img->revision = cli_area_revision(img->area, img->len);
	if (!forced)
		return choose_layout(img, img->src.name);
	img->layout = o->layout;
	img->desc = forced;
	return 0;
}

/* Read the area of a layout of len bytes out of the dump. */
static int dump_area(struct cli_image *img, uint32_t smbase, uint32_t offset, size_t len)
{
	uint64_t addr = (uint64_t)smbase + offset;
	uint64_t end = img->dump_base + img->src.size;

	if (addr < img->dump_base || addr + len > end || end < img->dump_base) {
		cli_err("%s: the state-save area 0x%llx-0x%llx (SMBASE 0x%x + "
			"0x%x) lies outside the dump 0x%llx-0x%llx",
			img->src.name, (unsigned long long)addr,
			(unsigned long long)(addr + len - 1), smbase, offset,
			(unsigned long long)img->dump_base,
			(unsigned long long)(end - (img->src.size ? 1 : 0)));
		return -1;
	}
	if (cli_input_read(&img->src, addr - img->dump_base, img->area, len)) {
		cli_err("%s: read error", img->src.name);
		return -1;
	}
	img->len = len;
	img->area_addr = addr;
	img->revision = cli_area_revision(img->area, len);
	return 0;
}

static int load_dump(struct cli_image *img, const char *path, const struct cli_opts *o)
{
	const struct vsmm_layout_desc *forced = vsmm_layout_get(o->layout);

	if (cli_input_open(&img->src, path, CLI_STREAM_LIMIT) != 0)
		return -1;
	img->from_dump = true;
	img->dump_base = o->dump_base;
	if (forced) {
		img->layout = o->layout;
		img->desc = forced;
		return dump_area(img, o->smbase, forced->area_offset, forced->area_size);
	}
	/* Auto: the revision id is at SMBASE+0xFEFC whatever the layout, so
	 * look at the 512-byte window first and widen it if the revision
	 * names a 1024-byte layout. */
	if (dump_area(img, o->smbase, 0xFE00, 512) != 0)
		return -1;
	{
		enum vsmm_layout l;
		const struct vsmm_layout_desc *d;

		if (vsmm_layout_detect(img->area, 512, &l, NULL) == VSMM_OK &&
		    (d = vsmm_layout_get(l)) && d->area_size != 512 &&
		    dump_area(img, o->smbase, d->area_offset, d->area_size))
			return -1;
	}
	return choose_layout(img, img->src.name);
}

int cli_image_load(struct cli_image *img, const char *path, const struct cli_opts *o)
{
	int rc;

	memset(img, 0, sizeof(*img));
	img->src.fd = -1;
	rc = o->has_dump_base ? load_dump(img, path, o) : load_file(img, path, o);
	/* A failed load leaves nothing open for the caller to close. */
	if (rc != 0)
		cli_image_close(img);
	return rc;
}

void cli_image_close(struct cli_image *img)
{
	cli_input_close(&img->src);
}

uint32_t cli_image_smbase(const struct cli_image *img, const struct cli_opts *o)
{
	struct vsmm_cpu_state s;
	struct vsmm_image_extras x;

	if (o->has_smbase)
		return o->smbase;
	if (vsmm_image_decode(img->layout, img->area, img->len, &s, &x) != VSMM_OK)
		return VSMM_DEFAULT_SMBASE;
	return s.smbase;
}
