import MemberlistWire
import NodeCore
import Serf
import SWIM

/// The receive path a datagram or a stream takes, fed with arbitrary bytes: decryption (the first input byte
/// chooses whether a keyring is set), CRC, decompression, compound parts, message decoding, and the Serf
/// messages, broadcast-tree messages and coordinates inside. Any trap, hang or runaway allocation is a finding.
let keyring = try! Keyring(keys: [Array(repeating: 7, count: 16), Array(repeating: 9, count: 32)])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let mode = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var packets = PacketCodec(keyring: mode & 1 == 1 ? keyring : nil)
    packets.requireEncryption = mode & 2 == 2
    if let packet = try? packets.decode(bytes) {
        for message in packet.messages {
            switch message {
            case .user(let payload):
                _ = try? SerfMessage(decoding: payload)
                _ = try? TreeWire.decode(payload)
            case .ack(let ack): _ = try? SerfCoordinate(decoding: ack.payload)
            case .alive(let alive): _ = try? SerfTags.decode(alive.metadata)
            default: break
            }
        }
    }
    var streams = StreamCodec(keyring: mode & 4 == 4 ? keyring : nil)
    streams.maximumStreamSize = 1 << 20
    if case .pushPull(let state)? = try? streams.decode(bytes)?.message {
        _ = try? SerfMessage(decoding: state.userState)
    }
    _ = try? LZW.decompress(bytes, limit: 1 << 20)
    return 0
}

/// libFuzzer's entry point for programs that have their own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// The executable's `main` (SwiftPM links an executable target's entry point under this name).
@_cdecl("WireFuzzer_main")
func fuzzerMain(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzz)
}
