import Foundation
import GossipScenarios
import GossipSimulator
import GossipTestKit
import Testing

@Suite("Scenarios in test mode")
struct ScenarioTests {
    static let slugs = ScenarioCatalog.all.map { $0.slug }

    @Test("each scenario's invariants hold in test mode", arguments: slugs)
    func invariantsHold(slug: String) async throws {
        let scenario = try #require(ScenarioCatalog.scenario(named: slug))
        let result = await onComputeThread { scenario.run(ScenarioOptions(mode: .test)) }
        for invariant in result.invariants where !invariant.holds {
            Issue.record("\(slug): \(invariant.statement)")
        }
        #expect(!result.invariants.isEmpty)
        #expect(!result.story.isEmpty)
        #expect(!result.plots.isEmpty && result.plots.allSatisfy { !$0.series.isEmpty })
        #expect(result.summary.nodes == scenario.defaultNodes(.test))
    }

    @Test(
        "each scenario's JSON is the same for the same seed and validates against the shared schema", arguments: slugs)
    func jsonIsDeterministicAndValid(slug: String) async throws {
        let scenario = try #require(ScenarioCatalog.scenario(named: slug))
        let options = ScenarioOptions(seed: 7, mode: .test)
        let runs = await onComputeThread { (scenario.run(options), scenario.run(options)) }
        let first = try ScenarioReportWriter.json(runs.0)
        let second = try ScenarioReportWriter.json(runs.1)
        #expect(first == second)
        let schemaURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/scenario-report.schema.json")
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: schemaURL))
        let document = try JSONSerialization.jsonObject(with: first)
        let problems = SchemaCheck.problems(document, schema: schema, path: slug)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test("the schema check catches a missing field and a wrong type")
    func schemaCheckIsNotVacuous() throws {
        let schema: [String: Any] = [
            "type": "object", "required": ["a", "b"],
            "properties": ["a": ["type": "integer"], "b": ["type": "array", "items": ["type": "string"]]],
        ]
        #expect(SchemaCheck.problems(["a": 1, "b": ["x"]], schema: schema, path: "$").isEmpty)
        #expect(SchemaCheck.problems(["a": 1], schema: schema, path: "$").count == 1)
        #expect(SchemaCheck.problems(["a": "1", "b": [2]], schema: schema, path: "$").count == 2)
    }
}

/// The part of JSON Schema the shared schema uses: type (one or several), required, properties, items, enum, const.
enum SchemaCheck {
    static func problems(_ value: Any, schema: Any, path: String) -> [String] {
        guard let schema = schema as? [String: Any] else { return [] }
        var found: [String] = []
        if let type = schema["type"] {
            let types = (type as? [String]) ?? [type as? String].compactMap { $0 }
            if !types.contains(where: { matches(value, type: $0) }) {
                return ["\(path): expected \(types.joined(separator: " or ")), found \(Swift.type(of: value))"]
            }
        }
        if let allowed = schema["enum"] as? [String], let text = value as? String, !allowed.contains(text) {
            found.append("\(path): \(text) is not one of \(allowed)")
        }
        if let constant = schema["const"] as? String, let text = value as? String, text != constant {
            found.append("\(path): expected \(constant)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                found.append("\(path).\(key): missing")
            }
            for (key, subschema) in schema["properties"] as? [String: Any] ?? [:] {
                if let child = object[key] { found += problems(child, schema: subschema, path: "\(path).\(key)") }
            }
        }
        if let array = value as? [Any], let items = schema["items"] {
            for (index, element) in array.enumerated() {
                found += problems(element, schema: items, path: "\(path)[\(index)]")
            }
        }
        return found
    }

    static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "boolean": return (value as? NSNumber).map(isBoolean) ?? false
        case "integer":
            guard let number = value as? NSNumber, !isBoolean(number) else { return false }
            return number.doubleValue == number.doubleValue.rounded()
        case "number":
            guard let number = value as? NSNumber else { return false }
            return !isBoolean(number)
        default: return true
        }
    }

    /// JSONSerialization hands booleans over as NSNumbers of Objective-C type `c`.
    static func isBoolean(_ number: NSNumber) -> Bool { number.objCType.pointee == 0x63 }
}
