extension Serf {
    /// A cluster-wide key operation, asked with Serf's internal `_serf_*-key` queries (what `serf keys` does).
    public enum KeyOperation: String, Sendable, CaseIterable {
        /// Adds a key to every keyring.
        case install = "install-key"
        /// Makes an installed key the primary (the one that encrypts) everywhere.
        case use = "use-key"
        /// Removes a key (not the primary) everywhere.
        case remove = "remove-key"
        /// Lists every member's keys.
        case list = "list-keys"
    }

    /// What the members answered to a key operation, as Serf's RPC reports it.
    public struct KeyOperationResult: Sendable, Hashable {
        /// Members in the cluster when the operation was asked.
        public var nodes = 0
        /// Members that answered.
        public var responses = 0
        /// Members that answered with a failure.
        public var errors = 0
        /// Each failing member's message.
        public var messages: [String: String] = [:]
        /// For a listing: each key (base64) with the number of members holding it.
        public var keys: [String: Int] = [:]

        /// An empty result.
        public init() {}

        /// Serf's verdict: an error when a member failed or did not answer.
        public var error: String? {
            if errors != 0 { return "\(errors)/\(nodes) nodes reported failure" }
            if responses != nodes { return "\(responses)/\(nodes) nodes reported success" }
            return nil
        }
    }
}
