/* SPDX-License-Identifier: MIT */
/* Exception and interrupt delivery through the IVT and the IDT (intr.h). */
#include "intr.h"

#include <stdio.h>
#include <string.h>

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_AC (1ull << 18)

#define EXC_DF 8u
#define EXC_TS 10u
#define EXC_NP 11u
#define EXC_SS 12u
#define EXC_GP 13u
#define EXC_PF 14u

/* Descriptor high dword fields. */
#define D_TYPE(hi) (((hi) >> 8) & 0xfu)
#define D_S(hi) (((hi) >> 12) & 1u)
#define D_DPL(hi) (((hi) >> 13) & 3u)
#define D_P(hi) (((hi) >> 15) & 1u)
#define D_L(hi) (((hi) >> 21) & 1u)
#define D_DB(hi) (((hi) >> 22) & 1u)

/* One attempt at delivering an event: it succeeds, or a fault stops it
 * (then the caller escalates), or it cannot go on at all. */
enum step { STEP_OK = 0, STEP_FAULT, STEP_UNSUPPORTED, STEP_MEMORY };

struct dctx {
	struct machine *m;
	struct vsmm_cpu_state *st; /* the working copy */
	const struct intr_event *ev;
	uint32_t ext;  /* EXT bit of error codes */
	unsigned fvec; /* STEP_FAULT: the fault */
	uint32_t ferr;
	char *why; /* STEP_UNSUPPORTED/MEMORY: the cause */
	size_t whylen;
};

static uint16_t ld16(const uint8_t *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

static uint32_t ld32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static uint64_t ld64(const uint8_t *b)
{
	return ld32(b) | (uint64_t)ld32(b + 4) << 32;
}

static void st_le(uint8_t *b, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

bool intr_has_error_code(unsigned vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;
}

static enum step fault(struct dctx *c, unsigned vector, uint32_t error)
{
	c->fvec = vector;
	c->ferr = error;
	return STEP_FAULT;
}

static enum step read_mem(struct dctx *c, uint64_t addr, void *buf, size_t n,
			  const char *what)
{
	if (machine_phys_read(c->m, c->st->smm, addr, buf, n) == 0)
		return STEP_OK;
	snprintf(c->why, c->whylen, "the %s at 0x%llx is not RAM", what,
		 (unsigned long long)addr);
	return STEP_MEMORY;
}

static enum step write_mem(struct dctx *c, uint64_t addr, const void *buf, size_t n)
{
	if (machine_phys_write(c->m, c->st->smm, addr, buf, n) == 0)
		return STEP_OK;
	snprintf(c->why, c->whylen, "the stack at 0x%llx is not RAM",
		 (unsigned long long)addr);
	return STEP_MEMORY;
}

static unsigned cpl(const struct vsmm_cpu_state *st)
{
	return (st->seg[VSMM_SS].attr & VSMM_SEG_DPL_MASK) >> VSMM_SEG_DPL_SHIFT;
}

static bool long_mode(const struct vsmm_cpu_state *st)
{
	return st->efer & VSMM_EFER_LMA;
}

/* The segment cache a descriptor loads. */
static struct vsmm_seg seg_from_desc(uint16_t sel, uint32_t lo, uint32_t hi)
{
	struct vsmm_seg s;
	uint32_t limit = (lo & 0xffffu) | (hi & 0x000f0000u);
	if (hi & (1u << 23))
		limit = limit << 12 | 0xfffu;
	s.selector = sel;
	s.base = (lo >> 16) | (hi & 0xffu) << 16 | (hi & 0xff000000u);
	s.limit = limit;
	s.attr = (uint16_t)((hi >> 8) & VSMM_SEG_ATTR_MASK);
	return s;
}

/* The descriptor a selector names, from the GDT or the LDT.  Beyond the
 * table: #GP(selector). */
static enum step read_desc(struct dctx *c, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	const struct vsmm_cpu_state *st = c->st;
	uint64_t base = st->gdtr.base, limit = st->gdtr.limit;
	uint8_t d[8];
	if (sel & 4) {
		const struct vsmm_seg *ldt = &st->seg[VSMM_LDTR];
		if ((ldt->selector & 0xfffc) == 0 || !(ldt->attr & VSMM_SEG_P))
			return fault(c, EXC_GP, (sel & 0xfffcu) | c->ext);
		base = ldt->base, limit = ldt->limit;
	}
	if ((uint64_t)(sel & ~7u) + 7 > limit)
		return fault(c, EXC_GP, (sel & 0xfffcu) | c->ext);
	enum step s = read_mem(c, base + (sel & ~7u), d, 8, "descriptor table");
	if (s)
		return s;
	*lo = ld32(d), *hi = ld32(d + 4);
	return STEP_OK;
}

/* The handler's code segment: a present code segment with DPL <= CPL
 * (and, in long mode, a 64-bit one). */
static enum step check_code_seg(struct dctx *c, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
	if ((sel & 0xfffc) == 0)
		return fault(c, EXC_GP, c->ext);
	enum step s = read_desc(c, sel, lo, hi);
	if (s)
		return s;
	uint32_t err = (sel & 0xfffcu) | c->ext;
	if (!D_S(*hi) || !(D_TYPE(*hi) & 8) || D_DPL(*hi) > cpl(c->st))
		return fault(c, EXC_GP, err);
	if (long_mode(c->st) && (!D_L(*hi) || D_DB(*hi)))
		return fault(c, EXC_GP, err);
	if (!D_P(*hi))
		return fault(c, EXC_NP, err);
	return STEP_OK;
}

/* Push n bytes (2, 4 or 8) on the stack being built. */
struct pusher {
	uint64_t ss_base;
	uint64_t sp;   /* full value; wrapped by mask */
	uint64_t mask; /* 0xFFFF, 0xFFFFFFFF or all ones */
	uint32_t ss_limit;
	bool expand_down, check_limit, big;
	uint32_t ss_err; /* #SS error code if a push leaves the segment */
	uint8_t buf[64]; /* the frame, lowest address first */
	unsigned len;
};

static enum step push(struct dctx *c, struct pusher *p, uint64_t v, unsigned n)
{
	p->sp = (p->sp - n) & p->mask;
	if (p->check_limit) {
		uint64_t top = p->expand_down ? (p->big ? 0xffffffffu : 0xffffu)
					      : p->ss_limit;
		bool bad = p->expand_down ? p->sp <= p->ss_limit || p->sp + n - 1 > top
					  : p->sp + n - 1 > top;
		if (bad)
			return fault(c, EXC_SS, p->ss_err);
	}
	memmove(p->buf + n, p->buf, p->len);
	st_le(p->buf, v, n);
	p->len += n;
	return STEP_OK;
}

static enum step flush(struct dctx *c, const struct pusher *p)
{
	uint64_t addr = p->ss_base + p->sp;
	if (!long_mode(c->st))
		addr &= 0xffffffffu;
	return write_mem(c, addr, p->buf, p->len);
}

static uint64_t flags_cleared(uint64_t rflags, bool clear_if)
{
	rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | VSMM_RFLAGS_VM);
	if (clear_if)
		rflags &= ~VSMM_RFLAGS_IF;
	return rflags;
}

/* ------------------------------------------------------------------ */
/* Real-address mode: the IVT                                          */
/* ------------------------------------------------------------------ */

static enum step deliver_real(struct dctx *c)
{
	struct vsmm_cpu_state *st = c->st;
	unsigned v = c->ev->vector;
	uint8_t ent[4];
	if (4u * v + 3 > st->idtr.limit)
		return fault(c, EXC_GP, 0);
	enum step s = read_mem(c, st->idtr.base + 4u * v, ent, 4, "IVT entry");
	if (s)
		return s;
	struct pusher p = { .ss_base = st->seg[VSMM_SS].base,
			    .sp = st->gpr[VSMM_RSP],
			    .mask = 0xffff };
	if ((s = push(c, &p, st->rflags & 0xffff, 2)) ||
	    (s = push(c, &p, st->seg[VSMM_CS].selector, 2)) ||
	    (s = push(c, &p, st->rip & 0xffff, 2)) || (s = flush(c, &p)))
		return s;
	st->gpr[VSMM_RSP] = (st->gpr[VSMM_RSP] & ~0xffffull) | p.sp;
	st->rflags &= ~(VSMM_RFLAGS_IF | RFLAGS_TF | RFLAGS_AC | RFLAGS_RF);
	st->seg[VSMM_CS].selector = ld16(ent + 2);
	st->seg[VSMM_CS].base = (uint64_t)ld16(ent + 2) << 4;
	st->rip = ld16(ent);
	return STEP_OK;
}

/* ------------------------------------------------------------------ */
/* The gate                                                            */
/* ------------------------------------------------------------------ */

struct gate {
	unsigned type; /* 5 task, 6/7 16-bit, 14/15 32- or 64-bit */
	uint16_t sel;
	uint64_t offset;
	unsigned ist;
};

static enum step read_gate(struct dctx *c, struct gate *g)
{
	const struct vsmm_cpu_state *st = c->st;
	unsigned v = c->ev->vector, size = long_mode(st) ? 16 : 8;
	uint32_t err = v * 8 + 2 + c->ext;
	uint8_t d[16];
	if ((uint64_t)v * size + size - 1 > st->idtr.limit)
		return fault(c, EXC_GP, err);
	enum step s = read_mem(c, st->idtr.base + (uint64_t)v * size, d, size,
			       "IDT entry");
	if (s)
		return s;
	uint32_t lo = ld32(d), hi = ld32(d + 4);
	g->type = D_TYPE(hi);
	bool ok = long_mode(st) ? g->type == 14 || g->type == 15
				: g->type == 5 || g->type == 6 || g->type == 7 ||
					  g->type == 14 || g->type == 15;
	if (D_S(hi) || !ok)
		return fault(c, EXC_GP, err);
	/* INT n, INT3, INTO (not INT1, not hardware events) check the
	 * gate's DPL against CPL. */
	if (c->ev->kind == INTR_KIND_SOFT && D_DPL(hi) < cpl(st))
		return fault(c, EXC_GP, err);
	if (!D_P(hi))
		return fault(c, EXC_NP, err);
	g->sel = (uint16_t)(lo >> 16);
	g->offset = (lo & 0xffffu) | (hi & 0xffff0000u);
	if (long_mode(st))
		g->offset |= (uint64_t)ld32(d + 8) << 32;
	else if (g->type == 6 || g->type == 7)
		g->offset &= 0xffffu;
	g->ist = long_mode(st) ? (unsigned)(hi & 7u) : 0;
	return STEP_OK;
}

/* ------------------------------------------------------------------ */
/* Protected mode: 16- and 32-bit gates                                */
/* ------------------------------------------------------------------ */

/* The stack for privilege level dpl from the 16- or 32-bit TSS, and its
 * checks (#TS with the TSS or SS selector, #SS if not present). */
static enum step tss_stack(struct dctx *c, unsigned dpl, uint16_t *ss, uint32_t *esp,
			   struct vsmm_seg *ss_cache)
{
	const struct vsmm_seg *tr = &c->st->seg[VSMM_TR];
	unsigned t = tr->attr & VSMM_SEG_TYPE_MASK;
	bool tss32 = t == 9 || t == 11;
	unsigned off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
	unsigned len = tss32 ? 8 : 4;
	uint8_t b[8];
	if (!(tr->attr & VSMM_SEG_P) || (!tss32 && t != 1 && t != 3))
		return fault(c, EXC_TS, (tr->selector & 0xfffcu) | c->ext);
	if (off + len - 1 > tr->limit)
		return fault(c, EXC_TS, (tr->selector & 0xfffcu) | c->ext);
	enum step s = read_mem(c, tr->base + off, b, len, "TSS");
	if (s)
		return s;
	*esp = tss32 ? ld32(b) : ld16(b);
	*ss = tss32 ? ld16(b + 4) : ld16(b + 2);
	if ((*ss & 0xfffc) == 0)
		return fault(c, EXC_TS, c->ext);
	uint32_t lo, hi, err = (*ss & 0xfffcu) | c->ext;
	if ((s = read_desc(c, *ss, &lo, &hi))) {
		if (s == STEP_FAULT)
			c->fvec = EXC_TS; /* SS from the TSS: #TS, not #GP */
		return s;
	}
	if ((*ss & 3u) != dpl || D_DPL(hi) != dpl || !D_S(hi) || (D_TYPE(hi) & 8) ||
	    !(D_TYPE(hi) & 2))
		return fault(c, EXC_TS, err);
	if (!D_P(hi))
		return fault(c, EXC_SS, err);
	*ss_cache = seg_from_desc(*ss, lo, hi);
	return STEP_OK;
}

static enum step deliver_protected(struct dctx *c)
{
	struct vsmm_cpu_state *st = c->st;
	const struct intr_event *ev = c->ev;
	struct gate g;
	uint32_t lo, hi;
	enum step s;
	if (st->rflags & VSMM_RFLAGS_VM) {
		snprintf(c->why, c->whylen, "virtual-8086 mode");
		return STEP_UNSUPPORTED;
	}
	if ((s = read_gate(c, &g)))
		return s;
	if (g.type == 5) {
		snprintf(c->why, c->whylen, "vector %u is a task gate", ev->vector);
		return STEP_UNSUPPORTED;
	}
	if ((s = check_code_seg(c, g.sel, &lo, &hi)))
		return s;
	unsigned dpl = D_DPL(hi), old_cpl = cpl(st);
	bool conforming = D_TYPE(hi) & 4;
	bool gate32 = g.type >= 14;
	unsigned w = gate32 ? 4 : 2;
	struct vsmm_seg new_ss = st->seg[VSMM_SS];
	const struct vsmm_seg *cur_ss = &st->seg[VSMM_SS];
	struct pusher p = { 0 };
	bool inner = !conforming && dpl < old_cpl;
	if (inner) {
		uint16_t sel;
		uint32_t esp;
		if ((s = tss_stack(c, dpl, &sel, &esp, &new_ss)))
			return s;
		p.sp = esp;
		p.ss_err = (sel & 0xfffcu) | c->ext;
	} else {
		dpl = old_cpl; /* conforming or same level: CPL stays */
		p.sp = st->gpr[VSMM_RSP];
		p.ss_err = c->ext;
	}
	p.ss_base = new_ss.base;
	p.big = new_ss.attr & VSMM_SEG_DB;
	p.mask = p.big ? 0xffffffffu : 0xffffu;
	p.sp &= p.mask;
	p.ss_limit = new_ss.limit;
	p.expand_down = (new_ss.attr & 0xc) == 0x4; /* data, expand-down */
	p.check_limit = true;
	if (inner) {
		if ((s = push(c, &p, cur_ss->selector, w)) ||
		    (s = push(c, &p, st->gpr[VSMM_RSP], w)))
			return s;
	}
	if ((s = push(c, &p, st->rflags, w)) ||
	    (s = push(c, &p, st->seg[VSMM_CS].selector, w)) ||
	    (s = push(c, &p, st->rip, w)))
		return s;
	if (ev->has_error && (s = push(c, &p, ev->error, w)))
		return s;
	/* The new CS must hold the handler's offset. */
	struct vsmm_seg cs = seg_from_desc((uint16_t)((g.sel & ~3u) | dpl), lo, hi);
	if (g.offset > cs.limit)
		return fault(c, EXC_GP, c->ext);
	if ((s = flush(c, &p)))
		return s;
	if (inner)
		st->seg[VSMM_SS] = new_ss;
	st->gpr[VSMM_RSP] = (st->gpr[VSMM_RSP] & ~p.mask) | p.sp;
	if (inner && p.big)
		st->gpr[VSMM_RSP] = p.sp;
	st->seg[VSMM_CS] = cs;
	st->rip = g.offset;
	st->rflags = flags_cleared(st->rflags, !(g.type & 1));
	return STEP_OK;
}

/* ------------------------------------------------------------------ */
/* Long mode: 64-bit gates                                             */
/* ------------------------------------------------------------------ */

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static enum step deliver_long(struct dctx *c)
{
	struct vsmm_cpu_state *st = c->st;
	const struct intr_event *ev = c->ev;
	struct gate g;
	uint32_t lo, hi;
	enum step s;
	if ((s = read_gate(c, &g)))
		return s;
	if ((s = check_code_seg(c, g.sel, &lo, &hi)))
		return s;
	unsigned dpl = D_DPL(hi), old_cpl = cpl(st);
	bool conforming = D_TYPE(hi) & 4;
	bool inner = !conforming && dpl < old_cpl;
	if (!inner)
		dpl = old_cpl;
	uint64_t rsp = st->gpr[VSMM_RSP];
	if (inner || g.ist) {
		const struct vsmm_seg *tr = &st->seg[VSMM_TR];
		unsigned off = g.ist ? 0x24 + 8 * (g.ist - 1) : 4 + 8 * dpl;
		uint8_t b[8];
		unsigned t = tr->attr & VSMM_SEG_TYPE_MASK;
		/* QEMU's LTR caches the type before it sets busy: 9 or 11. */
		if (!(tr->attr & VSMM_SEG_P) || (t != 9 && t != 11) ||
		    off + 7 > tr->limit)
			return fault(c, EXC_TS, (tr->selector & 0xfffcu) | c->ext);
		if ((s = read_mem(c, tr->base + off, b, 8, "TSS")))
			return s;
		rsp = ld64(b);
	}
	if (!canonical(rsp))
		return fault(c, EXC_SS, c->ext);
	struct pusher p = { .sp = rsp & ~0xfull, .mask = ~0ull };
	if ((s = push(c, &p, st->seg[VSMM_SS].selector, 8)) ||
	    (s = push(c, &p, st->gpr[VSMM_RSP], 8)) || (s = push(c, &p, st->rflags, 8)) ||
	    (s = push(c, &p, st->seg[VSMM_CS].selector, 8)) ||
	    (s = push(c, &p, st->rip, 8)))
		return s;
	if (ev->has_error && (s = push(c, &p, ev->error, 8)))
		return s;
	if (!canonical(g.offset))
		return fault(c, EXC_GP, c->ext);
	if ((s = flush(c, &p)))
		return s;
	if (inner) {
		/* SS := NULL with RPL = the new CPL (SDM 6.14.4); the cache
		 * keeps only the DPL, which is the CPL. */
		st->seg[VSMM_SS].selector = (uint16_t)dpl;
		st->seg[VSMM_SS].base = 0;
		st->seg[VSMM_SS].limit = 0;
		st->seg[VSMM_SS].attr = (uint16_t)(dpl << VSMM_SEG_DPL_SHIFT);
	}
	st->gpr[VSMM_RSP] = p.sp;
	st->seg[VSMM_CS] = seg_from_desc((uint16_t)((g.sel & ~3u) | dpl), lo, hi);
	st->rip = g.offset;
	st->rflags = flags_cleared(st->rflags, !(g.type & 1));
	return STEP_OK;
}

/* ------------------------------------------------------------------ */
/* Escalation (SDM Vol.3A Table 6-5)                                   */
/* ------------------------------------------------------------------ */

static bool contributory(unsigned v)
{
	return v == 0 || (v >= 10 && v <= 13);
}

static bool is_double(unsigned first, unsigned second)
{
	if (contributory(first))
		return contributory(second);
	if (first == EXC_PF)
		return contributory(second) || second == EXC_PF;
	return false;
}

enum intr_result intr_deliver(struct machine *m, struct vsmm_cpu_state *state,
			      const struct intr_event *first, struct intr_outcome *out)
{
	struct intr_event ev = *first;
	struct vsmm_cpu_state base = *state;
	memset(out, 0, sizeof(*out));
	out->first = first->vector;
	/* A fault while delivering is delivered in its place, or becomes
	 * #DF, or (while delivering #DF) a shutdown: at most three turns. */
	for (;;) {
		struct vsmm_cpu_state st = base;
		struct dctx c = { .m = m,
				  .st = &st,
				  .ev = &ev,
				  .why = out->why,
				  .whylen = sizeof(out->why) };
		c.ext = ev.kind == INTR_KIND_SOFT ? 0 : 1;
		if (!(st.cr0 & VSMM_CR0_PE))
			ev.has_error = false; /* real mode pushes none */
		enum step s = !(st.cr0 & VSMM_CR0_PE) ? deliver_real(&c)
			      : long_mode(&st)	      ? deliver_long(&c)
						      : deliver_protected(&c);
		out->vector = ev.vector;
		if (s == STEP_OK) {
			*state = st;
			return INTR_DELIVERED;
		}
		if (s == STEP_UNSUPPORTED)
			return INTR_UNSUPPORTED;
		if (s == STEP_MEMORY)
			return INTR_MEMORY;
		bool exc = ev.kind == INTR_KIND_FAULT;
		/* A fault raised while delivering INT n is the INT's: it
		 * returns to the instruction, not after it. */
		if (ev.kind == INTR_KIND_SOFT || ev.kind == INTR_KIND_ICEBP) {
			base.rip -= ev.insn_len;
			if (!long_mode(&base) || !(base.seg[VSMM_CS].attr & VSMM_SEG_L))
				base.rip &= 0xffffffffu;
		}
		if (ev.vector == EXC_DF && ev.kind == INTR_KIND_FAULT) {
			snprintf(out->why, sizeof(out->why),
				 "fault %u while delivering #DF", c.fvec);
			return INTR_SHUTDOWN;
		}
		if (exc && is_double(ev.vector, c.fvec)) {
			ev = (struct intr_event){ .vector = EXC_DF,
						  .kind = INTR_KIND_FAULT,
						  .has_error = true };
			out->double_fault = true;
		} else {
			ev = (struct intr_event){ .vector = c.fvec,
						  .kind = INTR_KIND_FAULT,
						  .has_error = intr_has_error_code(
							  c.fvec),
						  .error = c.ferr };
		}
	}
}

bool intr_is_soft(struct machine *m, uint64_t linear, unsigned *vector, bool *icebp)
{
	uint8_t op[2];
	*icebp = false;
	if (machine_phys_read(m, m->vcpu.state.smm, linear, op, 2))
		return false;
	switch (op[0]) {
	case 0xcd: *vector = op[1]; return true; /* INT n */
	case 0xcc: *vector = 3; return true;	 /* INT3 */
	case 0xce: *vector = 4; return true;	 /* INTO */
	case 0xf1:
		*vector = 1;
		*icebp = true;
		return true; /* INT1 */
	default: return false;
	}
}
