/// A strict reader of the agent's JSON configuration file that says where a mistake is.
///
/// Foundation's reader answers a syntax error with no position, takes the last of two equal keys silently and
/// reads `1` as `true`; an operator deserves the line and column, a refusal of duplicate keys, and a type error
/// for a number where a flag belongs. This reads RFC 8259 JSON into a ``Value`` that keeps each value's kind.
enum ConfigurationJSON {
    /// A JSON value.
    indirect enum Value: Equatable {
        case object([(key: String, value: Value)])
        case array([Value])
        case string(String)
        case number(Double)
        case bool(Bool)
        case null

        static func == (left: Value, right: Value) -> Bool {
            switch (left, right) {
            case (.object(let a), .object(let b)):
                a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            case (.array(let a), .array(let b)): a == b
            case (.string(let a), .string(let b)): a == b
            case (.number(let a), .number(let b)): a == b
            case (.bool(let a), .bool(let b)): a == b
            case (.null, .null): true
            default: false
            }
        }
    }

    /// A syntax error at a line and column (both from 1).
    struct SyntaxError: Error, CustomStringConvertible {
        var line: Int
        var column: Int
        var message: String
        var description: String { "line \(line), column \(column): \(message)" }
    }

    /// Reads one JSON value that fills `text` (white space around it allowed).
    static func parse(_ text: String) throws(SyntaxError) -> Value {
        var reader = Reader(bytes: Array(text.utf8))
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.position == reader.bytes.count else { throw reader.error("unexpected text after the value") }
        return value
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        func error(_ message: String, at offset: Int? = nil) -> SyntaxError {
            let end = min(offset ?? position, bytes.count)
            var line = 1
            var lineStart = 0
            for index in 0..<end where bytes[index] == UInt8(ascii: "\n") {
                line += 1
                lineStart = index + 1
            }
            let column = String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1
            return SyntaxError(line: line, column: column, message: message)
        }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
        }

        mutating func expect(_ character: Character, _ what: String) throws(SyntaxError) {
            guard current == character.asciiValue else {
                throw error(current == nil ? "the file ends where \(what) was expected" : "expected \(what)")
            }
            position += 1
        }

        mutating func value(depth: Int) throws(SyntaxError) -> Value {
            guard depth < 64 else { throw error("values nested deeper than 64 levels") }
            switch current {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case let byte? where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte): return try number()
            case nil: throw error("the file ends where a value was expected")
            default: throw error("expected a value (an object, array, string, number, true, false or null)")
            }
        }

        mutating func literal(_ word: String, _ value: Value) throws(SyntaxError) -> Value {
            let expected = Array(word.utf8)
            guard bytes.count - position >= expected.count,
                Array(bytes[position..<(position + expected.count)]) == expected
            else { throw error("expected a value (an object, array, string, number, true, false or null)") }
            position += expected.count
            return value
        }

        mutating func object(depth: Int) throws(SyntaxError) -> Value {
            position += 1
            var entries: [(key: String, value: Value)] = []
            var seen: [String: Int] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object([])
            }
            while true {
                skipWhitespace()
                let keyOffset = position
                guard current == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
                let key = try string()
                if let first = seen[key] {
                    let firstLine = error("", at: first).line
                    throw error("duplicate key '\(key)' (first given on line \(firstLine))", at: keyOffset)
                }
                seen[key] = keyOffset
                skipWhitespace()
                try expect(":", "':' after the key '\(key)'")
                skipWhitespace()
                entries.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect("}", "',' or '}' after the value of '\(key)'")
                return .object(entries)
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> Value {
            position += 1
            var elements: [Value] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return .array([])
            }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                if current == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect("]", "',' or ']' after an array element")
                return .array(elements)
            }
        }

        mutating func string() throws(SyntaxError) -> String {
            let start = position
            position += 1
            var scalars = String.UnicodeScalarView()
            var run = position
            func flush(_ end: Int) { scalars += String(decoding: bytes[run..<end], as: UTF8.self).unicodeScalars }
            while true {
                guard let byte = current else { throw error("a string that is never closed", at: start) }
                if byte == UInt8(ascii: "\"") {
                    flush(position)
                    position += 1
                    return String(scalars)
                }
                if byte < 0x20 { throw error("a control character inside a string (write it as an escape)") }
                if byte == UInt8(ascii: "\\") {
                    flush(position)
                    position += 1
                    guard let escaped = current else { throw error("a string that is never closed", at: start) }
                    position += 1
                    switch escaped {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"): scalars.append(try unicodeEscape())
                    default: throw error("an unknown escape '\\\(Character(UnicodeScalar(escaped)))'", at: position - 2)
                    }
                    run = position
                    continue
                }
                position += 1
            }
        }

        mutating func hexQuad() throws(SyntaxError) -> UInt32 {
            guard bytes.count - position >= 4,
                let value = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16)
            else { throw error("\\u must be followed by four hexadecimal digits") }
            position += 4
            return value
        }

        mutating func unicodeEscape() throws(SyntaxError) -> Unicode.Scalar {
            let high = try hexQuad()
            if (0xD800...0xDBFF).contains(high) {
                guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else { throw error("a lone surrogate in a \\u escape") }
                position += 2
                let low = try hexQuad()
                guard (0xDC00...0xDFFF).contains(low),
                    let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                else { throw error("a lone surrogate in a \\u escape") }
                return scalar
            }
            guard let scalar = Unicode.Scalar(high) else { throw error("a lone surrogate in a \\u escape") }
            return scalar
        }

        mutating func number() throws(SyntaxError) -> Value {
            let start = position
            let allowed = Set("+-.eE0123456789".utf8)
            while let byte = current, allowed.contains(byte) { position += 1 }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            let grammar = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/
            guard text.wholeMatch(of: grammar) != nil, let number = Double(text) else {
                throw error("'\(text)' is not a JSON number", at: start)
            }
            return .number(number)
        }
    }
}
