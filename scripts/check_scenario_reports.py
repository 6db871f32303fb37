#!/usr/bin/env python3
"""Writes every scenario's report (test mode) and opens each report.html in headless Chromium: fails if the page
logs a console error or an uncaught exception, or if a plot renders without data (an SVG without a polyline of at
least two finite points).

    swift build -c release --product gossip
    python3 scripts/check_scenario_reports.py [--gossip PATH] [--out DIR]
"""
import argparse, os, re, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("check_scenario_reports: no chromium found (apt-get install chromium)")


def render(browser, page):
    """The DOM after load, and the console lines Chromium logged."""
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=2000", "--dump-dom", "file://" + page],
        capture_output=True, text=True, timeout=120)
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    return result.returncode, result.stdout, console


def plot_problems(dom):
    problems = []
    svgs = re.findall(r"<svg.*?</svg>", dom, re.S)
    if not svgs:
        problems.append("no SVG plot in the page")
    for index, svg in enumerate(svgs, 1):
        lines = re.findall(r'<polyline[^>]*points="([^"]*)"', svg)
        good = [l for l in lines if len(l.split()) >= 2 and "nan" not in l.lower() and "inf" not in l.lower()]
        if not good:
            problems.append(f"plot {index} has no line with data")
        if "<text" not in svg:
            problems.append(f"plot {index} has no axis labels")
    return problems


def self_check(browser, directory):
    """The checker must see a console error when there is one."""
    page = os.path.join(directory, "console-error.html")
    with open(page, "w") as f:
        f.write("<html><body><script>console.error('planted error')</script></body></html>")
    _, _, console = render(browser, page)
    if not any("planted error" in line for line in console):
        sys.exit("check_scenario_reports: Chromium's console is not visible to this check")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gossip", default=os.path.join(ROOT, ".build", "release", "gossip"))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    browser = chromium()
    out = args.out or tempfile.mkdtemp(prefix="scenario-reports-")
    self_check(browser, out)
    listing = subprocess.run([args.gossip, "scenario", "list"], capture_output=True, text=True, check=True).stdout
    slugs = [line.split()[0] for line in listing.splitlines() if line and not line.startswith(" ")]
    failures = 0
    for slug in slugs:
        directory = os.path.join(out, slug)
        subprocess.run([args.gossip, "scenario", "run", slug, "--test-mode", "--report", directory],
                       stdout=subprocess.DEVNULL, check=True)
        code, dom, console = render(browser, os.path.join(directory, "report.html"))
        problems = ([f"chromium exited {code}"] if code != 0 else []) + console + plot_problems(dom)
        plots = len(re.findall(r"<svg", dom))
        if problems:
            failures += 1
            print(f"FAIL {slug}: " + "; ".join(problems))
        else:
            print(f"ok   {slug}: {plots} plots with data, no console errors")
    print(f"{len(slugs) - failures} of {len(slugs)} reports render cleanly ({out})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
