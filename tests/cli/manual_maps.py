# SPDX-License-Identifier: MIT
"""Save-state images written by hand from the manuals' tables.

Independent of the library on purpose: the offsets below are typed in from
the Intel SDM Vol.3C "SMRAM State Save Map" tables (32-bit and Intel 64),
the AMD APM Vol.2 10.2.3 "SMRAM State-Save Area" table, and KVM's P6
hidden-cache records (struct kvm_smram_state_32), as restated in
/work/shared/spec/kvm-smm-facts.md sections 1.2, 1.3 and 7.3.  If the
library's tables and these disagree, the golden test fails.

Offsets are as the manuals write them (from SMBASE + 0x8000).  Each scene is
a list of (offset, size, value) writes plus the state `vsmm decode --json`
must report for it.
"""
import struct

# ---------------------------------------------------------------------------
# The 32-bit map (revision 0x00020000), 512 bytes from 0x7E00.
P6_SEG_SELECTOR = {"es": 0x7FA8, "cs": 0x7FAC, "ss": 0x7FB0, "ds": 0x7FB4,
                   "fs": 0x7FB8, "gs": 0x7FBC, "ldtr": 0x7FC0, "tr": 0x7FC4}
# {attr, limit, base} dword records (KVM's P6 hidden-cache layout).
P6_SEG_RECORD = {"es": 0x7F84, "cs": 0x7F90, "ss": 0x7F9C, "ds": 0x7F2C,
                 "fs": 0x7F38, "gs": 0x7F44, "ldtr": 0x7F78, "tr": 0x7F5C}
P6_DT = {"gdtr": (0x7F70, 0x7F74), "idtr": (0x7F54, 0x7F58)}  # limit, base
P6_REGS = {"cr0": 0x7FFC, "cr3": 0x7FF8, "rflags": 0x7FF4, "rip": 0x7FF0,
           "rdi": 0x7FEC, "rsi": 0x7FE8, "rbp": 0x7FE4, "rsp": 0x7FE0,
           "rbx": 0x7FDC, "rdx": 0x7FD8, "rcx": 0x7FD4, "rax": 0x7FD0,
           "dr6": 0x7FCC, "dr7": 0x7FC8, "cr4": 0x7F14, "smbase": 0x7EF8}
P6_REVISION = 0x7EFC

# ---------------------------------------------------------------------------
# The AMD64 map (revision 0x00020064), 512 bytes from 0x7E00.
AMD_SEG = {"es": 0x7E00, "cs": 0x7E10, "ss": 0x7E20, "ds": 0x7E30,
           "fs": 0x7E40, "gs": 0x7E50, "ldtr": 0x7E70, "tr": 0x7E90}
AMD_DT = {"gdtr": (0x7E64, 0x7E68), "idtr": (0x7E84, 0x7E88)}
AMD_REGS = {"efer": 0x7ED0, "smbase": 0x7F00, "cr4": 0x7F48, "cr3": 0x7F50,
            "cr0": 0x7F58, "dr7": 0x7F60, "dr6": 0x7F68, "rflags": 0x7F70,
            "rip": 0x7F78, "r15": 0x7F80, "r14": 0x7F88, "r13": 0x7F90,
            "r12": 0x7F98, "r11": 0x7FA0, "r10": 0x7FA8, "r9": 0x7FB0,
            "r8": 0x7FB8, "rdi": 0x7FC0, "rsi": 0x7FC8, "rbp": 0x7FD0,
            "rsp": 0x7FD8, "rbx": 0x7FE0, "rdx": 0x7FE8, "rcx": 0x7FF0,
            "rax": 0x7FF8}
AMD_REVISION = 0x7EFC
AMD_AUTO_HLT = 0x7EC9

# ---------------------------------------------------------------------------
# Intel's native 64-bit map, 1024 bytes from 0x7C00 (SDM table "SMRAM State
# Save Map for Intel 64 Architecture"; EDK2 SMRAM_SAVE_STATE_MAP64).
I64_REGS = {"cr0": 0x7FF8, "cr3": 0x7FF0, "rflags": 0x7FE8, "efer": 0x7FE0,
            "rip": 0x7FD8, "dr6": 0x7FD0, "dr7": 0x7FC8,
            "rdi": 0x7F94, "rsi": 0x7F8C, "rbp": 0x7F84, "rsp": 0x7F7C,
            "rbx": 0x7F74, "rdx": 0x7F6C, "rcx": 0x7F64, "rax": 0x7F5C,
            "r8": 0x7F54, "r9": 0x7F4C, "r10": 0x7F44, "r11": 0x7F3C,
            "r12": 0x7F34, "r13": 0x7F2C, "r14": 0x7F24, "r15": 0x7F1C,
            "smbase": 0x7EF8}
I64_CR4 = 0x7E40  # a dword
I64_SEL = {"tr": 0x7FC4, "ldtr": 0x7FC0, "gs": 0x7FBC, "fs": 0x7FB8,
           "ds": 0x7FB4, "ss": 0x7FB0, "cs": 0x7FAC, "es": 0x7FA8}
I64_REVISION = 0x7EFC
I64_AUTO_HLT = 0x7F02
# Descriptor-table and LDT bases split into low and high dwords.
I64_BASE_LO = {"gdtr": 0x7E8C, "idtr": 0x7E94, "ldtr": 0x7E9C}
I64_BASE_HI = {"gdtr": 0x7DD0, "idtr": 0x7DD8, "ldtr": 0x7DD4}


class Image:
    """An area of `size` bytes ending at 0x7FFF, written at manual offsets."""

    def __init__(self, size):
        self.size = size
        self.first = 0x8000 - size
        self.buf = bytearray(size)

    def put(self, offset, size, value):
        assert self.first <= offset and offset + size <= 0x8000, hex(offset)
        fmt = {1: "<B", 2: "<H", 4: "<I", 8: "<Q"}[size]
        struct.pack_into(fmt, self.buf, offset - self.first, value)


def p6_attr_dword(ar):
    """The P6 record keeps descriptor bits 8..23 where they are."""
    return (ar & 0xF0FF) << 8


# ---------------------------------------------------------------------------
# Scenes: a state (what decode must report) and how it is written.

SEGS = ("es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr")


def prot32_state():
    flat = {"base": 0, "limit": 0xFFFFFFFF}
    s = {"rax": 0x11223344, "rbx": 0x55667788, "rcx": 0x99AABBCC,
         "rdx": 0xDDEEFF00, "rsi": 0x10203040, "rdi": 0x50607080,
         "rbp": 0x0BADF00D, "rsp": 0x0009FFF0, "rip": 0x00101234,
         "rflags": 0x00000246, "cr0": 0x80000011, "cr3": 0x00402000,
         "cr4": 0x00000010, "dr6": 0xFFFF0FF0, "dr7": 0x00000400,
         "smbase": 0x000A0000,
         "cs": dict(flat, selector=0x08, attr=0xC09B),
         "ss": dict(flat, selector=0x10, attr=0xC093),
         "ds": dict(flat, selector=0x10, attr=0xC093),
         "es": dict(flat, selector=0x10, attr=0xC093),
         "fs": {"selector": 0x18, "base": 0x00800000, "limit": 0xFFF,
                "attr": 0x4093},
         "gs": dict(flat, selector=0x10, attr=0xC093),
         "ldtr": {"selector": 0x20, "base": 0x00003000, "limit": 0x37,
                  "attr": 0x0082},
         "tr": {"selector": 0x28, "base": 0x00004000, "limit": 0x67,
                "attr": 0x008B},
         "gdtr": {"base": 0x00001000, "limit": 0x2F},
         "idtr": {"base": 0x00002000, "limit": 0x7FF}}
    return s


def write_p6(s, revision=0x00020000):
    img = Image(512)
    for name, off in P6_REGS.items():
        img.put(off, 4, s.get(name, 0))
    for seg in SEGS:
        g = s[seg]
        img.put(P6_SEG_SELECTOR[seg], 4, g["selector"])
        rec = P6_SEG_RECORD[seg]
        img.put(rec, 4, p6_attr_dword(g["attr"]))
        img.put(rec + 4, 4, g["limit"])
        img.put(rec + 8, 4, g["base"])
    for dt, (lim, base) in P6_DT.items():
        img.put(lim, 4, s[dt]["limit"])
        img.put(base, 4, s[dt]["base"])
    img.put(P6_REVISION, 4, revision)
    return img


def long64_state():
    s = {"rax": 0x0123456789ABCDEF, "rbx": 0x1111111111111111,
         "rcx": 0x2222222222222222, "rdx": 0x3333333333333333,
         "rsi": 0x4444444444444444, "rdi": 0x5555555555555555,
         "rbp": 0x6666666666666666, "rsp": 0xFFFFC90000123F58,
         "r8": 0x8888888888888888, "r9": 0x9999999999999999,
         "r10": 0xAAAAAAAAAAAAAAAA, "r11": 0xBBBBBBBBBBBBBBBB,
         "r12": 0xCCCCCCCCCCCCCCCC, "r13": 0xDDDDDDDDDDDDDDDD,
         "r14": 0xEEEEEEEEEEEEEEEE, "r15": 0xFEDCBA9876543210,
         "rip": 0xFFFFFFFF81000ABC, "rflags": 0x0000000000000286,
         "cr0": 0x0000000080050033, "cr3": 0x000000000BEEF003,
         "cr4": 0x00000000003626F0, "efer": 0x0000000000000D01,
         "dr6": 0x00000000FFFF0FF0, "dr7": 0x0000000000000400,
         "smbase": 0x7FF80000,
         "es": {"selector": 0x18, "base": 0, "limit": 0xFFFFFFFF, "attr": 0xC093},
         "cs": {"selector": 0x10, "base": 0, "limit": 0xFFFFFFFF, "attr": 0xA09B},
         "ss": {"selector": 0x18, "base": 0, "limit": 0xFFFFFFFF, "attr": 0xC093},
         "ds": {"selector": 0x18, "base": 0, "limit": 0xFFFFFFFF, "attr": 0xC093},
         "fs": {"selector": 0x00, "base": 0x00007F0011223340, "limit": 0xFFFFFFFF,
                "attr": 0xC093},
         "gs": {"selector": 0x00, "base": 0xFFFF888077600000, "limit": 0xFFFFFFFF,
                "attr": 0xC093},
         "ldtr": {"selector": 0x50, "base": 0xFFFFFE0000010000, "limit": 0xFFF,
                  "attr": 0x0082},
         "tr": {"selector": 0x40, "base": 0xFFFFFE0000003000, "limit": 0x4087,
                "attr": 0x008B},
         "gdtr": {"base": 0xFFFFFE0000001000, "limit": 0x7F},
         "idtr": {"base": 0xFFFFFE0000000000, "limit": 0xFFF}}
    return s


def write_amd64(s, revision=0x00020064, auto_hlt=0):
    img = Image(512)
    for name, off in AMD_REGS.items():
        img.put(off, 4 if name == "smbase" else 8, s.get(name, 0))
    for seg in SEGS:
        g, off = s[seg], AMD_SEG[seg]
        img.put(off, 2, g["selector"])
        img.put(off + 2, 2, g["attr"])
        img.put(off + 4, 4, g["limit"])
        img.put(off + 8, 8, g["base"])
    for dt, (lim, base) in AMD_DT.items():
        img.put(lim, 4, s[dt]["limit"])
        img.put(base, 8, s[dt]["base"])
    img.put(AMD_REVISION, 4, revision)
    img.put(AMD_AUTO_HLT, 1, auto_hlt)
    return img


def write_intel64(s, revision=0x00030101, auto_hlt=0):
    """Only what the SDM's map holds: selectors, not the hidden caches
    (which the processor keeps in reserved space)."""
    img = Image(1024)
    for name, off in I64_REGS.items():
        img.put(off, 4 if name == "smbase" else 8, s.get(name, 0))
    img.put(I64_CR4, 4, s["cr4"])
    for seg, off in I64_SEL.items():
        img.put(off, 4, s[seg]["selector"])
    for t in ("gdtr", "idtr", "ldtr"):
        base = s[t]["base"]
        img.put(I64_BASE_LO[t], 4, base & 0xFFFFFFFF)
        img.put(I64_BASE_HI[t], 4, base >> 32)
    img.put(I64_REVISION, 4, revision)
    img.put(I64_AUTO_HLT, 2, auto_hlt)
    return img


def intel64_expected(s):
    """What the Intel map carries of state s: registers, selectors and the
    three split bases; nothing of the hidden caches or table limits."""
    e = {k: v for k, v in s.items() if k in I64_REGS or k == "cr4"}
    for seg in SEGS:
        e[seg] = {"selector": s[seg]["selector"]}
    e["ldtr"]["base"] = s["ldtr"]["base"]
    e["gdtr"] = {"base": s["gdtr"]["base"]}
    e["idtr"] = {"base": s["idtr"]["base"]}
    return e


def scenes():
    """name -> (image bytes, expected layout, expected revision, expected
    state subset, expected layout fields)."""
    p32, l64 = prot32_state(), long64_state()
    return {
        "hand-p6-32-prot32": (write_p6(p32).buf, "p6-32", 0x00020000, p32, {}),
        "hand-amd64-long64": (write_amd64(l64, auto_hlt=1).buf, "amd64",
                              0x00020064, l64, {"auto_hlt_restart": 1}),
        "hand-intel64-long64": (write_intel64(l64, auto_hlt=1).buf, "intel64",
                                0x00030101, intel64_expected(l64),
                                {"auto_hlt_restart": 1}),
    }
