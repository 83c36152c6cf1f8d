/* SPDX-License-Identifier: MIT */
/*
 * The one-pass segment verdicts of src/checks.h (vsmm__seg_rules and the
 * vsmm__seg_*_bad helpers, which RSM's mask_resumed uses) against the
 * ordered rules they stand for (vsmm__check_data_attr, _cs_attr,
 * _ss_attr, _hlt_cpl, _tr, _ldtr, _seg_limit), for every attribute word:
 * each one-pass verdict must fail exactly where its rules fail, on the
 * attributes as masking leaves them, and masking must set the bits it set
 * before the table (the accessed bit, TR's busy bit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "../src/checks.h"

#define NONE VSMM_REASON_NONE
#define ATTRS 0x10000u /* every attribute word */

/* Masking as RSM did it rule by rule: the bits that exist, and the
 * accessed bit of a usable code or data segment in ES..GS. */
static uint16_t masked_code_data(unsigned attr)
{
	uint16_t a = (uint16_t)(attr & VSMM_SEG_ATTR_MASK);

	if ((a & VSMM_SEG_P) && (a & VSMM_SEG_S))
		a |= 0x1u;
	return a;
}

/* ... and TR's: the busy bit of a 16/32-bit available TSS. */
static uint16_t masked_tr(unsigned attr)
{
	uint16_t a = (uint16_t)(attr & VSMM_SEG_ATTR_MASK);
	unsigned type = a & VSMM_SEG_TYPE_MASK;

	if (!(a & VSMM_SEG_S) && (type == 0x1u || type == 0x9u))
		a |= 0x2u;
	return a;
}

static void test_masking_sets_the_same_bits(void **unused)
{
	(void)unused;
	for (unsigned attr = 0; attr < ATTRS; attr++) {
		const struct vsmm__seg_rules *r = vsmm__seg_rules_of((uint16_t)attr);
		unsigned a = attr & VSMM_SEG_ATTR_MASK;

		assert_int_equal(a | r->accessed, masked_code_data(attr));
		assert_int_equal(a | r->busy, masked_tr(attr));
	}
}

/* The entry of an attribute word is its bits 7:0 and G, and the rules
 * (which read no G) are the same in both entries of a low byte: the tests
 * below read every word through the entry RSM reads it by. */
static void test_entries(void **unused)
{
	(void)unused;
	for (unsigned attr = 0; attr < ATTRS; attr++)
		assert_int_equal(vsmm__seg_entry((uint16_t)attr),
				 (attr & 0xffu) << 1 | (attr & VSMM_SEG_G) >> 15);
	for (unsigned i = 0; i < 512; i += 2)
		assert_memory_equal(&vsmm__seg_rules[i], &vsmm__seg_rules[i + 1],
				    sizeof(vsmm__seg_rules[i]));
}

/* Limits at and around every edge of both rules, and some between. */
static uint32_t limit_at(unsigned k)
{
	static const uint32_t high[] = { 0,	      0x00100000u, 0x00200000u,
					 0x7ff00000u, 0x80000000u, 0xfff00000u };
	static const uint32_t mid[] = { 0, 0x000ff000u, 0x0005a000u };
	static const uint32_t low[] = { 0, 0x1u, 0x7ffu, 0x800u, 0xffeu, 0xfffu };

	return high[k % 6] | mid[k / 6 % 3] | low[k / 18 % 6];
}
#define LIMITS (6u * 3u * 6u)

static void check_limit(unsigned attr, uint32_t limit)
{
	struct vsmm_seg s = { .attr = masked_code_data(attr), .limit = limit };
	bool usable = (s.attr & VSMM_SEG_P) != 0;
	bool bad = usable && vsmm__check_seg_limit(&s) != NONE;

	assert_int_equal(vsmm__seg_limit_bad((uint16_t)attr, limit) != 0, bad);
}

/*
 * The limit rule of a usable register, for every attribute word at the
 * edges, and for each P and G every limit whose judged bits (11:0 and
 * 31:20) take all their values.  (CS and TR have a limit rule even when
 * unusable; their attribute verdicts fail then, see below.)
 */
static void test_limits(void **unused)
{
	static const uint16_t pg[] = { 0, VSMM_SEG_P, VSMM_SEG_G,
				       VSMM_SEG_P | VSMM_SEG_G };

	(void)unused;
	for (unsigned attr = 0; attr < ATTRS; attr++)
		for (unsigned k = 0; k < LIMITS; k++)
			check_limit(attr, limit_at(k));
	for (size_t i = 0; i < sizeof(pg) / sizeof(pg[0]); i++)
		for (uint32_t hi = 0; hi < 0x1000u; hi++)
			for (uint32_t lo = 0; lo < 0x1000u; lo++)
				check_limit(pg[i] | 0x93u, hi << 20 | 0x5a000u | lo);
}

static void test_data_segments(void **unused)
{
	(void)unused;
	for (unsigned attr = 0; attr < ATTRS; attr++) {
		unsigned data = vsmm__seg_rules_of((uint16_t)attr)->data;
		bool bad = vsmm__check_data_attr(masked_code_data(attr)) != NONE;

		assert_int_equal(data != 0, bad);
	}
}

/* CS, SS and HLT's CPL rule, for one pair of attribute words. */
static void check_cs_ss(unsigned cs_attr, unsigned ss_attr)
{
	uint16_t cs = masked_code_data(cs_attr), ss = masked_code_data(ss_attr);
	unsigned cs_rules = vsmm__seg_rules_of((uint16_t)cs_attr)->cs;
	const struct vsmm__seg_rules *ss_rules = vsmm__seg_rules_of((uint16_t)ss_attr);

	for (unsigned pe = 0; pe < 2; pe++)
		for (unsigned halted = 0; halted < 2; halted++) {
			bool bad = vsmm__check_cs_attr(cs, ss) != NONE ||
				   vsmm__check_ss_attr(ss, cs, pe) != NONE ||
				   vsmm__check_hlt_cpl(halted, ss) != NONE;
			unsigned got = vsmm__seg_cs_ss_bad(cs_rules, ss_rules, pe,
							   halted);

			assert_int_equal(got != 0, bad);
		}
}

/* Every CS word against every SS low byte, and every SS word against
 * every CS low byte (the rules read nothing else of the other). */
static void test_cs_and_ss(void **unused)
{
	(void)unused;
	for (unsigned a = 0; a < ATTRS; a++)
		for (unsigned b = 0; b < 0x100u; b++) {
			check_cs_ss(a, b);
			check_cs_ss(b, a);
		}
}

/* The selectors TR and LDTR are tried with: TI clear and set. */
static const uint16_t selectors[] = { 0, 0x4u, 0x40u, 0x44u, 0xfffbu, 0xffffu };
#define SELECTORS (sizeof(selectors) / sizeof(selectors[0]))

static void test_tr(void **unused)
{
	(void)unused;
	for (unsigned attr = 0; attr < ATTRS; attr++) {
		unsigned rules = vsmm__seg_rules_of((uint16_t)attr)->ss;

		for (size_t k = 0; k < SELECTORS; k++)
			for (unsigned lma = 0; lma < 2; lma++) {
				uint64_t efer = lma ? ~0ull : ~VSMM_EFER_LMA;
				struct vsmm_seg tr = { .selector = selectors[k],
						       .attr = masked_tr(attr) };
				bool bad = vsmm__check_tr(&tr, efer) != NONE;

				assert_int_equal(
					vsmm__seg_tr_bad(rules, tr.selector, lma) != 0,
					bad);
			}
	}
}

static void test_ldtr(void **unused)
{
	(void)unused;
	for (unsigned attr = 0; attr < ATTRS; attr++) {
		unsigned rules = vsmm__seg_rules_of((uint16_t)attr)->ldtr;
		uint16_t a = (uint16_t)(attr & VSMM_SEG_ATTR_MASK);

		for (size_t k = 0; k < SELECTORS; k++) {
			struct vsmm_seg ldtr = { .selector = selectors[k], .attr = a };
			bool bad = vsmm__check_ldtr(&ldtr) != NONE;

			assert_int_equal(vsmm__seg_ldtr_bad(rules, ldtr.selector) != 0,
					 bad);
		}
	}
}

/* An unusable CS or TR fails on its attributes: the one-pass verdict may
 * leave their limits unjudged then, as it does every unusable register's. */
static void test_unusable_cs_and_tr_fail(void **unused)
{
	(void)unused;
	for (unsigned attr = 0; attr < ATTRS; attr++) {
		const struct vsmm__seg_rules *r = vsmm__seg_rules_of((uint16_t)attr);

		if (attr & VSMM_SEG_P)
			continue;
		for (unsigned ss = 0; ss < 0x100u; ss++)
			assert_int_not_equal(
				vsmm__seg_cs_ss_bad(r->cs,
						    vsmm__seg_rules_of((uint16_t)ss),
						    true, false) &
					(VSMM__SR_CS_DPL0 * 0xfu),
				0);
		assert_int_not_equal(vsmm__seg_tr_bad(r->ss, 0, false), 0);
		assert_int_not_equal(vsmm__seg_tr_bad(r->ss, 0, true), 0);
	}
}

/* vsmm__canonical_halved, which RSM's one pass asks, against
 * vsmm__canonical for both widths, around every edge, one value and the
 * OR of two. */
static void test_canonical_halved(void **unused)
{
	static const unsigned widths[] = { 48, 57 };

	(void)unused;
	for (size_t i = 0; i < 2; i++) {
		unsigned w = widths[i];
		uint64_t half = 1ull << (w - 1);
		uint64_t edges[] = { 0,
				     1,
				     half - 1,
				     half,
				     half + 1,
				     2 * half,
				     -half - 1,
				     -half,
				     -half + 1,
				     ~0ull,
				     1ull << 63,
				     (1ull << 63) - 1,
				     0x1234ull << 32 };
		size_t n = sizeof(edges) / sizeof(edges[0]);

		for (size_t a = 0; a < n; a++)
			for (size_t b = 0; b < n; b++) {
				uint64_t x = edges[a], y = edges[b];
				bool both = vsmm__canonical(x, w) &&
					    vsmm__canonical(y, w);

				assert_int_equal(vsmm__canonical_halved(x + half, half),
						 vsmm__canonical(x, w));
				assert_int_equal(vsmm__canonical_halved(
							 (x + half) | (y + half), half),
						 both);
			}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_masking_sets_the_same_bits),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_data_segments),
		cmocka_unit_test(test_cs_and_ss),
		cmocka_unit_test(test_tr),
		cmocka_unit_test(test_ldtr),
		cmocka_unit_test(test_unusable_cs_and_tr_fail),
		cmocka_unit_test(test_canonical_halved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
