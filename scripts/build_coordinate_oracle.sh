#!/usr/bin/env bash
# Builds scripts/coordinate-oracle (Serf's own Vivaldi client, fed recorded observations) offline, from Debian's
# golang-go and golang-github-hashicorp-serf-dev, and writes its golden vectors to the Serf tests' fixtures.
# Exits 1 when Go or the library is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null || { echo "coordinate-oracle: go is not installed" >&2; exit 1; }
[ -d /usr/share/gocode/src/github.com/hashicorp/serf/coordinate ] || {
    echo "coordinate-oracle: golang-github-hashicorp-serf-dev is not installed" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/coordinate-oracle" .build
cp scripts/coordinate-oracle/main.go "$work/src/coordinate-oracle/"
(cd "$work/src/coordinate-oracle" && GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="$work/cache" \
    go build -o "$OLDPWD/.build/coordinate-oracle" .)
.build/coordinate-oracle > Tests/SerfTests/Fixtures/coordinate-vectors.json
echo "wrote Tests/SerfTests/Fixtures/coordinate-vectors.json"
