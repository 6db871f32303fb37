import Foundation

/// One HTTP API request, decoded once from its method, path and query into what it asks for; the JSON API's
/// routes are versioned under `/v1/`.
enum HTTPRoute: Equatable {
    /// `GET /v1/members?status=&name=&tag=KEY:VALUE`.
    case members(status: String?, name: String?, tags: [String: String])
    /// `GET /v1/agent`.
    case agent
    /// `POST /v1/events` with `{"name", "payload", "coalesce"}`.
    case sendEvent
    /// `GET /v1/stream`: server-sent events of member changes and user events.
    case stream
    /// `POST /v1/queries` with `{"name", "payload", "nodes", "tags", "timeout_ms"}`: asks a query and answers
    /// with its acks and responses once it is over.
    case query
    /// `GET /v1/keys`: the encryption keys in use across the cluster.
    case keyring
    /// `POST /v1/keys` with `{"operation": "install" | "use" | "remove", "key": base64}`.
    case manageKeyring
    /// `GET /v1/kv-watch?prefix=`: server-sent events of the store's changes under a prefix.
    case watchKeys(prefix: String)
    /// `GET /v1/kv/{key}` (`?raw` for the bytes alone).
    case getKey(String, raw: Bool)
    /// `PUT /v1/kv/{key}` with the value as the body.
    case putKey(String)
    /// `DELETE /v1/kv/{key}`.
    case deleteKey(String)
    /// `POST /v1/kv/{key}?incr=N`: adds N to a counter.
    case incrementKey(String, by: Int64)
    /// `GET /v1/kv?prefix=`.
    case listKeys(prefix: String)
    /// `GET /v1/aggregates/{name}`.
    case getAggregate(String)
    /// `PUT /v1/aggregates/{name}` with `{"value": number or null}`.
    case setAggregate(String)
    /// `GET /metrics`: Prometheus' text format.
    case metrics
    /// `GET /ui/`: the dashboard.
    case dashboard
    /// Nothing here: 404.
    case notFound
    /// A known path with a method it does not take: 405.
    case methodNotAllowed
    /// A query parameter that does not parse: 400 with the reason.
    case badRequest(String)

    init(method: String, uri: String) {
        let components = URLComponents(string: uri)
        let path = components?.percentEncodedPath ?? uri
        var query: [String: [String]] = [:]
        for item in components?.queryItems ?? [] { query[item.name, default: []].append(item.value ?? "") }
        func decoded(_ text: Substring) -> String { String(text).removingPercentEncoding ?? String(text) }
        switch (method, path) {
        case ("GET", "/metrics"): self = .metrics
        case ("GET", "/ui"), ("GET", "/ui/"), ("GET", "/"): self = .dashboard
        case ("GET", "/v1/agent"): self = .agent
        case ("GET", "/v1/stream"): self = .stream
        case ("POST", "/v1/events"): self = .sendEvent
        case ("POST", "/v1/queries"): self = .query
        case ("GET", "/v1/keys"): self = .keyring
        case ("POST", "/v1/keys"): self = .manageKeyring
        case ("GET", "/v1/kv-watch"): self = .watchKeys(prefix: query["prefix"]?.first ?? "")
        case ("GET", "/v1/kv"): self = .listKeys(prefix: query["prefix"]?.first ?? "")
        case ("GET", "/v1/members"):
            var tags: [String: String] = [:]
            for tag in query["tag"] ?? [] {
                let parts = tag.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else {
                    self = .badRequest("tag '\(tag)' is not KEY:VALUE")
                    return
                }
                tags[String(parts[0])] = String(parts[1])
            }
            self = .members(status: query["status"]?.first, name: query["name"]?.first, tags: tags)
        case (_, "/metrics"), (_, "/v1/agent"), (_, "/v1/stream"), (_, "/v1/events"), (_, "/v1/kv"),
            (_, "/v1/members"), (_, "/ui"), (_, "/ui/"), (_, "/v1/queries"), (_, "/v1/keys"), (_, "/v1/kv-watch"):
            self = .methodNotAllowed
        default:
            if path.hasPrefix("/v1/kv/"), path.count > "/v1/kv/".count {
                let key = decoded(path.dropFirst("/v1/kv/".count))
                switch method {
                case "GET": self = .getKey(key, raw: query["raw"] != nil)
                case "PUT": self = .putKey(key)
                case "DELETE": self = .deleteKey(key)
                case "POST":
                    guard let text = query["incr"]?.first, let amount = Int64(text) else {
                        self = .badRequest("POST on a key needs ?incr=N with N an integer")
                        return
                    }
                    self = .incrementKey(key, by: amount)
                default: self = .methodNotAllowed
                }
            } else if path.hasPrefix("/v1/aggregates/"), path.count > "/v1/aggregates/".count {
                let name = decoded(path.dropFirst("/v1/aggregates/".count))
                switch method {
                case "GET": self = .getAggregate(name)
                case "PUT": self = .setAggregate(name)
                default: self = .methodNotAllowed
                }
            } else {
                self = .notFound
            }
        }
    }

    /// Whether the route changes something (the others only read).
    var writes: Bool {
        switch self {
        case .sendEvent, .putKey, .deleteKey, .incrementKey, .setAggregate, .query, .manageKeyring: return true
        default: return false
        }
    }
}
