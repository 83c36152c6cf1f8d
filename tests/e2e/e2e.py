#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of `vsmm run` (issue 4) and differential runs against QEMU.

  e2e.py run  --vsmm VSMM --bios IMG [--status N] [--expect TEXT]...
              [--stderr TEXT]... [--outcome N:TEXT]... [--within S]
              [-- RUN-ARGS...]
      Run IMG with `VSMM run`; check the exit status, that every --expect
      text appears on the debug console in this order, that no line starts
      with "FAIL", and that every --stderr text appears on stderr.  With
      --outcome (repeatable) the run must end in one of them instead: exit
      status N with TEXT on stderr.  With --within the run must end in S
      seconds of wall-clock time.

  e2e.py diff --vsmm VSMM --qemu QEMU --bios IMG [-- RUN-ARGS...]
      Run IMG on vsmm and on QEMU (q35, TCG) and compare the debug-console
      output line by line.  Lines may differ only as docs/compat.md
      ("vsmm run vs QEMU") documents, field by field (DOCUMENTED below);
      any other difference fails and is printed.

  e2e.py trace --vsmm VSMM --bios IMG [-- RUN-ARGS...]
      Run IMG with --trace and check the JSON lines on stderr: one "smi"
      per SMI and one "rsm" per RSM, the SMM entry state vsmm reports
      (CS base = SMBASE, RIP 0x8000, smm set), the decoded image, and that
      an RSM whose image the handler did not edit restores the state the
      SMI saved.

  e2e.py usage --vsmm VSMM --bios IMG
      Bad command lines, bad images and one-instruction guests (RSM outside
      SMM, UD2, INT3, HLT, the exit port) give their documented exit
      statuses and messages.

  e2e.py selfcheck --vsmm VSMM --bios IMG --preload SHIM
      With SHIM (a Unicorn whose context has another size) preloaded,
      `vsmm run` must refuse to run, say why and exit 8, and the other
      drivers must turn that into a skip.

Exit status 77 (meson's "skipped") when the engine's self-check fails
(`vsmm run` exits 8) or QEMU is missing, with the reason on stdout.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
ENGINE_UNAVAILABLE = 8  # engines/unicorn/run_status.h
RUN_TIMEOUT = 60


def run_vsmm(vsmm, bios, run_args, within=RUN_TIMEOUT):
    cmd = [vsmm, "run", "--bios", bios, "--timeout", "30"] + run_args
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=within)
    except subprocess.TimeoutExpired as e:
        return None, (e.stdout or b"").decode("latin-1"), \
            (e.stderr or b"").decode("latin-1")
    out = p.stdout.decode("latin-1")
    err = p.stderr.decode("latin-1")
    if p.returncode == ENGINE_UNAVAILABLE:
        print("SKIP: the CPU engine is unavailable:\n" + err)
        sys.exit(SKIP)
    return p.returncode, out, err


def run_qemu(qemu, bios, serial="none"):
    exe = shutil.which(qemu)
    if not exe:
        print(f"SKIP: {qemu} is not installed (Debian: qemu-system-x86)")
        sys.exit(SKIP)
    with tempfile.NamedTemporaryFile(suffix=".txt") as con:
        cmd = [exe, "-accel", "tcg", "-machine", "q35", "-bios", bios,
               "-display", "none", "-no-reboot", "-nodefaults",
               "-monitor", "none", "-serial", serial,
               "-chardev", f"file,id=dbg,path={con.name}",
               "-device", "isa-debugcon,iobase=0xe9,chardev=dbg",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
        p = subprocess.run(cmd, capture_output=True, timeout=RUN_TIMEOUT)
        with open(con.name, "rb") as f:
            out = f.read().decode("latin-1")
    return p.returncode, out, p.stderr.decode("latin-1")


def check_run(a):
    within = a.within or RUN_TIMEOUT
    status, out, err = run_vsmm(a.vsmm, a.bios, a.run_args, within)
    problems = []
    if status is None:
        problems.append(f"still running after {within} s (killed)")
    elif a.outcome:
        wanted = [o.split(":", 1) for o in a.outcome]
        if not any(status == int(n) and text in err for n, text in wanted):
            problems.append(f"exit status {status} with this stderr is none "
                            f"of the outcomes {a.outcome}")
    elif status != a.status:
        problems.append(f"exit status {status}, expected {a.status}")
    pos = 0
    for text in a.expect:
        i = out.find(text, pos)
        if i < 0:
            problems.append(f"missing (in order) on the console: {text!r}")
        else:
            pos = i + len(text)
    fails = [l for l in out.splitlines() if l.startswith("FAIL")]
    if a.guest_fails and not fails:
        problems.append("the guest was expected to report FAIL")
    elif not a.guest_fails:
        problems += [f"guest reported: {line}" for line in fails]
    for text in a.stderr:
        if text not in err:
            problems.append(f"missing on stderr: {text!r}")
    return report(problems, out, err)


# ------------------------------------------------------------ differential
#
# Documented differences (docs/compat.md, "vsmm run vs QEMU"), one entry per
# field: (layout, offset as the manual writes it, name, rule).  A rule gets
# (vsmm value, QEMU value) of the dword at that offset and says whether the
# pair is the documented relation.  Offsets are 7Exx-style (SMBASE+0x8000).

def p6_attr(v, q):
    # vsmm (like KVM) stores the attribute word unshifted (descriptor bits
    # 8..23); QEMU stores (flags >> 8) & 0xF0FF in the 32-bit map too.
    return v == (q << 8)


P6_ATTR_FIELDS = {0x7F2C: "ds_attr", 0x7F38: "fs_attr", 0x7F44: "gs_attr",
                  0x7F5C: "tr_attr", 0x7F78: "ldtr_attr", 0x7F84: "es_attr",
                  0x7F90: "cs_attr", 0x7F9C: "ss_attr"}

DOCUMENTED = {("p6-32", off): (name, p6_attr)
              for off, name in P6_ATTR_FIELDS.items()}


def tss_busy(q_type):
    # An available TSS (type 1 or 9) in QEMU's TR cache; vsmm's RSM marks
    # it busy (type 3 or 11), as LTR marks the descriptor it loads.
    return q_type in (0x1, 0x9)


def amd64_tr(v, q):
    # Dword at 7E90: selector (bits 15:0), attributes (bits 31:16).
    return tss_busy((q >> 16) & 0xF) and v == q | (0x2 << 16)


def p6_tr(v, q):
    return p6_attr(v, q) or (tss_busy(q & 0xF) and v == (q | 0x2) << 8)


DOCUMENTED[("amd64", 0x7E90)] = ("tr_selector/tr_attr (busy TSS)", amd64_tr)
DOCUMENTED[("p6-32", 0x7F5C)] = ("tr_attr", p6_tr)

# Tokens of the handler's "smm entry:" line that may differ: QEMU leaves
# IDTR unchanged on SMM entry, vsmm (KVM semantics) loads base 0 limit 0.
ENTRY_TOKENS = {"idtr": lambda v, q: v == "00000000:0000"}

# MSRs the guest may not touch: vsmm raises #GP as KVM does (IA32_SMBASE is
# the VMM's, unknown MSRs fault); QEMU's TCG reads them as 0 and ignores
# writes (docs/engine.md, "CPU model").
MSR_LINE = re.compile(r"^(rdmsr|wrmsr) ([0-9a-f]{8})[ 0-9a-f]*:")
MSR_GP_DOCUMENTED = {0x9E: "IA32_SMBASE", 0x12345: "an unknown MSR"}


def compare_msr(v, q):
    mv, mq = MSR_LINE.match(v), MSR_LINE.match(q)
    if not mv or not mq or mv.group(0) != mq.group(0):
        return None
    index = int(mv.group(2), 16)
    if not v.endswith(" #gp") or q.endswith(" #gp") or \
            index not in MSR_GP_DOCUMENTED:
        return None
    return [f"{mv.group(1)} of {MSR_GP_DOCUMENTED[index]} ({index:#x}): "
            f"#GP on vsmm, {q[len(mq.group(0)):].strip()} on qemu"]


# IDT delivery in long mode (tests/guests/intr.asm; docs/compat.md): QEMU's
# TCG names a 64-bit gate in a #GP error code as vector * 16 + 2 where the
# SDM (and vsmm) give vector * 8 + 2, and it loads a NULL SS for an IST
# stack switch without a privilege change, where the SDM keeps SS.
GP_LINE = re.compile(r"^#gp: error ([0-9a-f]{8}) cs ([0-9a-f]{8})$")
IST_LINE = re.compile(r"^(int 0x44 \(ist1\): ist1-rsp [0-9a-f]{8}) ss "
                      r"([0-9a-f]{8})$")


def compare_intr(v, q):
    gv, gq = GP_LINE.match(v), GP_LINE.match(q)
    if gv and gq and gv.group(2) == gq.group(2):
        ev, eq = int(gv.group(1), 16), int(gq.group(1), 16)
        if ev & 7 == 2 and eq == (ev >> 3) * 16 + 2:
            return [f"#GP error code of 64-bit IDT gate {ev >> 3:#x}: "
                    f"vsmm {ev:#x} (vector*8+2), qemu {eq:#x} (vector*16+2)"]
    iv, iq = IST_LINE.match(v), IST_LINE.match(q)
    if iv and iq and iv.group(1) == iq.group(1) and iq.group(2) == "00000000":
        return [f"SS after an IST switch without a privilege change: vsmm "
                f"{iv.group(2)} (kept), qemu 0 (NULL)"]
    return None


REVISIONS = {0x0000: "p6-32", 0x0064: "amd64", 0x0101: "intel64"}
DUMP = re.compile(r"^  ([0-9a-f]{4}):((?: [0-9a-f]{8}){4})$")
SMI = re.compile(r"^smi \w+: smbase \w+ revision ([0-9a-f]{8})")


def compare_entry(v, q):
    tv, tq = v.split(), q.split()
    if len(tv) != len(tq) or tv[:2] != tq[:2]:
        return None
    notes = []
    for i in range(2, len(tv) - 1, 2):
        key = tv[i]
        if key != tq[i]:
            return None
        if tv[i + 1] != tq[i + 1]:
            rule = ENTRY_TOKENS.get(key)
            if not rule or not rule(tv[i + 1], tq[i + 1]):
                return None
            notes.append(f"smm entry {key}: vsmm {tv[i + 1]}, qemu {tq[i + 1]}")
    return notes


def compare_dump(layout, v, q):
    mv, mq = DUMP.match(v), DUMP.match(q)
    if not mv or not mq or mv.group(1) != mq.group(1):
        return None
    base = int(mv.group(1), 16) - 0x8000
    notes = []
    for i, (dv, dq) in enumerate(zip(mv.group(2).split(), mq.group(2).split())):
        if dv == dq:
            continue
        off = base + 4 * i
        doc = DOCUMENTED.get((layout, off))
        if not doc or not doc[1](int(dv, 16), int(dq, 16)):
            return None
        notes.append(f"{layout} {doc[0]} @{off:04X}: vsmm {dv}, qemu {dq}")
    return notes


def check_diff(a):
    # With --serial FILE, COM1 goes to a file on each side, compared too.
    with tempfile.TemporaryDirectory() as tmp:
        vser, qser = os.path.join(tmp, "vsmm.com1"), os.path.join(tmp, "qemu.com1")
        run_args, serial = list(a.run_args), "none"
        if "--serial" in run_args:
            run_args[run_args.index("--serial") + 1] = vser
            serial = f"file:{qser}"
        vstatus, vout, verr = run_vsmm(a.vsmm, a.bios, run_args)
        qstatus, qout, qerr = run_qemu(a.qemu, a.bios, serial)
        com1 = [open(f, "rb").read() if os.path.exists(f) else b""
                for f in (vser, qser)] if serial != "none" else None
    problems, documented = [], set()
    if com1 is not None and com1[0] != com1[1]:
        problems.append(f"COM1 output differs: vsmm {com1[0][:200]!r}, "
                        f"qemu {com1[1][:200]!r}")
    if vstatus != qstatus:
        problems.append(f"exit status: vsmm {vstatus}, qemu {qstatus}")
    vl, ql = vout.splitlines(), qout.splitlines()
    if len(vl) != len(ql):
        problems.append(f"line count: vsmm {len(vl)}, qemu {len(ql)}")
    layout = None
    for n, (v, q) in enumerate(zip(vl, ql), 1):
        m = SMI.match(v)
        if m:
            layout = REVISIONS.get(int(m.group(1), 16) & 0xFFFF)
        if v == q:
            continue
        notes = None
        if v.startswith("smm entry:"):
            notes = compare_entry(v, q)
        elif DUMP.match(v):
            notes = compare_dump(layout, v, q)
        elif MSR_LINE.match(v):
            notes = compare_msr(v, q)
        else:
            notes = compare_intr(v, q)
        if notes is None:
            problems.append(f"line {n} differs (undocumented):\n"
                            f"  vsmm: {v}\n  qemu: {q}")
        else:
            documented.update(notes)
    for d in sorted(documented):
        print("documented difference:", d)
    if not problems:
        print(f"vsmm and {a.qemu} agree on {len(vl)} lines "
              f"(exit status {vstatus})"
              + (f" and {len(com1[0])} bytes of COM1" if com1 else ""))
    return report(problems, vout, verr + "\n--- qemu stderr:\n" + qerr)


ARCH_KEYS = (["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"]
             + [f"r{i}" for i in range(8, 16)]
             + ["rip", "rflags", "cr0", "cr3", "cr4", "efer", "dr7",
                "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr", "gdtr",
                "idtr"])


def check_trace(a):
    import json
    status, out, err = run_vsmm(a.vsmm, a.bios, ["--trace"] + a.run_args)
    problems = []
    events = []
    for line in err.splitlines():
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError as e:
                problems.append(f"not JSON ({e}): {line[:80]}")
    starts = [e for e in events if e.get("event") == "start"]
    if len(starts) != 1 or starts[0].get("semantics") != "kvm" or \
       starts[0].get("layout") != "amd64" or \
       starts[0]["state"]["cs"]["base"] != "0xffff0000":
        problems.append(f"no start event with kvm/amd64 and the reset state")
    smis = [e for e in events if e.get("event") == "smi"]
    rsms = [e for e in events if e.get("event") == "rsm"]
    console_smis = len([l for l in out.splitlines() if SMI.match(l)])
    if not smis or len(smis) != console_smis:
        problems.append(f"{len(smis)} smi events, the handler saw "
                        f"{console_smis} SMIs")
    if len(rsms) != len(smis):
        problems.append(f"{len(smis)} smi events but {len(rsms)} rsm events")
    for e in smis:
        after = e["after"]
        if not after["smm"] or after["rip"] != "0x8000" or \
           after["cs"]["base"] != after["smbase"]:
            problems.append(f"smi {e['n']}: not the SMM entry state: {after}")
        if not e.get("image") or "fields" not in e["image"]:
            problems.append(f"smi {e['n']}: no decoded image")
    # The first SMI's handler only dumps: RSM must give back every
    # architectural register the SMI saved.
    if smis and rsms:
        before, resumed = dict(smis[0]["before"]), rsms[0].get("after", {})
        # RSM marks an available TSS in TR busy (docs/compat.md): QEMU's
        # TCG, and so Unicorn, keeps the type LTR read before it set the
        # busy bit.
        tr = dict(before.get("tr", {}))
        if tr and not int(tr["attr"], 16) & 0x10 and \
           int(tr["attr"], 16) & 0xF in (0x1, 0x9):
            tr["attr"] = hex(int(tr["attr"], 16) | 0x2)
            before["tr"] = tr
        if rsms[0].get("result") != "resumed":
            problems.append(f"first rsm: {rsms[0].get('result')}")
        for k in ARCH_KEYS:
            if before.get(k) != resumed.get(k):
                problems.append(f"first rsm: {k} {resumed.get(k)} != "
                                f"{before.get(k)} saved at the smi")
    # The last line is the stop: the run's status, its counts, and the
    # vCPU where it ended (here the guest's OUT to the exit port).
    stops = [e for e in events if e.get("event") == "stop"]
    if len(stops) != 1 or events[-1] is not stops[0]:
        problems.append(f"{len(stops)} stop events, expected one, last")
    else:
        stop = stops[0]
        if stop.get("status") != status or stop.get("smis") != len(smis) \
           or stop.get("rsms") != len(rsms) or not stop.get("insns"):
            problems.append(f"stop event {stop.get('status')}/"
                            f"{stop.get('smis')}/{stop.get('rsms')} does not "
                            f"match status {status}, {len(smis)} SMIs, "
                            f"{len(rsms)} RSMs")
        if stop.get("state", {}).get("smm") is not False:
            problems.append("stop event: no state, or still in SMM")
    if status != 1:
        problems.append(f"exit status {status}, expected 1")
    if not problems:
        print(f"{len(smis)} SMIs and {len(rsms)} RSMs traced as JSON")
    return report(problems, out, err)


def check_usage(a):
    cases = [
        ([], 64, "--bios IMAGE is required"),
        (["--bios", a.bios, "--model", "via"], 64, "unknown --model"),
        (["--bios", a.bios, "--layout", "p7"], 64, "unknown --layout"),
        (["--bios", a.bios, "--semantics", "qemu"], 64, "unknown --semantics"),
        (["--bios", a.bios, "--smram", "0x200000"], 64, "BASE:SIZE"),
        (["--bios", a.bios, "--smram", "0x200001:0x1000"], 64, "4 KiB aligned"),
        (["--bios", a.bios, "--ram", "1K"], 64, "--ram"),
        (["--bios", a.bios, "--max-insns", "0"], 64, "--max-insns"),
        (["--bios", a.bios, "--frobnicate"], 64, "unknown argument"),
        (["--bios", "/nonexistent/bios.bin"], 66, "cannot open"),
        (["--bios", __file__], 66, "multiple of 64 KiB"),
        (["--bios", os.path.dirname(os.path.abspath(__file__))], 66,
         "is a directory"),
        (["--bios", a.bios, "--max-insns", "1000"], 6, "--max-insns reached"),
        (["--bios", a.bios, "--serial", ""], 64, "--serial needs a file name"),
        (["--bios", a.bios, "--serial", "/nonexistent/com1.txt"], 74,
         "cannot create"),
        # issue 10: firmware loading
        (["--bios", a.bios, "--option-rom", "/nonexistent/x.rom"], 66,
         "--option-rom /nonexistent/x.rom"),
        (["--pflash", a.bios + ","], 64, "must be CODE or CODE,VARS"),
        (["--bios", a.bios, "--pflash", a.bios], 64, "exclude each other"),
        (["--pflash", a.bios + ",/nonexistent/vars.fd"], 66, "--pflash VARS"),
        (["--pflash", "/nonexistent/code.fd"], 66, "cannot open flash CODE"),
    ]
    # One-instruction images at the reset vector (F000:FFF0).
    tmp = tempfile.TemporaryDirectory()
    for name, code, want, text in [
            ("rsm", b"\x0f\xaa", 4, "RSM outside SMM at RIP 0xfff0 raises #UD"),
            ("ud2", b"\x0f\x0b", 4, "invalid or unsupported instruction"),
            # INT3 through the real-mode IVT (vector 3 set to F000:0020,
            # where the handler exits with 0x22): status 0x45.
            ("int3", b"\xea\x00\x00\x00\xf0", 0x45, ""),
            ("hlt", b"\xf4", 0, "halted (RIP 0xfff1) with nothing pending"),
            ("exit", b"\xb0\x21\xe6\xf4\xf4", 0x43, ""),
            # mov dx,0x402; mov al,'Q'; out dx,al; mov al,0x21; out 0xf4,al;
            # hlt
            ("debugcon402", bytes.fromhex("ba0204b051eeb021e6f4f4"), 0x43,
             "")]:
        img = bytearray(0x10000)
        img[0xFFF0:0xFFF0 + len(code)] = code
        if name == "int3":
            # xor ax,ax; mov ds,ax; mov ss,ax; mov sp,0x7000;
            # mov word [0xc],0x20; mov word [0xe],0xf000; int3; hlt
            img[0:23] = bytes.fromhex("31c08ed88ed0bc0070c7060c002000"
                                        "c7060e0000f0ccf4")
            img[0x20:0x24] = bytes.fromhex("b022e6f4")  # exit 0x22
        path = f"{tmp.name}/{name}.bin"
        with open(path, "wb") as f:
            f.write(img)
        cases.append((["--bios", path], want, text))
    problems = []
    for args, want, text in cases:
        p = subprocess.run([a.vsmm, "run"] + args, capture_output=True,
                           timeout=RUN_TIMEOUT)
        err = p.stderr.decode("latin-1")
        if p.returncode == ENGINE_UNAVAILABLE:
            print("SKIP: the CPU engine is unavailable:\n" + err)
            sys.exit(SKIP)
        if "debugcon402" in " ".join(args) and p.stdout != b"Q":
            problems.append(f"port 0x402 wrote {p.stdout!r}, not b'Q'")
        if p.returncode != want or text not in err:
            problems.append(f"vsmm run {' '.join(args)}: status "
                            f"{p.returncode} (want {want}), stderr {err!r} "
                            f"(want {text!r})")
    h = subprocess.run([a.vsmm, "run", "--help"], capture_output=True)
    if h.returncode != 0 or b"--smram BASE:SIZE" not in h.stdout:
        problems.append("vsmm run --help does not list the options")
    # The first line is worded as every other command's usage line.
    if not h.stdout.startswith(b"Usage: vsmm run --bios IMAGE [OPTIONS...]\n"):
        problems.append("vsmm run --help does not start with the usage "
                        "line the other commands use: "
                        f"{h.stdout.splitlines()[:1]!r}")
    if not problems:
        print(f"{len(cases)} command lines and images gave their documented "
              "exit statuses")
    return report(problems, "", "")


def check_selfcheck(a):
    import os
    env = dict(os.environ, LD_PRELOAD=a.preload)
    p = subprocess.run([a.vsmm, "run", "--bios", a.bios], capture_output=True,
                       timeout=RUN_TIMEOUT, env=env)
    err = p.stderr.decode("latin-1")
    if "does not come first in initial library list" in err:
        print("SKIP: cannot preload a shim into a sanitizer build")
        return SKIP
    problems = []
    if p.returncode != ENGINE_UNAVAILABLE:
        problems.append(f"exit status {p.returncode}, expected "
                        f"{ENGINE_UNAVAILABLE}")
    for text in ("engine self-check failed", "4096 bytes",
                 "refusing to run"):
        if text not in err:
            problems.append(f"missing on stderr: {text!r}")
    q = subprocess.run([sys.executable, __file__, "run", "--vsmm", a.vsmm,
                        "--bios", a.bios], capture_output=True, env=env,
                       timeout=RUN_TIMEOUT)
    if q.returncode != SKIP or b"engine self-check failed" not in q.stdout:
        problems.append(f"the run driver gave {q.returncode}, not a skip "
                        f"with the reason: {q.stdout!r}")
    if not problems:
        print("a mismatched engine is refused (exit 8) and the tests skip")
    return report(problems, p.stdout.decode("latin-1"), err)


def report(problems, out, err):
    if not problems:
        return 0
    print("FAILED:")
    for p in problems:
        print(" -", p)
    print("--- console:\n" + out + "--- stderr:\n" + err)
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--status", type=int, default=1)
    r.add_argument("--expect", action="append", default=[])
    r.add_argument("--stderr", action="append", default=[])
    r.add_argument("--outcome", action="append", default=[],
                   help="STATUS:TEXT, one of the acceptable endings")
    r.add_argument("--within", type=float, default=0,
                   help="wall-clock bound of the run in seconds")
    r.add_argument("--guest-fails", action="store_true",
                   help="the guest's own check must fail (a negative test)")
    d = sub.add_parser("diff")
    d.add_argument("--qemu", required=True)
    t = sub.add_parser("trace")
    u = sub.add_parser("usage")
    c = sub.add_parser("selfcheck")
    c.add_argument("--preload", required=True)
    for p in (r, d, t, u, c):
        p.add_argument("--vsmm", required=True)
        p.add_argument("--bios", required=True)
        p.add_argument("run_args", nargs="*")
    a = ap.parse_args()
    return {"run": check_run, "diff": check_diff, "trace": check_trace,
            "usage": check_usage, "selfcheck": check_selfcheck}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
