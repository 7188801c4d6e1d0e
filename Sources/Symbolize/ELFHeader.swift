// The ELF file header, read once for both readers of ELF files: `ELFFile` (mapped) and `ELFProbe` (a
// 64-byte pread), so that a folder scan accepts exactly the files `ELFFile` opens.
import BinaryIO

/// The fields of a 64-bit ELF file header that stackfold reads.
struct ELFHeader {
    var order: ByteOrder
    var type: UInt16
    var machine: UInt16
    var phoff: UInt64
    var shoff: UInt64
    var phentsize: Int
    var phnum: Int
    var shentsize: Int
    var shnum: Int
    var shstrndx: Int

    /// Reads the header at the start of `c` (which ends in the file's byte order): 64-bit ELF of either
    /// byte order only.
    static func read(_ c: inout ByteCursor) throws(ReadError) -> ELFHeader {
        let magic = try c.bytes(4, "ELF magic")
        guard magic.elementsEqual([0x7f, 0x45, 0x4c, 0x46]) else {
            throw ReadError(.invalid("not an ELF file (expected \\x7fELF)"), offset: 0, what: "ELF magic")
        }
        let cls = try c.u8("EI_CLASS")
        let data = try c.u8("EI_DATA")
        guard cls == 2 else {
            throw ReadError(.invalid("only 64-bit ELF is supported (EI_CLASS \(cls))"), offset: 4, what: "EI_CLASS")
        }
        guard data == 1 || data == 2 else {
            throw ReadError(.invalid("EI_DATA \(data) is neither 1 nor 2"), offset: 5, what: "EI_DATA")
        }
        let order: ByteOrder = data == 1 ? .little : .big
        c.setOrder(order)
        try c.seek(to: 16)
        let type = try c.u16("e_type")
        let machine = try c.u16("e_machine")
        _ = try c.u32("e_version")
        _ = try c.u64("e_entry")
        let phoff = try c.u64("e_phoff")
        let shoff = try c.u64("e_shoff")
        _ = try c.u32("e_flags")
        _ = try c.u16("e_ehsize")
        let phentsize = Int(try c.u16("e_phentsize"))
        let phnum = Int(try c.u16("e_phnum"))
        let shentsize = Int(try c.u16("e_shentsize"))
        let shnum = Int(try c.u16("e_shnum"))
        let shstrndx = Int(try c.u16("e_shstrndx"))
        return ELFHeader(
            order: order, type: type, machine: machine, phoff: phoff, shoff: shoff,
            phentsize: phentsize, phnum: phnum, shentsize: shentsize, shnum: shnum, shstrndx: shstrndx)
    }

    /// Program headers announced and their entries too small or starting outside a file of `size` bytes.
    func programHeadersRefused(fileSize size: UInt64) -> Bool { phnum > 0 && (phentsize < 56 || phoff >= size) }

    /// Section headers announced and their entries too small or starting outside a file of `size` bytes.
    func sectionHeadersRefused(fileSize size: UInt64) -> Bool { shnum > 0 && (shentsize < 64 || shoff >= size) }
}
