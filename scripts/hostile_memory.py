#!/usr/bin/env python3
"""The agent's resident memory under hostile input: before, after 10^6 crafted datagrams, and after 10 stalled
subscribers while 50 MB is written.

    swift build -c release --product gossip
    python3 scripts/hostile_memory.py [--gossip .build/release/gossip] [--datagrams 1000000] [--megabytes 50]

Starts one `gossip agent` on 127.0.0.1 and reads its VmRSS from /proc:
  1. at rest, after it has started;
  2. after `--datagrams` pings that each declare a different string length (each is refused as cut short; before
     drops were counted by kind, every distinct length made a new table entry);
  3. after 10 `kv-watch` clients that never read, while `--megabytes` of 16 KiB values are written through the
     control endpoint (before the feeds' outbox was bounded, every record queued for the stalled clients).
Prints each reading, the difference from the first, and the agent's counters (drops, feed records dropped).
Exits 1 if a reading is more than `--tolerance` MiB (default 10) above the first. Everything is on 127.0.0.1.
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serf_rpc import RPC, pack  # noqa: E402


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def resident_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def ping_declaring(length):
    """A memberlist ping whose node name declares `length` bytes and carries one."""
    return bytes([0, 0x82, 0xA5]) + b"SeqNo" + bytes([0x01, 0xA4]) + b"Node" + bytes(
        [0xDA, (length >> 8) & 0xFF, length & 0xFF, 0x78])


def stats(rpc):
    answer = rpc.call("stats")
    return answer.get("serf", {}), answer.get("replication", {})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gossip", default=".build/release/gossip")
    parser.add_argument("--datagrams", type=int, default=1_000_000)
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--watchers", type=int, default=10, help="stalled kv-watch clients")
    parser.add_argument("--keys", type=int, default=50, help="distinct keys the values are written under")
    parser.add_argument("--tolerance", type=float, default=10.0, help="MiB a reading may rise above the first")
    options = parser.parse_args()

    port, rpc_port = free_port(), free_port()
    log = tempfile.NamedTemporaryFile(prefix="hostile-agent-", suffix=".log", delete=False)
    agent = subprocess.Popen(
        [options.gossip, "agent", "--node", "hostile", "--bind", f"127.0.0.1:{port}", "--rpc-addr",
         f"127.0.0.1:{rpc_port}", "--log-level", "warning"], stdout=log, stderr=log)
    try:
        rpc = None
        for _ in range(100):
            try:
                rpc = RPC(rpc_port)
                break
            except OSError:
                time.sleep(0.1)
        if rpc is None:
            print("the agent did not start; see", log.name)
            return 1
        time.sleep(2)
        readings = [("at rest", resident_mib(agent.pid))]

        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        target = ("127.0.0.1", port)
        sent = 0
        started = time.monotonic()
        while sent < options.datagrams:
            for _ in range(1000):
                sender.sendto(ping_declaring(100 + sent % 60000), target)
                sent += 1
            time.sleep(0.002)  # about 300k a second: the agent keeps up, so each one is decoded and counted
        elapsed = time.monotonic() - started
        time.sleep(2)
        serf, _ = stats(rpc)
        readings.append((f"after {sent:,} crafted datagrams ({elapsed:.1f} s)", resident_mib(agent.pid)))
        print(f"datagrams dropped: {serf.get('packets_dropped')}, receive-queue overflows: "
              f"{serf.get('receive_queue_overflows')}")

        watch = pack({"Command": "handshake", "Seq": 1}) + pack({"Version": 1}) + pack(
            {"Command": "kv-watch", "Seq": 2}) + pack({"Prefix": ""})
        stalled = []
        for _ in range(options.watchers):
            client = socket.create_connection(("127.0.0.1", rpc_port))
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.sendall(watch)
            stalled.append(client)
        time.sleep(1)
        value = os.urandom(16 * 1024)
        count = options.megabytes * 1024 * 1024 // len(value)
        writer = RPC(rpc_port)
        started = time.monotonic()
        for index in range(count):
            writer.call("kv-put", {"Key": f"k{index % options.keys}", "Value": value})
        elapsed = time.monotonic() - started
        time.sleep(2)
        serf, _ = stats(rpc)
        readings.append((f"after {options.watchers} stalled watchers and {options.megabytes} MB written ({elapsed:.1f} s)",
                         resident_mib(agent.pid)))
        print(f"feed records dropped: {serf.get('feed_records_dropped')}")
        for client in stalled:
            client.close()
        time.sleep(2)
        readings.append(("after the watchers disconnected", resident_mib(agent.pid)))

        base = readings[0][1]
        failed = False
        print("\n| moment | resident MiB | above rest |\n|---|---|---|")
        for moment, mib in readings:
            print(f"| {moment} | {mib:.1f} | {mib - base:+.1f} |")
            failed = failed or mib - base > options.tolerance
        print("FAIL" if failed else "PASS", f"(tolerance {options.tolerance} MiB)")
        return 1 if failed else 0
    finally:
        agent.kill()
        agent.wait()


if __name__ == "__main__":
    sys.exit(main())
