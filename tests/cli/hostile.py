#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hostile-input tests of the vsmm command-line tool.

    hostile.py test --vsmm BUILD/cli/vsmm

Every case feeds vsmm something wrong (empty, short, long, random and
truncated files, bad JSON, huge numbers, unknown keys, unknown revisions,
unwritable output paths, missing arguments...) and requires:
  - a non-zero exit of the expected value, never a signal (no crash);
  - a message on stderr that starts with "vsmm: ";
  - nothing on stdout;
  - no file written or left behind in the scratch directory, and an
    existing output file untouched.
Then a few hundred random images (valid revision ids, random bytes) go
through decode, check and rsm under every model and semantics: each must
end in exit 0 or 1, never anything else.
(`test` is the only mode: there is nothing to regenerate.)
"""
import argparse
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import manual_maps  # noqa: E402

GOOD_STATE = {"rip": "0x1000", "cr0": "0x11", "cs": {"selector": "0x8",
              "base": "0x0", "limit": "0xffffffff", "attr": "0xc09b"}}


class Work:
    """A scratch directory with a few good and bad inputs in it."""

    def __init__(self, root):
        self.dir = tempfile.mkdtemp(prefix="vsmm-hostile-")
        rng = random.Random(1234)
        good = manual_maps.write_amd64(manual_maps.long64_state()).buf
        files = {
            "empty.img": b"",
            "one.img": b"\x00",
            "short.img": bytes(511),
            "long.img": bytes(513),
            "between.img": bytes(700),
            "long1024.img": bytes(1025),
            "big.img": bytes(rng.getrandbits(8) for _ in range(4096)),
            "truncated.img": bytes(good[:300]),
            "unknown-rev.img": bytes(good[:0xFC]) + b"\x34\x12\x02\x00" + bytes(good[0x100:]),
            "intel-rev-512.img": bytes(good[:0xFC]) + b"\x01\x01\x03\x00" + bytes(good[0x100:]),
            "good.img": bytes(good),
            "good.json": json.dumps(GOOD_STATE).encode(),
            "bad-syntax.json": b'{"rip": "0x1",',
            "bad-trailing.json": b'{"rip": "0x1"} {}',
            "bad-comma.json": b'{"rip": "0x1",}',
            "array.json": b'["rip"]',
            "number.json": b"42",
            "binary.json": bytes(rng.getrandbits(8) for _ in range(300)),
            "nul.json": b'{"rip":\x00 "0x1"}',
            "huge.json": b'{"rax": "0x1000000000000000000000000000000000000000"}',
            "huge-digits.json": b'{"rax": "0x' + b"f" * 5000 + b'"}',
            "overflow-selector.json": b'{"cs": {"selector": "0x10000"}}',
            "overflow-smbase.json": b'{"smbase": "0x100000000"}',
            "overflow-limit.json": b'{"gdtr": {"limit": "0x100000000"}}',
            "attr-bits.json": b'{"ss": {"attr": "0x0f93"}}',
            "decimal.json": b'{"rip": 4096}',
            "not-hex.json": b'{"rip": "0x10z0"}',
            "negative.json": b'{"rip": "-0x1"}',
            "unknown-key.json": b'{"rip": "0x1", "ripp": "0x2"}',
            "unknown-seg-key.json": b'{"cs": {"selector": "0x8", "dpl": "0x0"}}',
            "bool-type.json": b'{"smm": "yes"}',
            "seg-type.json": b'{"cs": "0x8"}',
            "deep.json": b"[" * 100000 + b"]" * 100000,
            "doc-unknown.json": b'{"state": {}, "colour": "0x1"}',
            "doc-bad-layout.json": b'{"state": {}, "layout": "p7"}',
            "doc-null-state.json": b'{"state": null}',
            "in-smm.json": b'{"smm": true, "cr0": "0x11"}',
            "long-key.json": b'{"' + b"k" * 100000 + b'": "0x1"}',
            "nested-value.json": b'{"cs": {"selector": {"x": "0x1"}}}',
            "two-mib.json": b" " * (2 << 20) + b"{}",
            # issue 15.3: what json-c forgives and vsmm must not
            "dup-key.json": b'{"rax": "0x1", "rax": "0x2"}',
            "dup-key-escaped.json": b'{"rax": "0x1", "r\\u0061x": "0x2"}',
            "dup-seg-key.json": b'{"cs": {"base": "0x1", "base": "0x2"}}',
            "doc-dup-state.json": b'{"state": {"rax": "0x1"}, "state": {"rbx": "0x2"}}',
            "doc-dup-in-state.json": b'{"layout": "amd64", "state": {"rax": "0x1", "rax": "0x2"}}',
            "doc-dup-layout.json": b'{"layout": "amd64", "layout": "p6-32", "state": {}}',
            "nul-key.json": b'{"rax\\u0000junk": "0x1"}',
            "nul-value.json": b'{"rax": "0x10\\u0000zz"}',
            "ctl-key.json": b'{"\\u001b]0;TITLE\\u0007": "0x1"}',
            "ctl-value.json": b'{"rax": "\\u001b]0;TITLE\\u0007"}',
            "c1-value.json": b'{"rax": "\\u009b31m"}',
            "raw-ctl.json": b'{"rax": "\x1b]0;TITLE\x07"}',
            "\x1b]0;name\x07.json": b'{"ripp": "0x1"}',
            "keep.img": b"old contents",
        }
        for name, data in files.items():
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(data)
        os.mkdir(os.path.join(self.dir, "adir"))
        self.baseline = self.listing()

    def listing(self):
        out = {}
        for base, _dirs, names in os.walk(self.dir):
            for n in names:
                p = os.path.join(base, n)
                out[os.path.relpath(p, self.dir)] = open(p, "rb").read()
        return out

    def restore(self, now):
        """Undo what a failed case did, so the next case starts clean."""
        for name in now:
            if name not in self.baseline:
                os.unlink(os.path.join(self.dir, name))
        for name, data in self.baseline.items():
            if now.get(name) != data:
                with open(os.path.join(self.dir, name), "wb") as f:
                    f.write(data)

    def close(self):
        shutil.rmtree(self.dir)


# (name, argv, stdin bytes or None, expected exit status)
CASES = [
    # Missing and wrong arguments.
    ("no command", [], None, 2),
    ("unknown command", ["frobnicate"], None, 2),
    ("decode without image", ["decode"], None, 2),
    ("decode two images", ["decode", "good.img", "good.img"], None, 2),
    ("diff one image", ["diff", "good.img"], None, 2),
    ("diff stdin twice", ["diff", "-", "-"], b"", 2),
    ("smi without state", ["smi", "-o", "out.img"], None, 2),
    ("smi without output", ["smi", "--state", "good.json"], None, 2),
    ("encode without output", ["encode", "good.json"], None, 2),
    ("unknown option", ["decode", "--colour", "good.img"], None, 2),
    ("option of another command", ["decode", "--model", "intel", "good.img"], None, 2),
    ("option without value", ["check", "good.img", "--model"], None, 2),
    ("bad model", ["check", "--model", "via", "good.img"], None, 2),
    ("bad layout", ["decode", "--layout", "p6-64", "good.img"], None, 2),
    ("bad semantics", ["rsm", "--semantics", "qemu", "good.img"], None, 2),
    ("bad smbase", ["rsm", "--smbase", "0x1g", "good.img"], None, 2),
    ("smbase over 32 bits", ["rsm", "--smbase", "0x100000000", "good.img"], None, 2),
    ("dump base without smbase", ["decode", "--dump-base", "0", "good.img"], None, 2),
    ("help of unknown command", ["help", "frobnicate"], None, 2),
    # Image files of the wrong size, content or kind.
    ("missing image", ["decode", "no-such.img"], None, 2),
    ("directory as image", ["decode", "adir"], None, 2),
    ("empty image", ["decode", "empty.img"], None, 2),
    ("one byte", ["check", "one.img"], None, 2),
    ("511 bytes", ["rsm", "short.img"], None, 2),
    ("513 bytes", ["decode", "long.img"], None, 2),
    ("700 bytes", ["decode", "between.img"], None, 2),
    ("1025 bytes", ["decode", "long1024.img"], None, 2),
    ("random 4 KiB", ["check", "big.img"], None, 2),
    ("truncated", ["rsm", "truncated.img"], None, 2),
    ("empty stdin", ["decode", "-"], b"", 2),
    ("short stdin", ["check", "-"], bytes(100), 2),
    ("long stdin", ["rsm", "-"], bytes(200000), 2),
    ("unknown revision", ["decode", "unknown-rev.img"], None, 2),
    ("unknown revision check", ["check", "unknown-rev.img"], None, 2),
    ("intel64 revision in 512 bytes", ["rsm", "intel-rev-512.img"], None, 2),
    ("forced layout of another size", ["decode", "--layout", "intel64", "good.img"], None, 2),
    ("diff with a bad image", ["diff", "good.img", "short.img"], None, 2),
    # Dumps whose area is not inside.
    ("area beyond dump", ["decode", "--dump-base", "0", "--smbase", "0x30000",
                          "big.img"], None, 2),
    ("area below dump", ["decode", "--dump-base", "0x100000", "--smbase",
                         "0x30000", "big.img"], None, 2),
    ("dump at top of memory", ["decode", "--dump-base", "0xffffffffffffff00",
                               "--smbase", "0xffff0000", "big.img"], None, 2),
    ("empty dump", ["check", "--dump-base", "0", "--smbase", "0", "empty.img"], None, 2),
    # Bad JSON states.
    ("missing state", ["smi", "--state", "no-such.json", "-o", "out.img"], None, 2),
    ("state is a directory", ["encode", "adir", "-o", "out.img"], None, 2),
    ("syntax error", ["smi", "--state", "bad-syntax.json", "-o", "out.img"], None, 2),
    ("trailing text", ["encode", "bad-trailing.json", "-o", "out.img"], None, 2),
    ("trailing comma", ["encode", "bad-comma.json", "-o", "out.img"], None, 2),
    ("array", ["smi", "--state", "array.json", "-o", "out.img"], None, 2),
    ("bare number", ["encode", "number.json", "-o", "out.img"], None, 2),
    ("binary junk", ["smi", "--state", "binary.json", "-o", "out.img"], None, 2),
    ("NUL byte", ["encode", "nul.json", "-o", "out.img"], None, 2),
    ("empty JSON", ["encode", "empty.img", "-o", "out.img"], None, 2),
    ("huge number", ["smi", "--state", "huge.json", "-o", "out.img"], None, 2),
    ("5000 digits", ["encode", "huge-digits.json", "-o", "out.img"], None, 2),
    ("selector over 16 bits", ["smi", "--state", "overflow-selector.json", "-o",
                               "out.img"], None, 2),
    ("smbase over 32 bits in state", ["encode", "overflow-smbase.json", "-o",
                                      "out.img"], None, 2),
    ("limit over 32 bits", ["encode", "overflow-limit.json", "-o", "out.img"], None, 2),
    ("attr bits 8-11", ["encode", "attr-bits.json", "-o", "out.img"], None, 2),
    ("decimal number", ["encode", "decimal.json", "-o", "out.img"], None, 2),
    ("not hex", ["encode", "not-hex.json", "-o", "out.img"], None, 2),
    ("negative", ["encode", "negative.json", "-o", "out.img"], None, 2),
    ("unknown key", ["smi", "--state", "unknown-key.json", "-o", "out.img"], None, 2),
    ("unknown segment key", ["encode", "unknown-seg-key.json", "-o", "out.img"], None, 2),
    ("boolean as string", ["encode", "bool-type.json", "-o", "out.img"], None, 2),
    ("segment as string", ["encode", "seg-type.json", "-o", "out.img"], None, 2),
    ("deep nesting", ["encode", "deep.json", "-o", "out.img"], None, 2),
    ("document with unknown key", ["encode", "doc-unknown.json", "-o", "out.img"], None, 2),
    ("document with bad layout", ["encode", "doc-bad-layout.json", "-o", "out.img"], None, 2),
    ("document with null state", ["encode", "doc-null-state.json", "-o", "out.img"], None, 2),
    ("bad JSON on stdin", ["smi", "--state", "-", "-o", "out.img"], b"{{", 2),
    ("100 000-byte key", ["encode", "long-key.json", "-o", "out.img"], None, 2),
    ("object for a number", ["encode", "nested-value.json", "-o", "out.img"], None, 2),
    ("state over 1 MiB", ["encode", "two-mib.json", "-o", "out.img"], None, 2),
    ("state over 1 MiB on stdin", ["smi", "--state", "-", "-o", "out.img"],
     b" " * (2 << 20) + b"{}", 2),
    ("SMI while in SMM", ["smi", "--state", "in-smm.json", "-o", "out.img"], None, 2),
    # Unwritable outputs: nothing may appear, an existing file stays.
    ("output in missing directory", ["smi", "--state", "good.json", "-o",
                                     "no/such/dir/out.img"], None, 2),
    ("output is a directory", ["encode", "good.json", "-o", "adir"], None, 2),
    ("output in /proc", ["encode", "good.json", "-o", "/proc/vsmm-test.img"], None, 2),
    ("bad state keeps old output", ["encode", "unknown-key.json", "-o", "keep.img"],
     None, 2),
    ("bad state keeps old smi output", ["smi", "--state", "huge.json", "-o",
                                        "keep.img"], None, 2),
]

# issue 15.3: (name, argv, stdin, expected exit status, text the message
# must contain).  Every case above and here also must not write a control
# character to the terminal (run_case).
STRICT_CASES = [
    ("duplicate key", ["smi", "--state", "dup-key.json", "-o", "out.img"], None, 2,
     "rax: duplicate key"),
    ("duplicate key spelt with an escape", ["encode", "dup-key-escaped.json", "-o",
                                            "out.img"], None, 2, "rax: duplicate key"),
    ("duplicate segment key", ["encode", "dup-seg-key.json", "-o", "out.img"], None, 2,
     "cs.base: duplicate key"),
    ("document with two states", ["encode", "doc-dup-state.json", "-o", "out.img"],
     None, 2, "state: duplicate key"),
    ("duplicate key in a document's state", ["smi", "--state", "doc-dup-in-state.json",
                                             "-o", "out.img"], None, 2,
     "state.rax: duplicate key"),
    ("document with two layouts", ["encode", "doc-dup-layout.json", "-o", "out.img"],
     None, 2, "layout: duplicate key"),
    ("duplicate key on stdin", ["smi", "--state", "-", "-o", "out.img"],
     b'{"rip": "0x1", "rip": "0x1"}', 2, "<stdin>: rip: duplicate key"),
    ("escaped NUL in a key", ["smi", "--state", "nul-key.json", "-o", "out.img"], None, 2,
     "a key with an escaped NUL"),
    ("escaped NUL in a value", ["encode", "nul-value.json", "-o", "out.img"], None, 2,
     "rax: a string with an escaped NUL"),
    ("control characters in a key", ["smi", "--state", "ctl-key.json", "-o", "out.img"],
     None, 2, "\\x1b]0;TITLE\\x07: unknown key"),
    ("control characters in a value", ["encode", "ctl-value.json", "-o", "out.img"],
     None, 2, '"\\x1b]0;TITLE\\x07" is not a hex number'),
    ("C1 control in a value", ["encode", "c1-value.json", "-o", "out.img"], None, 2,
     '"\\xc2\\x9b31m" is not a hex number'),
    ("raw control characters in a string", ["encode", "raw-ctl.json", "-o", "out.img"],
     None, 2, "rax: a string with a raw control character (0x1b)"),
    ("control characters in a file name", ["encode", "\x1b]0;name\x07.json", "-o",
                                           "out.img"], None, 2,
     "\\x1b]0;name\\x07.json: ripp: unknown key"),
]


def run_case(vsmm, work, name, argv, stdin, want):
    """Returns a list of problems (empty when the case passed)."""
    p = subprocess.run(vsmm + argv, cwd=work.dir, input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    bad = []
    if p.returncode < 0:
        bad.append(f"killed by signal {-p.returncode}")
    elif p.returncode != want:
        bad.append(f"exit {p.returncode}, expected {want}")
    raw = [c for c in p.stderr if (c < 0x20 and c != 0x0a) or c == 0x7f]
    if raw or b"\xc2\x9b" in p.stderr:
        bad.append(f"control characters reach the terminal: {p.stderr[:120]!r}")
    err = p.stderr.decode("utf-8", "replace")
    if not err.startswith("vsmm: ") and not (argv == [] and err.startswith("Usage")):
        bad.append(f"stderr does not start with 'vsmm: ': {err[:80]!r}")
    if p.stdout:
        bad.append(f"wrote to stdout: {p.stdout[:80]!r}")
    now = work.listing()
    if now != work.baseline:
        added = sorted(set(now) - set(work.baseline))
        changed = sorted(k for k in work.baseline if now.get(k) != work.baseline[k])
        bad.append(f"files changed: added {added}, changed {changed}")
        work.restore(now)
    return bad, err.strip().splitlines()[:1]


def stdout_full(vsmm):
    """A command whose stdout cannot be written must say so and fail."""
    if not os.path.exists("/dev/full"):
        return []
    with open("/dev/full", "wb") as full:
        p = subprocess.run(vsmm + ["layouts"], stdout=full, stderr=subprocess.PIPE)
    if p.returncode != 2 or not p.stderr.startswith(b"vsmm: "):
        return [f"stdout on /dev/full: exit {p.returncode}, {p.stderr[:80]!r}"]
    return []


def random_images(vsmm, work, count):
    """Random bytes under each known revision: decode must succeed, check
    and rsm must say resume or shutdown (0 or 1), never crash or error."""
    rng = random.Random(5150)
    problems = []
    revisions = ((512, 0x00020000), (512, 0x00020064), (1024, 0x00030101))
    for i in range(count):
        size, rev = revisions[i % len(revisions)]
        data = bytearray(rng.getrandbits(8) for _ in range(size))
        # Sometimes a plausible state with a few random bytes flipped.
        if i % 2:
            base = {512: {0x00020000: manual_maps.write_p6(manual_maps.prot32_state()),
                          0x00020064: manual_maps.write_amd64(manual_maps.long64_state())},
                    1024: {0x00030101: manual_maps.write_intel64(manual_maps.long64_state())}}
            data = bytearray(base[size][rev].buf)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(size)] = rng.getrandbits(8)
        data[size - 0x104:size - 0x100] = rev.to_bytes(4, "little")
        path = os.path.join(work.dir, "random.img")
        with open(path, "wb") as f:
            f.write(data)
        runs = [(["decode", "random.img"], (0,)),
                (["decode", "--json", "random.img"], (0,))]
        for model in ("intel", "amd"):
            for sem in ("kvm", "hardware"):
                opts = ["--model", model, "--semantics", sem]
                runs.append((["check", "random.img"] + opts, (0, 1)))
                runs.append((["rsm", "--json", "random.img"] + opts, (0, 1)))
        for argv, ok in runs:
            p = subprocess.run(vsmm + argv, cwd=work.dir, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
            if p.returncode not in ok:
                problems.append(f"random image {i} ({rev:#x}): {' '.join(argv)}: "
                                f"exit {p.returncode}: {p.stderr[:120]!r}")
            elif "--json" in argv:
                json.loads(p.stdout)  # the JSON must always be valid
        os.unlink(path)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("test",))
    ap.add_argument("--vsmm", required=True)
    ap.add_argument("--wrapper", default="",
                    help="command to run vsmm under, e.g. "
                         "'valgrind -q --error-exitcode=99 --leak-check=full'")
    ap.add_argument("--root")
    ap.add_argument("--random", type=int, default=60,
                    help="how many random images (default 60)")
    args = ap.parse_args()
    # The command that runs vsmm: [wrapper...] + the binary.
    vsmm = shlex.split(args.wrapper) + [os.path.abspath(args.vsmm)]
    work = Work(args.root)
    failures = 0
    try:
        for name, argv, stdin, want, text in ([c + (None,) for c in CASES]
                                              + STRICT_CASES):
            bad, msg = run_case(vsmm, work, name, argv, stdin, want)
            if text is not None and (not msg or text not in msg[0]):
                bad.append(f"the message does not say {text!r}")
            status = "ok  " if not bad else "FAIL"
            print(f"{status} {name}: {msg[0] if msg else ''}")
            for b in bad:
                print(f"     {b}")
            failures += bool(bad)
        for b in stdout_full(vsmm) + random_images(vsmm, work, args.random):
            print("FAIL", b)
            failures += 1
    finally:
        work.close()
    print(f"hostile: {len(CASES) + len(STRICT_CASES)} cases and {args.random} random images, "
          f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
