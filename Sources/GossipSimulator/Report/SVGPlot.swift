import Foundation

/// Renders a ``Plot`` as an inline SVG line chart: axes with ticks and labels, one coloured polyline per series
/// with point markers, and a legend.
public enum SVGPlot {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// The SVG element for `plot`.
    public static func render(_ plot: Plot, width: Double = 900, height: Double = 420) -> String {
        let left = 80.0
        let right = 20.0
        let top = 20.0
        let bottom = 60.0
        let legendHeight = 18.0 * Double(plot.series.count)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let totalHeight = height + legendHeight + 10

        func transform(_ value: Double, logarithmic: Bool) -> Double? {
            guard value.isFinite else { return nil }
            if logarithmic { return value > 0 ? log10(value) : nil }
            return value
        }
        var xs: [Double] = []
        var ys: [Double] = []
        for series in plot.series {
            xs += series.x.compactMap { transform($0, logarithmic: plot.logarithmicX) }
            ys += series.y.compactMap { transform($0, logarithmic: plot.logarithmicY) }
        }
        var xRange = (xs.min() ?? 0, xs.max() ?? 1)
        var yRange = (ys.min() ?? 0, ys.max() ?? 1)
        if !plot.logarithmicY { yRange.0 = min(0, yRange.0) }
        if xRange.1 <= xRange.0 { xRange.1 = xRange.0 + 1 }
        if yRange.1 <= yRange.0 { yRange.1 = yRange.0 + 1 }
        func px(_ x: Double) -> Double { left + (x - xRange.0) / (xRange.1 - xRange.0) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - (y - yRange.0) / (yRange.1 - yRange.0) * plotHeight }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(totalHeight))" \
            viewBox="0 0 \(Int(width)) \(Int(totalHeight))" role="img" aria-label="\(ReportWriter.escape(plot.title))">

            """
        svg += line(left, top + plotHeight, left + plotWidth, top + plotHeight, "#333")
        svg += line(left, top, left, top + plotHeight, "#333")
        for tick in ticks(xRange.0, xRange.1) {
            let x = px(tick)
            svg += line(x, top + plotHeight, x, top + plotHeight + 5, "#333")
            svg += line(x, top, x, top + plotHeight, "#eee")
            svg += text(x, top + plotHeight + 20, label(tick, logarithmic: plot.logarithmicX), anchor: "middle")
        }
        for tick in ticks(yRange.0, yRange.1) {
            let y = py(tick)
            svg += line(left - 5, y, left, y, "#333")
            svg += line(left, y, left + plotWidth, y, "#eee")
            svg += text(left - 8, y + 4, label(tick, logarithmic: plot.logarithmicY), anchor: "end")
        }
        svg += text(left + plotWidth / 2, top + plotHeight + 45, plot.xLabel, anchor: "middle")
        svg += """
            <text x="18" y="\(fmt(top + plotHeight / 2))" font-size="13" text-anchor="middle" \
            transform="rotate(-90 18 \(fmt(top + plotHeight / 2)))">\(ReportWriter.escape(plot.yLabel))</text>

            """
        for (index, series) in plot.series.enumerated() {
            let colour = palette[index % palette.count]
            var points: [(Double, Double)] = []
            for (x, y) in zip(series.x, series.y) {
                guard let tx = transform(x, logarithmic: plot.logarithmicX),
                    let ty = transform(y, logarithmic: plot.logarithmicY)
                else { continue }
                points.append((px(tx), py(ty)))
            }
            let path = points.map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(path)\"/>\n"
            if points.count <= 60 {
                for point in points {
                    svg += "<circle cx=\"\(fmt(point.0))\" cy=\"\(fmt(point.1))\" r=\"3\" fill=\"\(colour)\"/>\n"
                }
            }
            let legendY = height + 18.0 * Double(index) + 5
            svg += "<rect x=\"\(fmt(left))\" y=\"\(fmt(legendY - 9))\" width=\"14\" height=\"10\" fill=\"\(colour)\"/>"
            svg += text(left + 20, legendY, series.name, anchor: "start")
        }
        svg += "</svg>\n"
        return svg
    }

    /// About six round tick values across `low...high`.
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let span = high - low
        let rough = span / 6
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? magnitude * 10
        var values: [Double] = []
        var value = ceil(low / step) * step
        while value <= high + step * 1e-9 {
            values.append(value)
            value += step
        }
        return values
    }

    static func label(_ value: Double, logarithmic: Bool) -> String {
        logarithmic ? formatNumber(pow(10, value)) : formatNumber((value * 1e9).rounded() / 1e9)
    }

    static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ colour: String) -> String {
        "<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(colour)\"/>\n"
    }

    static func text(_ x: Double, _ y: Double, _ content: String, anchor: String) -> String {
        "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" font-size=\"12\" text-anchor=\"\(anchor)\">"
            + ReportWriter.escape(content) + "</text>\n"
    }
}
