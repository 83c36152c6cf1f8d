/* SPDX-License-Identifier: MIT */
/*
 * SMM added to a Unicorn emulator with libvsmm-unicorn (docs/unicorn.md):
 * the C twin of examples/swsmi.py, on the same guest.
 *
 *	unicorn_smi SWSMI.BIN      (nasm -f bin examples/swsmi.asm)
 *
 * The OS part writes port 0xB2; the emulator delivers an SMI through vsmm
 * and runs the handler, which reads its arguments with ReadSaveState and
 * writes its answer with WriteSaveState (hypercalls OUT 0xE0 / 0xE1, see
 * swsmi.asm); its RSM goes through vsmm, which resumes the OS part.
 * Exit 0 when the OS part sees the handler's answer in RAX.
 *
 * The lines marked SMM are all this needs beyond a plain Unicorn program.
 * Built against the installed library: cc unicorn_smi.c $(pkg-config
 * --cflags --libs vsmm-unicorn).  Linking Unicorn, the program is GPL-2.0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vsmm/unicorn.h>

#define CODE 0x1000u
#define HANDLER 0x1100u
#define PML4 0x10000u

static struct vsmm_uc smm; /* SMM */
static bool smi_pending;

static uint64_t rd(uc_engine *uc, int id)
{
	uint64_t v = 0;
	uc_reg_read(uc, id, &v);
	return v;
}

static void on_out(uc_engine *uc, uint32_t port, int size, uint32_t value, void *user)
{
	(void)size, (void)value, (void)user;
	uint32_t reg = (uint32_t)rd(uc, UC_X86_REG_RCX);
	size_t width = (size_t)rd(uc, UC_X86_REG_RDX);
	uint64_t v = 0; /* little-endian host: the bytes are the number */
	if (port == 0xb2) {
		smi_pending = true; /* SMM: deliver after the OUT retires */
		uc_emu_stop(uc);
	} else if (port == 0xe0) {
		enum vsmm_efi_status s = vsmm_uc_read_save_state(&smm, reg, width, &v);
		printf("handler: ReadSaveState(%s) = %#llx (%s)\n",
		       vsmm_mm_register_name(reg), (unsigned long long)v,
		       vsmm_efi_status_name(s));
		uc_reg_write(uc, UC_X86_REG_RAX, &v);
	} else if (port == 0xe1) {
		v = rd(uc, UC_X86_REG_R8);
		enum vsmm_efi_status s = vsmm_uc_write_save_state(&smm, reg, width, &v);
		printf("handler: WriteSaveState(%s, %#llx) (%s)\n",
		       vsmm_mm_register_name(reg), (unsigned long long)v,
		       vsmm_efi_status_name(s));
	}
}

static void on_code(uc_engine *uc, uint64_t addr, uint32_t size, void *user)
{
	(void)uc, (void)addr, (void)size, (void)user; /* exact stops in I/O hooks */
}

static long load(const char *path, uint8_t *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, max, f);
	int bad = ferror(f) || !feof(f);
	fclose(f);
	return bad ? -1 : (long)n;
}

int main(int argc, char **argv)
{
	static uint8_t code[0x1000];
	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc == 2 ? stdout : stderr,
			"usage: unicorn_smi SWSMI.BIN  (nasm -f bin examples/swsmi.asm)\n");
		return argc == 2 ? 0 : 2;
	}
	long n = load(argv[1], code, sizeof(code));
	if (n <= 0) {
		fprintf(stderr, "unicorn_smi: cannot read %s (or it is over 4 KiB)\n",
			argv[1]);
		return 1;
	}

	uc_engine *uc;
	uc_hook h_out, h_code;
	uc_open(UC_ARCH_X86, UC_MODE_64, &uc);
	uc_mem_map(uc, 0, 0x100000, UC_PROT_ALL);
	uc_mem_write(uc, CODE, code, (size_t)n);
	/* A long-mode OS has paging on: identity-map the first 2 MiB. */
	uint64_t pt[3] = { PML4 + 0x1003, PML4 + 0x2003, 0x83 };
	for (int i = 0; i < 3; i++)
		uc_mem_write(uc, PML4 + 0x1000u * i, &pt[i], 8);
	uint64_t cr3 = PML4, cr4 = 0x20, cr0 = 0x80000011, rsp = 0x9000;
	uc_reg_write(uc, UC_X86_REG_CR3, &cr3);
	uc_reg_write(uc, UC_X86_REG_CR4, &cr4);
	uc_reg_write(uc, UC_X86_REG_CR0, &cr0);
	uc_reg_write(uc, UC_X86_REG_RSP, &rsp);
	uc_hook_add(uc, &h_out, UC_HOOK_INSN, (void *)on_out, NULL, 1, 0, UC_X86_INS_OUT);
	uc_hook_add(uc, &h_code, UC_HOOK_CODE, (void *)on_code, NULL, 1, 0);

	if (vsmm_uc_attach(&smm, uc) != VSMM_OK || /* SMM */
	    vsmm_uc_set_entry(&smm, HANDLER) != VSMM_OK) {
		fprintf(stderr, "unicorn_smi: cannot attach vsmm\n");
		return 1;
	}

	uint64_t rip = CODE;
	for (;;) {
		uc_err err;
		int rc = vsmm_uc_emu_start(&smm, rip, 0xfffff, 0, 0, &err); /* SMM */
		if (rc != VSMM_OK) {
			const struct vsmm_shutdown *why = &smm.vcpu.last_shutdown;
			fprintf(stderr, "RSM: %s: %s\n", vsmm_status_name(rc),
				rc == VSMM_E_SHUTDOWN ? vsmm_reason_name(why->reason)
						      : "");
			return 1;
		}
		if (err != UC_ERR_OK) {
			fprintf(stderr, "unicorn_smi: %s\n", uc_strerror(err));
			return 1;
		}
		if (!smi_pending)
			break; /* HLT: the OS part is done */
		smi_pending = false;
		if (vsmm_uc_smi(&smm) != VSMM_OK) /* SMM */
			return 1;
		printf("SMI: context saved at %#llx, the handler runs at %#x\n",
		       (unsigned long long)vsmm_uc_area_address(&smm), HANDLER);
		rip = rd(uc, UC_X86_REG_RIP);
	}
	uint64_t rax = rd(uc, UC_X86_REG_RAX);
	printf("RSM: vsmm resumed at %#llx; OS: RAX = %#llx\n",
	       (unsigned long long)smm.vcpu.state.rip, (unsigned long long)rax);
	vsmm_uc_detach(&smm);
	uc_close(uc);
	return rax == 0x1234 + 0x1000 ? 0 : 1;
}
