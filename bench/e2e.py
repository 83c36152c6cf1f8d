#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end benchmark (issue 6, part 5): the same SMI-loop guest images
on `vsmm run` and on QEMU's TCG, in one run.

Each image runs REPEAT times on each side; a run must print "smi_loop ok"
(the guest counted every SMI) and exit with status 1 (debug-exit value 0).
Cost per SMI round trip = (median(image) - median(zero image)) / SMIs, so
start-up and shut-down cancel out.  Two clocks are reported: the CPU time
the run's process used (all its threads, user + system; robust on a shared
machine) and the wall time.  The summary figures use CPU time.

usage: e2e.py GUESTDIR SMIS_PER_MODE REPEAT [VSMM_BINARY]
prints per-mode lines, then e2e_vsmm_us / e2e_qemu_us / e2e_ratio.
"""
import os
import statistics
import subprocess
import sys
import time


def qemu_cmd(image):
    return ["qemu-system-x86_64", "-accel", "tcg", "-machine", "q35",
            "-bios", image, "-display", "none", "-no-reboot",
            "-chardev", "stdio,id=dbg",
            "-device", "isa-debugcon,iobase=0xe9,chardev=dbg",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]


def vsmm_cmd(binary):
    return lambda image: [binary, "run", "--bios", image]


def run_once(cmd):
    """(cpu_s, wall_s) of one run; raises if the guest did not finish."""
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 1 or b"smi_loop ok" not in out:
        raise RuntimeError("%s: exit status %d, output: %s" %
                           (" ".join(cmd), code,
                            out.decode(errors="replace").strip()))
    return usage.ru_utime + usage.ru_stime, wall


def median_run(cmd, repeat):
    runs = [run_once(cmd) for _ in range(repeat)]
    return (statistics.median(r[0] for r in runs),
            statistics.median(r[1] for r in runs))


def side(label, make_cmd, guests, smis, repeat):
    """Per-mode lines; returns us per round trip over all modes (CPU)."""
    image = lambda name: os.path.join(guests, "smi_loop_%s.bin" % name)
    zero = median_run(make_cmd(image("zero")), repeat)
    print("  %-5s no SMI (start-up and exit): cpu %.1f ms, wall %.1f ms" %
          (label, zero[0] * 1e3, zero[1] * 1e3))
    per = {}
    for mode, count in (("rm", smis), ("pm", smis), ("lm", smis),
                        ("all", 3 * smis)):
        t = median_run(make_cmd(image(mode)), repeat)
        per[mode] = tuple((t[i] - zero[i]) * 1e6 / count for i in (0, 1))
        print("  %-5s %-3s us per SMI round trip: cpu %6.2f, wall %6.2f "
              "(%d SMIs)" % (label, mode, per[mode][0], per[mode][1], count))
    return per["all"][0]


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    guests, smis, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    vsmm = sys.argv[4] if len(sys.argv) == 5 else None
    print("  (rm/pm/lm: SMIs from real mode, 32-bit protected mode, 64-bit "
          "long mode; all: the three in one run; median of %d runs, net of "
          "the no-SMI run)" % repeat)
    figures = {"e2e_vsmm_us": "n/a", "e2e_qemu_us": "n/a", "e2e_ratio": "n/a"}
    results = {}
    try:
        results["qemu"] = side("qemu", qemu_cmd, guests, smis, repeat)
    except (OSError, RuntimeError) as e:
        print("e2e.py: the QEMU side did not run: %s" % e, file=sys.stderr)
    if vsmm:
        try:
            results["vsmm"] = side("vsmm", vsmm_cmd(vsmm), guests, smis,
                                   repeat)
        except (OSError, RuntimeError) as e:
            print("e2e.py: the vsmm side did not run: %s" % e,
                  file=sys.stderr)
    else:
        print("e2e.py: no vsmm binary (vsmm run not built)", file=sys.stderr)
    for name in ("vsmm", "qemu"):
        if name in results:
            figures["e2e_%s_us" % name] = "%.2f" % results[name]
    if "vsmm" in results and "qemu" in results:
        figures["e2e_ratio"] = "%.2f" % (results["vsmm"] / results["qemu"])
    for key in ("e2e_vsmm_us", "e2e_qemu_us", "e2e_ratio"):
        print("%s: %s" % (key, figures[key]))


if __name__ == "__main__":
    main()
