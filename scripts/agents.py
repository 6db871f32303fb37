"""Agents on 127.0.0.1 for the measurement scripts: ours (`gossip agent`) and Debian's `serf agent`, started and
stopped by PID, each observed through Serf's RPC protocol (ours speaks it too) and /proc. Python's standard
library only."""
import os
import signal
import socket
import subprocess
import time

from serf_rpc import RPC


class Agent:
    """One agent process: its kind ('swift' or 'serf'), name, gossip and RPC ports, and its RPC connection."""

    def __init__(self, kind, name, port, rpc_port, process, log_path):
        self.kind, self.name, self.port, self.rpc_port, self.process = kind, name, port, rpc_port, process
        self.log_path = log_path
        self.rpc = None

    def connect(self, deadline=20):
        end = time.time() + deadline
        while time.time() < end:
            if self.process.poll() is not None:
                raise RuntimeError('%s exited: %s' % (self.name, self.log()[-2000:]))
            try:
                self.rpc = RPC(self.rpc_port)
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError('%s did not open its RPC port' % self.name)

    def log(self):
        with open(self.log_path, errors='replace') as handle:
            return handle.read()

    def cpu_seconds(self):
        """CPU time of every thread, from the scheduler's nanosecond counters (finer than clock ticks)."""
        total = 0
        for task in os.listdir('/proc/%d/task' % self.process.pid):
            try:
                with open('/proc/%d/task/%s/schedstat' % (self.process.pid, task)) as handle:
                    total += int(handle.read().split()[0])
            except OSError:
                pass  # a thread that ended meanwhile
        return total / 1e9

    def memory_kib(self, field):
        """VmRSS (all resident pages, shared libraries included), RssAnon (the process's own memory) or Threads."""
        with open('/proc/%d/status' % self.process.pid) as handle:
            for line in handle:
                if line.startswith(field + ':'):
                    return int(line.split()[1])
        return 0

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


_next_port = [20000 + (os.getpid() * 7919) % 9000]


def free_port():
    """A port free for both TCP and UDP on 127.0.0.1 now, below the kernel's ephemeral range (32768 and up), so
    that no agent's outgoing connection can take it before the agent it is meant for binds it."""
    while True:
        port = _next_port[0]
        _next_port[0] = 20000 + (port - 20000 + 1) % 12000
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                tcp.bind(('127.0.0.1', port))
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                    udp.bind(('127.0.0.1', port))
            return port
        except OSError:
            continue


def start(kind, name, join, gossip, logs, extra=(), connect=True):
    """Starts an agent of `kind` called `name`, joining 127.0.0.1:`join` if given, with `extra` arguments."""
    port, rpc_port = free_port(), free_port()
    log_path = os.path.join(logs, name + '.log')
    log = open(log_path, 'w')
    if kind == 'serf':
        command = ['serf', 'agent', '-node=' + name, '-bind=127.0.0.1:%d' % port, '-rpc-addr=127.0.0.1:%d' % rpc_port,
                   '-log-level=info'] + (['-join=127.0.0.1:%d' % join] if join else [])
    else:
        command = [gossip, 'agent', '--node', name, '--bind', '127.0.0.1:%d' % port, '--rpc-addr',
                   '127.0.0.1:%d' % rpc_port, '--log-level', 'info'] + (['--join', '127.0.0.1:%d' % join] if join else [])
    agent = Agent(kind, name, port, rpc_port, subprocess.Popen(command + list(extra), stdout=log, stderr=log),
                  log_path)
    if connect:
        agent.connect()
    return agent


def wait_all(agents, name, status, timeout=120, poll=0.005):
    """Seconds until every agent lists `name` with `status`, polling every agent in turn; None on timeout."""
    begin = time.time()
    pending = set(a.name for a in agents)
    while pending and time.time() - begin < timeout:
        for agent in agents:
            if agent.name in pending and agent.rpc.statuses().get(name) == status:
                pending.discard(agent.name)
        time.sleep(poll)
    return time.time() - begin if not pending else None
