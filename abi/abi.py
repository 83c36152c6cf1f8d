#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The shared library's ABI: what it exports and how its types look.

  abi.py exports LIB           every defined dynamic symbol is vsmm_*
  abi.py diff LIB BASELINE H   abidiff of LIB against the committed baseline
  abi.py update LIB BASELINE H abidw writes a new baseline (intended change)

H is the public header directory (include/vsmm): only the types reachable
from it are part of the ABI.  `diff` exits 77 (skipped) with a message when
abidiff is missing, when LIB has no DWARF (a build without -g) or when the
machine is not the baseline's (it is x86_64).  See abi/README.md.
"""
import os
import re
import shutil
import subprocess
import sys

SKIP = 77
PUBLIC = re.compile(r"^vsmm_[a-z0-9]")


def defined_dynamic_symbols(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            syms.append(parts[2].split("@")[0])
    return syms


def cmd_exports(lib):
    syms = defined_dynamic_symbols(lib)
    bad = sorted(s for s in syms if not PUBLIC.match(s))
    public = [s for s in syms if PUBLIC.match(s)]
    if bad:
        print(f"{lib} exports {len(bad)} symbol(s) outside the public "
              "vsmm_* API:", file=sys.stderr)
        for s in bad:
            print(f"  {s}", file=sys.stderr)
        return 1
    if not public:
        print(f"{lib} exports no vsmm_* symbol at all", file=sys.stderr)
        return 1
    print(f"{lib}: {len(public)} exported symbols, all vsmm_*")
    return 0


def has_dwarf(lib):
    out = subprocess.run(["readelf", "-S", "-W", lib], check=True,
                         capture_output=True, text=True).stdout
    return ".debug_info" in out


def abidw(lib, headers):
    return ["abidw", "--no-corpus-path", "--no-show-locs", "--no-comp-dir-path",
            "--headers-dir", headers, lib]


def cmd_diff(lib, baseline, headers):
    if shutil.which("abidiff") is None:
        print("SKIP: abidiff is not installed (Debian: apt-get install "
              "abigail-tools); the ABI was not compared with " + baseline)
        return SKIP
    if os.uname().machine != "x86_64":
        print(f"SKIP: the baseline {baseline} is of x86_64, this machine "
              f"is {os.uname().machine}")
        return SKIP
    if not has_dwarf(lib):
        print(f"SKIP: {lib} has no DWARF debug information (configure with "
              "-Ddebug=true); abidiff cannot compare its types")
        return SKIP
    r = subprocess.run(["abidiff", "--headers-dir2", headers, baseline, lib],
                       capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    if r.returncode == 0:
        print(f"{lib}: same ABI as {baseline}")
        return 0
    # abidiff's status is a bit field: 1 error, 2 usage error, 4 an ABI
    # change, 8 an incompatible one.
    if r.returncode & 3:
        print(f"abidiff failed (status {r.returncode})", file=sys.stderr)
    else:
        kind = "an incompatible" if r.returncode & 8 else "an"
        print(f"{lib} has {kind} ABI change against {baseline}.  If it is "
              "intended, follow abi/README.md (ninja -C BUILD abi-update, "
              "then the SONAME and CHANGELOG.md).", file=sys.stderr)
    return 1


def cmd_update(lib, baseline, headers):
    if not has_dwarf(lib):
        print(f"{lib} has no DWARF debug information; build with "
              "-Ddebug=true", file=sys.stderr)
        return 1
    out = subprocess.run(abidw(lib, headers), check=True,
                         capture_output=True, text=True).stdout
    with open(baseline, "w") as f:
        f.write(out)
    print(f"wrote {baseline}; review `git diff {baseline}`")
    return 0


def main(argv):
    usage = __doc__.strip()
    if len(argv) >= 2 and argv[1] in ("-h", "--help"):
        print(usage)
        return 0
    cmds = {"exports": (cmd_exports, 1), "diff": (cmd_diff, 3),
            "update": (cmd_update, 3)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        print(usage, file=sys.stderr)
        return 2
    fn, _ = cmds[argv[1]]
    return fn(*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
