import Foundation
import GossipCore
import GossipTestKit
import Testing

/// The dashboard in a real browser against real agents: three `gossip agent` processes on 127.0.0.1, the page of
/// one of them open in headless Chromium, and the cluster changing under it — a fourth agent joins, one is killed,
/// a user event is sent from the page's form, a key is written with `gossip kv put` — with the page never
/// reloaded and never logging an error.
@Suite("The dashboard in a real browser", .serialized)
struct DashboardBrowserTests {
    static var gossip: URL? { BuiltExecutable.locate("gossip", packageRoot: HTTPAPITests.root) }

    /// Where the screenshot goes: the build directory's `test-output`.
    static var outputDirectory: URL { HTTPAPITests.root.appendingPathComponent(".build/test-output") }

    /// Polls `expression` in the page every 100 ms until it is `true`, for at most `timeout` seconds; returns
    /// whether it became true and the last value (or error) seen.
    static func page(_ browser: HeadlessBrowser, _ expression: String, timeout: Double) async -> (Bool, String) {
        await onDedicatedThread {
            var last = ""
            let became = waitUntil(timeout: timeout) {
                do {
                    let value = try browser.evaluate(expression)
                    last = "\(value ?? "nil")"
                    return value as? Bool == true
                } catch {
                    last = "\(error)"
                    return false
                }
            }
            return (became, last)
        }
    }

    /// Waits until `agent` answers on its control endpoint.
    static func ready(_ agent: GossipAgentProcess) async throws {
        try await onDedicatedThread { Result { try agent.waitUntilReady() } }.get()
    }

    /// Runs `script` in the page.
    static func run(_ browser: HeadlessBrowser, _ script: String) async throws {
        try await onDedicatedThread { Result { _ = try browser.evaluate(script) } }.get()
    }

    /// The members' table as the page shows it: `name:status` per row.
    static let rows =
        "[...document.querySelectorAll('#members tr')].map(r => r.dataset.member + ':' + r.children[2].textContent)"

    @Test(
        "members appear, join and fail live; the form's event reaches another agent; a kv write shows in the watch",
        .enabled(if: HeadlessBrowser.executable != nil && gossip != nil), .timeLimit(.minutes(4)))
    func liveDashboard() async throws {
        let gossip = try #require(Self.gossip)
        let first = try GossipAgentProcess(gossip, name: "ui-a")
        try await Self.ready(first)
        let second = try GossipAgentProcess(gossip, name: "ui-b", join: first.address)
        let third = try GossipAgentProcess(gossip, name: "ui-c", join: first.address)
        try await Self.ready(second)
        try await Self.ready(third)
        let browser = try HeadlessBrowser(executable: try #require(HeadlessBrowser.executable))
        try await onDedicatedThread { Result { try browser.open("http://\(first.httpAddress)/ui/") } }.get()

        // Three alive members, listed by the page.
        let threeAlive = "(\(Self.rows)).filter(r => r.endsWith(':alive')).length === 3"
        var (seen, last) = await Self.page(browser, threeAlive, timeout: 60)
        #expect(seen, "the page shows \(last); agent log: \(first.log.suffix(2000))")
        // A mark on the window: if the page reloads, it is gone.
        try await Self.run(browser, "window.notReloaded = true")

        // A fourth joins: it appears without a reload.
        let fourth = try GossipAgentProcess(gossip, name: "ui-d", join: first.address)
        (seen, last) = await Self.page(
            browser, "window.notReloaded === true && (\(Self.rows)).includes('ui-d:alive')", timeout: 30)
        #expect(seen, "after the join the page shows \(last)")

        // kill -9 of one: failed within memberlist's bound (at most 24 s of suspicion in four, after the probe).
        third.kill9()
        (seen, last) = await Self.page(
            browser, "window.notReloaded === true && (\(Self.rows)).includes('ui-c:failed')", timeout: 30)
        #expect(seen, "after kill -9 the page shows \(last)")

        // A user event sent from the page's form reaches another agent's `gossip stream`.
        let stream = try StreamProcess(gossip, rpcAddress: second.rpcAddress)
        let streaming = await eventually(timeout: 30) {
            _ = try? second.control(["event", "warm-up"])
            return stream.output.contains(#""name":"warm-up""#)
        }
        #expect(streaming, "gossip stream printed: \(stream.output)")
        try await Self.run(
            browser,
            """
            document.getElementById('eventName').value = 'deploy';
            document.getElementById('eventPayload').value = 'from-the-page';
            document.getElementById('send').requestSubmit();
            """)
        let delivered = await eventually(timeout: 30) { stream.output.contains(#""payload":"from-the-page""#) }
        #expect(delivered, "gossip stream printed: \(stream.output)")
        (seen, last) = await Self.page(
            browser, "document.getElementById('sendResult').textContent === 'sent'", timeout: 10)
        #expect(seen, "the form says \(last)")

        // A key written with `gossip kv put` on another agent appears in the page's watch.
        try await Self.run(
            browser, "document.getElementById('prefix').value = 'conf/'; document.getElementById('list').click()")
        (seen, last) = await Self.page(
            browser, "document.getElementById('kvState').textContent === 'watching conf/'", timeout: 20)
        #expect(seen, "the watch says \(last)")
        _ = try await onDedicatedThread { Result { try second.control(["kv", "put", "conf/colour", "teal"]) } }.get()
        (seen, last) = await Self.page(
            browser, "document.getElementById('kv').textContent.includes('conf/colourteal')", timeout: 30)
        #expect(seen, "the store's view shows \(last)")

        // A screenshot is kept.
        let image = try await onDedicatedThread { Result { try browser.screenshot() } }.get()
        try FileManager.default.createDirectory(at: Self.outputDirectory, withIntermediateDirectories: true)
        try image.write(to: Self.outputDirectory.appendingPathComponent("dashboard.png"))
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]))

        // 1,000 members: the table shows one page of 100 rows, not a thousand.
        let paged = try await onDedicatedThread {
            Result {
                try browser.evaluate(
                    """
                    for (let i = 0; i < 1000; i++) members.set('bulk-' + i, {name: 'bulk-' + String(i).padStart(4, '0'),
                      address: '10.0.0.1', port: 7946, status: 'alive', tags: {}, incarnation: 1});
                    render();
                    document.querySelectorAll('#members tr').length + ' ' + document.getElementById('page').textContent.trim()
                    """) as? String
            }
        }.get()
        #expect(paged == "100 1 / 11")

        // Nothing went wrong in the page.
        let errors = browser.consoleErrors
        #expect(errors.isEmpty, "\(errors)")

        withExtendedLifetime((first, second, fourth, stream)) {}
    }
}

/// `gossip stream` against one agent, its output collected as it comes.
final class StreamProcess: @unchecked Sendable {
    let process = Process()
    let file: URL

    init(_ executable: URL, rpcAddress: String) throws {
        file = FileManager.default.temporaryDirectory.appendingPathComponent("stream-\(UUID()).jsonl")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        process.executableURL = executable
        process.arguments = ["stream", "--rpc-addr", rpcAddress]
        process.standardOutput = try FileHandle(forWritingTo: file)
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    var output: String { (try? String(contentsOf: file, encoding: .utf8)) ?? "" }

    deinit {
        killAndWait(process)
        try? FileManager.default.removeItem(at: file)
    }
}
