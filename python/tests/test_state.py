# SPDX-License-Identifier: MIT
"""State dicts, encode/decode and rsm_check of the Python package, checked
against the C compiler (struct layouts) and the vsmm CLI (same answers)."""
import ctypes
import json
import os
import shutil
import subprocess

import pytest

import vsmm
from vsmm import _state

ROOT = os.environ.get("VSMM_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
VSMM_CLI = os.environ.get("VSMM_CLI")
SAMPLE = os.path.join(ROOT, "examples", "images", "long64.img")
needs_cli = pytest.mark.skipif(not VSMM_CLI, reason="VSMM_CLI not given")

PROBE = r"""
#include <stddef.h>
#include <stdio.h>
#include "vsmm/vsmm.h"
#define S(t) printf(#t " %zu\n", sizeof(struct t));
#define O(t, m) printf(#t "." #m " %zu\n", offsetof(struct t, m));
int main(void) {
	S(vsmm_cpu_state) S(vsmm_model) S(vsmm_shutdown) S(vsmm_vcpu)
	S(vsmm_io_smi) S(vsmm_mm_cpu) S(vsmm_mm_io_info)
	O(vsmm_cpu_state, seg) O(vsmm_cpu_state, smbase) O(vsmm_cpu_state, int_shadow)
	O(vsmm_cpu_state, svm_vmcb12) O(vsmm_vcpu, semantics) O(vsmm_vcpu, last_shutdown)
	O(vsmm_vcpu, smi_count) O(vsmm_vcpu, priv)
	return 0;
}
"""


def test_struct_layouts_match_the_compiler(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    src = tmp_path / "probe.c"
    src.write_text(PROBE)
    exe = tmp_path / "probe"
    subprocess.run([cc, "-std=c11", "-I", os.path.join(ROOT, "include"),
                    str(src), "-o", str(exe)], check=True)
    got = dict(line.split() for line in
               subprocess.run([str(exe)], capture_output=True, text=True,
                              check=True).stdout.splitlines())
    mirror = {
        "vsmm_cpu_state": _state.CpuState, "vsmm_model": _state.Model,
        "vsmm_shutdown": _state.Shutdown, "vsmm_vcpu": _state.Vcpu,
        "vsmm_io_smi": _state.IoSmi, "vsmm_mm_cpu": vsmm._MmCpu,
        "vsmm_mm_io_info": vsmm._IoInfo,
    }
    members = {"seg": "seg", "smbase": "smbase", "int_shadow": "int_shadow",
               "svm_vmcb12": "svm_vmcb12", "semantics": "semantics",
               "last_shutdown": "last_shutdown", "smi_count": "smi_count",
               "priv": "priv"}
    for key, val in got.items():
        if "." in key:
            struct, member = key.split(".")
            cls = mirror[struct]
            assert getattr(cls, members[member]).offset == int(val), key
        else:
            assert ctypes.sizeof(mirror[key]) == int(val), key


def test_decode_encode_round_trip():
    img = open(SAMPLE, "rb").read()
    st = vsmm.decode(img)
    assert st["cs"]["selector"] == "0x10"
    assert vsmm.encode(st, "amd64") == img
    # the intel64 map holds the same state
    again = vsmm.decode(vsmm.encode(st, "intel64"))
    for key in ("rip", "rax", "cr0", "cr3", "cr4", "efer", "cs", "gdtr"):
        assert again[key] == st[key], key


def test_state_dict_errors():
    with pytest.raises(ValueError):
        vsmm.encode({"rax": "12"})
    with pytest.raises(ValueError):
        vsmm.encode({"cs": {"selector": "0x10000"}})
    with pytest.raises(ValueError):
        vsmm.encode({"nonsense": "0x1"})
    with pytest.raises(ValueError):
        vsmm.encode({"smm": 1})


@needs_cli
def test_decode_matches_the_cli():
    p = subprocess.run([VSMM_CLI, "decode", "--json", SAMPLE],
                       capture_output=True, text=True, check=True)
    assert vsmm.decode(open(SAMPLE, "rb").read()) == json.loads(p.stdout)["state"]


@needs_cli
@pytest.mark.parametrize("model", vsmm.MODELS)
@pytest.mark.parametrize("semantics", vsmm.SEMANTICS)
def test_rsm_check_matches_the_cli(tmp_path, model, semantics):
    img = open(SAMPLE, "rb").read()
    p = subprocess.run([VSMM_CLI, "rsm", "--json", "--model", model,
                        "--semantics", semantics, SAMPLE],
                       capture_output=True, text=True)
    assert p.returncode == 0
    assert vsmm.rsm_check(img, model=model, semantics=semantics) == \
        json.loads(p.stdout)["state"]
    # CR0.PG cleared under long mode: both shut down for the same reason.
    bad = vsmm.field_write(img, "cr0", vsmm.field_read(img, "cr0") & ~(1 << 31))
    path = tmp_path / "bad.img"
    path.write_bytes(bad)
    p = subprocess.run([VSMM_CLI, "check", "--json", "--model", model,
                        "--semantics", semantics, str(path)],
                       capture_output=True, text=True)
    assert p.returncode == 1
    want = json.loads(p.stdout)
    with pytest.raises(vsmm.ShutdownError) as e:
        vsmm.rsm_check(bad, model=model, semantics=semantics)
    assert e.value.reason == want["reason"]
    assert e.value.field == want["field"]
    assert hex(e.value.offset) == want["offset"]
    assert hex(e.value.value) == want["value"]
