/// A summary of one measurement across runs: mean, median, 99th percentile, extremes and the standard error of
/// the mean.
public struct Distribution: Sendable, Hashable, Codable {
    /// Samples summarised.
    public var count: Int
    /// Arithmetic mean.
    public var mean: Double
    /// Median (nearest-rank).
    public var p50: Double
    /// 99th percentile (nearest-rank).
    public var p99: Double
    /// Smallest sample.
    public var min: Double
    /// Largest sample.
    public var max: Double
    /// Standard error of the mean (sample standard deviation / √count; 0 for a single sample).
    public var standardError: Double

    /// Summarises `samples`; an empty list gives zeros.
    public init<Samples: Collection>(_ samples: Samples) where Samples.Element == Double {
        let sorted = samples.sorted()
        count = sorted.count
        guard !sorted.isEmpty else {
            mean = 0
            p50 = 0
            p99 = 0
            min = 0
            max = 0
            standardError = 0
            return
        }
        let total = sorted.reduce(0, +)
        let mean = total / Double(sorted.count)
        self.mean = mean
        p50 = Self.percentile(sorted, 0.50)
        p99 = Self.percentile(sorted, 0.99)
        min = sorted.first!
        max = sorted.last!
        if sorted.count > 1 {
            let squares = sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            standardError = (squares / Double(sorted.count - 1)).squareRoot() / Double(sorted.count).squareRoot()
        } else {
            standardError = 0
        }
    }

    /// Summarises integer samples.
    public init<Samples: Collection>(_ samples: Samples) where Samples.Element == Int {
        self.init(samples.map(Double.init))
    }

    private static func percentile(_ sorted: [Double], _ quantile: Double) -> Double {
        let rank = Int((quantile * Double(sorted.count)).rounded(.up))
        return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank - 1))]
    }
}
