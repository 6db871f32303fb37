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
import signal
import sys
import tempfile
import time


from agents import start, wait_all


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--agents', type=int, default=10, help='agents of each kind')
    parser.add_argument('--idle', type=int, default=60, help='seconds of idle measurement')
    parser.add_argument('--gossip', default='.build/release/gossip')
    args = parser.parse_args()
    logs = tempfile.mkdtemp(prefix='mixed-cluster-')
    agents = []

    def spawn(kind, name, join):
        agent = start(kind, name, join, args.gossip, logs)
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
