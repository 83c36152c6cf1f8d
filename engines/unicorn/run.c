/* SPDX-License-Identifier: MIT */
/*
 * The execution loop.  Unicorn runs guest code until a hook asks it to
 * stop; between runs the loop does what the CPU would do at an instruction
 * boundary: deliver a pending SMI (vsmm_enter_smm), emulate RSM
 * (vsmm_leave_smm), or sit in HLT.  vsmm owns the SMM state; the engine's
 * own notion of SMM (HF_SMM) is never used.
 */
#include "run.h"

#include <inttypes.h>
#include <string.h>

#include <unicorn/x86.h>

#include "chipset_io.h"
#include "intr.h"
#include "run_status.h"
#include "trace.h"
#include "ucx86.h"

#define CONTINUE (-1)
/* uc_emu_start's "until" argument: ignored, because machine_init enabled
 * Unicorn's exits mechanism with no exits (no address ends a run). */
#define NO_EXIT 0

static const char *const source_name[] = {
	[SMI_SRC_NONE] = "pending",
	[SMI_SRC_APM] = "apm",
	[SMI_SRC_APIC] = "apic",
	[SMI_SRC_TIMER] = "timer",
};

static int internal(struct machine *m, const char *what, uc_err err)
{
	fprintf(m->cfg.log, "vsmm run: %s failed: %s\n", what, uc_strerror(err));
	return RUN_EXIT_INTERNAL;
}

/* Skip legacy and REX prefixes; returns the opcode's index or -1. */
static int opcode_index(const uint8_t *b, int n, bool long64, bool *rep)
{
	for (int i = 0; i < n; i++) {
		uint8_t c = b[i];
		if (c == 0xf3 || c == 0xf2) {
			*rep = c == 0xf3;
			continue;
		}
		if (c == 0x66 || c == 0x67 || c == 0x26 || c == 0x2e || c == 0x36 ||
		    c == 0x3e || c == 0x64 || c == 0x65 || c == 0xf0 ||
		    (long64 && (c & 0xf0) == 0x40))
			continue;
		return i;
	}
	return -1;
}

/*
 * The I/O instruction that raised this SMI, as SMI delivery must record it
 * for I/O instruction restart (SDM "I/O State Implementation"): which
 * instruction, its port, width, direction and string form.
 */
static void describe_io_smi(struct machine *m, struct vsmm_io_smi *io)
{
	const struct vsmm_cpu_state *st = &m->vcpu.state;
	uint8_t b[15];
	bool rep = false;
	memset(io, 0, sizeof(*io));
	if (!m->io_smi)
		return;
	if (machine_phys_read(m, false, m->io_linear, b, sizeof(b)))
		return;
	bool code64 = (st->efer & VSMM_EFER_LMA) && (st->seg[VSMM_CS].attr & VSMM_SEG_L);
	int i = opcode_index(b, sizeof(b), code64, &rep);
	if (i < 0)
		return;
	io->valid = true;
	io->in = false; /* only OUT to port 0xB2 raises an SMI here */
	io->string = b[i] == 0x6e || b[i] == 0x6f;
	io->rep = io->string && rep;
	io->imm = b[i] == 0xe6 || b[i] == 0xe7;
	io->width = m->io_width;
	io->port = m->io_port;
	io->insn_rip = m->io_linear - st->seg[VSMM_CS].base;
	if (!((st->efer & VSMM_EFER_LMA) && (st->seg[VSMM_CS].attr & VSMM_SEG_L)))
		io->insn_rip &= 0xffffffffu;
	if (io->string)
		io->mem_addr = st->seg[VSMM_DS].base + st->gpr[VSMM_RSI];
}

/* The engine's state at this stop into m->vcpu.state's architectural
 * fields, read once however many of the SMI and RSM steps need it. */
static uc_err read_stop_state(struct machine *m)
{
	if (m->held_valid)
		return UC_ERR_OK;
	uc_err err = ucx_get_state(m->uc, m->stop_ctx, &m->vcpu.state);
	if (!err) {
		m->held = m->vcpu.state;
		m->held_valid = true;
	}
	return err;
}

/* Load m->vcpu.state into the engine, which holds m->held. */
static uc_err put_stop_state(struct machine *m)
{
	uc_err err = ucx_put_state(m->uc, m->stop_ctx, &m->held, &m->vcpu.state);
	if (err)
		m->held_valid = false;
	else
		m->held = m->vcpu.state;
	return err;
}

/* Load st, a state with its own RIP (an interrupt's handler, the
 * instruction after RDMSR/WRMSR), into the engine: the state read at this
 * stop is then no longer what the engine holds, and the next run must not
 * start from its RIP.  (The sync port restores the stop's own state and
 * keeps it.) */
static uc_err load_state(struct machine *m, const struct vsmm_cpu_state *st)
{
	m->held_valid = false;
	return ucx_set_state(m->uc, m->scratch, st);
}

/* ucx_locate() on the state read at this stop. */
static bool locate_stop_state(struct machine *m, uint64_t linear, uint64_t cut_short)
{
	if (!ucx_locate(&m->vcpu.state, linear, cut_short))
		return false;
	m->held.rip = m->vcpu.state.rip;
	return true;
}

static int deliver_smi(struct machine *m)
{
	struct vsmm_vcpu *v = &m->vcpu;
	struct vsmm_cpu_state before;
	uc_err err = read_stop_state(m);
	if (err)
		return internal(m, "reading the vCPU state", err);
	/* The engine's facts vsmm cannot see: HLT and the I/O instruction. */
	v->state.halted = m->halted;
	describe_io_smi(m, &v->io_smi);
	before = v->state;
	m->smis++;
	int rc = vsmm_enter_smm(v);
	struct vsmm_io_smi io = v->io_smi;
	memset(&v->io_smi, 0, sizeof(v->io_smi));
	m->io_smi = false;
	if (rc != VSMM_OK) {
		fprintf(m->cfg.log, "vsmm run: SMI delivery failed: %s (%s)\n",
			vsmm_status_name(rc), vsmm_strerror(rc));
		return RUN_EXIT_INTERNAL;
	}
	m->halted = v->state.halted;
	err = put_stop_state(m);
	if (err)
		return internal(m, "loading the SMM entry state", err);
	trace_smi(m, &before, source_name[m->smi_source], &io);
	m->smi_source = SMI_SRC_NONE;
	return CONTINUE;
}

static void report_shutdown(struct machine *m)
{
	const struct vsmm_shutdown *why = &m->vcpu.last_shutdown;
	fprintf(m->cfg.log,
		"vsmm run: shutdown: RSM refused the state-save image: %s: %s",
		vsmm_reason_name(why->reason), vsmm_reason_text(why->reason));
	if (why->field)
		fprintf(m->cfg.log, " (field %s at 0x%04x = 0x%" PRIx64 ")", why->field,
			why->offset, why->value);
	fprintf(m->cfg.log, " [%s]\n", vsmm_reason_ref(why->reason));
}

static int do_rsm(struct machine *m)
{
	struct vsmm_vcpu *v = &m->vcpu;
	struct vsmm_cpu_state before;
	/* RIP of the RSM itself (the engine may report it linear), so that
	 * the trace and the #UD message name the right place. */
	uc_err err = read_stop_state(m);
	if (!err && !locate_stop_state(m, m->last_pc, m->last_pc))
		err = UC_ERR_EXCEPTION;
	if (err)
		return internal(m, "reading the vCPU state", err);
	before = v->state;
	m->rsms++;
	int rc = vsmm_leave_smm(v);
	trace_rsm(m, &before, rc);
	if (rc == VSMM_E_UD) {
		fprintf(m->cfg.log,
			"vsmm run: RSM outside SMM at RIP 0x%" PRIx64
			" raises #UD, and this engine cannot deliver exceptions "
			"through the IDT\n",
			before.rip);
		return RUN_EXIT_GUEST_FAULT;
	}
	if (rc == VSMM_E_SHUTDOWN) {
		report_shutdown(m);
		return RUN_EXIT_SHUTDOWN;
	}
	if (rc != VSMM_OK) {
		fprintf(m->cfg.log, "vsmm run: RSM failed: %s (%s)\n",
			vsmm_status_name(rc), vsmm_strerror(rc));
		return RUN_EXIT_INTERNAL;
	}
	/* Auto-HALT restart may send the vCPU back into HLT. */
	m->halted = v->state.halted;
	err = put_stop_state(m);
	if (err)
		return internal(m, "loading the state RSM restored", err);
	return CONTINUE;
}

/*
 * Deliver an exception, software or hardware interrupt through the IVT or
 * the IDT (intr.h).  st is the state with RIP at the return address; on
 * success it is loaded into the engine.
 */
static int deliver_event(struct machine *m, struct vsmm_cpu_state *st,
			 const struct intr_event *ev)
{
	struct intr_outcome out;
	switch (intr_deliver(m, st, ev, &out)) {
	case INTR_DELIVERED: {
		uc_err err = load_state(m, st);
		if (err)
			return internal(m, "loading the interrupt entry state", err);
		return CONTINUE;
	}
	case INTR_SHUTDOWN:
		fprintf(m->cfg.log,
			"vsmm run: shutdown (triple fault): vector %u "
			"at RIP 0x%" PRIx64 " could not be delivered: %s\n",
			out.first, st->rip, out.why);
		return RUN_EXIT_SHUTDOWN;
	case INTR_MEMORY:
		fprintf(m->cfg.log, "vsmm run: vector %u at RIP 0x%" PRIx64 ": %s\n",
			out.vector, st->rip, out.why);
		return RUN_EXIT_GUEST_FAULT;
	default:
		fprintf(m->cfg.log,
			"vsmm run: exception or interrupt %u at RIP "
			"0x%" PRIx64 "; this engine cannot deliver it: %s\n",
			out.vector, st->rip, out.why);
		return RUN_EXIT_GUEST_FAULT;
	}
}

/* An exception or INT n reported by the engine (intr_hook). */
static int do_intr(struct machine *m)
{
	unsigned vector = m->intno;
	bool icebp;
	bool soft = intr_is_soft(m, m->req_linear, &vector, &icebp);
	/* A trap returns after the instruction, a fault to it. */
	uint64_t linear = soft ? m->req_linear + m->req_size : m->req_linear;
	struct vsmm_cpu_state st = m->vcpu.state;
	uc_err err = ucx_resume_at_linear(m->uc, m->scratch, linear, m->req_linear, &st);
	/* A fault on the fetch of a target the guest jumped to (a
	 * non-canonical RIP): Unicorn already stands at the target, not at
	 * the instruction the code hook last saw.  The vector cannot be
	 * delivered there either way; it is the guest's fault (status 4). */
	if (err == UC_ERR_EXCEPTION &&
	    ucx_get_state(m->uc, m->scratch, &st) == UC_ERR_OK) {
		/* A #PF on the fetch of that target, though, is the target's
		 * own fault: CR2 lies in the instruction at RIP. */
		uint64_t at = st.seg[VSMM_CS].base + st.rip;
		if (!soft && m->intno == 14 && st.cr2 - at < 15)
			return deliver_event(
				m, &st,
				&(struct intr_event){
					.vector = 14,
					.kind = INTR_KIND_FAULT,
					.has_error = true,
					.error = ucx_saved_error_code(m->scratch) });
		fprintf(m->cfg.log,
			"vsmm run: exception or interrupt %u at RIP "
			"0x%" PRIx64 "; the engine cannot deliver it there\n",
			m->intno, st.rip);
		return RUN_EXIT_GUEST_FAULT;
	}
	if (err)
		return internal(m, "finding where the engine stopped", err);
	struct intr_event ev = { .vector = soft ? vector : m->intno };
	if (soft) {
		ev.kind = icebp ? INTR_KIND_ICEBP : INTR_KIND_SOFT;
		ev.insn_len = m->req_size;
	} else {
		ev.kind = INTR_KIND_FAULT;
		ev.has_error = intr_has_error_code(ev.vector);
		if (ev.has_error)
			ev.error = ucx_saved_error_code(m->scratch);
	}
	return deliver_event(m, &st, &ev);
}

/* RDMSR/WRMSR, stopped at before they ran (code_hook). */
static int do_msr(struct machine *m)
{
	struct vsmm_cpu_state st = m->vcpu.state;
	uint8_t op[2];
	uc_err err = ucx_resume_at_linear(m->uc, m->scratch, m->last_pc, m->last_pc, &st);
	if (err)
		return internal(m, "reading the vCPU state", err);
	if (machine_phys_read(m, st.smm, m->last_pc, op, 2))
		return internal(m, "reading the MSR instruction", UC_ERR_READ_UNMAPPED);
	uint32_t index = (uint32_t)st.gpr[VSMM_RCX];
	uc_x86_msr msr = { .rid = index };
	enum cpu_msr_result r;
	if (op[1] == 0x32) {
		r = cpu_rdmsr(&m->msrs, &m->model, &st, m->smis, index, &msr.value);
		if (r == CPU_MSR_ENGINE) {
			err = uc_reg_read(m->uc, UC_X86_REG_MSR, &msr);
			r = err ? CPU_MSR_GP : CPU_MSR_OK;
		}
		if (r == CPU_MSR_OK) {
			st.gpr[VSMM_RAX] = (uint32_t)msr.value;
			st.gpr[VSMM_RDX] = msr.value >> 32;
		}
	} else {
		msr.value = (uint64_t)(uint32_t)st.gpr[VSMM_RDX] << 32 |
			    (uint32_t)st.gpr[VSMM_RAX];
		r = cpu_wrmsr(&m->msrs, &m->model, &st, index, msr.value);
		if (r == CPU_MSR_ENGINE) {
			err = uc_reg_write(m->uc, UC_X86_REG_MSR, &msr);
			r = err ? CPU_MSR_GP : CPU_MSR_OK;
		}
		/* ucx_set_state() below writes the segment bases from st. */
		if (r == CPU_MSR_OK && index == 0xC0000100u)
			st.seg[VSMM_FS].base = msr.value;
		else if (r == CPU_MSR_OK && index == 0xC0000101u)
			st.seg[VSMM_GS].base = msr.value;
		else if (r == CPU_MSR_OK && index == CPU_MSR_APIC_BASE &&
			 machine_apic_remap(m))
			return RUN_EXIT_INTERNAL;
	}
	m->insns++;
	if (r != CPU_MSR_OK)
		return deliver_event(m, &st,
				     &(struct intr_event){ .vector = 13,
							   .kind = INTR_KIND_FAULT,
							   .has_error = true });
	st.rip += 2;
	if (!((st.efer & VSMM_EFER_LMA) && (st.seg[VSMM_CS].attr & VSMM_SEG_L)))
		st.rip &= 0xffffffffu;
	err = load_state(m, &st);
	if (err)
		return internal(m, "loading the state after RDMSR/WRMSR", err);
	return CONTINUE;
}

/* Did the last instruction executed stop the engine by halting?  HLT is
 * F4, possibly after legacy prefixes, and the code hook gave its length. */
static bool stopped_on_hlt(struct machine *m)
{
	uint8_t b[15];
	bool rep = false;
	uint32_t n = m->last_size;
	if (n == 0 || n > sizeof(b) ||
	    machine_phys_read(m, m->vcpu.state.smm, m->last_pc, b, n))
		return false;
	return opcode_index(b, (int)n, false, &rep) == (int)n - 1 && b[n - 1] == 0xf4;
}

/*
 * An NMI or an external interrupt, if one can be taken now: at a window
 * the code hook found open, or in HLT (which it ends; RIP is already past
 * the HLT).  NMI first (SDM Vol.3A 6.9).
 */
static int deliver_interrupt(struct machine *m, bool *delivered)
{
	bool window = m->intr_window;
	m->intr_window = false;
	*delivered = false;
	if (!window && !m->halted)
		return CONTINUE;
	struct intr_event ev = { .kind = INTR_KIND_NMI, .vector = 2 };
	/* At a stop whose state was already read and located, that state is
	 * the one interrupted: the engine's RIP is not updated before the
	 * next run starts. */
	uc_err err = read_stop_state(m);
	if (err)
		return internal(m, "reading the vCPU state", err);
	struct vsmm_cpu_state st = m->vcpu.state;
	if (vsmm_next_event(&m->vcpu) == VSMM_EVENT_NMI) {
		if (vsmm_ack_event(&m->vcpu, VSMM_EVENT_NMI) != VSMM_OK)
			return internal(m, "acknowledging the NMI", UC_ERR_OK);
	} else if ((st.rflags & VSMM_RFLAGS_IF) &&
		   apic_pending(&m->apic, machine_apic_enabled(m))) {
		int v = apic_ack(&m->apic, machine_apic_enabled(m));
		if (v < 0)
			return CONTINUE;
		ev = (struct intr_event){ .kind = INTR_KIND_EXT, .vector = (unsigned)v };
	} else {
		return CONTINUE;
	}
	*delivered = true;
	m->halted = false;
	m->last_size = 0; /* no shadow at the handler's first instruction */
	m->intr_poll = true;
	return deliver_event(m, &st, &ev);
}

/*
 * Halted: virtual time runs to the next timer event, the APIC timer's or
 * the PIT's (through the PIC), until one leaves an interrupt the APIC
 * offers.  False if none will.  The SMI timer, when set, comes first:
 * the caller lets it expire instead.
 */
static bool wait_for_irq(struct machine *m)
{
	for (int i = 0; i < 64 && !m->smi_timer; i++) {
		uint64_t apic_at = m->apic.timer_left ? m->insns + m->apic.timer_left
						      : UINT64_MAX;
		uint64_t pit_at = m->chip.next_event_insn;
		uint64_t at = apic_at < pit_at ? apic_at : pit_at;
		if (at == UINT64_MAX)
			return false;
		if (at > m->insns) {
			if (m->apic.timer_left)
				m->apic.timer_left -= at - m->insns;
			m->insns = at;
		}
		if (apic_at == at) {
			m->apic.timer_left = 0;
			apic_timer_expired(&m->apic);
			machine_intr_changed(m);
		}
		if (pit_at == at)
			chipset_timer(m);
		if (apic_pending(&m->apic, machine_apic_enabled(m)))
			return true;
	}
	return false;
}

/* What happens at this instruction boundary before the guest runs on. */
static int service_events(struct machine *m)
{
	bool delivered;
	if (vsmm_next_event(&m->vcpu) == VSMM_EVENT_SMI)
		return deliver_smi(m);
	int rc = deliver_interrupt(m, &delivered);
	if (rc != CONTINUE || delivered || !m->halted)
		return rc;
	if (wait_for_irq(m)) {
		rc = deliver_interrupt(m, &delivered);
		if (rc != CONTINUE || delivered)
			return rc;
	}
	if (m->smi_timer) {
		/* Halted: time passes until the SMI timer expires. */
		m->smi_timer = 0;
		m->smi_source = SMI_SRC_TIMER;
		if (vsmm_raise_smi(&m->vcpu) == VSMM_OK &&
		    vsmm_next_event(&m->vcpu) == VSMM_EVENT_SMI)
			return deliver_smi(m);
	}
	uint64_t rip = 0;
	uc_reg_read(m->uc, UC_X86_REG_RIP, &rip);
	fprintf(m->cfg.log,
		"vsmm run: the vCPU halted (RIP 0x%" PRIx64 ") with "
		"nothing pending that could wake it; %" PRIu64 " SMIs, %" PRIu64
		" RSMs, %" PRIu64 " instructions\n",
		rip, m->smis, m->rsms, m->insns);
	return RUN_EXIT_HALTED;
}

static int report_fault(struct machine *m, uc_err err)
{
	uint64_t rip = 0;
	uc_reg_read(m->uc, UC_X86_REG_RIP, &rip);
	switch (m->stop) {
	case STOP_INTR:
		fprintf(m->cfg.log,
			"vsmm run: exception or interrupt %u at RIP "
			"0x%" PRIx64 "; this engine does not deliver them "
			"through the IDT\n",
			m->intno, rip);
		break;
	case STOP_MEM_FAULT:
		fprintf(m->cfg.log,
			"vsmm run: %s access to address 0x%" PRIx64 " (RIP 0x%" PRIx64
			") hits no RAM or ROM: %s\n",
			m->fault_type == UC_MEM_WRITE_PROT ||
					m->fault_type == UC_MEM_WRITE_UNMAPPED
				? "write"
				: "read or fetch",
			m->fault_addr, rip, uc_strerror(err));
		break;
	default:
		fprintf(m->cfg.log,
			"vsmm run: invalid or unsupported instruction "
			"at RIP 0x%" PRIx64 " (%s)\n",
			rip, uc_strerror(err));
		break;
	}
	return RUN_EXIT_GUEST_FAULT;
}

/*
 * Where the guest goes on after a stop a hook asked for: the instruction
 * after the one that did the I/O, or the instruction whose code hook
 * asked (it has not run).  The code hook of the next instruction may or
 * may not have run before Unicorn stopped, hence the comparison.  An I/O
 * instruction is never executed twice: its effect (the SMI) happened.
 */
static int resume_after_stop(struct machine *m)
{
	uint64_t linear = m->req_linear, cut_short = m->req_linear;
	if (m->req_in_insn)
		linear = m->last_pc != m->req_linear ? m->last_pc
						     : m->req_linear + m->req_size;
	/* Read here for the SMI this stop was asked for (deliver_smi); the
	 * engine's RIP is set when it runs again (machine_run). */
	uc_err err = read_stop_state(m);
	if (!err && !locate_stop_state(m, linear, cut_short))
		err = UC_ERR_EXCEPTION;
	if (err)
		return internal(m, "finding where the engine stopped", err);
	return CONTINUE;
}

static bool same_arch(const struct vsmm_cpu_state *a, const struct vsmm_cpu_state *b)
{
	bool same = !memcmp(a->gpr, b->gpr, sizeof(a->gpr)) && a->rip == b->rip &&
		    a->rflags == b->rflags && a->cr0 == b->cr0 && a->cr2 == b->cr2 &&
		    a->cr3 == b->cr3 && a->cr4 == b->cr4 && a->efer == b->efer &&
		    a->dr6 == b->dr6 && a->dr7 == b->dr7 &&
		    a->gdtr.base == b->gdtr.base && a->gdtr.limit == b->gdtr.limit &&
		    a->idtr.base == b->idtr.base && a->idtr.limit == b->idtr.limit;
	for (int i = 0; i < VSMM_SREG_COUNT && same; i++)
		same = a->seg[i].selector == b->seg[i].selector &&
		       a->seg[i].base == b->seg[i].base &&
		       a->seg[i].limit == b->seg[i].limit &&
		       a->seg[i].attr == b->seg[i].attr;
	return same;
}

/*
 * The sync port (KVM's smm_test, ported in tests/guests/smmtest.asm): at
 * every stage the host saves the whole vCPU, throws it away and loads it
 * into a fresh one, in SMM or not.  Here: the architectural state from the
 * engine and vsmm's SMM state through its snapshot API (vsmm_smm_export),
 * then a vCPU from vsmm_vcpu_init() and the engine at the reset state,
 * then vsmm_smm_import() and the saved registers loaded back, SMRAM shown
 * as the imported SMM flag says.  What comes back must equal what went.
 */
static int sync_cycle(struct machine *m)
{
	struct vsmm_cpu_state saved = m->vcpu.state, reset, back = { 0 };
	uint8_t blob[VSMM_SMM_BLOB_SIZE], again[VSMM_SMM_BLOB_SIZE];
	uc_err err = ucx_get_state(m->uc, m->scratch, &saved);
	if (err)
		return internal(m, "reading the vCPU state", err);
	int rc = vsmm_smm_export(&m->vcpu, blob);
	if (rc == VSMM_OK)
		rc = vsmm_vcpu_init(&m->vcpu, &m->model, &m->ops, m);
	if (rc == VSMM_OK)
		rc = vsmm_vcpu_set_semantics(&m->vcpu, m->cfg.semantics);
	vsmm_cpu_state_reset(&reset);
	if (rc == VSMM_OK && (machine_set_smram_visible(m, false) ||
			      ucx_set_state(m->uc, m->scratch, &reset)))
		return internal(m, "resetting the vCPU", UC_ERR_OK);
	if (rc == VSMM_OK)
		rc = vsmm_smm_import(&m->vcpu, blob, sizeof(blob));
	if (rc != VSMM_OK) {
		fprintf(m->cfg.log,
			"vsmm run: sync stage %u: the SMM snapshot "
			"did not round-trip: %s\n",
			m->sync_stage, vsmm_status_name(rc));
		return RUN_EXIT_INTERNAL;
	}
	struct vsmm_cpu_state load = m->vcpu.state; /* imported event state */
	memcpy(load.gpr, saved.gpr, sizeof(load.gpr));
	load.rip = saved.rip, load.rflags = saved.rflags;
	load.cr0 = saved.cr0, load.cr2 = saved.cr2, load.cr3 = saved.cr3;
	load.cr4 = saved.cr4, load.efer = saved.efer;
	load.dr6 = saved.dr6, load.dr7 = saved.dr7;
	memcpy(load.seg, saved.seg, sizeof(load.seg));
	load.gdtr = saved.gdtr, load.idtr = saved.idtr;
	m->vcpu.state = load;
	if (machine_set_smram_visible(m, load.smm) ||
	    ucx_set_state(m->uc, m->scratch, &load) ||
	    ucx_get_state(m->uc, m->scratch, &back))
		return internal(m, "restoring the vCPU", UC_ERR_OK);
	if (vsmm_smm_export(&m->vcpu, again) != VSMM_OK ||
	    memcmp(blob, again, sizeof(blob)) || !same_arch(&saved, &back)) {
		fprintf(m->cfg.log,
			"vsmm run: sync stage %u: the restored vCPU "
			"differs from the saved one\n",
			m->sync_stage);
		return RUN_EXIT_INTERNAL;
	}
	m->syncs++;
	trace_sync(m, m->sync_stage);
	return CONTINUE;
}

static int handle_stop(struct machine *m, uc_err err)
{
	switch (m->stop) {
	case STOP_EXIT: return (int)(((m->exit_value & 0x7f) << 1) | 1);
	case STOP_RSM: return do_rsm(m);
	case STOP_MSR: return do_msr(m);
	case STOP_INTR: return do_intr(m);
	case STOP_LIMIT:
		fprintf(m->cfg.log,
			"vsmm run: stopped after %" PRIu64 " instructions: %s reached\n",
			m->insns,
			m->cfg.max_insns && m->insns > m->cfg.max_insns ? "--max-insns"
									: "--timeout");
		return RUN_EXIT_LIMIT;
	case STOP_EVENT: return resume_after_stop(m);
	case STOP_SYNC: {
		int rc = resume_after_stop(m);
		return rc == CONTINUE ? sync_cycle(m) : rc;
	}
	case STOP_NONE:
		if (err == UC_ERR_OK) {
			if (stopped_on_hlt(m))
				m->halted = true;
			return CONTINUE;
		}
		/* fall through */
	default: return report_fault(m, err);
	}
}

/*
 * --max-insns and --timeout, checked between runs as well as in the code
 * hook: whatever the guest does, at least one of the two is looked at on
 * every turn of the loop, so no sequence of stops (SMI, RSM, an engine
 * that returns at once) can outlive them.
 */
static bool limit_reached(struct machine *m)
{
	return (m->cfg.max_insns && m->insns > m->cfg.max_insns) ||
	       (m->deadline > 0 && machine_now_s() > m->deadline);
}

/* uc_emu_start came back with no hook asking for it and no error, yet not
 * a single instruction ran (not even a HLT): the engine cannot run the
 * state it holds.  Reported as a guest fault, never retried. */
static int no_progress(struct machine *m, uint64_t rip)
{
	struct vsmm_cpu_state st = { 0 };
	uint64_t base = 0;
	if (ucx_get_state(m->uc, m->scratch, &st) == UC_ERR_OK)
		base = st.seg[VSMM_CS].base;
	fprintf(m->cfg.log,
		"vsmm run: the engine stopped at RIP 0x%" PRIx64 " (CS base 0x%" PRIx64
		") without executing an instruction; it "
		"cannot run this state\n",
		rip, base);
	return RUN_EXIT_GUEST_FAULT;
}

static int run_loop(struct machine *m)
{
	for (;;) {
		int rc = machine_boundary(m);
		if (rc)
			return rc;
		rc = service_events(m);
		if (rc != CONTINUE)
			return rc;
		if (m->halted)
			continue;
		if (limit_reached(m)) {
			m->stop = STOP_LIMIT;
			return handle_stop(m, UC_ERR_OK);
		}
		/* uc_emu_start writes RIP: after a stop whose state was read,
		 * the located one (resume_after_stop). */
		uint64_t rip = m->held.rip;
		uc_err err = m->held_valid ? UC_ERR_OK
					   : uc_reg_read(m->uc, UC_X86_REG_RIP, &rip);
		if (err)
			return internal(m, "reading RIP", err);
		m->stop = STOP_NONE;
		m->held_valid = false;
		uint64_t insns = m->insns;
		err = uc_emu_start(m->uc, rip, NO_EXIT, 0, 0);
		if (err == UC_ERR_OK && m->stop == STOP_NONE && m->insns == insns)
			return no_progress(m, rip);
		rc = handle_stop(m, err);
		if (rc != CONTINUE)
			return rc;
	}
}

int machine_run(struct machine *m)
{
	trace_start(m);
	int rc = run_loop(m);
	trace_stop(m, rc);
	return rc;
}
