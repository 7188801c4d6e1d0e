/// A frame name made safe for folded text (see `foldedName`), for the other inputs' readers.
public func foldedFrameName(_ name: String) -> [UInt8] { foldedName(Array(name.utf8)) }
