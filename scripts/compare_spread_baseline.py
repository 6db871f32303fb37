#!/usr/bin/env python3
"""Runs the numpy reference (scripts/spread_reference.py) and `gossip bench spread` side by side, pinned to one
core, and prints wall times, the speed-up and the rounds distributions of both.

    swift build -c release --product gossip
    python3 scripts/compare_spread_baseline.py [--sizes 1000000 10000000] [--runs 5]
"""
import argparse, json, os, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE = os.path.join(ROOT, "scripts", "spread_reference.py")
GOSSIP = os.path.join(ROOT, ".build", "release", "gossip")


def pinned(command):
    return ["taskset", "-c", "0"] + command if subprocess.call(["which", "taskset"], stdout=subprocess.DEVNULL) == 0 else command


def baseline(protocol, nodes, seed):
    out = subprocess.run(pinned([sys.executable, BASELINE, "--protocol", protocol, "--nodes", str(nodes),
                                 "--seed", str(seed)]), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def ours(protocol, nodes, runs, seed):
    out = subprocess.run(pinned([GOSSIP, "bench", "spread", "--protocol", protocol, "--nodes", str(nodes),
                                 "--runs", str(runs), "--seed", str(seed)]), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'protocol':10} {'nodes':>10} {'baseline s':>11} {'ours s':>9} {'speed-up':>9} "
          f"{'rounds baseline':>18} {'rounds ours':>14} {'ours RSS MiB':>13}")
    for nodes in args.sizes:
        runs = args.runs if nodes <= 1_000_000 else max(2, args.runs // 2)
        for protocol in ["push", "pull", "push-pull"]:
            base = [baseline(protocol, nodes, seed) for seed in range(1, runs + 1)]
            mine = ours(protocol, nodes, runs, 1_000)
            base_wall = statistics.mean(b["wall_s"] for b in base)
            base_rounds = [b["rounds"] for b in base]
            print(f"{protocol:10} {nodes:>10} {base_wall:>11.3f} {mine['wall_s_mean']:>9.3f} "
                  f"{base_wall / mine['wall_s_mean']:>8.1f}x "
                  f"{statistics.mean(base_rounds):>8.2f} ({min(base_rounds)}-{max(base_rounds)}) "
                  f"{statistics.mean(mine['rounds']):>6.2f} ({min(mine['rounds'])}-{max(mine['rounds'])}) "
                  f"{mine['peak_rss_mib']:>12.1f}")


if __name__ == "__main__":
    main()
