import GossipCore
import MemberlistWire
import NodeCore
import SWIM
import Serf

/// What the core decides, carried out: every effect is handled in ``GossipNode/execute(_:)``, and every timer the
/// core arms is fired by ``GossipNode/runTimers()``.
extension GossipNode {
    func execute(_ effects: [NodeCore.Effect]) {
        for effect in effects {
            switch effect {
            case .send(let messages, let address, let destination):
                send(messages, to: address, destination: destination)
            case .pushPull(let state, let address):
                spawn { await self.exchangePushPull(state, with: address) }
            case .streamPing(let ping, let address, let deadline):
                spawn { await self.streamPing(ping, to: address, deadline: deadline) }
            case .sendOverStream(let payload, let address):
                sendOverStream(payload, to: address)
            case .arm(let timer, let instant):
                if timers.arm(timer, at: instant) { alarm.ring() }
            case .event(let event):
                publish(event)
            case .userEvent(let event):
                logger.info(
                    "user event", metadata: ["gossip.event": "\(event.name)", "gossip.ltime": "\(event.lamportTime)"])
                deliverLocally(event)
            case .query(let query):
                offer(query)
            case .queryAnswer(let id, let answer):
                pendingQueries[id]?.yield(answer)
            case .queryFinished(let id):
                pendingQueries.removeValue(forKey: id)?.finish()
            case .keyOperationFinished(let id, let result):
                logger.info("key operation", metadata: ["gossip.result": "\(result)"])
                pendingKeyOperations.removeValue(forKey: id)?.resume(returning: result)
            case .keyringChanged(let keyring):
                logger.info("keyring changed by a key query", metadata: ["gossip.keys": "\(keyring.keys.count)"])
                sharedKeyring.set(keyring)
            case .snapshot(let lines):
                for line in lines { snapshot?.append(line) }
            case .flushSnapshot:
                flushSnapshot()
            case .store(let effect):
                perform(effect)
            case .userMessage(let payload, let sender):
                configuration.delegate?.notifyMessage(payload, from: sender)
            case .remoteState(let state, let joining):
                configuration.delegate?.mergeRemoteState(state, join: joining)
            case .stop(let reason):
                switch reason {
                case .left: logger.info("left the cluster")
                case .lostNameConflict:
                    logger.error("another node holds this node's name with the cluster's majority; stopping")
                }
                spawn { await self.shutdown() }
            }
        }
        while !durableInMemory.isEmpty { reportDurable(durableInMemory.removeFirst(), failure: nil) }
    }

    /// Fires the core's timers as they fall due, until the node stops.
    func runTimers() async {
        while isRunning {
            let wait = timers.earliest.map { $0 - now } ?? .seconds(3600)
            if wait > .zero { await alarm.sleep(for: wait) }
            guard isRunning else { return }
            for timer in timers.takeDue(at: now) {
                fire(timer)
                guard isRunning else { return }
            }
        }
    }

    func fire(_ timer: NodeCore.Timer) {
        guard isRunning, core != nil else { return }
        if case .store = timer { core!.anchorWallClock(milliseconds: wallMilliseconds, at: now) }
        let effects = core!.fire(timer, at: now, using: &rng)
        execute(effects)
    }

    // MARK: - To the application

    /// A membership change, to the log and every listener.
    func publish(_ event: SWIM.MembershipEvent) {
        switch event {
        case .suspected, .refuted, .updated: logger.debug("\(event)")
        default: logger.info("\(event)")
        }
        eventContinuation.yield(event)
        for (key, subscriber) in subscribers where Self.isGone(subscriber.yield(event)) { subscribers[key] = nil }
    }

    /// A user event (or a local alert), to every user-event listener.
    func deliverLocally(_ event: SerfMessage.UserEvent) {
        for (key, subscriber) in userEventSubscribers where Self.isGone(subscriber.yield(event)) {
            userEventSubscribers[key] = nil
        }
    }

    /// A user query this node may answer: to every query listener, and to the responder, whose answer (if it
    /// has one before the query's timeout) is sent back.
    func offer(_ query: SerfMessage.Query) {
        for (key, subscriber) in querySubscribers where Self.isGone(subscriber.yield(query)) {
            querySubscribers[key] = nil
        }
        guard let responder = queryResponder else { return }
        spawn {
            guard let answer = await responder(query) else { return }
            _ = await self.respond(toQuery: query.lamportTime, id: query.id, payload: answer)
        }
    }

    static func isGone<Element>(_ result: AsyncStream<Element>.Continuation.YieldResult) -> Bool {
        if case .terminated = result { return true }
        return false
    }
}
