extension Replication {
    /// A version vector: how many updates of each replica a value has seen. Two vectors are ordered when one has
    /// seen everything the other has; otherwise the updates were concurrent.
    public struct VersionVector: Sendable, Hashable, Codable {
        /// Updates seen, by replica.
        public private(set) var counters: [String: UInt64] = [:]

        /// The empty vector.
        public init() {}

        /// How two vectors relate.
        public enum Order: Sendable, Hashable {
            /// The same history.
            case equal
            /// This vector's history is a prefix of the other's.
            case before
            /// The other's history is a prefix of this one's.
            case after
            /// Neither has seen all of the other: concurrent updates.
            case concurrent
        }

        /// Records one more update by `replica`.
        public mutating func increment(_ replica: String) { counters[replica, default: 0] += 1 }

        /// How this vector relates to `other`.
        public func compare(to other: VersionVector) -> Order {
            var less = false
            var greater = false
            for replica in Set(counters.keys).union(other.counters.keys) {
                let mine = counters[replica, default: 0]
                let theirs = other.counters[replica, default: 0]
                if mine < theirs { less = true }
                if mine > theirs { greater = true }
            }
            switch (less, greater) {
            case (false, false): return .equal
            case (true, false): return .before
            case (false, true): return .after
            case (true, true): return .concurrent
            }
        }

        /// The least vector that has seen both.
        public func merged(with other: VersionVector) -> VersionVector {
            var result = self
            for (replica, count) in other.counters where count > result.counters[replica, default: 0] {
                result.counters[replica] = count
            }
            return result
        }
    }

    /// A register that keeps concurrent writes as siblings (a multi-value register): a write that has seen the
    /// current versions replaces them; writes that have not seen each other are both kept, for the application to
    /// resolve, and a later write that has seen them all replaces them.
    public struct SiblingRegister<Value: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
        /// A value with the history it was written on.
        public struct Version: Sendable, Hashable, Codable {
            /// The value.
            public var value: Value
            /// Its history.
            public var vector: VersionVector
        }

        /// The current versions: one, or several concurrent siblings.
        public private(set) var versions: [Version] = []

        /// An empty register.
        public init() {}

        /// The context a writer must pass to overwrite what it has read: every current version's history.
        public var context: VersionVector { versions.reduce(VersionVector()) { $0.merged(with: $1.vector) } }

        /// Writes `value` as `replica`, having read `context`: versions the context covers are replaced.
        public mutating func write(_ value: Value, by replica: String, context: VersionVector) {
            var vector = context
            vector.increment(replica)
            merge(Version(value: value, vector: vector))
        }

        /// Merges one version from another replica.
        public mutating func merge(_ incoming: Version) {
            var kept: [Version] = []
            for version in versions {
                switch version.vector.compare(to: incoming.vector) {
                case .before: continue
                case .equal, .after: return
                case .concurrent: kept.append(version)
                }
            }
            kept.append(incoming)
            versions = kept
        }

        /// Merges every version of another replica's register.
        public mutating func merge(_ other: SiblingRegister) {
            for version in other.versions { merge(version) }
        }

        /// Collapses concurrent siblings into one version by a rule that picks between two values. The version's
        /// history is the merge of the siblings', with no new update added: every replica that resolves the same
        /// siblings by the same rule arrives at the same version, so resolutions made in several places at once do
        /// not conflict with each other. The rule must not depend on order (the minimum, the maximum, a union).
        public mutating func resolve(by rule: (Value, Value) -> Value) {
            guard versions.count > 1 else { return }
            let value = versions.dropFirst().reduce(versions[0].value) { rule($0, $1.value) }
            versions = [Version(value: value, vector: context)]
        }

        /// Whether there are concurrent siblings to resolve.
        public var hasConflict: Bool { versions.count > 1 }
    }
}
