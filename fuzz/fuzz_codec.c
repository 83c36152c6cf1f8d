/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target 2: the save-state codec and the RSM check on arbitrary bytes.
 *
 * Input: byte 0 selects the layout (bits 0-1: p6-32, amd64, intel64, or
 * auto-detection from the revision id) and the vCPU that checks it (bit 2
 * vendor, bit 3 semantics); byte 1 a length for the odd-size probes; the
 * rest is the area (zero-padded to the layout's size), and whatever lies
 * beyond the area also seeds an arbitrary vsmm_cpu_state to encode.
 *
 * Invariants:
 *  - The layout tables are sane: every field inside the area, sizes of
 *    1/2/4/8 bytes, no two fields overlapping, names that round-trip.
 *  - decode accepts any area of the right size; decode -> encode ->
 *    decode is a fixed point (state and extras), and encode -> decode ->
 *    encode gives back the same bytes; reserved fields encode as zero.
 *  - Wrong sizes are refused without touching the output (exact-size heap
 *    buffers let a sanitizer see any access past them); detection reads
 *    the revision id where the layout says and nowhere else.
 *  - rsm_check of the raw bytes and of their re-encoding agree, and
 *    answer only OK or SHUTDOWN with a reason.
 *  - An arbitrary state encodes to an image that is itself a fixed point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static const enum vsmm_layout layouts[3] = {
	VSMM_LAYOUT_P6_32,
	VSMM_LAYOUT_AMD64,
	VSMM_LAYOUT_INTEL64,
};

static void check_tables(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	FZ_CHECK(vsmm_layout_get(VSMM_LAYOUT_AUTO) == NULL &&
			 vsmm_layout_get(VSMM_LAYOUT_COUNT) == NULL,
		 "AUTO/COUNT have a layout description");
	for (unsigned l = 0; l < 3; l++) {
		const struct vsmm_layout_desc *d = vsmm_layout_get(layouts[l]);
		enum vsmm_layout back;

		FZ_CHECK(d && d->layout == layouts[l], "layout %u missing", l);
		FZ_CHECK((d->area_size == 512 || d->area_size == 1024) &&
				 d->area_offset + d->area_size == 0x10000 &&
				 d->area_size <= VSMM_IMAGE_MAX,
			 "%s: area %#x+%#x", d->name, d->area_offset, d->area_size);
		FZ_CHECK(vsmm_layout_from_name(d->name, &back) == VSMM_OK &&
				 back == d->layout,
			 "%s: name does not round-trip", d->name);
		for (size_t i = 0; i < d->nfields; i++) {
			const struct vsmm_field_desc *f = &d->fields[i];
			unsigned lo = f->offset, hi = f->offset + f->size;

			FZ_CHECK(f->name && f->text, "%s: field %zu unnamed", d->name, i);
			FZ_CHECK(f->size == 1 || f->size == 2 || f->size == 4 ||
					 f->size == 8 || (f->flags & VSMM_FIELD_RESERVED),
				 "%s.%s: size %u", d->name, f->name, f->size);
			FZ_CHECK(lo >= 0x8000 - d->area_size && hi <= 0x8000,
				 "%s.%s at %#x+%u lies outside the area", d->name,
				 f->name, f->offset, f->size);
			for (size_t j = 0; j < i; j++) {
				const struct vsmm_field_desc *g = &d->fields[j];

				FZ_CHECK(hi <= g->offset || g->offset + g->size <= lo,
					 "%s: %s and %s overlap", d->name, f->name,
					 g->name);
			}
		}
	}
}

static const char *extras_diff(const struct vsmm_image_extras *a,
			       const struct vsmm_image_extras *b)
{
	/* Every member, from the table the struct is generated from. */
#define EXTRA_DIFF(type, member, tag, text) \
	if (a->member != b->member) \
		return #member;
	VSMM_IMAGE_EXTRAS_MAP(EXTRA_DIFF)
#undef EXTRA_DIFF
	return NULL;
}

/* decode(img) must already be a fixed point of encode/decode. */
static void check_fixed_point(const struct vsmm_layout_desc *d, const uint8_t *img)
{
	static struct vsmm_cpu_state s1, s2;
	static struct vsmm_image_extras x1, x2;
	uint8_t *e1 = malloc(d->area_size), *e2 = malloc(d->area_size);
	const char *diff;

	FZ_CHECK(e1 && e2, "out of memory");
	FZ_CHECK(vsmm_image_decode(d->layout, img, d->area_size, &s1, &x1) == VSMM_OK,
		 "%s: decode refused an area of the right size", d->name);
	FZ_CHECK(vsmm_image_encode(d->layout, &s1, &x1, e1, d->area_size) == VSMM_OK,
		 "%s: encode refused what decode produced", d->name);
	FZ_CHECK(vsmm_image_decode(d->layout, e1, d->area_size, &s2, &x2) == VSMM_OK,
		 "%s: decode refused what encode produced", d->name);
	diff = fz_state_diff(&s1, &s2, FZ_CMP_ALL);
	FZ_CHECK(diff == NULL, "%s: decode/encode/decode not a fixed point: %s", d->name,
		 diff);
	diff = extras_diff(&x1, &x2);
	FZ_CHECK(diff == NULL, "%s: extras field %s not a fixed point", d->name, diff);
	FZ_CHECK(vsmm_image_encode(d->layout, &s2, &x2, e2, d->area_size) == VSMM_OK &&
			 memcmp(e1, e2, d->area_size) == 0,
		 "%s: encode/decode/encode changes bytes", d->name);
	for (size_t i = 0; i < d->nfields; i++)
		if ((d->fields[i].flags & VSMM_FIELD_RESERVED) && d->fields[i].size <= 8)
			FZ_CHECK(vsmm_field_read(d, &d->fields[i], e1) == 0,
				 "%s: reserved field %s encoded non-zero", d->name,
				 d->fields[i].name);
	free(e1);
	free(e2);
}

/* Sizes other than area_size: refused, output untouched, no overrun. */
static void check_sizes(const struct vsmm_layout_desc *d, const uint8_t *img, size_t len)
{
	static struct vsmm_cpu_state st;
	static struct vsmm_image_extras x;
	uint8_t *buf;
	enum vsmm_layout found;
	uint32_t rev;
	int rc;

	if (len == d->area_size)
		len--;
	buf = malloc(len ? len : 1);
	FZ_CHECK(buf != NULL, "out of memory");
	memcpy(buf, img, len < d->area_size ? len : d->area_size);
	FZ_CHECK(vsmm_image_decode(d->layout, buf, len, &st, &x) != VSMM_OK,
		 "%s: decode accepted %zu bytes", d->name, len);
	memset(buf, 0xcc, len);
	vsmm_cpu_state_reset(&st);
	FZ_CHECK(vsmm_image_encode(d->layout, &st, NULL, buf, len) != VSMM_OK,
		 "%s: encode accepted %zu bytes", d->name, len);
	for (size_t i = 0; i < len; i++)
		FZ_CHECK(buf[i] == 0xcc, "%s: refused encode wrote byte %zu", d->name, i);
	memcpy(buf, img, len < d->area_size ? len : d->area_size);
	rc = vsmm_layout_detect(buf, len, &found, &rev);
	FZ_CHECK(fz_status_known(rc), "detect returned %d", rc);
	free(buf);
}

static void check_detect(const uint8_t *img, size_t len)
{
	enum vsmm_layout found;
	uint32_t rev = 0, at = 0;
	size_t idx = 0x7efc - (0x8000 - len);
	int rc = vsmm_layout_detect(img, len, &found, &rev);

	for (unsigned b = 0; b < 4; b++)
		at |= (uint32_t)img[idx + b] << (8 * b);
	if (rc != VSMM_OK) {
		FZ_CHECK(rc == VSMM_E_LAYOUT || rc == VSMM_E_BUFSIZE,
			 "detect failed with %s", vsmm_status_name(rc));
		return;
	}
	FZ_CHECK(rev == at, "detect reports revision %#x, the area holds %#x", rev, at);
	/* The revision names the map, whatever the buffer holds: the top
	 * 512 bytes of an Intel 64 area name INTEL64 (the caller then needs
	 * all 1024).  Intel's level 0x0101 is the map's variant. */
	FZ_CHECK(vsmm_layout_get(found) &&
			 ((vsmm_layout_get(found)->revision ^ at) & 0xfffe) == 0,
		 "detect chose %d for revision %#x in %zu bytes", (int)found, at, len);
}

/* decode -> encode writes vsmm's records into an intel64 area; an area
 * without them (a processor's) takes its hidden state from the descriptor
 * tables instead (src/hidden.c), so the re-encoding keeps the raw area's
 * signature word to stay the same kind of image. */
static void fz_keep_records(const struct vsmm_layout_desc *d, const uint8_t *raw,
			    uint8_t *canon)
{
	const struct vsmm_field_desc *sig = vsmm_layout_field(d, "vsmm_signature");

	if (sig)
		(void)vsmm_field_write(d, sig, canon, vsmm_field_read(d, sig, raw));
}

/* rsm_check answers OK/SHUTDOWN and means the same on raw and canonical. */
static void check_rsm(const struct vsmm_layout_desc *d, const uint8_t *img, uint8_t sel)
{
	static struct fz_mem mem;
	static struct vsmm_model model;
	static struct vsmm_vcpu vcpu;
	static struct vsmm_cpu_state st, out1, out2;
	static struct vsmm_image_extras x;
	struct vsmm_shutdown w1, w2;
	uint8_t *canon = malloc(d->area_size);
	int r1, r2;

	FZ_CHECK(canon != NULL, "out of memory");
	fz_mem_reset(&mem);
	FZ_CHECK(vsmm_model_preset(&model,
				   (sel & 4) ? VSMM_VENDOR_AMD : VSMM_VENDOR_INTEL,
				   d->layout != VSMM_LAYOUT_P6_32) == VSMM_OK,
		 "preset refused");
	model.layout = d->layout;
	FZ_CHECK(vsmm_vcpu_init(&vcpu, &model, &fz_platform_ops, &mem) == VSMM_OK &&
			 vsmm_vcpu_set_semantics(
				 &vcpu, (sel & 8) ? VSMM_SEMANTICS_HARDWARE
						  : VSMM_SEMANTICS_KVM) == VSMM_OK,
		 "vcpu_init refused");
	if (vsmm_enter_smm(&vcpu) != VSMM_OK)
		goto out; /* e.g. a layout the model cannot use */
	r1 = vsmm_rsm_check(&vcpu, img, d->area_size, &w1, &out1);
	FZ_CHECK(r1 == VSMM_OK || r1 == VSMM_E_SHUTDOWN, "%s: rsm_check returned %s",
		 d->name, vsmm_status_name(r1));
	FZ_CHECK(vsmm_image_decode(d->layout, img, d->area_size, &st, &x) == VSMM_OK &&
			 vsmm_image_encode(d->layout, &st, &x, canon, d->area_size) ==
				 VSMM_OK,
		 "%s: decode/encode refused", d->name);
	fz_keep_records(d, img, canon);
	r2 = vsmm_rsm_check(&vcpu, canon, d->area_size, &w2, &out2);
	FZ_CHECK(r1 == r2, "%s: raw %s, re-encoded %s", d->name, vsmm_status_name(r1),
		 vsmm_status_name(r2));
	if (r1 == VSMM_OK) {
		const char *diff = fz_state_diff(&out1, &out2, FZ_CMP_ALL);

		FZ_CHECK(diff == NULL, "%s: raw and re-encoded resume differently: %s",
			 d->name, diff);
		FZ_CHECK(fz_oracle_resumed(&model, &out1, &mem) == NULL,
			 "%s: rsm_check accepts a state the oracle refuses: %s", d->name,
			 fz_oracle_resumed(&model, &out1, &mem));
	} else {
		FZ_CHECK(w1.reason > VSMM_REASON_NONE && w1.reason < VSMM_REASON_COUNT &&
				 w1.reason == w2.reason && w1.offset == w2.offset,
			 "%s: raw %s@%#x, re-encoded %s@%#x", d->name,
			 vsmm_reason_name(w1.reason), w1.offset,
			 vsmm_reason_name(w2.reason), w2.offset);
	}
out:
	free(canon);
}

/* Any state, however odd, encodes to a fixed-point image. */
static void check_any_state(const struct vsmm_layout_desc *d, struct fz_input *in)
{
	static struct vsmm_cpu_state s;
	uint8_t *img = malloc(d->area_size);

	FZ_CHECK(img != NULL, "out of memory");
	for (unsigned i = 0; i < VSMM_GPR_COUNT; i++)
		s.gpr[i] = fz_u64(in);
	s.rip = fz_u64(in);
	s.rflags = fz_u64(in);
	s.cr0 = fz_u64(in);
	s.cr2 = fz_u64(in);
	s.cr3 = fz_u64(in);
	s.cr4 = fz_u64(in);
	s.efer = fz_u64(in);
	s.dr6 = fz_u64(in);
	s.dr7 = fz_u64(in);
	for (unsigned r = 0; r < VSMM_SREG_COUNT; r++) {
		s.seg[r].selector = fz_u16(in);
		s.seg[r].attr = fz_u16(in);
		s.seg[r].limit = fz_u32(in);
		s.seg[r].base = fz_u64(in);
	}
	s.gdtr = (struct vsmm_dtable){ .base = fz_u64(in), .limit = fz_u32(in) };
	s.idtr = (struct vsmm_dtable){ .base = fz_u64(in), .limit = fz_u32(in) };
	s.smbase = fz_u32(in);
	s.int_shadow = fz_u8(in);
	s.guest_mode = fz_u8(in) & 1;
	s.svm_vmcb12 = fz_u64(in);
	FZ_CHECK(vsmm_image_encode(d->layout, &s, NULL, img, d->area_size) == VSMM_OK,
		 "%s: encode refused a state", d->name);
	check_fixed_point(d, img);
	free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in = { data, size };
	uint8_t sel = fz_u8(&in), odd = fz_u8(&in);
	const struct vsmm_layout_desc *d;
	uint8_t *img;
	size_t n;

	check_tables();
	d = vsmm_layout_get(layouts[(sel & 3) % 3]);
	FZ_CHECK(d != NULL, "no layout");
	img = calloc(1, d->area_size);
	FZ_CHECK(img != NULL, "out of memory");
	n = in.n < d->area_size ? in.n : d->area_size;
	memcpy(img, in.p, n);
	in.p += n;
	in.n -= n;
	if ((sel & 3) == 3) {
		/* Auto: whichever layout the revision id names. */
		enum vsmm_layout found;

		check_detect(img, d->area_size);
		if (vsmm_layout_detect(img, d->area_size, &found, NULL) == VSMM_OK &&
		    vsmm_layout_get(found)->area_size == d->area_size)
			d = vsmm_layout_get(found);
	}
	snprintf(fz_context, sizeof(fz_context), "codec layout=%s sel=%#x", d->name, sel);
	check_fixed_point(d, img);
	check_sizes(d, img, (size_t)odd * d->area_size / 256);
	check_rsm(d, img, sel);
	check_any_state(d, &in);
	free(img);
	return 0;
}
