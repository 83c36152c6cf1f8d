#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""romsum.py IN OUT: copy an option ROM, setting its last byte so that all
its bytes sum to 0 modulo 256 (the option ROM checksum)."""
import sys

data = bytearray(open(sys.argv[1], "rb").read())
if len(data) < 512 or len(data) % 512 or data[:2] != b"\x55\xaa":
    sys.exit("romsum.py: %s is not an option ROM" % sys.argv[1])
data[-1] = 0
data[-1] = (-sum(data)) & 0xff
open(sys.argv[2], "wb").write(data)
