import Foundation
import Synchronization

/// The package's executables as `swift build` / `swift test` leave them, for tests that run them as processes.
public enum BuiltExecutable {
    /// The executable called `name` beside the running test bundle (or up to two directories above it), else in
    /// `.build/debug` of the package whose root is `packageRoot`; `nil` if it is not built.
    public static func locate(_ name: String, packageRoot: URL) -> URL? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let built = packageRoot.appendingPathComponent(".build/debug/\(name)")
        return FileManager.default.isExecutableFile(atPath: built.path) ? built : nil
    }

    /// Runs `executable` with `arguments` to completion; returns its exit status, standard output and standard
    /// error. Blocks: call it from a thread that may (``onDedicatedThread(_:)``).
    public static func run(_ executable: URL, _ arguments: [String]) throws -> (
        status: Int32, output: String, error: String
    ) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read both pipes while the process runs, so that neither fills up and blocks it.
        let errorData = Mutex(Data())
        let errorRead = DispatchSemaphore(value: 0)
        Thread {
            errorData.withLock { $0 = error.fileHandleForReading.readDataToEndOfFile() }
            errorRead.signal()
        }.start()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorRead.wait()
        let err = errorData.withLock { $0 }
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
