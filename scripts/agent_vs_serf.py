#!/usr/bin/env python3
"""Our agent against Debian's serf agent, side by side on this machine: N agents of one kind on 127.0.0.1, then N
of the other, each observed the same way (Serf's RPC protocol, which ours speaks, its event stream, its log and
/proc).

    swift build -c release --product gossip
    python3 scripts/agent_vs_serf.py --nodes 10,50,100,200 [--json figures.json]
    python3 scripts/agent_vs_serf.py --quick          # 5 agents of each kind, a few seconds each: a smoke run

For each size and kind it reports:
  formation     seconds from the seed answering until every agent lists all N alive (the other N-1 are started
                together, joining the seed)
  event median  seconds from sending a user event (RPC, Coalesce=false) until an agent's event stream shows it,
                the median over agents and events; `event slowest` is the slowest agent's, the median over events
  kill -9       seconds until every survivor's stream says member-failed for a member killed with SIGKILL
  suspicions, failures   during a healthy minute: members suspected (serf's log, our agent's `stats`) and
                member-failed events, summed over agents
  idle CPU      percent of a core per agent over an idle period (every thread's scheduler time, /proc)
  RSS           resident memory per agent (VmRSS, what `top` shows), and the agent's own (RssAnon)
  bytes/s       loopback bytes per second per agent over the idle period, when tcpdump is installed
Everything uses Python's standard library; processes are started and stopped by PID."""
import argparse
import json
import os
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import time

from agents import start
from serf_rpc import RPC, pack, unpack


class EventStream:
    """A `stream` subscription on one agent's RPC endpoint, read without blocking."""

    def __init__(self, agent):
        self.agent = agent
        self.rpc = RPC(agent.rpc_port)
        self.rpc.seq += 1
        self.rpc.sock.sendall(pack({'Command': 'stream', 'Seq': self.rpc.seq}) + pack({'Type': '*'}))
        self.records = []  # (arrival time, record)

    def fileno(self):
        return self.rpc.sock.fileno()

    def drain(self):
        """Reads what has arrived; keeps the event records with their arrival time."""
        now = time.time()
        chunk = self.rpc.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError('%s closed its stream' % self.agent.name)
        self.rpc.buffer += chunk
        while True:
            try:
                value, offset = unpack(self.rpc.buffer)
            except IndexError:
                return
            self.rpc.buffer = self.rpc.buffer[offset:]
            if isinstance(value, dict) and 'Event' in value:
                self.records.append((now, value))

    def close(self):
        self.rpc.sock.close()


def pump(streams, until, condition):
    """Reads every stream until `condition()` holds or the time `until` passes; returns whether it held."""
    while not condition():
        left = until - time.time()
        if left <= 0:
            return False
        ready, _, _ = select.select(streams, [], [], min(left, 0.05))
        for stream in ready:
            stream.drain()
    return True


def text(value):
    return value.decode(errors='replace') if isinstance(value, bytes) else value


def member_events(stream, kind, name):
    return [t for t, r in stream.records if text(r['Event']) == kind
            and any(text(m['Name']) == name for m in r.get('Members', []))]


def user_events(stream, name):
    return [t for t, r in stream.records if text(r['Event']) == 'user' and text(r.get('Name')) == name]


def suspicions(agent):
    """Members this agent has suspected: serf logs each, ours counts them in `stats`."""
    if agent.kind == 'serf':
        return agent.log().count('memberlist: Suspect ')
    return int(text(agent.rpc.call('stats')['serf']['suspicions']))


class Capture:
    """tcpdump on loopback for the agents' gossip ports, counting IP bytes."""

    def __init__(self, ports):
        self.path = tempfile.mktemp(suffix='.pcap')
        expression = ' or '.join('port %d' % p for p in ports)
        self.process = subprocess.Popen(['tcpdump', '-i', 'lo', '-n', '-q', '-w', self.path, expression],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.begin = time.time()

    def ready(self):
        deadline = time.time() + 5
        while not os.path.exists(self.path) and time.time() < deadline:
            time.sleep(0.05)

    def stop(self):
        """Bytes captured (IP headers and payload) and the seconds it ran."""
        seconds = time.time() - self.begin
        self.process.send_signal(signal.SIGINT)
        self.process.wait()
        total = 0
        with open(self.path, 'rb') as handle:
            data = handle.read()
        os.remove(self.path)
        offset = 24
        while offset + 16 <= len(data):
            _, _, captured, original = struct.unpack('<IIII', data[offset:offset + 16])
            total += original - 14  # the loopback's Ethernet header
            offset += 16 + captured
        return total, seconds


def measure(kind, nodes, args, logs):
    """Runs one cluster of `nodes` agents of `kind` and returns its figures."""
    extra = {'swift': list(args.swift_arg), 'serf': list(args.serf_arg)}[kind]
    agents = []
    streams = []
    try:
        seed = start(kind, '%s-0' % kind, None, args.gossip, logs, extra)
        agents.append(seed)
        begin = time.time()
        others = [start(kind, '%s-%d' % (kind, i), seed.port, args.gossip, logs, extra, connect=False)
                  for i in range(1, nodes)]
        for agent in others:
            agent.connect(deadline=120)
        agents += others
        pending = list(agents)
        while pending and time.time() - begin < args.timeout:
            pending = [a for a in pending
                       if sum(1 for s in a.rpc.statuses().values() if text(s) == 'alive') < nodes]
            time.sleep(0.02)
        if pending:
            raise RuntimeError('%d %s agents did not list all %d alive' % (len(pending), kind, nodes))
        formation = time.time() - begin
        streams = [EventStream(a) for a in agents]
        time.sleep(0.5)  # the subscriptions are registered

        # User events, one at a time, from the seed.
        medians, slowest = [], []
        for index in range(args.events):
            name = 'spread-%d' % index
            sent = time.time()
            seed.rpc.call('event', {'Name': name, 'Payload': b'x' * 64, 'Coalesce': False}, body=False)
            if not pump(streams, sent + args.timeout, lambda: all(user_events(s, name) for s in streams)):
                raise RuntimeError('%s event %s did not reach every agent' % (kind, name))
            delays = sorted(user_events(s, name)[0] - sent for s in streams)
            medians += delays
            slowest.append(delays[-1])
            time.sleep(0.2)

        # A healthy minute: nobody suspected, nobody failed.
        suspected_before = sum(suspicions(a) for a in agents)
        failed_before = sum(len([r for _, r in s.records if text(r['Event']) == 'member-failed']) for s in streams)
        pump(streams, time.time() + args.healthy, lambda: False)
        suspected = sum(suspicions(a) for a in agents) - suspected_before
        failed = sum(len([r for _, r in s.records if text(r['Event']) == 'member-failed'])
                     for s in streams) - failed_before

        # Idle: CPU, memory and loopback bytes, with the streams closed.
        for stream in streams:
            stream.close()
        streams = []
        capture = Capture([a.port for a in agents]) if args.tcpdump else None
        if capture:
            capture.ready()
        before = {a.name: a.cpu_seconds() for a in agents}
        idle_begin = time.time()
        time.sleep(args.idle)
        idle_seconds = time.time() - idle_begin
        cpu = statistics.mean(a.cpu_seconds() - before[a.name] for a in agents) / idle_seconds * 100
        rss = statistics.mean(a.memory_kib('VmRSS') for a in agents) / 1024
        anon = statistics.mean(a.memory_kib('RssAnon') for a in agents) / 1024
        threads = statistics.mean(a.memory_kib('Threads') for a in agents)
        bytes_per_second = None
        if capture:
            total, seconds = capture.stop()
            bytes_per_second = total / seconds / nodes

        # kill -9 of a member that is not the seed.
        streams = [EventStream(a) for a in agents]
        time.sleep(0.5)
        victim = agents[-1]
        survivors = [s for s in streams if s.agent is not victim]
        killed = time.time()
        victim.kill()
        if not pump(survivors, killed + args.timeout,
                    lambda: all(member_events(s, 'member-failed', victim.name) for s in survivors)):
            raise RuntimeError('%s: the kill -9 of %s was not detected by all' % (kind, victim.name))
        detection = max(member_events(s, 'member-failed', victim.name)[0] for s in survivors) - killed
        return {
            'kind': kind, 'nodes': nodes, 'formation_s': formation,
            'event_median_s': statistics.median(medians), 'event_slowest_s': statistics.median(slowest),
            'kill_detect_s': detection, 'suspicions': suspected, 'failures': failed,
            'idle_cpu_percent': cpu, 'rss_mib': rss, 'own_mib': anon, 'threads': threads,
            'bytes_per_second': bytes_per_second,
        }
    finally:
        for stream in streams:
            stream.close()
        for agent in agents:
            agent.kill()


def table(rows):
    columns = [('nodes', 'nodes', '%d'), ('kind', 'kind', '%s'), ('formation (s)', 'formation_s', '%.2f'),
               ('event median (s)', 'event_median_s', '%.3f'), ('event slowest (s)', 'event_slowest_s', '%.3f'),
               ('kill -9 (s)', 'kill_detect_s', '%.2f'), ('suspicions', 'suspicions', '%d'),
               ('failures', 'failures', '%d'), ('idle CPU (%)', 'idle_cpu_percent', '%.3f'),
               ('RSS (MiB)', 'rss_mib', '%.1f'), ('own (MiB)', 'own_mib', '%.1f'), ('threads', 'threads', '%.0f'),
               ('bytes/s', 'bytes_per_second', '%.0f')]
    lines = ['| ' + ' | '.join(c[0] for c in columns) + ' |', '|' + '---|' * len(columns)]
    for row in rows:
        cells = [(c[2] % row[c[1]]) if row[c[1]] is not None else '-' for c in columns]
        lines.append('| ' + ' | '.join(cells) + ' |')
    by_size = {}
    for row in rows:
        by_size.setdefault(row['nodes'], {})[row['kind']] = row
    for size, kinds in sorted(by_size.items()):
        if 'swift' in kinds and 'serf' in kinds:
            ours, theirs = kinds['swift'], kinds['serf']
            ratios = ['%s %.2f' % (label, ours[key] / theirs[key]) for label, key in
                      [('idle CPU', 'idle_cpu_percent'), ('RSS', 'rss_mib'), ('formation', 'formation_s'),
                       ('event median', 'event_median_s'), ('event slowest', 'event_slowest_s'),
                       ('kill -9', 'kill_detect_s'), ('bytes/s', 'bytes_per_second')]
                      if ours[key] is not None and theirs[key]]
            lines.append('')
            lines.append('%d agents, ours / serf: %s' % (size, ', '.join(ratios)))
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--nodes', default='10,50', help='sizes, comma-separated (default 10,50)')
    parser.add_argument('--kinds', default='swift,serf', help='which agents: swift, serf or both')
    parser.add_argument('--events', type=int, default=5, help='user events sent, one at a time')
    parser.add_argument('--healthy', type=float, default=60, help='seconds of the healthy period')
    parser.add_argument('--idle', type=float, default=30, help='seconds of idle measurement')
    parser.add_argument('--timeout', type=float, default=300, help='seconds before a step is given up')
    parser.add_argument('--gossip', default='.build/release/gossip')
    parser.add_argument('--swift-arg', action='append', default=[], help='an extra argument for our agents')
    parser.add_argument('--serf-arg', action='append', default=[], help='an extra argument for serf agents')
    parser.add_argument('--json', help='write the figures to this file')
    parser.add_argument('--quick', action='store_true', help='5 agents of each kind, short periods')
    args = parser.parse_args()
    if args.quick:
        args.nodes, args.events, args.healthy, args.idle, args.timeout = '5', 2, 2, 2, 60
    args.tcpdump = shutil.which('tcpdump') is not None and os.geteuid() == 0
    kinds = [k for k in args.kinds.split(',') if k]
    if 'serf' in kinds and shutil.which('serf') is None:
        sys.exit('serf is not installed (apt-get install serf), or pass --kinds swift')
    if 'swift' in kinds and not os.access(args.gossip, os.X_OK):
        sys.exit('%s is not built (swift build -c release --product gossip)' % args.gossip)
    logs = tempfile.mkdtemp(prefix='agent-vs-serf-')
    rows = []
    failures = []
    for nodes in [int(n) for n in args.nodes.split(',')]:
        for kind in kinds:
            print('%d %s agents ...' % (nodes, kind), file=sys.stderr, flush=True)
            try:
                row = measure(kind, nodes, args, logs)
            except RuntimeError as error:
                # One size that does not come together is reported, and the others still run.
                failures.append('%d %s: %s' % (nodes, kind, error))
                print('  failed: %s' % error, file=sys.stderr, flush=True)
                continue
            rows.append(row)
            print('  ' + json.dumps(row), file=sys.stderr, flush=True)
            if args.json:
                with open(args.json, 'w') as handle:
                    json.dump(rows, handle, indent=1)
    print(table(rows))
    for failure in failures:
        print('not measured: ' + failure)
    shutil.rmtree(logs, ignore_errors=True)
    if failures:
        sys.exit(1)


if __name__ == '__main__':
    main()
