import ArgumentParser
import GossipNIO

/// The flag every control command takes.
struct RPCOptions: ParsableArguments {
    @Option(help: "The agent's RPC address (ours or a serf agent's).")
    var rpcAddr: String = "127.0.0.1:7373"

    @Option(help: "The agent's RPC authentication key, if it has one (--rpc-auth).")
    var rpcAuth: String?

    /// A connected, authenticated client.
    func client() throws -> SerfRPCClient {
        try SerfRPCClient(address: rpcAddr, authKey: rpcAuth)
    }
}
