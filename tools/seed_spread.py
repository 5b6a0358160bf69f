#!/usr/bin/env python3
"""Run-to-run spread of HSoftmax's one-epoch quality: trains each configuration with several seeds
(2 threads, so scheduling varies too) and prints mean, min and max of Google analogy accuracy
(30k) and WS-353 Spearman, as scored by `hsoftmax eval`.

    /usr/bin/python3 tools/seed_spread.py --seeds 5
"""
import argparse
import json
import statistics
import subprocess
from pathlib import Path

from benchmark import DEFAULT_CORPUS, ROOT
from hsoftmax_cli import build_cli

CONFIGS = {"sg-hs": ("skipgram", "hs", "0.025"), "cbow-hs": ("cbow", "hs", "0.05"), "sg-ns": ("skipgram", "ns", "0.025")}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--configs", default="sg-hs,cbow-hs,sg-ns")
    p.add_argument("--out", default=str(ROOT / "bench-out/seeds"))
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cli = build_cli()
    lines = ["| config | seeds | analogy mean (min-max) | WS-353 mean (min-max) |", "|---|---:|---|---|"]
    for config in a.configs.split(","):
        model, loss, alpha = CONFIGS[config]
        analogy, ws = [], []
        for seed in range(1, a.seeds + 1):
            vectors = str(out / f"{config}-{seed}.bin")
            subprocess.run(cli + ["train", "--input", a.corpus, "--output", vectors, "--format", "binary", "--model", model, "--loss", loss,
                                  "--alpha", alpha, "--sample", "1e-4", "--epochs", "1", "--threads", "2", "--seed", str(seed), "--eval", "false", "-q"],
                           check=True, capture_output=True)
            r = subprocess.run(cli + ["eval", vectors, "--analogy", str(ROOT / "corpora/eval/analogy/questions-words.txt"),
                                      "--similarity", str(ROOT / "corpora/eval/similarity/EN-WS-353-ALL.txt"), "--json"],
                               check=True, capture_output=True, text=True)
            d = json.loads(r.stdout)
            analogy.append(d["analogy"][0]["accuracy"])
            ws.append(d["similarity"][0]["spearman"])
            print(f"{config} seed {seed}: analogy {analogy[-1]:.4f}  WS-353 {ws[-1]:.4f}", flush=True)
        lines.append(f"| {config} | {a.seeds} | {statistics.mean(analogy):.4f} ({min(analogy):.4f}-{max(analogy):.4f}) | "
                     f"{statistics.mean(ws):.4f} ({min(ws):.4f}-{max(ws):.4f}) |")
    (out / "seeds.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
