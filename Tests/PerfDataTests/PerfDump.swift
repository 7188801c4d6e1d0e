import Foundation
@testable import PerfData

/// What `perf report -D` says about a capture: every record's offset, size and type in file order,
/// and every sample's fields. Parsed from the dump committed beside each fixture.
struct PerfDump {
    struct Record: Equatable, CustomStringConvertible {
        var offset: Int
        var size: Int
        var type: UInt32
        var description: String { "type \(type) at 0x\(String(offset, radix: 16)) [\(size)]" }
    }
    struct Sample: Equatable {
        var offset: Int
        var time: UInt64?
        var cpu: UInt32?
        var misc: UInt16
        var pid: Int32
        var tid: Int32
        var ip: UInt64
        var period: UInt64
        var chain: [UInt64]
        var userStackSize: Int?
    }
    var records: [Record] = []
    var samples: [Sample] = []

    init(contentsOf url: URL) throws {
        self.init(text: try String(contentsOf: url, encoding: .utf8))
    }

    init(text: String) {
        var current: Sample?
        // Whether `.....` lines are callchain entries (after `... FP chain: nr:N`), not a branch stack's.
        var inChain = false
        func finish() {
            if let s = current { samples.append(s) }
            current = nil
        }
        for lineSub in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(lineSub)
            if line.hasPrefix("...") && !line.hasPrefix(".....") {
                inChain = line.hasPrefix("... FP chain:") || line.hasPrefix("... chain:")
            }
            if line.hasPrefix(".....") {
                // `.....  3: 00000000004c8fe3`
                if inChain, let colon = line.firstIndex(of: ":"), current != nil {
                    let hex = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    current!.chain.append(UInt64(hex, radix: 16)!)
                }
                continue
            }
            if line.hasPrefix("... ustack: size ") {
                let rest = line.dropFirst("... ustack: size ".count)
                current?.userStackSize = Int(rest.prefix { $0.isNumber })
                continue
            }
            if line.hasPrefix("0x") || line.hasPrefix("0@"), let r = line.range(of: "]: event: ") {
                // `0x5a20@file [0x80]: event: 10`
                finish()
                let head = line[..<r.lowerBound]
                let parts = head.split(separator: " ")
                let off = parts[0].split(separator: "@")[0].dropFirst(parts[0].hasPrefix("0x") ? 2 : 0)
                let size = parts[1].dropFirst(3)
                records.append(Record(offset: Int(off, radix: 16)!, size: Int(size, radix: 16)!,
                                      type: UInt32(line[r.upperBound...])!))
                continue
            }
            if let r = line.range(of: ": PERF_RECORD_SAMPLE(") {
                finish()
                // `[cpu] [time] 0xOFF [0xSIZE]: PERF_RECORD_SAMPLE(IP, 0xMISC): PID/TID: 0xIP period: P addr: A`
                let head = line[..<r.lowerBound].split(separator: " ")
                let nums = head.prefix { !$0.hasPrefix("0x") }
                let off = Int(head[nums.count].dropFirst(2), radix: 16)!
                var time: UInt64?
                var cpu: UInt32?
                if nums.count == 2 {
                    cpu = UInt32(nums[0])
                    time = UInt64(nums[1])
                } else if nums.count == 1 {
                    time = UInt64(nums[0])
                }
                let tail = line[r.upperBound...]
                let fields = tail.split(separator: " ")
                // fields: "IP,", "0x2):", "PID/TID:", "0xIP", "period:", "P", "addr:", "A"
                let misc = UInt16(fields[1].dropFirst(2).dropLast(2), radix: 16)!
                let pt = fields[2].dropLast().split(separator: "/")
                current = Sample(offset: off, time: time, cpu: cpu, misc: misc, pid: Int32(pt[0])!, tid: Int32(pt[1])!,
                                 ip: UInt64(fields[3].dropFirst(2), radix: 16)!, period: UInt64(fields[5])!, chain: [])
                continue
            }
            if !line.hasPrefix("...") && !line.hasPrefix(" ...") { finish() }
        }
        finish()
    }
}

extension PerfDump.Sample {
    /// Sample `s`, of the record at `offset`, as `perf report -D` prints it: the fields its event records.
    init(_ s: Sample, offset: Int, file: PerfFile) {
        let t = file.events[s.eventIndex].layout.type
        self.init(
            offset: offset, time: t.contains(.time) ? s.time : nil,
            cpu: t.contains(.cpu) ? s.cpu : nil, misc: s.misc, pid: s.pid, tid: s.tid, ip: s.ip, period: s.period,
            chain: Array(s.callchain), userStackSize: t.contains(.stackUser) ? s.userStack.count : nil)
    }
}
