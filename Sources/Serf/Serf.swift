/// Serf's layer above the membership protocol, as pure values: Lamport clocks and the de-duplicating buffers of
/// user events (and, in time, intents and queries). Nothing here does I/O; the node feeds it what arrives and
/// sends what it returns.
public enum Serf {}
