import Foundation
import GossipCore
import Replication
import SWIM
import Serf

/// An HTTP answer: status, content type and body.
struct HTTPAnswer: Sendable {
    var status: Int
    var contentType: String
    var body: [UInt8]

    /// `object` as JSON (keys sorted, so that answers are stable).
    static func json(_ object: Any, status: Int = 200) -> HTTPAnswer {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return HTTPAnswer(status: status, contentType: "application/json", body: Array(data))
    }

    /// `{"error": message}` with `status`.
    static func error(_ message: String, status: Int) -> HTTPAnswer {
        json(["error": message], status: status)
    }
}

/// The JSON API: each route answered from the same state the control endpoint reads.
extension GossipNode {
    /// Answers `route` with the request's `body`.
    func answerHTTP(_ route: HTTPRoute, body: [UInt8]) async -> HTTPAnswer {
        if route.writes, !isRunning { return .error("the agent is not running", status: 503) }
        switch route {
        case .members(let status, let name, let tags):
            let listed = clusterMembers.filter { member in
                if let status, Self.serfStatus(member.status) != status { return false }
                if let name, member.name != name { return false }
                let memberTags = (try? SerfTags.decode(member.metadata)) ?? [:]
                return tags.allSatisfy { memberTags[$0.key] == $0.value }
            }
            return .json(listed.map(Self.httpMember))
        case .agent:
            return .json(httpAgent())
        case .sendEvent:
            guard case let object as [String: Any] = try? JSONSerialization.jsonObject(with: Data(body)),
                let name = object["name"] as? String, !name.isEmpty
            else { return .error("the body must be a JSON object with a non-empty string 'name'", status: 400) }
            guard object["payload"] == nil || object["payload"] is String else {
                return .error("'payload' must be a string", status: 400)
            }
            let payload = Array(((object["payload"] as? String) ?? "").utf8)
            do {
                try sendUserEvent(name: name, payload: payload, coalesce: (object["coalesce"] as? Bool) ?? false)
            } catch {
                return .error("\(error)", status: 400)
            }
            return .json(["sent": true])
        case .getKey(let key, let raw):
            if let value = value(of: key) {
                if raw { return HTTPAnswer(status: 200, contentType: "application/octet-stream", body: value) }
                return .json(["key": key, "value": Data(value).base64EncodedString()])
            }
            if let total = counter(key) { return .json(["key": key, "counter": total]) }
            return .error("no key '\(key)'", status: 404)
        case .putKey(let key):
            do {
                let timestamp = try await put(key, body)
                return .json(["key": key, "timestamp": timestamp.description])
            } catch {
                return .error(error.description, status: 400)
            }
        case .deleteKey(let key):
            do {
                let timestamp = try await delete(key)
                return .json(["key": key, "timestamp": timestamp.description])
            } catch {
                return .error(error.description, status: 400)
            }
        case .incrementKey(let key, let amount):
            do {
                return .json(["key": key, "counter": try await increment(key, by: amount)])
            } catch {
                return .error(error.description, status: 400)
            }
        case .listKeys(let prefix):
            let entries = keyValues(prefix: prefix).map {
                ["key": $0.key, "value": Data($0.value).base64EncodedString()]
            }
            let totals = counters(prefix: prefix).map { ["name": $0.name, "value": $0.value] as [String: Any] }
            return .json(["entries": entries, "counters": totals])
        case .getAggregate(let name):
            guard let reading = aggregate(name) else { return .error("no aggregate '\(name)'", status: 404) }
            var answer = Self.httpReading(reading)
            answer["alerts"] = alertStates.filter { $0.rule.name == name }.map(Self.httpAlert)
            return .json(answer)
        case .setAggregate(let name):
            guard let request = try? JSONDecoder().decode(AggregateValue.self, from: Data(body)), request.present
            else { return .error("the body must be a JSON object with 'value' (a number, or null)", status: 400) }
            do {
                try setAggregate(name, request.value)
                return .json(["name": name, "value": request.value.map { $0 as Any } ?? NSNull()])
            } catch {
                return .error(error.description, status: 400)
            }
        case .query:
            return await answerQuery(body)
        case .keyring:
            let result = await manageKeys(.list)
            if let error = result.error { return .error(error, status: 409) }
            return Self.httpKeys(result)
        case .manageKeyring:
            guard case let object as [String: Any] = try? JSONSerialization.jsonObject(with: Data(body)),
                let operationName = object["operation"] as? String,
                let operation = ["install": KeyOperation.install, "use": .use, "remove": .remove][operationName],
                let text = object["key"] as? String, let key = Data(base64Encoded: text), key.count == 32
            else {
                return .error(
                    "the body must be {\"operation\": install, use or remove, \"key\": a base64 32-byte key}",
                    status: 400)
            }
            let result = await manageKeys(operation, key: Array(key))
            if let error = result.error { return .error(error, status: 409) }
            return Self.httpKeys(result)
        case .badRequest(let reason):
            return .error(reason, status: 400)
        case .notFound:
            return .error("nothing here; the API is under /v1/, the page at /ui/", status: 404)
        case .methodNotAllowed:
            return .error("this path does not take that method", status: 405)
        case .metrics, .dashboard, .stream, .watchKeys:
            return .error("not a JSON route", status: 500)
        }
    }

    /// `POST /v1/queries`: asks the query and collects its acks and responses until it is over.
    func answerQuery(_ body: [UInt8]) async -> HTTPAnswer {
        guard case let object as [String: Any] = try? JSONSerialization.jsonObject(with: Data(body)),
            let name = object["name"] as? String, !name.isEmpty
        else { return .error("the body must be a JSON object with a non-empty string 'name'", status: 400) }
        let payload = Array(((object["payload"] as? String) ?? "").utf8)
        var filters: [SerfMessage.Query.Filter] = []
        if let nodes = object["nodes"] as? [String], !nodes.isEmpty { filters.append(.nodes(nodes)) }
        for (tag, expression) in object["tags"] as? [String: String] ?? [:] {
            filters.append(.tag(tag, expression: expression))
        }
        if let error = Self.querySizeError(name: name, payload: payload, filters: filters) {
            return .error(error, status: 400)
        }
        var timeout: Duration?
        if let milliseconds = object["timeout_ms"] as? Int {
            guard (1...300_000).contains(milliseconds) else {
                return .error("'timeout_ms' must lie between 1 and 300000", status: 400)
            }
            timeout = .milliseconds(milliseconds)
        }
        var acks: [String] = []
        var responses: [[String: String]] = []
        for await answer in query(name, payload: payload, filters: filters, timeout: timeout) {
            switch answer {
            case .ack(let from): acks.append(from)
            case .response(let from, let bytes):
                responses.append(["from": from, "payload": String(decoding: bytes, as: UTF8.self)])
            }
        }
        return .json(["acks": acks.sorted(), "responses": responses])
    }

    /// A key operation's result: the keys with how many members hold each, and the counts.
    static func httpKeys(_ result: KeyOperationResult) -> HTTPAnswer {
        .json([
            "keys": result.keys, "nodes": result.nodes, "responses": result.responses, "errors": result.errors,
            "messages": result.messages,
        ])
    }

    /// A member as the API lists it.
    static func httpMember(_ member: SWIM.Member) -> [String: Any] {
        [
            "name": member.name, "address": member.address.ip.description, "port": Int(member.address.port),
            "status": serfStatus(member.status), "incarnation": Int(member.incarnation),
            "tags": (try? SerfTags.decode(member.metadata)) ?? [:],
        ]
    }

    /// This agent: name, tags, health, counts by status, traffic, and its coordinate when it keeps one.
    func httpAgent() -> [String: Any] {
        var counts: [String: Int] = [:]
        for member in clusterMembers { counts[Self.serfStatus(member.status), default: 0] += 1 }
        var agent: [String: Any] = [
            "name": configuration.name, "tags": core?.tags ?? [:], "health_score": healthScore,
            "members": counts,
            "traffic": [
                "packets_in": statistics.packetsIn, "packets_out": statistics.packetsOut,
                "bytes_in": statistics.bytesIn, "bytes_out": statistics.bytesOut,
                "packets_dropped": statistics.packetsDropped,
            ],
        ]
        agent["alerts"] = alertStates.map(Self.httpAlert)
        if let coordinate = coordinate(of: configuration.name) {
            agent["coordinate"] = [
                "vec": coordinate.vector, "error": coordinate.error, "adjustment": coordinate.adjustment,
                "height": coordinate.height,
            ]
        }
        return agent
    }

    /// An alert rule and whether it holds.
    static func httpAlert(_ state: (rule: AlertRule, firing: Bool)) -> [String: Any] {
        ["rule": state.rule.description, "aggregate": state.rule.name, "firing": state.firing]
    }

    /// An aggregate reading as the API answers it (absent numbers are null).
    static func httpReading(_ reading: AggregateReading) -> [String: Any] {
        func number(_ value: Double?) -> Any { value.map { $0 as Any } ?? NSNull() }
        return [
            "name": reading.name, "epoch": Int(reading.epoch), "complete": reading.complete,
            "average": number(reading.average), "sum": number(reading.sum), "count": number(reading.count),
            "min": number(reading.minimum), "max": number(reading.maximum), "error_bound": number(reading.errorBound),
            "rounds": reading.rounds, "members": reading.members, "local": number(reading.localValue),
        ]
    }
}

/// `PUT /v1/aggregates/{name}`'s body: `{"value": number}`, or `{"value": null}` to clear.
struct AggregateValue: Decodable {
    var present: Bool
    var value: Double?

    enum CodingKeys: String, CodingKey { case value }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        present = container.contains(.value)
        value = try container.decodeIfPresent(Double.self, forKey: .value)
    }
}
