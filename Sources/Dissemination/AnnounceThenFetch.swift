extension Dissemination {
    /// Announce-then-fetch relay, as Bitcoin's inv / getdata: a node that gets a new object announces its
    /// identifier to its peers; a peer that has neither the object nor a request for it outstanding asks the first
    /// announcer for it, and ignores later announcements. Large objects then cross each link at most once,
    /// where flooding would send them along every link.
    public struct AnnounceThenFetch: Sendable, Hashable, Codable {
        /// What a node knows about one object.
        public enum State: UInt8, Sendable, Hashable, Codable {
            /// Never heard of it.
            case unknown
            /// Asked a peer for it; waiting.
            case requested
            /// Has it.
            case held
        }

        /// What to do on an announcement.
        public enum AnnouncementDecision: Sendable, Hashable {
            /// Ask the announcer for the object.
            case request
            /// Already has it or already asked: a transfer avoided.
            case ignore
        }

        /// What to do on receiving the object.
        public enum DeliveryDecision: Sendable, Hashable {
            /// New: keep it and announce it to every peer but the sender.
            case keepAndAnnounce
            /// Already held: a duplicate transfer.
            case duplicate
        }

        /// The relay policy (it has no settings yet: the choices are the protocol's).
        public init() {}

        /// Decides on an announcement, updating the node's state.
        @inlinable
        public func announced(_ state: inout State) -> AnnouncementDecision {
            guard state == .unknown else { return .ignore }
            state = .requested
            return .request
        }

        /// Decides on a delivery of the object, updating the node's state.
        @inlinable
        public func delivered(_ state: inout State) -> DeliveryDecision {
            guard state != .held else { return .duplicate }
            state = .held
            return .keepAndAnnounce
        }
    }
}
