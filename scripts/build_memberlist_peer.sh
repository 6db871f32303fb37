#!/usr/bin/env bash
# Builds scripts/memberlist-peer (a plain HashiCorp memberlist node, the tests' second kind of peer) offline, from
# Debian's golang-go and golang-github-hashicorp-memberlist-dev, into .build/memberlist-peer. Exits 1 when Go or
# the library is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null || { echo "memberlist-peer: go is not installed" >&2; exit 1; }
[ -d /usr/share/gocode/src/github.com/hashicorp/memberlist ] || {
    echo "memberlist-peer: golang-github-hashicorp-memberlist-dev is not installed" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/memberlist-peer" .build
cp scripts/memberlist-peer/main.go "$work/src/memberlist-peer/"
(cd "$work/src/memberlist-peer" && GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="$work/cache" \
    go build -o "$OLDPWD/.build/memberlist-peer" .)
echo "built .build/memberlist-peer"
