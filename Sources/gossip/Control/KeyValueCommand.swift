import ArgumentParser
import Foundation
import GossipNIO
import MemberlistWire

/// `gossip kv …`: the replicated key-value store, through an agent's control endpoint.
struct KeyValueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv", abstract: "Read and write the cluster's replicated key-value store.",
        subcommands: [Put.self, Get.self, Delete.self, List.self, Watch.self, Increment.self])

    /// Sends `command` with `body` and returns the answer's body.
    static func call(_ rpc: RPCOptions, _ command: String, _ body: [(String, MessagePackValue)]) throws
        -> MessagePackValue?
    {
        let client = try rpc.client()
        return try client.call(command, body: .map(body.map { (.string($0.0), $0.1) }), expectsBody: true)
    }

    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a value; returns once it is durable on the agent.")
        @OptionGroup var rpc: RPCOptions
        @Argument(help: "The key.") var key: String
        @Argument(help: "The value.") var value: String

        func run() throws {
            let answer = try KeyValueCommand.call(
                rpc, "kv-put", [("Key", .string(key)), ("Value", .binary(Array(value.utf8)))])
            print("OK \(answer?["Timestamp"]?.stringValue ?? "")")
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a key's value (a counter's total); exits with status 1 if there is none.")
        @OptionGroup var rpc: RPCOptions
        @Argument(help: "The key or counter.") var key: String

        func run() throws {
            let answer = try KeyValueCommand.call(rpc, "kv-get", [("Key", .string(key))])
            guard answer?["Found"]?.boolValue == true else {
                FileHandle.standardError.write(Data("no value for '\(key)'\n".utf8))
                throw ExitCode(1)
            }
            print(String(decoding: answer?["Value"]?.bytesValue ?? [], as: UTF8.self))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a key (durably, everywhere).")
        @OptionGroup var rpc: RPCOptions
        @Argument(help: "The key.") var key: String

        func run() throws {
            let answer = try KeyValueCommand.call(rpc, "kv-delete", [("Key", .string(key))])
            print("OK \(answer?["Timestamp"]?.stringValue ?? "")")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys and counters, one `key=value` a line.")
        @OptionGroup var rpc: RPCOptions
        @Option(help: "Only keys starting with this.") var prefix: String = ""

        func run() throws {
            let answer = try KeyValueCommand.call(rpc, "kv-list", [("Prefix", .string(prefix))])
            for entry in answer?["Entries"]?.arrayValue ?? [] {
                let value = String(decoding: entry["Value"]?.bytesValue ?? [], as: UTF8.self)
                print("\(entry["Key"]?.stringValue ?? "")=\(value)")
            }
            for counter in answer?["Counters"]?.arrayValue ?? [] {
                print("\(counter["Name"]?.stringValue ?? "")=\(counter["Value"]?.integerValue ?? 0) (counter)")
            }
        }
    }

    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print changes as they happen, one JSON object per line.")
        @OptionGroup var rpc: RPCOptions
        @Option(help: "Only keys starting with this.") var prefix: String = ""

        func run() throws {
            let client = try rpc.client()
            try client.watch(prefix: prefix) { record in
                var object: [String: Any] = [
                    "key": record["Key"]?.stringValue ?? "", "deleted": record["Deleted"]?.boolValue ?? false,
                    "origin": record["Origin"]?.stringValue ?? "", "timestamp": record["Timestamp"]?.stringValue ?? "",
                ]
                if record["Deleted"]?.boolValue != true {
                    object["value"] = String(decoding: record["Value"]?.bytesValue ?? [], as: UTF8.self)
                }
                let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
                FileHandle.standardOutput.write(data + Data("\n".utf8))
                return true
            }
        }
    }

    struct Increment: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "incr", abstract: "Add to a counter (negative to subtract); prints its new total.")
        @OptionGroup var rpc: RPCOptions
        @Argument(help: "The counter.") var key: String
        @Argument(help: "The amount.") var amount: Int64 = 1

        func run() throws {
            let answer = try KeyValueCommand.call(rpc, "kv-incr", [("Key", .string(key)), ("Amount", .int(amount))])
            print(answer?["Value"]?.integerValue ?? 0)
        }
    }
}

/// `gossip aggregate …`: cluster-wide aggregates by push-sum.
struct AggregateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregate", abstract: "Set this node's value of an aggregate; read the cluster-wide estimate.",
        subcommands: [Set.self, Get.self])

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set this agent's value (it counts from the next aggregation epoch).")
        @OptionGroup var rpc: RPCOptions
        @Argument(help: "The aggregate's name.") var name: String
        @Argument(help: "The value.") var value: Double

        func run() throws {
            _ = try KeyValueCommand.call(rpc, "aggregate-set", [("Name", .string(name)), ("Value", .double(value))])
            print("OK")
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the cluster-wide average, sum, count, min and max with the error bound.")
        @OptionGroup var rpc: RPCOptions
        @Argument(help: "The aggregate's name.") var name: String
        @Option(help: "table or json.") var format: OutputFormat = .table

        enum OutputFormat: String, ExpressibleByArgument {
            case table, json
        }

        func run() throws {
            let answer = try KeyValueCommand.call(rpc, "aggregate-get", [("Name", .string(name))])
            guard answer?["Found"]?.boolValue == true else {
                FileHandle.standardError.write(Data("no aggregate called '\(name)' here\n".utf8))
                throw ExitCode(1)
            }
            func number(_ key: String) -> Double? {
                if case .double(let value)? = answer?[key] { return value }
                return nil
            }
            let fields = ["Average", "ErrorBound", "Sum", "Count", "Min", "Max", "Local"]
            if format == .json {
                var object: [String: Any] = [
                    "name": name, "epoch": answer?["Epoch"]?.integerValue ?? 0,
                    "complete": answer?["Complete"]?.boolValue ?? false,
                    "rounds": answer?["Rounds"]?.integerValue ?? 0, "members": answer?["Members"]?.integerValue ?? 0,
                ]
                for field in fields { object[field.lowercased()] = number(field) }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let average = number("Average").map { String(format: "%.6g", $0) } ?? "unknown"
            let bound = number("ErrorBound").map { String(format: "%.2g", $0) } ?? "unknown"
            print("\(name): average \(average) ± \(bound)")
            for field in ["Sum", "Count", "Min", "Max"] {
                print("  \(field.lowercased()): \(number(field).map { String(format: "%.6g", $0) } ?? "unknown")")
            }
            let complete = answer?["Complete"]?.boolValue == true ? "complete" : "converging"
            print(
                "  epoch \(answer?["Epoch"]?.integerValue ?? 0) (\(complete), \(answer?["Rounds"]?.integerValue ?? 0) rounds, \(answer?["Members"]?.integerValue ?? 0) members)"
            )
        }
    }
}
