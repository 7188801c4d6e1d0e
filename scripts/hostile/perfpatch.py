#!/usr/bin/env python3
"""Copies a real perf.data (file mode) with one field set to an attacker's value (issue 22).

  python3 scripts/hostile/perfpatch.py IN OUT [--sample-time N=T ...] [--clock-data TOD,CLOCK]

--sample-time N=T   the time of the Nth SAMPLE record (0-based, file order; -1: the last) becomes T
--clock-data T,C    the CLOCK_DATA feature's tod_ns and clockid_ns become T and C
Numbers may be hex (0x…). Only the named bytes change; the layout is found the way perf reads it
(perf_file_header, attrs' sample_type, records, the feature sections after the data).
"""
import argparse
import struct

SAMPLE = 9
HEADER_CLOCK_DATA = 29


def num(s):
    return int(s, 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--sample-time", action="append", default=[])
    ap.add_argument("--clock-data")
    a = ap.parse_args()
    b = bytearray(open(a.input, "rb").read())
    assert b[:8] == b"PERFILE2", "file-mode perf.data only"
    size, attr_size = struct.unpack_from("<QQ", b, 8)
    attrs_off, attrs_size, data_off, data_size = struct.unpack_from("<QQQQ", b, 24)
    sample_type = struct.unpack_from("<Q", b, attrs_off + 24)[0]
    # Fields before TIME in a SAMPLE record: IDENTIFIER, IP, TID (u64 each, in this order).
    time_at = 8 * sum(1 for bit in (1 << 16, 1, 2) if sample_type & bit)
    assert sample_type & 4, "samples carry no TIME"
    samples = []
    off = data_off
    while off + 8 <= data_off + data_size:
        type_, misc, rsize = struct.unpack_from("<IHH", b, off)
        if rsize < 8:
            break
        if type_ == SAMPLE:
            samples.append(off)
        off += rsize
    for spec in a.sample_time:
        n, t = spec.split("=")
        struct.pack_into("<Q", b, samples[int(n)] + 8 + time_at, num(t) & (2**64 - 1))
    if a.clock_data:
        tod, clock = (num(x) & (2**64 - 1) for x in a.clock_data.split(","))
        feats = int.from_bytes(b[72:104], "little")
        assert feats >> HEADER_CLOCK_DATA & 1, "no CLOCK_DATA feature"
        index = bin(feats & ((1 << HEADER_CLOCK_DATA) - 1)).count("1")
        sec_off, sec_size = struct.unpack_from("<QQ", b, data_off + data_size + 16 * index)
        struct.pack_into("<QQ", b, sec_off + 8, tod, clock)  # after version, clockid
    open(a.output, "wb").write(b)


if __name__ == "__main__":
    main()
