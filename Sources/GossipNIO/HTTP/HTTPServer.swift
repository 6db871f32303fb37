import Foundation
import GossipCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import SWIM
import Serf

extension GossipNode {
    /// The largest request body the HTTP API takes: 1 MiB (a value's limit is 64 KiB).
    static let maximumHTTPBody = 1 << 20

    /// Serves the HTTP API, the dashboard (`/ui/`) and, with `registry`, Prometheus' text at `/metrics`, on
    /// `address`; returns the bound address. With `authKey` every request must carry `Authorization: Bearer KEY`.
    public func startHTTP(
        on address: NodeAddress, authKey: String? = nil, registry: PrometheusCollectorRegistry? = nil
    ) async throws -> NodeAddress {
        let node = self
        let channel = try await ListenerError.binding("HTTP API", on: address) { [group] in
            try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPRequestHandler(node: node, authKey: authKey, registry: registry))
                    }
                }
                .bind(host: address.ip.description, port: Int(address.port)).get()
        }
        httpChannel = channel
        let bound = NodeAddress(ip: address.ip, port: UInt16(channel.localAddress?.port ?? Int(address.port)))
        logger.info("HTTP API listening", metadata: ["gossip.http": "\(bound)"])
        return bound
    }
}

/// One HTTP connection: requests read whole (bodies over 1 MiB refused with 413), checked for the bearer key,
/// routed once (``HTTPRoute``) and answered; `/v1/stream` stays open as server-sent events.
final class HTTPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let node: GossipNode
    let authKey: String?
    let registry: PrometheusCollectorRegistry?
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    private var busy = false
    private var feeds: [Task<Void, Never>] = []

    init(node: GossipNode, authKey: String?, registry: PrometheusCollectorRegistry?) {
        self.node = node
        self.authKey = authKey
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = []
            tooLarge = false
        case .body(let buffer):
            if body.count + buffer.readableBytes > GossipNode.maximumHTTPBody {
                tooLarge = true
            } else {
                body.append(contentsOf: buffer.readableBytesView)
            }
        case .end:
            guard let head, !busy else { return }
            answer(head, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        for feed in feeds { feed.cancel() }
        node.feedStatistics.recordHTTPStream(-feeds.count)
        feeds = []
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive
        if let authKey, !Self.authorized(head.headers["authorization"].first, key: authKey) {
            write(.error("a valid 'Authorization: Bearer KEY' header is required", status: 401), keepAlive, context)
            return
        }
        if tooLarge {
            write(
                .error("the body is over the limit of \(GossipNode.maximumHTTPBody) bytes", status: 413), false, context
            )
            return
        }
        let route = HTTPRoute(method: head.method.rawValue, uri: head.uri)
        switch route {
        case .metrics:
            guard let registry else {
                write(.error("this agent keeps no metrics", status: 404), keepAlive, context)
                return
            }
            let node = self.node
            answerLater(keepAlive, context) {
                await node.refreshMetrics()
                return HTTPAnswer(status: 200, contentType: "text/plain; version=0.0.4", body: registry.emitToBuffer())
            }
        case .dashboard:
            write(
                HTTPAnswer(status: 200, contentType: "text/html; charset=utf-8", body: Array(DashboardPage.html.utf8)),
                keepAlive, context)
        case .stream:
            startStream(context: context, watching: nil)
        case .watchKeys(let prefix):
            startStream(context: context, watching: prefix)
        default:
            let node = self.node
            let body = self.body
            answerLater(keepAlive, context) { await node.answerHTTP(route, body: body) }
        }
    }

    /// Answers with what `work` returns, on the connection's event loop; the connection reads no other request
    /// meanwhile.
    private func answerLater(
        _ keepAlive: Bool, _ context: ChannelHandlerContext, _ work: @escaping @Sendable () async -> HTTPAnswer
    ) {
        busy = true
        let promise = context.eventLoop.makePromise(of: HTTPAnswer.self)
        promise.completeWithTask(work)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { answer in
            let (handler, context) = bound.value
            handler.busy = false
            handler.write(answer, keepAlive, context)
        }
    }

    private func write(_ answer: HTTPAnswer, _ keepAlive: Bool, _ context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: answer.contentType)
        headers.add(name: "Content-Length", value: String(answer.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: answer.body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    /// `/v1/stream`: `member` events (the change and the member), `user` events and `query` events (queries this
    /// agent receives), as server-sent events,
    /// until the client goes away. A client that does not read loses events (counted in the feed statistics)
    /// rather than making the agent hold them.
    private func startStream(context: ChannelHandlerContext, watching prefix: String?) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/event-stream")
        headers.add(name: "Cache-Control", value: "no-store")
        context.writeAndFlush(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        let channel = context.channel
        let node = self.node
        let statistics = node.feedStatistics
        @Sendable func send(_ event: String, _ object: [String: Any]) {
            guard channel.isWritable else {
                statistics.recordDrop()
                return
            }
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
                ?? Data()
            let text = "event: \(event)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text))), promise: nil)
        }
        let name = node.configuration.name
        statistics.recordHTTPStream(1)
        // Subscribed before `hello`, so that a client that waits for it misses nothing after it.
        if let prefix {
            feeds.append(
                Task {
                    let changes = await node.watch(prefix: prefix)
                    send("hello", ["agent": name])
                    for await change in changes {
                        send(
                            "kv",
                            [
                                "key": change.key, "deleted": change.value == nil,
                                "value": Data(change.value ?? []).base64EncodedString(),
                                "origin": change.origin.rawValue, "timestamp": change.timestamp.description,
                            ])
                    }
                })
            return
        }
        feeds.append(
            Task {
                let members = await node.subscribe()
                let userEvents = await node.subscribeUserEvents()
                let queries = await node.subscribeQueries()
                send("hello", ["agent": name])
                await withDiscardingTaskGroup { group in
                    group.addTask {
                        for await event in members {
                            guard let (kind, member) = event.serfEvent else { continue }
                            send("member", ["event": kind, "member": GossipNode.httpMember(member)])
                        }
                    }
                    group.addTask {
                        for await event in userEvents {
                            send(
                                "user",
                                [
                                    "name": event.name, "ltime": Int(event.lamportTime), "coalesce": event.coalesce,
                                    "payload": String(decoding: event.payload, as: UTF8.self),
                                ])
                        }
                    }
                    group.addTask {
                        for await query in queries {
                            send(
                                "query",
                                [
                                    "name": query.name, "ltime": Int(query.lamportTime), "id": Int(query.id),
                                    "from": query.sourceNode, "payload": String(decoding: query.payload, as: UTF8.self),
                                ])
                        }
                    }
                }
            })
    }

    /// Whether `header` is `Bearer KEY`, compared in constant time.
    static func authorized(_ header: String?, key: String) -> Bool {
        let given = Array((header ?? "").utf8)
        let expected = Array(("Bearer " + key).utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in 0..<max(given.count, expected.count) {
            let a = index < given.count ? given[index] : 0
            let b = index < expected.count ? expected[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }
}
