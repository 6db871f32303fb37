import Foundation
import Logging
import MemberlistWire
import NIOConcurrencyHelpers
import NIOCore
import SWIM
import Serf

/// One client connection of the control endpoint, speaking Serf's RPC protocol: a request header
/// `{Command, Seq}`, a body for the commands that take one, and an answer `{Error, Seq}` with a body for those
/// that return one. Requests are answered one at a time, in order. The first command must be `handshake`.
final class RPCConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Largest request buffered before the connection is refused.
    static let maximumRequestSize = 1 << 20

    let node: GossipNode
    /// Streams and monitors this connection opened, by the Seq that opened them; they end when it closes or on
    /// `stop`.
    var feeds: [UInt64: [Task<Void, Never>]] = [:]
    /// Queries shown to this connection's streams, by the ID the stream gave them (for `respond`).
    let streamedQueries = NIOLockedValueBox<[UInt64: (lamportTime: UInt64, id: UInt32)]>([:])
    /// `false` until `auth` succeeds, when the agent has an authentication key.
    private var authenticated = false
    let authKey: String?
    private var buffer: [UInt8] = []
    var busy = false
    private var handshakeDone = false
    private var outbox: RPCFeedOutbox?

    init(node: GossipNode, authKey: String?) {
        self.node = node
        self.authKey = authKey
        authenticated = authKey == nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        buffer.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        guard buffer.count <= Self.maximumRequestSize else {
            // Said before the connection closes, so that the client learns why (its Seq is not read yet).
            buffer = []
            respond(
                context: context,
                RPCReply(
                    sequence: 0,
                    error:
                        "request too large: over the limit of \(Self.maximumRequestSize) bytes; closing the connection",
                    close: true))
            return
        }
        processBuffered(context: context)
    }

    private func processBuffered(context: ChannelHandlerContext) {
        guard !busy, !buffer.isEmpty else { return }
        var reader = MessagePackReader(buffer)
        let header: MessagePackValue
        var body: MessagePackValue?
        do {
            header = try reader.readValue()
            let command = header["Command"]?.stringValue ?? ""
            if RPCCommand.commandsWithBody.contains(command) { body = try reader.readValue() }
        } catch .truncated {
            return
        } catch {
            context.close(promise: nil)
            return
        }
        buffer.removeFirst(reader.position)
        let name = header["Command"]?.stringValue ?? ""
        let sequence = UInt64(clamping: header["Seq"]?.integerValue ?? 0)
        let command = RPCCommand(name: name, body: body)
        if !handshakeDone, name != "handshake" {
            respond(context: context, RPCReply(sequence: sequence, error: "Handshake required", close: true))
            return
        }
        if handshakeDone, name == "handshake" {
            respond(context: context, RPCReply(sequence: sequence, error: "Handshake already performed"))
            return
        }
        if case .auth(let key) = command {
            let valid = authKey == nil || key == authKey
            if valid { authenticated = true }
            respond(context: context, RPCReply(sequence: sequence, error: valid ? "" : "Invalid authentication token"))
            return
        }
        if !authenticated, name != "handshake" {
            respond(context: context, RPCReply(sequence: sequence, error: "Authentication required"))
            return
        }
        switch command {
        case .stop(let target):
            for feed in feeds.removeValue(forKey: target) ?? [] { feed.cancel() }
            respond(context: context, RPCReply(sequence: sequence))
        case .respond(let id, let payload):
            respondToStreamedQuery(context: context, sequence: sequence, id: id, payload: payload)
        case .query(let request):
            startQuery(context: context, sequence: sequence, request: request)
        case .watch(let prefix):
            startWatch(context: context, sequence: sequence, prefix: prefix)
        case .stream(let type):
            startFeed(context: context, sequence: sequence, stream: type, monitor: nil)
        case .monitor(let level):
            startFeed(context: context, sequence: sequence, stream: nil, monitor: level)
        default:
            busy = true
            let node = self.node
            let promise = context.eventLoop.makePromise(of: RPCReply.self)
            promise.completeWithTask { await command.answer(on: node, sequence: sequence) }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            promise.futureResult.whenSuccess { reply in
                let (handler, context) = bound.value
                handler.busy = false
                if case .handshake = command, reply.error.isEmpty { handler.handshakeDone = true }
                handler.respond(context: context, reply)
            }
        }
    }

    func respond(context: ChannelHandlerContext, _ reply: RPCReply) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: reply.encoded())), promise: nil)
        if reply.close {
            context.close(promise: nil)
        } else {
            processBuffered(context: context)
        }
    }

    /// The connection's bounded outbox for feed records, made on first use.
    func feedOutbox(_ context: ChannelHandlerContext) -> RPCFeedOutbox {
        if let outbox { return outbox }
        let made = RPCFeedOutbox(channel: context.channel, statistics: node.feedStatistics)
        outbox = made
        return made
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        for feed in feeds.values.joined() { feed.cancel() }
        feeds = [:]
        context.fireChannelInactive()
    }

    /// `query`: an acknowledgement, then `{Type: ack|response, From, Payload}` records as answers arrive, then
    /// `{Type: done}` at the timeout.
    private func startQuery(context: ChannelHandlerContext, sequence: UInt64, request: Serf.QueryRequest) {
        if let error = GossipNode.querySizeError(name: request.name, payload: request.payload, filters: request.filters)
        {
            respond(context: context, RPCReply(sequence: sequence, error: error))
            return
        }
        let outbox = feedOutbox(context)
        let node = self.node
        respond(context: context, RPCReply(sequence: sequence))
        feeds[sequence, default: []].append(
            Task {
                func send(_ record: MessagePackValue) {
                    outbox.send(RPCReply(sequence: sequence, body: record))
                }
                let answers = await node.query(
                    request.name, payload: request.payload, filters: request.filters, requestAck: request.requestAck,
                    relayFactor: request.relayFactor, timeout: request.timeout)
                for await answer in answers {
                    switch answer {
                    case .ack(let from):
                        send(
                            .map([
                                (.string("Type"), .string("ack")), (.string("From"), .string(from)),
                                (.string("Payload"), .nil),
                            ]))
                    case .response(let from, let payload):
                        send(
                            .map([
                                (.string("Type"), .string("response")), (.string("From"), .string(from)),
                                (.string("Payload"), .binary(payload)),
                            ]))
                    }
                }
                send(
                    .map([
                        (.string("Type"), .string("done")), (.string("From"), .string("")), (.string("Payload"), .nil),
                    ]))
            })
    }

    /// `stream` (member events as records `{Event, Members}`) and `monitor` (events as log lines `{Log}`): an
    /// acknowledgement, then one header with the request's Seq and one record per event until the client closes.
    private func startFeed(context: ChannelHandlerContext, sequence: UInt64, stream: String?, monitor: String?) {
        let command = stream != nil ? "stream" : "monitor"
        let filter = RPCEventFilter(stream ?? "*")
        let outbox = feedOutbox(context)
        let node = self.node
        respond(context: context, RPCReply(sequence: sequence))
        if command == "stream", filter.acceptsQueries {
            let streamed = streamedQueries
            feeds[sequence, default: []].append(
                Task {
                    var nextID: UInt64 = 0
                    for await query in await node.subscribeQueries() where filter.accepts(query: query.name) {
                        nextID += 1
                        let id = nextID
                        streamed.withLockedValue { $0[id] = (query.lamportTime, query.id) }
                        let record = MessagePackValue.map([
                            (.string("Event"), .string("query")), (.string("ID"), .uint(id)),
                            (.string("LTime"), .uint(query.lamportTime)), (.string("Name"), .string(query.name)),
                            (.string("Payload"), .binary(query.payload)),
                        ])
                        outbox.send(RPCReply(sequence: sequence, body: record))
                    }
                })
        }
        if command == "stream", filter.acceptsUserEvents {
            feeds[sequence, default: []].append(
                Task {
                    for await event in await node.subscribeUserEvents() where filter.accepts(userEvent: event.name) {
                        let record = MessagePackValue.map([
                            (.string("Event"), .string("user")), (.string("LTime"), .uint(event.lamportTime)),
                            (.string("Name"), .string(event.name)), (.string("Payload"), .binary(event.payload)),
                            (.string("Coalesce"), .bool(event.coalesce)),
                        ])
                        outbox.send(RPCReply(sequence: sequence, body: record))
                    }
                })
        }
        let level = LogBroadcast.level(named: monitor ?? "INFO") ?? .info
        if command == "monitor", let broadcast = node.configuration.logBroadcast {
            feeds[sequence, default: []].append(
                Task {
                    for await line in broadcast.subscribe(level: level) {
                        let record = MessagePackValue.map([(.string("Log"), .string(line))])
                        outbox.send(RPCReply(sequence: sequence, body: record))
                    }
                })
        }
        feeds[sequence, default: []].append(
            Task {
                for await event in await node.subscribe() {
                    guard let (kind, member) = event.serfEvent else { continue }
                    let record: MessagePackValue
                    if command == "monitor" {
                        guard level <= .info else { continue }
                        let line = "[INFO] serf: \(RPCEventFilter.logName(kind)): \(member.name) \(member.address.ip)"
                        record = .map([(.string("Log"), .string(line))])
                    } else {
                        guard filter.accepts(kind) else { continue }
                        record = .map([
                            (.string("Event"), .string(kind)),
                            (
                                .string("Members"),
                                .array([GossipNode.rpcMember(member, status: GossipNode.serfStatus(member.status))])
                            ),
                        ])
                    }
                    outbox.send(RPCReply(sequence: sequence, body: record))
                }
            })
    }
}

extension RPCConnectionHandler {
    /// `respond`: answers a query this connection's stream showed, by the ID the stream gave it.
    func respondToStreamedQuery(context: ChannelHandlerContext, sequence: UInt64, id: UInt64, payload: [UInt8]) {
        guard let query = streamedQueries.withLockedValue({ $0.removeValue(forKey: id) }) else {
            respond(context: context, RPCReply(sequence: sequence, error: "No pending queries matching ID"))
            return
        }
        busy = true
        let node = self.node
        let promise = context.eventLoop.makePromise(of: Bool.self)
        promise.completeWithTask { await node.respond(toQuery: query.lamportTime, id: query.id, payload: payload) }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { answered in
            let (handler, context) = bound.value
            handler.busy = false
            handler.respond(
                context: context,
                RPCReply(sequence: sequence, error: answered ? "" : "No pending queries matching ID"))
        }
    }

    /// `kv-watch`: an acknowledgement, then one record `{Key, Value, Deleted, Origin, Timestamp}` per change
    /// under the prefix until the client closes.
    func startWatch(context: ChannelHandlerContext, sequence: UInt64, prefix: String) {
        let outbox = feedOutbox(context)
        let node = self.node
        respond(context: context, RPCReply(sequence: sequence))
        feeds[sequence, default: []].append(
            Task {
                for await change in await node.watch(prefix: prefix) {
                    let record = MessagePackValue.map([
                        (.string("Key"), .string(change.key)), (.string("Value"), .binary(change.value ?? [])),
                        (.string("Deleted"), .bool(change.value == nil)),
                        (.string("Origin"), .string(change.origin.rawValue)),
                        (.string("Timestamp"), .string(change.timestamp.description)),
                    ])
                    outbox.send(RPCReply(sequence: sequence, body: record))
                }
            })
    }
}

/// Which member events a `stream` wants: `*`, or a comma-separated list such as `member-join,member-failed`.
struct RPCEventFilter {
    let all: Bool
    let allMemberEvents: Bool
    let kinds: Set<String>

    init(_ text: String) {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        all = parts.contains("*")
        allMemberEvents = all || parts.contains("member")
        kinds = Set(parts)
    }

    func accepts(_ kind: String) -> Bool { allMemberEvents || kinds.contains(kind) }

    /// `true` when user events of some name are wanted (`*`, `user` or `user:NAME`).
    var acceptsUserEvents: Bool { all || kinds.contains { $0 == "user" || $0.hasPrefix("user:") } }

    /// `true` when queries of some name are wanted (`*`, `query` or `query:NAME`).
    var acceptsQueries: Bool { all || kinds.contains { $0 == "query" || $0.hasPrefix("query:") } }

    /// `true` when queries called `name` are wanted.
    func accepts(query name: String) -> Bool { all || kinds.contains("query") || kinds.contains("query:" + name) }

    /// `true` when user events called `name` are wanted.
    func accepts(userEvent name: String) -> Bool { all || kinds.contains("user") || kinds.contains("user:" + name) }

    /// The name Serf's log uses: `EventMemberJoin` and so on.
    static func logName(_ kind: String) -> String {
        "Event" + kind.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

/// The answer to one RPC request.
struct RPCReply: Sendable {
    var sequence: UInt64
    var error = ""
    var body: MessagePackValue?
    /// Close the connection after the answer (unsupported commands, a missing handshake).
    var close = false

    /// `{Error, Seq}`, then the body if any, written as Serf's RPC codec writes (str8 and bin).
    func encoded() -> [UInt8] {
        var writer = MessagePackWriter(style: .modern)
        writer.write(.map([(.string("Error"), .string(error)), (.string("Seq"), .uint(sequence))]))
        if let body { writer.write(body) }
        return writer.bytes
    }
}
