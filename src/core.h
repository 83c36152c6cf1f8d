/* SPDX-License-Identifier: MIT */
/*
 * Internal interfaces of the core: the semantics rule table, the state of
 * an SMI delivery and of an RSM in progress, and the helpers enter.c and
 * leave.c share.  Never installed.
 */
#ifndef VSMM_CORE_H
#define VSMM_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"
#include "checks.h"
#include "layout/layout.h"

/*
 * Where KVM and the processor manuals disagree, the difference is one row
 * here (docs/compat.md has the same rows with their sources).  enter.c and
 * leave.c read these flags; they never test the semantics enum itself.
 */
struct vsmm__rules {
	const char *name;
	bool vendor_layout;	/* LM models use the vendor's native 64-bit map */
	bool idtr_zeroed;	/* SMM entry loads IDTR 0/0 (KVM only) */
	bool cr0_low_dword;	/* RSM reads only CR0[31:0] (hardware) */
	bool cr0_lme_needs_pae; /* MOV CR0 rule on RSM (both rule sets now) */
	bool image_consistency; /* LMA and RFLAGS.VM rules of hardware RSM */
	bool vmxe_in_image;	/* CR4.VMXE travels in the image (KVM) */
	bool vmx_fixed_checked; /* VMX fixed bits checked (KVM) or forced (hw) */
	bool auto_hlt_restart;	/* auto-HALT restart honoured (hardware) */
	bool io_restart;	/* I/O instruction restart (hardware) */
	bool base_high_masked; /* base bits no register holds: dropped (hw) or shutdown */
};

/* The rule sets by semantics (semantics.c).  The look-ups below are
 * inline: SMI and RSM make several each, and a call costs more than they
 * do. */
extern const struct vsmm__rules vsmm__rules_table[VSMM_SEMANTICS_COUNT];

/* The rules of a semantics; an unknown one gets KVM's. */
static inline const struct vsmm__rules *vsmm__rules_get(enum vsmm_semantics semantics)
{
	if ((unsigned)semantics >= VSMM_SEMANTICS_COUNT)
		return &vsmm__rules_table[VSMM_SEMANTICS_KVM];
	return &vsmm__rules_table[semantics];
}

/* Is this layout one of the 64-bit maps (EFER, 16 GPRs, 64-bit fields)? */
static inline bool vsmm__layout_wide(enum vsmm_layout layout)
{
	return layout == VSMM_LAYOUT_AMD64 || layout == VSMM_LAYOUT_INTEL64;
}

/* vsmm_smm_entry_state with the rules and the map's width looked up (SMI
 * has them already). */
void vsmm__smm_entry_state(const struct vsmm__rules *rules, bool wide,
			   struct vsmm_cpu_state *s);

/*
 * An SMI being delivered.  Nothing of the vCPU changes until every step
 * that can fail (the vendor's nested exit, the address-space switch, the
 * write of the area) has succeeded: until then what the SMI will commit
 * besides the SMM environment is kept here, and the image is written from
 * vcpu->state itself unless a vendor needs it different (vsmm__smi_image).
 */
struct vsmm__smi {
	const struct vsmm__rules *rules;
	enum vsmm_layout layout;
	const struct vsmm_cpu_state *img; /* state written into the image */
	struct vsmm_image_extras ex;	  /* layout-specific image fields: */
	bool ex_used;			  /* all set, or only ex.revision */
	struct vsmm__vcpu_priv priv;	  /* committed as vcpu->priv */
	bool vmx_on;			  /* committed as state.vmx_on, */
	bool guest_mode;		  /* state.guest_mode */
	uint64_t svm_vmcb12;		  /* and state.svm_vmcb12 */
	struct vsmm_cpu_state img_copy;	  /* behind img once a vendor owns it */
};

/*
 * The image's state, for a vendor to change: the first call copies
 * vcpu->state aside (the common SMI never pays for that copy).
 */
struct vsmm_cpu_state *vsmm__smi_image(struct vsmm__smi *s);

/*
 * The image's extras, for a step that sets one: the first call zeroes
 * them but the revision (an SMI whose extras hold nothing else never
 * zeroes them, and writes only the revision of them).
 */
struct vsmm_image_extras *vsmm__smi_extras(struct vsmm__smi *s);

/*
 * SMI from a nested guest: ask the VMM to force the exit to L1
 * (ops->nested_leave).  The image keeps the interrupted (L2) state; the VMM
 * may load L1's registers into vcpu->state in the callback, and delivery
 * continues from what it left there, with guest_mode cleared.
 * VSMM_E_VENDOR if the callback is missing or fails.
 */
int vsmm__smi_nested_exit(struct vsmm__smi *s, struct vsmm_vcpu *vcpu);

/* struct vsmm__rsm_image, the image's values of the registers RSM loads
 * through ordered, checked writes, is the decoder's (layout/layout.h). */

/* An RSM in progress (leave.c).  Its steps set every member before it is
 * read (the struct is not zeroed): a new member needs its initial value
 * in rsm(). */
struct vsmm__rsm {
	const struct vsmm__rules *rules;
	const struct vsmm__vendor_ops *vendor;
	const struct vsmm_layout_desc *desc;
	enum vsmm_layout layout;
	bool wide; /* vsmm__layout_wide(layout) */
	/* What RSM commits: next.state (the image decoded in place, then
	 * loaded) and next.priv.  model is the vCPU's; the other members of
	 * next are not set, and not used. */
	struct vsmm_vcpu next;
	/* The vCPU as RSM found it: its platform (ops, ctx) and its state.
	 * One pointer to set up, where copies of the members cost a load and
	 * a store each; they are read only on rare paths. */
	const struct vsmm_vcpu *vcpu;
	struct vsmm__rsm_image img; /* the image's checked registers */
	struct vsmm__rsm_extras ex;
	bool pdptes_loaded;	    /* PAE paging's PDPTEs were checked */
	bool fixed_bits_set;	    /* the vendor set CR0's (hardware VMX) */
	bool reenter_nested;	    /* the vendor asks for L2 re-entry */
	uint64_t vmcb12_gpa;	    /* ... with this VMCB (AMD) */
	struct vsmm__cpu_view view; /* the ordered writes judge against */
	struct vsmm_shutdown why;   /* set by the rule that fails, only */
	/* Run every rule one by one, in its order, also where a one-pass
	 * verdict says they all hold (the verdicts' reference, for tests). */
	bool ordered;
};

/* May RSM read guest memory past its area (the PDPTEs, descriptor
 * tables)?  vsmm_rsm_check may be given no platform.  Asked where the
 * read would be, rarely: not part of every RSM's setup. */
static inline bool vsmm__rsm_can_read(const struct vsmm__rsm *r)
{
	return r->vcpu->ops && r->vcpu->ops->read_phys;
}

/*
 * Record a failed rule: fills r->why with the reason, the image field that
 * holds the register and the value.  The field is named by what it binds
 * to (enum vsmm__bind_kind and its register argument, layout/layout.h), not
 * by a name: each map calls the same register differently (eflags at 7FF4
 * on p6-32, rflags elsewhere), and the first row of the layout with that
 * binding is the field reported (the low half of a split base).  A binding
 * the layout has no row for reports no field and offset 0.
 * Returns the reason so callers can `return vsmm__reject(...)`.  Both
 * are cold: RSM's common path never records a failure.
 */
VSMM__COLD enum vsmm_reason vsmm__reject(struct vsmm__rsm *r, enum vsmm_reason reason,
					 unsigned kind, unsigned arg, uint64_t value);
/* The same for a rule about something that is not an image field (a PDPTE
 * read through CR3, a platform callback): `what` is reported as is. */
VSMM__COLD enum vsmm_reason vsmm__reject_other(struct vsmm__rsm *r,
					       enum vsmm_reason reason, const char *what,
					       uint64_t value);
/*
 * After the decode, before any step of RSM (src/hidden.c), for an image
 * without hidden segment state (the decoder said so): it gets it as
 * segment loads would, from the descriptor tables through ops->read_phys,
 * with the vCPU's values for what no table holds.  VSMM_OK,
 * VSMM_E_SHUTDOWN with r->why, or VSMM_E_NO_MEMORY when there is no
 * read_phys to read the tables with.
 */
int vsmm__rsm_hidden_state(struct vsmm__rsm *r);

/*
 * vsmm_rsm_check, with `ordered` choosing how the rules are run: false as
 * vsmm_rsm_check and vsmm_leave_smm do (one-pass verdicts where every rule
 * of a step holds, the ordered rules only when one fails), true every rule
 * one by one.  Both must give the same status, reason, field, value and
 * state (tests/test_fastpath.c).
 */
int vsmm__rsm_check(const struct vsmm_vcpu *vcpu, const uint8_t *area, size_t len,
		    bool ordered, struct vsmm_shutdown *why, struct vsmm_cpu_state *out);

/*
 * *dst = *src for a whole vCPU state (RSM's commit), in pieces of 128
 * bytes: GCC moves each inline (eight vector loads and stores), where the
 * assignment of all 384 bytes is a call to the C library's memcpy (64
 * instructions and the call).
 */
static inline void vsmm__state_copy(struct vsmm_cpu_state *dst,
				    const struct vsmm_cpu_state *src)
{
	enum { PIECE = 128 };

	for (size_t at = 0; at < sizeof(*dst); at += PIECE) {
		size_t n = sizeof(*dst) - at < PIECE ? sizeof(*dst) - at : PIECE;

		memcpy((char *)dst + at, (const char *)src + at, n);
	}
}

/*
 * Do hardware RSM's three whole-image rules hold (CR4.PAE in long mode,
 * LMA consistency, RFLAGS.VM in long mode)?  leave.c's check_image asks
 * them one by one only where this says one fails.  The bits they read, of
 * the image's CR0 (PE, PG), CR4 (PAE), EFER (LME, LMA) and RFLAGS (VM),
 * are gathered in one word (no two share a position).  A wide map's EFER
 * is the image's: long mode needs all four of PE, PG, PAE and LME and no
 * VM, and without LMA not all four may be set.  The 32-bit map keeps the
 * vCPU's EFER, passed without LMA: RSM works LMA out from the four, so
 * the only rule that can fail there is VM with all four.
 * tests/test_fastpath.c compares this with the rules for every
 * combination of those bits.
 */
static inline bool vsmm__image_rules_hold(bool wide, uint64_t cr0, uint64_t cr4,
					  uint64_t efer, uint64_t rflags)
{
	const uint64_t lm = VSMM_CR0_PE | VSMM_CR0_PG | VSMM_CR4_PAE | VSMM_EFER_LME;
	uint64_t x = (cr0 & (VSMM_CR0_PE | VSMM_CR0_PG)) | (cr4 & VSMM_CR4_PAE) |
		     (efer & (VSMM_EFER_LME | VSMM_EFER_LMA)) | (rflags & VSMM_RFLAGS_VM);

	if (x == (lm | VSMM_EFER_LMA)) /* a wide map's long mode */
		return true;
	if (!wide)
		return x != (lm | VSMM_RFLAGS_VM);
	return !(x & VSMM_EFER_LMA) && (x & ~(uint64_t)VSMM_RFLAGS_VM) != lm;
}
_Static_assert(((VSMM_CR0_PE | VSMM_CR0_PG) & VSMM_CR4_PAE) == 0 &&
		       ((VSMM_CR0_PE | VSMM_CR0_PG | VSMM_CR4_PAE) &
			(VSMM_EFER_LME | VSMM_EFER_LMA)) == 0 &&
		       ((VSMM_CR0_PE | VSMM_CR0_PG | VSMM_CR4_PAE | VSMM_EFER_LME |
			 VSMM_EFER_LMA) &
			VSMM_RFLAGS_VM) == 0,
	       "the image rules' bits do not overlap");

/* The binding arguments of vsmm__reject: FIELD(CR4), SEG_FIELD(ATTR, VSMM_CS). */
#define VSMM__FIELD(kind) VSMM__B_##kind, 0
#define VSMM__REG_FIELD(kind, reg) VSMM__B_##kind, (reg)

#endif /* VSMM_CORE_H */
