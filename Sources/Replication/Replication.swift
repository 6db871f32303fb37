/// Replicated state as pure values: hybrid logical clocks, a last-writer-wins map with tombstones, counters that
/// merge exactly, version vectors with siblings, and a Merkle tree whose anti-entropy ships only what differs.
///
/// Nothing here does I/O or reads a clock: the wall time comes in as an argument, so the same values run in the
/// simulator and in a node.
public enum Replication {}
