import Foundation
import GossipCore
import GossipNIO
import GossipTestKit
import Logging
import Testing

/// The agent's HTTP API on real sockets: every answer checked against the OpenAPI description in
/// `docs/openapi.json`, errors as JSON with the right status, the bearer key and the event streams. (The
/// dashboard in a real browser: ``DashboardBrowserTests``.)
@Suite("The HTTP API and the dashboard", .serialized)
struct HTTPAPITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func node(_ name: String) -> GossipNode {
        var configuration = NodeConfiguration(name: name)
        configuration.bindAddress = NodeAddress(ip: .loopbackV4, port: 0)
        configuration.replication = ReplicationConfiguration()
        configuration.tags = ["role": "web"]
        return GossipNode(
            configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    struct Answer {
        var status: Int
        var body: [UInt8]
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    }

    /// One request on its own connection (blocking; run it off the cooperative pool).
    static func call(
        _ method: String, _ path: String, at address: NodeAddress, body: [UInt8] = [], headers: [String: String] = [:]
    ) throws -> Answer {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(address)\r\nConnection: close\r\n"
        request += "Content-Length: \(body.count)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        let descriptor = try openStream(to: address, sending: Array((request + "\r\n").utf8) + body)
        defer { close(descriptor) }
        // Generous: the whole suite shares two cores with this agent.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let separator = text.range(of: "\r\n\r\n"),
            let status = Int(text[..<separator.lowerBound].split(separator: " ").dropFirst().first ?? "")
        else { throw SerfError("\(method) \(path): not an HTTP answer: \(text.prefix(200))") }
        let headerBytes = text[..<separator.upperBound].utf8.count
        return Answer(status: status, body: Array(received[headerBytes...]))
    }

    // MARK: - The OpenAPI description

    /// The description, read when asked (a `[String: Any]` cannot be a shared constant under strict
    /// concurrency).
    static var openAPI: [String: Any] {
        let data = (try? Data(contentsOf: root.appendingPathComponent("docs/openapi.json"))) ?? Data()
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    /// The schema of the JSON answer to `method` on `path` (a template such as `/v1/kv/{key}`) with `status`.
    static func schema(_ path: String, _ method: String, _ status: Int) -> [String: Any]? {
        let paths = openAPI["paths"] as? [String: Any]
        let operation = (paths?[path] as? [String: Any])?[method.lowercased()] as? [String: Any]
        let response = (operation?["responses"] as? [String: Any])?[String(status)] as? [String: Any]
        let content = (response?["content"] as? [String: Any])?["application/json"] as? [String: Any]
        return content?["schema"] as? [String: Any]
    }

    /// Every way `value` departs from `schema` (an empty list when it conforms): types, required properties,
    /// enumerations, array items, map values, `$ref`s into the components, `nullable`.
    static func violations(of value: Any, against schema: [String: Any], at location: String = "$") -> [String] {
        if let reference = schema["$ref"] as? String {
            let name = String(reference.split(separator: "/").last ?? "")
            let schemas = (openAPI["components"] as? [String: Any])?["schemas"] as? [String: Any]
            guard let target = schemas?[name] as? [String: Any] else { return ["\(location): no schema \(name)"] }
            return violations(of: value, against: target, at: location)
        }
        if value is NSNull { return schema["nullable"] as? Bool == true ? [] : ["\(location): null"] }
        var problems: [String] = []
        switch schema["type"] as? String {
        case "object":
            guard let object = value as? [String: Any] else { return ["\(location): not an object"] }
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(location).\(key): missing")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, item) in object {
                if let property = properties[key] as? [String: Any] {
                    problems += violations(of: item, against: property, at: "\(location).\(key)")
                } else if let values = schema["additionalProperties"] as? [String: Any] {
                    problems += violations(of: item, against: values, at: "\(location).\(key)")
                }
            }
        case "array":
            guard let array = value as? [Any] else { return ["\(location): not an array"] }
            if let items = schema["items"] as? [String: Any] {
                for (index, item) in array.enumerated() {
                    problems += violations(of: item, against: items, at: "\(location)[\(index)]")
                }
            }
        case "string":
            guard let string = value as? String else { return ["\(location): not a string"] }
            if let allowed = schema["enum"] as? [String], !allowed.contains(string) {
                problems.append("\(location): '\(string)' not one of \(allowed)")
            }
        case "integer":
            guard let number = value as? NSNumber, !isBoolean(value), number.doubleValue.rounded() == number.doubleValue
            else { return ["\(location): not an integer"] }
        case "number":
            guard value is NSNumber, !isBoolean(value) else { return ["\(location): not a number"] }
        case "boolean":
            guard isBoolean(value) else { return ["\(location): not a boolean"] }
        default:
            break
        }
        return problems
    }

    /// Whether a decoded JSON value was `true` or `false` (Foundation's numbers also cast to `Bool`).
    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    /// Calls the API and checks the answer's status and its body against the OpenAPI description.
    static func check(
        _ method: String, _ path: String, template: String, status: Int, at address: NodeAddress,
        body: [UInt8] = [], headers: [String: String] = [:]
    ) throws -> Any? {
        let answer = try call(method, path, at: address, body: body, headers: headers)
        #expect(answer.status == status, "\(method) \(path): \(String(decoding: answer.body, as: UTF8.self))")
        let schema = try #require(
            Self.schema(template, method, status), "no schema for \(method) \(template) \(status)")
        let json = try #require(answer.json, "\(method) \(path): not JSON")
        let problems = violations(of: json, against: schema)
        #expect(problems.isEmpty, "\(method) \(path): \(problems)")
        return json
    }

    // MARK: - Tests

    @Test("every route answers as docs/openapi.json describes, errors included")
    func routesMatchTheDescription() async throws {
        let first = Self.node("http-a")
        let second = Self.node("http-b")
        try await first.start()
        try await second.start()
        defer {
            Task {
                await first.shutdown()
                await second.shutdown()
            }
        }
        let address = try await first.startHTTP(on: NodeAddress(ip: .loopbackV4, port: 0))
        #expect(await second.join([try #require(await first.boundAddress)]) == 1)
        #expect(await waitUntil(timeout: 10) { await first.members.count == 2 })
        let problems: String? = await onDedicatedThread {
            do {
                let members = try Self.check("GET", "/v1/members", template: "/v1/members", status: 200, at: address)
                #expect((members as? [Any])?.count == 2)
                let filtered = try Self.check(
                    "GET", "/v1/members?name=http-b&tag=role:web", template: "/v1/members", status: 200, at: address)
                #expect(((filtered as? [[String: Any]])?.map { $0["name"] as? String }) == ["http-b"])
                _ = try Self.check("GET", "/v1/members?tag=nocolon", template: "/v1/members", status: 400, at: address)
                let agent = try Self.check("GET", "/v1/agent", template: "/v1/agent", status: 200, at: address)
                #expect((agent as? [String: Any])?["name"] as? String == "http-a")
                _ = try Self.check(
                    "PUT", "/v1/kv/colour", template: "/v1/kv/{key}", status: 200, at: address, body: Array("teal".utf8)
                )
                let value = try Self.check("GET", "/v1/kv/colour", template: "/v1/kv/{key}", status: 200, at: address)
                #expect((value as? [String: Any])?["value"] as? String == Data("teal".utf8).base64EncodedString())
                let raw = try Self.call("GET", "/v1/kv/colour?raw", at: address)
                #expect(raw.body == Array("teal".utf8))
                _ = try Self.check("POST", "/v1/kv/hits?incr=5", template: "/v1/kv/{key}", status: 200, at: address)
                _ = try Self.check("POST", "/v1/kv/hits", template: "/v1/kv/{key}", status: 400, at: address)
                let listing = try Self.check("GET", "/v1/kv?prefix=", template: "/v1/kv", status: 200, at: address)
                #expect(((listing as? [String: Any])?["counters"] as? [Any])?.count == 1)
                _ = try Self.check("DELETE", "/v1/kv/colour", template: "/v1/kv/{key}", status: 200, at: address)
                _ = try Self.check("GET", "/v1/kv/colour", template: "/v1/kv/{key}", status: 404, at: address)
                _ = try Self.check(
                    "POST", "/v1/events", template: "/v1/events", status: 200, at: address,
                    body: Array(#"{"name":"deploy","payload":"v2"}"#.utf8))
                _ = try Self.check(
                    "POST", "/v1/events", template: "/v1/events", status: 400, at: address, body: Array("{".utf8))
                _ = try Self.check(
                    "POST", "/v1/events", template: "/v1/events", status: 400, at: address,
                    body: Array(#"{"name":"big","payload":"\#(String(repeating: "x", count: 600))"}"#.utf8))
                _ = try Self.check(
                    "PUT", "/v1/kv/big", template: "/v1/kv/{key}", status: 413, at: address,
                    body: [UInt8](repeating: 1, count: 1_100_000))
                _ = try Self.check(
                    "PUT", "/v1/aggregates/load", template: "/v1/aggregates/{name}", status: 200, at: address,
                    body: Array(#"{"value": 0.5}"#.utf8))
                _ = try Self.check(
                    "PUT", "/v1/aggregates/load", template: "/v1/aggregates/{name}", status: 400, at: address,
                    body: Array(#"{"value": true}"#.utf8))
                _ = try Self.check(
                    "GET", "/v1/aggregates/load", template: "/v1/aggregates/{name}", status: 200, at: address)
                _ = try Self.check(
                    "GET", "/v1/aggregates/none", template: "/v1/aggregates/{name}", status: 404, at: address)
                let asked = try Self.check(
                    "POST", "/v1/queries", template: "/v1/queries", status: 200, at: address,
                    body: Array(#"{"name":"ping-all","timeout_ms":1500}"#.utf8))
                #expect(((asked as? [String: Any])?["acks"] as? [String]) == ["http-a", "http-b"])
                _ = try Self.check(
                    "POST", "/v1/queries", template: "/v1/queries", status: 400, at: address,
                    body: Array(#"{"name":"q","timeout_ms":0}"#.utf8))
                _ = try Self.check("GET", "/v1/keys", template: "/v1/keys", status: 409, at: address)
                _ = try Self.check(
                    "POST", "/v1/keys", template: "/v1/keys", status: 400, at: address,
                    body: Array(#"{"operation":"install","key":"c2hvcnQ="}"#.utf8))
                #expect(try Self.call("GET", "/v1/nothing", at: address).status == 404)
                #expect(try Self.call("DELETE", "/v1/members", at: address).status == 405)
                let page = try Self.call("GET", "/ui/", at: address)
                #expect(page.status == 200 && String(decoding: page.body, as: UTF8.self).contains("<table>"))
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(problems == nil, "\(problems ?? "")")
    }

    @Test("with a key, a request without the bearer gets 401 and changes nothing; with it, it goes through")
    func bearerKey() async throws {
        let node = Self.node("http-auth")
        try await node.start()
        defer { Task { await node.shutdown() } }
        let address = try await node.startHTTP(on: NodeAddress(ip: .loopbackV4, port: 0), authKey: "s3cret")
        let (refused, wrong, accepted) = await onDedicatedThread { () -> (Int, Int, Int) in
            let refused = (try? Self.call("PUT", "/v1/kv/k", at: address, body: [1]))?.status ?? 0
            let wrong =
                (try? Self.call("PUT", "/v1/kv/k", at: address, body: [1], headers: ["Authorization": "Bearer s3cre"]))?
                .status ?? 0
            let accepted =
                (try? Self.call(
                    "PUT", "/v1/kv/k", at: address, body: [2], headers: ["Authorization": "Bearer s3cret"]))?.status
                ?? 0
            return (refused, wrong, accepted)
        }
        #expect(refused == 401 && wrong == 401)
        #expect(accepted == 200)
        #expect(await node.value(of: "k") == [2])
    }

    @Test("the stream shows a member joining and a user event as they happen")
    func stream() async throws {
        let first = Self.node("stream-a")
        let second = Self.node("stream-b")
        try await first.start()
        defer {
            Task {
                await first.shutdown()
                await second.shutdown()
            }
        }
        let address = try await first.startHTTP(on: NodeAddress(ip: .loopbackV4, port: 0))
        let descriptor = try openStream(
            to: address, sending: Array("GET /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        defer { close(descriptor) }
        #expect(
            await onDedicatedThread { Self.readUntil(descriptor, contains: "event: hello", seconds: 10) })
        try await second.start()
        #expect(await second.join([try #require(await first.boundAddress)]) == 1)
        try await second.sendUserEvent(name: "deploy", payload: Array("v3".utf8), coalesce: false)
        let seen = await onDedicatedThread {
            Self.readUntil(descriptor, contains: #""name":"deploy""#, seconds: 20, also: #""name":"stream-b""#)
        }
        #expect(seen)
    }

    @Test("the key-value watch streams a write as it is made")
    func keyValueWatch() async throws {
        let node = Self.node("watch-a")
        try await node.start()
        defer { Task { await node.shutdown() } }
        let address = try await node.startHTTP(on: NodeAddress(ip: .loopbackV4, port: 0))
        let descriptor = try openStream(
            to: address, sending: Array("GET /v1/kv-watch?prefix=conf/ HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        defer { close(descriptor) }
        #expect(await onDedicatedThread { Self.readUntil(descriptor, contains: "event: hello", seconds: 10) })
        try await node.put("other", [1])
        try await node.put("conf/colour", Array("teal".utf8))
        let seen = await onDedicatedThread {
            Self.readUntil(descriptor, contains: #""key":"conf/colour""#, seconds: 10, also: "event: kv")
        }
        #expect(seen)
    }

    @Test("200 stream clients at once all see a join, and are released when they hang up")
    func manyStreamClients() async throws {
        let first = Self.node("many-a")
        let second = Self.node("many-b")
        try await first.start()
        defer {
            Task {
                await first.shutdown()
                await second.shutdown()
            }
        }
        let address = try await first.startHTTP(on: NodeAddress(ip: .loopbackV4, port: 0))
        let listenersBefore = await first.listenerCount
        let request = Array("GET /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let descriptors = try (0..<200).map { _ in try openStream(to: address, sending: request) }
        let greeted = await onDedicatedThread {
            descriptors.filter { Self.readUntil($0, contains: "event: hello", seconds: 30) }.count
        }
        #expect(greeted == 200)
        #expect(first.feedStatistics.httpStreams == 200)
        try await second.start()
        #expect(await second.join([try #require(await first.boundAddress)]) == 1)
        let told = await onDedicatedThread {
            descriptors.filter { Self.readUntil($0, contains: #""name":"many-b""#, seconds: 30) }.count
        }
        #expect(told == 200)
        for descriptor in descriptors { close(descriptor) }
        let released = await waitUntil(timeout: 30) { () async -> Bool in
            await first.listenerCount == listenersBefore && first.feedStatistics.httpStreams == 0
        }
        let listeners = await first.listenerCount
        #expect(released, "\(listeners) listeners, \(first.feedStatistics.httpStreams) streams")
    }

    @Test("a stream client that never reads loses events, counted, and stalls neither the agent nor other clients")
    func slowStreamClient() async throws {
        let node = Self.node("slow-a")
        try await node.start()
        defer { Task { await node.shutdown() } }
        let address = try await node.startHTTP(on: NodeAddress(ip: .loopbackV4, port: 0))
        let request = Array("GET /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let stalled = try openStream(to: address, sending: request, receiveBuffer: 4096)
        defer { close(stalled) }
        let reading = try openStream(to: address, sending: request)
        defer { close(reading) }
        #expect(await onDedicatedThread { Self.readUntil(reading, contains: "event: hello", seconds: 10) })
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 400)
        var sent = 0
        while node.feedStatistics.dropped == 0, sent < 20_000 {
            try await node.sendUserEvent(name: "burst", payload: payload, coalesce: false)
            sent += 1
        }
        #expect(node.feedStatistics.dropped > 0, "\(sent) events sent")
        try await node.sendUserEvent(name: "last", payload: [], coalesce: false)
        let agent = await onDedicatedThread { try? Self.call("GET", "/v1/agent", at: address).status }
        #expect(agent == 200)
        #expect(
            await onDedicatedThread { Self.readUntil(reading, contains: #""name":"last""#, seconds: 30) },
            "a reading client gets the event after the burst")
    }

    /// Reads `descriptor` until what arrived contains `text` (and `also`, if given), for at most `seconds`.
    static func readUntil(_ descriptor: Int32, contains text: String, seconds: Int, also: String? = nil) -> Bool {
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received = ""
        var buffer = [UInt8](repeating: 0, count: 16_384)
        let deadline = Date().addingTimeInterval(Double(seconds))
        while Date() < deadline {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 { received += String(decoding: buffer[0..<count], as: UTF8.self) }
            if received.contains(text), also.map(received.contains) ?? true { return true }
        }
        return false
    }
}
