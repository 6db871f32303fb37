import Foundation
import Synchronization

/// Items gathered by one task and read by another while it runs (a test's stream reader and its polls).
final class Collected<Element: Sendable>: Sendable {
    private let storage = Mutex<[Element]>([])

    /// Adds `item`.
    func append(_ item: Element) { storage.withLock { $0.append(item) } }

    /// Everything gathered so far, in order.
    var items: [Element] { storage.withLock { $0 } }
}

/// What a child process writes to a pipe, gathered as it comes so that a test can poll it while the process runs.
final class CollectedOutput: Sendable {
    /// The pipe to hand the process as its output.
    let pipe = Pipe()
    private let storage = Mutex("")

    init() {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            self?.storage.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
    }

    /// The text written so far.
    var text: String { storage.withLock { $0 } }
}
