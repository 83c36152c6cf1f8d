/* SPDX-License-Identifier: MIT */
/*
 * RSM's one-pass verdicts against its ordered rules (issue 13.2): where
 * every rule of a step holds, RSM judges the step in one pass; only when
 * one fails does it run the rules one by one, so that the first failing
 * rule is the one reported.  vsmm__rsm_check(..., ordered = true) runs
 * every rule one by one.  Both must agree, on every image: the status,
 * the reason, the field, its offset and value, and the state resumed.
 *
 * The images: what SMI wrote for every state of the catalogue, under
 * every configuration (vendor, long mode, each layout, both semantics)
 * and SMI-handler mode, and a fixed pseudo-random series of mutations of
 * each (fields set to edge values, bits flipped, several fields at once),
 * with the vCPU's own SMM state mutated too in some of them.  And SMI's
 * images, written by the encoder of plain extras where they hold nothing
 * but the revision, are those of the full encoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../src/core.h"
#include "testlib.h"

#define MUTATIONS 48u /* per image */

static struct fz_mem mem;

/* A fixed xorshift64 series: the same images on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Values a field is set to: edges, single bits, its own value changed. */
static uint64_t mutated(uint64_t old, unsigned size)
{
	uint64_t v;

	switch (next_rand() % 8) {
	case 0: v = 0; break;
	case 1: v = ~0ull; break;
	case 2: v = next_rand(); break;
	case 3: v = 1ull << (next_rand() % (8 * size)); break;
	case 4: v = old ^ (1ull << (next_rand() % (8 * size))); break;
	case 5: v = old ^ (1ull << (next_rand() % 16)); break;
	case 6: v = old | 1ull << (next_rand() % (8 * size)); break;
	default: v = old & ~(1ull << (next_rand() % (8 * size))); break;
	}
	return size < 8 ? v & ((1ull << (8 * size)) - 1) : v;
}

/* Set the DPL of CS and SS in an image (the attribute fields hold the
 * access-rights word, or descriptor bits 8..23 in a 4-byte field). */
static void same_dpl(const struct vsmm_layout_desc *d, uint8_t *img, unsigned dpl)
{
	static const char *const names[] = { "cs_attr", "ss_attr" };

	for (size_t i = 0; i < 2; i++) {
		const struct vsmm_field_desc *f = vsmm_layout_field(d, names[i]);
		unsigned shift = f->size == 4 ? 8 : 0;
		uint64_t a = vsmm_field_read(d, f, img) &
			     ~((uint64_t)VSMM_SEG_DPL_MASK << shift);

		assert_int_equal(
			vsmm_field_write(d, f, img,
					 a | (uint64_t)dpl
							 << (VSMM_SEG_DPL_SHIFT + shift)),
			VSMM_OK);
	}
}

static unsigned agreed, resumed, refused;

/* The two ways of running RSM's rules give the same verdict and state. */
static void agree(const struct vsmm_vcpu *v, const uint8_t *img, size_t len)
{
	struct vsmm_shutdown w1, w2;
	struct vsmm_cpu_state o1, o2;
	int rc1 = vsmm__rsm_check(v, img, len, false, &w1, &o1);
	int rc2 = vsmm__rsm_check(v, img, len, true, &w2, &o2);

	if (rc1 != rc2 || w1.reason != w2.reason || w1.offset != w2.offset ||
	    w1.value != w2.value || (w1.field == NULL) != (w2.field == NULL) ||
	    (w1.field && strcmp(w1.field, w2.field) != 0))
		fail_msg("%s: one pass %s %s (%s at %#x, %#llx), ordered %s %s "
			 "(%s at %#x, %#llx)",
			 fz_context, vsmm_status_name(rc1), vsmm_reason_name(w1.reason),
			 w1.field ? w1.field : "-", w1.offset,
			 (unsigned long long)w1.value, vsmm_status_name(rc2),
			 vsmm_reason_name(w2.reason), w2.field ? w2.field : "-",
			 w2.offset, (unsigned long long)w2.value);
	if (rc1 == VSMM_OK) {
		const char *d = fz_state_diff(&o1, &o2, FZ_CMP_ALL);

		if (d)
			fail_msg("%s: resumed states differ: %s", fz_context, d);
		resumed++;
	} else {
		refused++;
	}
	agreed++;
}

/* One scenario: SMI, the handler's changes, then the image SMI wrote and
 * its mutations, each judged both ways. */
static void scenario(const uint8_t hdr[FZ_SCENARIO_BYTES])
{
	struct fz_scenario sc;
	struct vsmm_vcpu v;
	uint8_t area[VSMM_IMAGE_MAX], img[VSMM_IMAGE_MAX];

	fz_mem_reset(&mem);
	if (!fz_scenario_decode(hdr, &mem, &sc))
		fail_msg("scenario %02x%02x%02x%02x refused", hdr[0], hdr[1], hdr[2],
			 hdr[3]);
	assert_int_equal(fz_scenario_vcpu(&sc, &mem, &v), VSMM_OK);
	if (vsmm_enter_smm(&v) != VSMM_OK)
		return;
	fz_handler_apply(sc.handler, v.model, &v.state);
	const struct vsmm_layout_desc *d = vsmm_layout_get(vsmm_vcpu_layout(&v));
	assert_non_null(d);
	uint64_t gpa = (uint64_t)v.state.smbase + d->area_offset;
	assert_true(fz_mem_read_view(&mem, true, gpa, area, d->area_size));
	snprintf(fz_context, sizeof(fz_context),
		 "%s lm=%d layout=%s %s state=%s "
		 "flags=%#x handler=%d",
		 sc.model.vendor == VSMM_VENDOR_INTEL ? "intel" : "amd",
		 sc.model.long_mode, d->name,
		 sc.semantics == VSMM_SEMANTICS_KVM ? "kvm" : "hardware",
		 fz_state_names[sc.kind], sc.flags, sc.handler);
	agree(&v, area, d->area_size);

	/* SMI writes extras that hold nothing but the revision with the
	 * plain encoder (vsmm__image_encode_plain): its image is the one the
	 * full encoder writes of the same state and extras. */
	struct vsmm_cpu_state dst;
	struct vsmm_image_extras dex;
	assert_int_equal(vsmm_image_decode(d->layout, area, d->area_size, &dst, &dex),
			 VSMM_OK);
	assert_int_equal(vsmm_image_encode(d->layout, &dst, &dex, img, d->area_size),
			 VSMM_OK);
	if (memcmp(img, area, d->area_size) != 0)
		fail_msg("%s: SMI's image is not the encoding of its decoding",
			 fz_context);
	if ((dex.revision & ~VSMM_REV_IO_RESTART) !=
	    (d->revision | VSMM_REV_SMBASE_RELOC))
		fail_msg("%s: SMI wrote revision %#x", fz_context, dex.revision);

	const struct vsmm_cpu_state smm = v.state;
	const struct vsmm_model *model = v.model;
	struct vsmm_model narrow;
	const struct vsmm_field_desc *cr3;
	for (unsigned m = 0; m < MUTATIONS; m++) {
		unsigned n = 1 + (unsigned)(next_rand() % 3);

		memcpy(img, area, d->area_size);
		for (unsigned k = 0; k < n; k++) {
			const struct vsmm_field_desc *f =
				&d->fields[next_rand() % d->nfields];
			uint64_t old = vsmm_field_read(d, f, img);

			assert_int_equal(
				vsmm_field_write(d, f, img, mutated(old, f->size)),
				VSMM_OK);
		}
		/* Now and then one privilege level for CS and SS (the rules
		 * on CPL, HLT's among them, need both to agree). */
		if (next_rand() % 4 == 0)
			same_dpl(d, img, (unsigned)(next_rand() % 4));
		/* Now and then the vCPU's own state in SMM too: RSM starts
		 * its loads from it. */
		v.state = smm;
		v.model = model;
		switch (next_rand() % 8) {
		case 0: v.state.cr0 = mutated(v.state.cr0, 4); break;
		case 1: v.state.cr4 = mutated(v.state.cr4, 4); break;
		case 2: v.state.efer = mutated(v.state.efer, 2); break;
		case 3: v.state.vmx_on = !v.state.vmx_on; break;
		case 4:
			/* A model with a MAXPHYADDR of 0 to 69: below 12 the
			 * PCID bits of CR3 are address bits (the one-pass
			 * verdict skips that rule from 12 up). */
			narrow = *model;
			narrow.maxphyaddr = (uint8_t)(next_rand() % 70);
			v.model = &narrow;
			/* ... and a CR3 of a PCID alone, legal without it. */
			cr3 = vsmm_layout_field(d, "cr3");
			if (cr3 && next_rand() % 2)
				assert_int_equal(vsmm_field_write(d, cr3, img,
								  next_rand() & 0xfffu),
						 VSMM_OK);
			break;
		default: break;
		}
		agree(&v, img, d->area_size);
	}
}

static void test_fast_and_ordered_agree(void **unused)
{
	(void)unused;
	static const uint8_t flag_sets[] = {
		0,
		FZ_SC_HALTED | FZ_SC_STI_SHADOW,
		FZ_SC_IO_SMI | FZ_SC_NMI_MASKED,
	};

	for (unsigned cfg = 0; cfg < FZ_CONFIG_COUNT; cfg++)
		for (unsigned kind = 0; kind < FZ_ST_COUNT; kind++)
			for (unsigned h = 0; h < FZ_HANDLER_COUNT; h++)
				for (size_t f = 0; f < sizeof(flag_sets); f++) {
					uint8_t hdr[FZ_SCENARIO_BYTES] = {
						(uint8_t)cfg,
						(uint8_t)kind,
						flag_sets[f],
						(uint8_t)(h | (kind & 3u) << 4),
					};
					scenario(hdr);
				}
	/* The series reaches both verdicts often (a test of nothing would
	 * pass too). */
	printf("%u images judged both ways: %u resumed, %u refused\n", agreed, resumed,
	       refused);
	assert_true(resumed > 10000);
	assert_true(refused > 10000);
}

/* Hardware RSM's whole-image rules in order, as check_image asks them of
 * the EFER RSM runs with (the image's with a wide map; the vCPU's with the
 * 32-bit one, LMA from the image's CR0/CR4 and the kept LME). */
static bool image_rules_in_order(bool wide, uint64_t cr0, uint64_t cr4, uint64_t efer,
				 uint64_t rflags)
{
	const uint64_t pe_pg = VSMM_CR0_PE | VSMM_CR0_PG;

	if (!wide) {
		efer &= ~VSMM_EFER_LMA;
		if ((efer & VSMM_EFER_LME) && (cr0 & pe_pg) == pe_pg &&
		    (cr4 & VSMM_CR4_PAE))
			efer |= VSMM_EFER_LMA;
	}
	cr0 &= 0xffffffffu;
	return vsmm__check_cr4_pae_lm(cr4, efer) == VSMM_REASON_NONE &&
	       vsmm__check_lma_consistent(cr0, cr4, efer) == VSMM_REASON_NONE &&
	       vsmm__check_rflags_vm_lm(rflags, efer) == VSMM_REASON_NONE;
}

/* vsmm__image_rules_hold against those rules for both kinds of map, every
 * combination of the six bits they read, with every other bit of the four
 * registers clear, set, or random (the 32-bit map's EFER comes without
 * LMA, as RSM passes it). */
static void test_image_rules_hold(void **unused)
{
	(void)unused;
	/* Each bit and its register: CR0, CR4, EFER, RFLAGS. */
	static const struct {
		uint64_t bit;
		unsigned reg;
	} bits[] = {
		{ VSMM_CR0_PE, 0 },   { VSMM_CR0_PG, 0 },   { VSMM_CR4_PAE, 1 },
		{ VSMM_EFER_LME, 2 }, { VSMM_EFER_LMA, 2 }, { VSMM_RFLAGS_VM, 3 },
	};
	uint64_t noise = 0x2545f4914f6cdd1dull; /* not next_rand: the images' own */
	unsigned held = 0, failed = 0;

	for (unsigned round = 0; round < 66; round++)
		for (unsigned combo = 0; combo < 128; combo++) {
			bool wide = combo & 64;
			uint64_t reg[4];

			for (unsigned i = 0; i < 4; i++) {
				noise = noise * 6364136223846793005ull +
					1442695040888963407ull;
				reg[i] = round == 0 ? 0 : round == 1 ? ~0ull : noise;
			}
			for (unsigned b = 0; b < 6; b++) {
				reg[bits[b].reg] &= ~bits[b].bit;
				if (combo & (1u << b))
					reg[bits[b].reg] |= bits[b].bit;
			}
			bool want = image_rules_in_order(wide, reg[0], reg[1], reg[2],
							 reg[3]);
			uint64_t efer = wide ? reg[2] : reg[2] & ~VSMM_EFER_LMA;

			assert_int_equal(vsmm__image_rules_hold(wide, reg[0], reg[1],
								efer, reg[3]),
					 want);
			held += want;
			failed += !want;
		}
	assert_true(held > 1000 && failed > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_rules_hold),
		cmocka_unit_test(test_fast_and_ordered_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
