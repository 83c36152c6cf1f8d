/* SPDX-License-Identifier: MIT */
/*
 * vsmm-unicorn: SMI and RSM for a Unicorn x86 instance through vsmm's
 * public API and Unicorn's public API (docs/unicorn.md).
 *
 * Unicorn 2.0.1 facts this relies on (shared/notes/unicorn-2.0.1.md and
 * the probes behind docs/unicorn.md):
 *  - register reads store as many bytes as the mode's register has (a
 *    32-bit instance answers RIP/RAX/R8 with nothing), so every register
 *    is read into a variable of its own width;
 *  - a selector write in a 32-bit protected-mode instance loads the
 *    descriptor from the GDT/LDT, and fails for one that is not there; in
 *    a 64-bit instance it stores the selector only;
 *  - CR0/CR3/CR4 writes store the number; EFER goes through WRMSR;
 *  - after an invalid-instruction hook that returns true Unicorn stops,
 *    and a RIP written inside the hook is where it stopped.
 */
#include "vsmm/unicorn.h"

#include <string.h>

#define FLAT_LIMIT 0xffffffffu
/* Access-rights words (vsmm_seg.attr) of flat segments. */
#define ATTR_CODE64 0xa09bu /* G, L, P, S, execute/read, accessed */
#define ATTR_CODE32 0xc09bu /* G, D, P, S, execute/read, accessed */
#define ATTR_DATA 0xc093u   /* G, B, P, S, read/write, accessed */
#define ATTR_TSS_BUSY 0x8bu /* P, busy 32/64-bit TSS */
#define TSS_MIN_LIMIT 0x67u
#define MSR_EFER 0xc0000080u

static const int sreg_id[6] = {
	UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS,
	UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS,
};
static const int gpr64_id[VSMM_GPR_COUNT] = {
	UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX,
	UC_X86_REG_RSP, UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI,
	UC_X86_REG_R8,	UC_X86_REG_R9,	UC_X86_REG_R10, UC_X86_REG_R11,
	UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
};
static const int gpr32_id[8] = {
	UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
	UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI,
};

/* ---- registers of the mode's width --------------------------------------- */

static uc_err reg_get(const struct vsmm_uc *smm, int id64, int id32, uint64_t *v)
{
	if (smm->priv.bits == 64)
		return uc_reg_read(smm->priv.uc, id64, v);
	uint32_t w = 0;
	uc_err err = uc_reg_read(smm->priv.uc, id32, &w);
	*v = w;
	return err;
}

static uc_err reg_set(const struct vsmm_uc *smm, int id64, int id32, uint64_t v)
{
	if (smm->priv.bits == 64)
		return uc_reg_write(smm->priv.uc, id64, &v);
	uint32_t w = (uint32_t)v;
	return uc_reg_write(smm->priv.uc, id32, &w);
}

static uc_err efer_get(const struct vsmm_uc *smm, uint64_t *v)
{
	uc_x86_msr msr = { .rid = MSR_EFER, .value = 0 };
	uc_err err = uc_reg_read(smm->priv.uc, UC_X86_REG_MSR, &msr);
	*v = msr.value;
	return err;
}

static uc_err efer_set(const struct vsmm_uc *smm, uint64_t v)
{
	uc_x86_msr msr = { .rid = MSR_EFER, .value = v };
	return uc_reg_write(smm->priv.uc, UC_X86_REG_MSR, &msr);
}

/* ---- segment descriptors ------------------------------------------------- */

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/*
 * The cache a 32-bit protected-mode instance loaded for this selector:
 * the code or data descriptor it names in the GDT (or the LDT, whose cache
 * LDTR holds).  false when there is none to read (null selector, outside
 * the table's limit, not present, a system descriptor, memory unmapped).
 */
static bool seg_from_table(const struct vsmm_uc *smm, uint16_t sel,
			   const struct vsmm_dtable *gdtr, const struct vsmm_seg *ldtr,
			   struct vsmm_seg *out)
{
	uint64_t table = gdtr->base;
	uint32_t limit = gdtr->limit;
	if (sel & 4) {
		table = ldtr->base;
		limit = ldtr->limit;
	}
	uint32_t off = sel & 0xfff8u;
	if ((sel & 0xfffcu) == 0 || (uint64_t)off + 7 > limit)
		return false;
	uint8_t raw[8];
	if (uc_mem_read(smm->priv.uc, table + off, raw, sizeof(raw)) != UC_ERR_OK)
		return false;
	uint64_t d = le64(raw);
	uint16_t attr = (uint16_t)((d >> 40) & VSMM_SEG_ATTR_MASK);
	if (!(attr & VSMM_SEG_P) || !(attr & VSMM_SEG_S))
		return false;
	uint32_t lim = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
	if (attr & VSMM_SEG_G)
		lim = lim << 12 | 0xfff;
	out->selector = sel;
	out->attr = attr;
	out->limit = lim;
	out->base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	return true;
}

static uint16_t attr_from_uc(uint32_t flags)
{
	return (uint16_t)((flags >> 8) & VSMM_SEG_ATTR_MASK);
}

static uint32_t attr_to_uc(uint16_t attr)
{
	return (uint32_t)attr << 8;
}

static uc_err mmr_get(const struct vsmm_uc *smm, int id, uc_x86_mmr *m)
{
	memset(m, 0, sizeof(*m));
	return uc_reg_read(smm->priv.uc, id, m);
}

/* ---- the context in and out ----------------------------------------------- */

/* Read what the public API gives into the architectural fields of *st
 * (event flags and SMBASE are vsmm's and stay). */
static uc_err capture(const struct vsmm_uc *smm, struct vsmm_cpu_state *st)
{
	uc_err err = UC_ERR_OK;
	bool wide = smm->priv.bits == 64;
	for (int i = 0; i < VSMM_GPR_COUNT; i++) {
		st->gpr[i] = 0;
		if (wide || i < 8)
			err = err ? err
				  : reg_get(smm, gpr64_id[i], i < 8 ? gpr32_id[i] : 0,
					    &st->gpr[i]);
	}
	err = err ? err : reg_get(smm, UC_X86_REG_RIP, UC_X86_REG_EIP, &st->rip);
	err = err ? err : reg_get(smm, UC_X86_REG_RFLAGS, UC_X86_REG_EFLAGS, &st->rflags);
	err = err ? err : reg_get(smm, UC_X86_REG_CR0, UC_X86_REG_CR0, &st->cr0);
	err = err ? err : reg_get(smm, UC_X86_REG_CR2, UC_X86_REG_CR2, &st->cr2);
	err = err ? err : reg_get(smm, UC_X86_REG_CR3, UC_X86_REG_CR3, &st->cr3);
	err = err ? err : reg_get(smm, UC_X86_REG_CR4, UC_X86_REG_CR4, &st->cr4);
	err = err ? err : reg_get(smm, UC_X86_REG_DR6, UC_X86_REG_DR6, &st->dr6);
	err = err ? err : reg_get(smm, UC_X86_REG_DR7, UC_X86_REG_DR7, &st->dr7);
	err = err ? err : efer_get(smm, &st->efer);

	uc_x86_mmr m;
	err = err ? err : mmr_get(smm, UC_X86_REG_GDTR, &m);
	st->gdtr.base = m.base;
	st->gdtr.limit = m.limit;
	err = err ? err : mmr_get(smm, UC_X86_REG_IDTR, &m);
	st->idtr.base = m.base;
	st->idtr.limit = m.limit;
	static const int sys_id[2] = { UC_X86_REG_LDTR, UC_X86_REG_TR };
	for (int i = 0; i < 2; i++) {
		struct vsmm_seg *s = &st->seg[VSMM_LDTR + i];
		err = err ? err : mmr_get(smm, sys_id[i], &m);
		s->selector = m.selector;
		s->base = m.base;
		s->limit = m.limit;
		s->attr = attr_from_uc(m.flags);
	}
	/* Unicorn holds no TR until the guest runs LTR; every processor in
	 * protected mode has one, and RSM refuses a context without a busy
	 * TSS (TR_ATTR): stand in the reset one. */
	struct vsmm_seg *tr = &st->seg[VSMM_TR];
	if (!(tr->attr & VSMM_SEG_P)) {
		tr->attr = ATTR_TSS_BUSY;
		if (tr->limit < TSS_MIN_LIMIT)
			tr->limit = TSS_MIN_LIMIT;
	}

	for (int i = 0; i < 6; i++) {
		struct vsmm_seg *s = &st->seg[i];
		uint16_t sel = 0;
		err = err ? err : uc_reg_read(smm->priv.uc, sreg_id[i], &sel);
		if (wide ||
		    !seg_from_table(smm, sel, &st->gdtr, &st->seg[VSMM_LDTR], s)) {
			s->selector = sel;
			s->base = 0;
			s->limit = FLAT_LIMIT;
			s->attr = i != VSMM_CS ? ATTR_DATA
				  : wide       ? ATTR_CODE64
					       : ATTR_CODE32;
		}
	}
	if (wide) {
		err = err ? err
			  : uc_reg_read(smm->priv.uc, UC_X86_REG_FS_BASE,
					&st->seg[VSMM_FS].base);
		err = err ? err
			  : uc_reg_read(smm->priv.uc, UC_X86_REG_GS_BASE,
					&st->seg[VSMM_GS].base);
	}
	return err;
}

/* The CS base the instance executes with now. */
static uint64_t cs_base_now(const struct vsmm_uc *smm)
{
	if (smm->priv.bits == 64)
		return 0;
	uint16_t sel = 0;
	uc_x86_mmr g, l;
	struct vsmm_dtable gdtr;
	struct vsmm_seg ldtr = { 0 }, cs;
	if (uc_reg_read(smm->priv.uc, UC_X86_REG_CS, &sel) != UC_ERR_OK ||
	    mmr_get(smm, UC_X86_REG_GDTR, &g) != UC_ERR_OK ||
	    mmr_get(smm, UC_X86_REG_LDTR, &l) != UC_ERR_OK)
		return 0;
	gdtr.base = g.base;
	gdtr.limit = g.limit;
	ldtr.base = l.base;
	ldtr.limit = l.limit;
	return seg_from_table(smm, sel, &gdtr, &ldtr, &cs) ? cs.base : 0;
}

/* Write a resumed context with what the public API can write; the order
 * puts the tables before the selectors a 32-bit instance loads from them. */
static uc_err restore(const struct vsmm_uc *smm, const struct vsmm_cpu_state *st)
{
	uc_err err = UC_ERR_OK;
	uc_x86_mmr m;
	memset(&m, 0, sizeof(m));
	m.base = st->gdtr.base;
	m.limit = st->gdtr.limit;
	err = err ? err : uc_reg_write(smm->priv.uc, UC_X86_REG_GDTR, &m);
	m.base = st->idtr.base;
	m.limit = st->idtr.limit;
	err = err ? err : uc_reg_write(smm->priv.uc, UC_X86_REG_IDTR, &m);
	static const int sys_id[2] = { UC_X86_REG_LDTR, UC_X86_REG_TR };
	for (int i = 0; i < 2; i++) {
		const struct vsmm_seg *s = &st->seg[VSMM_LDTR + i];
		m.selector = s->selector;
		m.base = s->base;
		m.limit = s->limit;
		m.flags = attr_to_uc(s->attr);
		err = err ? err : uc_reg_write(smm->priv.uc, sys_id[i], &m);
	}
	err = err ? err : reg_set(smm, UC_X86_REG_CR0, UC_X86_REG_CR0, st->cr0);
	err = err ? err : reg_set(smm, UC_X86_REG_CR3, UC_X86_REG_CR3, st->cr3);
	err = err ? err : reg_set(smm, UC_X86_REG_CR4, UC_X86_REG_CR4, st->cr4);
	err = err ? err : efer_set(smm, st->efer);
	err = err ? err : reg_set(smm, UC_X86_REG_DR6, UC_X86_REG_DR6, st->dr6);
	err = err ? err : reg_set(smm, UC_X86_REG_DR7, UC_X86_REG_DR7, st->dr7);
	for (int i = 0; i < 6; i++) {
		uint16_t sel = st->seg[i].selector;
		err = err ? err : uc_reg_write(smm->priv.uc, sreg_id[i], &sel);
	}
	if (smm->priv.bits == 64) {
		err = err ? err
			  : uc_reg_write(smm->priv.uc, UC_X86_REG_FS_BASE,
					 &st->seg[VSMM_FS].base);
		err = err ? err
			  : uc_reg_write(smm->priv.uc, UC_X86_REG_GS_BASE,
					 &st->seg[VSMM_GS].base);
	}
	for (int i = 0; i < (smm->priv.bits == 64 ? VSMM_GPR_COUNT : 8); i++)
		err = err ? err
			  : reg_set(smm, gpr64_id[i], i < 8 ? gpr32_id[i] : 0,
				    st->gpr[i]);
	err = err ? err : reg_set(smm, UC_X86_REG_RFLAGS, UC_X86_REG_EFLAGS, st->rflags);
	err = err ? err : reg_set(smm, UC_X86_REG_RIP, UC_X86_REG_EIP, st->rip);
	return err;
}

/* ---- memory --------------------------------------------------------------- */

static int uc_read(void *ctx, bool smm_view, uint64_t gpa, void *buf, size_t len)
{
	(void)smm_view;
	return uc_mem_read(ctx, gpa, buf, len) == UC_ERR_OK ? 0 : -1;
}

static int uc_write(void *ctx, bool smm_view, uint64_t gpa, const void *buf, size_t len)
{
	(void)smm_view;
	return uc_mem_write(ctx, gpa, buf, len) == UC_ERR_OK ? 0 : -1;
}

static int ops_read(void *ctx, bool smm_view, uint64_t gpa, void *buf, size_t len)
{
	struct vsmm_uc *smm = ctx;
	return smm->priv.read(smm->priv.mem_ctx, smm_view, gpa, buf, len);
}

static int ops_write(void *ctx, bool smm_view, uint64_t gpa, const void *buf, size_t len)
{
	struct vsmm_uc *smm = ctx;
	return smm->priv.write(smm->priv.mem_ctx, smm_view, gpa, buf, len);
}

/* ---- RSM hook ------------------------------------------------------------- */

static bool on_invalid(uc_engine *uc, void *user)
{
	struct vsmm_uc *smm = user;
	uint64_t rip = 0;
	uint8_t op[2];
	if (!smm->vcpu.state.smm ||
	    reg_get(smm, UC_X86_REG_RIP, UC_X86_REG_EIP, &rip) != UC_ERR_OK ||
	    uc_mem_read(uc, cs_base_now(smm) + rip, op, 2) != UC_ERR_OK ||
	    op[0] != 0x0f || op[1] != 0xaa)
		return false; /* a real #UD: Unicorn reports UC_ERR_INSN_INVALID */
	smm->priv.rsm_ran = true;
	smm->priv.rsm_status = vsmm_uc_rsm(smm);
	return true;
}

/* ---- the calls ------------------------------------------------------------ */

static void mm_from_layout(struct vsmm_uc *smm)
{
	memset(&smm->mm, 0, sizeof(smm->mm));
	smm->mm.flavour = vsmm_mm_flavour_for_layout(vsmm_vcpu_layout(&smm->vcpu));
	smm->mm.processor_id_valid = true;
	smm->mm.processor_id = 0;
}

int vsmm_uc_attach(struct vsmm_uc *smm, uc_engine *uc)
{
	if (!smm || !uc)
		return VSMM_E_INVAL;
	size_t arch = 0, mode = 0;
	if (uc_query(uc, UC_QUERY_ARCH, &arch) != UC_ERR_OK ||
	    uc_query(uc, UC_QUERY_MODE, &mode) != UC_ERR_OK)
		return VSMM_E_PLATFORM;
	if (arch != UC_ARCH_X86 || (mode != UC_MODE_32 && mode != UC_MODE_64))
		return VSMM_E_UNSUPPORTED;

	memset(smm, 0, sizeof(*smm));
	smm->priv.uc = uc;
	smm->priv.bits = mode == UC_MODE_64 ? 64 : 32;
	smm->priv.read = uc_read;
	smm->priv.write = uc_write;
	smm->priv.mem_ctx = uc;
	smm->priv.ops.read_phys = ops_read;
	smm->priv.ops.write_phys = ops_write;
	int rc = vsmm_model_preset(&smm->model, VSMM_VENDOR_INTEL, smm->priv.bits == 64);
	if (rc == VSMM_OK)
		rc = vsmm_vcpu_init(&smm->vcpu, &smm->model, &smm->priv.ops, smm);
	if (rc != VSMM_OK)
		return rc;
	mm_from_layout(smm);
	if (uc_context_alloc(uc, &smm->priv.undo) != UC_ERR_OK) {
		smm->priv.uc = NULL;
		return VSMM_E_PLATFORM;
	}
	if (uc_hook_add(uc, &smm->priv.rsm_hook, UC_HOOK_INSN_INVALID, (void *)on_invalid,
			smm, 1, 0) != UC_ERR_OK) {
		uc_context_free(smm->priv.undo);
		smm->priv.uc = NULL;
		return VSMM_E_PLATFORM;
	}
	return VSMM_OK;
}

void vsmm_uc_detach(struct vsmm_uc *smm)
{
	if (!smm || !smm->priv.uc)
		return;
	uc_hook_del(smm->priv.uc, smm->priv.rsm_hook);
	uc_context_free(smm->priv.undo);
	smm->priv.undo = NULL;
	smm->priv.uc = NULL;
}

static int settable(const struct vsmm_uc *smm)
{
	if (!smm || !smm->priv.uc)
		return VSMM_E_INVAL;
	return smm->vcpu.state.smm ? VSMM_E_STATE : VSMM_OK;
}

int vsmm_uc_set_model(struct vsmm_uc *smm, const struct vsmm_model *model)
{
	int rc = settable(smm);
	if (rc != VSMM_OK)
		return rc;
	/* vsmm decides what a valid model is: a scratch vCPU asks it. */
	struct vsmm_vcpu probe;
	if (!model || vsmm_vcpu_init(&probe, model, NULL, NULL) != VSMM_OK)
		return VSMM_E_INVAL;
	smm->model = *model;
	mm_from_layout(smm);
	return VSMM_OK;
}

int vsmm_uc_set_semantics(struct vsmm_uc *smm, enum vsmm_semantics semantics)
{
	int rc = settable(smm);
	if (rc == VSMM_OK)
		rc = vsmm_vcpu_set_semantics(&smm->vcpu, semantics);
	if (rc == VSMM_OK)
		mm_from_layout(smm);
	return rc;
}

int vsmm_uc_set_smbase(struct vsmm_uc *smm, uint32_t smbase)
{
	int rc = settable(smm);
	if (rc == VSMM_OK)
		smm->vcpu.state.smbase = smbase;
	return rc;
}

int vsmm_uc_set_entry(struct vsmm_uc *smm, uint64_t linear)
{
	int rc = settable(smm);
	if (rc == VSMM_OK)
		smm->priv.entry = linear;
	return rc;
}

int vsmm_uc_set_memory(struct vsmm_uc *smm, vsmm_uc_read_fn read, vsmm_uc_write_fn write,
		       void *ctx)
{
	int rc = settable(smm);
	if (rc != VSMM_OK)
		return rc;
	if (!read != !write)
		return VSMM_E_INVAL;
	smm->priv.read = read ? read : uc_read;
	smm->priv.write = write ? write : uc_write;
	smm->priv.mem_ctx = read ? ctx : smm->priv.uc;
	return VSMM_OK;
}

uint64_t vsmm_uc_area_address(const struct vsmm_uc *smm)
{
	const struct vsmm_layout_desc *l;
	if (!smm || !(l = vsmm_layout_get(vsmm_vcpu_layout(&smm->vcpu))))
		return 0;
	return (uint64_t)smm->vcpu.state.smbase + l->area_offset;
}

size_t vsmm_uc_area_size(const struct vsmm_uc *smm)
{
	const struct vsmm_layout_desc *l;
	if (!smm || !(l = vsmm_layout_get(vsmm_vcpu_layout(&smm->vcpu))))
		return 0;
	return l->area_size;
}

int vsmm_uc_smi(struct vsmm_uc *smm)
{
	if (!smm || !smm->priv.uc)
		return VSMM_E_INVAL;
	if (smm->vcpu.state.smm || smm->vcpu.state.shutdown)
		return VSMM_E_STATE;
	struct vsmm_vcpu before = smm->vcpu;
	struct vsmm_cpu_state *st = &smm->vcpu.state;
	if (uc_context_save(smm->priv.uc, smm->priv.undo) != UC_ERR_OK ||
	    capture(smm, st) != UC_ERR_OK) {
		smm->vcpu = before;
		return VSMM_E_PLATFORM;
	}
	uint64_t cs_base = st->seg[VSMM_CS].base;
	int rc = vsmm_enter_smm(&smm->vcpu);
	if (rc != VSMM_OK)
		return rc; /* vsmm left the vCPU as its status says */

	uint64_t entry = smm->priv.entry ? smm->priv.entry
					 : st->seg[VSMM_CS].base + st->rip;
	uc_err err = reg_set(smm, UC_X86_REG_RFLAGS, UC_X86_REG_EFLAGS, st->rflags);
	err = err ? err : reg_set(smm, UC_X86_REG_DR7, UC_X86_REG_DR7, st->dr7);
	for (int i = 0; i < (smm->priv.bits == 64 ? VSMM_GPR_COUNT : 8); i++)
		err = err ? err
			  : reg_set(smm, gpr64_id[i], i < 8 ? gpr32_id[i] : 0,
				    st->gpr[i]);
	err = err ? err : reg_set(smm, UC_X86_REG_RIP, UC_X86_REG_EIP, entry - cs_base);
	if (err != UC_ERR_OK) {
		uc_context_restore(smm->priv.uc, smm->priv.undo);
		smm->vcpu = before;
		return VSMM_E_PLATFORM;
	}
	return VSMM_OK;
}

int vsmm_uc_rsm(struct vsmm_uc *smm)
{
	if (!smm || !smm->priv.uc)
		return VSMM_E_INVAL;
	struct vsmm_vcpu before = smm->vcpu;
	if (uc_context_save(smm->priv.uc, smm->priv.undo) != UC_ERR_OK)
		return VSMM_E_PLATFORM;
	int rc = vsmm_leave_smm(&smm->vcpu);
	if (rc != VSMM_OK)
		return rc;
	if (restore(smm, &smm->vcpu.state) != UC_ERR_OK) {
		uc_context_restore(smm->priv.uc, smm->priv.undo);
		smm->vcpu = before;
		return VSMM_E_PLATFORM;
	}
	return VSMM_OK;
}

int vsmm_uc_emu_start(struct vsmm_uc *smm, uint64_t begin, uint64_t until,
		      uint64_t timeout, size_t count, uc_err *uc_result)
{
	if (!smm || !smm->priv.uc)
		return VSMM_E_INVAL;
	for (;;) {
		if (smm->vcpu.state.shutdown)
			return VSMM_E_STATE;
		smm->priv.rsm_ran = false;
		uc_err err = uc_emu_start(smm->priv.uc, begin, until, timeout, count);
		if (uc_result)
			*uc_result = err;
		if (!smm->priv.rsm_ran || err != UC_ERR_OK)
			return VSMM_OK;
		smm->priv.rsm_ran = false;
		if (smm->priv.rsm_status != VSMM_OK)
			return smm->priv.rsm_status;
		if (reg_get(smm, UC_X86_REG_RIP, UC_X86_REG_EIP, &begin) != UC_ERR_OK)
			return VSMM_E_PLATFORM;
		if (begin == until)
			return VSMM_OK;
	}
}

/* The area as it is in memory now, into buf (VSMM_IMAGE_MAX bytes). */
static size_t area_read(struct vsmm_uc *smm, uint8_t *buf)
{
	size_t len = vsmm_uc_area_size(smm);
	if (!len || smm->priv.read(smm->priv.mem_ctx, true, vsmm_uc_area_address(smm),
				   buf, len) != 0)
		return 0;
	return len;
}

enum vsmm_efi_status vsmm_uc_read_save_state(struct vsmm_uc *smm, uint32_t reg,
					     size_t width, void *buffer)
{
	uint8_t area[VSMM_IMAGE_MAX];
	size_t len;
	if (!smm || !smm->priv.uc || !(len = area_read(smm, area)))
		return VSMM_EFI_INVALID_PARAMETER;
	return vsmm_mm_read_save_state(&smm->mm, area, len, reg, width, buffer);
}

enum vsmm_efi_status vsmm_uc_write_save_state(struct vsmm_uc *smm, uint32_t reg,
					      size_t width, const void *buffer)
{
	uint8_t area[VSMM_IMAGE_MAX];
	size_t len;
	if (!smm || !smm->priv.uc || !(len = area_read(smm, area)))
		return VSMM_EFI_INVALID_PARAMETER;
	enum vsmm_efi_status s = vsmm_mm_write_save_state(&smm->mm, area, len, reg, width,
							  buffer);
	if (s == VSMM_EFI_SUCCESS &&
	    smm->priv.write(smm->priv.mem_ctx, true, vsmm_uc_area_address(smm), area,
			    len) != 0)
		return VSMM_EFI_INVALID_PARAMETER;
	return s;
}
