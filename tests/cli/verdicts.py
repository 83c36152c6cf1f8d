#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Issue 7's verdict table: the same corrupted images under both semantics.

    verdicts.py test --vsmm BUILD/cli/vsmm

Images are built with `vsmm smi` from committed states (the AMD64 map under
kvm semantics, Intel's native map under hardware semantics), then edited at
the manual offsets of manual_maps.py, and checked with `vsmm check --json`
and `vsmm rsm --json` under `--semantics kvm` and `--semantics hardware`
(Intel model).  The expected verdicts come from issue 7's text (hardware)
and from KVM's RSM checks (kvm_set_cr0/cr4 on the loaded values,
/work/shared/spec/kvm-smm-facts.md section 5).  A wrong verdict is a bug in
the rules, not in this table.
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import manual_maps  # noqa: E402

CR0_PE = 1 << 0
CR0_NW = 1 << 29
CR0_CD = 1 << 30
CR0_PG = 1 << 31
CR4_PCIDE = 1 << 17
CR4_VMXE = 1 << 13
EFER_LME = 1 << 8
RFLAGS_VM = 1 << 17

# Field offsets and sizes per layout, from the manuals' tables.
FIELDS = {
    "amd64": {name: (off, 4 if name == "smbase" else 8)
              for name, off in manual_maps.AMD_REGS.items()},
    "intel64": dict({name: (off, 4 if name == "smbase" else 8)
                     for name, off in manual_maps.I64_REGS.items()},
                    cr4=(manual_maps.I64_CR4, 4)),
}
AREA = {"amd64": 512, "intel64": 1024}


def no_pcid(img, f):
    """A long-mode image without PCIDE (and PCID 0 in CR3), so that
    clearing CR0.PG breaks one rule only."""
    f("cr4", lambda v: v & ~CR4_PCIDE)
    f("cr3", lambda v: v & ~0xFFF)


# (row, state, edit, kvm verdict, hardware verdict); a verdict is
# "resume" or the shutdown reason name.
ROWS = [
    ("unchanged 32-bit", "prot32", lambda img, f: None, "resume", "resume"),
    ("unchanged 64-bit", "long64", lambda img, f: None, "resume", "resume"),
    # Bochs resumes with EFER.LME=1 and long mode inactive: the SDM's RSM
    # loads EFER and CR0 without the MOV-to-CR0 IA-32e activation check.
    # KVM loads CR0 through kvm_set_cr0, which refuses PG with LME and no
    # PAE; vsmm's hardware rules refuse it too, since no VM entry or VMRUN
    # accepts that state (docs/compat.md).
    ("EFER.LME+CR0.PG, CR4.PAE clear, 32-bit context", "prot32",
     lambda img, f: f("efer", lambda v: v | EFER_LME),
     "CR0_PG_LME_NO_PAE", "CR0_PG_LME_NO_PAE"),
    # EFER.LMA=1 in the image needs PG: hardware shuts down; KVM strips
    # LMA, loads CR0 without PG and resumes in 32-bit protected mode.
    ("long mode with CR0.PG cleared", "long64",
     lambda img, f: (no_pcid(img, f), f("cr0", lambda v: v & ~CR0_PG)),
     "resume", "LMA_INCONSISTENT"),
    # Hardware reads the low dword of CR0; KVM's kvm_set_cr0 refuses
    # bits 63:32.
    ("CR0 bits 63:32 set", "long64",
     lambda img, f: f("cr0", lambda v: v | (1 << 32)),
     "CR0_HIGH", "resume"),
    ("RFLAGS.VM=1 in long mode", "long64",
     lambda img, f: f("rflags", lambda v: v | RFLAGS_VM),
     "resume", "RFLAGS_VM_IN_LM"),
    # KVM accepts VMXE once SMM is left (the 2019 fix) on a VMX model;
    # hardware restores VMXE only from its internal record.
    ("CR4.VMXE=1 in the image", "long64",
     lambda img, f: f("cr4", lambda v: v | CR4_VMXE),
     "resume", "CR4_VMXE_IMAGE"),
    # Rules both read the same way (SDM Vol.3A 2.5, MOV to CR0 #GP).
    ("CR0.PG=1 with CR0.PE=0", "prot32",
     lambda img, f: f("cr0", lambda v: v & ~CR0_PE),
     "CR0_PG_NO_PE", "CR0_PG_NO_PE"),
    ("CR0.NW=1 with CR0.CD=0", "prot32",
     lambda img, f: f("cr0", lambda v: (v | CR0_NW) & ~CR0_CD),
     "CR0_NW_NO_CD", "CR0_NW_NO_CD"),
]


def editor(img, layout):
    first = 0x8000 - AREA[layout]

    def f(name, op):
        off, size = FIELDS[layout][name]
        i = off - first
        v = int.from_bytes(img[i:i + size], "little")
        v = op(v) & ((1 << (8 * size)) - 1)
        img[i:i + size] = v.to_bytes(size, "little")
    return f


def vsmm_json(vsmm, work, argv):
    p = subprocess.run(vsmm + argv, cwd=work, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode not in (0, 1):
        raise RuntimeError(f"vsmm {' '.join(argv)}: exit {p.returncode}: "
                           f"{p.stderr.decode()}")
    return p.returncode, json.loads(p.stdout)


def verdict(rc, doc, ok_word):
    if doc["result"] == ok_word and rc == 0:
        return "resume"
    if doc["result"] == "shutdown" and rc == 1:
        return doc["reason"]
    return f"inconsistent (result {doc['result']}, exit {rc})"


# KVM's rules hold for the AMD model too, except where the model lacks
# the feature: without VMX, CR4.VMXE is a CPUID-gated reserved bit.
AMD_KVM = {"CR4.VMXE=1 in the image": "CR4_UNSUPPORTED"}


def check_one(vsmm, work, layout, model, sem, row, want):
    """check and rsm of edited.img; returns the number of failures."""
    opts = ["edited.img", "--json", "--model", model, "--semantics", sem]
    rc, doc = vsmm_json(vsmm, work, ["check"] + opts)
    got = verdict(rc, doc, "resume")
    rrc, rdoc = vsmm_json(vsmm, work, ["rsm"] + opts)
    got_rsm = verdict(rrc, rdoc, "resumed")
    bad = int(got != want or got_rsm != want or doc["semantics"] != sem)
    print(f"{'FAIL' if bad else 'ok  '} {layout:7} {model:5} {sem:8} {row}: "
          f"check {got}, rsm {got_rsm}, expected {want}")
    if want != "resume" or bad:
        return bad
    state = rdoc["state"]
    if row.startswith("CR0 bits") and int(state["cr0"], 16) >> 32:
        print(f"FAIL {row}: resumed CR0 {state['cr0']} keeps bits 63:32")
        return 1
    return 0


def edited_image(vsmm, work, states, layout, sem_build, state, edit):
    """The image `vsmm smi` builds from the state, with one edit."""
    base = f"{state}-{layout}.img"
    if not os.path.exists(os.path.join(work, base)):
        subprocess.run(vsmm + ["smi", "--state", states[state], "--semantics",
                               sem_build, "-o", base],
                       cwd=work, check=True, stdout=subprocess.DEVNULL)
    img = bytearray(open(os.path.join(work, base), "rb").read())
    assert len(img) == AREA[layout], (layout, len(img))
    edit(img, editor(img, layout))
    with open(os.path.join(work, "edited.img"), "wb") as fh:
        fh.write(img)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("test",))
    ap.add_argument("--vsmm", required=True)
    ap.add_argument("--wrapper", default="",
                    help="command to run vsmm under, e.g. "
                         "'valgrind -q --error-exitcode=99 --leak-check=full'")
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(HERE)))
    args = ap.parse_args()
    # The command that runs vsmm: [wrapper...] + the binary.
    vsmm = shlex.split(args.wrapper) + [os.path.abspath(args.vsmm)]
    work = tempfile.mkdtemp(prefix="vsmm-verdicts-")
    states = {"prot32": os.path.join(args.root, "examples", "states", "prot32.json"),
              "long64": os.path.join(args.root, "examples", "images", "long64.json")}
    failures = count = 0
    try:
        for layout, sem_build in (("amd64", "kvm"), ("intel64", "hardware")):
            for row, state, edit, want_kvm, want_hw in ROWS:
                edited_image(vsmm, work, states, layout, sem_build, state, edit)
                runs = [("intel", "kvm", want_kvm), ("intel", "hardware", want_hw)]
                if layout == "amd64":
                    runs.append(("amd", "kvm", AMD_KVM.get(row, want_kvm)))
                for model, sem, want in runs:
                    failures += check_one(vsmm, work, layout, model, sem, row, want)
                    count += 1
    finally:
        shutil.rmtree(work)
    print(f"verdicts: {count} verdicts, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
