import Broadcast
import GossipCore
import MemberlistWire
import Replication
import SWIM
import Serf

/// A whole node as one value: memberlist's membership protocol (`SWIM.Instance`), Serf's layer above it
/// (`serf/Layer`, optional), the replicated store (`answerReplication(_:at:)/Store`, optional) and the routing between them, with no I/O, no clock and no global randomness.
/// Every input comes with the instant it happens at and a random number generator, and returns ``Effect``s for a
/// shell to carry out: the real node (`GossipNode`, on sockets) and the simulator run this same value.
///
/// Routing follows memberlist and Serf: a datagram's memberlist messages reach the membership protocol first;
/// the Serf messages among its `user` messages then reach Serf's layer (so a join intent that arrives with its
/// member's alive finds the member known); membership changes reach Serf's layer, which decides what the
/// application sees; replication payloads (their own leading bytes, ``answerReplication(_:at:)``) go to the store,
/// which learns its peers from the membership changes (live members whose tags carry the replication
/// capability).
///
/// ```swift
/// var core = try NodeCore(name: "web-1", address: NodeAddress("10.0.0.1:7946")!)
/// var rng = SystemRandomNumberGenerator()
/// let effects = core.start(at: .zero, using: &rng) + core.join([seed], at: .zero, using: &rng)
/// ```
public struct NodeCore: Sendable {
    /// The membership protocol.
    public internal(set) var membership: SWIM.Instance
    /// Serf's layer; `nil` for a plain memberlist member.
    public internal(set) var serf: Serf.Layer?
    /// The replicated store; `nil` for a node that does not replicate.
    public internal(set) var store: Replication.Store?
    /// The broadcast tree (Plumtree on HyParView) among the swift-gossip members; `nil` unless
    /// ``Configuration/broadcastTree`` asks for it.
    public internal(set) var broadcastTree: Broadcast.BroadcastNode<String>?
    /// What the broadcast tree's messages cost, and the malformed ones dropped.
    public internal(set) var treeStatistics = TreeStatistics()
    /// The configuration the core runs with.
    public let configuration: Configuration
    /// Where a graceful leave is, if one has begun.
    public internal(set) var leavePhase: LeaveStep?
    /// `true` once the node has stopped (a leave finished, or a lost name conflict).
    public internal(set) var hasStopped = false
    /// Effects of the input being handled.
    var effects: [Effect] = []
    /// Seeds of a join whose push-pull has not completed: their events are history to this node.
    var joinsInFlight: Set<NodeAddress> = []
    /// The live members that carry the tree, and where they are.
    var treeAddresses: [String: NodeAddress] = [:]
    /// Live members that do not carry the tree (Serf agents among them): while there are any, user events that
    /// fit Serf's limit also go Serf's way.
    var plainMembers: Set<String> = []
    /// Whether this node has asked to join the overlay (it asks again at a shuffle while it has no neighbour).
    var treeJoinSent = false
    /// Tree peers whose address membership has not told yet (a node that joined through another may send to
    /// this one before its `alive` arrived here): their messages wait, until the address is known or
    /// ``TreeConfiguration/addressWait`` has passed (then the peer is reported failed to the overlay).
    var treeMessagesAwaitingAddress: [String: (since: Instant, messages: [[UInt8]])] = [:]
    /// Tree peers to report failed to the overlay at the next input.
    var unreachableTreePeers: [String] = []

    /// A node called `name`, reached at `address`, that knows only itself. With Serf's layer its metadata is its
    /// tags (with the replication capability when it runs a store); `snapshot` restores Serf's clocks from a
    /// snapshot file, and `replica` the store's data from its log.
    ///
    /// - Throws: `WireError.metadataTooLarge` when the tags do not fit in memberlist's metadata.
    public init(
        name: String, address: NodeAddress, configuration: Configuration = Configuration(),
        restoring snapshot: Serf.Snapshot? = nil, replica: Replication.Replica? = nil, at now: Instant = .zero
    ) throws(WireError) {
        self.configuration = configuration
        var settings = configuration.settings
        let metadata: [UInt8]
        if var serfConfiguration = configuration.serf {
            var capabilities: [String] = []
            if var storeConfiguration = configuration.store {
                capabilities.append(Replication.Store.Configuration.capabilityValue)
                storeConfiguration.datagramBytes = settings.udpBufferSize - settings.packetOverhead - 64
                storeConfiguration.rumorsOverBroadcast = configuration.broadcastTree != nil
                store = Replication.Store(name: name, configuration: storeConfiguration, restoring: replica)
            }
            if let tree = configuration.broadcastTree {
                capabilities.append(TreeConfiguration.capabilityValue)
                broadcastTree = Broadcast.BroadcastNode(me: name, overlay: tree.overlay, tree: tree.tree)
            }
            if !capabilities.isEmpty {
                serfConfiguration.tags[Replication.Store.Configuration.capabilityTag] = capabilities.joined(
                    separator: ",")
            }
            metadata = try SerfTags.encode(serfConfiguration.tags)
            serf = Serf.Layer(name: name, configuration: serfConfiguration, restoring: snapshot)
        } else {
            metadata = configuration.metadata
            settings.protocolVersions.delegateMin = 0
            settings.protocolVersions.delegateMax = 0
            settings.protocolVersions.delegateCurrent = 0
        }
        membership = SWIM.Instance(name: name, address: address, metadata: metadata, settings: settings, at: now)
        membership.ackPayload = serf?.ackPayload ?? []
    }

    // MARK: - Looking at the node

    /// This node's name.
    public var name: String { membership.name }

    /// Every member as the application sees it, sorted by name: Serf's list (failed and left members until
    /// reaped) with Serf's layer, memberlist's otherwise.
    public var members: [SWIM.Member] { serf?.members(membership: membership) ?? membership.members }

    /// This node's Serf tags (none for a plain memberlist member).
    public var tags: [String: String] {
        guard serf != nil else { return [:] }
        return (try? SerfTags.decode(membership.localMember.metadata)) ?? [:]
    }

    // MARK: - Lifecycle

    /// Starts probing, gossip and push-pull, and Serf's periodic work.
    public mutating func start(at now: Instant, using rng: inout some RandomNumberGenerator) -> [Effect] {
        absorb(membership.start(at: now, using: &rng), at: now, using: &rng)
        if serf != nil { absorb(serf!.start(at: now), at: now, using: &rng) }
        if store != nil { absorb(store!.start(at: now, using: &rng), at: now) }
        if broadcastTree != nil { route(broadcastTree!.start(at: now, using: &rng), at: now, using: &rng) }
        return takeEffects()
    }

    /// Joins the cluster through `seeds`: a push-pull with each (report each outcome with
    /// ``pushPullCompleted(_:from:at:using:)``).
    public mutating func join(
        _ seeds: [NodeAddress], at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        joinsInFlight.formUnion(seeds)
        absorb(membership.join(seeds, at: now, using: &rng), at: now, using: &rng)
        return takeEffects()
    }

    /// Adds members this node should already know without announcing them (a simulation that starts formed).
    public mutating func bootstrap(
        members: [SWIM.Member], at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        absorb(membership.bootstrap(members: members, at: now, using: &rng), at: now, using: &rng)
        return takeEffects()
    }

    /// Leaves gracefully: Serf's leave intents to every live member, a gossip interval for them to arrive, then
    /// memberlist's leave; the node stops once that was announced (or after ``Configuration/leaveTimeout``) and
    /// it lingered ``Configuration/leavePropagationDelay``.
    public mutating func leave(at now: Instant, using rng: inout some RandomNumberGenerator) -> [Effect] {
        guard leavePhase == nil, !hasStopped else { return [] }
        leavePhase = .announce
        if serf != nil {
            absorb(serf!.beginLeave(membership: membership), at: now, using: &rng)
            effects.append(.arm(.leave(.announce), at: now + configuration.settings.gossipInterval))
        } else {
            announceLeave(at: now, using: &rng)
        }
        return takeEffects()
    }

    // MARK: - Inputs

    /// Handles the messages of one datagram from `sender`.
    public mutating func receive(
        _ messages: some Sequence<SWIM.Message>, from sender: NodeAddress, at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        guard !hasStopped else { return [] }
        var serfMessages: [(message: SerfMessage, payload: [UInt8])] = []
        for message in messages {
            if case .user(let payload) = message {
                if ReplicationPayload.isReplication(payload) {
                    if store != nil { absorb(store!.receive(payload, from: sender, at: now, using: &rng), at: now) }
                    continue
                }
                if TreeWire.isTree(payload) {
                    receiveTree(payload, at: now, using: &rng)
                    continue
                }
                if serf != nil {
                    if let serfMessage = try? SerfMessage(decoding: payload) {
                        serfMessages.append((serfMessage, payload))
                    }
                } else {
                    effects.append(.userMessage(payload, from: sender))
                }
            }
            absorb(membership.receive(message, from: sender, at: now, using: &rng), at: now, using: &rng)
        }
        for (message, payload) in serfMessages where serf != nil {
            absorb(
                serf!.receive(message, payload: payload, membership: membership, at: now, using: &rng), at: now,
                using: &rng)
        }
        return takeEffects()
    }

    /// Handles a timer this core armed.
    public mutating func fire(_ timer: Timer, at now: Instant, using rng: inout some RandomNumberGenerator) -> [Effect]
    {
        guard !hasStopped else { return [] }
        switch timer {
        case .membership(let timer):
            absorb(membership.fire(timer, at: now, using: &rng), at: now, using: &rng)
        case .serf(let timer):
            if serf != nil {
                absorb(serf!.fire(timer, membership: membership, at: now, using: &rng), at: now, using: &rng)
            }
        case .store(let timer):
            if store != nil { absorb(store!.fire(timer, at: now, using: &rng), at: now) }
        case .tree(let timer):
            guard broadcastTree != nil else { break }
            route(broadcastTree!.fire(timer, at: now, using: &rng), at: now, using: &rng)
            // A node left with no neighbour (its join was lost, or every neighbour failed) joins again.
            if timer == .overlay(.shuffle), broadcastTree!.overlay.activeView.isEmpty,
                let contact = treeAddresses.keys.sorted().randomElement(using: &rng)
            {
                route(broadcastTree!.join(through: contact), at: now, using: &rng)
            }
        case .leave(.announce):
            announceLeave(at: now, using: &rng)
        case .leave(.timeout):
            linger(at: now)
        case .leave(.linger):
            hasStopped = true
            effects.append(.stop(.left))
        }
        return takeEffects()
    }

    /// The answer to a push-pull a peer started: this node's state (with Serf's user state), merging the peer's.
    public mutating func answerPushPull(
        _ state: SWIM.PushPull, from remote: NodeAddress, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> (reply: SWIM.PushPull, effects: [Effect]) {
        var (reply, swimEffects) = membership.answerPushPull(state, from: remote, at: now, using: &rng)
        reply.userState = serf?.pushPullUserState ?? []
        absorb(swimEffects, at: now, using: &rng)
        mergeUserState(state.userState, joining: false, at: now, using: &rng)
        return (reply, takeEffects())
    }

    /// The outcome of a push-pull this node started: the peer's state, or `nil` when the exchange failed.
    public mutating func pushPullCompleted(
        _ remote: SWIM.PushPull?, from address: NodeAddress, at now: Instant,
        using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        let joining = joinsInFlight.remove(address) != nil
        absorb(membership.pushPullCompleted(remote, from: address, at: now, using: &rng), at: now, using: &rng)
        if let remote { mergeUserState(remote.userState, joining: joining, at: now, using: &rng) }
        return takeEffects()
    }

    /// The outcome of a stream ping this node sent.
    public mutating func streamPingCompleted(
        sequenceNumber: UInt32, acknowledged: Bool, at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        absorb(
            membership.streamPingCompleted(
                sequenceNumber: sequenceNumber, acknowledged: acknowledged, at: now, using: &rng),
            at: now, using: &rng)
        return takeEffects()
    }

    /// A `user` message that arrived on a stream: the broadcast tree's (a message too large for a datagram), or
    /// Serf's push-pull state (Serf sends it this way on a join).
    public mutating func receiveStreamMessage(
        _ payload: [UInt8], at now: Instant, using rng: inout some RandomNumberGenerator
    ) -> [Effect] {
        guard !hasStopped else { return [] }
        if TreeWire.isTree(payload) {
            receiveTree(payload, at: now, using: &rng)
            return takeEffects()
        }
        mergeUserState(payload, joining: false, at: now, using: &rng)
        return takeEffects()
    }

    /// A peer's push-pull user state: Serf's layer merges it, a plain member hands it to the application.
    mutating func mergeUserState(
        _ state: [UInt8], joining: Bool, at now: Instant, using rng: inout some RandomNumberGenerator
    ) {
        if serf != nil {
            absorb(
                serf!.merge(userState: state, joining: joining, membership: membership, at: now), at: now, using: &rng)
        } else if !state.isEmpty {
            effects.append(.remoteState(state, joining: joining))
        }
    }

    // MARK: - Routing

    /// Carries out what the membership protocol asked that concerns the node itself, and passes the rest on.
    mutating func absorb(_ swimEffects: [SWIM.Effect], at now: Instant, using rng: inout some RandomNumberGenerator) {
        for effect in swimEffects {
            switch effect {
            case .send(let messages, let address, let destination):
                effects.append(.send(messages, to: address, destination: destination))
            case .pushPull(var state, let address):
                state.userState = serf?.pushPullUserState ?? []
                effects.append(.pushPull(state, to: address))
            case .streamPing(let ping, let address, let deadline):
                effects.append(.streamPing(ping, to: address, deadline: deadline))
            case .arm(let timer, let instant):
                effects.append(.arm(.membership(timer), at: instant))
            case .pingCompleted(let member, let roundTrip, let payload):
                if serf != nil, serf!.observePing(member: member, roundTrip: roundTrip, payload: payload, using: &rng) {
                    membership.ackPayload = serf!.ackPayload
                }
            case .event(let event):
                if case .leaveCompleted = event, leavePhase == .announce { linger(at: now) }
                if store != nil { observeReplicatingPeer(event) }
                if broadcastTree != nil { observeTreePeer(event, at: now, using: &rng) }
                if serf != nil {
                    absorb(serf!.observe(event, membership: membership, at: now, using: &rng), at: now, using: &rng)
                } else {
                    effects.append(.event(event))
                }
            }
        }
    }

    /// Carries out what Serf's layer asked of the membership protocol, and passes the rest on.
    mutating func absorb(_ serfEffects: [Serf.Effect], at now: Instant, using rng: inout some RandomNumberGenerator) {
        for effect in serfEffects {
            switch effect {
            case .broadcast(let payload, let key):
                absorb(membership.broadcast(payload, key: key), at: now, using: &rng)
            case .send(let payload, let address, let destination):
                effects.append(.send([.user(payload)], to: address, destination: destination))
            case .arm(let timer, let instant):
                effects.append(.arm(.serf(timer), at: instant))
            case .member(let event):
                effects.append(.event(event))
            case .userEvent(let event):
                effects.append(.userEvent(event))
            case .query(let query):
                effects.append(.query(query))
            case .queryAnswer(let id, let answer):
                effects.append(.queryAnswer(id: id, answer))
            case .queryFinished(let id):
                effects.append(.queryFinished(id: id))
            case .keyOperationFinished(let id, let result):
                effects.append(.keyOperationFinished(id: id, result))
            case .keyringChanged(let keyring):
                effects.append(.keyringChanged(keyring))
            case .forceLeave(let name):
                absorb(membership.forceLeave(name, at: now, using: &rng).effects, at: now, using: &rng)
            case .snapshot(let lines):
                effects.append(.snapshot(lines))
            case .flushSnapshot:
                effects.append(.flushSnapshot)
            case .nameConflictLost:
                guard !hasStopped else { continue }
                hasStopped = true
                effects.append(.stop(.lostNameConflict))
            }
        }
    }

    /// memberlist's leave: a `dead` about itself, gossiped; the node stops once it went out, or at the timeout.
    mutating func announceLeave(at now: Instant, using rng: inout some RandomNumberGenerator) {
        effects.append(.arm(.leave(.timeout), at: now + configuration.leaveTimeout))
        absorb(membership.leave(at: now, using: &rng), at: now, using: &rng)
    }

    /// The leave went out (or the wait for it is over): linger so peers hear it, then stop.
    mutating func linger(at now: Instant) {
        guard leavePhase == .announce else { return }
        leavePhase = .linger
        effects.append(.arm(.leave(.linger), at: now + configuration.leavePropagationDelay))
    }

    mutating func takeEffects() -> [Effect] {
        defer { effects = [] }
        return effects
    }
}
