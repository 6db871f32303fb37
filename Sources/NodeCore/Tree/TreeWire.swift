import Broadcast
import MemberlistWire

/// How the broadcast tree's messages travel between swift-gossip nodes: inside a memberlist `user` message, after
/// one leading byte that neither Serf's messages (0–9) nor the store's (200–202) use, as a MessagePack array:
/// the sender's name, the message's type, then its fields. A message that fits a datagram goes by UDP, a larger
/// one (a payload of up to 64 KiB) over a stream. Serf agents are never sent these.
public enum TreeWire {
    /// The leading byte.
    public static let kind: UInt8 = 203
    /// The most peers a shuffle sample may carry, and the most announcements in one `IHAVE`: a message over
    /// either is malformed.
    public static let maximumListCount = 4_096

    /// A message of the tree or its overlay, with the member that sent it.
    public typealias Message = Broadcast.BroadcastNode<String>.Message

    /// The message types: the overlay's from 0, the tree's from 16.
    enum MessageType: UInt8 {
        case join = 0
        case forwardJoin
        case joinAccepted
        case neighbor
        case neighborReply
        case disconnect
        case shuffle
        case shuffleReply
        case gossip = 16
        case ihave
        case graft
        case prune
    }

    /// Whether `payload` (a `user` message) is the tree's.
    public static func isTree(_ payload: [UInt8]) -> Bool { payload.first == kind }

    /// `message` from `sender`, with its leading byte.
    public static func encode(_ message: Message, from sender: String) -> [UInt8] {
        var writer = MessagePackWriter(style: .goMsgpackRaw)
        writer.writeRaw([kind])
        func header(_ type: MessageType, fields: Int) {
            writer.writeArrayHeader(2 + fields)
            writer.writeString(sender)
            writer.writeUnsigned(UInt64(type.rawValue))
        }
        func id(_ id: Broadcast.Plumtree<String>.MessageID) {
            writer.writeString(id.origin)
            writer.writeUnsigned(id.sequence)
        }
        func peers(_ peers: [String]) {
            writer.writeArrayHeader(peers.count)
            for peer in peers { writer.writeString(peer) }
        }
        switch message {
        case .overlay(let overlay):
            switch overlay {
            case .join: header(.join, fields: 0)
            case .forwardJoin(let node, let ttl):
                header(.forwardJoin, fields: 2)
                writer.writeString(node)
                writer.writeSigned(Int64(ttl))
            case .joinAccepted: header(.joinAccepted, fields: 0)
            case .neighbor(let urgent):
                header(.neighbor, fields: 1)
                writer.writeBool(urgent)
            case .neighborReply(let accepted):
                header(.neighborReply, fields: 1)
                writer.writeBool(accepted)
            case .disconnect: header(.disconnect, fields: 0)
            case .shuffle(let origin, let ttl, let sample):
                header(.shuffle, fields: 3)
                writer.writeString(origin)
                writer.writeSigned(Int64(ttl))
                peers(sample)
            case .shuffleReply(let sample):
                header(.shuffleReply, fields: 1)
                peers(sample)
            }
        case .tree(let tree):
            switch tree {
            case .gossip(let messageID, let round, let payload):
                header(.gossip, fields: 4)
                id(messageID)
                writer.writeSigned(Int64(round))
                writer.writeBytes(payload)
            case .ihave(let announcements):
                header(.ihave, fields: 1)
                writer.writeArrayHeader(announcements.count)
                for announcement in announcements {
                    writer.writeArrayHeader(3)
                    id(announcement.id)
                    writer.writeSigned(Int64(announcement.round))
                }
            case .graft(let messageID, let round):
                header(.graft, fields: 3)
                id(messageID)
                writer.writeSigned(Int64(round))
            case .prune: header(.prune, fields: 0)
            }
        }
        return writer.bytes
    }

    /// The sender and message of `payload` (with its leading byte).
    ///
    /// - Throws: `WireError` when it is not a well-formed tree message.
    public static func decode(_ payload: [UInt8]) throws(WireError) -> (sender: String, message: Message) {
        guard payload.first == kind else { throw .invalidField(name: "tree message", reason: "not its leading byte") }
        var reader = MessagePackReader(payload, range: 1..<payload.count)
        let fields = try reader.readArrayHeader()
        guard fields >= 2 else {
            throw .invalidField(name: "tree message", reason: "a header of fewer than two fields")
        }
        let sender = try reader.readString()
        guard let type = MessageType(rawValue: UInt8(clamping: try reader.readUnsigned())) else {
            throw .invalidField(name: "tree message", reason: "an unknown type")
        }
        func count(_ expected: Int) throws(WireError) {
            guard fields == 2 + expected else {
                throw .invalidField(name: "tree message", reason: "the wrong number of fields for its type")
            }
        }
        func integer() throws(WireError) -> Int {
            let value = try reader.readSigned()
            guard value >= 0, value <= Int64(Int32.max) else {
                throw .invalidField(name: "tree message", reason: "a count out of range")
            }
            return Int(value)
        }
        func id() throws(WireError) -> Broadcast.Plumtree<String>.MessageID {
            let origin = try reader.readString()
            return .init(origin: origin, sequence: try reader.readUnsigned())
        }
        func list<Item>(_ item: () throws(WireError) -> Item) throws(WireError) -> [Item] {
            let count = try reader.readArrayHeader()
            guard count <= maximumListCount else {
                throw .invalidField(name: "tree message", reason: "a list over 4,096 items")
            }
            var items: [Item] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try item()) }
            return items
        }
        let message: Message
        switch type {
        case .join:
            try count(0)
            message = .overlay(.join)
        case .forwardJoin:
            try count(2)
            let node = try reader.readString()
            message = .overlay(.forwardJoin(node: node, ttl: try integer()))
        case .joinAccepted:
            try count(0)
            message = .overlay(.joinAccepted)
        case .neighbor:
            try count(1)
            message = .overlay(.neighbor(urgent: try reader.readBool()))
        case .neighborReply:
            try count(1)
            message = .overlay(.neighborReply(accepted: try reader.readBool()))
        case .disconnect:
            try count(0)
            message = .overlay(.disconnect)
        case .shuffle:
            try count(3)
            let origin = try reader.readString()
            let ttl = try integer()
            message = .overlay(
                .shuffle(origin: origin, ttl: ttl, sample: try list { () throws(WireError) in try reader.readString() })
            )
        case .shuffleReply:
            try count(1)
            message = .overlay(.shuffleReply(sample: try list { () throws(WireError) in try reader.readString() }))
        case .gossip:
            try count(4)
            let messageID = try id()
            let round = try integer()
            message = .tree(.gossip(messageID, round: round, payload: try reader.readBytes()))
        case .ihave:
            try count(1)
            message = .tree(
                .ihave(
                    try list { () throws(WireError) in
                        guard try reader.readArrayHeader() == 3 else {
                            throw .invalidField(name: "tree message", reason: "an announcement without three fields")
                        }
                        let announced = try id()
                        return .init(id: announced, round: try integer())
                    }))
        case .graft:
            try count(3)
            let messageID = try id()
            message = .tree(.graft(messageID, round: try integer()))
        case .prune:
            try count(0)
            message = .tree(.prune)
        }
        guard reader.isAtEnd else { throw .invalidField(name: "tree message", reason: "bytes after its end") }
        return (sender, message)
    }
}
