/// SWIM membership and failure detection with HashiCorp memberlist's semantics and the Lifeguard extensions.
///
/// The protocol lives in ``SWIM/Instance``, a value that does no I/O: it takes one input at a time (a message
/// with its sender, a timer firing, a command) together with the current `GossipCore.Instant` and a random
/// source, and answers with ``SWIM/Effect``s for its shell to carry out. The real node and the simulator are two
/// such shells.
public enum SWIM {}
