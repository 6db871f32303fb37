#!/usr/bin/env bash
# Builds the DocC reference of every library target (swift-docc-plugin) into .build/plugins/Swift-DocC/outputs,
# and fails if DocC warns about anything (a broken symbol link, a missing article).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(GossipCore SWIM MemberlistWire Serf Replication NodeCore GossipStorage Dissemination Broadcast GossipTestKit
    GossipSimulator GossipScenarios GossipNIO)
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
swift package generate-documentation "${targets[@]/#/--target=}" >"$log" 2>&1 || { cat "$log"; exit 1; }
if grep -q "warning:" "$log"; then
    grep -A6 "warning:" "$log"
    echo "documentation: $(grep -c 'warning:' "$log") warnings" >&2
    exit 1
fi
echo "documentation built for ${#targets[@]} libraries without warnings"
