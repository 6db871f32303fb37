extension Replication {
    /// A Merkle tree over a key space split into 2^depth buckets by key hash. A bucket's hash is the XOR of its
    /// entries' digests, so a write updates it in O(1) and its path to the root in O(depth); two replicas holding
    /// the same entries have the same root, and differing buckets are found by descending only where hashes differ.
    public struct MerkleTree: Sendable, Hashable {
        /// Levels below the root; 2^depth buckets.
        public let depth: Int
        /// Nodes in heap order: index 1 is the root, node i has children 2i and 2i + 1, buckets start at 2^depth.
        public private(set) var nodes: [UInt64]

        /// An empty tree with 2^depth buckets (depth 1...24).
        public init(depth: Int) {
            precondition((1...24).contains(depth), "a Merkle tree's depth lies in 1...24")
            self.depth = depth
            self.nodes = Array(repeating: 0, count: 2 << depth)
        }

        /// The root hash.
        public var root: UInt64 { nodes[1] }

        /// The number of buckets.
        public var bucketCount: Int { 1 << depth }

        /// The bucket `key` falls in.
        public func bucket(of key: String) -> Int { Int(Self.hash(key) >> UInt64(64 - depth)) }

        /// Replaces `old` (the digest of the entry being overwritten, or nil) with `new` in `key`'s bucket.
        public mutating func update(key: String, removing old: UInt64?, adding new: UInt64?) {
            var index = bucketCount + bucket(of: key)
            nodes[index] ^= (old ?? 0) ^ (new ?? 0)
            while index > 1 {
                index /= 2
                nodes[index] = Self.combine(nodes[2 * index], nodes[2 * index + 1])
            }
        }

        /// The hash of the node at heap index `index`.
        public func hash(at index: Int) -> UInt64 { nodes[index] }

        /// A key's 64-bit hash (FNV-1a, then a SplitMix finaliser).
        public static func hash(_ key: String) -> UInt64 {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            return mix(hash)
        }

        /// The digest of an entry: its key, timestamp and value.
        public static func digest(key: String, entry: LWWMap.Entry) -> UInt64 {
            var hash =
                Self.hash(key) ^ mix(entry.timestamp.milliseconds)
                ^ mix(UInt64(entry.timestamp.logical) << 32 | UInt64(entry.timestamp.node))
            if let value = entry.value {
                for byte in value { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            } else {
                hash ^= 0xDEAD_BEEF
            }
            return mix(hash)
        }

        static func combine(_ left: UInt64, _ right: UInt64) -> UInt64 {
            left == 0 && right == 0 ? 0 : mix(left &+ mix(right ^ 0x9E37_79B9_7F4A_7C15))
        }

        static func mix(_ value: UInt64) -> UInt64 {
            var z = value &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A last-writer-wins map with its Merkle tree kept in step: what a node replicates and repairs.
    public struct Replica: Sendable {
        /// The data.
        public private(set) var map = LWWMap()
        /// The tree over it.
        public private(set) var tree: MerkleTree
        /// Keys by bucket, to list a bucket's entries during a sync.
        public private(set) var bucketKeys: [Int: Set<String>] = [:]

        /// An empty replica whose tree has 2^depth buckets.
        public init(treeDepth: Int = 12) {
            tree = MerkleTree(depth: treeDepth)
        }

        /// Applies an entry (a write or a deletion); returns whether it won.
        @discardableResult
        public mutating func apply(_ key: String, _ entry: LWWMap.Entry) -> Bool {
            let old = map.entries[key]
            guard map.apply(key, entry) else { return false }
            tree.update(
                key: key, removing: old.map { MerkleTree.digest(key: key, entry: $0) },
                adding: MerkleTree.digest(key: key, entry: entry))
            bucketKeys[tree.bucket(of: key), default: []].insert(key)
            return true
        }

        /// Drops tombstones no newer than `horizon` from the map, its tree and its buckets (see
        /// ``LWWMap/collectGarbage(seenByAllUpTo:)`` for when that is safe); returns how many.
        @discardableResult
        public mutating func collectTombstones(olderThan horizon: Timestamp) -> Int {
            let expired = map.entries.filter { $0.value.value == nil && $0.value.timestamp <= horizon }
            for (key, entry) in expired {
                tree.update(key: key, removing: MerkleTree.digest(key: key, entry: entry), adding: nil)
                let bucket = tree.bucket(of: key)
                bucketKeys[bucket]?.remove(key)
                if bucketKeys[bucket]?.isEmpty == true { bucketKeys[bucket] = nil }
            }
            return map.collectGarbage(seenByAllUpTo: horizon)
        }

        /// The entries of bucket `bucket`.
        public func entries(inBucket bucket: Int) -> [(String, LWWMap.Entry)] {
            (bucketKeys[bucket] ?? []).sorted().compactMap { key in map.entries[key].map { (key, $0) } }
        }
    }
}
