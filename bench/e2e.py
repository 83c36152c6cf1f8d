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
prints per-mode lines, then e2e_vsmm_us / e2e_qemu_us / e2e_ratio (all
three modes in one run) and e2e_ratio_rm / e2e_ratio_pm32 / e2e_ratio_lm64
(vsmm / QEMU per SMI from real mode, 32-bit protected mode and 64-bit long
mode: the rm, pm and lm images of the same run).
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


# Summary key of each single-mode image's ratio.
MODE_RATIO_KEYS = (("rm", "e2e_ratio_rm"), ("pm", "e2e_ratio_pm32"),
                   ("lm", "e2e_ratio_lm64"))


def side(label, make_cmd, guests, smis, repeat):
    """Per-mode lines; returns {mode: us per round trip (CPU)} for rm, pm,
    lm and all."""
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
    return {mode: t[0] for mode, t in per.items()}


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    guests, smis, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    vsmm = sys.argv[4] if len(sys.argv) == 5 else None
    print("  (rm/pm/lm: SMIs from real mode, 32-bit protected mode, 64-bit "
          "long mode; all: the three in one run; median of %d runs, net of "
          "the no-SMI run)" % repeat)
    keys = ["e2e_vsmm_us", "e2e_qemu_us", "e2e_ratio"]
    keys += [key for _, key in MODE_RATIO_KEYS]
    figures = dict.fromkeys(keys, "n/a")
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
            figures["e2e_%s_us" % name] = "%.2f" % results[name]["all"]
    if "vsmm" in results and "qemu" in results:
        vsmm, qemu = results["vsmm"], results["qemu"]
        figures["e2e_ratio"] = "%.2f" % (vsmm["all"] / qemu["all"])
        for mode, key in MODE_RATIO_KEYS:
            figures[key] = "%.2f" % (vsmm[mode] / qemu[mode])
    for key in keys:
        print("%s: %s" % (key, figures[key]))


if __name__ == "__main__":
    main()
