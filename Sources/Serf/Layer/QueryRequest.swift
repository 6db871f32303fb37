extension Serf {
    /// A query to ask the cluster.
    public struct QueryRequest: Sendable, Hashable {
        /// The query's name.
        public var name: String
        /// Its payload.
        public var payload: [UInt8]
        /// Serf's filters (node names, tag expressions); a member answers only if it passes every one.
        public var filters: [SerfMessage.Query.Filter]
        /// Whether members ack the query as they receive it. Default: `true`.
        public var requestAck: Bool
        /// Each member also answers through this many others (Serf's relay factor). Default: 0.
        public var relayFactor: UInt8
        /// How long answers are collected; `nil` for Serf's default (see ``Serf/queryTimeout(gossipInterval:members:multiplier:)``).
        public var timeout: Duration?

        /// A query called `name`.
        public init(
            name: String, payload: [UInt8] = [], filters: [SerfMessage.Query.Filter] = [], requestAck: Bool = true,
            relayFactor: UInt8 = 0, timeout: Duration? = nil
        ) {
            self.name = name
            self.payload = payload
            self.filters = filters
            self.requestAck = requestAck
            self.relayFactor = relayFactor
            self.timeout = timeout
        }
    }

    /// Why Serf's layer refused a command.
    public struct CommandError: Error, Hashable, CustomStringConvertible {
        /// What went wrong, for a person.
        public var description: String

        /// An error saying `description`.
        public init(_ description: String) { self.description = description }
    }

    /// Serf's limit on a user event's name and payload together (`UserEventSizeLimit`).
    public static let userEventSizeLimit = 512
    /// Serf's limit on an encoded query (`QuerySizeLimit`).
    public static let querySizeLimit = 1024
    /// Serf's limit on a query response's payload (`QueryResponseSizeLimit`).
    public static let queryResponseSizeLimit = 1024
    /// The prefix of Serf's internal queries (`_serf_ping`, `_serf_conflict`, the key queries).
    public static let internalQueryPrefix = "_serf_"

    /// Why a query cannot be asked, or `nil` when it can: its encoding is over ``querySizeLimit``.
    public static func querySizeError(name: String, payload: [UInt8], filters: [SerfMessage.Query.Filter]) -> String? {
        // The widest values of the fields the asker fills in: an IPv6 address, the largest ID, times and port.
        let widest = SerfMessage.Query(
            address: Array(repeating: 0xFF, count: 16), filters: filters.map { $0.encode() }, flags: .max, id: .max,
            lamportTime: .max, name: name, payload: payload, port: .max, relayFactor: .max,
            sourceNode: String(repeating: "n", count: 128), timeoutNanoseconds: .max)
        let size = SerfMessage.query(widest).encode().count
        return size > querySizeLimit ? "query exceeds limit of \(querySizeLimit) bytes (\(size))" : nil
    }
}
