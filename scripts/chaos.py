#!/usr/bin/env python3
"""The fault suite: a mixed cluster driven through a schedule of faults while it takes writes and events.

Twelve `gossip agent`s and three `serf agent`s run each in a network namespace of its own, all on one bridge
(10.216.0.0/24). For several minutes the script injects, one after another: random loss with nftables (5 % on
every agent, then 20 % on one), a one-way partition, a partition that flaps every 20 s, a 2/3 - 1/3 split,
`kill -9` and a restart from the data directory, a SIGSTOP pause longer than the suspicion timeout, a full data
disk (a small tmpfs) and a clock step on one agent (libfaketime). All the while it writes keys, increments a
counter and sends user events through random agents' control endpoints.

At the end it heals everything and checks, printing a table (and writing `--json FILE`):
  - every acknowledged write is on every agent of ours with the winning value (writes lost: must be 0),
  - every acknowledged increment is counted once,
  - no user event is delivered twice to any agent, and every event sent outside a fault reaches every agent,
  - no agent was declared failed except during a fault that involved it (false failures: must be 0),
  - the time from the end of the last fault until the cluster has converged.
It exits 1 if any check fails. Needs root, `ip`, `nft`, `serf` and libfaketime (Debian: iproute2, nftables,
serf, libfaketime); `--short` runs a compressed schedule (about three minutes) for CI.

    sudo python3 scripts/chaos.py --gossip .build/release/gossip [--short] [--seed N] [--json out.json]
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

OURS = list(range(1, 13))
SERFS = [13, 14, 15]
ALL = OURS + SERFS
PAUSED_HOST, KILLED_HOST, LOSSY_HOST, DISK_HOST, CLOCK_HOST = 6, 5, 2, 8, 9
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
GRACE = 30.0  # seconds after a fault ends during which a verdict it caused may still arrive


def run(arguments, check=True, **options):
    result = subprocess.run(arguments, capture_output=True, text=True, **options)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed: {result.stderr.strip()}")
    return result


class Lab:
    """Namespaces on one bridge; each host's nftables table `chaos` holds the faults that concern it."""

    def __init__(self, hosts):
        self.prefix = f"gc{os.getpid() % 10000}"
        self.hub = f"{self.prefix}-hub"
        self.hosts = hosts
        run(["ip", "netns", "add", self.hub])
        run(["ip", "netns", "exec", self.hub, "ip", "link", "add", "br0", "type", "bridge"])
        run(["ip", "netns", "exec", self.hub, "ip", "link", "set", "br0", "up"])
        for host in hosts:
            namespace = self.namespace(host)
            run(["ip", "netns", "add", namespace])
            run(["ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
            run(["ip", "link", "add", f"{self.prefix}v{host}", "netns", self.hub, "type", "veth", "peer", "name",
                 "eth0", "netns", namespace])
            run(["ip", "netns", "exec", self.hub, "ip", "link", "set", f"{self.prefix}v{host}", "master", "br0"])
            run(["ip", "netns", "exec", self.hub, "ip", "link", "set", f"{self.prefix}v{host}", "up"])
            run(["ip", "netns", "exec", namespace, "ip", "addr", "add", f"{self.address(host)}/24", "dev", "eth0"])
            run(["ip", "netns", "exec", namespace, "ip", "link", "set", "eth0", "up"])
        self.rules = {host: {"loss": 0.0, "out": set(), "in": set()} for host in hosts}

    def close(self):
        for host in self.hosts:
            run(["ip", "netns", "del", self.namespace(host)], check=False)
        run(["ip", "netns", "del", self.hub], check=False)

    def namespace(self, host):
        return f"{self.prefix}-{host}"

    def address(self, host):
        return f"10.216.0.{host}"

    def apply(self, host):
        rules = self.rules[host]
        lines = ["table inet chaos {}", "delete table inet chaos", "table inet chaos {",
                 "  chain input { type filter hook input priority 0; policy accept;"]
        if rules["in"]:
            lines.append(f"    ip saddr {{ {', '.join(self.address(h) for h in sorted(rules['in']))} }} drop")
        if rules["loss"] > 0:
            lines.append(f"    ip saddr 10.216.0.0/24 numgen random mod 1000 < {int(rules['loss'] * 1000)} drop")
        lines.append("  }")
        lines.append("  chain output { type filter hook output priority 0; policy accept;")
        if rules["out"]:
            lines.append(f"    ip daddr {{ {', '.join(self.address(h) for h in sorted(rules['out']))} }} drop")
        lines += ["  }", "}"]
        run(["ip", "netns", "exec", self.namespace(host), "nft", "-f", "-"], input="\n".join(lines) + "\n")

    def set_loss(self, hosts, share):
        for host in hosts:
            self.rules[host]["loss"] = share
            self.apply(host)

    def cut(self, senders, receivers):
        """Drops everything `senders` send to `receivers` (one way)."""
        for sender in senders:
            self.rules[sender]["out"] |= set(receivers)
            self.apply(sender)
        for receiver in receivers:
            self.rules[receiver]["in"] |= set(senders)
            self.apply(receiver)

    def heal(self):
        for host in self.hosts:
            self.rules[host] = {"loss": 0.0, "out": set(), "in": set()}
            self.apply(host)

    def exec(self, host, arguments, timeout=20, env=None):
        return subprocess.run(["ip", "netns", "exec", self.namespace(host)] + arguments, capture_output=True,
                              text=True, timeout=timeout, env=env)


class Suite:
    def __init__(self, options):
        self.options = options
        self.scale = 0.5 if options.short else 1.0
        self.random = random.Random(options.seed)
        self.gossip = os.path.abspath(options.gossip)
        self.directory = tempfile.mkdtemp(prefix="gossip-faults-")
        self.lab = Lab(ALL)
        self.processes = {}
        self.start_time = time.monotonic()
        self.faults = []  # (name, start, end, hosts involved)
        self.active = {}  # name -> (start, hosts)
        self.writes = []  # (key, value, host, outcome, stamp): outcome ack | refused | unknown
        self.increments = {"ack": 0, "unknown": 0}
        self.events = []  # (name, sent at, clean)
        self.disk = None
        self.clean = False
        self.clock_offset = None  # how far ahead the stepped agent's stamps were, in seconds
        self.handler = os.path.join(self.directory, "handler.sh")
        with open(self.handler, "w") as handler:
            handler.write('#!/bin/sh\nif [ "$SERF_EVENT" = "user" ]; then echo "user $SERF_USER_EVENT" >> "$1"\n'
                          'else while read -r line; do echo "$SERF_EVENT $(date +%s.%N) $line" >> "$1"; done; fi\n')

    def now(self):
        return time.monotonic() - self.start_time

    def log(self, message):
        print(f"[{self.now():7.1f}s] {message}", flush=True)

    # -- agents --

    def path(self, name):
        return os.path.join(self.directory, name)

    def start(self, host, join=True):
        seed = f"{self.lab.address(1)}:7946"
        handler = lambda kind, file: f"{kind}=env -u LD_PRELOAD sh {self.handler} {self.path(file)}"
        environment = dict(os.environ)
        if host in SERFS:
            arguments = ["serf", "agent", f"-node=s{host}", f"-bind={self.lab.address(host)}:7946",
                         "-rpc-addr=127.0.0.1:7373", f"-snapshot={self.path(f'snapshot-{host}')}",
                         f"-event-handler={handler('user', f'events-{host}')}",
                         f"-event-handler={handler('member-failed', f'failures-{host}')}"]
            if join and host != 1:
                arguments.append(f"-join={seed}")
        else:
            arguments = [self.gossip, "agent", "--node", f"g{host}", "--bind", f"{self.lab.address(host)}:7946",
                         "--rpc-addr", "127.0.0.1:7373", "--data-dir", self.path(f"data-{host}"),
                         "--snapshot", self.path(f"snapshot-{host}"), "--reconnect-interval", "5s",
                         "--anti-entropy-interval", "2s", "--log-level", self.options.log_level,
                         "--event-handler", handler("user", f"events-{host}"),
                         "--event-handler", handler("member-failed", f"failures-{host}")]
            if join and host != 1:
                arguments += ["--join", seed]
            if host == CLOCK_HOST:
                with open(self.path("clock"), "w") as clock:
                    clock.write("+0\n")
                environment.update(LD_PRELOAD=FAKETIME, FAKETIME_TIMESTAMP_FILE=self.path("clock"),
                                   FAKETIME_CACHE_DURATION="1", FAKETIME_DONT_FAKE_MONOTONIC="1")
        log = open(self.path(f"agent-{host}.log"), "a")
        self.processes[host] = subprocess.Popen(["ip", "netns", "exec", self.lab.namespace(host)] + arguments,
                                                stdout=log, stderr=log, env=environment)

    def control(self, host, arguments, timeout=20):
        try:
            return self.lab.exec(host, [self.gossip] + arguments + ["--rpc-addr", "127.0.0.1:7373"], timeout)
        except subprocess.TimeoutExpired:
            return None

    def alive_seen_by(self, host):
        result = self.control(host, ["members"], timeout=10)
        if result is None or result.returncode != 0:
            return set()
        return {line.split()[0] for line in result.stdout.splitlines() if " alive" in line}

    def wait(self, condition, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.5)
        return False

    def running(self, hosts):
        return [h for h in hosts if h in self.processes and self.processes[h].poll() is None
                and not ("sigstop" in self.active and h in self.active["sigstop"][1])]

    # -- faults --

    def begin(self, name, hosts, action):
        self.log(f"fault {name} on {sorted(hosts)}")
        action()
        self.active[name] = (self.now(), list(hosts))

    def end(self, name, action):
        start, hosts = self.active.pop(name)
        action()
        self.faults.append((name, start, self.now(), hosts, None))  # the last: when the cluster had settled
        self.log(f"fault {name} over")

    def fill_disk(self):
        statistics = os.statvfs(self.disk)
        free = statistics.f_bavail * statistics.f_frsize
        with open(os.path.join(self.disk, "filler"), "wb") as filler:
            try:
                filler.write(b"\0" * free)
            except OSError:
                pass

    def free_disk(self):
        os.unlink(os.path.join(self.disk, "filler"))

    def step_clock(self, offset):
        with open(self.path("clock"), "w") as clock:
            clock.write(f"{offset}\n")

    # -- traffic --

    def write(self):
        hosts = self.running(OURS)
        if not hosts:
            return
        host = self.random.choice(hosts)
        if "full-disk" in self.active and self.random.random() < 0.5:
            host = DISK_HOST  # half the writes go to the full disk, so that the fault is exercised
        if self.random.random() < 0.3:
            result = self.control(host, ["kv", "incr", "hits", "1"])
            if result is not None and result.returncode == 0:
                self.increments["ack"] += 1
            elif result is None or not self.refused(result):
                self.increments["unknown"] += 1
            return
        key = f"key-{self.random.randrange(60)}"
        value = f"v{len(self.writes)}-g{host}"
        if host == DISK_HOST and "full-disk" in self.active:
            value += "-" + "x" * 2000  # fills the log's last page, so that the full disk shows within a few writes
        result = self.control(host, ["kv", "put", key, value])
        if result is not None and result.returncode == 0 and result.stdout.startswith("OK "):
            stamp = tuple(int(part) for part in result.stdout.split()[1].replace("@", ".").split("."))
            self.writes.append((key, value, host, "ack", stamp))
        elif result is not None and self.refused(result):
            self.writes.append((key, value, host, "refused", None))
        else:
            self.writes.append((key, value, host, "unknown", None))

    @staticmethod
    def refused(result):
        """Whether the agent answered that it refused the write (so it was never applied)."""
        return result.returncode != 0 and "ENOSPC" in result.stderr

    def send_event(self):
        hosts = self.running(ALL)
        if not hosts:
            return
        name = f"ev-{len(self.events)}"
        host = self.random.choice(hosts)
        result = self.control(host, ["event", name])
        if result is not None and result.returncode == 0:
            self.events.append((name, self.now(), self.clean, host))

    def traffic(self, seconds, scaled=True):
        deadline = time.monotonic() + seconds * (self.scale if scaled else 1.0)
        while time.monotonic() < deadline:
            self.write()
            if self.random.random() < 0.4:
                self.send_event()
            time.sleep(0.2)

    # -- the schedule --

    def settle(self):
        """Waits until agents on both sides of every cut see all 15 alive; events sent after that are clean."""
        names = {f"g{h}" for h in OURS} | {f"s{h}" for h in SERFS}
        settled = self.wait(lambda: all(self.alive_seen_by(h) == names for h in [1, 7, 12])
                            and self.serf_alive(14) == names, 90)
        self.log("settled: all 15 alive" if settled else "not settled after 90 s")
        if self.faults and self.faults[-1][4] is None:
            self.faults[-1] = self.faults[-1][:4] + (self.now(),)
        return settled

    def delivered_everywhere(self):
        """Whether every running agent has delivered every event sent outside faults so far."""
        clean = {event[0] for event in self.events if event[2]}
        for host in self.running(ALL):
            try:
                lines = open(self.path(f"events-{host}")).read().split("\n")
            except FileNotFoundError:
                return False
            if not clean <= {line.split()[1] for line in lines if line.startswith("user ")}:
                return False
        return True

    def quiet(self):
        self.settle()
        self.clean = True
        self.traffic(12)
        self.clean = False
        # The next fault begins once the events of the quiet period have spread (one sent just before a kill -9
        # could otherwise miss its victim): polled, with a bound; what is still missing then is reported.
        self.wait(self.delivered_everywhere, 20)
        self.clock_offset = None  # how far ahead the stepped agent's stamps were, in seconds

    def schedule(self):
        quiet = self.quiet
        self.begin("loss-5%", ALL, lambda: self.lab.set_loss(ALL, 0.05))
        self.traffic(30)
        self.end("loss-5%", lambda: self.lab.set_loss(ALL, 0.0))
        quiet()
        self.begin("loss-20%", [LOSSY_HOST], lambda: self.lab.set_loss([LOSSY_HOST], 0.20))
        self.traffic(30)
        self.end("loss-20%", lambda: self.lab.set_loss([LOSSY_HOST], 0.0))
        quiet()
        self.begin("one-way", [3, 4, 13], lambda: self.lab.cut([3], [4, 13]))
        self.traffic(30)
        self.end("one-way", self.lab.heal)
        quiet()
        flapping = [7, 14]
        others = [h for h in ALL if h not in flapping]
        self.begin("flapping-partition", ALL, lambda: None)
        for _ in range(2 if self.options.short else 3):
            self.lab.cut(flapping, others)
            self.lab.cut(others, flapping)
            self.traffic(20, scaled=False)
            self.lab.heal()
            self.traffic(20, scaled=False)
        self.end("flapping-partition", self.lab.heal)
        quiet()
        third = [1, 2, 3, 4, 13]
        rest = [h for h in ALL if h not in third]
        self.begin("split-2/3-1/3", ALL, lambda: (self.lab.cut(third, rest), self.lab.cut(rest, third)))
        self.traffic(60)
        self.end("split-2/3-1/3", self.lab.heal)
        quiet()
        self.begin("kill-9", [KILLED_HOST], lambda: (self.processes[KILLED_HOST].send_signal(signal.SIGKILL),
                                                    self.processes[KILLED_HOST].wait()))
        self.traffic(20, scaled=False)
        self.end("kill-9", lambda: self.start(KILLED_HOST))
        quiet()
        pid = self.agent_pid(PAUSED_HOST)
        self.begin("sigstop", [PAUSED_HOST], lambda: os.kill(pid, signal.SIGSTOP))
        self.traffic(20, scaled=False)  # longer than the suspicion timeout (about 5 s at 15 members)
        self.end("sigstop", lambda: os.kill(pid, signal.SIGCONT))
        quiet()
        self.begin("full-disk", [], self.fill_disk)
        self.traffic(30)
        self.end("full-disk", self.free_disk)
        quiet()
        self.begin("clock-step+30s", [], lambda: self.step_clock("+30s"))
        time.sleep(2)  # libfaketime re-reads its offset every second
        result = self.control(CLOCK_HOST, ["kv", "put", "clock-probe", "stepped"])
        if result is not None and result.returncode == 0 and result.stdout.startswith("OK "):
            stamp = tuple(int(part) for part in result.stdout.split()[1].replace("@", ".").split("."))
            self.writes.append(("clock-probe", "stepped", CLOCK_HOST, "ack", stamp))
            self.clock_offset = stamp[0] / 1000 - time.time()
        self.traffic(30)
        self.end("clock-step+30s", lambda: None)  # the clock stays ahead: the cluster must live with it
        self.traffic(10)

    def agent_pid(self, host):
        """The agent's own process id (`ip netns exec` execs it, so it is the Popen's)."""
        return self.processes[host].pid

    # -- checks --

    def listing(self, host):
        result = self.control(host, ["kv", "list"], timeout=20)
        if result is None or result.returncode != 0:
            return None
        entries = {}
        for line in result.stdout.splitlines():
            key, _, value = line.partition("=")
            entries[key] = value
        return entries

    def expectations(self):
        """For each key: the acknowledged winner's value, and every value an unknown outcome might leave."""
        winners, possible = {}, {}
        for key, value, _, outcome, stamp in self.writes:
            if outcome == "ack" and (key not in winners or stamp > winners[key][0]):
                winners[key] = (stamp, value)
            if outcome == "unknown":
                possible.setdefault(key, set()).add(value)
        return {key: stamp_value[1] for key, stamp_value in winners.items()}, possible

    def converged(self, winners, possible):
        names = {f"g{h}" for h in OURS} | {f"s{h}" for h in SERFS}
        for host in OURS:
            if self.alive_seen_by(host) != names:
                return False
        for host in SERFS:
            if self.serf_alive(host) != names:
                return False
        for host in OURS:
            listing = self.listing(host)
            if self.lost_in(listing, winners, possible) != 0 or not self.counter_ok(listing):
                return False
        return True

    def serf_alive(self, host):
        try:
            result = self.lab.exec(host, ["serf", "members", "-rpc-addr=127.0.0.1:7373", "-status=alive"], 10)
        except subprocess.TimeoutExpired:
            return set()
        return {line.split()[0] for line in result.stdout.splitlines() if line.strip()}

    @staticmethod
    def lost_in(listing, winners, possible):
        """Acknowledged winners an agent's listing does not hold (all of them when it could not be read)."""
        if listing is None:
            return len(winners)
        return sum(1 for key, value in winners.items()
                   if listing.get(key) != value and listing.get(key) not in possible.get(key, set()))

    def counter_ok(self, listing):
        """Whether the counter in an agent's listing counts every acknowledged increment once."""
        total = (listing or {}).get("hits", "0 (counter)").split()[0]
        low, high = self.increments["ack"], self.increments["ack"] + self.increments["unknown"]
        return total.isdigit() and low <= int(total) <= high

    def event_deliveries(self):
        duplicates, missing = 0, 0
        clean = {event[0] for event in self.events if event[2]}
        delivered_share = []
        self.reach = {event[0]: [] for event in self.events}
        for host in ALL:
            try:
                lines = open(self.path(f"events-{host}")).read().split("\n")
            except FileNotFoundError:
                lines = []
            names = [line.split()[1] for line in lines if line.startswith("user ")]
            counts = {}
            for name in names:
                counts[name] = counts.get(name, 0) + 1
            duplicates += sum(count - 1 for count in counts.values() if count > 1)
            missing += len(clean - set(counts))
            for name in counts:
                if name in self.reach:
                    self.reach[name].append(host)
            delivered_share.append(len(set(counts) & set(self.reach)) / max(1, len(self.events)))
        return duplicates, missing, min(delivered_share) if delivered_share else 0

    def false_failures(self):
        host_of = {f"g{h}": h for h in OURS} | {f"s{h}": h for h in SERFS}
        unexplained = []
        for observer in ALL:
            try:
                lines = open(self.path(f"failures-{observer}")).read().split("\n")
            except FileNotFoundError:
                continue
            for line in lines:
                parts = line.split()
                if len(parts) < 3:
                    continue
                at = float(parts[1]) - self.wall_origin
                member = host_of.get(parts[2])
                # A fault's verdicts go on until the cluster has settled after it: a member declared dead on one
                # side of a cut is reported dead to the others by gossip once the cut heals, until it refutes.
                explained = any(start <= at <= max(end, settled or end) + GRACE
                                and (member in hosts or observer in hosts)
                                for _, start, end, hosts, settled in self.faults)
                if not explained:
                    unexplained.append((observer, parts[2], round(at, 1)))
        return unexplained

    def main(self):
        self.disk = self.path(f"data-{DISK_HOST}")
        os.makedirs(self.disk)
        run(["mount", "-t", "tmpfs", "-o", "size=4M", "tmpfs", self.disk])
        self.wall_origin = time.time() - self.now()
        try:
            for host in ALL:
                self.start(host, join=False)
            time.sleep(2)
            for host in ALL:
                self.start_join(host)
            names = {f"g{h}" for h in OURS} | {f"s{h}" for h in SERFS}
            if not self.wait(lambda: all(self.alive_seen_by(h) == names for h in [1, 7, 12]), 60):
                self.log("the cluster did not form")
                return 1
            self.log("the cluster formed: 15 members")
            self.quiet()
            self.schedule()
            last_fault = self.now()
            winners, possible = self.expectations()
            self.log("healed; waiting for convergence")
            converged = self.wait(lambda: self.converged(winners, possible), 240)
            reconvergence = self.now() - last_fault
            return self.report(converged, reconvergence, winners, possible)
        finally:
            for process in self.processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGCONT)
                    process.kill()
                    process.wait()
            run(["umount", self.disk], check=False)
            self.lab.close()
            if not self.options.keep:
                shutil.rmtree(self.directory, ignore_errors=True)

    def start_join(self, host):
        if host == 1:
            return
        if host in SERFS:
            self.lab.exec(host, ["serf", "join", "-rpc-addr=127.0.0.1:7373", f"{self.lab.address(1)}:7946"])
        else:
            self.control(host, ["join", f"{self.lab.address(1)}:7946"])

    def report(self, converged, reconvergence, winners, possible):
        listings = [self.listing(host) for host in OURS]
        lost = max(self.lost_in(listing, winners, possible) for listing in listings)
        counters = all(self.counter_ok(listing) for listing in listings)
        duplicates, missing, least_share = self.event_deliveries()
        false = self.false_failures()
        acknowledged = sum(1 for write in self.writes if write[3] == "ack")
        refused = sum(1 for write in self.writes if write[3] == "refused")
        unknown = sum(1 for write in self.writes if write[3] == "unknown")
        clean_events = sum(1 for event in self.events if event[2])
        figures = {
            "faults injected": len(self.faults),
            "faults": [fault[0] for fault in self.faults],
            "writes acknowledged": acknowledged,
            "writes refused (full disk)": refused,
            "writes with no answer": unknown,
            "writes lost": lost,
            "clock step seen in the stepped agent's stamps (s)": None if self.clock_offset is None
            else round(self.clock_offset, 1),
            "increments acknowledged": self.increments["ack"],
            "increments counted once on every agent": counters,
            "user events sent": len(self.events),
            "user events sent outside faults": clean_events,
            "events duplicated": duplicates,
            "events missing (sent outside faults)": missing,
            "least share of all events any agent got": round(least_share, 3),
            "false failures": len(false),
            "converged": converged,
            "reconvergence after the last fault (s)": round(reconvergence, 1),
        }
        print("\n| figure | value |\n|---|---|")
        for name, value in figures.items():
            print(f"| {name} | {', '.join(value) if isinstance(value, list) else value} |")
        for observer, member, at in false[:10]:
            print(f"false failure: {member} declared failed by host {observer} at {at} s")
        if self.options.json:
            with open(self.options.json, "w") as output:
                events = [{"name": name, "sent": round(at, 1), "clean": clean, "via": host,
                           "reached": len(self.reach.get(name, []))} for name, at, clean, host in self.events]
                json.dump(figures | {"false failure list": false, "events": events,
                                     "fault windows": self.faults}, output, indent=2)
        passed = converged and lost == 0 and counters and duplicates == 0 and missing == 0 and not false \
            and acknowledged > 0 and refused > 0 and (self.clock_offset or 0) > 20
        if refused == 0:
            print("the full disk refused no write: the fault did not take effect")
        if (self.clock_offset or 0) <= 20:
            print("the stepped agent's writes were not stamped ahead: the clock step did not take effect")
        print("PASS" if passed else "FAIL")
        return 0 if passed else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gossip", default=".build/release/gossip", help="the gossip executable")
    parser.add_argument("--short", action="store_true", help="a compressed schedule, for CI")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data directories")
    parser.add_argument("--log-level", default="info", help="our agents' log level")
    options = parser.parse_args()
    missing = [tool for tool in ["ip", "nft", "serf"] if shutil.which(tool) is None]
    if os.geteuid() != 0 or missing or not os.path.exists(FAKETIME):
        print(f"the fault suite needs root, ip, nft, serf and libfaketime (missing: {missing or 'root/faketime'})")
        return 2
    return Suite(options).main()


if __name__ == "__main__":
    sys.exit(main())
