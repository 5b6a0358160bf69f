#!/usr/bin/env python3
"""Is a change slower? Builds an earlier commit beside the working tree and trains both, alternately, several
times on one corpus; prints the median training words/s of each and their ratio.

    /usr/bin/python3 tools/speed_ab.py --baseline b693596                      # enwiki2015, the three benchmark configurations, 2 threads
    /usr/bin/python3 tools/speed_ab.py --baseline HEAD~1 --configs sg-hs --runs 9

Alternating the two builds spreads what other tenants of the machine do over both; the median drops
the odd slow run. Single runs here move by 5-10%, so a difference under about 3% needs more runs.
"""
import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from hsoftmax_cli import ROOT, build_cli

DEFAULT_CORPUS = ROOT.parent / "shared/data/corpus/enwiki2015/enwiki2015-paragraphs.txt.gz"
CONFIGS = {"sg-hs": ("skipgram", "hs", "0.025"), "cbow-hs": ("cbow", "hs", "0.05"), "sg-ns": ("skipgram", "ns", "0.025"),
           "sg-hsns": ("skipgram", "hs+ns", "0.025"), "cbow-ns": ("cbow", "ns", "0.05")}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baseline", required=True, help="the commit to compare with (any git revision)")
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    p.add_argument("--configs", default="sg-hs,cbow-hs,sg-ns")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5, help="runs of each build per configuration")
    p.add_argument("--out", default=str(ROOT / "bench-out/speed-ab"))
    a = p.parse_args()
    if not Path(a.corpus).exists():
        sys.exit(f"speed_ab: corpus {a.corpus} not found (give --corpus)")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)

    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", a.baseline], capture_output=True, text=True)
    if rev.returncode != 0:
        sys.exit(f"speed_ab: {a.baseline} is not a revision of this repository")
    baseline_rev = rev.stdout.strip()
    with tempfile.TemporaryDirectory(prefix="hsoftmax-ab-") as tmp:
        tree = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), baseline_rev], check=True, capture_output=True)
        try:
            print(f"Building the baseline {baseline_rev} and the working tree (Release)...", flush=True)
            builds = {f"baseline {baseline_rev}": build_cli(tree), "working tree": build_cli()}
            lines = [f"Corpus {a.corpus}; {a.threads} threads, 1 epoch, dim 100, window 5, sample 1e-4; {a.runs} runs of each build, alternating",
                     "", "| config | build | training words/s, median | min - max | vs baseline |", "|---|---|---:|---:|---:|"]
            for config in a.configs.split(","):
                rates = {name: [] for name in builds}
                for run in range(a.runs):
                    for name, cli in builds.items():
                        rates[name].append(train(cli, config, a, out / f"{config}.bin"))
                    print(f"{config} run {run + 1}: " + ", ".join(f"{n} {r[-1]:,}" for n, r in rates.items()), flush=True)
                base = statistics.median(next(iter(rates.values())))
                for name, r in rates.items():
                    m = statistics.median(r)
                    lines.append(f"| {config} | {name} | {m:,.0f} | {min(r):,} - {max(r):,} | {m / base:.3f}x |")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
    table = "\n".join(lines)
    print()
    print(table)
    (out / "speed-ab.md").write_text(table + "\n")
    print(f"\nWrote {out / 'speed-ab.md'}")


def train(cli, config, a, vectors):
    model, loss, alpha = CONFIGS[config]
    cmd = cli + ["train", "--input", a.corpus, "--output", str(vectors), "--format", "binary", "--model", model, "--loss", loss,
                 "--alpha", alpha, "--sample", "1e-4", "--epochs", "1", "--threads", str(a.threads), "--eval", "false", "-q"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"speed_ab: {' '.join(cmd)} failed: {(r.stderr or r.stdout).strip()[-400:]}")
    return int(re.search(r"Training +[\d.]+ s, ([\d,]+) words/s", r.stdout).group(1).replace(",", ""))


if __name__ == "__main__":
    main()
