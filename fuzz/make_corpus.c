/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpus of fuzz_rsm, fuzz_codec and fuzz_sequence
 * (fuzz/make-corpus runs it and adds the JSON seeds).  Usage:
 *
 *   make_corpus rsm|codec|sequence OUTDIR
 *
 * rsm: for every model/layout/semantics configuration and every context
 * the model supports, the 4-byte scenario header followed by the image the
 * SMI really wrote (valid images of every layout), plus one image per
 * shutdown reason that an image can trigger, each checked with
 * vsmm_rsm_check to trigger exactly that reason (the golden shutdown
 * cases).  codec: real images of every layout and context.  sequence: short
 * scripts of SMI/RSM/event/migration operations for every configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static const char *outdir;
static unsigned written;

static void put(const char *name, const uint8_t *a, size_t na, const uint8_t *b,
		size_t nb)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(a, 1, na, f) != na || (nb && fwrite(b, 1, nb, f) != nb) ||
	    fclose(f) != 0) {
		fprintf(stderr, "make_corpus: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	written++;
}

static struct fz_mem mem;
static struct fz_scenario sc;
static struct vsmm_vcpu vcpu;

/* SMI from the scenario; the area it wrote goes to img.  false if the
 * configuration cannot take this context. */
static bool smi_image(const uint8_t hdr[FZ_SCENARIO_BYTES], uint8_t *img,
		      const struct vsmm_layout_desc **desc)
{
	fz_mem_reset(&mem);
	if (!fz_scenario_decode(hdr, &mem, &sc) || sc.kind != hdr[1] % FZ_ST_COUNT ||
	    fz_scenario_vcpu(&sc, &mem, &vcpu) != VSMM_OK ||
	    vsmm_enter_smm(&vcpu) != VSMM_OK)
		return false;
	*desc = vsmm_layout_get(vsmm_vcpu_layout(&vcpu));
	return fz_mem_peek(&mem, (uint64_t)sc.smbase + (*desc)->area_offset, img,
			   (*desc)->area_size);
}

static void rsm_valid(void)
{
	for (unsigned c = 0; c < FZ_CONFIG_COUNT; c++) {
		for (unsigned k = 0; k < FZ_ST_COUNT; k++) {
			uint8_t hdr[FZ_SCENARIO_BYTES] = {
				(uint8_t)c,
				(uint8_t)k,
				(uint8_t)((c * 7 + k) * 0x25),
				(uint8_t)((k % 4) | ((c + k) % 4) << 4),
			};
			const struct vsmm_layout_desc *d;
			uint8_t img[VSMM_IMAGE_MAX];
			char name[64];

			if (!smi_image(hdr, img, &d))
				continue;
			snprintf(name, sizeof(name), "valid-%02x-%s-%s", c,
				 fz_state_names[k], d->name);
			put(name, hdr, sizeof(hdr), img, d->area_size);
		}
	}
}

/* A handler's scribble on the decoded image; returns the reason expected. */
struct scribble {
	const char *name;
	uint8_t config, kind; /* scenario (flags and handler 0) */
	void (*apply)(struct vsmm_cpu_state *s, struct vsmm_image_extras *x);
	enum vsmm_reason reason;
	uint8_t smbase_sel; /* bits 4-5 of header byte 3 */
};

#define SCRIBBLE(fn, body) \
	static void fn(struct vsmm_cpu_state *s, struct vsmm_image_extras *x) \
	{ \
		(void)s; \
		(void)x; \
		body; \
	}

SCRIBBLE(cr0_high, s->cr0 |= 1ull << 32)
SCRIBBLE(cr0_nw, s->cr0 = (s->cr0 | VSMM_CR0_NW) & ~VSMM_CR0_CD)
SCRIBBLE(cr0_pg_no_pe, s->cr0 = (s->cr0 | VSMM_CR0_PG) & ~VSMM_CR0_PE)
SCRIBBLE(cr0_lme_no_pae, s->cr4 &= ~VSMM_CR4_PAE)
SCRIBBLE(cr0_vmx_fixed, s->cr0 &= ~VSMM_CR0_NE)
SCRIBBLE(cr3_high, s->cr3 |= 1ull << 50)
SCRIBBLE(cr4_bit15, s->cr4 |= 1ull << 15)
SCRIBBLE(cr4_la57, s->cr4 |= VSMM_CR4_LA57)
SCRIBBLE(cr4_vmx_fixed, s->cr4 &= ~VSMM_CR4_VMXE)
SCRIBBLE(cr4_vmxe_image, s->cr4 |= VSMM_CR4_VMXE)
SCRIBBLE(cr4_pcide_no_lma, s->cr4 |= VSMM_CR4_PCIDE)
SCRIBBLE(efer_reserved, s->efer |= 1ull << 20)
SCRIBBLE(efer_svme, s->efer |= VSMM_EFER_SVME)
SCRIBBLE(dr6_high, s->dr6 |= 1ull << 40)
SCRIBBLE(dr7_high, s->dr7 |= 1ull << 40)
SCRIBBLE(lma_off, s->efer &= ~VSMM_EFER_LMA)
SCRIBBLE(vm_in_lm, s->rflags |= VSMM_RFLAGS_VM)
SCRIBBLE(cr4_pae_off_lm, s->cr4 &= ~VSMM_CR4_PAE)
SCRIBBLE(svm_svme_clear, s->efer &= ~VSMM_EFER_SVME)
/* Regression (fuzz_rsm): reserved RFLAGS bits used to be resumed as is. */
SCRIBBLE(rflags_reserved, s->rflags |= 0xffffffffffc08028ull)
/* Regression (fuzz_rsm, CI): paging off with RFLAGS.VM=1 in VMX root; the
 * fixed bits turn IA-32e mode back on, VM goes, the RPLs follow SS.DPL. */
SCRIBBLE(vm_pg_off_rpl, s->cr0 &= ~VSMM_CR0_PG; s->efer &= ~VSMM_EFER_LMA;
	 s->rflags |= VSMM_RFLAGS_VM; s->seg[VSMM_SS].selector |= 2)
/* The PAE context's PDPT sits at 0x6000; 0x0 holds the input's tail,
 * which for these seeds is a PDPTE with reserved bits. */
SCRIBBLE(pdpt_bad, s->cr3 = 0)
/* SMRAM pages are not readable through the normal view. */
SCRIBBLE(pdpt_smram, s->cr3 = VSMM_DEFAULT_SMBASE + 0xfe00)

/* Config bytes: bit 0 AMD, bit 1 long mode, bits 2-3 layout, bit 4 hardware. */
#define INTEL_LM 0x02
#define AMD_LM 0x03
#define INTEL_32 0x00
#define HW 0x10

static const struct scribble scribbles[] = {
	{ "cr0-high", INTEL_LM, FZ_ST_LONG, cr0_high, VSMM_REASON_CR0_HIGH, 0 },
	{ "cr0-nw", AMD_LM, FZ_ST_PM32, cr0_nw, VSMM_REASON_CR0_NW_NO_CD, 0 },
	{ "cr0-pg-no-pe", INTEL_32, FZ_ST_PM32, cr0_pg_no_pe, VSMM_REASON_CR0_PG_NO_PE,
	  0 },
	{ "cr0-lme-no-pae", INTEL_LM, FZ_ST_LONG, cr0_lme_no_pae,
	  VSMM_REASON_CR0_PG_LME_NO_PAE, 0 },
	{ "cr0-vmx-fixed", INTEL_LM, FZ_ST_VMX_ROOT, cr0_vmx_fixed,
	  VSMM_REASON_CR0_VMX_FIXED, 0 },
	{ "cr3-high", AMD_LM, FZ_ST_LONG, cr3_high, VSMM_REASON_CR3_RESERVED, 0 },
	{ "cr4-reserved", INTEL_LM, FZ_ST_LONG, cr4_bit15, VSMM_REASON_CR4_RESERVED, 0 },
	{ "cr4-la57", AMD_LM, FZ_ST_LONG, cr4_la57, VSMM_REASON_CR4_UNSUPPORTED, 0 },
	{ "cr4-vmx-fixed", INTEL_LM, FZ_ST_VMX_ROOT, cr4_vmx_fixed,
	  VSMM_REASON_CR4_VMX_FIXED, 0 },
	{ "cr4-vmxe-image", INTEL_LM | HW, FZ_ST_LONG, cr4_vmxe_image,
	  VSMM_REASON_CR4_VMXE_IMAGE, 0 },
	{ "cr4-pcide-no-lma", INTEL_LM, FZ_ST_PM32, cr4_pcide_no_lma,
	  VSMM_REASON_CR4_PCIDE_NO_LMA, 0 },
	{ "cr4-pae-in-lm", AMD_LM | HW, FZ_ST_LONG, cr4_pae_off_lm,
	  VSMM_REASON_CR4_PAE_IN_LM, 0 },
	{ "efer-reserved", AMD_LM, FZ_ST_LONG, efer_reserved, VSMM_REASON_EFER_RESERVED,
	  0 },
	{ "efer-svme-intel", INTEL_LM, FZ_ST_LONG, efer_svme,
	  VSMM_REASON_EFER_UNSUPPORTED, 0 },
	{ "pdpte-reserved", INTEL_32, FZ_ST_PAE, pdpt_bad, VSMM_REASON_PDPTE_RESERVED,
	  0 },
	{ "pdpte-read", AMD_LM, FZ_ST_PAE, pdpt_smram, VSMM_REASON_PDPTE_READ, 0 },
	{ "dr6-high", INTEL_LM, FZ_ST_LONG, dr6_high, VSMM_REASON_DR6_HIGH, 0 },
	{ "dr7-high", AMD_LM, FZ_ST_COMPAT, dr7_high, VSMM_REASON_DR7_HIGH, 0 },
	{ "lma-inconsistent", INTEL_LM | HW, FZ_ST_LONG, lma_off,
	  VSMM_REASON_LMA_INCONSISTENT, 0 },
	{ "rflags-vm-in-lm", AMD_LM | HW, FZ_ST_LONG, vm_in_lm,
	  VSMM_REASON_RFLAGS_VM_IN_LM, 0 },
	{ "svm-svme-clear", AMD_LM, FZ_ST_SVM_GUEST, svm_svme_clear,
	  VSMM_REASON_SVM_SVME_CLEAR, 0 },
	/* Hostile images that must resume (reason NONE), found by fuzzing. */
	{ "rflags-reserved", INTEL_LM, FZ_ST_VMX_GUEST, rflags_reserved, VSMM_REASON_NONE,
	  1 },
	{ "rflags-reserved-32", INTEL_32, FZ_ST_V86, rflags_reserved, VSMM_REASON_NONE,
	  2 },
	{ "vmx-fixed-pg-vm-rpl", INTEL_LM | HW, FZ_ST_VMX_ROOT, vm_pg_off_rpl,
	  VSMM_REASON_NONE, 0 },
};

static void rsm_shutdowns(void)
{
	/* A present PDPTE with reserved bits 2:1 set, for the tail. */
	static const uint8_t bad_pdpt[8] = { 0x07, 0x70 };

	for (size_t i = 0; i < sizeof(scribbles) / sizeof(scribbles[0]); i++) {
		const struct scribble *sb = &scribbles[i];
		uint8_t hdr[FZ_SCENARIO_BYTES] = { sb->config, sb->kind, 0,
						   (uint8_t)(sb->smbase_sel << 4) };
		static struct vsmm_cpu_state st, out;
		static struct vsmm_image_extras x;
		const struct vsmm_layout_desc *d;
		uint8_t img[VSMM_IMAGE_MAX], seed[VSMM_IMAGE_MAX + 8];
		struct vsmm_shutdown why;
		char name[64];
		int rc;

		if (!smi_image(hdr, img, &d) ||
		    vsmm_image_decode(d->layout, img, d->area_size, &st, &x) != VSMM_OK) {
			fprintf(stderr, "make_corpus: %s: no SMI image\n", sb->name);
			exit(1);
		}
		sb->apply(&st, &x);
		if (vsmm_image_encode(d->layout, &st, &x, img, d->area_size) != VSMM_OK) {
			fprintf(stderr, "make_corpus: %s: encode failed\n", sb->name);
			exit(1);
		}
		/* Check it as fuzz_rsm will run it: image in SMRAM, tail at 0. */
		fz_mem_poke(&mem, (uint64_t)sc.smbase + d->area_offset, img, d->area_size,
			    true);
		fz_mem_poke(&mem, 0, bad_pdpt, sizeof(bad_pdpt), false);
		rc = vsmm_rsm_check(&vcpu, img, d->area_size, &why, &out);
		if (rc == VSMM_OK)
			why.reason = VSMM_REASON_NONE;
		if ((rc != VSMM_OK && rc != VSMM_E_SHUTDOWN) ||
		    why.reason != sb->reason) {
			fprintf(stderr, "make_corpus: %s: got %s/%s, wanted %s\n",
				sb->name, vsmm_status_name(rc),
				vsmm_reason_name(why.reason),
				vsmm_reason_name(sb->reason));
			exit(1);
		}
		memcpy(seed, img, d->area_size);
		memcpy(seed + d->area_size, bad_pdpt, sizeof(bad_pdpt));
		snprintf(name, sizeof(name), "%s-%s",
			 sb->reason == VSMM_REASON_NONE ? "resume" : "shutdown",
			 sb->name);
		put(name, hdr, sizeof(hdr), seed, d->area_size + sizeof(bad_pdpt));
	}
}

static void codec(void)
{
	for (unsigned c = 0; c < FZ_CONFIG_COUNT; c += 3) {
		for (unsigned k = 0; k < FZ_ST_COUNT; k++) {
			uint8_t hdr[FZ_SCENARIO_BYTES] = { (uint8_t)c, (uint8_t)k, 0, 0 };
			const struct vsmm_layout_desc *d;
			uint8_t img[VSMM_IMAGE_MAX], sel[2];
			char name[64];

			if (!smi_image(hdr, img, &d))
				continue;
			/* The layout byte: p6-32 0, amd64 1, intel64 2; every
			 * fourth seed asks for auto-detection instead. */
			sel[0] = (uint8_t)(d->layout == VSMM_LAYOUT_P6_32   ? 0
					   : d->layout == VSMM_LAYOUT_AMD64 ? 1
									    : 2);
			if (k % 4 == 3 && d->area_size == 512)
				sel[0] = 3;
			sel[0] |= (uint8_t)((c & 1) << 2 | (c & 0x10) >> 1);
			sel[1] = (uint8_t)(k * 19);
			snprintf(name, sizeof(name), "image-%02x-%s-%s", c,
				 fz_state_names[k], d->name);
			put(name, sel, 2, img, d->area_size);
		}
	}
}

/* Operation numbers of fuzz_sequence.c (enum op). */
enum {
	S_RAISE_SMI,
	S_RAISE_NMI,
	S_RAISE_INIT,
	S_DELIVER,
	S_ACK,
	S_SMI,
	S_RSM,
	S_TAMPER,
	S_HANDLER_MODE,
	S_IRET,
	S_SAVE_RESTORE,
	S_EXPORT_IMPORT,
	S_IMPORT_BYTES,
	S_RESTORE_MUTATED,
	S_GUEST_RUNS,
	S_HLT,
	S_IO_SMI,
	S_SEMANTICS,
	S_RESET,
};

static void sequence(void)
{
	static const struct {
		const char *name;
		uint8_t ops[40];
		size_t n;
	} scripts[] = {
		{ "smi-rsm", { S_SMI, S_RSM }, 2 },
		{ "pending-smi",
		  { S_RAISE_SMI, S_RAISE_SMI, S_DELIVER, S_RAISE_SMI, S_RAISE_INIT,
		    S_RAISE_NMI, S_DELIVER, S_RSM, S_DELIVER, S_RSM, S_DELIVER,
		    S_DELIVER },
		  12 },
		{ "nmi-in-smm",
		  { S_RAISE_NMI, S_DELIVER, S_SMI, S_RAISE_NMI, S_IRET, S_DELIVER, S_RSM,
		    S_DELIVER },
		  8 },
		{ "migrate-in-smm",
		  { S_SMI, S_SAVE_RESTORE, S_EXPORT_IMPORT, S_HANDLER_MODE, 2, S_RSM,
		    S_EXPORT_IMPORT },
		  7 },
		{ "tamper",
		  { S_SMI, S_TAMPER, 0xfc, 0x01, 8, 1, 0, 0, 0, 1, 0, 0, 0, S_RSM,
		    S_RESET, 6, S_SMI, S_RSM },
		  18 },
		/* 32 payload bytes, in rows (clang-format puts one a line) */
		/* clang-format off */
		{ "import-blob",
		  { S_SMI, S_IMPORT_BYTES, 32, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, S_RSM },
		  36 },
		/* clang-format on */
		{ "restore-mutated",
		  { S_SMI, S_RESTORE_MUTATED, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, S_RSM,
		    S_RESTORE_MUTATED, 6, 1, S_SMI, S_RSM },
		  18 },
		{ "halt-io",
		  { S_HLT, S_IO_SMI, S_SMI, S_RSM, S_GUEST_RUNS, 4, S_SEMANTICS, 1, S_HLT,
		    S_IO_SMI, S_SMI, S_RSM },
		  12 },
	};

	for (unsigned c = 0; c < FZ_CONFIG_COUNT; c += 5) {
		for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
			uint8_t hdr[2] = { (uint8_t)c, (uint8_t)(i * 3 + c) };
			char name[64];

			snprintf(name, sizeof(name), "%s-%02x", scripts[i].name, c);
			put(name, hdr, 2, scripts[i].ops, scripts[i].n);
		}
	}
}

/* vmentry: a scenario header for every configuration and the contexts
 * whose segment rules differ (real, protected, virtual-8086, 64-bit,
 * compatibility mode); the fuzzer adds the field edits. */
static void vmentry(void)
{
	static const enum fz_state_kind kinds[] = {
		FZ_ST_REAL, FZ_ST_PM32, FZ_ST_V86, FZ_ST_LONG, FZ_ST_COMPAT,
	};

	for (unsigned c = 0; c < FZ_CONFIG_COUNT; c++) {
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			uint8_t hdr[FZ_SCENARIO_BYTES] = { (uint8_t)c, kinds[k], 0, 0 };
			char name[64];

			snprintf(name, sizeof(name), "plain-%02x-%s", c,
				 fz_state_names[kinds[k]]);
			put(name, hdr, sizeof(hdr), NULL, 0);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: make_corpus rsm|codec|sequence|vmentry OUTDIR\n");
		return 2;
	}
	outdir = argv[2];
	if (strcmp(argv[1], "rsm") == 0) {
		rsm_valid();
		rsm_shutdowns();
	} else if (strcmp(argv[1], "codec") == 0) {
		codec();
	} else if (strcmp(argv[1], "sequence") == 0) {
		sequence();
	} else if (strcmp(argv[1], "vmentry") == 0) {
		vmentry();
	} else {
		fprintf(stderr, "make_corpus: unknown target %s\n", argv[1]);
		return 2;
	}
	printf("make_corpus: %u seeds for %s in %s\n", written, argv[1], outdir);
	return 0;
}
