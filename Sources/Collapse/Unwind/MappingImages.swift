// The binary of a mapping for the repair and the unwinder, by the mapping's small id: `image(for:)` keys its
// cache by a String it builds (path and build-id) and hashes, about 2,700 instructions a call, which the
// repair paid for every new (leaf, next) pair and the unwinder for every new PC. The answer of
// `image(for:)` depends only on the mapping's path and build-id (its first answer is kept), so a slot
// remembers both and is used only for a mapping that has the same: a model of another file reusing ids
// gets its own answer.
import PerfData
import Symbolize

struct MappingImages {
    struct Slot {
        var filename: String
        var buildID: String?
        var image: BinaryImage?
    }

    /// Indexed by `Mapping.id` (ids count the model's mappings, so the array grows with the input).
    private var slots: [Slot?] = []

    /// The slot's image when it holds `m`'s binary (`.some(nil)`: none), nil when not yet asked.
    @inline(__always) func find(_ m: Mapping) -> BinaryImage?? {
        guard m.id >= 0, m.id < slots.count, let s = slots[m.id], s.filename == m.filename, s.buildID == m.buildID
        else { return nil }
        return .some(s.image)
    }

    mutating func insert(_ m: Mapping, _ image: BinaryImage?) {
        guard m.id >= 0 else { return }
        if m.id >= slots.count { slots += repeatElement(nil, count: m.id + 1 - slots.count) }
        slots[m.id] = Slot(filename: m.filename, buildID: m.buildID, image: image)
    }
}

extension PerfCollapser {
    /// `image(for:)`, looked up by mapping id first.
    mutating func mappedImage(_ m: Mapping) -> BinaryImage? {
        if let known = stackTruth.images.find(m) { return known }
        let img = image(for: m)
        stackTruth.images.insert(m, img)
        return img
    }

    /// `nodeNames`' key for a user address named from a Go binary's pclntab (as `symbolizedFrames` names
    /// it: the same image, file address and lookup address); nil for any other.
    mutating func goNodeKey(_ address: UInt64, mapping m: Mapping, exact: Bool) -> NodeKey? {
        guard !m.isKernel, !m.isJITMap, let img = mappedImage(m),
              let vaddr = img.elf.virtualAddress(ofFileOffset: m.fileOffset(of: address)),
              let node = img.goFrameNode(at: vaddr, isReturnAddress: !exact) else { return nil }
        return NodeKey(image: ObjectIdentifier(img), node: node, exact: exact)
    }
}
