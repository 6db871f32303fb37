#!/usr/bin/env python3
"""The simulator's reference for rumor spreading on a complete graph: a plain numpy model, written independently of
the Swift engines so that `gossip bench spread` can be checked against it (rounds) and timed beside it (speed).

    python3 scripts/spread_reference.py --protocol push-pull --nodes 1000000 --seed 1

The model: synchronous rounds. In each round every node calls one other node chosen uniformly at random. With push,
a node that knew the rumor at the start of the round tells its callee; with pull, a node that did not know it
learns it from a callee that did; push-pull does both. Changes take effect at the end of the round. One JSON object
is printed: the rounds until every node knows, the deliveries (calls that carried the rumor), and the wall time.
"""
import argparse
import json
import time

import numpy as np


def callees(generator, count):
    """One uniformly random callee per node, never the node itself."""
    picks = generator.integers(0, count - 1, size=count)
    return picks + (picks >= np.arange(count))


def spread(count, protocol, seed):
    generator = np.random.default_rng(seed)
    knows = np.zeros(count, dtype=bool)
    knows[generator.integers(count)] = True
    rounds = 0
    deliveries = 0
    started = time.perf_counter()
    while not knows.all():
        called = callees(generator, count)
        after = knows.copy()
        if protocol != "pull":
            deliveries += int(np.count_nonzero(knows))
            after[called[knows]] = True
        if protocol != "push":
            learned = ~knows & knows[called]
            deliveries += int(np.count_nonzero(learned))
            after |= learned
        knows = after
        rounds += 1
    wall = time.perf_counter() - started
    return {
        "protocol": protocol, "nodes": count, "seed": seed, "rounds": rounds, "deliveries": deliveries,
        "wall_s": round(wall, 4), "deliveries_per_s": round(deliveries / max(wall, 1e-9)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--protocol", choices=["push", "pull", "push-pull"], default="push-pull")
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    if arguments.nodes < 2:
        parser.error("--nodes must be at least 2")
    print(json.dumps(spread(arguments.nodes, arguments.protocol, arguments.seed)))


if __name__ == "__main__":
    main()
