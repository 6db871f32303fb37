#!/usr/bin/env python3
"""Measures our agent next to Debian's serf agent in one mixed cluster on 127.0.0.1.

    swift build -c release --product gossip
    python3 scripts/mixed_cluster.py [--agents 10] [--idle 60] [--gossip .build/release/gossip]

Starts N serf agents and N of ours (LAN profile) in one cluster, then measures, for each implementation:
the time until a newly joined member is listed alive by every agent, the time until a `kill -9`-ed member is
listed failed by every agent, and each agent's CPU time and resident memory over an idle period. Every agent is
polled over its RPC endpoint (ours speaks Serf's RPC protocol), with a small MessagePack codec below, so only the
Python standard library is needed. Processes are started and stopped by PID; everything is on 127.0.0.1."""
import argparse
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time


# --- a minimal MessagePack codec (what Serf's RPC needs) ---------------------------------------------------
def pack(value):
    if value is None:
        return b'\xc0'
    if value is True:
        return b'\xc3'
    if value is False:
        return b'\xc2'
    if isinstance(value, int):
        if 0 <= value < 128:
            return bytes([value])
        return b'\xcf' + struct.pack('>Q', value)
    if isinstance(value, str):
        data = value.encode()
        return (bytes([0xa0 | len(data)]) if len(data) < 32 else b'\xd9' + bytes([len(data)])) + data
    if isinstance(value, dict):
        out = bytes([0x80 | len(value)])
        for key, item in value.items():
            out += pack(key) + pack(item)
        return out
    if isinstance(value, list):
        out = bytes([0x90 | len(value)])
        for item in value:
            out += pack(item)
        return out
    raise TypeError(value)


def unpack(data, offset=0):
    """Returns (value, next offset); raises IndexError when the data ends early."""
    first = data[offset]
    offset += 1
    if first <= 0x7f:
        return first, offset
    if 0x80 <= first <= 0x8f or first in (0xde, 0xdf):
        if first <= 0x8f:
            count = first & 0x0f
        elif first == 0xde:
            count = struct.unpack('>H', data[offset:offset + 2])[0]; offset += 2
        else:
            count = struct.unpack('>I', data[offset:offset + 4])[0]; offset += 4
        result = {}
        for _ in range(count):
            key, offset = unpack(data, offset)
            item, offset = unpack(data, offset)
            result[key.decode() if isinstance(key, bytes) else key] = item
        return result, offset
    if 0x90 <= first <= 0x9f or first in (0xdc, 0xdd):
        if first <= 0x9f:
            count = first & 0x0f
        elif first == 0xdc:
            count = struct.unpack('>H', data[offset:offset + 2])[0]; offset += 2
        else:
            count = struct.unpack('>I', data[offset:offset + 4])[0]; offset += 4
        result = []
        for _ in range(count):
            item, offset = unpack(data, offset)
            result.append(item)
        return result, offset
    if 0xa0 <= first <= 0xbf or first in (0xd9, 0xda, 0xdb, 0xc4, 0xc5, 0xc6):
        if 0xa0 <= first <= 0xbf:
            count = first & 0x1f
        elif first in (0xd9, 0xc4):
            count = data[offset]; offset += 1
        elif first in (0xda, 0xc5):
            count = struct.unpack('>H', data[offset:offset + 2])[0]; offset += 2
        else:
            count = struct.unpack('>I', data[offset:offset + 4])[0]; offset += 4
        if offset + count > len(data):
            raise IndexError('short')
        raw = bytes(data[offset:offset + count])
        return (raw if first in (0xc4, 0xc5, 0xc6) else raw.decode(errors='replace')), offset + count
    if first == 0xc0:
        return None, offset
    if first in (0xc2, 0xc3):
        return first == 0xc3, offset
    widths = {0xcc: ('>B', 1), 0xcd: ('>H', 2), 0xce: ('>I', 4), 0xcf: ('>Q', 8), 0xd0: ('>b', 1), 0xd1: ('>h', 2),
              0xd2: ('>i', 4), 0xd3: ('>q', 8), 0xca: ('>f', 4), 0xcb: ('>d', 8)}
    if first in widths:
        fmt, size = widths[first]
        if offset + size > len(data):
            raise IndexError('short')
        return struct.unpack(fmt, data[offset:offset + size])[0], offset + size
    if first >= 0xe0:
        return first - 256, offset
    raise ValueError('unsupported MessagePack byte 0x%x' % first)


class RPC:
    """A persistent connection to an agent's RPC endpoint (ours or serf's)."""

    def __init__(self, port):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=5)
        self.buffer = b''
        self.seq = 0
        self.call('handshake', {'Version': 1}, body=False)

    def read(self):
        while True:
            try:
                value, offset = unpack(self.buffer)
                self.buffer = self.buffer[offset:]
                return value
            except IndexError:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError('closed')
                self.buffer += chunk

    def call(self, command, request=None, body=True):
        self.seq += 1
        self.sock.sendall(pack({'Command': command, 'Seq': self.seq}) + (pack(request) if request is not None else b''))
        header = self.read()
        answer = self.read() if body else None
        if header.get('Error'):
            raise RuntimeError(header['Error'])
        return answer

    def statuses(self):
        return {m['Name']: m['Status'] for m in self.call('members')['Members']}


# --- the cluster -----------------------------------------------------------------------------------------
class Agent:
    def __init__(self, kind, name, port, rpc_port, process):
        self.kind, self.name, self.port, self.rpc_port, self.process = kind, name, port, rpc_port, process
        self.rpc = None

    def connect(self, deadline=10):
        end = time.time() + deadline
        while time.time() < end:
            try:
                self.rpc = RPC(self.rpc_port)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError('%s did not open its RPC port' % self.name)

    def cpu_seconds(self):
        fields = open('/proc/%d/stat' % self.process.pid).read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def memory_kib(self, field):
        """VmRSS (all resident pages, shared libraries included) or RssAnon (the process's own memory)."""
        for line in open('/proc/%d/status' % self.process.pid):
            if line.startswith(field + ':'):
                return int(line.split()[1])
        return 0


def start(kind, name, port, rpc_port, join, gossip, logs):
    log = open(os.path.join(logs, name + '.log'), 'w')
    if kind == 'serf':
        command = ['serf', 'agent', '-node=' + name, '-bind=127.0.0.1:%d' % port, '-rpc-addr=127.0.0.1:%d' % rpc_port,
                   '-log-level=warn'] + (['-join=127.0.0.1:%d' % join] if join else [])
    else:
        command = [gossip, 'agent', '--node', name, '--bind', '127.0.0.1:%d' % port, '--rpc-addr',
                   '127.0.0.1:%d' % rpc_port, '--log-level', 'warning'] + (['--join', '127.0.0.1:%d' % join] if join else [])
    agent = Agent(kind, name, port, rpc_port, subprocess.Popen(command, stdout=log, stderr=log))
    agent.connect()
    return agent


def wait_all(agents, name, status, timeout=120):
    """Seconds until every agent lists `name` with `status`, polling every agent in turn."""
    begin = time.time()
    pending = set(a.name for a in agents)
    while pending and time.time() - begin < timeout:
        for agent in agents:
            if agent.name in pending and agent.rpc.statuses().get(name) == status:
                pending.discard(agent.name)
        time.sleep(0.005)
    return time.time() - begin if not pending else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--agents', type=int, default=10, help='agents of each kind')
    parser.add_argument('--idle', type=int, default=60, help='seconds of idle measurement')
    parser.add_argument('--gossip', default='.build/release/gossip')
    args = parser.parse_args()
    logs = tempfile.mkdtemp(prefix='mixed-cluster-')
    base = random.randint(20000, 50000)
    ports = iter(range(base, base + 1000))
    agents = []

    def spawn(kind, name, join):
        agent = start(kind, name, next(ports), next(ports), join, args.gossip, logs)
        agents.append(agent)
        return agent

    try:
        seed = spawn('serf', 'serf-0', None)
        for index in range(1, args.agents):
            spawn('serf', 'serf-%d' % index, seed.port)
        for index in range(args.agents):
            spawn('swift', 'swift-%d' % index, seed.port)
        for agent in agents:
            if wait_all(agents, agent.name, 'alive', timeout=60) is None:
                sys.exit('the cluster did not form: %s is not alive everywhere' % agent.name)
        print('cluster formed: %d serf agents and %d of ours' % (args.agents, args.agents))

        results = {}
        for kind in ('serf', 'swift'):
            newcomer = spawn(kind, '%s-new' % kind, seed.port)
            joined = wait_all(agents, newcomer.name, 'alive')
            results.setdefault(kind, {})['join'] = joined
        for kind in ('serf', 'swift'):
            victim = next(a for a in agents if a.kind == kind and a is not seed and not a.name.endswith('new'))
            victim.process.send_signal(signal.SIGKILL)
            victim.process.wait()
            agents.remove(victim)
            detected = wait_all(agents, victim.name, 'failed')
            results[kind]['detect'] = detected
        print('measuring %d idle seconds ...' % args.idle)
        before = {a.name: a.cpu_seconds() for a in agents}
        time.sleep(args.idle)
        for kind in ('serf', 'swift'):
            mine = [a for a in agents if a.kind == kind]
            cpu = sum(a.cpu_seconds() - before[a.name] for a in mine) / len(mine)
            results[kind]['cpu'] = 100 * cpu / args.idle
            results[kind]['rss'] = sum(a.memory_kib('VmRSS') for a in mine) / len(mine) / 1024
            results[kind]['anon'] = sum(a.memory_kib('RssAnon') for a in mine) / len(mine) / 1024
        print('%-6s %22s %22s %18s %10s %16s' % ('agent', 'join listed by all (s)', 'kill -9 failed all (s)',
                                                'idle CPU (% core)', 'RSS (MiB)', 'own memory (MiB)'))
        for kind in ('serf', 'swift'):
            r = results[kind]
            print('%-6s %22.3f %22.3f %18.3f %10.1f %16.1f' % (kind, r['join'], r['detect'], r['cpu'], r['rss'],
                                                              r['anon']))
    finally:
        for agent in agents:
            if agent.process.poll() is None:
                agent.process.send_signal(signal.SIGKILL)
                agent.process.wait()


if __name__ == '__main__':
    main()
