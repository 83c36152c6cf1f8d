# SPDX-License-Identifier: MIT
"""SMI delivery and RSM through vsmm for a python3-unicorn (2.0.1) x86-64
emulation, with Unicorn's public API only.

    smm = vsmm.unicorn.Smm(uc, smbase=0x30000)
    smm.smi()          # save the interrupted context into SMRAM (guest memory)
    ...                # run the SMI handler (e.g. an EDK2-style 64-bit handler)
    state = smm.rsm()  # RSM: check the image, load the context back into uc

What the public API cannot carry (docs/python.md): the hidden descriptor
caches of CS/SS/DS/ES/FS/GS (only selectors are readable and writable; the
helper records flat 64-bit descriptors, FS/GS bases from FS_BASE/GS_BASE);
mode switches (CR0/CR4 writes only store the number in 2.0.1, so RSM must
resume in the mode the instance runs, 64-bit); the SMM entry environment
itself (the handler runs in the instance's 64-bit mode, as EDK2 handlers do
after their entry code); RSM as an instruction (0F AA is #UD outside
QEMU's SMM flag; see on_invalid_insn).
"""
from unicorn import UC_HOOK_INSN_INVALID
from unicorn.x86_const import (
    UC_X86_REG_CR0, UC_X86_REG_CR3, UC_X86_REG_CR4, UC_X86_REG_CS,
    UC_X86_REG_DR6, UC_X86_REG_DR7, UC_X86_REG_DS, UC_X86_REG_ES,
    UC_X86_REG_FS, UC_X86_REG_FS_BASE, UC_X86_REG_GDTR, UC_X86_REG_GS,
    UC_X86_REG_GS_BASE, UC_X86_REG_IDTR, UC_X86_REG_LDTR, UC_X86_REG_MSR,
    UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
    UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15,
    UC_X86_REG_RAX, UC_X86_REG_RBP, UC_X86_REG_RBX, UC_X86_REG_RCX,
    UC_X86_REG_RDI, UC_X86_REG_RDX, UC_X86_REG_RFLAGS, UC_X86_REG_RIP,
    UC_X86_REG_RSI, UC_X86_REG_RSP, UC_X86_REG_SS, UC_X86_REG_TR)

import vsmm

EFER = 0xC0000080
GPRS = {"rax": UC_X86_REG_RAX, "rcx": UC_X86_REG_RCX, "rdx": UC_X86_REG_RDX,
        "rbx": UC_X86_REG_RBX, "rsp": UC_X86_REG_RSP, "rbp": UC_X86_REG_RBP,
        "rsi": UC_X86_REG_RSI, "rdi": UC_X86_REG_RDI, "r8": UC_X86_REG_R8,
        "r9": UC_X86_REG_R9, "r10": UC_X86_REG_R10, "r11": UC_X86_REG_R11,
        "r12": UC_X86_REG_R12, "r13": UC_X86_REG_R13, "r14": UC_X86_REG_R14,
        "r15": UC_X86_REG_R15, "rip": UC_X86_REG_RIP,
        "rflags": UC_X86_REG_RFLAGS, "cr0": UC_X86_REG_CR0,
        "cr3": UC_X86_REG_CR3, "cr4": UC_X86_REG_CR4, "dr6": UC_X86_REG_DR6,
        "dr7": UC_X86_REG_DR7}
SELECTORS = {"es": UC_X86_REG_ES, "cs": UC_X86_REG_CS, "ss": UC_X86_REG_SS,
             "ds": UC_X86_REG_DS, "fs": UC_X86_REG_FS, "gs": UC_X86_REG_GS}
# Flat 64-bit descriptors (access-rights words, docs/json.md) for the
# caches the API cannot read.
FLAT_CODE64, FLAT_DATA = 0xA09B, 0xC093
TSS64_BUSY = 0x8B


def capture(uc):
    """The vCPU state dict of a 64-bit Unicorn instance (see the module
    text for what is synthesised)."""
    st = {k: hex(uc.reg_read(r)) for k, r in GPRS.items()}
    st["efer"] = hex(uc.reg_read(UC_X86_REG_MSR, EFER))
    for name, reg in SELECTORS.items():
        base = 0
        if name == "fs":
            base = uc.reg_read(UC_X86_REG_FS_BASE)
        elif name == "gs":
            base = uc.reg_read(UC_X86_REG_GS_BASE)
        st[name] = {"selector": hex(uc.reg_read(reg)), "base": hex(base),
                    "limit": "0xffffffff",
                    "attr": hex(FLAT_CODE64 if name == "cs" else FLAT_DATA)}
    for name, reg in (("ldtr", UC_X86_REG_LDTR), ("tr", UC_X86_REG_TR)):
        sel, base, limit, flags = uc.reg_read(reg)
        attr = (flags >> 8) & 0xF0FF
        if name == "tr" and not attr & 0x80:
            # Unicorn reports no TR cache unless the guest ran LTR; every
            # 64-bit CPU has a busy TSS in TR (VM entry requires one), so
            # stand in the reset TSS: busy 64-bit TSS, 0x67 bytes.
            attr, limit = TSS64_BUSY, max(limit, 0x67)
        st[name] = {"selector": hex(sel), "base": hex(base), "limit": hex(limit),
                    "attr": hex(attr)}
    for name, reg in (("gdtr", UC_X86_REG_GDTR), ("idtr", UC_X86_REG_IDTR)):
        _sel, base, limit, _flags = uc.reg_read(reg)
        st[name] = {"base": hex(base), "limit": hex(limit)}
    return st


def restore(uc, st):
    """Write a state dict back with what the public API can write."""
    for k, r in GPRS.items():
        uc.reg_write(r, int(st[k], 16))
    uc.reg_write(UC_X86_REG_MSR, (EFER, int(st["efer"], 16)))
    for name, reg in SELECTORS.items():
        uc.reg_write(reg, int(st[name]["selector"], 16))
    uc.reg_write(UC_X86_REG_FS_BASE, int(st["fs"]["base"], 16))
    uc.reg_write(UC_X86_REG_GS_BASE, int(st["gs"]["base"], 16))
    for name, reg in (("gdtr", UC_X86_REG_GDTR), ("idtr", UC_X86_REG_IDTR)):
        uc.reg_write(reg, (0, int(st[name]["base"], 16),
                           int(st[name]["limit"], 16), 0))


class Smm:
    """SMM for one Unicorn vCPU; the state-save area lives in the guest's
    memory at SMBASE + 0xFE00 (amd64 layout, as KVM writes it)."""

    def __init__(self, uc, smbase=0x30000, model="intel", semantics="kvm"):
        self.uc = uc
        self.vcpu = vsmm.Vcpu(model=model, semantics=semantics,
                              read=lambda smm, gpa, n: bytes(uc.mem_read(gpa, n)),
                              write=lambda smm, gpa, d: uc.mem_write(gpa, d))
        self.smbase = smbase
        self.entry = None
        self.resumed = None
        self.error = None   # what the RSM hook raised, if anything

    @property
    def area_address(self):
        return self.smbase + 0xFE00

    def image(self):
        """The state-save area as it is now in guest memory."""
        return bytes(self.uc.mem_read(self.area_address, 512))

    def smi(self):
        """Deliver an SMI: the interrupted context goes into SMRAM.
        Returns vsmm's SMM entry state (the handler's environment)."""
        st = capture(self.uc)
        st["smbase"] = hex(self.smbase)
        self.vcpu.state = st
        self.entry = self.vcpu.smi()
        return self.entry

    def rsm(self):
        """RSM: vsmm checks and loads the image; the resumed context is
        written back into the instance.  Raises vsmm.ShutdownError."""
        self.resumed = self.vcpu.rsm()
        restore(self.uc, self.resumed)
        return self.resumed

    def on_invalid_insn(self):
        """Install a UC_HOOK_INSN_INVALID hook that treats RSM (0F AA) as
        RSM; Unicorn stops after it, and the caller restarts uc_emu_start
        at the resumed RIP (self.resumed["rip"]).  Any other invalid
        instruction stops emulation as usual."""
        def hook(uc, _data):
            rip = uc.reg_read(UC_X86_REG_RIP)
            if bytes(uc.mem_read(rip, 2)) != b"\x0f\xaa":
                return False
            try:
                self.rsm()
            except Exception as e:  # raised in a C callback: keep it
                self.error = e
                uc.emu_stop()
                return True
            uc.emu_stop()
            return True
        return self.uc.hook_add(UC_HOOK_INSN_INVALID, hook)
