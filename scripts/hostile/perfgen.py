#!/usr/bin/env python3
"""Writes small perf.data files crafted at one field each (issue 22, hostile input).

Each file is a valid perf.data (file mode, one cpu-clock attr, sample_id_all, samples with
IP|TID|TIME|PERIOD|CALLCHAIN) whose one field an attacker chose: an mmap file name, a comm, a
count, a time. perf 6.1 reads them (`perf script -i FILE` / `perf report -D -i FILE`), which is how
their layout was checked; Tests read the committed outputs (Fixtures/hostile/, see
Fixtures/generate-hostile.sh, which logs the command that made each).

  python3 scripts/hostile/perfgen.py KIND OUT
"""
import struct
import subprocess
import sys

IP, TID, TIME, CALLCHAIN, PERIOD = 1, 2, 4, 0x20, 0x100
SAMPLE_TYPE = IP | TID | TIME | PERIOD | CALLCHAIN
CONTEXT_USER = 0xFFFFFFFFFFFFFE00
MMAP2, COMM, FORK, SAMPLE, LOST, COMPRESSED = 10, 3, 7, 9, 2, 81


def attr():
    """perf_event_attr (PERF_ATTR_SIZE_VER5, 112 bytes): software cpu-clock, freq 250."""
    flags = (1 << 10) | (1 << 18)  # freq, sample_id_all
    a = struct.pack("<IIQQQQQIIQQ", 1, 112, 0, 250, SAMPLE_TYPE, 0, flags, 0, 0, 0, 0)
    a += b"\0" * (112 - len(a))
    assert len(a) == 112
    return a


def cstr(s, align=8):
    b = s.encode("utf-8", "surrogateescape") + b"\0"
    return b + b"\0" * (-len(b) % align)


class Writer:
    def __init__(self):
        self.records = []

    def rec(self, type_, body, pid, tid, time, misc=0):
        body += struct.pack("<IIQ", pid, tid, time)  # sample_id_all trailer: TID, TIME
        self.records.append(struct.pack("<IHH", type_, misc, 8 + len(body)) + body)

    def comm(self, pid, tid, name, time=1):
        self.rec(COMM, struct.pack("<II", pid, tid) + cstr(name), pid, tid, time)

    def fork(self, pid, ppid, tid, ptid, time=1):
        self.rec(FORK, struct.pack("<IIIIQ", pid, ppid, tid, ptid, time), pid, tid, time)

    def mmap2(self, pid, start, length, name, pgoff=0, time=1):
        body = struct.pack("<IIQQQIIQQII", pid, pid, start, length, pgoff, 8, 1, 1234, 0, 5, 2) + cstr(name)
        self.rec(MMAP2, body, pid, pid, time, misc=2)  # PERF_RECORD_MISC_USER

    def sample(self, pid, tid, time, chain, period=4000000):
        body = struct.pack("<QIIQQ", chain[0], pid, tid, time, period)
        ips = [CONTEXT_USER] + chain
        body += struct.pack("<Q", len(ips)) + struct.pack("<%dQ" % len(ips), *ips)
        self.records.append(struct.pack("<IHH", SAMPLE, 2, 8 + len(body)) + body)

    def write(self, path):
        a = attr()
        ids_off = 104
        attrs_off = ids_off  # no ids: the one attr is every record's
        data = b"".join(self.records)
        data_off = attrs_off + len(a) + 16
        header = b"PERFILE2" + struct.pack("<QQ", 104, len(a) + 16)
        header += struct.pack("<QQ", attrs_off, len(a) + 16)
        header += struct.pack("<QQ", data_off, len(data))
        header += struct.pack("<QQ", 0, 0)
        header += b"\0" * 32  # no features
        assert len(header) == 104
        with open(path, "wb") as f:
            f.write(header + a + struct.pack("<QQ", 0, 0) + data)


def basic(w, name="work", mmap_name="/usr/bin/work", pid=100):
    w.comm(pid, pid, name)
    w.mmap2(pid, 0x400000, 0x10000, mmap_name)
    for i in range(3):
        w.sample(pid, pid, 1000 + i, [0x401000 + 16 * i, 0x402000])


KINDS = {}


def kind(f):
    KINDS[f.__name__.replace("_", "-")] = f
    return f


@kind
def mmap_dev_zero(w):
    """A mapping of /dev/zero: a device, never read (it has no end)."""
    basic(w, mmap_name="/dev/zero")


@kind
def mmap_dev_tty(w):
    """A mapping of /dev/tty: a device, never opened for reading (it would block on the terminal)."""
    basic(w, mmap_name="/dev/tty")


@kind
def mmap_escape(w):
    """A mapping whose name climbs out of any --symfs root."""
    basic(w, mmap_name="/../../../../../../../../tmp/stackfold-hostile-outside/secret")


@kind
def comm_newline(w):
    """A comm (prctl PR_SET_NAME, 15 bytes) that would split folded lines."""
    basic(w, name="\nEVIL\t99999999\n")


@kind
def comm_escape(w):
    """A comm holding terminal escape sequences: window title, clear screen, C1 CSI."""
    basic(w, name="\x1b]0;pwn\x07\x1b[2J\u009b")


@kind
def lost_max(w):
    """Two LOST records of 2^64 - 1 samples each: their sum passes UInt64."""
    basic(w)
    for _ in range(2):
        w.rec(LOST, struct.pack("<QQ", 0, 2**64 - 1), 100, 100, 2000)


@kind
def zstd_bomb(w):
    """PERF_RECORD_COMPRESSED records holding one zstd frame of 2 GiB of zeros (72 KB compressed),
    split across records as perf splits its frames (a record's size is 16 bits)."""
    basic(w)
    frame = subprocess.run("head -c 2G /dev/zero | zstd -1 -c --no-check", shell=True, check=True,
                           stdout=subprocess.PIPE).stdout
    for i in range(0, len(frame), 60000):
        part = frame[i:i + 60000]
        w.records.append(struct.pack("<IHH", COMPRESSED, 0, 8 + len(part)) + part)


@kind
def mmap_long_name(w):
    """A mapping whose file name is 60,000 bytes (the kernel writes at most PATH_MAX), and a sample of
    1,000 frames at distinct addresses in it: perf script prints the name on every frame."""
    name = "/" + "n" * 59_999
    w.comm(100, 100, "work")
    w.mmap2(100, 0x400000, 0x100000, name)
    w.sample(100, 100, 1000, [0x400000 + 16 * j for j in range(1_000)])


@kind
def long_symbol_stack(w):
    """A sample of 8,000 frames (64,000 bytes of callchain: a record's size is 16 bits) in /usr/bin/longsym,
    mapped as elfgen.py long-symbol-exec lays it out: every frame in the function whose name is 1 MB long
    but the outermost, in main. Two more samples of 3 frames."""
    w.comm(100, 100, "work")
    w.mmap2(100, 0x400000, 0x110000, "/usr/bin/longsym")
    w.sample(100, 100, 1000, [0x401000 + (j % 256) for j in range(7_999)] + [0x401100])
    for i in range(2):
        w.sample(100, 100, 2000 + i, [0x401010, 0x401020, 0x401100])


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in KINDS:
        sys.exit("usage: perfgen.py {%s} OUT" % ",".join(sorted(KINDS)))
    w = Writer()
    KINDS[sys.argv[1]](w)
    w.write(sys.argv[2])


if __name__ == "__main__":
    main()
