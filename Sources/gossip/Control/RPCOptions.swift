import ArgumentParser

/// The flag every control command takes.
struct RPCOptions: ParsableArguments {
    @Option(help: "The agent's RPC address (ours or a serf agent's).")
    var rpcAddr: String = "127.0.0.1:7373"
}
