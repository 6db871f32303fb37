#!/usr/bin/env python3
"""What the agent's HTTP server costs, on 127.0.0.1.

    swift build -c release --product gossip
    python3 scripts/http_bench.py [--clients 50] [--changes 20] [--idle 60] [--gossip .build/release/gossip]

1. Idle: three agents with the HTTP server on and three with it off (`--http-addr ""`), one cluster, nobody
   connected; CPU per agent over the idle period (every thread's scheduler time, /proc).
2. Fan-out: `--clients` server-sent-event clients on one agent's `/v1/stream`; `--changes` times, a new agent
   (not joining by itself) is joined through that agent's RPC (`join`), and each client's arrival time of the
   `member-join` is taken against the moment the join was asked: median, p99 and the slowest.
Python's standard library only."""
import argparse
import select
import socket
import statistics
import sys
import threading
import tempfile
import time

from agents import start, free_port


def idle_cost(args, logs):
    agents = []
    try:
        seed = start('swift', 'idle-on-0', None, args.gossip, logs, ['--http-addr', '127.0.0.1:%d' % free_port()])
        agents.append(seed)
        for index in range(1, 3):
            agents.append(start('swift', 'idle-on-%d' % index, seed.port, args.gossip, logs,
                                ['--http-addr', '127.0.0.1:%d' % free_port()]))
        for index in range(3):
            agents.append(start('swift', 'idle-off-%d' % index, seed.port, args.gossip, logs, ['--http-addr', '']))
        time.sleep(5)
        before = {a.name: a.cpu_seconds() for a in agents}
        begin = time.time()
        time.sleep(args.idle)
        seconds = time.time() - begin
        share = {a.name: (a.cpu_seconds() - before[a.name]) / seconds * 100 for a in agents}
        on = statistics.mean(v for k, v in share.items() if '-on-' in k)
        off = statistics.mean(v for k, v in share.items() if '-off-' in k)
        return on, off
    finally:
        for agent in agents:
            agent.kill()


class StreamClient:
    def __init__(self, port):
        self.sock = socket.create_connection(('127.0.0.1', port))
        self.sock.sendall(b'GET /v1/stream HTTP/1.1\r\nHost: bench\r\n\r\n')
        self.sock.setblocking(False)
        self.buffer = b''
        self.seen = {}

    def fileno(self):
        return self.sock.fileno()

    def drain(self):
        now = time.time()
        self.buffer += self.sock.recv(1 << 20)
        while b'\n\n' in self.buffer:
            record, self.buffer = self.buffer.split(b'\n\n', 1)
            if b'event: member' in record and b'"member-join"' in record:
                for name in self.names:
                    if ('"name":"%s"' % name).encode() in record:
                        self.seen.setdefault(name, now)


def fan_out(args, logs):
    http_port = free_port()
    hub = start('swift', 'hub', None, args.gossip, logs, ['--http-addr', '127.0.0.1:%d' % http_port])
    newcomers = []
    clients = []
    try:
        names = ['newcomer-%d' % i for i in range(args.changes)]
        for _ in range(args.clients):
            client = StreamClient(http_port)
            client.names = names
            clients.append(client)
        time.sleep(1)
        delays = []
        spreads = []
        for name in names:
            newcomer = start('swift', name, None, args.gossip, logs, ['--http-addr', ''])
            newcomers.append(newcomer)
            asked = time.time()
            # The join is asked from another thread, so that the streams are read while it runs (the event can
            # reach the clients before the RPC answers).
            joiner = threading.Thread(
                target=hub.rpc.call, args=('join', {'Existing': ['127.0.0.1:%d' % newcomer.port], 'Replay': False}))
            joiner.start()
            deadline = asked + 10
            while not all(name in c.seen for c in clients) and time.time() < deadline:
                ready, _, _ = select.select(clients, [], [], 0.05)
                for client in ready:
                    client.drain()
            joiner.join()
            missing = [c for c in clients if name not in c.seen]
            if missing:
                sys.exit('%d clients did not see %s join' % (len(missing), name))
            delays += [c.seen[name] - asked for c in clients]
            first = min(c.seen[name] for c in clients)
            spreads.append(max(c.seen[name] for c in clients) - first)
            newcomer.kill()
        return sorted(delays), sorted(spreads)
    finally:
        for client in clients:
            client.sock.close()
        for agent in newcomers + [hub]:
            agent.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clients', type=int, default=50)
    parser.add_argument('--changes', type=int, default=20)
    parser.add_argument('--idle', type=float, default=60)
    parser.add_argument('--gossip', default='.build/release/gossip')
    args = parser.parse_args()
    logs = tempfile.mkdtemp(prefix='http-bench-')
    on, off = idle_cost(args, logs)
    print('idle CPU per agent: HTTP server on %.3f %% of a core, off %.3f %% (difference %+.3f points)'
          % (on, off, on - off))
    delays, spreads = fan_out(args, logs)
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    print('member-join to %d stream clients, %d joins (%d arrivals), from the join asked: median %.1f ms, '
          'p99 %.1f ms, slowest %.1f ms'
          % (args.clients, args.changes, len(delays), statistics.median(delays) * 1000, p99 * 1000,
             delays[-1] * 1000))
    print('first to last client, per join: median %.1f ms, slowest %.1f ms'
          % (statistics.median(spreads) * 1000, spreads[-1] * 1000))


if __name__ == '__main__':
    main()
