import Foundation
import GossipCore
import MemberlistWire
import NIOCore
import NIOPosix
import SWIM
import Serf

extension GossipNode {
    /// Starts the control endpoint: Serf's RPC protocol on TCP `address`, so that `serf members -rpc-addr=…`
    /// and `gossip members` work against this node. With `authKey`, clients must send it (`auth`, as
    /// `serf … -rpc-auth=KEY` does) before any other command. Returns the bound address.
    @discardableResult
    public func startRPC(on address: NodeAddress, authKey: String? = nil) async throws -> NodeAddress {
        let node = self
        let channel = try await ListenerError.binding("control endpoint (RPC)", on: address) { [group] in
            try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            RPCConnectionHandler(node: node, authKey: authKey))
                    }
                }
                .bind(host: address.ip.description, port: Int(address.port)).get()
        }
        rpcChannel = channel
        let bound = NodeAddress(ip: address.ip, port: UInt16(channel.localAddress?.port ?? Int(address.port)))
        logger.info("control endpoint listening", metadata: ["gossip.rpc": "\(bound)"])
        return bound
    }

    /// Every member as Serf's RPC lists it, those `filter` accepts when one is given.
    func rpcMembers(_ filter: RPCMemberFilter? = nil) -> [MessagePackValue] {
        clusterMembers.filter { filter?.matches($0) ?? true }.map(rpcMember)
    }

    /// A key operation's result as Serf's RPC answers it: `{Messages, Keys, NumNodes, NumErr, NumResp}`.
    static func rpcKeyResult(_ result: KeyOperationResult) -> MessagePackValue {
        .map([
            (
                .string("Messages"),
                .map(result.messages.sorted { $0.key < $1.key }.map { (.string($0.key), .string($0.value)) })
            ),
            (
                .string("Keys"),
                .map(result.keys.sorted { $0.key < $1.key }.map { (.string($0.key), .int(Int64($0.value))) })
            ),
            (.string("NumNodes"), .int(Int64(result.nodes))), (.string("NumErr"), .int(Int64(result.errors))),
            (.string("NumResp"), .int(Int64(result.responses))),
        ])
    }

    /// A member as Serf's RPC shows it: `alive`, `leaving`, `left` or `failed` (a suspect member is still
    /// `alive`).
    func rpcMember(_ member: SWIM.Member) -> MessagePackValue {
        let status = serfStatus(of: member.name) == .leaving ? "leaving" : Self.serfStatus(member.status)
        return Self.rpcMember(member, status: status)
    }

    /// A member as Serf's RPC shows it, with its Serf status.
    static func rpcMember(_ member: SWIM.Member, status: String) -> MessagePackValue {
        let tags = (try? SerfTags.decode(member.metadata)) ?? [:]
        let versions = member.protocolVersions
        return .map([
            (.string("Name"), .string(member.name)),
            (.string("Addr"), .binary(member.address.ip.bytes)),
            (.string("Port"), .uint(UInt64(member.address.port))),
            (.string("Tags"), .map(tags.sorted { $0.key < $1.key }.map { (.string($0.key), .string($0.value)) })),
            (.string("Status"), .string(status)),
            (.string("ProtocolMin"), .uint(UInt64(versions.protocolMin))),
            (.string("ProtocolMax"), .uint(UInt64(versions.protocolMax))),
            (.string("ProtocolCur"), .uint(UInt64(versions.protocolCurrent))),
            (.string("DelegateMin"), .uint(UInt64(versions.delegateMin))),
            (.string("DelegateMax"), .uint(UInt64(versions.delegateMax))),
            (.string("DelegateCur"), .uint(UInt64(versions.delegateCurrent))),
        ])
    }

    /// Serf's name for a status.
    public static func serfStatus(_ status: SWIM.Status) -> String {
        switch status {
        case .alive, .suspect: return "alive"
        case .dead: return "failed"
        case .left: return "left"
        }
    }

    func statsValue() -> MessagePackValue {
        func section(_ entries: [(String, String)]) -> MessagePackValue {
            .map(entries.map { (.string($0.0), .string($0.1)) })
        }
        let all = members
        let protocolStatistics = protocolStatistics
        return .map([
            (.string("agent"), section([("name", configuration.name)])),
            (
                .string("runtime"),
                section([
                    ("os", "linux"), ("version", "swift-gossip"),
                    ("cpu_count", "\(ProcessInfo.processInfo.activeProcessorCount)"),
                ])
            ),
            (
                .string("serf"),
                section([
                    ("members", "\(all.count)"),
                    ("failed", "\(all.filter { $0.status == .dead }.count)"),
                    ("left", "\(all.filter { $0.status == .left }.count)"),
                    ("health_score", "\(healthScore)"),
                    ("probes", "\(protocolStatistics.probes)"),
                    ("suspicions", "\(protocolStatistics.suspicions)"),
                    ("refutations", "\(protocolStatistics.refutations)"),
                    ("packets_in", "\(statistics.packetsIn)"), ("packets_out", "\(statistics.packetsOut)"),
                    ("packets_dropped", "\(statistics.packetsDropped)"),
                    ("feed_records_dropped", "\(feedStatistics.dropped)"),
                    ("http_streams", "\(feedStatistics.httpStreams)"),
                    ("receive_queue_overflows", "\(receiveQueueOverflows.value)"),
                    ("datagram_send_errors", "\(datagramSendErrors)"),
                    ("streams_refused_busy", "\(inboundStreamRefusals.busy)"),
                    ("streams_rate_limited", "\(inboundStreamRefusals.rateLimited)"),
                    ("encrypted", "\(configuration.keyring != nil)"),
                ])
            ),
            (.string("tags"), section(configuration.tags.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })),
            (.string("replication"), section(replicationSection())),
            (.string("coordinate"), section(coordinateSection())),
        ])
    }
}

extension GossipNode {
    /// The `replication` section of `stats`: the store and what rumors and anti-entropy moved.
    func replicationSection() -> [(String, String)] {
        guard configuration.replication != nil else { return [("enabled", "false")] }
        let statistics = replicationStatistics
        return [
            ("enabled", "true"), ("keys", "\(statistics.keys)"), ("log_records", "\(statistics.logRecords)"),
            ("log_bytes", "\(statistics.logBytes)"), ("pending_rumors", "\(statistics.pendingRumors)"),
            ("rumors_sent", "\(statistics.rumorsSent)"), ("rumor_entries_applied", "\(statistics.rumorEntriesApplied)"),
            ("exchanges_completed", "\(statistics.exchangesCompleted)"),
            ("exchanges_failed", "\(statistics.exchangesFailed)"), ("entries_fetched", "\(statistics.entriesFetched)"),
            ("entries_pushed", "\(statistics.entriesPushed)"), ("requests_answered", "\(statistics.requestsAnswered)"),
            ("malformed_messages", "\(statistics.malformedMessages)"),
            ("future_entries_refused", "\(statistics.futureEntriesRefused)"),
            ("aggregates", "\(aggregateNames.count)"),
            ("persist_failures", "\(statistics.persistFailures)"),
        ]
    }
}

/// `members-filtered`: anchored regular expressions on tags, status and name, all of which must match.
struct RPCMemberFilter {
    var tags: [(String, NSRegularExpression)] = []
    var status: NSRegularExpression?
    var name: NSRegularExpression?

    init(tags: [(String, String)], status: String?, name: String?) throws {
        func anchored(_ pattern: String) throws -> NSRegularExpression {
            try NSRegularExpression(pattern: "^(?:" + pattern + ")$")
        }
        for (key, pattern) in tags { self.tags.append((key, try anchored(pattern))) }
        self.status = try status.map(anchored)
        self.name = try name.map(anchored)
    }

    func matches(_ member: SWIM.Member) -> Bool {
        func test(_ expression: NSRegularExpression, _ text: String) -> Bool {
            expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
        if let name, !test(name, member.name) { return false }
        if let status, !test(status, GossipNode.serfStatus(member.status)) { return false }
        let memberTags = (try? SerfTags.decode(member.metadata)) ?? [:]
        for (key, expression) in tags {
            guard let value = memberTags[key], test(expression, value) else { return false }
        }
        return true
    }
}
