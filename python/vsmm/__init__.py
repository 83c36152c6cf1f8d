# SPDX-License-Identifier: MIT
"""Python bindings of libvsmm (ctypes over the shared library).

The library is loaded by its SONAME (libvsmm.so.0.1), as Debian's
python3-unicorn and python3-capstone load theirs; the environment variable
VSMM_LIBRARY names another file (the build tree's, for tests).

This module gives EDK2's EFI_MM_CPU_PROTOCOL save-state access over an
image (read_save_state / write_save_state, with the same semantics as
`vsmm savestate`), layout detection and field access by manual name.
Refusals raise EfiError carrying the EFI status name; library errors raise
VsmmError carrying the VSMM_E_* name.
"""
import ctypes
import os

from . import _state

__all__ = [
    "VsmmError", "EfiError", "library", "version", "FLAVOURS", "LAYOUTS",
    "register_number", "register_name", "register_width", "detect_layout",
    "flavour_for_layout", "read_save_state", "write_save_state",
    "field_read", "field_write", "fields", "encode", "decode",
    "rsm_check", "ShutdownError", "Vcpu",
]

SONAME = "libvsmm.so.0.1"

_lib = None


def library():
    """The loaded libvsmm (VSMM_LIBRARY, else the SONAME)."""
    global _lib
    if _lib is None:
        _lib = _bind(ctypes.CDLL(os.environ.get("VSMM_LIBRARY") or SONAME))
        _state.bind(_lib)
    return _lib


class VsmmError(Exception):
    """A vsmm status other than VSMM_OK; .status is its name."""

    def __init__(self, code, what=""):
        lib = library()
        self.code = code
        self.status = lib.vsmm_status_name(code).decode()
        text = lib.vsmm_strerror(code).decode()
        super().__init__(f"{what}: {self.status}: {text}" if what
                         else f"{self.status}: {text}")


class EfiError(Exception):
    """ReadSaveState/WriteSaveState refused; .status is the EFI name
    ("EFI_NOT_FOUND", "EFI_INVALID_PARAMETER", "EFI_UNSUPPORTED")."""

    def __init__(self, code, what=""):
        lib = library()
        self.code = code
        self.status = lib.vsmm_efi_status_name(code).decode()
        text = lib.vsmm_efi_status_text(code).decode()
        super().__init__(f"{what}: {self.status}: {text}")


FLAVOURS = ("intel", "amd", "ovmf")
LAYOUTS = ("auto", "p6-32", "amd64", "intel64")  # enum vsmm_layout order


class _MmCpu(ctypes.Structure):
    _fields_ = [("flavour", ctypes.c_int), ("lma", ctypes.c_uint8),
                ("processor_id_valid", ctypes.c_bool),
                ("processor_id", ctypes.c_uint64)]


class _IoInfo(ctypes.Structure):
    _fields_ = [("io_data", ctypes.c_uint64), ("io_port", ctypes.c_uint16),
                ("io_width", ctypes.c_uint32), ("io_type", ctypes.c_uint32)]


class _FieldDesc(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("offset", ctypes.c_uint16),
                ("size", ctypes.c_uint8), ("flags", ctypes.c_uint8),
                ("text", ctypes.c_char_p)]


class _LayoutDesc(ctypes.Structure):
    _fields_ = [("layout", ctypes.c_int), ("name", ctypes.c_char_p),
                ("title", ctypes.c_char_p), ("revision", ctypes.c_uint32),
                ("area_offset", ctypes.c_uint32), ("area_size", ctypes.c_uint32),
                ("fields", ctypes.POINTER(_FieldDesc)),
                ("nfields", ctypes.c_size_t)]


def _bind(lib):
    c = ctypes
    sigs = {
        "vsmm_version": (c.c_char_p, []),
        "vsmm_status_name": (c.c_char_p, [c.c_int]),
        "vsmm_strerror": (c.c_char_p, [c.c_int]),
        "vsmm_efi_status_name": (c.c_char_p, [c.c_int]),
        "vsmm_efi_status_text": (c.c_char_p, [c.c_int]),
        "vsmm_mm_register_name": (c.c_char_p, [c.c_uint32]),
        "vsmm_mm_register_parse": (c.c_int, [c.c_char_p, c.POINTER(c.c_uint32)]),
        "vsmm_mm_flavour_for_layout": (c.c_int, [c.c_int]),
        "vsmm_mm_register_width": (c.c_size_t, [c.POINTER(_MmCpu), c.c_char_p,
                                                c.c_size_t, c.c_uint32]),
        "vsmm_mm_read_save_state": (c.c_int, [c.POINTER(_MmCpu), c.c_char_p,
                                              c.c_size_t, c.c_uint32, c.c_size_t,
                                              c.c_void_p]),
        "vsmm_mm_write_save_state": (c.c_int, [c.POINTER(_MmCpu), c.c_void_p,
                                               c.c_size_t, c.c_uint32, c.c_size_t,
                                               c.c_void_p]),
        "vsmm_layout_detect": (c.c_int, [c.c_char_p, c.c_size_t,
                                         c.POINTER(c.c_int),
                                         c.POINTER(c.c_uint32)]),
        "vsmm_layout_get": (c.POINTER(_LayoutDesc), [c.c_int]),
        "vsmm_layout_field": (c.POINTER(_FieldDesc), [c.POINTER(_LayoutDesc),
                                                      c.c_char_p]),
        "vsmm_field_read": (c.c_uint64, [c.POINTER(_LayoutDesc),
                                         c.POINTER(_FieldDesc), c.c_char_p]),
        "vsmm_field_write": (c.c_int, [c.POINTER(_LayoutDesc),
                                       c.POINTER(_FieldDesc), c.c_void_p,
                                       c.c_uint64]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    return lib


def version():
    """The loaded library's version string."""
    return library().vsmm_version().decode()


def register_number(register):
    """An EFI register name without prefix ("RAX", any case), a number
    string ("0x26") or an int, as a number."""
    if isinstance(register, int):
        if not 0 <= register < 1 << 32:
            raise ValueError(f"register number {register} out of range")
        return register
    out = ctypes.c_uint32()
    if library().vsmm_mm_register_parse(str(register).encode(),
                                        ctypes.byref(out)) != 0:
        raise ValueError(f"unknown register {register!r}")
    return out.value


def register_name(number):
    """"RAX" for 38; None for a number without a name."""
    name = library().vsmm_mm_register_name(number)
    return name.decode() if name else None


def detect_layout(image):
    """The layout name of an image (512 or 1024 bytes) from its revision id."""
    out, rev = ctypes.c_int(), ctypes.c_uint32()
    rc = library().vsmm_layout_detect(bytes(image), len(image),
                                      ctypes.byref(out), ctypes.byref(rev))
    if rc != 0:
        raise VsmmError(rc, f"revision 0x{rev.value:08x}")
    return LAYOUTS[out.value]


def flavour_for_layout(layout):
    """intel64 -> "intel", amd64 and p6-32 -> "ovmf"."""
    return FLAVOURS[library().vsmm_mm_flavour_for_layout(LAYOUTS.index(layout))]


def _cpu(image, flavour, lma, cpu_id):
    if flavour is None:
        flavour = flavour_for_layout(detect_layout(image))
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown flavour {flavour!r} (intel, amd or ovmf)")
    return _MmCpu(FLAVOURS.index(flavour), lma or 0, cpu_id is not None,
                  cpu_id or 0)


def register_width(image, register, flavour=None, lma=None):
    """The width EDK2's table gives the register for this image (0: none)."""
    cpu = _cpu(image, flavour, lma, None)
    return library().vsmm_mm_register_width(ctypes.byref(cpu), bytes(image),
                                            len(image), register_number(register))


_IO_WIDTHS = ("UINT8", "UINT16", "UINT32", "UINT64")
_IO_TYPES = {1: "INPUT", 2: "OUTPUT", 4: "STRING", 8: "REP_PREFIX"}


def read_save_state(image, register, width=None, flavour=None, cpu_id=None,
                    lma=None):
    """ReadSaveState on image (bytes of 512 or 1024), as `vsmm savestate
    read`: an int (the bytes read, little-endian), or for IO a dict
    {"io_data", "io_port", "io_width", "io_type"} in the CLI's JSON
    vocabulary.  flavour defaults from the image's layout; width from the
    register's table width.  Raises EfiError when EDK2 refuses."""
    lib = library()
    image = bytes(image)
    reg = register_number(register)
    cpu = _cpu(image, flavour, lma, cpu_id)
    if width is None:
        width = lib.vsmm_mm_register_width(ctypes.byref(cpu), image,
                                           len(image), reg)
    buf = ctypes.create_string_buffer(max(width, 1))
    st = lib.vsmm_mm_read_save_state(ctypes.byref(cpu), image, len(image),
                                     reg, width, buf)
    if st != 0:
        raise EfiError(st, f"ReadSaveState({register_name(reg) or reg}, "
                           f"width {width})")
    if reg == 512:
        io = _IoInfo.from_buffer_copy(buf.raw[:ctypes.sizeof(_IoInfo)])
        return {"io_data": hex(io.io_data), "io_port": hex(io.io_port),
                "io_width": _IO_WIDTHS[io.io_width] if io.io_width < 4
                else "UNKNOWN",
                "io_type": _IO_TYPES.get(io.io_type, "UNKNOWN")}
    return int.from_bytes(buf.raw[:width], "little")


def write_save_state(image, register, value, width=None, flavour=None,
                     lma=None):
    """WriteSaveState on a copy of image; returns the new image (bytes).
    value must fit the width.  Raises EfiError when EDK2 refuses (the
    image given is never changed)."""
    lib = library()
    image = bytes(image)
    reg = register_number(register)
    cpu = _cpu(image, flavour, lma, None)
    explicit = width is not None
    if width is None:
        width = lib.vsmm_mm_register_width(ctypes.byref(cpu), image,
                                           len(image), reg)
    if value < 0 or (explicit or width) and width < 8 and value >> (8 * width):
        raise ValueError(f"value {value:#x} does not fit in {width} bytes")
    area = ctypes.create_string_buffer(image, len(image))
    data = value.to_bytes(8, "little") + bytes(max(width - 8, 0))
    buf = ctypes.create_string_buffer(data, len(data))
    st = lib.vsmm_mm_write_save_state(ctypes.byref(cpu), area, len(image),
                                      reg, width, buf)
    if st != 0:
        raise EfiError(st, f"WriteSaveState({register_name(reg) or reg}, "
                           f"width {width})")
    return area.raw


def _layout_desc(layout):
    d = library().vsmm_layout_get(LAYOUTS.index(layout))
    if not d:
        raise ValueError(f"no layout {layout!r}")
    return d


def fields(layout):
    """The layout's table: [(name, offset, size, text)] as the manual."""
    d = _layout_desc(layout).contents
    return [(d.fields[i].name.decode(), d.fields[i].offset, d.fields[i].size,
             d.fields[i].text.decode()) for i in range(d.nfields)]


def _field(layout, name):
    d = _layout_desc(layout)
    f = library().vsmm_layout_field(d, name.encode())
    if not f:
        raise KeyError(f"layout {layout} has no field {name!r}")
    return d, f


def field_read(image, name, layout=None):
    """One field of an image by its manual name ("cr0")."""
    layout = layout or detect_layout(image)
    d, f = _field(layout, name)
    if len(image) != d.contents.area_size:
        raise VsmmError(-6, f"{layout} image")
    return library().vsmm_field_read(d, f, bytes(image))


def field_write(image, name, value, layout=None):
    """A copy of image with one field changed (vsmm_field_write)."""
    layout = layout or detect_layout(image)
    d, f = _field(layout, name)
    if len(image) != d.contents.area_size:
        raise VsmmError(-6, f"{layout} image")
    area = ctypes.create_string_buffer(bytes(image), len(image))
    rc = library().vsmm_field_write(d, f, area, value)
    if rc != 0:
        raise VsmmError(rc, f"field {name}")
    return area.raw


class ShutdownError(Exception):
    """RSM would shut the vCPU down: .reason ("CR0_PG_NO_PE"), .field,
    .offset and .value say why, as `vsmm rsm --json` does."""

    def __init__(self, why):
        lib = library()
        self.reason = lib.vsmm_reason_name(why.reason).decode()
        self.message = lib.vsmm_reason_text(why.reason).decode()
        self.field = why.field.decode() if why.field else None
        self.offset = why.offset
        self.value = why.value
        super().__init__(f"{self.reason}: {self.message} (field {self.field}, "
                         f"offset {self.offset:#x}, value {self.value:#x})")


def encode(state, layout="amd64"):
    """The image (bytes) of a state dict in the layout, as `vsmm encode`
    of a bare state object."""
    d = _layout_desc(layout).contents
    s = _state.state_from_dict(state)
    area = ctypes.create_string_buffer(d.area_size)
    rc = library().vsmm_image_encode(LAYOUTS.index(layout), ctypes.byref(s),
                                     None, area, d.area_size)
    if rc != 0:
        raise VsmmError(rc, f"encode {layout}")
    return area.raw


def decode(image, layout=None):
    """The state dict an image holds (layout from its revision id)."""
    layout = layout or detect_layout(image)
    s = _state.CpuState()
    rc = library().vsmm_image_decode(LAYOUTS.index(layout), bytes(image),
                                     len(image), ctypes.byref(s), None)
    if rc != 0:
        raise VsmmError(rc, f"decode {layout}")
    return _state.state_to_dict(s)


MODELS = ("intel", "amd")
SEMANTICS = ("kvm", "hardware")


def rsm_check(image, model="intel", semantics="kvm", layout=None):
    """Would RSM accept this image?  As `vsmm check`/`vsmm rsm`: a reset
    vCPU of the model in the SMM entry environment, SMBASE from the image.
    Returns the resumed state dict; raises ShutdownError otherwise.  (No
    platform: PAE PDPTEs are not read.)"""
    lib = library()
    layout = layout or detect_layout(image)
    if model not in MODELS or semantics not in SEMANTICS:
        raise ValueError("model intel|amd, semantics kvm|hardware")
    m = _state.Model()
    rc = lib.vsmm_model_preset(ctypes.byref(m), MODELS.index(model),
                               layout != "p6-32")
    if rc != 0:
        raise VsmmError(rc, "model")
    m.layout = LAYOUTS.index(layout)
    v = _state.Vcpu()
    for rc in (lib.vsmm_vcpu_init(ctypes.byref(v), ctypes.byref(m), None, None),
               lib.vsmm_vcpu_set_semantics(ctypes.byref(v),
                                           SEMANTICS.index(semantics))):
        if rc != 0:
            raise VsmmError(rc, "vCPU")
    lib.vsmm_cpu_state_reset(ctypes.byref(v.state))
    v.state.smbase = field_read(image, "smbase", layout)
    lib.vsmm_smm_entry_state(ctypes.byref(m), SEMANTICS.index(semantics),
                             ctypes.byref(v.state))
    v.state.smm = True
    v.state.nmi_masked = True
    why, out = _state.Shutdown(), _state.CpuState()
    rc = lib.vsmm_rsm_check(ctypes.byref(v), bytes(image), len(image),
                            ctypes.byref(why), ctypes.byref(out))
    if rc == -3:
        raise ShutdownError(why)
    if rc != 0:
        raise VsmmError(rc, "rsm_check")
    return _state.state_to_dict(out)


class Vcpu:
    """One vCPU for SMI and RSM with Python memory callbacks.

    read(smm, gpa, length) -> bytes and write(smm, gpa, data) are the
    guest-physical accesses (smm: the SMM address space); an exception in
    them is a platform failure (VsmmError VSMM_E_PLATFORM on SMI, a
    SMRAM_READ shutdown on RSM).  Without them the vCPU has `ram` bytes of
    its own in .memory (a bytearray, the same in both address spaces).
    .state is the state dict; smi() and rsm() return the new state."""

    def __init__(self, model="intel", long_mode=True, semantics="kvm",
                 layout="auto", read=None, write=None, ram=4 << 20):
        lib = library()
        if model not in MODELS or semantics not in SEMANTICS:
            raise ValueError("model intel|amd, semantics kvm|hardware")
        if (read is None) != (write is None):
            raise ValueError("give both read and write, or neither")
        if read is None:
            self.memory = bytearray(ram)
            read, write = self._ram_read, self._ram_write
        self._read, self._write = read, write
        self._m = _state.Model()
        rc = lib.vsmm_model_preset(ctypes.byref(self._m), MODELS.index(model),
                                   long_mode)
        if rc != 0:
            raise VsmmError(rc, "model")
        self._m.layout = LAYOUTS.index(layout)
        self._ops = _state.PlatformOps(_state.READ_PHYS(self._cb_read),
                                       _state.WRITE_PHYS(self._cb_write),
                                       None, None, None)
        self._v = _state.Vcpu()
        for rc in (lib.vsmm_vcpu_init(ctypes.byref(self._v), ctypes.byref(self._m),
                                      ctypes.addressof(self._ops), None),
                   lib.vsmm_vcpu_set_semantics(ctypes.byref(self._v),
                                               SEMANTICS.index(semantics))):
            if rc != 0:
                raise VsmmError(rc, "vCPU")

    def _ram_read(self, smm, gpa, length):
        if gpa + length > len(self.memory):
            raise IndexError(f"read of {length} bytes at {gpa:#x} outside RAM")
        return bytes(self.memory[gpa:gpa + length])

    def _ram_write(self, smm, gpa, data):
        if gpa + len(data) > len(self.memory):
            raise IndexError(f"write of {len(data)} bytes at {gpa:#x} outside RAM")
        self.memory[gpa:gpa + len(data)] = data

    def _cb_read(self, ctx, smm, gpa, buf, length):
        try:
            data = bytes(self._read(bool(smm), gpa, length))
            if len(data) != length:
                return -1
            ctypes.memmove(buf, data, length)
            return 0
        except Exception:  # a failed access is the platform's failure
            return -1

    def _cb_write(self, ctx, smm, gpa, buf, length):
        try:
            self._write(bool(smm), gpa, ctypes.string_at(buf, length))
            return 0
        except Exception:
            return -1

    @property
    def state(self):
        return _state.state_to_dict(self._v.state)

    @state.setter
    def state(self, d):
        self._v.state = _state.state_from_dict(d)

    @property
    def layout(self):
        """The layout this vCPU writes on SMI."""
        return LAYOUTS[library().vsmm_vcpu_layout(ctypes.byref(self._v))]

    def smi(self):
        """Deliver an SMI: the image is written through write(); returns
        the SMM entry state."""
        rc = library().vsmm_enter_smm(ctypes.byref(self._v))
        if rc != 0:
            raise VsmmError(rc, "SMI")
        return self.state

    def rsm(self):
        """RSM: the resumed state, or ShutdownError (the vCPU is then in
        shutdown; nothing else changed)."""
        rc = library().vsmm_leave_smm(ctypes.byref(self._v))
        if rc == -3:
            raise ShutdownError(self._v.last_shutdown)
        if rc != 0:
            raise VsmmError(rc, "RSM")
        return self.state

    def export_snapshot(self):
        """vsmm's per-vCPU SMM state as its 32-byte blob (migration)."""
        out = ctypes.create_string_buffer(32)
        rc = library().vsmm_smm_export(ctypes.byref(self._v), out)
        if rc != 0:
            raise VsmmError(rc, "export")
        return out.raw

    def import_snapshot(self, blob):
        """Apply a blob of export_snapshot(); VsmmError (nothing changed)
        if it is malformed or inconsistent."""
        blob = bytes(blob)
        rc = library().vsmm_smm_import(ctypes.byref(self._v), blob, len(blob))
        if rc != 0:
            raise VsmmError(rc, "import")
