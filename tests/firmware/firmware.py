#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Stock firmware on `vsmm run` against live QEMU 7.2 (issue 10).

  firmware.py log --vsmm VSMM --qemu QEMU --bios IMG [--seconds S]
      Boot IMG (Debian's SeaBIOS bios-256k.bin) on both machines to the
      end of boot and compare SeaBIOS's debug output (port 0x402) line by
      line.  Lines may differ only as docs/engine.md ("Stock firmware")
      lists them, each with its reason (DOCUMENTED below); any other
      difference fails and is printed.

      With --option-rom ROM both machines also get ROM (QEMU's
      -option-rom) and the output must contain every --expect text; vsmm
      may then also end halted (status 0) when the ROM stops with CLI; HLT.

  firmware.py smm --vsmm VSMM --qemu QEMU --bios IMG [--seconds S]
      The SMM events of the same boot: the number of SMIs, and for each the
      state before SMM entry and the state RSM resumed, from QEMU's
      `-d int` ("SMM: enter", "SMM: after RSM") and vsmm's --trace.  The
      registers compared are those docs/engine.md names.

Both run the same machine: `-machine q35,smm=on -nodefaults -m 128
-accel tcg` on QEMU; on vsmm `--model amd` (QEMU's qemu64 CPU is an AMD
one) and `--option-rom` with the kvmvapic.bin QEMU itself loads.  Exit 77
(skipped) when QEMU, the image or the engine is missing.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
RAM = "128"
KVMVAPIC = "/usr/share/qemu/kvmvapic.bin"

# Lines that differ because QEMU builds ACPI and SMBIOS tables and hands
# them to SeaBIOS through fw_cfg (etc/table-loader, etc/acpi/*,
# etc/smbios/*), which vsmm does not: SeaBIOS then builds its own.  Each
# entry: (name, regex); a line matching it is masked to its name on both
# sides, or dropped where only one side prints it (QEMU_ONLY, VSMM_ONLY).
DOCUMENTED = [
    ("pmtimer port", r"^Using pmtimer, ioport 0x[0-9a-f]+$"),
    ("mptable copy", r"^Copying MPTABLE from 0x[0-9a-f]+/[0-9a-f]+ to 0x[0-9a-f]+$"),
    ("smbios copy", r"^Copying SMBIOS from 0x[0-9a-f]+ to 0x[0-9a-f]+$"),
    ("umb space", r"^Space available for UMB: [0-9a-f]+-[0-9a-f]+, [0-9a-f]+-[0-9a-f]+$"),
    ("zonehigh", r"^Returned \d+ bytes of ZoneHigh$"),
    ("e820 acpi ram", r"^  3: 0000000000100000 - [0-9a-f]{16} = 1 RAM$"),
    ("e820 acpi reserved", r"^  4: [0-9a-f]{16} - 0000000008000000 = 2 RESERVED$"),
]
QEMU_ONLY = [r"^Moving pm_base to 0x600$", r"^table\(50434146\)=0x[0-9a-f]+ \(via rsdt\)$",
             r"^ACPI: parse DSDT at 0x[0-9a-f]+ \(len \d+\)$"]
VSMM_ONLY = [r"^ACPI DSDT=0x[0-9a-f]+$", r"^Copying ACPI RSDP from 0x[0-9a-f]+ to 0x[0-9a-f]+$"]

# The registers whose values before the SMI and after RSM must agree.
SMM_REGS = ["EBX", "ECX", "EDX", "ESI", "EDI", "ESP", "EIP"]
SMM_SEGS = ["ES", "CS", "SS", "DS", "FS", "GS"]


def skip(why):
    print("SKIP:", why)
    sys.exit(SKIP)


def run_qemu(qemu, bios, seconds, tmp, log_int, roms=()):
    con = os.path.join(tmp, "qemu-console")
    cmd = [qemu, "-machine", "q35,smm=on", "-nodefaults", "-m", RAM,
           "-bios", bios, "-debugcon", "file:" + con,
           "-global", "isa-debugcon.iobase=0x402", "-display", "none",
           "-accel", "tcg"]
    for r in roms:
        cmd += ["-option-rom", r]
    dlog = os.path.join(tmp, "qemu-int")
    if log_int:
        cmd += ["-d", "int", "-D", dlog]
    try:
        subprocess.run(cmd, capture_output=True, timeout=seconds)
    except subprocess.TimeoutExpired:
        pass  # QEMU waits forever after "No bootable device."
    text = open(con, "rb").read().decode("latin-1")
    ints = open(dlog, "rb").read().decode("latin-1") if log_int else ""
    return text, ints


def run_vsmm(vsmm, bios, seconds, trace, roms=()):
    cmd = [vsmm, "run", "--bios", bios, "--ram", RAM + "M", "--model", "amd",
           "--option-rom", KVMVAPIC, "--timeout", str(seconds)]
    for r in roms:
        cmd += ["--option-rom", r]
    if trace:
        cmd.append("--trace")
    p = subprocess.run(cmd, capture_output=True, timeout=seconds + 60)
    if p.returncode == 8:
        skip("the engine is unavailable: " + p.stderr.decode("latin-1"))
    return p.returncode, p.stdout.decode("latin-1"), p.stderr.decode("latin-1")


def normalise(lines, only_other):
    out = []
    for line in lines:
        if any(re.match(r, line) for r in only_other):
            continue
        for name, r in DOCUMENTED:
            if re.match(r, line):
                line = "<" + name + ">"
                break
        out.append(line)
    return out


def cmd_log(a):
    with tempfile.TemporaryDirectory() as tmp:
        qtext, _ = run_qemu(a.qemu, a.bios, a.seconds, tmp, False, a.option_rom)
    rc, vtext, verr = run_vsmm(a.vsmm, a.bios, a.seconds, False, a.option_rom)
    if rc != 6 and not (a.option_rom and rc == 0):
        print("vsmm run ended with status %d, not 6 (--timeout):\n%s" % (rc, verr))
        return 1
    for e in a.expect:
        for side, text in (("qemu", qtext), ("vsmm", vtext)):
            if e not in text:
                print("%s printed no %r:\n%s" % (side, e, text))
                return 1
    q = normalise(qtext.splitlines(), QEMU_ONLY)
    v = normalise(vtext.splitlines(), VSMM_ONLY)
    if "No bootable device." not in q and not a.expect:
        print("QEMU did not reach the end of boot in %d s:\n%s" % (a.seconds, qtext))
        return 1
    # QEMU stops printing at the end of boot; vsmm must print the same.
    if q != v:
        for i in range(max(len(q), len(v))):
            ql = q[i] if i < len(q) else "<end>"
            vl = v[i] if i < len(v) else "<end>"
            if ql != vl:
                print("line %d differs:\n  qemu: %s\n  vsmm: %s" % (i + 1, ql, vl))
                break
        return 1
    print("%d lines equal (%d masked as documented)" %
          (len(q), sum(1 for l in q if l.startswith("<"))))
    return 0


def qemu_states(text, marker):
    """The register dumps that follow each `marker` line."""
    states = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() != marker:
            continue
        st = {}
        for l in lines[i + 1:i + 20]:
            for k, v in re.findall(r"\b([A-Z]{2,3})=([0-9a-f]{8,16})\b", l):
                st.setdefault(k, int(v, 16))
            m = re.match(r"^(ES|CS|SS|DS|FS|GS) =([0-9a-f]{4}) ([0-9a-f]+)", l)
            if m:
                st[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16))
        states.append(st)
    return states


def vsmm_state(s):
    st = {r: int(s[r.lower().replace("e", "r", 1)], 16) & 0xffffffff
          for r in SMM_REGS}
    for sg in SMM_SEGS:
        seg = s[sg.lower()]
        st[sg] = (int(seg["selector"], 16), int(seg["base"], 16))
    return st


def cmd_smm(a):
    with tempfile.TemporaryDirectory() as tmp:
        _, ints = run_qemu(a.qemu, a.bios, a.seconds, tmp, True)
    _, _, verr = run_vsmm(a.vsmm, a.bios, a.seconds, True)
    q_enter = qemu_states(ints, "SMM: enter")
    q_after = qemu_states(ints, "SMM: after RSM")
    events = [json.loads(l) for l in verr.splitlines() if l.startswith("{")]
    v_smi = [e for e in events if e["event"] == "smi"]
    v_rsm = [e for e in events if e["event"] == "rsm"]
    # vsmm runs longer than the first boot only if the firmware reboots:
    # compare the first boot's events (QEMU's run is the first boot).
    n = len(q_enter)
    if n == 0 or len(q_after) != n:
        print("QEMU logged %d SMM entries and %d RSMs" % (n, len(q_after)))
        return 1
    if len(v_smi) != n or len(v_rsm) != n:
        print("SMIs: QEMU %d, vsmm %d; RSMs: QEMU %d, vsmm %d" %
              (n, len(v_smi), len(q_after), len(v_rsm)))
        return 1
    bad = 0
    for i in range(n):
        for what, q, v in (("before SMI", q_enter[i], vsmm_state(v_smi[i]["before"])),
                           ("after RSM", q_after[i], vsmm_state(v_rsm[i]["after"]))):
            for k in SMM_REGS + SMM_SEGS:
                if q.get(k) != v[k]:
                    print("SMI %d %s: %s QEMU %s vsmm %s" % (i + 1, what, k, q.get(k), v[k]))
                    bad = 1
        # SMBASE: vsmm's trace has it; the first SMI enters at the reset
        # value and SeaBIOS's relocation handler moves it to 0xA0000.
        if int(v_smi[i]["before"]["smbase"], 16) != (0x30000 if i == 0 else 0xA0000):
            print("SMI %d: SMBASE %s" % (i + 1, v_smi[i]["before"]["smbase"]))
            bad = 1
        if int(v_rsm[i]["after"]["smbase"], 16) != 0xA0000:
            print("SMI %d: SMBASE after RSM %s" % (i + 1, v_rsm[i]["after"]["smbase"]))
            bad = 1
    if not bad:
        print("%d SMIs agree" % n)
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["log", "smm"])
    ap.add_argument("--vsmm", required=True)
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--bios", required=True)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--option-rom", action="append", default=[])
    ap.add_argument("--expect", action="append", default=[])
    a = ap.parse_args()
    if not shutil.which(a.qemu):
        skip("no " + a.qemu)
    for f in (a.bios, KVMVAPIC):
        if not os.path.exists(f):
            skip("no " + f)
    sys.exit(cmd_log(a) if a.mode == "log" else cmd_smm(a))


if __name__ == "__main__":
    main()
