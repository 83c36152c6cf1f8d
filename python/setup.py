# SPDX-License-Identifier: MIT
# `pip install ./python` without a network: with no pyproject.toml pip
# builds with the setuptools already installed (Debian's python3-setuptools)
# instead of fetching one into an isolated environment.
from setuptools import setup

setup(name="vsmm", version="0.1.0", license="MIT",
      description="Python bindings of libvsmm, a portable x86 SMM engine (ctypes)",
      packages=["vsmm"], python_requires=">=3.9")
