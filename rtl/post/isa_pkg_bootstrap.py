#!/usr/bin/env python3
"""Writes lutsim_isa_pkg.sv from the field tables of firmware/include/lutsim/firmware/isa.h, without compiling.

The build generates the package with gen_isa_pkg (lutsim::isa::sv_package()); but verilate() runs Verilator at
configure time, before anything is built, and Yosys (scripts/synth.sh) runs without a build. This script gives
both the same text from the header itself; the ctest rtl_post_isa_pkg_bootstrap checks that it equals
sv_package()'s output byte for byte. Usage: isa_pkg_bootstrap.py ISA_H OUT.sv
"""
import re
import sys


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: isa_pkg_bootstrap.py ISA_H OUT.sv\n")
        return 2
    src = open(sys.argv[1], encoding="utf-8").read()
    bits = int(re.search(r"kInsnBits = (\d+);", src).group(1))
    body_lsb = int(re.search(r"kBodyLsb = (\d+);", src).group(1))
    token_max = int(re.search(r"kTokenMax = (\d+);", src).group(1))
    enum = re.search(r"enum class Opcode : std::uint8_t \{(.*?)\};", src, re.S).group(1)
    opcodes = re.findall(r"(\w+) = (\d+),", enum)
    out = ["// Generated from firmware/include/lutsim/firmware/isa.h by lutsim::isa::sv_package(). Do not edit.",
           "package lutsim_isa_pkg;",
           f"  localparam int INSN_BITS = {bits};",
           f"  localparam int TOKEN_MAX = {token_max};",
           "  localparam int OPCODE_LSB = 0;", "  localparam int OPCODE_W = 4;",
           "  localparam int POP_PREV_BIT = 4;", "  localparam int POP_NEXT_BIT = 5;",
           "  localparam int PUSH_PREV_BIT = 6;", "  localparam int PUSH_NEXT_BIT = 7;"]
    for name, val in opcodes:
        out.append(f"  localparam logic [3:0] OPC_{name.upper()} = 4'd{val};")
    for name, _ in opcodes:
        block = re.search(r"k%sFields = layout<%s, \d+>\(\{\{(.*?)\}\}\);" % (name, name), src, re.S)
        if not block:
            sys.stderr.write(f"isa_pkg_bootstrap.py: error: {sys.argv[1]}: no field table for {name}\n")
            return 1
        lsb = body_lsb
        for fname, width, doc in re.findall(r'\{"(\w+)", (\d+), [^"]*?"((?:[^"\\]|\\.)*)"\}', block.group(1)):
            pre = f"{name.upper()}_{fname.upper()}"
            out.append(f"  localparam int {pre}_LSB = {lsb};  // {doc}")
            out.append(f"  localparam int {pre}_W = {width};")
            lsb += int(width)
    out.append("endpackage")
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
