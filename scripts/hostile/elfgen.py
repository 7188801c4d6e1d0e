#!/usr/bin/env python3
"""Writes small ELF files crafted at one field each (issue 22, hostile input).

  python3 scripts/hostile/elfgen.py KIND OUT

symtab-shared-name  100,000 .symtab functions whose st_name all point at one 40 KB string
dwarf-nested        a compile unit of 100,000 DW_TAG_subprogram DIEs, each the child of the last
long-symbol         one function whose name is 1 MB long
long-symbol-exec    the same with 512 bytes of code (nops) in .text and a PT_LOAD segment of the whole file
                    (padded to 0x110000 bytes) at 0x400000, as perfgen.py long-symbol-stack maps
                    /usr/bin/longsym: the 1 MB name at 0x401000-0x4010ff, main at 0x401100-0x4011ff

A 64-bit little-endian ET_EXEC with a .text section at 0x401000 (no code: only tables are read).
readelf -sW / readelf --debug-dump=info read them, which is how their layout was checked.
"""
import struct
import sys

TEXT_ADDR, TEXT_SIZE = 0x401000, 0x200000


def elf(sections, load_size=0):
    """sections: [(name, type, flags, addr, data, link, info, entsize)] after the null section. With
    load_size, one PT_LOAD (R+X) maps the file's first load_size bytes at 0x400000 and the file is padded
    to load_size bytes."""
    shstr = b"\0"
    names = []
    for s in sections:
        names.append(len(shstr))
        shstr += s[0].encode() + b"\0"
    names.append(len(shstr))
    shstr += b".shstrtab\0"
    sections = sections + [(".shstrtab", 3, 0, 0, shstr, 0, 0, 0)]
    body = b""
    offsets = []
    off = 64 + (56 if load_size else 0)  # the program header follows the ELF header
    for s in sections:
        pad = -off % 8
        if load_size and s[3]:  # an allocated section: at its address's offset in the PT_LOAD
            pad = s[3] - 0x400000 - off
        body += b"\0" * pad
        off += pad
        offsets.append(off)
        if s[1] != 8:  # NOBITS has no bytes in the file
            body += s[4]
            off += len(s[4])
    pad = -off % 8
    body += b"\0" * pad
    shoff = off + pad
    sh = b"\0" * 64
    for s, name, o in zip(sections, names, offsets):
        size = len(s[4]) if s[1] != 8 else TEXT_SIZE
        sh += struct.pack("<IIQQQQIIQQ", name, s[1], s[2], s[3], o, size, s[5], s[6], 8, s[7])
    hdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    phoff, phnum = (64, 1) if load_size else (0, 0)
    hdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, TEXT_ADDR, phoff, shoff, 0, 64, 56, phnum, 64, len(sections) + 1,
                       len(sections))
    if load_size:
        hdr += struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, load_size, load_size, 0x1000)
    out = hdr + body + sh
    if load_size:
        assert len(out) <= load_size
        out += b"\0" * (load_size - len(out))
    return out


def text():
    return (".text", 8, 6, TEXT_ADDR, b"", 0, 0, 0)  # NOBITS: no bytes needed


def symtab(entries, strtab):
    """entries: [(name offset, value, size)] of global STT_FUNC in section 1 (.text)."""
    syms = b"\0" * 24
    for name, value, size in entries:
        syms += struct.pack("<IBBHQQ", name, 0x12, 0, 1, value, size)
    # .symtab links to .strtab (section 3); info = index of the first global symbol.
    return [(".symtab", 2, 0, 0, syms, 3, 1, 24), (".strtab", 3, 0, 0, strtab, 0, 0, 0)]


def symtab_shared_name():
    strtab = b"\0" + b"s" * 40_000 + b"\0"
    return elf([text()] + symtab([(1, TEXT_ADDR + 16 * i, 16) for i in range(100_000)], strtab))


def long_symbol():
    strtab = b"\0" + b"L" * (1 << 20) + b"\0main\0"
    return elf([text()] + symtab([(1, TEXT_ADDR, 0x100), (2 + (1 << 20), TEXT_ADDR + 0x100, 0x100)], strtab))


def long_symbol_exec():
    strtab = b"\0" + b"L" * (1 << 20) + b"\0main\0"
    code = (".text", 1, 6, TEXT_ADDR, b"\x90" * 0x200, 0, 0, 0)  # PROGBITS (NOBITS: a debug-only file), nops
    return elf([code] + symtab([(1, TEXT_ADDR, 0x100), (2 + (1 << 20), TEXT_ADDR + 0x100, 0x100)], strtab),
               load_size=0x110000)


def dwarf_nested(n=100_000):
    # Abbrevs: 1 compile_unit (children; name, low_pc, high_pc as a length), 2 subprogram (the same).
    abbrev = bytes([1, 0x11, 1, 0x03, 0x08, 0x11, 0x01, 0x12, 0x07, 0, 0,
                    2, 0x2E, 1, 0x03, 0x08, 0x11, 0x01, 0x12, 0x07, 0, 0, 0])
    die = bytes([2]) + b"f\0" + struct.pack("<QQ", TEXT_ADDR, 0x10)
    info = bytes([1]) + b"nested.c\0" + struct.pack("<QQ", TEXT_ADDR, 0x10)
    info += die * n + b"\0" * (n + 1)
    cu = struct.pack("<IHIB", 2 + 4 + 1 + len(info), 4, 0, 8) + info
    return elf([text(), (".debug_abbrev", 1, 0, 0, abbrev, 0, 0, 0), (".debug_info", 1, 0, 0, cu, 0, 0, 0)])


KINDS = {"symtab-shared-name": symtab_shared_name, "long-symbol": long_symbol,
         "long-symbol-exec": long_symbol_exec, "dwarf-nested": dwarf_nested}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in KINDS:
        sys.exit("usage: elfgen.py {%s} OUT" % ",".join(sorted(KINDS)))
    open(sys.argv[2], "wb").write(KINDS[sys.argv[1]]())
