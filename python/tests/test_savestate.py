# SPDX-License-Identifier: MIT
"""vsmm's Python package: EDK2 save-state access, fields, errors.

Offsets below are from EDK2's headers (MdePkg Register/Intel and
Register/Amd SmramSaveStateMap.h), written here by hand, not from vsmm.
"""
import os
import subprocess

import pytest

import vsmm

ROOT = os.environ.get("VSMM_SOURCE_ROOT",
                      os.path.join(os.path.dirname(__file__), "..", ".."))
VSMM_CLI = os.environ.get("VSMM_CLI")


def amd64_image(**dwords):
    """A 512-byte AMD64 image (revision 0x00020064) with dwords put at
    manual offsets given as o7f78=... keywords."""
    img = bytearray(512)
    img[0x7EFC - 0x7E00:0x7F00 - 0x7E00] = (0x00020064).to_bytes(4, "little")
    for key, val in dwords.items():
        off = int(key[1:], 16) - 0x7E00
        img[off:off + 4] = val.to_bytes(4, "little")
    return bytes(img)


def intel64_image(**dwords):
    img = bytearray(1024)
    img[0x7EFC - 0x7C00:0x7F00 - 0x7C00] = (0x00030101).to_bytes(4, "little")
    for key, val in dwords.items():
        off = int(key[1:], 16) - 0x7C00
        img[off:off + 4] = val.to_bytes(4, "little")
    return bytes(img)


def test_version_and_names():
    assert vsmm.version().count(".") == 2
    assert vsmm.register_number("rax") == 38
    assert vsmm.register_number("0x200") == 512
    assert vsmm.register_number(514) == 514
    assert vsmm.register_name(46) == "RIP"
    assert vsmm.register_name(47) is None
    with pytest.raises(ValueError):
        vsmm.register_number("RAXX")


def test_amd64_rip_and_flavours():
    # AMD64 map: RIP at 7F78/7F7C, IDTR base at 7E88/7E8C.
    img = amd64_image(o7f78=0x81e4c2ae, o7f7c=0xffffffff,
                      o7e88=0x11223344, o7e8c=0x55667788)
    assert vsmm.detect_layout(img) == "amd64"
    assert vsmm.read_save_state(img, "RIP") == 0xffffffff81e4c2ae
    assert vsmm.read_save_state(img, "RIP", width=3) == 0xe4c2ae
    assert vsmm.read_save_state(img, "RIP", width=6) == 0xffff81e4c2ae
    # ovmf (default for amd64) reads the real high dword; the AMD library
    # reads the low dword twice (docs/compat.md).
    assert vsmm.read_save_state(img, "IDTBASE") == 0x5566778811223344
    assert vsmm.read_save_state(img, "IDTBASE", flavour="amd") == \
        0x1122334411223344


def test_refusals_carry_the_efi_name():
    img = amd64_image()
    with pytest.raises(vsmm.EfiError) as e:
        vsmm.read_save_state(img, "GDTLIMIT")
    assert e.value.status == "EFI_NOT_FOUND"
    with pytest.raises(vsmm.EfiError) as e:
        vsmm.read_save_state(img, "RAX", width=9)
    assert e.value.status == "EFI_INVALID_PARAMETER"
    with pytest.raises(vsmm.EfiError) as e:
        vsmm.write_save_state(img, "CR0", 1)
    assert e.value.status == "EFI_UNSUPPORTED"
    with pytest.raises(vsmm.EfiError) as e:
        vsmm.read_save_state(img, "PROCESSOR_ID")
    assert e.value.status == "EFI_NOT_FOUND"
    assert vsmm.read_save_state(img, "PROCESSOR_ID", cpu_id=7) == 7
    with pytest.raises(ValueError):
        vsmm.write_save_state(img, "RAX", 0x100, width=1)


def test_write_and_intel64():
    img = intel64_image()
    # Intel 64 map: RAX at 7F5C, GDT base low 7E8C, high 7DD0.
    new = vsmm.write_save_state(img, "RAX", 0x1122334455667788)
    assert new[0x7F5C - 0x7C00:0x7F64 - 0x7C00] == \
        (0x1122334455667788).to_bytes(8, "little")
    assert img == intel64_image()  # the input is never changed
    assert vsmm.field_read(new, "rax") == 0x1122334455667788
    g = intel64_image(o7e8c=0x01020304, o7dd0=0x05060708)
    assert vsmm.read_save_state(g, "GDTBASE") == 0x0506070801020304
    assert vsmm.read_save_state(g, "LMA") == 64
    assert vsmm.write_save_state(g, "LMA", 32) == g


def test_io():
    # Intel IOMisc at 7FA4: OUT (type 0), byte (length 1), port 0xb2.
    img = intel64_image(o7fa4=0x00b20003, o7f5c=0x44332211)
    assert vsmm.read_save_state(img, "IO") == {
        "io_data": "0x11", "io_port": "0xb2", "io_width": "UINT8",
        "io_type": "OUTPUT"}
    # AMD I/O trap dword at 7EC0: IN, valid, dword, port 0xcf8.
    a = amd64_image(o7ec0=0x0cf80003, o7ff8=0x44332211)
    assert vsmm.read_save_state(a, "IO", flavour="amd") == {
        "io_data": "0x44332211", "io_port": "0xcf8", "io_width": "UINT32",
        "io_type": "INPUT"}
    with pytest.raises(vsmm.EfiError) as e:
        vsmm.read_save_state(a, "IO")  # ovmf never reports IO
    assert e.value.status == "EFI_NOT_FOUND"


def test_fields():
    img = amd64_image()
    names = [f[0] for f in vsmm.fields("amd64")]
    assert "cr0" in names and "smm_revision" in names
    new = vsmm.field_write(img, "cr0", 0x80000011)
    assert new[0x7F58 - 0x7E00:0x7F5C - 0x7E00] == (0x80000011).to_bytes(4, "little")
    with pytest.raises(vsmm.VsmmError) as e:
        vsmm.field_write(img, "es_selector", 0x10000)
    assert e.value.status == "VSMM_E_INVAL"
    with pytest.raises(KeyError):
        vsmm.field_read(img, "nonsense")


@pytest.mark.skipif(not VSMM_CLI, reason="VSMM_CLI (the vsmm program) not given")
@pytest.mark.parametrize("flavour", vsmm.FLAVOURS)
def test_same_answers_as_the_cli(tmp_path, flavour):
    """Every register number 0..60 and the pseudo-registers: the package
    and `vsmm savestate read` agree (value or EFI status name)."""
    src = os.path.join(ROOT, "examples", "images", "long64.img")
    img = open(src, "rb").read()
    for reg in list(range(0, 61)) + [256, 287, 512, 513, 514]:
        p = subprocess.run([VSMM_CLI, "savestate", "read", src, str(reg),
                            "--flavour", flavour], capture_output=True,
                           text=True)
        try:
            got = hex(vsmm.read_save_state(img, reg, flavour=flavour))
            assert p.returncode == 0, (reg, p.stdout)
            assert p.stdout.strip() == got, reg
        except vsmm.EfiError as e:
            assert p.returncode == 1, (reg, p.stdout)
            assert p.stdout.strip() == e.status, reg
