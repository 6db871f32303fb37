#!/usr/bin/env bash
# Builds the libFuzzer harness and runs it for SECONDS (default 60) on the committed corpus plus new inputs,
# or, with --replay, runs every corpus file once and exits (what CI does after a short run).
#   Fuzz/run.sh [SECONDS]      Fuzz/run.sh --replay
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address >/dev/null
binary=.build-fuzz/release/WireFuzzer
corpus=corpus
mkdir -p "$corpus" findings
if [ "${1:-}" = "--replay" ]; then
    "$binary" -runs=0 -rss_limit_mb=1024 "$corpus"
    exit
fi
seconds=${1:-60}
# New interesting inputs go to a scratch folder; the committed corpus stays as it is.
mkdir -p .corpus-new
"$binary" -max_total_time="$seconds" -max_len=70000 -timeout=5 -rss_limit_mb=1024 -artifact_prefix=findings/ \
    .corpus-new "$corpus"
