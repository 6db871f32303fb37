import MemberlistWire
import Replication

/// The control endpoint's commands for the replicated store and the aggregates (not part of Serf's RPC; a Serf
/// agent answers them "Unsupported command"). Each request has a body and each answer carries one, also with an
/// error, so that clients read answers the same way every time.
extension GossipNode {
    /// Answers a store or aggregate command.
    func answerStoreCommand(_ command: RPCCommand, sequence: UInt64) async -> RPCReply {
        var reply = RPCReply(sequence: sequence, body: .map([]))
        do throws(KeyValueError) {
            switch command {
            case .put(let key, let value):
                let timestamp = try await put(key, value)
                reply.body = .map([(.string("Timestamp"), .string(timestamp.description))])
            case .delete(let key):
                let timestamp = try await delete(key)
                reply.body = .map([(.string("Timestamp"), .string(timestamp.description))])
            case .get(let key):
                if let value = value(of: key) {
                    reply.body = .map([(.string("Found"), .bool(true)), (.string("Value"), .binary(value))])
                } else if let total = counter(key) {
                    reply.body = .map([
                        (.string("Found"), .bool(true)), (.string("Value"), .binary(Array(String(total).utf8))),
                        (.string("Counter"), .bool(true)),
                    ])
                } else {
                    reply.body = .map([(.string("Found"), .bool(false))])
                }
            case .list(let prefix):
                let entries = keyValues(prefix: prefix).map { pair -> MessagePackValue in
                    .map([(.string("Key"), .string(pair.key)), (.string("Value"), .binary(pair.value))])
                }
                let totals = counters(prefix: prefix).map { pair -> MessagePackValue in
                    .map([(.string("Name"), .string(pair.name)), (.string("Value"), .int(pair.value))])
                }
                reply.body = .map([(.string("Entries"), .array(entries)), (.string("Counters"), .array(totals))])
            case .increment(let key, let amount):
                let total = try await increment(key, by: amount)
                reply.body = .map([(.string("Value"), .int(total))])
            case .setAggregate(let name, let value):
                try setAggregate(name, value)
            case .getAggregate(let name):
                reply.body = Self.rpcReading(aggregate(name))
            default:
                reply.error = "Unsupported command"
            }
        } catch {
            reply.error = error.description
        }
        return reply
    }

    /// An aggregate reading as the RPC answers it: absent numbers are left out.
    static func rpcReading(_ reading: AggregateReading?) -> MessagePackValue {
        guard let reading else { return .map([(.string("Found"), .bool(false))]) }
        var pairs: [(key: MessagePackValue, value: MessagePackValue)] = [
            (.string("Found"), .bool(true)), (.string("Name"), .string(reading.name)),
            (.string("Epoch"), .uint(reading.epoch)), (.string("Complete"), .bool(reading.complete)),
            (.string("Rounds"), .int(Int64(reading.rounds))), (.string("Members"), .int(Int64(reading.members))),
        ]
        let numbers: [(String, Double?)] = [
            ("Average", reading.average), ("Sum", reading.sum), ("Count", reading.count),
            ("Min", reading.minimum), ("Max", reading.maximum), ("ErrorBound", reading.errorBound),
            ("Local", reading.localValue),
        ]
        for (name, number) in numbers {
            if let number { pairs.append((.string(name), .double(number))) }
        }
        return .map(pairs)
    }
}
