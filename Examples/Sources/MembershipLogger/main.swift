import GossipCore
import GossipNIO
import Logging
import ServiceLifecycle

// Joins the cluster at 127.0.0.1:7946 (a serf agent will do) and logs every membership change until SIGINT or
// SIGTERM, which leaves the cluster gracefully.
let logger = Logger(label: "membership")
var configuration = NodeConfiguration(name: "swift-service-1")
configuration.bindAddress = NodeAddress("127.0.0.1:7950")!
configuration.tags = ["role": "web"]
let node = GossipNode(configuration: configuration, logger: logger)
let service = GossipNodeService(node: node, seeds: [NodeAddress("127.0.0.1:7946")!])
Task { for await event in node.events { logger.info("\(event)") } }
let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
try await group.run()
