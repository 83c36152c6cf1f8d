#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build tests/consumer/consumer.c the ways a user of vsmm would.

  consumer.py subproject ROOT  a Meson project with vsmm in subprojects/
                               (-Dtools=false, dependency('vsmm'))
  consumer.py static ROOT      meson install --destdir into a temporary
                               prefix, then cc -static with
                               pkg-config --static (no libvsmm.so needed)
  consumer.py cmake ROOT       the same install, then CMake's
                               find_package(vsmm) and vsmm::vsmm

ROOT is vsmm's source tree.  Everything is built under a temporary
directory, removed afterwards (kept with --keep).  Exits 77 (skipped) when
a tool the way needs (pkg-config, cmake, a static libc) is missing.
"""
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = "/opt/vsmm"   # the prefix the library is configured for


class Skip(Exception):
    pass


def run(cmd, **kw):
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=True, **kw)


def out(cmd, **kw):
    return run(cmd, capture_output=True, text=True, **kw).stdout


def needed(exe):
    text = out(["readelf", "-d", "-W", exe])
    return [l.split("[", 1)[1].rstrip("]") for l in text.splitlines()
            if "(NEEDED)" in l]


def run_consumer(exe, env=None):
    text = out([exe], env=env)
    sys.stdout.write(text)
    if "ok" not in text:
        raise AssertionError(f"{exe} did not report ok")


def install(root, tmp):
    """Configure the library alone, install it into tmp/dest/opt/vsmm."""
    build = os.path.join(tmp, "build")
    dest = os.path.join(tmp, "dest")
    run(["meson", "setup", build, root, "-Dtools=false",
         "--prefix=" + PREFIX, "--libdir=lib", "-Dwerror=true"],
        stdout=subprocess.DEVNULL)
    run(["ninja", "-C", build], stdout=subprocess.DEVNULL)
    run(["meson", "install", "-C", build, "--destdir", dest, "--quiet"])
    return dest + PREFIX


def way_subproject(root, tmp):
    proj = os.path.join(tmp, "proj")
    os.makedirs(os.path.join(proj, "subprojects"))
    shutil.copy(os.path.join(HERE, "meson", "meson.build"), proj)
    shutil.copy(os.path.join(HERE, "consumer.c"), proj)
    os.symlink(os.path.abspath(root), os.path.join(proj, "subprojects", "vsmm"))
    build = os.path.join(tmp, "build")
    # An installed vsmm (CI installs the Debian packages) must not be
    # taken instead of the subproject.
    text = out(["meson", "setup", build, proj, "--force-fallback-for=vsmm"])
    sys.stdout.write(text)
    for tool in ("Run-time dependency json-c", "cmocka", "unicorn"):
        if tool in text:
            raise AssertionError(f"the subproject looked for {tool}")
    run(["ninja", "-C", build], stdout=subprocess.DEVNULL)
    exe = os.path.join(build, "consumer")
    libs = needed(exe)
    if not any(l.startswith("libvsmm.so.") for l in libs):
        raise AssertionError(f"consumer does not link libvsmm.so: {libs}")
    run_consumer(exe)


def way_static(root, tmp):
    if shutil.which("pkg-config") is None:
        raise Skip("pkg-config is not installed")
    prefix = install(root, tmp)
    pcdir = os.path.join(prefix, "lib", "pkgconfig")
    env = dict(os.environ, PKG_CONFIG_PATH=pcdir, PKG_CONFIG_LIBDIR=pcdir)
    pc = ["pkg-config", "--static", "--define-variable=prefix=" + prefix]
    flags = out(pc + ["--cflags", "--libs", "vsmm"], env=env).split()
    # Only the archive: a -static link cannot fall back to libvsmm.so.
    os.remove(os.path.join(prefix, "lib", "libvsmm.so"))
    exe = os.path.join(tmp, "consumer")
    cc = os.environ.get("CC", "cc")
    libc = out([cc, "-print-file-name=libc.a"]).strip()
    if not os.path.isabs(libc):
        raise Skip(f"{cc} has no static C library (libc.a) to link against")
    run([cc, "-std=c11", "-static", "-o", exe,
         os.path.join(HERE, "consumer.c")] + flags)
    if needed(exe):
        raise AssertionError(f"{exe} is not static: {needed(exe)}")
    run_consumer(exe)


def header_version(root):
    """MAJOR, MINOR, PATCH from include/vsmm/vsmm.h."""
    parts = {}
    with open(os.path.join(root, "include", "vsmm", "vsmm.h")) as f:
        for line in f:
            w = line.split()
            if len(w) == 3 and w[0] == "#define" and \
               w[1] in ("VSMM_VERSION_MAJOR", "VSMM_VERSION_MINOR",
                        "VSMM_VERSION_PATCH"):
                parts[w[1]] = int(w[2])
    return (parts["VSMM_VERSION_MAJOR"], parts["VSMM_VERSION_MINOR"],
            parts["VSMM_VERSION_PATCH"])


def way_cmake(root, tmp):
    if shutil.which("cmake") is None:
        raise Skip("cmake is not installed")
    prefix = install(root, tmp)
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    shutil.copy(os.path.join(HERE, "cmake", "CMakeLists.txt"), src)
    shutil.copy(os.path.join(HERE, "consumer.c"), src)
    major, minor, _ = header_version(root)
    base = ["cmake", "-S", src, "-DCMAKE_PREFIX_PATH=" + prefix,
            "-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF"]
    # Below 1.0 another MINOR has another ABI: the version file refuses it.
    other = os.path.join(tmp, "cmake-other")
    r = subprocess.run(base + ["-B", other, f"-DVSMM_WANT={major}.{minor + 1}"],
                       capture_output=True, text=True)
    installed = "version: " + ".".join(map(str, header_version(root)))
    if r.returncode == 0 or installed not in r.stderr:
        sys.stderr.write(r.stderr)
        raise AssertionError(f"find_package(vsmm {major}.{minor + 1}) "
                             "did not refuse the installed version")
    build = os.path.join(tmp, "cmake-build")
    run(base + ["-B", build, f"-DVSMM_WANT={major}.{minor}"],
        stdout=subprocess.DEVNULL)
    run(["cmake", "--build", build], stdout=subprocess.DEVNULL)
    exe = os.path.join(build, "consumer")
    libs = needed(exe)
    if not any(l.startswith("libvsmm.so.") for l in libs):
        raise AssertionError(f"consumer does not link libvsmm.so: {libs}")
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(prefix, "lib"))
    run_consumer(exe, env=env)


WAYS = {"subproject": way_subproject, "static": way_static,
        "cmake": way_cmake}


def main(argv):
    args = argv[1:]
    keep = "--keep" in args
    args = [a for a in args if a != "--keep"]
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    if len(args) != 2 or args[0] not in WAYS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="vsmm-consumer-" + args[0] + "-")
    try:
        WAYS[args[0]](args[1], tmp)
    except Skip as e:
        print(f"SKIP: {e}")
        return SKIP
    except (subprocess.CalledProcessError, AssertionError) as e:
        if isinstance(e, subprocess.CalledProcessError):
            sys.stderr.write((e.stdout or "") + (e.stderr or ""))
        print(f"consumer {args[0]}: FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        if keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"consumer {args[0]}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
