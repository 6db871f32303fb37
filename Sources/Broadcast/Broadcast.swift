/// Reliable broadcast over a partial-view overlay, as pure values (input + instant + randomness → effects), so that
/// one implementation runs in the simulator and in a node:
///
/// - ``HyParView``: the overlay (Leitão, Pereira and Rodrigues, DSN 2007): a small symmetric *active view* of
///   neighbours that messages travel on, and a larger *passive view* of peers kept fresh by shuffles, from which a
///   failed neighbour is replaced.
/// - ``Plumtree``: epidemic broadcast trees on that overlay (Leitão, Pereira and Rodrigues, SRDS 2007): payloads go
///   to *eager* neighbours, which form a spanning tree, and announcements (`IHAVE`) to *lazy* ones; a duplicate
///   prunes its link from the tree, a missing payload grafts one back.
/// - ``BroadcastNode``: the two composed, as a node runs them.
///
/// Peers are named by any `Hashable` type: node indices in the simulator, member names in an agent.
public enum Broadcast {}
