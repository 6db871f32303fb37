import Foundation
import GossipCore
import MemberlistWire
import Serf

/// One request of the control endpoint, decoded once from Serf's RPC header `{Command, Seq}` and its body, and
/// answered in one place: ``answer(on:sequence:)`` for the commands the node answers at once, the connection
/// (``RPCConnectionHandler``) for those that open a feed. A new command is a case here, its decoding and its
/// answer, plus its test.
enum RPCCommand: Sendable {
    /// `handshake {Version}`: must come first; only version 1 is spoken.
    case handshake(version: Int64)
    /// `auth {AuthKey}`.
    case auth(key: String?)
    /// `stop {Stop}`: ends the feed the request `Stop` opened.
    case stop(feed: UInt64)
    /// `members`.
    case members
    /// `members-filtered {Tags, Status, Name}`: anchored regular expressions, all of which must match.
    case membersFiltered(tags: [(String, String)], status: String?, name: String?)
    /// `join {Existing, Replay}`.
    case join(existing: [String])
    /// `leave`.
    case leave
    /// `event {Name, Payload, Coalesce}`.
    case event(name: String, payload: [UInt8], coalesce: Bool)
    /// `tags {Tags, DeleteTags}`.
    case tags(set: [String: String], delete: [String])
    /// `force-leave {Node}`.
    case forceLeave(node: String)
    /// `stats`.
    case stats
    /// `install-key`, `use-key`, `remove-key {Key}`, `list-keys`.
    case keys(Serf.KeyOperation, key: [UInt8])
    /// `get-coordinate {Node}`.
    case coordinate(node: String)
    /// `query {FilterNodes, FilterTags, RequestAck, RelayFactor, Timeout, Name, Payload}`: a feed of answers.
    case query(Serf.QueryRequest)
    /// `respond {ID, Payload}`: answers a query a `stream` of this connection showed.
    case respond(id: UInt64, payload: [UInt8])
    /// `stream {Type}`: a feed of events.
    case stream(type: String)
    /// `monitor {LogLevel}`: a feed of log lines.
    case monitor(logLevel: String)
    /// `kv-watch {Prefix}`: a feed of the store's changes.
    case watch(prefix: String)
    /// `kv-put {Key, Value}`.
    case put(key: String, value: [UInt8])
    /// `kv-get {Key}`.
    case get(key: String)
    /// `kv-delete {Key}`.
    case delete(key: String)
    /// `kv-list {Prefix}`.
    case list(prefix: String)
    /// `kv-incr {Key, Amount}`.
    case increment(key: String, amount: Int64)
    /// `aggregate-set {Name, Value}` (`nil` clears this node's value).
    case setAggregate(name: String, value: Double?)
    /// `aggregate-get {Name}`.
    case getAggregate(name: String)
    /// A known command whose body does not say what it must: answered with `reason`.
    case invalid(command: String, reason: String)
    /// A command this endpoint does not know: answered "Unsupported command", then the connection closes.
    case unsupported(String)

    /// Commands whose request carries a body after the header.
    static let commandsWithBody = Set([
        "handshake", "auth", "event", "force-leave", "join", "members-filtered", "tags", "stream", "monitor", "stop",
        "query", "respond", "install-key", "use-key", "remove-key", "get-coordinate",
    ]).union(storeCommands)

    /// The store's and aggregates' commands (not Serf's: a Serf agent answers them "Unsupported command"); their
    /// answers always carry a body, errors too, so that clients read them the same way every time.
    static let storeCommands: Set<String> = [
        "kv-put", "kv-get", "kv-delete", "kv-list", "kv-incr", "kv-watch", "aggregate-set", "aggregate-get",
    ]

    /// Decodes the command called `name` from its body.
    init(name: String, body: MessagePackValue?) {
        func string(_ key: String) -> String { body?[key]?.stringValue ?? "" }
        func bytes(_ key: String) -> [UInt8] { body?[key]?.bytesValue ?? [] }
        switch name {
        case "handshake": self = .handshake(version: body?["Version"]?.integerValue ?? 0)
        case "auth": self = .auth(key: body?["AuthKey"]?.stringValue)
        case "stop": self = .stop(feed: UInt64(clamping: body?["Stop"]?.integerValue ?? 0))
        case "members": self = .members
        case "members-filtered":
            let tags = (body?["Tags"]?.mapValue ?? []).compactMap { pair -> (String, String)? in
                guard let key = pair.key.stringValue, let pattern = pair.value.stringValue else { return nil }
                return (key, pattern)
            }
            let status = body?["Status"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            let name = body?["Name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            self = .membersFiltered(tags: tags, status: status, name: name)
        case "join": self = .join(existing: body?["Existing"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        case "leave": self = .leave
        case "event":
            self = .event(
                name: string("Name"), payload: bytes("Payload"), coalesce: body?["Coalesce"]?.boolValue ?? false)
        case "tags":
            var set: [String: String] = [:]
            for pair in body?["Tags"]?.mapValue ?? [] {
                if let key = pair.key.stringValue, let value = pair.value.stringValue { set[key] = value }
            }
            self = .tags(set: set, delete: body?["DeleteTags"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        case "force-leave": self = .forceLeave(node: string("Node"))
        case "stats": self = .stats
        case "install-key", "use-key", "remove-key", "list-keys":
            let operation = Serf.KeyOperation(rawValue: name) ?? .list
            guard operation != .list else {
                self = .keys(.list, key: [])
                return
            }
            guard let text = body?["Key"]?.stringValue, let key = Data(base64Encoded: text) else {
                self = .invalid(command: name, reason: "the key is not base64")
                return
            }
            self = .keys(operation, key: Array(key))
        case "get-coordinate": self = .coordinate(node: string("Node"))
        case "query": self = .query(Self.queryRequest(body))
        case "respond": self = .respond(id: UInt64(clamping: body?["ID"]?.integerValue ?? 0), payload: bytes("Payload"))
        case "stream": self = .stream(type: body?["Type"]?.stringValue ?? "*")
        case "monitor": self = .monitor(logLevel: body?["LogLevel"]?.stringValue ?? "INFO")
        case "kv-watch": self = .watch(prefix: string("Prefix"))
        case "kv-put": self = .put(key: string("Key"), value: bytes("Value"))
        case "kv-get": self = .get(key: string("Key"))
        case "kv-delete": self = .delete(key: string("Key"))
        case "kv-list": self = .list(prefix: string("Prefix"))
        case "kv-incr":
            guard let amount = body?["Amount"]?.integerValue else {
                self = .invalid(command: name, reason: "no integer Amount")
                return
            }
            self = .increment(key: string("Key"), amount: amount)
        case "aggregate-set":
            switch body?["Value"] {
            case .double(let number)?: self = .setAggregate(name: string("Name"), value: number)
            case .int(let number)?: self = .setAggregate(name: string("Name"), value: Double(number))
            case .uint(let number)?: self = .setAggregate(name: string("Name"), value: Double(number))
            case .nil?, nil: self = .setAggregate(name: string("Name"), value: nil)
            default: self = .invalid(command: name, reason: "Value is not a number")
            }
        case "aggregate-get": self = .getAggregate(name: string("Name"))
        default: self = .unsupported(name)
        }
    }

    /// A query's request from its RPC body; a zero timeout is Serf's default.
    static func queryRequest(_ body: MessagePackValue?) -> Serf.QueryRequest {
        var filters: [SerfMessage.Query.Filter] = []
        let names = body?["FilterNodes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !names.isEmpty { filters.append(.nodes(names)) }
        for pair in body?["FilterTags"]?.mapValue ?? [] {
            if let tag = pair.key.stringValue, let expression = pair.value.stringValue {
                filters.append(.tag(tag, expression: expression))
            }
        }
        let nanoseconds = body?["Timeout"]?.integerValue ?? 0
        return Serf.QueryRequest(
            name: body?["Name"]?.stringValue ?? "", payload: body?["Payload"]?.bytesValue ?? [], filters: filters,
            requestAck: body?["RequestAck"]?.boolValue ?? false,
            relayFactor: UInt8(clamping: body?["RelayFactor"]?.integerValue ?? 0),
            timeout: nanoseconds > 0 ? .nanoseconds(nanoseconds) : nil)
    }

    /// The answer to a command the node answers at once (every command but the connection's own: `auth`,
    /// `stop`, `respond` and the feeds).
    func answer(on node: GossipNode, sequence: UInt64) async -> RPCReply {
        var reply = RPCReply(sequence: sequence)
        switch self {
        case .handshake(let version):
            if version != 1 { reply.error = "Unsupported version" }
        case .members:
            reply.body = .map([(.string("Members"), .array(await node.rpcMembers()))])
        case .membersFiltered(let tags, let status, let name):
            do {
                let filter = try RPCMemberFilter(tags: tags, status: status, name: name)
                reply.body = .map([(.string("Members"), .array(await node.rpcMembers(filter)))])
            } catch {
                reply.error = "\(error)"
                reply.body = .map([(.string("Members"), .array([]))])
            }
        case .join(let existing):
            let addresses = existing.compactMap { NodeAddress(resolving: $0) }
            let joined = addresses.isEmpty ? 0 : await node.join(addresses)
            if joined == 0 { reply.error = "could not join any of \(existing.joined(separator: ", "))" }
            reply.body = .map([(.string("Num"), .uint(UInt64(joined)))])
        case .leave:
            await node.beginLeave()
        case .event(let name, let payload, let coalesce):
            do { try await node.sendUserEvent(name: name, payload: payload, coalesce: coalesce) } catch {
                reply.error = "\(error)"
            }
        case .tags(let set, let delete):
            do { try await node.updateTags(set: set, delete: delete) } catch { reply.error = "\(error)" }
        case .forceLeave(let name):
            // As in Serf, a name that is not a failed member is not an error.
            await node.forceLeave(name)
        case .stats:
            reply.body = await node.statsValue()
        case .keys(let operation, let key):
            let result = await node.manageKeys(operation, key: key)
            reply.error = result.error ?? ""
            reply.body = GossipNode.rpcKeyResult(result)
        case .coordinate(let name):
            reply.body = GossipNode.rpcCoordinate(await node.coordinate(of: name))
        case .put, .get, .delete, .list, .increment, .setAggregate, .getAggregate:
            return await node.answerStoreCommand(self, sequence: sequence)
        case .invalid(let command, let reason):
            reply.error = reason
            if command.hasSuffix("-key") { reply.body = GossipNode.rpcKeyResult(Serf.KeyOperationResult()) }
            if Self.storeCommands.contains(command) { reply.body = .map([]) }
        case .unsupported, .auth, .stop, .query, .respond, .stream, .monitor, .watch:
            reply.error = "Unsupported command"
            reply.close = true
        }
        return reply
    }
}
