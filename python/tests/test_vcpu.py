# SPDX-License-Identifier: MIT
"""Vcpu: SMI and RSM with Python memory callbacks, snapshots."""
import os

import pytest

import vsmm

ROOT = os.environ.get("VSMM_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(ROOT, "examples", "images", "long64.img")


def long64_state():
    st = vsmm.decode(open(SAMPLE, "rb").read())
    st["smbase"] = "0x30000"
    return st


def test_round_trip_through_python_memory():
    v = vsmm.Vcpu()
    before = long64_state()
    v.state = before
    assert v.layout == "amd64"
    entry = v.smi()
    assert entry["smm"] is True and entry["rip"] == "0x8000"
    # The image is in the vCPU's RAM at SMBASE + 0xFE00.
    img = bytes(v.memory[0x3FE00:0x40000])
    assert vsmm.read_save_state(img, "RIP") == int(before["rip"], 16)
    # An SMI handler's WriteSaveState: RAX = 0x1234, then RSM.
    v.memory[0x3FE00:0x40000] = vsmm.write_save_state(img, "RAX", 0x1234)
    after = v.rsm()
    assert after["rax"] == "0x1234"
    for key in ("rip", "rsp", "cr0", "cr3", "cr4", "efer", "cs", "ss", "gdtr"):
        assert after[key] == before[key], key
    assert after["smm"] is False


def test_callbacks_and_their_failures():
    seen = []
    mem = {}

    def read(smm, gpa, n):
        seen.append(("r", smm, gpa, n))
        return bytes(mem.get(gpa + i, 0) for i in range(n))

    def write(smm, gpa, data):
        seen.append(("w", smm, gpa, len(data)))
        for i, x in enumerate(data):
            mem[gpa + i] = x

    v = vsmm.Vcpu(read=read, write=write)
    v.state = long64_state()
    v.smi()
    assert ("w", True, 0x3FE00, 512) in seen
    # Break the image: CR0.PG off in long mode -> shutdown with its reason.
    cr0 = 0x3FE00 + (0x7F58 - 0x7E00)
    mem[cr0 + 3] &= 0x7F
    with pytest.raises(vsmm.ShutdownError) as e:
        v.rsm()
    assert e.value.reason and e.value.field
    assert v.state["shutdown"] is True

    def bad_write(smm, gpa, data):
        raise OSError("no memory there")

    w = vsmm.Vcpu(read=read, write=bad_write)
    w.state = long64_state()
    with pytest.raises(vsmm.VsmmError) as e:
        w.smi()
    assert e.value.status == "VSMM_E_PLATFORM"


def test_rsm_outside_smm_and_snapshots():
    v = vsmm.Vcpu()
    v.state = long64_state()
    with pytest.raises(vsmm.VsmmError) as e:
        v.rsm()
    assert e.value.status == "VSMM_E_UD"
    v.smi()
    blob = v.export_snapshot()
    assert len(blob) == 32 and blob[:4] == b"VSMM"
    w = vsmm.Vcpu()
    w.state = v.state
    w.import_snapshot(blob)
    w.memory[:] = v.memory
    assert w.rsm()["rip"] == long64_state()["rip"]
    with pytest.raises(vsmm.VsmmError) as e:
        w.import_snapshot(b"XXXX" + blob[4:])
    assert e.value.status == "VSMM_E_INCONSISTENT"
