/* SPDX-License-Identifier: MIT */
/*
 * Text output for people: the field table of an image, a vCPU state with
 * the control bits named, and a shutdown report.  Scripts should use
 * --json (docs/json.md); this text may gain detail between versions.
 */
#include <string.h>

#include "cli.h"

struct bit_name {
	uint64_t bit;
	const char *name;
};

static const struct bit_name cr0_bits[] = {
	{ VSMM_CR0_PE, "PE" }, { VSMM_CR0_MP, "MP" }, { VSMM_CR0_EM, "EM" },
	{ VSMM_CR0_TS, "TS" }, { VSMM_CR0_ET, "ET" }, { VSMM_CR0_NE, "NE" },
	{ VSMM_CR0_WP, "WP" }, { VSMM_CR0_AM, "AM" }, { VSMM_CR0_NW, "NW" },
	{ VSMM_CR0_CD, "CD" }, { VSMM_CR0_PG, "PG" },
};

static const struct bit_name cr4_bits[] = {
	{ VSMM_CR4_VME, "VME" },
	{ VSMM_CR4_PVI, "PVI" },
	{ VSMM_CR4_TSD, "TSD" },
	{ VSMM_CR4_DE, "DE" },
	{ VSMM_CR4_PSE, "PSE" },
	{ VSMM_CR4_PAE, "PAE" },
	{ VSMM_CR4_MCE, "MCE" },
	{ VSMM_CR4_PGE, "PGE" },
	{ VSMM_CR4_PCE, "PCE" },
	{ VSMM_CR4_OSFXSR, "OSFXSR" },
	{ VSMM_CR4_OSXMMEXCPT, "OSXMMEXCPT" },
	{ VSMM_CR4_UMIP, "UMIP" },
	{ VSMM_CR4_LA57, "LA57" },
	{ VSMM_CR4_VMXE, "VMXE" },
	{ VSMM_CR4_SMXE, "SMXE" },
	{ VSMM_CR4_FSGSBASE, "FSGSBASE" },
	{ VSMM_CR4_PCIDE, "PCIDE" },
	{ VSMM_CR4_OSXSAVE, "OSXSAVE" },
	{ VSMM_CR4_SMEP, "SMEP" },
	{ VSMM_CR4_SMAP, "SMAP" },
	{ VSMM_CR4_PKE, "PKE" },
	{ VSMM_CR4_CET, "CET" },
	{ VSMM_CR4_PKS, "PKS" },
};

static const struct bit_name efer_bits[] = {
	{ VSMM_EFER_SCE, "SCE" },     { VSMM_EFER_LME, "LME" },
	{ VSMM_EFER_LMA, "LMA" },     { VSMM_EFER_NXE, "NXE" },
	{ VSMM_EFER_SVME, "SVME" },   { VSMM_EFER_LMSLE, "LMSLE" },
	{ VSMM_EFER_FFXSR, "FFXSR" }, { VSMM_EFER_TCE, "TCE" },
};

static const struct bit_name rflags_bits[] = {
	{ 1ull << 0, "CF" },	  { 1ull << 2, "PF" },	 { 1ull << 4, "AF" },
	{ 1ull << 6, "ZF" },	  { 1ull << 7, "SF" },	 { 1ull << 8, "TF" },
	{ VSMM_RFLAGS_IF, "IF" }, { 1ull << 10, "DF" },	 { 1ull << 11, "OF" },
	{ 1ull << 14, "NT" },	  { 1ull << 16, "RF" },	 { VSMM_RFLAGS_VM, "VM" },
	{ 1ull << 18, "AC" },	  { 1ull << 19, "VIF" }, { 1ull << 20, "VIP" },
	{ 1ull << 21, "ID" },
};

#define BITS(tab) tab, sizeof(tab) / sizeof(tab[0])

static void print_reg(FILE *f, const char *name, uint64_t v, const struct bit_name *bits,
		      size_t n)
{
	bool any = false;

	fprintf(f, "  %-7s0x%016llx", name, (unsigned long long)v);
	for (size_t i = 0; i < n; i++) {
		if (v & bits[i].bit) {
			fprintf(f, "%s%s", any ? " " : " [", bits[i].name);
			any = true;
		}
	}
	fputs(any ? "]\n" : "\n", f);
}

static void print_gprs(FILE *f, const struct vsmm_cpu_state *s)
{
	static const struct {
		const char *name;
		enum vsmm_gpr r;
	} order[] = {
		{ "rax", VSMM_RAX }, { "rbx", VSMM_RBX }, { "rcx", VSMM_RCX },
		{ "rdx", VSMM_RDX }, { "rsi", VSMM_RSI }, { "rdi", VSMM_RDI },
		{ "rbp", VSMM_RBP }, { "rsp", VSMM_RSP }, { "r8", VSMM_R8 },
		{ "r9", VSMM_R9 },   { "r10", VSMM_R10 }, { "r11", VSMM_R11 },
		{ "r12", VSMM_R12 }, { "r13", VSMM_R13 }, { "r14", VSMM_R14 },
		{ "r15", VSMM_R15 },
	};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		fprintf(f, "  %-4s0x%016llx%s", order[i].name,
			(unsigned long long)s->gpr[order[i].r], i % 4 == 3 ? "\n" : "");
}

/* "P S DPL0 type=b L G" from an access-rights word. */
static void attr_text(uint16_t a, char *buf, size_t len)
{
	snprintf(buf, len, "type=%x%s%s dpl=%u%s%s%s%s", a & VSMM_SEG_TYPE_MASK,
		 a & VSMM_SEG_S ? " S" : "", a & VSMM_SEG_P ? " P" : "",
		 (a & VSMM_SEG_DPL_MASK) >> VSMM_SEG_DPL_SHIFT,
		 a & VSMM_SEG_AVL ? " AVL" : "", a & VSMM_SEG_L ? " L" : "",
		 a & VSMM_SEG_DB ? " DB" : "", a & VSMM_SEG_G ? " G" : "");
}

static void print_segs(FILE *f, const struct vsmm_cpu_state *s)
{
	static const char *const names[VSMM_SREG_COUNT] = VSMM_SREG_NAMES;
	char at[64];

	for (int i = 0; i < VSMM_SREG_COUNT; i++) {
		const struct vsmm_seg *g = &s->seg[i];

		attr_text(g->attr, at, sizeof(at));
		fprintf(f,
			"  %-5s selector=0x%04x base=0x%016llx limit=0x%08x "
			"attr=0x%04x (%s)\n",
			names[i], g->selector, (unsigned long long)g->base, g->limit,
			g->attr, at);
	}
	fprintf(f, "  gdtr  base=0x%016llx limit=0x%08x\n",
		(unsigned long long)s->gdtr.base, s->gdtr.limit);
	fprintf(f, "  idtr  base=0x%016llx limit=0x%08x\n",
		(unsigned long long)s->idtr.base, s->idtr.limit);
}

/* The operating mode the registers describe (SDM Vol.3A 2.2, 4.1). */
static const char *mode_text(const struct vsmm_cpu_state *s)
{
	if (!(s->cr0 & VSMM_CR0_PE))
		return "real mode";
	if (s->efer & VSMM_EFER_LMA)
		return s->seg[VSMM_CS].attr & VSMM_SEG_L ? "64-bit mode (IA-32e)"
							 : "compatibility mode (IA-32e)";
	if (s->rflags & VSMM_RFLAGS_VM)
		return "virtual-8086 mode";
	return s->seg[VSMM_CS].attr & VSMM_SEG_DB ? "32-bit protected mode"
						  : "16-bit protected mode";
}

static const char *paging_text(const struct vsmm_cpu_state *s)
{
	if (!(s->cr0 & VSMM_CR0_PG))
		return "off";
	if (!(s->cr4 & VSMM_CR4_PAE))
		return "32-bit";
	if (!(s->efer & VSMM_EFER_LMA))
		return "PAE";
	return s->cr4 & VSMM_CR4_LA57 ? "5-level" : "4-level";
}

static void print_flag(FILE *f, const char *name, bool v)
{
	fprintf(f, " %s=%d", name, v);
}

void cli_print_state(FILE *f, const struct vsmm_cpu_state *s)
{
	fprintf(f, "  mode:  %s, paging %s\n", mode_text(s), paging_text(s));
	print_gprs(f, s);
	fprintf(f, "  rip    0x%016llx\n", (unsigned long long)s->rip);
	print_reg(f, "rflags", s->rflags, BITS(rflags_bits));
	print_reg(f, "cr0", s->cr0, BITS(cr0_bits));
	fprintf(f, "  cr2    0x%016llx\n", (unsigned long long)s->cr2);
	fprintf(f, "  cr3    0x%016llx\n", (unsigned long long)s->cr3);
	print_reg(f, "cr4", s->cr4, BITS(cr4_bits));
	print_reg(f, "efer", s->efer, BITS(efer_bits));
	fprintf(f, "  dr6    0x%016llx\n", (unsigned long long)s->dr6);
	fprintf(f, "  dr7    0x%016llx\n", (unsigned long long)s->dr7);
	fprintf(f, "  smbase 0x%08x\n", s->smbase);
	print_segs(f, s);
	fputs("  flags:", f);
	print_flag(f, "smm", s->smm);
	print_flag(f, "nmi_masked", s->nmi_masked);
	print_flag(f, "smm_inside_nmi", s->smm_inside_nmi);
	print_flag(f, "smi_pending", s->smi_pending);
	print_flag(f, "init_latched", s->init_latched);
	print_flag(f, "shutdown", s->shutdown);
	fputs("\n       ", f);
	print_flag(f, "nmi_pending", s->nmi_pending);
	print_flag(f, "halted", s->halted);
	print_flag(f, "vmx_on", s->vmx_on);
	print_flag(f, "guest_mode", s->guest_mode);
	fprintf(f, " int_shadow=0x%02x\n", s->int_shadow);
	if (s->svm_vmcb12)
		fprintf(f, "  svm_vmcb12 0x%016llx\n", (unsigned long long)s->svm_vmcb12);
}

void cli_print_state_brief(FILE *f, const struct vsmm_cpu_state *s)
{
	const struct vsmm_seg *cs = &s->seg[VSMM_CS], *ss = &s->seg[VSMM_SS];

	fprintf(f, "  mode:  %s, paging %s\n", mode_text(s), paging_text(s));
	fprintf(f, "  rip    0x%016llx  rsp 0x%016llx\n", (unsigned long long)s->rip,
		(unsigned long long)s->gpr[VSMM_RSP]);
	print_reg(f, "rflags", s->rflags, BITS(rflags_bits));
	print_reg(f, "cr0", s->cr0, BITS(cr0_bits));
	fprintf(f, "  cr3    0x%016llx\n", (unsigned long long)s->cr3);
	print_reg(f, "cr4", s->cr4, BITS(cr4_bits));
	print_reg(f, "efer", s->efer, BITS(efer_bits));
	fprintf(f, "  cs     selector=0x%04x base=0x%016llx attr=0x%04x\n", cs->selector,
		(unsigned long long)cs->base, cs->attr);
	fprintf(f, "  ss     selector=0x%04x base=0x%016llx attr=0x%04x\n", ss->selector,
		(unsigned long long)ss->base, ss->attr);
	fprintf(f, "  smbase 0x%08x  smm=%d nmi_masked=%d\n", s->smbase, s->smm,
		s->nmi_masked);
}

void cli_print_fields(FILE *f, const struct vsmm_layout_desc *desc, const uint8_t *area)
{
	fprintf(f, "  %-6s %4s  %-22s %-18s  %s\n", "offset", "size", "field", "value",
		"description");
	for (size_t i = 0; i < desc->nfields; i++) {
		const struct vsmm_field_desc *fd = &desc->fields[i];
		uint64_t v = vsmm_field_read(desc, fd, area);
		char val[24];

		snprintf(val, sizeof(val), "0x%0*llx", fd->size * 2,
			 (unsigned long long)v);
		fprintf(f, "  0x%04x %4u  %-22s %-18s  %s%s%s\n", fd->offset, fd->size,
			fd->name ? fd->name : "?", val, fd->text ? fd->text : "",
			fd->flags & VSMM_FIELD_VSMM_EXT ? " [extension]" : "",
			fd->flags & VSMM_FIELD_RESERVED ? " [reserved]" : "");
	}
}

void cli_print_shutdown(FILE *f, const struct vsmm_shutdown *why)
{
	fprintf(f, "  rule:    %s\n", vsmm_reason_name(why->reason));
	/* Offset 0 means the value is not in the image (e.g. a PDPTE read
	 * from guest memory). */
	if (why->field && why->offset)
		fprintf(f, "  field:   %s at 0x%04x\n", why->field, why->offset);
	else if (why->field)
		fprintf(f, "  field:   %s (not in the image)\n", why->field);
	else
		fprintf(f, "  field:   -\n");
	fprintf(f, "  value:   0x%016llx\n", (unsigned long long)why->value);
	fprintf(f, "  message: %s\n", vsmm_reason_text(why->reason));
	fprintf(f, "  ref:     %s\n", vsmm_reason_ref(why->reason));
}

void cli_shutdown_to_json(json_object *o, const struct vsmm_shutdown *why)
{
	json_object_object_add(o, "reason",
			       json_object_new_string(vsmm_reason_name(why->reason)));
	json_object_object_add(o, "message",
			       json_object_new_string(vsmm_reason_text(why->reason)));
	json_object_object_add(o, "field",
			       why->field ? json_object_new_string(why->field) : NULL);
	json_object_object_add(o, "offset", cli_json_hex(why->offset));
	json_object_object_add(o, "value", cli_json_hex(why->value));
	json_object_object_add(o, "ref",
			       json_object_new_string(vsmm_reason_ref(why->reason)));
}
