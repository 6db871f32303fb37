import GossipCore
import Testing

@Suite("CRC-32")
struct CRC32Tests {
    @Test("the check value of the IEEE polynomial, and the empty input")
    func knownValues() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        // Long enough to be folded where the processor folds.
        let zeros = [UInt8](repeating: 0, count: 1_000)
        #expect(CRC32.checksum(zeros) == zeros.withUnsafeBytes { CRC32.tableChecksum($0) })
    }

    @Test("folding (where the processor has it) agrees with the tables on every length and alignment")
    func foldingAgreesWithTables() {
        var rng = SeededRandom(seed: 32)
        let bytes = (0..<4_200).map { _ in UInt8.random(in: 0...255, using: &rng) }
        bytes.withUnsafeBytes { buffer in
            for length in Array(0..<300) + [1_000, 1_023, 1_024, 1_400, 4_096] {
                for offset in [0, 1, 3, 8, 13] {
                    let slice = UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + length)])
                    #expect(CRC32.checksum(slice) == CRC32.tableChecksum(slice), "length \(length), offset \(offset)")
                }
            }
        }
    }
}
