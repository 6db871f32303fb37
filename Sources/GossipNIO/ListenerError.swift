import GossipCore
import GossipStorage
import NIOCore

/// A listener the node could not open: which one, on which address, and why, so that an operator knows which flag
/// to change (`--bind`, `--rpc-addr`, `--metrics-addr`).
public struct ListenerError: Error, Sendable, CustomStringConvertible {
    /// Which listener: `gossip (UDP)`, `gossip (TCP)`, `control endpoint (RPC)` or `metrics`.
    public var listener: String
    /// The address it was to listen on.
    public var address: NodeAddress
    /// What the system said: `EADDRINUSE: Address already in use`.
    public var reason: String

    /// A sentence for the command line.
    public var description: String { "cannot open the \(listener) listener on \(address): \(reason)" }

    /// Runs `bind`, turning a failure into a ``ListenerError`` for `listener` on `address`.
    static func binding<Result>(
        _ listener: String, on address: NodeAddress, isolation: isolated (any Actor)? = #isolation,
        _ bind: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await bind()
        } catch let error as IOError {
            throw ListenerError(
                listener: listener, address: address, reason: StorageError.describe(errno: error.errnoCode))
        } catch {
            throw ListenerError(listener: listener, address: address, reason: "\(error)")
        }
    }
}
