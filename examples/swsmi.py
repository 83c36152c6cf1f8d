#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A SW-SMI handler on Unicorn with SMI and RSM through vsmm.

    examples/swsmi.py [--asm examples/swsmi.asm]

Assembles examples/swsmi.asm with nasm, runs its OS part on a 64-bit
Unicorn instance; OUT 0xB2 delivers an SMI through vsmm (the context goes
into the state-save area in guest memory), the handler reads its arguments
with ReadSaveState(RAX/RBX) and writes its result with WriteSaveState
(EDK2's semantics, vsmm's ovmf flavour on the amd64 map), and RSM asks
vsmm whether the image resumes; the resumed registers are printed.
Exit 0 when the OS part sees the handler's answer in RAX.
"""
import argparse
import os
import subprocess
import sys
import tempfile

from unicorn import Uc, UC_ARCH_X86, UC_MODE_64, UC_HOOK_INSN, UC_HOOK_CODE
from unicorn.x86_const import (UC_X86_INS_OUT, UC_X86_REG_CR0, UC_X86_REG_CR3,
                               UC_X86_REG_CR4,
                               UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX,
                               UC_X86_REG_R8, UC_X86_REG_RIP, UC_X86_REG_RSP)

import vsmm
import vsmm.unicorn

HERE = os.path.dirname(os.path.abspath(__file__))
CODE, HANDLER, STACK, SMBASE, PML4 = 0x1000, 0x1100, 0x9000, 0x30000, 0x10000


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asm", default=os.path.join(HERE, "swsmi.asm"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "swsmi.bin")
        subprocess.run(["nasm", "-f", "bin", "-o", out, args.asm], check=True)
        code = open(out, "rb").read()

    uc = Uc(UC_ARCH_X86, UC_MODE_64)
    uc.mem_map(0, 0x100000)
    uc.mem_write(CODE, code)
    uc.reg_write(UC_X86_REG_RSP, STACK)
    # A fresh 64-bit instance reports EFER.LMA with CR0.PG and CR4.PAE
    # clear, which no real long-mode vCPU has (RSM would refuse that
    # state): give it identity page tables for the first 2 MiB and turn
    # paging on, as an OS would have.
    uc.mem_write(PML4, (PML4 + 0x1003).to_bytes(8, "little"))
    uc.mem_write(PML4 + 0x1000, (PML4 + 0x2003).to_bytes(8, "little"))
    uc.mem_write(PML4 + 0x2000, (0x83).to_bytes(8, "little"))  # 2 MiB page
    uc.reg_write(UC_X86_REG_CR3, PML4)
    uc.reg_write(UC_X86_REG_CR4, 0x20)
    uc.reg_write(UC_X86_REG_CR0, 0x80000011)
    uc.hook_add(UC_HOOK_CODE, lambda *a: None)  # exact RIP in hooks

    smm = vsmm.unicorn.Smm(uc, smbase=SMBASE)
    smm.on_invalid_insn()
    pending = {"smi": False}

    def on_out(uc, port, size, value, _data):
        if port == 0xB2:
            pending["smi"] = True
            uc.emu_stop()       # deliver after the OUT retires
        elif port in (0xE0, 0xE1):
            reg = uc.reg_read(UC_X86_REG_RCX)
            width = uc.reg_read(UC_X86_REG_RDX)
            img = smm.image()
            try:
                if port == 0xE0:
                    v = vsmm.read_save_state(img, reg, width)
                    uc.reg_write(UC_X86_REG_RAX, v)
                    print(f"handler: ReadSaveState({vsmm.register_name(reg)}) "
                          f"= {v:#x}")
                else:
                    v = uc.reg_read(UC_X86_REG_R8)
                    uc.mem_write(smm.area_address,
                                 vsmm.write_save_state(img, reg, v, width))
                    print(f"handler: WriteSaveState({vsmm.register_name(reg)}, "
                          f"{v:#x})")
            except vsmm.EfiError as e:
                print(f"handler: {e.status}")
                uc.reg_write(UC_X86_REG_RAX, e.code | 1 << 63)

    uc.hook_add(UC_HOOK_INSN, on_out, None, 1, 0, UC_X86_INS_OUT)

    rip = CODE
    while True:
        uc.emu_start(rip, 0xFFFFF)
        rip = uc.reg_read(UC_X86_REG_RIP)
        if pending["smi"]:
            pending["smi"] = False
            entry = smm.smi()
            print(f"SMI: context saved at {smm.area_address:#x}, SMM entry "
                  f"CS {entry['cs']['selector']} RIP {entry['rip']}")
            rip = HANDLER       # the handler runs in the instance's mode
            continue
        if smm.resumed is not None:       # the RSM hook ran
            print("RSM: vsmm resumes; registers:")
            for k in ("rip", "rsp", "rax", "rbx", "rflags", "cr0", "cr3",
                      "cr4", "efer"):
                print(f"  {k:6} {smm.resumed[k]}")
            print(f"  cs     {smm.resumed['cs']}")
            rip = int(smm.resumed["rip"], 16)
            smm.resumed = None
            continue
        if smm.error is not None:        # RSM refused the image
            print(f"RSM: {smm.error}")
            return 1
        break
    rax = uc.reg_read(UC_X86_REG_RAX)
    print(f"OS: back from the SMI, RAX = {rax:#x}")
    return 0 if rax == 0x1234 + 0x1000 else 1


if __name__ == "__main__":
    sys.exit(main())
