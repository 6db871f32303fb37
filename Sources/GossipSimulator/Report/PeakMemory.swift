import Foundation

/// The process's peak resident memory in bytes (getrusage's `ru_maxrss`, which Linux gives in KiB), for the
/// benchmarks' reports.
public func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}
