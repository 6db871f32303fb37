import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Chromium without a window, driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: JSON
/// messages, each ended by a NUL byte, that the browser reads on descriptor 3 and writes on descriptor 4), so
/// that a test can open a page, run script in it, read what it shows and take a screenshot. Every message the
/// page logs as an error, and every exception it throws, is collected in ``consoleErrors``.
///
/// Blocking: use it from one thread at a time (``onDedicatedThread(_:)``).
final class HeadlessBrowser: @unchecked Sendable {
    struct BrowserError: Error, CustomStringConvertible {
        var description: String
    }

    private let process: pid_t
    private let commands: Int32
    private let replies: Int32
    private let profile: URL
    private var nextID = 1
    private var received: [UInt8] = []
    private var session: String?
    /// Errors the page logged, threw or failed to load, in order.
    private(set) var consoleErrors: [String] = []

    /// The installed Chromium, if any.
    static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Starts `executable` headless with a throw-away profile and a 1400×1000 window.
    init(executable: String) throws {
        signal(SIGPIPE, SIG_IGN)
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID())")
        var toBrowser: [Int32] = [0, 0]
        var fromBrowser: [Int32] = [0, 0]
        guard pipe(&toBrowser) == 0, pipe(&fromBrowser) == 0 else {
            throw BrowserError(description: "no pipe: \(errno)")
        }
        // Out of the way of 3 and 4, so that placing one end there cannot overwrite the other, and closed on
        // exec, so that only the browser's copies stay open in it.
        let browserReads = fcntl(toBrowser[0], F_DUPFD_CLOEXEC, 10)
        let browserWrites = fcntl(fromBrowser[1], F_DUPFD_CLOEXEC, 10)
        close(toBrowser[0])
        close(fromBrowser[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, browserReads, 3)
        posix_spawn_file_actions_adddup2(&actions, browserWrites, 4)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [
            executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-pipe",
            "--window-size=1400,1000", "--user-data-dir=\(profile.path)", "about:blank",
        ]
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, nil, &argv, environ)
        close(browserReads)
        close(browserWrites)
        guard spawned == 0 else { throw BrowserError(description: "could not start \(executable): \(spawned)") }
        process = pid
        commands = fcntl(toBrowser[1], F_DUPFD_CLOEXEC, 10)
        replies = fcntl(fromBrowser[0], F_DUPFD_CLOEXEC, 10)
        close(toBrowser[1])
        close(fromBrowser[0])
    }

    /// Opens `url` in a new tab and attaches to it; console errors are collected from then on.
    func open(_ url: String) throws {
        let target = try call("Target.createTarget", ["url": "about:blank"], inPage: false)
        guard let targetID = target["targetId"] as? String else {
            throw BrowserError(description: "no target: \(target)")
        }
        let attached = try call("Target.attachToTarget", ["targetId": targetID, "flatten": true], inPage: false)
        session = attached["sessionId"] as? String
        // In front, as a tab the user looks at: a background tab gets no animation frames.
        for command in ["Runtime.enable", "Log.enable", "Page.enable", "Page.bringToFront"] { try call(command) }
        _ = try call("Page.navigate", ["url": url])
    }

    /// The value of `expression` evaluated in the page (promises awaited); throws if it throws.
    func evaluate(_ expression: String) throws -> Any? {
        let answer = try call(
            "Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
        if let exception = answer["exceptionDetails"] {
            throw BrowserError(description: "\(expression) threw \(exception)")
        }
        return (answer["result"] as? [String: Any])?["value"]
    }

    /// A PNG of what the page shows.
    func screenshot() throws -> Data {
        let answer = try call("Page.captureScreenshot", ["format": "png"])
        guard let encoded = answer["data"] as? String, let image = Data(base64Encoded: encoded) else {
            throw BrowserError(description: "no screenshot")
        }
        return image
    }

    /// Sends one command (to the page once attached, unless `inPage` is false) and returns its result; events
    /// that arrive meanwhile are read for errors. Gives up after `timeout` seconds.
    @discardableResult
    func call(_ method: String, _ parameters: [String: Any] = [:], inPage: Bool = true, timeout: Int32 = 30) throws
        -> [String: Any]
    {
        let id = nextID
        nextID += 1
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if inPage, let session { message["sessionId"] = session }
        var bytes = Array(try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        let written = bytes.withUnsafeBytes { write(commands, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw BrowserError(description: "the browser went away (\(method))") }
        let deadline = Date().addingTimeInterval(Double(timeout))
        while Date() < deadline {
            while let end = received.firstIndex(of: 0) {
                let record = Array(received[..<end])
                received.removeSubrange(...end)
                guard let reply = try JSONSerialization.jsonObject(with: Data(record)) as? [String: Any] else {
                    continue
                }
                if reply["id"] as? Int == id {
                    if let error = reply["error"] { throw BrowserError(description: "\(method): \(error)") }
                    return reply["result"] as? [String: Any] ?? [:]
                }
                note(reply)
            }
            try readSome(until: deadline)
        }
        throw BrowserError(description: "\(method): no answer within \(timeout) s")
    }

    /// Reads what the browser has written, waiting at most until `deadline`.
    private func readSome(until deadline: Date) throws {
        var descriptor = pollfd(fd: replies, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
        guard poll(&descriptor, 1, milliseconds) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { read(replies, $0.baseAddress, $0.count) }
        guard count > 0 else { throw BrowserError(description: "the browser closed its pipe") }
        received += buffer[..<count]
    }

    /// Keeps the errors among the page's events.
    private func note(_ event: [String: Any]) {
        let parameters = event["params"] as? [String: Any] ?? [:]
        switch event["method"] as? String {
        case "Runtime.consoleAPICalled" where parameters["type"] as? String == "error":
            consoleErrors.append("console.error: \(parameters["args"] ?? "")")
        case "Runtime.exceptionThrown":
            consoleErrors.append("exception: \(parameters["exceptionDetails"] ?? "")")
        case "Log.entryAdded":
            let entry = parameters["entry"] as? [String: Any] ?? [:]
            if entry["level"] as? String == "error" {
                consoleErrors.append("\(entry["text"] ?? "") \(entry["url"] ?? "")")
            }
        default:
            break
        }
    }

    deinit {
        close(commands)
        close(replies)
        kill(process, SIGKILL)
        var status: Int32 = 0
        waitpid(process, &status, 0)
        try? FileManager.default.removeItem(at: profile)
    }
}
