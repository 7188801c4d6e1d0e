import BinaryIO
#if canImport(FoundationEssentials)
import FoundationEssentials  // not Foundation: see MaxStack.swift in the stackfold target
#else
import Foundation
#endif
import SwiftProtobuf

/// A pprof input that cannot be read: names the input and what is wrong, as one line.
public struct PprofError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
    public var description: String { "\(path): \(message)" }
}

/// A pprof profile (google/pprof's profile.proto, as Go's runtime/pprof writes it), checked as
/// google/pprof checks it and resolved to names: one Location's frames innermost first, a sample's
/// Locations leaf first, as the format stores them.
public struct PprofProfile: Sendable {
    /// A sample type or the period type: `cpu`/`nanoseconds`, `alloc_space`/`bytes`, `samples`/`count`.
    public struct ValueType: Sendable, Equatable, CustomStringConvertible {
        public var type: String
        public var unit: String
        public init(type: String, unit: String) {
            self.type = type
            self.unit = unit
        }
        public var description: String { "\(type)/\(unit)" }
    }

    public let sampleTypes: [ValueType]
    /// `default_sample_type` by name, when the profile sets one.
    public let defaultSampleType: String?
    public let periodType: ValueType?
    public let period: Int64
    public let timeNanos: Int64
    public let durationNanos: Int64
    /// The main binary (`mapping[0]`'s file name), when there is one.
    public let mainBinary: String?
    /// Frame names, as pprof's `-top` names functions (a function's name; `[binary]` for frames without one).
    public let names: [String]
    /// Per Location (by index): its frames as name ids, innermost (inlined) first.
    let locations: [[UInt32]]
    /// Per sample: its Locations (indexes into `locations`), leaf first.
    let sampleLocations: [[Int32]]
    /// Per sample: one value per sample type.
    let sampleValues: [[Int64]]
    /// Locations without any function (a profile not symbolized, as perf_to_profile writes them).
    public let unsymbolizedLocations: Int

    public var sampleCount: Int { sampleLocations.count }

    /// The most memory a profile may take to decode (bounded from its size and element counts before
    /// anything is allocated): a hostile profile's counts cannot take the machine's memory.
    public static let defaultMemoryLimit = 4 << 30

    /// Whether `bytes` (decompressed) are a profile.proto message: every top-level field a Profile
    /// field, a sample type and a string table present. Other inputs fail at their first bytes.
    public static func isProfile(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let s = try? ProtoScan(bytes) else { return false }
        return s.fieldCounts[1] > 0 && s.fieldCounts[6] > 0
    }

    /// A profile, or data that starts as one (a sample type among at least 3 Profile fields before
    /// the first byte that cannot be one): a cut or damaged profile is then reported as a profile,
    /// not as some other format. Text fails at its first bytes.
    public static func looksLikeProfile(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let s = ProtoScan.prefix(bytes)
        return isProfile(bytes) || (s.fieldCounts[1] > 0 && s.fieldCounts.reduce(0, &+) >= 3)
    }

    /// Reads a profile from its (decompressed) bytes; `path` names it in errors.
    public init(bytes: UnsafeRawBufferPointer, path: String, memoryLimit: Int = defaultMemoryLimit) throws(PprofError) {
        func fail(_ m: String) -> PprofError { PprofError(path: path, message: "not a valid pprof profile: \(m)") }
        let scan: ProtoScan
        do { scan = try ProtoScan(bytes) } catch { throw fail(error.description) }
        guard scan.decodedBytesBound <= memoryLimit else {
            throw fail("\(bytes.count >> 20) MiB with \(scan.elements) samples, locations, functions and strings could take up to \(scan.decodedBytesBound >> 20) MiB to read, over the \(memoryLimit >> 20) MiB allowed")
        }
        let p: Perftools_Profiles_Profile
        do {
            let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!),
                            count: bytes.count, deallocator: .none)
            var options = BinaryDecodingOptions()
            options.discardUnknownFields = true
            p = try Perftools_Profiles_Profile(serializedBytes: data, options: options)
        } catch { throw fail("protobuf: \(error)") }
        do throws(ProfileCheck.Failure) {
            let r = try ProfileCheck(p).resolve()
            sampleTypes = r.sampleTypes
            defaultSampleType = r.defaultSampleType
            periodType = r.periodType
            names = r.names
            locations = r.locations
            sampleLocations = r.sampleLocations
            sampleValues = r.sampleValues
            mainBinary = r.mainBinary
            unsymbolizedLocations = r.unsymbolized
        } catch { throw fail(error.message) }
        period = p.period
        timeNanos = p.timeNanos
        durationNanos = p.durationNanos
    }

    /// The sample type chosen as pprof's `-sample_index` chooses it: an index, or a type name (`inuse_`
    /// may be left off); nil or empty: `default_sample_type`, else the last type.
    public func sampleIndex(_ choice: String?) throws(PprofError) -> Int {
        let names = sampleTypes.map(\.type)
        guard let choice, !choice.isEmpty else {
            if let d = defaultSampleType, let i = names.firstIndex(of: d) { return i }
            return sampleTypes.count - 1
        }
        if let i = Int(choice) {
            guard i >= 0, i < sampleTypes.count else {
                throw PprofError(path: "--sample-index", message: "\(choice) is outside the range [0..\(sampleTypes.count - 1)] of this profile's sample types (\(names.joined(separator: ", ")))")
            }
            return i
        }
        let noInuse = choice.hasPrefix("inuse_") ? String(choice.dropFirst(6)) : choice
        if let i = names.firstIndex(where: { $0 == choice || $0 == noInuse }) { return i }
        throw PprofError(path: "--sample-index", message: "\(choice) is not a sample type of this profile; one of: \(names.joined(separator: ", ")) (or an index from 0)")
    }
}
