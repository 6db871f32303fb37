/// The first byte of every memberlist message (spec §1.3).
public enum MessageType: UInt8, Sendable, Hashable, CaseIterable {
    /// A probe (UDP, or a stream ping over TCP).
    case ping = 0
    /// A request to probe on the sender's behalf.
    case indirectPing = 1
    /// A probe answer.
    case ack = 2
    /// An accusation.
    case suspect = 3
    /// An announcement of life.
    case alive = 4
    /// A death or leave notice.
    case dead = 5
    /// A full state exchange (streams only).
    case pushPull = 6
    /// Several messages in one datagram.
    case compound = 7
    /// Opaque application (Serf) bytes.
    case user = 8
    /// An LZW-compressed message.
    case compress = 9
    /// An encrypted stream message (UDP encryption has no type byte).
    case encrypt = 10
    /// An indirect prober's report of silence.
    case nack = 11
    /// A CRC-32-protected packet.
    case hasCRC = 12
    /// An error answer on a stream.
    case error = 13
}
