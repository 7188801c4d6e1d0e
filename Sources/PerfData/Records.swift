import BinaryIO

/// PERF_RECORD_MMAP / MMAP2.
public struct MmapRecord: Sendable, Equatable {
    public var pid: Int32
    public var tid: Int32
    public var start: UInt64
    public var length: UInt64
    public var pageOffset: UInt64
    public var filename: String
    /// MMAP2 only.
    public var prot: UInt32 = 0
    public var flags: UInt32 = 0
    public var major: UInt32 = 0
    public var minor: UInt32 = 0
    public var inode: UInt64 = 0
    /// MMAP2 with PERF_RECORD_MISC_MMAP_BUILD_ID: lowercase hex.
    public var buildID: String?
    public var cpuMode: CPUMode
    /// PROT_EXEC, or an MMAP record (perf only writes those for executable maps) without the data flag.
    public var isExecutable: Bool
}

public struct CommRecord: Sendable, Equatable {
    public var pid: Int32
    public var tid: Int32
    public var comm: String
    /// PERF_RECORD_MISC_COMM_EXEC: the comm changed through exec.
    public var isExec: Bool
}

/// PERF_RECORD_FORK / EXIT.
public struct TaskRecord: Sendable, Equatable {
    public var pid: Int32
    public var ppid: Int32
    public var tid: Int32
    public var ptid: Int32
    public var time: UInt64
}

public struct KsymbolRecord: Sendable, Equatable {
    public var address: UInt64
    public var length: UInt32
    public var type: UInt16
    public var flags: UInt16
    public var name: String
}

extension RawRecord {
    /// Body without the `sample_id_all` trailer, so variable-length names end where they should.
    func payload(_ file: PerfFile) -> ByteCursor {
        let idx = file.eventIndex(of: self)
        guard !file.events.isEmpty else { return body }
        let l = file.events[idx].layout
        guard l.sampleIDAll, l.trailerSize <= body.count else { return body }
        return (try? body.slice(0..<(body.count - l.trailerSize))) ?? body
    }
}

extension PerfFile {
    public func mmap(_ rec: RawRecord) throws(PerfDataError) -> MmapRecord {
        var c = rec.payload(self)
        do throws(ReadError) {
            let what = rec.type == .mmap2 ? "MMAP2" : "MMAP"
            var m = MmapRecord(
                pid: try c.i32(what + ".pid"), tid: try c.i32(what + ".tid"), start: try c.u64(what + ".addr"),
                length: try c.u64(what + ".len"), pageOffset: try c.u64(what + ".pgoff"), filename: "",
                cpuMode: rec.cpuMode, isExecutable: true)
            if rec.type == .mmap2 {
                if rec.misc & (1 << 14) != 0 {
                    let size = Int(try c.u8("MMAP2.build_id_size"))
                    try c.skip(3)
                    let raw = try c.bytes(20, "MMAP2.build_id")
                    var hex = ""
                    for b in raw[0..<min(size, 20)] { hex += String(format2: b) }
                    m.buildID = hex
                } else {
                    m.major = try c.u32("MMAP2.maj")
                    m.minor = try c.u32("MMAP2.min")
                    m.inode = try c.u64("MMAP2.ino")
                    _ = try c.u64("MMAP2.ino_generation")
                }
                m.prot = try c.u32("MMAP2.prot")
                m.flags = try c.u32("MMAP2.flags")
                m.isExecutable = m.prot & 4 != 0
            } else {
                // PERF_RECORD_MISC_MMAP_DATA marks non-executable maps.
                m.isExecutable = rec.misc & (1 << 13) == 0
            }
            m.filename = try c.paddedString(c.remaining, what + ".filename")
            return m
        } catch {
            throw PerfDataError(path: path, error)
        }
    }

    public func comm(_ rec: RawRecord) throws(PerfDataError) -> CommRecord {
        var c = rec.payload(self)
        do throws(ReadError) {
            return CommRecord(pid: try c.i32("COMM.pid"), tid: try c.i32("COMM.tid"),
                              comm: try c.paddedString(c.remaining, "COMM.comm"), isExec: rec.misc & (1 << 13) != 0)
        } catch {
            throw PerfDataError(path: path, error)
        }
    }

    public func task(_ rec: RawRecord) throws(PerfDataError) -> TaskRecord {
        var c = rec.body
        do throws(ReadError) {
            return TaskRecord(
                pid: try c.i32("FORK/EXIT.pid"), ppid: try c.i32("FORK/EXIT.ppid"), tid: try c.i32("FORK/EXIT.tid"),
                ptid: try c.i32("FORK/EXIT.ptid"), time: try c.u64("FORK/EXIT.time"))
        } catch {
            throw PerfDataError(path: path, error)
        }
    }

    public func ksymbol(_ rec: RawRecord) throws(PerfDataError) -> KsymbolRecord {
        var c = rec.payload(self)
        do throws(ReadError) {
            return KsymbolRecord(address: try c.u64("KSYMBOL.addr"), length: try c.u32("KSYMBOL.len"),
                                 type: try c.u16("KSYMBOL.type"), flags: try c.u16("KSYMBOL.flags"),
                                 name: try c.paddedString(c.remaining, "KSYMBOL.name"))
        } catch {
            throw PerfDataError(path: path, error)
        }
    }

    /// LOST (lost count) or LOST_SAMPLES.
    public func lostCount(_ rec: RawRecord) -> UInt64 {
        switch rec.type {
        case .lost: return (try? rec.body.peekU64(at: 8)) ?? 0
        case .lostSamples: return (try? rec.body.peekU64(at: 0)) ?? 0
        default: return 0
        }
    }
}
