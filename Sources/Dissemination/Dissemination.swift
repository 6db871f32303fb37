/// Dissemination protocols as pure decisions: how a node spreads an update (push, pull or both), to how many peers,
/// when it forwards at all, and when it loses interest.
///
/// Every type here is a value that reads no clock and owns no randomness: the caller passes a random source in.
/// The simulator's engines and a real node call the same functions, so what the simulator measures is what a node
/// would do. The models follow Demers et al., "Epidemic Algorithms for Replicated Database Maintenance" (1987),
/// Karp et al., "Randomized Rumor Spreading" (2000), and Kempe et al., "Gossip-Based Computation of Aggregate
/// Information" (2003).
public enum Dissemination {}
