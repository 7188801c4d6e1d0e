#!/usr/bin/env python3
"""Copies a real file-mode perf.data with its records changed, for the reading corners of issue 18.

  python3 scripts/corners/perfcraft.py IN OUT OP [ARG]

OP:
  cut-mmap2 NAME   the first MMAP2 record whose file name ends in NAME is cut to its first 40 bytes
                   (header, pid, tid, addr, len, pgoff): the rest of its body is gone, as in a file
                   damaged in transit or written by a buggy tool
  aux              adds, after the first FINISHED_ROUND (else at the end), an AUX record (the kernel's
                   "AUX data was written") and an AUXTRACE record with 4096 bytes of payload, as
                   `perf record -e intel_pt//` writes them; no AUXTRACE_INFO (perf 6.1 would need a
                   real decoder's parameters in it)
  v1 [72]          the first header format, which perf 6.1 still reads (util/header.c): magic "PERFFILE",
                   attrs as perf_event_attr ABI 4 (104 bytes, attr_size 120: the byte order is told by
                   attr_size), the fields after them being zero in the source; with 72, also the header
                   before the feature bitmap (header size 72, so no features)
  kmod PATH BASE LEN [first]
                   adds a kernel module map, as `perf record` writes one for each loaded module (an MMAP
                   record, pid -1, misc KERNEL, file PATH at BASE, LEN bytes, pgoff 0) after the kernel's
                   own, and moves kernel frames into it. The samples whose callchain starts in the
                   kernel are counted from 2 (from 0 with `first`): count % 3 == 0 gets a module leaf (ip
                   and first kernel entry), 1 a module leaf and a module caller (second kernel entry),
                   2 is kept. So by default the first such sample stays in the kernel: perf 6.1 may lose
                   a module's first kallsyms symbol when a module frame comes before any kernel frame
                   (seen on captures of the running kernel: dso__split_kallsyms finds the module's dso
                   loaded, empty, and discards the symbol where the module's run starts; not seen on
                   others); `first` is there to look at that. Leaves lie at
                   BASE+0x10..0x8f, callers at BASE+0x110..0x18f (the addresses are given by the sample's
                   index: the same input gives the same file)
  probe NAME OFF... moves the leaves of user samples to chosen places of a binary the capture mapped:
                   the n-th sample with a user callchain gets file offset OFF[n] (hex) of the first
                   executable MMAP2 of a file ending in NAME, as its ip and first user entry, until the
                   offsets run out. perf script then names each: how perf names any address of a binary
                   (aliases at one address, .dynsym against .symtab) without having to sample it
  no-samples       drops every SAMPLE record: the capture of a run that ended before its first sample
  lbr              makes every SAMPLE carry an LBR call stack, as `--call-graph lbr` records it: the
                   attr gains PERF_SAMPLE_BRANCH_STACK with branch_sample_type USER|CALL_STACK|HW_INDEX;
                   each sample gains hw_idx 0 and one branch entry per user caller of its callchain
                   (from = that caller's return address, to = 0 but the first's: the user leaf; flags 0)

Everything else is copied: the data section's size and the feature sections' offsets after it are
moved by what the records gained or lost. perf 6.1 reads the output (`perf report -D -i OUT`,
`perf script -i OUT`): that is how each layout was checked (Fixtures/generate-corners.sh).
"""
import struct
import sys

SAMPLE, MMAP, MMAP2, FINISHED_ROUND, AUX, AUXTRACE_INFO, AUXTRACE = 9, 1, 10, 68, 11, 70, 71
CONTEXT_USER = 0xFFFFFFFFFFFFFE00
CONTEXT_KERNEL = 0xFFFFFFFFFFFFFF80
CONTEXT_MAX = 0xFFFFFFFFFFFFF000  # PERF_CONTEXT_MAX = -4095
S_IP, S_TID, S_TIME, S_ADDR, S_READ, S_CALLCHAIN, S_ID, S_CPU, S_PERIOD, S_STREAM, S_RAW, S_BRANCH = (
    1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400, 0x800)
S_IDENTIFIER = 0x10000
B_USER, B_CALL_STACK, B_HW_INDEX = 1 << 0, 1 << 11, 1 << 17


class Capture:
    def __init__(self, path):
        b = open(path, "rb").read()
        assert b[:8] == b"PERFILE2", "file-mode perf.data only (little-endian)"
        self.b = b
        self.header_size, self.attr_size = struct.unpack_from("<QQ", b, 8)
        self.attrs_off, self.attrs_size, self.data_off, self.data_size = struct.unpack_from("<QQQQ", b, 24)
        self.records = []
        off, end = self.data_off, self.data_off + self.data_size
        while off + 8 <= end:
            type_, misc, size = struct.unpack_from("<IHH", b, off)
            assert size >= 8
            rec = b[off:off + size]
            if type_ == AUXTRACE:  # its payload follows the record, outside its size
                rec = b[off:off + size + struct.unpack_from("<Q", b, off + 8)[0]]
            self.records.append(bytearray(rec))
            off += len(rec)
        assert off == end, "records do not fill the data section (compressed or cut capture?)"

    def attr_offsets(self):
        return [self.attrs_off + i * self.attr_size for i in range(self.attrs_size // self.attr_size)]

    def write(self, path, attr_patch=None):
        b = bytearray(self.b)
        for a in self.attr_offsets():
            if attr_patch:
                attr_patch(b, a)
        data = b"".join(self.records)
        old_end = self.data_off + self.data_size
        delta = len(data) - self.data_size
        tail = bytearray(b[old_end:])
        # The feature table follows the data: each entry's offset moves with it.
        feats = int.from_bytes(b[72:104], "little")
        for i in range(bin(feats).count("1")):
            off, size = struct.unpack_from("<QQ", tail, 16 * i)
            if off >= old_end:
                struct.pack_into("<Q", tail, 16 * i, off + delta)
        out = b[:self.data_off] + data + tail
        struct.pack_into("<Q", out, 48, len(data))  # header data.size
        open(path, "wb").write(out)


def cut_mmap2(cap, name):
    for r in cap.records:
        type_, = struct.unpack_from("<I", r, 0)
        if type_ == MMAP2 and name.encode() + b"\0" in bytes(r[72:]):
            del r[40:]
            struct.pack_into("<H", r, 6, 40)
            return cap.write
    sys.exit("no MMAP2 record of a file ending in %s" % name)


def aux(cap):
    sample_id = None
    for r in cap.records:  # a sample_id_all trailer like the first MMAP2's (pid, tid, time)
        if struct.unpack_from("<I", r, 0)[0] == MMAP2:
            sample_id = bytes(r[-16:])
            break
    pid, tid = struct.unpack_from("<II", sample_id, 0)
    payload = bytes(4096)  # zero branch records: nothing for a decoder to synthesize
    aux_rec = struct.pack("<QQQ", 0, len(payload), 0) + sample_id  # aux_offset, aux_size, flags
    aux_rec = struct.pack("<IHH", AUX, 0, 8 + len(aux_rec)) + aux_rec
    # size, offset, reference, idx, tid, cpu, reserved
    at = struct.pack("<QQQIIII", len(payload), 0, 0x1234, 0, tid, 0, 0)
    at = struct.pack("<IHH", AUXTRACE, 0, 8 + len(at)) + at + payload
    i = next((k for k, r in enumerate(cap.records) if struct.unpack_from("<I", r, 0)[0] == FINISHED_ROUND),
             len(cap.records) - 1)
    # AUXTRACE_INFO type PERF_AUXTRACE_INTEL_BTS (2), priv: pmu_type (no event of it here), time_shift,
    # time_mult, time_zero, cap_user_time_zero, snapshot_mode: the shortest info perf 6.1 accepts.
    info = struct.pack("<II6Q", 2, 0, 0x7FFF, 0, 1, 0, 0, 0)
    info = struct.pack("<IHH", AUXTRACE_INFO, 0, 8 + len(info)) + info
    cap.records[i + 1:i + 1] = [bytearray(info), bytearray(aux_rec), bytearray(at)]
    return cap.write


def lbr(cap):
    attrs = cap.attr_offsets()
    sample_type = struct.unpack_from("<Q", cap.b, attrs[0] + 24)[0]
    assert len(attrs) == 1 and not sample_type & (S_RAW | S_BRANCH | S_READ), "one attr, no RAW/BRANCH/READ"
    assert sample_type & S_CALLCHAIN
    before = [S_IDENTIFIER, S_IP, S_TID, S_TIME, S_ADDR, S_ID, S_STREAM, S_CPU, S_PERIOD]
    chain_at = 8 * sum(1 for bit in before if sample_type & bit)
    for r in cap.records:
        if struct.unpack_from("<I", r, 0)[0] != SAMPLE:
            continue
        nr = struct.unpack_from("<Q", r, 8 + chain_at)[0]
        ips = struct.unpack_from("<%dQ" % nr, r, 16 + chain_at)
        user = list(ips[ips.index(CONTEXT_USER) + 1:]) if CONTEXT_USER in ips else []
        callers = [ip for ip in user[1:] if ip < CONTEXT_MAX]
        branch = struct.pack("<QQ", len(callers), 0)  # nr, hw_idx
        for k, ip in enumerate(callers):
            # perf starts the stack at the first entry's target: the sampled user address.
            branch += struct.pack("<QQQ", ip, user[0] if k == 0 else 0, 0)
        at = 16 + chain_at + 8 * nr
        r[at:at] = branch
        struct.pack_into("<H", r, 6, len(r))

    def patch(b, a):
        struct.pack_into("<Q", b, a + 24, sample_type | S_BRANCH)
        struct.pack_into("<Q", b, a + 72, B_USER | B_CALL_STACK | B_HW_INDEX)  # branch_sample_type
    return lambda path: cap.write(path, patch)


def kmod(cap, path, base, length, first=None):
    assert first in (None, "first"), "kmod PATH BASE LEN [first]"
    base, length = int(base, 0), int(length, 0)
    attrs = cap.attr_offsets()
    sample_type = struct.unpack_from("<Q", cap.b, attrs[0] + 24)[0]
    assert len(attrs) == 1 and sample_type & S_CALLCHAIN and sample_type & S_IP and not sample_type & S_IDENTIFIER
    before = [S_IP, S_TID, S_TIME, S_ADDR, S_ID, S_STREAM, S_CPU, S_PERIOD]
    chain_at = 8 * sum(1 for bit in before if sample_type & bit)
    kernel_at = next(k for k, r in enumerate(cap.records)
                     if struct.unpack_from("<I", r, 0)[0] == MMAP and b"[kernel.kallsyms]" in bytes(r[40:]))
    name = path.encode() + b"\0"
    name += bytes(-len(name) % 8)
    kernel = cap.records[kernel_at]
    trailer = bytes(kernel[40 + (bytes(kernel[40:]).index(b"\0") // 8 + 1) * 8:])  # sample_id_all
    body = struct.pack("<iiQQQ", -1, 0, base, length, 0) + name + trailer
    cap.records.insert(kernel_at + 1, bytearray(struct.pack("<IHH", MMAP, 1, 8 + len(body)) + body))
    k = 0 if first else 2
    for r in cap.records:
        if struct.unpack_from("<I", r, 0)[0] != SAMPLE:
            continue
        nr = struct.unpack_from("<Q", r, 8 + chain_at)[0]
        if nr < 3 or struct.unpack_from("<Q", r, 16 + chain_at)[0] != CONTEXT_KERNEL:
            continue
        leaf, caller = base + 0x10 + (k * 0x37) % 0x80, base + 0x110 + (k * 0x29) % 0x80
        if k % 3 == 0:
            struct.pack_into("<Q", r, 24 + chain_at, leaf)
        elif k % 3 == 1:
            struct.pack_into("<QQ", r, 24 + chain_at, leaf, caller)
        if k % 3 != 2:
            struct.pack_into("<Q", r, 8, leaf)  # the sample's ip: its leaf
        k += 1
    assert k > 3, "too few samples with a kernel callchain"
    return cap.write


def probe(cap, name, *offsets):
    attrs = cap.attr_offsets()
    sample_type = struct.unpack_from("<Q", cap.b, attrs[0] + 24)[0]
    assert len(attrs) == 1 and sample_type & S_CALLCHAIN and sample_type & S_IP and not sample_type & S_IDENTIFIER
    before = [S_IP, S_TID, S_TIME, S_ADDR, S_ID, S_STREAM, S_CPU, S_PERIOD]
    chain_at = 8 * sum(1 for bit in before if sample_type & bit)
    for r in cap.records:
        if struct.unpack_from("<I", r, 0)[0] == MMAP2 and name.encode() + b"\0" in bytes(r[72:]) and r[64] & 4:
            start, _, pgoff = struct.unpack_from("<QQQ", r, 16)
            break
    else:
        sys.exit("no executable MMAP2 of a file ending in %s" % name)
    todo = [int(o, 16) for o in offsets]
    for r in cap.records:
        if not todo:
            break
        if struct.unpack_from("<I", r, 0)[0] != SAMPLE:
            continue
        nr = struct.unpack_from("<Q", r, 8 + chain_at)[0]
        ips = struct.unpack_from("<%dQ" % nr, r, 16 + chain_at)
        if CONTEXT_USER not in ips or ips.index(CONTEXT_USER) + 1 >= nr:
            continue
        ip = start + todo.pop(0) - pgoff
        struct.pack_into("<Q", r, 16 + chain_at + 8 * (ips.index(CONTEXT_USER) + 1), ip)
        struct.pack_into("<Q", r, 8, ip)
    assert not todo, "%d offsets left: too few user samples" % len(todo)
    return cap.write


def v1(cap, header_size="104"):
    attrs = cap.attr_offsets()
    new_size = 104  # PERF_ATTR_SIZE_VER4
    packed = b""
    for a in attrs:
        attr = bytearray(cap.b[a:a + cap.attr_size - 16])
        assert not any(attr[new_size:]), "attr fields past ABI 4 are set: a v1 file cannot hold them"
        struct.pack_into("<I", attr, 4, new_size)
        packed += attr[:new_size] + cap.b[a + cap.attr_size - 16:a + cap.attr_size]  # + ids section

    def write(path):
        cap.write(path)
        b = bytearray(open(path, "rb").read())
        b[0:8] = b"PERFFILE"
        struct.pack_into("<Q", b, 16, new_size + 16)
        struct.pack_into("<Q", b, 32, len(packed))
        old = len(attrs) * cap.attr_size
        b[cap.attrs_off:cap.attrs_off + old] = packed + bytes(old - len(packed))
        if header_size == "72":
            struct.pack_into("<Q", b, 8, 72)
            b[72:104] = bytes(32)
        open(path, "wb").write(b)
    return write


def no_samples(cap):
    # The capture of a run that ended before the first sample (`perf record -- true`): every record kept but
    # the samples. The header's sample time range (a feature) is left as it was.
    cap.records = [r for r in cap.records if struct.unpack_from("<I", r, 0)[0] != SAMPLE]
    return cap.write


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    cap = Capture(sys.argv[1])
    op, args = sys.argv[3], sys.argv[4:]
    ops = {"cut-mmap2": cut_mmap2, "aux": aux, "lbr": lbr, "v1": v1, "kmod": kmod, "probe": probe,
           "no-samples": no_samples}
    if op not in ops:
        sys.exit(__doc__)
    ops[op](cap, *args)(sys.argv[2])


if __name__ == "__main__":
    main()
