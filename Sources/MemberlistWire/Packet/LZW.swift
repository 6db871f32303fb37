/// LZW exactly as Go's `compress/lzw` with LSB bit order and 8-bit literals, which memberlist uses for its
/// `compress` messages: codes start 9 bits wide (clear 256, end 257, first free 258) and grow to 12; the writer
/// starts with a clear code, emits a clear when the 12-bit table is full, and always ends with the end code.
public enum LZW {
    static let clearCode: UInt32 = 256
    static let endCode: UInt32 = 257
    static let maximumWidth: UInt32 = 12
    static let maximumCode: UInt32 = 1 << 12 - 1

    /// `input` compressed; Go's `lzw.NewReader(…, lzw.LSB, 8)` inflates it back.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        var writer = CodeWriter(capacity: input.count / 2 + 8)
        writer.write(clearCode)
        guard var code = input.first.map(UInt32.init) else {
            writer.write(endCode)
            return writer.finish()
        }
        // Open-addressed table of (prefix code << 8 | literal) -> code, as Go's writer keeps it.
        let tableMask = UInt32(CodeWriter.tableSize - 1)
        var index = 1
        outer: while index < input.count {
            let literal = UInt32(input[index])
            index += 1
            let key = code << 8 | literal
            var hash = (key >> 12 ^ key) & tableMask
            var slot = hash
            while writer.table[Int(slot)] != CodeWriter.emptySlot {
                if key == writer.table[Int(slot)] >> 12 {
                    code = writer.table[Int(slot)] & maximumCode
                    continue outer
                }
                slot = (slot + 1) & tableMask
            }
            writer.write(code)
            code = literal
            guard writer.incrementHighest() else { continue }
            while writer.table[Int(hash)] != CodeWriter.emptySlot { hash = (hash + 1) & tableMask }
            writer.table[Int(hash)] = key << 12 | writer.highest
        }
        writer.write(code)
        _ = writer.incrementHighest()
        writer.write(endCode)
        return writer.finish()
    }

    /// The encoder's state: the bit packer and the code table.
    struct CodeWriter {
        static let tableSize = 4 * 1 << 12
        static let emptySlot = UInt32.max

        var output: [UInt8] = []
        var table = [UInt32](repeating: emptySlot, count: tableSize)
        var bits: UInt32 = 0
        var bitCount: UInt32 = 0
        var width: UInt32 = 9
        var highest = LZW.endCode
        var overflow: UInt32 = 1 << 9

        init(capacity: Int) {
            output.reserveCapacity(capacity)
        }

        mutating func write(_ code: UInt32) {
            bits |= code << bitCount
            bitCount += width
            while bitCount >= 8 {
                output.append(UInt8(truncatingIfNeeded: bits))
                bits >>= 8
                bitCount -= 8
            }
        }

        /// Go's `incHi`: returns `false` when the table was full and has been cleared.
        mutating func incrementHighest() -> Bool {
            highest += 1
            if highest == overflow {
                width += 1
                overflow <<= 1
            }
            guard highest == LZW.maximumCode else { return true }
            write(LZW.clearCode)
            width = 9
            highest = LZW.endCode
            overflow = 1 << 9
            for index in table.indices { table[index] = Self.emptySlot }
            return false
        }

        mutating func finish() -> [UInt8] {
            if bitCount > 0 { output.append(UInt8(truncatingIfNeeded: bits)) }
            return output
        }
    }

    /// `input` inflated, as Go's reader does, refusing more than `limit` bytes of output, codes beyond the
    /// table and input that ends without the end code.
    public static func decompress(_ input: [UInt8], limit: Int) throws(WireError) -> [UInt8] {
        try decompress(input[...], limit: limit)
    }

    /// `input` inflated; see ``decompress(_:limit:)-([UInt8],_)``.
    public static func decompress(_ input: ArraySlice<UInt8>, limit: Int) throws(WireError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, input.count * 3))
        var prefix = [UInt16](repeating: 0, count: 1 << 12)
        var suffix = [UInt8](repeating: 0, count: 1 << 12)
        var scratch = [UInt8](repeating: 0, count: 1 << 12)
        var bits: UInt32 = 0
        var bitCount: UInt32 = 0
        var width: UInt32 = 9
        var highest = endCode
        var overflow: UInt32 = 1 << 9
        var last: UInt32? = nil
        var next = input.startIndex

        while true {
            while bitCount < width {
                guard next < input.endIndex else { throw .corruptCompressedData("no end-of-data code") }
                bits |= UInt32(input[next]) << bitCount
                next += 1
                bitCount += 8
            }
            let code = bits & (1 << width - 1)
            bits >>= width
            bitCount -= width
            if code == clearCode {
                width = 9
                highest = endCode
                overflow = 1 << 9
                last = nil
                continue
            }
            if code == endCode { return output }
            // Expand the code into scratch (back to front), as Go's reader does.
            var position = scratch.count
            if code < clearCode {
                position -= 1
                scratch[position] = UInt8(code)
                if let last {
                    suffix[Int(highest)] = UInt8(code)
                    prefix[Int(highest)] = UInt16(last)
                }
            } else if code <= highest {
                var current = code
                if code == highest, let last {
                    // The KwKwK case: the new entry is last's string plus its own first byte.
                    current = last
                    var first = last
                    while first >= clearCode { first = UInt32(prefix[Int(first)]) }
                    position -= 1
                    scratch[position] = UInt8(first)
                }
                while current >= clearCode {
                    position -= 1
                    scratch[position] = suffix[Int(current)]
                    current = UInt32(prefix[Int(current)])
                }
                position -= 1
                scratch[position] = UInt8(current)
                if let last {
                    suffix[Int(highest)] = scratch[position]
                    prefix[Int(highest)] = UInt16(last)
                }
            } else {
                throw .corruptCompressedData("code \(code) beyond the table (\(highest))")
            }
            guard output.count + (scratch.count - position) <= limit else { throw .decompressedTooLarge(limit: limit) }
            for index in position..<scratch.count { output.append(scratch[index]) }
            last = code
            highest += 1
            if highest >= overflow {
                if width == maximumWidth {
                    last = nil
                    highest -= 1
                } else {
                    width += 1
                    overflow <<= 1
                }
            }
        }
    }
}
