/* SPDX-License-Identifier: MIT */
/*
 * The vCPU that `check`, `rsm` and `demo` run RSM on: a reset vCPU of the
 * --model, put into the SMM execution environment it would have after an
 * SMI (vsmm_smm_entry_state), with the image in memory at SMBASE.
 */
#include <string.h>

#include "cli.h"

/*
 * What the processor remembers across SMM besides the image (--halted,
 * --vmx), set through the public snapshot API so that the library checks
 * it is consistent (e.g. the HLT record exists only under hardware
 * semantics, VMX only on Intel).
 */
static int set_records(struct cli_rsm *r, const struct cli_opts *o)
{
	struct vsmm_smm_snapshot snap;
	int rc;

	if (!o->halted && !o->vmx)
		return 0;
	rc = vsmm_smm_save(&r->vcpu, &snap);
	if (rc != VSMM_OK) {
		cli_err("cannot set up the vCPU: %s", vsmm_strerror(rc));
		return -1;
	}
	snap.smi_halted = o->halted;
	snap.smm_vmxon = o->vmx;
	/* Hardware keeps CR4.VMXE itself; in VMX operation it was 1. */
	snap.hw_vmxe = o->vmx && o->semantics == VSMM_SEMANTICS_HARDWARE;
	rc = vsmm_smm_restore(&r->vcpu, &snap);
	if (rc == VSMM_OK)
		return 0;
	if (rc == VSMM_E_INCONSISTENT)
		cli_err("%s is not possible here: %s",
			o->halted && o->vmx ? "--halted with --vmx"
			: o->halted	    ? "--halted"
					    : "--vmx",
			o->halted && o->semantics != VSMM_SEMANTICS_HARDWARE
				? "the HLT record exists only under --semantics hardware "
				  "(KVM always resumes after the HLT)"
				: "VMX operation needs --model intel");
	else
		cli_err("cannot set up the vCPU: %s", vsmm_strerror(rc));
	return -1;
}

int cli_rsm_setup(struct cli_rsm *r, struct cli_image *img, const struct cli_opts *o)
{
	uint32_t smbase = cli_image_smbase(img, o);
	int rc;

	memset(r, 0, sizeof(*r));
	rc = cli_model_for(o->vendor, img->layout, &r->model);
	r->mem.area_addr = (uint64_t)smbase + img->desc->area_offset;
	r->mem.area = img->area;
	r->mem.area_len = img->len;
	if (img->from_dump) {
		r->mem.dump = &img->src;
		r->mem.dump_base = img->dump_base;
	}
	if (rc == VSMM_OK)
		rc = vsmm_vcpu_init(&r->vcpu, &r->model, &cli_platform_ops, &r->mem);
	if (rc == VSMM_OK)
		rc = vsmm_vcpu_set_semantics(&r->vcpu, o->semantics);
	if (rc != VSMM_OK) {
		cli_err("cannot set up the vCPU: %s (%s)", vsmm_strerror(rc),
			vsmm_status_name(rc));
		return -1;
	}
	vsmm_cpu_state_reset(&r->vcpu.state);
	r->vcpu.state.smbase = smbase;
	vsmm_smm_entry_state(&r->model, o->semantics, &r->vcpu.state);
	/* An SMI from a vCPU with NMIs open: in SMM, NMIs blocked and RSM
	 * unblocks them (smm_inside_nmi clear). */
	r->vcpu.state.smm = true;
	r->vcpu.state.nmi_masked = true;
	return set_records(r, o);
}

int cli_rsm_open(struct cli_rsm *r, struct cli_image *img, const char *path,
		 const struct cli_opts *o)
{
	if (cli_image_load(img, path, o) != 0)
		return -1;
	if (cli_rsm_setup(r, img, o) == 0)
		return 0;
	cli_image_close(img);
	return -1;
}

const char *cli_hidden_state(const struct cli_rsm *r, const struct cli_image *img)
{
	struct vsmm_vcpu probe = r->vcpu;

	/* The library says it: without a platform, such an image is the one
	 * RSM cannot judge (VSMM_E_NO_MEMORY). */
	probe.ops = NULL;
	if (vsmm_rsm_check(&probe, img->area, img->len, NULL, NULL) != VSMM_E_NO_MEMORY)
		return NULL;
	return img->from_dump ? "descriptor tables" : "unavailable";
}

void cli_print_context(FILE *f, const struct cli_image *img, const struct cli_opts *o)
{
	fprintf(f, "layout %s%s, revision 0x%08x, model %s, semantics %s",
		img->desc->name, img->auto_chosen ? " (from the revision id)" : "",
		img->revision, vsmm_vendor_name(o->vendor),
		vsmm_semantics_name(o->semantics));
}

void cli_context_to_json(json_object *obj, const struct vsmm_layout_desc *desc,
			 uint32_t revision, const struct cli_opts *o)
{
	json_object_object_add(obj, "layout", json_object_new_string(desc->name));
	json_object_object_add(obj, "revision", cli_json_hex(revision));
	json_object_object_add(obj, "model",
			       json_object_new_string(vsmm_vendor_name(o->vendor)));
	json_object_object_add(obj, "semantics",
			       json_object_new_string(vsmm_semantics_name(o->semantics)));
}

int cli_smi_deliver(struct cli_smi *r, const struct cli_opts *o,
		    const struct vsmm_cpu_state *state)
{
	int rc = cli_model_for(o->vendor, o->layout, &r->model);

	if (rc != VSMM_OK)
		return rc;
	r->desc = vsmm_layout_get(vsmm_model_layout(&r->model, o->semantics));
	if (!r->desc)
		return VSMM_E_LAYOUT;
	r->mem.area = r->area;
	r->mem.area_len = r->desc->area_size;
	r->mem.area_addr = (uint64_t)state->smbase + r->desc->area_offset;
	rc = vsmm_vcpu_init(&r->vcpu, &r->model, &cli_platform_ops, &r->mem);
	if (rc == VSMM_OK)
		rc = vsmm_vcpu_set_semantics(&r->vcpu, o->semantics);
	if (rc != VSMM_OK)
		return rc;
	r->vcpu.state = *state;
	return vsmm_enter_smm(&r->vcpu);
}
