/* SPDX-License-Identifier: MIT */
/* JSON lines for `vsmm run --trace` (see trace.h). */
#include "trace.h"
#include "ucx86.h"

#include <inttypes.h>
#include <string.h>

static const char *const gpr_key[VSMM_GPR_COUNT] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

static const char *const sreg_key[VSMM_SREG_COUNT] = VSMM_SREG_NAMES;

static void hex(FILE *f, const char *key, uint64_t v, bool comma)
{
	fprintf(f, "\"%s\":\"0x%" PRIx64 "\"%s", key, v, comma ? "," : "");
}

static void flag(FILE *f, const char *key, bool v)
{
	fprintf(f, "\"%s\":%s,", key, v ? "true" : "false");
}

static void state_json(FILE *f, const struct vsmm_cpu_state *s)
{
	fputc('{', f);
	for (int i = 0; i < VSMM_GPR_COUNT; i++)
		hex(f, gpr_key[i], s->gpr[i], true);
	hex(f, "rip", s->rip, true);
	hex(f, "rflags", s->rflags, true);
	hex(f, "cr0", s->cr0, true);
	hex(f, "cr2", s->cr2, true);
	hex(f, "cr3", s->cr3, true);
	hex(f, "cr4", s->cr4, true);
	hex(f, "efer", s->efer, true);
	hex(f, "dr6", s->dr6, true);
	hex(f, "dr7", s->dr7, true);
	hex(f, "smbase", s->smbase, true);
	for (int i = 0; i < VSMM_SREG_COUNT; i++) {
		const struct vsmm_seg *g = &s->seg[i];
		fprintf(f, "\"%s\":{", sreg_key[i]);
		hex(f, "selector", g->selector, true);
		hex(f, "base", g->base, true);
		hex(f, "limit", g->limit, true);
		hex(f, "attr", g->attr, false);
		fputs("},", f);
	}
	fprintf(f, "\"gdtr\":{\"base\":\"0x%" PRIx64 "\",\"limit\":\"0x%" PRIx32 "\"},",
		s->gdtr.base, s->gdtr.limit);
	fprintf(f, "\"idtr\":{\"base\":\"0x%" PRIx64 "\",\"limit\":\"0x%" PRIx32 "\"},",
		s->idtr.base, s->idtr.limit);
	flag(f, "smm", s->smm);
	flag(f, "nmi_masked", s->nmi_masked);
	flag(f, "smm_inside_nmi", s->smm_inside_nmi);
	flag(f, "smi_pending", s->smi_pending);
	flag(f, "init_latched", s->init_latched);
	flag(f, "shutdown", s->shutdown);
	flag(f, "halted", s->halted);
	hex(f, "int_shadow", s->int_shadow, false);
	fputc('}', f);
}

/* The state-save area as the SMM code sees it, field by field. */
static void image_json(struct machine *m)
{
	FILE *f = m->cfg.log;
	enum vsmm_layout layout = vsmm_vcpu_layout(&m->vcpu);
	const struct vsmm_layout_desc *d = vsmm_layout_get(layout);
	uint8_t area[VSMM_IMAGE_MAX];
	if (!d || d->area_size > sizeof(area) ||
	    machine_phys_read(m, true, (uint64_t)m->vcpu.state.smbase + d->area_offset,
			      area, d->area_size)) {
		fputs("\"image\":null", f);
		return;
	}
	fprintf(f, "\"image\":{\"layout\":\"%s\",\"fields\":{", d->name);
	bool first = true;
	for (size_t i = 0; i < d->nfields; i++) {
		const struct vsmm_field_desc *fd = &d->fields[i];
		if (fd->flags & VSMM_FIELD_RESERVED)
			continue;
		fprintf(f, "%s\"%s\":\"0x%" PRIx64 "\"", first ? "" : ",", fd->name,
			vsmm_field_read(d, fd, area));
		first = false;
	}
	fputs("}}", f);
}

void trace_start(struct machine *m)
{
	FILE *f = m->cfg.log;
	const struct vsmm_layout_desc *d = vsmm_layout_get(vsmm_vcpu_layout(&m->vcpu));
	if (!m->cfg.trace)
		return;
	fprintf(f,
		"{\"event\":\"start\",\"model\":\"%s\",\"long_mode\":%s,"
		"\"layout\":\"%s\",\"semantics\":\"%s\",",
		vsmm_vendor_name(m->model.vendor), m->model.long_mode ? "true" : "false",
		d ? d->name : "unknown", vsmm_semantics_name(m->vcpu.semantics));
	hex(f, "ram", m->cfg.ram_size, true);
	hex(f, "smram_base", m->cfg.smram_base, true);
	hex(f, "smram_size", m->cfg.smram_size, true);
	fputs("\"state\":", f);
	state_json(f, &m->vcpu.state);
	fputs("}\n", f);
	fflush(f);
}

void trace_smi(struct machine *m, const struct vsmm_cpu_state *before, const char *source,
	       const struct vsmm_io_smi *io)
{
	FILE *f = m->cfg.log;
	if (!m->cfg.trace)
		return;
	fprintf(f, "{\"event\":\"smi\",\"n\":%" PRIu64 ",\"source\":\"%s\",", m->smis,
		source);
	if (io->valid)
		fprintf(f,
			"\"io\":{\"port\":\"0x%x\",\"width\":%u,\"rip\":\"0x%" PRIx64
			"\"},",
			io->port, io->width, io->insn_rip);
	fputs("\"before\":", f);
	state_json(f, before);
	fputs(",\"after\":", f);
	state_json(f, &m->vcpu.state);
	fputc(',', f);
	image_json(m);
	fputs("}\n", f);
	fflush(f);
}

void trace_rsm(struct machine *m, const struct vsmm_cpu_state *before, int rc)
{
	FILE *f = m->cfg.log;
	const struct vsmm_shutdown *why = &m->vcpu.last_shutdown;
	if (!m->cfg.trace)
		return;
	fprintf(f, "{\"event\":\"rsm\",\"n\":%" PRIu64 ",", m->rsms);
	fputs("\"before\":", f);
	state_json(f, before);
	if (rc == VSMM_OK) {
		fputs(",\"result\":\"resumed\",\"after\":", f);
		state_json(f, &m->vcpu.state);
	} else if (rc == VSMM_E_SHUTDOWN) {
		fprintf(f,
			",\"result\":\"shutdown\",\"reason\":\"%s\","
			"\"message\":\"%s\",\"field\":\"%s\",",
			vsmm_reason_name(why->reason), vsmm_reason_text(why->reason),
			why->field ? why->field : "");
		hex(f, "offset", why->offset, true);
		hex(f, "value", why->value, false);
	} else {
		fprintf(f, ",\"result\":\"%s\"", vsmm_status_name(rc));
	}
	fputs("}\n", f);
	fflush(f);
}

void trace_sync(struct machine *m, unsigned stage)
{
	if (!m->cfg.trace)
		return;
	fprintf(m->cfg.log,
		"{\"event\":\"sync\",\"n\":%" PRIu64 ",\"stage\":"
		"%u,\"smm\":%s,\"result\":\"restored\",\"state\":",
		m->syncs, stage, m->vcpu.state.smm ? "true" : "false");
	state_json(m->cfg.log, &m->vcpu.state);
	fputs("}\n", m->cfg.log);
	fflush(m->cfg.log);
}

void trace_stop(struct machine *m, int status)
{
	FILE *f = m->cfg.log;
	struct vsmm_cpu_state st = m->vcpu.state;
	if (!m->cfg.trace)
		return;
	/* Between stops the engine holds the live registers; vcpu.state may
	 * be older.  A state the engine cannot give back (it failed) is
	 * reported as vsmm last saw it. */
	if (!m->held_valid)
		(void)ucx_get_state(m->uc, m->scratch, &st);
	st.halted = m->halted;
	fprintf(f, "{\"event\":\"stop\",\"status\":%d,\"insns\":%" PRIu64 ",", status,
		m->insns);
	fprintf(f, "\"smis\":%" PRIu64 ",\"rsms\":%" PRIu64 ",\"state\":", m->smis,
		m->rsms);
	state_json(f, &st);
	fputs("}\n", f);
	fflush(f);
}
