import Dissemination
import Foundation

extension Replication {
    /// A threshold on an aggregate, as `gossip agent --alert 'avg(cpu) > 80'` gives it: a function (`avg`, `sum`,
    /// `count`, `min`, `max`) of an aggregate's name, a comparison (`>`, `>=`, `<`, `<=`) and a number. The node
    /// checks it at the end of every aggregation epoch and raises an event when it becomes true (`alert`) and when
    /// it stops being true (`alert-resolved`).
    public struct AlertRule: Sendable, Hashable, CustomStringConvertible {
        /// What is compared.
        public enum Function: String, Sendable, Hashable, CaseIterable {
            /// The average of the values set.
            case average = "avg"
            /// Their sum.
            case sum
            /// How many nodes set one.
            case count
            /// The smallest.
            case minimum = "min"
            /// The largest.
            case maximum = "max"
        }

        /// How it is compared.
        public enum Comparison: String, Sendable, Hashable, CaseIterable {
            /// Greater than.
            case greater = ">"
            /// Greater than or equal.
            case greaterOrEqual = ">="
            /// Less than.
            case less = "<"
            /// Less than or equal.
            case lessOrEqual = "<="
        }

        /// The function.
        public var function: Function
        /// The aggregate's name.
        public var name: String
        /// The comparison.
        public var comparison: Comparison
        /// The threshold.
        public var threshold: Double

        /// Parses `avg(NAME) > X`; throws a message naming what is wrong.
        public init(parsing text: String) throws(StoreError) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let open = trimmed.firstIndex(of: "("), let close = trimmed.firstIndex(of: ")"), open < close else {
                throw StoreError("alert '\(text)' is not like 'avg(NAME) > 80'")
            }
            let functionText = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            guard let function = Function(rawValue: functionText) else {
                throw StoreError(
                    "alert function '\(functionText)' is not one of \(Function.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let name = trimmed[trimmed.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw StoreError("alert '\(text)' names no aggregate") }
            let rest = trimmed[trimmed.index(after: close)...].trimmingCharacters(in: .whitespaces)
            // Longest operator first, so that `>=` is not read as `>`.
            guard
                let comparison = Comparison.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count })
                    .first(where: { rest.hasPrefix($0.rawValue) })
            else { throw StoreError("alert '\(text)' has no comparison (>, >=, <, <=)") }
            let numberText = rest.dropFirst(comparison.rawValue.count).trimmingCharacters(in: .whitespaces)
            guard let threshold = Double(numberText), threshold.isFinite else {
                throw StoreError("alert threshold '\(numberText)' is not a number")
            }
            self.init(function: function, name: name, comparison: comparison, threshold: threshold)
        }

        /// A rule.
        public init(function: Function, name: String, comparison: Comparison, threshold: Double) {
            self.function = function
            self.name = name
            self.comparison = comparison
            self.threshold = threshold
        }

        /// The compared quantity of `reading`, or `nil` when it is unknown.
        public func quantity(of reading: AggregateReading) -> Double? {
            switch function {
            case .average: return reading.average
            case .sum: return reading.sum
            case .count: return reading.count
            case .minimum: return reading.minimum
            case .maximum: return reading.maximum
            }
        }

        /// Whether the rule holds for `reading` (`false` while the quantity is unknown).
        public func holds(for reading: AggregateReading) -> Bool {
            guard let quantity = quantity(of: reading) else { return false }
            switch comparison {
            case .greater: return quantity > threshold
            case .greaterOrEqual: return quantity >= threshold
            case .less: return quantity < threshold
            case .lessOrEqual: return quantity <= threshold
            }
        }

        /// `avg(cpu) > 80`.
        public var description: String {
            "\(function.rawValue)(\(name)) \(comparison.rawValue) \(threshold.formatted())"
        }
    }
}

extension Double {
    /// Without a trailing `.0` for whole numbers.
    func formatted() -> String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
