/* SPDX-License-Identifier: MIT */
/*
 * RSM builds the state it resumes from the image and keeps the vCPU's
 * values for what the map does not carry (src/leave.c, decode_image):
 * CR2, the event state, and under the 32-bit map R8-R15 and EFER.  For
 * every map, vendor and semantics, an SMM handler changes those members
 * and the image's registers, and the state vsmm_leave_smm commits must be
 * the image's where the map has a field and the handler's where it has
 * none, and equal to what vsmm_rsm_check says RSM would load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vsmm/vsmm.h"

/* Guest memory: the first 256 KiB, one view for both address spaces. */
#define MEM_SIZE 0x40000u
struct mem {
	uint8_t bytes[MEM_SIZE];
};

static int mem_read(void *ctx, bool smm, uint64_t gpa, void *buf, size_t len)
{
	struct mem *m = ctx;

	(void)smm;
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return -1;
	memcpy(buf, m->bytes + gpa, len);
	return 0;
}

static int mem_write(void *ctx, bool smm, uint64_t gpa, const void *buf, size_t len)
{
	struct mem *m = ctx;

	(void)smm;
	if (gpa > MEM_SIZE || len > MEM_SIZE - gpa)
		return -1;
	memcpy(m->bytes + gpa, buf, len);
	return 0;
}

static const struct vsmm_platform_ops ops = { .read_phys = mem_read,
					      .write_phys = mem_write };

static struct mem memory;

static void one_case(enum vsmm_layout layout, enum vsmm_vendor vendor,
		     enum vsmm_semantics semantics)
{
	struct vsmm_model m;
	struct vsmm_vcpu v;
	bool wide = layout != VSMM_LAYOUT_P6_32;
	const struct vsmm_layout_desc *d = vsmm_layout_get(layout);

	assert_int_equal(vsmm_model_preset(&m, vendor, wide), VSMM_OK);
	m.layout = layout;
	assert_int_equal(vsmm_vcpu_init(&v, &m, &ops, &memory), VSMM_OK);
	assert_int_equal(vsmm_vcpu_set_semantics(&v, semantics), VSMM_OK);
	for (int i = 0; i < VSMM_GPR_COUNT; i++)
		v.state.gpr[i] = 0x1000u + (uint64_t)i;
	v.state.cr2 = 0xc2c2u;
	assert_int_equal(vsmm_enter_smm(&v), VSMM_OK);

	/* The handler: new values in the registers and event state, and a
	 * different RAX and RIP in the image. */
	for (int i = 0; i < VSMM_GPR_COUNT; i++)
		v.state.gpr[i] = 0x2000u + (uint64_t)i;
	v.state.cr2 = 0x5a5au;
	v.state.init_latched = true;
	v.state.nmi_pending = true;
	v.state.smi_pending = true;
	const struct vsmm_field_desc *rax = vsmm_layout_field(d, wide ? "rax" : "eax");
	const struct vsmm_field_desc *rip = vsmm_layout_field(d, wide ? "rip" : "eip");
	uint8_t *area = memory.bytes + v.state.smbase + d->area_offset;
	assert_non_null(rax);
	assert_non_null(rip);
	assert_int_equal(vsmm_field_write(d, rax, area, 0xaaaa), VSMM_OK);
	assert_int_equal(vsmm_field_write(d, rip, area, 0x1234), VSMM_OK);

	struct vsmm_cpu_state predicted;
	struct vsmm_shutdown why;
	assert_int_equal(vsmm_rsm_check(&v, area, d->area_size, &why, &predicted),
			 VSMM_OK);
	uint64_t efer_in_smm = v.state.efer;
	assert_int_equal(vsmm_leave_smm(&v), VSMM_OK);

	assert_memory_equal(&predicted, &v.state, sizeof(predicted));
	assert_int_equal(v.state.gpr[VSMM_RAX], 0xaaaa);
	assert_int_equal(v.state.rip, 0x1234);
	for (int i = 1; i < VSMM_GPR_COUNT; i++) {
		/* R8-R15: the image's (the SMI's) in the 64-bit maps, the
		 * handler's under the 32-bit map, which has no field. */
		uint64_t want = wide || i < 8 ? 0x1000u + (uint64_t)i
					      : 0x2000u + (uint64_t)i;
		assert_int_equal(v.state.gpr[i], want);
	}
	assert_int_equal(v.state.cr2, 0x5a5au);
	if (!wide)
		assert_int_equal(v.state.efer, efer_in_smm);
	assert_true(v.state.init_latched);
	assert_true(v.state.nmi_pending);
	assert_true(v.state.smi_pending);
	assert_false(v.state.smm);
	assert_false(v.state.shutdown);
}

static void test_rsm_keeps_what_the_map_lacks(void **unused)
{
	static const enum vsmm_layout layouts[] = {
		VSMM_LAYOUT_P6_32,
		VSMM_LAYOUT_AMD64,
		VSMM_LAYOUT_INTEL64,
	};
	static const enum vsmm_vendor vendors[] = {
		VSMM_VENDOR_INTEL,
		VSMM_VENDOR_AMD,
	};

	(void)unused;
	for (size_t l = 0; l < sizeof(layouts) / sizeof(layouts[0]); l++)
		for (size_t n = 0; n < sizeof(vendors) / sizeof(vendors[0]); n++)
			for (int s = 0; s < VSMM_SEMANTICS_COUNT; s++)
				one_case(layouts[l], vendors[n], (enum vsmm_semantics)s);
}

/*
 * EFER.LMA is not the handler's: an SMM handler that entered long mode
 * leaves the vCPU with LME and LMA set, and RSM resumes an image that
 * asks for LME without paging.  LMA is not writable; it is 0 once RSM
 * has stepped back to real mode, and only the CR0 load could set it.
 */
static void lma_case(enum vsmm_layout layout, enum vsmm_vendor vendor,
		     enum vsmm_semantics semantics)
{
	struct vsmm_model m;
	struct vsmm_vcpu v;
	const struct vsmm_layout_desc *d = vsmm_layout_get(layout);

	assert_int_equal(vsmm_model_preset(&m, vendor, true), VSMM_OK);
	m.layout = layout;
	assert_int_equal(vsmm_vcpu_init(&v, &m, &ops, &memory), VSMM_OK);
	assert_int_equal(vsmm_vcpu_set_semantics(&v, semantics), VSMM_OK);
	assert_int_equal(vsmm_enter_smm(&v), VSMM_OK);

	v.state.cr0 |= VSMM_CR0_PE | VSMM_CR0_PG;
	v.state.cr4 |= VSMM_CR4_PAE;
	v.state.efer = VSMM_EFER_LME | VSMM_EFER_LMA;
	const struct vsmm_field_desc *efer = vsmm_layout_field(d, "efer");
	uint8_t *area = memory.bytes + v.state.smbase + d->area_offset;
	assert_non_null(efer);
	assert_int_equal(vsmm_field_write(d, efer, area, VSMM_EFER_LME), VSMM_OK);

	struct vsmm_cpu_state predicted;
	assert_int_equal(vsmm_rsm_check(&v, area, d->area_size, NULL, &predicted),
			 VSMM_OK);
	assert_int_equal(vsmm_leave_smm(&v), VSMM_OK);
	assert_memory_equal(&predicted, &v.state, sizeof(predicted));
	assert_int_equal(v.state.efer, VSMM_EFER_LME);
	assert_false(v.state.cr0 & VSMM_CR0_PG);
}

static void test_lma_is_not_the_handlers(void **unused)
{
	(void)unused;
	for (int s = 0; s < VSMM_SEMANTICS_COUNT; s++) {
		lma_case(VSMM_LAYOUT_AMD64, VSMM_VENDOR_INTEL, (enum vsmm_semantics)s);
		lma_case(VSMM_LAYOUT_AMD64, VSMM_VENDOR_AMD, (enum vsmm_semantics)s);
		lma_case(VSMM_LAYOUT_INTEL64, VSMM_VENDOR_INTEL, (enum vsmm_semantics)s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsm_keeps_what_the_map_lacks),
		cmocka_unit_test(test_lma_is_not_the_handlers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
