import Foundation

/// Writes a ``SimulationReport`` as a directory a person can open: `summary.json`, `timeline.csv`, a
/// self-contained `report.html` whose plots are inline SVG (no scripts, no network), and each plot on its own as
/// `plot-1.svg`, `plot-2.svg`, ….
public enum ReportWriter {
    /// The report as deterministic JSON (sorted keys, pretty-printed).
    public static func json(_ report: SimulationReport) throws -> Data {
        try encoder().encode(report)
    }

    /// The encoder every report uses: sorted keys (the same run gives the same bytes), pretty-printed, and
    /// undefined numbers as the strings `"nan"`, `"inf"`, `"-inf"`.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// Writes `summary.json`, `timeline.csv` and `report.html` into `directory`, creating it if needed.
    public static func write(_ report: SimulationReport, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try json(report).write(to: directory.appendingPathComponent("summary.json"))
        try Data(report.timeline.csv.utf8).write(to: directory.appendingPathComponent("timeline.csv"))
        try Data(html(report).utf8).write(to: directory.appendingPathComponent("report.html"))
        for (index, plot) in report.plots.enumerated() {
            let svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + SVGPlot.render(plot)
            try Data(svg.utf8).write(to: directory.appendingPathComponent("plot-\(index + 1).svg"))
        }
    }

    /// The HTML page.
    public static func html(_ report: SimulationReport) -> String {
        let title = report.command.hasPrefix("scenario ") ? "gossip \(report.command)" : "gossip sim \(report.command)"
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em auto;max-width:980px;color:#222}
            table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
            th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.pass{color:#080}.fail{color:#b00}
            svg{background:#fff;border:1px solid #ddd;margin:1em 0}
            </style></head><body>
            <h1>\(escape(title))</h1>

            """
        page += "<h2>Parameters</h2><table>"
        for key in report.parameters.keys.sorted() {
            page += "<tr><td>\(escape(key))</td><td>\(escape(report.parameters[key]!))</td></tr>"
        }
        page += "</table>"
        if let reproduction = report.reproduction {
            page += "<h2>\(escape(reproduction.title))</h2><p>\(escape(reproduction.method))</p>"
            page += "<table><tr><th>source</th><th>quantity</th><th>paper</th><th>measured</th><th>s.e.</th>"
            page += "<th>tolerance</th><th>verdict</th></tr>"
            for row in reproduction.rows {
                let verdict = row.passed ? "<td class=\"pass\">PASS</td>" : "<td class=\"fail\">FAIL</td>"
                page += "<tr><td>\(escape(row.source))</td><td>\(escape(row.quantity))</td>"
                page += "<td>\(formatNumber(row.expected))</td><td>\(formatNumber(row.measured))</td>"
                page +=
                    "<td>\(formatNumber(row.standardError))</td><td>\(escape(toleranceText(row)))</td>\(verdict)</tr>"
            }
            page += "</table>"
        }
        if !report.summary.isEmpty {
            page += "<h2>Summary</h2><table><tr><th>measurement</th><th>runs</th><th>mean</th><th>p50</th>"
            page += "<th>p99</th><th>min</th><th>max</th></tr>"
            for key in report.summary.keys.sorted() {
                let d = report.summary[key]!
                page += "<tr><td>\(escape(key))</td><td>\(d.count)</td><td>\(formatNumber(d.mean))</td>"
                page += "<td>\(formatNumber(d.p50))</td><td>\(formatNumber(d.p99))</td>"
                page += "<td>\(formatNumber(d.min))</td><td>\(formatNumber(d.max))</td></tr>"
            }
            page += "</table>"
        }
        for plot in report.plots { page += "<h2>\(escape(plot.title))</h2>" + SVGPlot.render(plot) }
        page += "</body></html>\n"
        return page
    }

    /// The tolerance as the table shows it: `±0.0348 (2%)`, `at least`.
    public static func toleranceText(_ row: Reproduction.Row) -> String {
        row.bound != nil ? row.toleranceRule : "±\(formatNumber(row.tolerance)) (\(row.toleranceRule))"
    }

    /// Escapes text for HTML.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
