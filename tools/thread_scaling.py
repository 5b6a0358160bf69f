#!/usr/bin/env python3
"""How HSoftmax's CPU engine scales from 1 to N threads on one corpus (training words/s, whole process).

    /usr/bin/python3 tools/thread_scaling.py            # enwiki2015, skip-gram+HS, CBOW+HS, skip-gram+NS, 1 and 2 threads
"""
import argparse
import re
import subprocess
import time
from pathlib import Path

from benchmark import CONFIGS, DEFAULT_CORPUS, ROOT
from hsoftmax_cli import build_cli


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    p.add_argument("--threads", default="1,2")
    p.add_argument("--configs", default="sg-hs,cbow-hs,sg-ns")
    p.add_argument("--out", default=str(ROOT / "bench-out/threads"))
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cli = build_cli()
    lines = ["| config | threads | training words/s | whole-process s | speed-up |", "|---|---:|---:|---:|---:|"]
    for config in a.configs.split(","):
        model, loss = CONFIGS[config]
        base = None
        for t in [int(x) for x in a.threads.split(",")]:
            start = time.time()
            r = subprocess.run(cli + ["train", "--input", a.corpus, "--output", str(out / f"{config}-{t}.bin"), "--format", "binary",
                                      "--model", model, "--loss", loss, "--sample", "1e-4", "--epochs", "1", "--threads", str(t),
                                      "--eval", "false", "-q"], capture_output=True, text=True, check=True)
            wall = time.time() - start
            rate = int(re.search(r"Training +[\d.]+ s, ([\d,]+) words/s", r.stdout).group(1).replace(",", ""))
            base = base or rate
            lines.append(f"| {config} | {t} | {rate:,} | {wall:.1f} | {rate / base:.2f}x |")
            print(lines[-1], flush=True)
    (out / "threads.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
