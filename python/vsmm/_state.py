# SPDX-License-Identifier: MIT
"""The vCPU state as dicts in the CLI's JSON vocabulary (docs/json.md),
the image codec and the RSM check.  ctypes mirrors of the public structs;
tests/test_state.py compares their sizes with the C compiler's."""
import ctypes as C

u8, u16, u32, u64, b = C.c_uint8, C.c_uint16, C.c_uint32, C.c_uint64, C.c_bool

GPRS = ("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15")
SREGS = ("es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr")
SCALARS = ("rip", "rflags", "cr0", "cr2", "cr3", "cr4", "efer", "dr6", "dr7")
BOOLS = ("smm", "nmi_masked", "smm_inside_nmi", "smi_pending",
         "init_latched", "nmi_pending", "shutdown", "halted")
NESTED_BOOLS = ("vmx_on", "guest_mode")


class Seg(C.Structure):
    _fields_ = [("selector", u16), ("attr", u16), ("limit", u32), ("base", u64)]


class DTable(C.Structure):
    _fields_ = [("base", u64), ("limit", u32)]


class CpuState(C.Structure):
    _fields_ = ([("gpr", u64 * 16)] + [(n, u64) for n in SCALARS] +
                [("seg", Seg * 8), ("gdtr", DTable), ("idtr", DTable),
                 ("smbase", u32)] + [(n, b) for n in BOOLS] +
                [("int_shadow", u8), ("vmx_on", b), ("guest_mode", b),
                 ("svm_vmcb12", u64)])


class Model(C.Structure):
    _fields_ = [("vendor", C.c_int), ("long_mode", b), ("layout", C.c_int),
                ("maxphyaddr", u8), ("features", u64)]


class Shutdown(C.Structure):
    _fields_ = [("reason", C.c_int), ("field", C.c_char_p), ("offset", u16),
                ("value", u64)]


class IoSmi(C.Structure):
    _fields_ = [("valid", b), ("in_", b), ("string", b), ("rep", b),
                ("imm", b), ("width", u8), ("port", u16), ("insn_rip", u64),
                ("mem_addr", u64)]


class VcpuPriv(C.Structure):
    _fields_ = [("smm_vmxon", b), ("smm_guest_mode", b), ("hw_vmxe", b),
                ("smi_halted", b), ("io_valid", b), ("io_insn_rip", u64)]


READ_PHYS = C.CFUNCTYPE(C.c_int, C.c_void_p, b, u64, C.c_void_p, C.c_size_t)
WRITE_PHYS = C.CFUNCTYPE(C.c_int, C.c_void_p, b, u64, C.c_void_p, C.c_size_t)


class PlatformOps(C.Structure):
    _fields_ = [("read_phys", READ_PHYS), ("write_phys", WRITE_PHYS),
                ("smm_changed", C.c_void_p), ("nested_leave", C.c_void_p),
                ("nested_enter", C.c_void_p)]


class Vcpu(C.Structure):
    _fields_ = [("state", CpuState), ("model", C.POINTER(Model)),
                ("ops", C.c_void_p), ("ctx", C.c_void_p),
                ("semantics", C.c_int), ("io_smi", IoSmi),
                ("last_shutdown", Shutdown), ("smi_count", u64),
                ("priv", VcpuPriv)]


def state_to_dict(s):
    """A struct CpuState as the CLI's state object (hex strings)."""
    d = {n: hex(s.gpr[i]) for i, n in enumerate(GPRS)}
    for n in SCALARS:
        d[n] = hex(getattr(s, n))
    d["smbase"] = hex(s.smbase)
    for i, n in enumerate(SREGS):
        g = s.seg[i]
        d[n] = {"selector": hex(g.selector), "base": hex(g.base),
                "limit": hex(g.limit), "attr": hex(g.attr)}
    for n in ("gdtr", "idtr"):
        t = getattr(s, n)
        d[n] = {"base": hex(t.base), "limit": hex(t.limit)}
    for n in BOOLS + NESTED_BOOLS:
        d[n] = bool(getattr(s, n))
    d["int_shadow"] = hex(s.int_shadow)
    d["svm_vmcb12"] = hex(s.svm_vmcb12)
    return d


def _int(path, v, bits):
    if isinstance(v, str):
        if not v.lower().startswith("0x"):
            raise ValueError(f"{path}: {v!r} is not a 0x hex string")
        v = int(v, 16)
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 1 << bits:
        raise ValueError(f"{path}: {v!r} does not fit {bits} bits")
    return v


def state_from_dict(d):
    """A CpuState from a state object; absent keys are zero/false,
    unknown keys and values that do not fit are ValueError."""
    s = CpuState()
    known = set(GPRS + SCALARS + SREGS + BOOLS + NESTED_BOOLS +
                ("smbase", "gdtr", "idtr", "int_shadow", "svm_vmcb12"))
    for k in d:
        if k not in known:
            raise ValueError(f"unknown state key {k!r}")
    for i, n in enumerate(GPRS):
        s.gpr[i] = _int(n, d.get(n, 0), 64)
    for n in SCALARS + ("svm_vmcb12",):
        setattr(s, n, _int(n, d.get(n, 0), 64))
    s.smbase = _int("smbase", d.get("smbase", 0), 32)
    s.int_shadow = _int("int_shadow", d.get("int_shadow", 0), 8)
    for i, n in enumerate(SREGS):
        g = d.get(n, {})
        for k in g:
            if k not in ("selector", "base", "limit", "attr"):
                raise ValueError(f"unknown key {n}.{k}")
        s.seg[i] = Seg(_int(f"{n}.selector", g.get("selector", 0), 16),
                       _int(f"{n}.attr", g.get("attr", 0), 16),
                       _int(f"{n}.limit", g.get("limit", 0), 32),
                       _int(f"{n}.base", g.get("base", 0), 64))
    for n in ("gdtr", "idtr"):
        t = d.get(n, {})
        for k in t:
            if k not in ("base", "limit"):
                raise ValueError(f"unknown key {n}.{k}")
        setattr(s, n, DTable(_int(f"{n}.base", t.get("base", 0), 64),
                             _int(f"{n}.limit", t.get("limit", 0), 32)))
    for n in BOOLS + NESTED_BOOLS:
        v = d.get(n, False)
        if not isinstance(v, bool):
            raise ValueError(f"{n}: {v!r} is not a boolean")
        setattr(s, n, v)
    return s


def bind(lib):
    P = C.POINTER
    sigs = {
        "vsmm_image_encode": (C.c_int, [C.c_int, P(CpuState), C.c_void_p,
                                        C.c_void_p, C.c_size_t]),
        "vsmm_image_decode": (C.c_int, [C.c_int, C.c_char_p, C.c_size_t,
                                        P(CpuState), C.c_void_p]),
        "vsmm_model_preset": (C.c_int, [P(Model), C.c_int, b]),
        "vsmm_vcpu_init": (C.c_int, [P(Vcpu), P(Model), C.c_void_p,
                                     C.c_void_p]),
        "vsmm_vcpu_set_semantics": (C.c_int, [P(Vcpu), C.c_int]),
        "vsmm_cpu_state_reset": (None, [P(CpuState)]),
        "vsmm_smm_entry_state": (None, [P(Model), C.c_int, P(CpuState)]),
        "vsmm_rsm_check": (C.c_int, [P(Vcpu), C.c_char_p, C.c_size_t,
                                     P(Shutdown), P(CpuState)]),
        "vsmm_reason_name": (C.c_char_p, [C.c_int]),
        "vsmm_enter_smm": (C.c_int, [P(Vcpu)]),
        "vsmm_leave_smm": (C.c_int, [P(Vcpu)]),
        "vsmm_vcpu_layout": (C.c_int, [P(Vcpu)]),
        "vsmm_smm_export": (C.c_int, [P(Vcpu), C.c_void_p]),
        "vsmm_smm_import": (C.c_int, [P(Vcpu), C.c_char_p, C.c_size_t]),
        "vsmm_reason_text": (C.c_char_p, [C.c_int]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
