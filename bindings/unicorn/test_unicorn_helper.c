/* SPDX-License-Identifier: MIT */
/*
 * libvsmm-unicorn on real Unicorn instances (suite unicorn-helper).
 *
 * The OS part loads a function code into RAX and an operand into RBX; the
 * test stops it there and delivers an SMI.  The SW-SMI handler (at SMBASE
 * + 0x8000, as the processor would start it) asks for RAX and RBX with
 * ReadSaveState, writes RAX := RBX + 0x1000 with WriteSaveState and
 * executes RSM; the OS part then copies RAX to RCX.  The protocol calls
 * are hypercalls served by the test with vsmm_uc_read/write_save_state:
 * ECX = EFI register number, EDX = width, OUT 0xE0 = ReadSaveState (value
 * into RAX), OUT 0xE1 = WriteSaveState of RDI.  Guest bytes are nasm's
 * (the source is beside each array).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vsmm/unicorn.h"

#define RAM_SIZE 0x200000u
#define OS_CODE 0x1000u
#define SMBASE 0x30000u
#define HANDLER (SMBASE + 0x8000u)
#define PML4 0x10000u
#define GDT 0x500u

/* bits 64/32: mov eax, 0x5a; mov ebx, 0x1234; smi_point: mov rcx, rax
 * (32-bit: mov ecx, eax) */
static const uint8_t os64[] = {
	0xb8, 0x5a, 0x00, 0x00, 0x00, 0xbb, 0x34, 0x12, 0x00, 0x00, 0x48, 0x89, 0xc1,
};
static const uint8_t os32[] = {
	0xb8, 0x5a, 0x00, 0x00, 0x00, 0xbb, 0x34, 0x12, 0x00, 0x00, 0x89, 0xc1,
};
#define SMI_POINT (OS_CODE + 10u)

/* bits 64:
 *	mov ecx, 38 / mov edx, 8 / out 0xe0, al    ; ReadSaveState(RAX)
 *	mov rsi, rax
 *	mov ecx, 39 / mov edx, 8 / out 0xe0, al    ; ReadSaveState(RBX)
 *	cmp rsi, 0x5a / jne .unknown
 *	lea rdi, [rax + 0x1000] / jmp .answer
 * .unknown: mov rdi, -1
 * .answer: mov ecx, 38 / mov edx, 8 / out 0xe1, al   ; WriteSaveState(RAX)
 *	rsm */
static const uint8_t handler64[] = {
	0xb9, 0x26, 0x00, 0x00, 0x00, 0xba, 0x08, 0x00, 0x00, 0x00, 0xe6, 0xe0, 0x48,
	0x89, 0xc6, 0xb9, 0x27, 0x00, 0x00, 0x00, 0xba, 0x08, 0x00, 0x00, 0x00, 0xe6,
	0xe0, 0x48, 0x83, 0xfe, 0x5a, 0x75, 0x09, 0x48, 0x8d, 0xb8, 0x00, 0x10, 0x00,
	0x00, 0xeb, 0x07, 0x48, 0xc7, 0xc7, 0xff, 0xff, 0xff, 0xff, 0xb9, 0x26, 0x00,
	0x00, 0x00, 0xba, 0x08, 0x00, 0x00, 0x00, 0xe6, 0xe1, 0x0f, 0xaa,
};
/* bits 32: the same with width 4 and 32-bit registers. */
static const uint8_t handler32[] = {
	0xb9, 0x26, 0x00, 0x00, 0x00, 0xba, 0x04, 0x00, 0x00, 0x00, 0xe6, 0xe0,
	0x89, 0xc6, 0xb9, 0x27, 0x00, 0x00, 0x00, 0xba, 0x04, 0x00, 0x00, 0x00,
	0xe6, 0xe0, 0x83, 0xfe, 0x5a, 0x75, 0x08, 0x8d, 0xb8, 0x00, 0x10, 0x00,
	0x00, 0xeb, 0x05, 0xbf, 0xff, 0xff, 0xff, 0xff, 0xb9, 0x26, 0x00, 0x00,
	0x00, 0xba, 0x04, 0x00, 0x00, 0x00, 0xe6, 0xe1, 0x0f, 0xaa,
};
/* bits 64, a hostile handler: mov eax, 0x3ff58 (the amd64 map's CR0 at
 * SMBASE 0x30000) / mov dword [rax], 0x80000000 (PG without PE) / rsm */
static const uint8_t hostile64[] = {
	0xb8, 0x58, 0xff, 0x03, 0x00, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80, 0x0f, 0xaa,
};
#define HOSTILE_RSM (HANDLER + 11u)
static const uint8_t just_rsm[] = { 0x0f, 0xaa };

struct guest {
	uc_engine *uc;
	struct vsmm_uc smm;
	unsigned bits;
	uc_hook io;
	int hypercalls;
};

static uint64_t reg(struct guest *g, int id64, int id32)
{
	uint64_t v = 0;
	uint32_t w = 0;
	if (g->bits == 64) {
		assert_int_equal(uc_reg_read(g->uc, id64, &v), UC_ERR_OK);
		return v;
	}
	assert_int_equal(uc_reg_read(g->uc, id32, &w), UC_ERR_OK);
	return w;
}

static void on_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
	struct guest *g = user;
	(void)uc;
	(void)size;
	(void)value;
	uint32_t r = (uint32_t)reg(g, UC_X86_REG_RCX, UC_X86_REG_ECX);
	size_t width = (size_t)reg(g, UC_X86_REG_RDX, UC_X86_REG_EDX);
	uint8_t buf[8] = { 0 };
	if (port == 0xe0) {
		assert_int_equal(vsmm_uc_read_save_state(&g->smm, r, width, buf),
				 VSMM_EFI_SUCCESS);
		uint64_t v = 0;
		for (size_t i = width; i-- > 0;)
			v = v << 8 | buf[i];
		if (g->bits == 64)
			uc_reg_write(g->uc, UC_X86_REG_RAX, &v);
		else {
			uint32_t w = (uint32_t)v;
			uc_reg_write(g->uc, UC_X86_REG_EAX, &w);
		}
		g->hypercalls++;
	} else if (port == 0xe1) {
		uint64_t v = reg(g, UC_X86_REG_RDI, UC_X86_REG_EDI);
		for (size_t i = 0; i < width; i++)
			buf[i] = (uint8_t)(v >> (8 * i));
		assert_int_equal(vsmm_uc_write_save_state(&g->smm, r, width, buf),
				 VSMM_EFI_SUCCESS);
		g->hypercalls++;
	}
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A 64-bit instance as a long-mode OS has it: identity paging of the
 * first 2 MiB (a fresh instance says LMA with paging off, which RSM
 * refuses), the OS code and a handler. */
static void guest64(struct guest *g, const uint8_t *handler, size_t hlen)
{
	memset(g, 0, sizeof(*g));
	g->bits = 64;
	assert_int_equal(uc_open(UC_ARCH_X86, UC_MODE_64, &g->uc), UC_ERR_OK);
	assert_int_equal(uc_mem_map(g->uc, 0, RAM_SIZE, UC_PROT_ALL), UC_ERR_OK);
	uint8_t pt[8];
	put64(pt, PML4 + 0x1003);
	uc_mem_write(g->uc, PML4, pt, 8);
	put64(pt, PML4 + 0x2003);
	uc_mem_write(g->uc, PML4 + 0x1000, pt, 8);
	put64(pt, 0x83); /* 2 MiB page at 0 */
	uc_mem_write(g->uc, PML4 + 0x2000, pt, 8);
	uint64_t cr3 = PML4, cr4 = 0x20, cr0 = 0x80000011, rsp = 0x9000;
	uc_reg_write(g->uc, UC_X86_REG_CR3, &cr3);
	uc_reg_write(g->uc, UC_X86_REG_CR4, &cr4);
	uc_reg_write(g->uc, UC_X86_REG_CR0, &cr0);
	uc_reg_write(g->uc, UC_X86_REG_RSP, &rsp);
	uc_mem_write(g->uc, OS_CODE, os64, sizeof(os64));
	uc_mem_write(g->uc, HANDLER, handler, hlen);
	assert_int_equal(vsmm_uc_attach(&g->smm, g->uc), VSMM_OK);
	assert_int_equal(uc_hook_add(g->uc, &g->io, UC_HOOK_INSN, (void *)on_out, g, 1, 0,
				     UC_X86_INS_OUT),
			 UC_ERR_OK);
}

/* A 32-bit protected-mode instance with a GDT: flat code 0x08, flat data
 * 0x10, and data 0x18 based at 0x2000 (the selectors are loaded through
 * uc_reg_write, which reads them from the GDT). */
static void guest32(struct guest *g)
{
	memset(g, 0, sizeof(*g));
	g->bits = 32;
	assert_int_equal(uc_open(UC_ARCH_X86, UC_MODE_32, &g->uc), UC_ERR_OK);
	assert_int_equal(uc_mem_map(g->uc, 0, RAM_SIZE, UC_PROT_ALL), UC_ERR_OK);
	uint8_t gdt[32];
	put64(gdt, 0);
	put64(gdt + 8, 0x00cf9b000000ffffull);
	put64(gdt + 16, 0x00cf93000000ffffull);
	put64(gdt + 24, 0x00cf93002000ffffull);
	uc_mem_write(g->uc, GDT, gdt, sizeof(gdt));
	uc_x86_mmr gdtr = { .base = GDT, .limit = sizeof(gdt) - 1 };
	assert_int_equal(uc_reg_write(g->uc, UC_X86_REG_GDTR, &gdtr), UC_ERR_OK);
	static const struct {
		int id;
		uint16_t sel;
	} segs[] = {
		{ UC_X86_REG_CS, 0x08 },
		{ UC_X86_REG_SS, 0x10 },
		{ UC_X86_REG_DS, 0x18 },
		{ UC_X86_REG_ES, 0x10 },
	};
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
		assert_int_equal(uc_reg_write(g->uc, segs[i].id, &segs[i].sel),
				 UC_ERR_OK);
	uint32_t esp = 0x9000;
	uc_reg_write(g->uc, UC_X86_REG_ESP, &esp);
	uc_mem_write(g->uc, OS_CODE, os32, sizeof(os32));
	uc_mem_write(g->uc, HANDLER, handler32, sizeof(handler32));
	assert_int_equal(vsmm_uc_attach(&g->smm, g->uc), VSMM_OK);
	assert_int_equal(uc_hook_add(g->uc, &g->io, UC_HOOK_INSN, (void *)on_out, g, 1, 0,
				     UC_X86_INS_OUT),
			 UC_ERR_OK);
}

static void done(struct guest *g)
{
	vsmm_uc_detach(&g->smm);
	uc_close(g->uc);
}

/* Run the OS part to the SMI point and deliver the SMI. */
static void os_to_smi(struct guest *g)
{
	assert_int_equal(uc_emu_start(g->uc, OS_CODE, SMI_POINT, 0, 0), UC_ERR_OK);
	assert_int_equal(vsmm_uc_smi(&g->smm), VSMM_OK);
	assert_true(g->smm.vcpu.state.smm);
	assert_int_equal(reg(g, UC_X86_REG_RIP, UC_X86_REG_EIP), HANDLER);
}

static void round_trip(struct guest *g, uint64_t os_end)
{
	os_to_smi(g);
	uc_err err = UC_ERR_ARG;
	assert_int_equal(vsmm_uc_emu_start(&g->smm, HANDLER, os_end, 0, 0, &err),
			 VSMM_OK);
	assert_int_equal(err, UC_ERR_OK);
	assert_int_equal(g->hypercalls, 3);
	assert_false(g->smm.vcpu.state.smm);
	assert_int_equal(g->smm.vcpu.smi_count, 1);
	assert_int_equal(reg(g, UC_X86_REG_RIP, UC_X86_REG_EIP), os_end);
	/* RAX was edited in the save state by the handler; RBX is as saved. */
	assert_int_equal(reg(g, UC_X86_REG_RCX, UC_X86_REG_ECX), 0x1234 + 0x1000);
	assert_int_equal(reg(g, UC_X86_REG_RBX, UC_X86_REG_EBX), 0x1234);
}

static void test_round_trip_64(void **unused)
{
	(void)unused;
	struct guest g;
	guest64(&g, handler64, sizeof(handler64));
	assert_int_equal(vsmm_uc_area_address(&g.smm), SMBASE + 0xfe00);
	assert_int_equal(vsmm_uc_area_size(&g.smm), 512);
	round_trip(&g, OS_CODE + sizeof(os64));
	/* The image it wrote is the amd64 map with the context of the SMI
	 * point (RIP) and the synthesized busy TSS. */
	uint8_t area[512];
	struct vsmm_cpu_state st;
	assert_int_equal(uc_mem_read(g.uc, SMBASE + 0xfe00, area, sizeof(area)),
			 UC_ERR_OK);
	assert_int_equal(
		vsmm_image_decode(VSMM_LAYOUT_AMD64, area, sizeof(area), &st, NULL),
		VSMM_OK);
	assert_int_equal(st.rip, SMI_POINT);
	assert_int_equal(st.gpr[VSMM_RAX], 0x2234);
	assert_int_equal(st.seg[VSMM_CS].attr, 0xa09b);
	assert_int_equal(st.seg[VSMM_TR].attr, 0x8b);
	assert_int_equal(st.cr0, 0x80000011);
	done(&g);
}

static void test_round_trip_32(void **unused)
{
	(void)unused;
	struct guest g;
	guest32(&g);
	round_trip(&g, OS_CODE + sizeof(os32));
	/* p6-32 map (a model without long mode); the caches came from the GDT. */
	uint8_t area[512];
	struct vsmm_cpu_state st;
	assert_int_equal(vsmm_uc_area_address(&g.smm), SMBASE + 0xfe00);
	assert_int_equal(uc_mem_read(g.uc, SMBASE + 0xfe00, area, sizeof(area)),
			 UC_ERR_OK);
	assert_int_equal(
		vsmm_image_decode(VSMM_LAYOUT_P6_32, area, sizeof(area), &st, NULL),
		VSMM_OK);
	assert_int_equal(st.rip, SMI_POINT);
	assert_int_equal(st.seg[VSMM_CS].selector, 0x08);
	assert_int_equal(st.seg[VSMM_CS].attr, 0xc09b);
	assert_int_equal(st.seg[VSMM_DS].selector, 0x18);
	assert_int_equal(st.seg[VSMM_DS].base, 0x2000);
	assert_int_equal(st.seg[VSMM_DS].limit, 0xffffffff);
	assert_int_equal(st.seg[VSMM_DS].attr, 0xc093);
	uint16_t ds = 0;
	uc_reg_read(g.uc, UC_X86_REG_DS, &ds);
	assert_int_equal(ds, 0x18);
	done(&g);
}

/* A handler that leaves CR0.PG without PE in the image: RSM shuts down
 * with the rule's name, and nothing of the instance changes. */
static void test_hostile_image(void **unused)
{
	(void)unused;
	struct guest g;
	guest64(&g, hostile64, sizeof(hostile64));
	const struct vsmm_layout_desc *l = vsmm_layout_get(VSMM_LAYOUT_AMD64);
	const struct vsmm_field_desc *f = vsmm_layout_field(l, "cr0");
	assert_non_null(f);
	/* the handler's store address is this field at SMBASE 0x30000 */
	assert_int_equal(SMBASE + 0x8000u + f->offset, 0x3ff58);
	os_to_smi(&g);
	uc_err err = UC_ERR_ARG;
	assert_int_equal(
		vsmm_uc_emu_start(&g.smm, HANDLER, OS_CODE + sizeof(os64), 0, 0, &err),
		VSMM_E_SHUTDOWN);
	assert_true(g.smm.vcpu.state.shutdown);
	assert_string_equal(vsmm_reason_name(g.smm.vcpu.last_shutdown.reason),
			    "CR0_PG_NO_PE");
	assert_string_equal(g.smm.vcpu.last_shutdown.field, "cr0");
	assert_int_equal(g.smm.vcpu.last_shutdown.value, 0x80000000);
	assert_int_equal(reg(&g, UC_X86_REG_RIP, UC_X86_REG_EIP), HOSTILE_RSM);
	/* a vCPU in shutdown runs no more */
	assert_int_equal(vsmm_uc_emu_start(&g.smm, HOSTILE_RSM, 0, 0, 0, &err),
			 VSMM_E_STATE);
	assert_int_equal(vsmm_uc_smi(&g.smm), VSMM_E_STATE);
	done(&g);
}

/* RSM outside SMM is the #UD it is: the hook leaves it to Unicorn. */
static void test_rsm_outside_smm(void **unused)
{
	(void)unused;
	struct guest g;
	guest64(&g, just_rsm, sizeof(just_rsm));
	uc_err err = UC_ERR_OK;
	assert_int_equal(vsmm_uc_emu_start(&g.smm, HANDLER, HANDLER + 2, 0, 0, &err),
			 VSMM_OK);
	assert_int_equal(err, UC_ERR_INSN_INVALID);
	assert_false(g.smm.vcpu.state.shutdown);
	assert_int_equal(g.smm.vcpu.smi_count, 0);
	done(&g);
}

/* A 32-bit RSM to a selector the GDT does not describe: Unicorn refuses
 * to load it, and the instance and the vCPU stay as they were, in SMM. */
static void test_rsm_rollback(void **unused)
{
	(void)unused;
	struct guest g;
	guest32(&g);
	uc_mem_write(g.uc, HANDLER, just_rsm, sizeof(just_rsm));
	os_to_smi(&g);
	const struct vsmm_layout_desc *l = vsmm_layout_get(VSMM_LAYOUT_P6_32);
	const struct vsmm_field_desc *f = vsmm_layout_field(l, "ds_selector");
	assert_non_null(f);
	uint8_t sel[4] = { 0x28, 0, 0, 0 }; /* beyond the GDT's limit */
	uc_mem_write(g.uc, SMBASE + 0x8000u + f->offset, sel, sizeof(sel));
	uint32_t eax = 0x77;
	uc_reg_write(g.uc, UC_X86_REG_EAX, &eax);
	uc_err err = UC_ERR_ARG;
	assert_int_equal(
		vsmm_uc_emu_start(&g.smm, HANDLER, OS_CODE + sizeof(os32), 0, 0, &err),
		VSMM_E_PLATFORM);
	assert_true(g.smm.vcpu.state.smm);
	assert_false(g.smm.vcpu.state.shutdown);
	assert_int_equal(reg(&g, UC_X86_REG_RIP, UC_X86_REG_EIP), HANDLER);
	assert_int_equal(reg(&g, UC_X86_REG_RAX, UC_X86_REG_EAX), 0x77);
	/* fixed image: the same RSM resumes */
	sel[0] = 0x18;
	uc_mem_write(g.uc, SMBASE + 0x8000u + f->offset, sel, sizeof(sel));
	assert_int_equal(
		vsmm_uc_emu_start(&g.smm, HANDLER, OS_CODE + sizeof(os32), 0, 0, &err),
		VSMM_OK);
	assert_false(g.smm.vcpu.state.smm);
	assert_int_equal(reg(&g, UC_X86_REG_RCX, UC_X86_REG_ECX), 0x5a);
	done(&g);
}

/* Without vsmm_uc_emu_start: the hook has done the RSM when a plain
 * uc_emu_start returns, and RIP is the resumed one. */
static void test_plain_uc_emu_start(void **unused)
{
	(void)unused;
	struct guest g;
	guest64(&g, handler64, sizeof(handler64));
	os_to_smi(&g);
	assert_int_equal(uc_emu_start(g.uc, HANDLER, OS_CODE + sizeof(os64), 0, 0),
			 UC_ERR_OK);
	assert_false(g.smm.vcpu.state.smm);
	assert_int_equal(reg(&g, UC_X86_REG_RIP, UC_X86_REG_EIP), SMI_POINT);
	assert_int_equal(reg(&g, UC_X86_REG_RAX, UC_X86_REG_EAX), 0x2234);
	done(&g);
}

/* A 32-bit code segment based at 0x1000: the OS runs at offset 0, the
 * handler's entry is an offset from that base too, the image holds the
 * offset, and RSM (found at CS base + EIP) resumes at the offset. */
static void test_cs_base_32(void **unused)
{
	(void)unused;
	struct guest g;
	guest32(&g);
	uint8_t code[8];
	put64(code, 0x00cf9b001000ffffull); /* code, base 0x1000 */
	uc_mem_write(g.uc, GDT + 0x20, code, sizeof(code));
	uc_x86_mmr gdtr = { .base = GDT, .limit = 0x27 };
	assert_int_equal(uc_reg_write(g.uc, UC_X86_REG_GDTR, &gdtr), UC_ERR_OK);
	uint16_t cs = 0x20;
	assert_int_equal(uc_reg_write(g.uc, UC_X86_REG_CS, &cs), UC_ERR_OK);
	/* begin is an offset in CS, until a linear address */
	assert_int_equal(uc_emu_start(g.uc, 0, SMI_POINT, 0, 0), UC_ERR_OK);
	assert_int_equal(reg(&g, UC_X86_REG_RIP, UC_X86_REG_EIP), SMI_POINT - 0x1000);
	assert_int_equal(vsmm_uc_smi(&g.smm), VSMM_OK);
	assert_int_equal(g.smm.vcpu.state.smm, true);
	uint64_t entry = reg(&g, UC_X86_REG_RIP, UC_X86_REG_EIP);
	assert_int_equal(entry, HANDLER - 0x1000);
	uint8_t area[512];
	struct vsmm_cpu_state st;
	uc_mem_read(g.uc, SMBASE + 0xfe00, area, sizeof(area));
	assert_int_equal(
		vsmm_image_decode(VSMM_LAYOUT_P6_32, area, sizeof(area), &st, NULL),
		VSMM_OK);
	assert_int_equal(st.rip, SMI_POINT - 0x1000);
	assert_int_equal(st.seg[VSMM_CS].base, 0x1000);
	uc_err err = UC_ERR_ARG;
	assert_int_equal(
		vsmm_uc_emu_start(&g.smm, entry, OS_CODE + sizeof(os32), 0, 0, &err),
		VSMM_OK);
	assert_int_equal(err, UC_ERR_OK);
	assert_false(g.smm.vcpu.state.smm);
	assert_int_equal(reg(&g, UC_X86_REG_RCX, UC_X86_REG_ECX), 0x2234);
	done(&g);
}

struct counting {
	uc_engine *uc;
	int reads, writes;
};

static int count_read(void *ctx, bool smm_view, uint64_t gpa, void *buf, size_t len)
{
	struct counting *c = ctx;
	assert_true(smm_view);
	c->reads++;
	return uc_mem_read(c->uc, gpa, buf, len) == UC_ERR_OK ? 0 : -1;
}

static int count_write(void *ctx, bool smm_view, uint64_t gpa, const void *buf,
		       size_t len)
{
	struct counting *c = ctx;
	assert_true(smm_view);
	c->writes++;
	return uc_mem_write(c->uc, gpa, buf, len) == UC_ERR_OK ? 0 : -1;
}

static int fail_write(void *ctx, bool smm_view, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx, (void)smm_view, (void)gpa, (void)buf, (void)len;
	return -1;
}

/* The caller's memory callbacks carry the SMM address space; a failing
 * one fails the SMI with nothing loaded into the instance. */
static void test_memory_callbacks(void **unused)
{
	(void)unused;
	struct guest g;
	guest64(&g, handler64, sizeof(handler64));
	struct counting c = { .uc = g.uc };
	assert_int_equal(vsmm_uc_set_memory(&g.smm, count_read, NULL, &c), VSMM_E_INVAL);
	assert_int_equal(vsmm_uc_set_memory(&g.smm, count_read, fail_write, &c), VSMM_OK);
	assert_int_equal(uc_emu_start(g.uc, OS_CODE, SMI_POINT, 0, 0), UC_ERR_OK);
	assert_int_equal(vsmm_uc_smi(&g.smm), VSMM_E_PLATFORM);
	assert_false(g.smm.vcpu.state.smm);
	assert_int_equal(reg(&g, UC_X86_REG_RIP, UC_X86_REG_EIP), SMI_POINT);
	assert_int_equal(reg(&g, UC_X86_REG_RAX, UC_X86_REG_EAX), 0x5a);

	struct guest h;
	guest64(&h, handler64, sizeof(handler64));
	c.uc = h.uc;
	assert_int_equal(vsmm_uc_set_memory(&h.smm, count_read, count_write, &c),
			 VSMM_OK);
	round_trip(&h, OS_CODE + sizeof(os64));
	assert_true(c.writes >= 2); /* the SMI's area, WriteSaveState */
	assert_true(c.reads >= 4);  /* 3 hypercalls, the RSM's area */
	done(&h);
	done(&g);
}

static void test_settings(void **unused)
{
	(void)unused;
	uc_engine *uc16, *arm;
	struct vsmm_uc smm;
	assert_int_equal(vsmm_uc_attach(NULL, NULL), VSMM_E_INVAL);
	assert_int_equal(uc_open(UC_ARCH_X86, UC_MODE_16, &uc16), UC_ERR_OK);
	assert_int_equal(vsmm_uc_attach(&smm, uc16), VSMM_E_UNSUPPORTED);
	uc_close(uc16);
	if (uc_arch_supported(UC_ARCH_ARM) &&
	    uc_open(UC_ARCH_ARM, UC_MODE_ARM, &arm) == UC_ERR_OK) {
		assert_int_equal(vsmm_uc_attach(&smm, arm), VSMM_E_UNSUPPORTED);
		uc_close(arm);
	}

	struct guest g;
	guest64(&g, handler64, sizeof(handler64));
	/* hardware semantics on an Intel model: Intel's own 1024-byte map */
	assert_int_equal(vsmm_uc_set_semantics(&g.smm, VSMM_SEMANTICS_HARDWARE), VSMM_OK);
	assert_int_equal(vsmm_uc_area_address(&g.smm), SMBASE + 0xfc00);
	assert_int_equal(vsmm_uc_area_size(&g.smm), 1024);
	assert_int_equal(g.smm.mm.flavour, VSMM_MM_INTEL);
	struct vsmm_model amd;
	assert_int_equal(vsmm_model_preset(&amd, VSMM_VENDOR_AMD, true), VSMM_OK);
	struct vsmm_model bad = amd;
	bad.maxphyaddr = 20;
	assert_int_equal(vsmm_uc_set_model(&g.smm, &bad), VSMM_E_INVAL);
	assert_int_equal(vsmm_uc_set_model(&g.smm, NULL), VSMM_E_INVAL);
	assert_int_equal(g.smm.model.vendor, VSMM_VENDOR_INTEL);
	assert_int_equal(vsmm_uc_set_model(&g.smm, &amd), VSMM_OK);
	assert_int_equal(g.smm.model.vendor, VSMM_VENDOR_AMD);
	assert_int_equal(vsmm_uc_area_size(&g.smm), 512);
	assert_int_equal(vsmm_uc_set_semantics(&g.smm, VSMM_SEMANTICS_KVM), VSMM_OK);
	assert_int_equal(g.smm.mm.flavour, VSMM_MM_OVMF);
	assert_int_equal(vsmm_uc_set_smbase(&g.smm, 0x40000), VSMM_OK);
	assert_int_equal(vsmm_uc_area_address(&g.smm), 0x40000 + 0xfe00);
	assert_int_equal(vsmm_uc_set_smbase(&g.smm, SMBASE), VSMM_OK);
	/* a handler elsewhere */
	uc_mem_write(g.uc, 0x50000, handler64, sizeof(handler64));
	assert_int_equal(vsmm_uc_set_entry(&g.smm, 0x50000), VSMM_OK);
	assert_int_equal(uc_emu_start(g.uc, OS_CODE, SMI_POINT, 0, 0), UC_ERR_OK);
	assert_int_equal(vsmm_uc_smi(&g.smm), VSMM_OK);
	assert_int_equal(reg(&g, UC_X86_REG_RIP, UC_X86_REG_EIP), 0x50000);
	/* no changes in SMM, and no second SMI */
	assert_int_equal(vsmm_uc_set_smbase(&g.smm, 0x40000), VSMM_E_STATE);
	assert_int_equal(vsmm_uc_set_model(&g.smm, &amd), VSMM_E_STATE);
	assert_int_equal(vsmm_uc_set_semantics(&g.smm, VSMM_SEMANTICS_KVM), VSMM_E_STATE);
	assert_int_equal(vsmm_uc_set_entry(&g.smm, 0), VSMM_E_STATE);
	assert_int_equal(vsmm_uc_set_memory(&g.smm, NULL, NULL, NULL), VSMM_E_STATE);
	assert_int_equal(vsmm_uc_smi(&g.smm), VSMM_E_STATE);
	uc_err err;
	assert_int_equal(
		vsmm_uc_emu_start(&g.smm, 0x50000, OS_CODE + sizeof(os64), 0, 0, &err),
		VSMM_OK);
	assert_int_equal(reg(&g, UC_X86_REG_RCX, UC_X86_REG_ECX), 0x2234);
	done(&g);
	/* detach twice is harmless; calls on a detached struct refuse */
	vsmm_uc_detach(&g.smm);
	assert_int_equal(vsmm_uc_smi(&g.smm), VSMM_E_INVAL);
	assert_int_equal(vsmm_uc_rsm(&g.smm), VSMM_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_64),
		cmocka_unit_test(test_round_trip_32),
		cmocka_unit_test(test_hostile_image),
		cmocka_unit_test(test_rsm_outside_smm),
		cmocka_unit_test(test_rsm_rollback),
		cmocka_unit_test(test_plain_uc_emu_start),
		cmocka_unit_test(test_cs_base_32),
		cmocka_unit_test(test_memory_callbacks),
		cmocka_unit_test(test_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
