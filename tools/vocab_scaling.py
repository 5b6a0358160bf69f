#!/usr/bin/env python3
"""Cost per token as the vocabulary grows: words/s and mean Huffman path depth at V = 10k ... 3M.

Generates Zipf corpora of the same token count (30M by default) over more and more word types
(tools/make_zipf_corpus.py), trains HSoftmax on each at min-count 1, and prints a table of V, mean
code length (count-weighted), words/s, wall time and peak memory; writes it as JSON and a PNG chart.
With hierarchical softmax the cost per token should grow no faster than the mean code length.

    /usr/bin/python3 tools/vocab_scaling.py                    # CBOW+HS and skip-gram+HS
    /usr/bin/python3 tools/vocab_scaling.py --models cbow --tokens 10000000
"""
import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from hsoftmax_cli import ROOT, build_cli

TYPES = [10_000, 100_000, 1_000_000, 5_000_000]   # at 30M tokens these leave V of about 10k, 100k, 0.95M, 2.96M


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tokens", type=int, default=30_000_000)
    p.add_argument("--models", default="cbow,skipgram")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default=str(ROOT / "bench-out/scaling"))
    a = p.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)

    cli = build_cli()
    rows = []
    for types in TYPES:
        corpus = out / f"zipf-{a.tokens // 1_000_000}m-{types}.txt"
        if not corpus.exists():
            subprocess.run(["/usr/bin/python3", str(ROOT / "tools/make_zipf_corpus.py"), "--tokens", str(a.tokens), "--types", str(types),
                            "--output", str(corpus)], check=True, stdout=subprocess.DEVNULL)
        for model in a.models.split(","):
            log = out / f"{model}-{types}.log"
            cmd = ["/usr/bin/time", "-f", "%e %M", "-o", str(log) + ".time"] + cli + [
                "train", "--input", str(corpus), "--output", str(out / f"{model}-{types}.bin"), "--format", "binary", "--model", model,
                "--loss", "hs", "--dim", "100", "--window", "5", "--sample", "1e-4", "--min-count", "1", "--epochs", "1",
                "--threads", str(a.threads), "--eval", "false"]
            with open(log, "w") as f:
                if subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode != 0:
                    sys.exit(f"vocab_scaling: training failed, see {log}")
            text = log.read_text()
            wall, rss = open(str(log) + ".time").read().split()[-2:]
            vocab = int(re.search(r"Vocabulary: ([\d,]+) words kept", text).group(1).replace(",", ""))
            depth = float(re.search(r"depth max \d+, mean ([\d.]+)", text).group(1))
            train_rate = int(re.search(r"Training +[\d.]+ s, ([\d,]+) words/s", text).group(1).replace(",", ""))
            row = dict(model=model, types=types, vocab=vocab, mean_depth=depth, train_words_per_s=train_rate,
                       wall_s=float(wall), words_per_s=round(a.tokens / float(wall)), peak_mb=round(int(rss) / 1024))
            row["ns_per_token_per_node"] = round(1e9 / train_rate / depth, 2)
            rows.append(row)
            print(f"{model:9} V={vocab:>9,}  depth {depth:5.2f}  train {train_rate:>9,} words/s  whole {row['words_per_s']:>9,} words/s  "
                  f"{row['peak_mb']:>5} MB  {row['ns_per_token_per_node']} ns/token/node", flush=True)

    lines = ["| model | V | mean depth | training words/s | whole-process words/s | wall s | peak MB | ns per token per node |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['vocab']:,} | {r['mean_depth']:.2f} | {r['train_words_per_s']:,} | {r['words_per_s']:,} | "
                     f"{r['wall_s']:.1f} | {r['peak_mb']:,} | {r['ns_per_token_per_node']} |")
    table = "\n".join(lines)
    print("\n" + table)
    (out / "scaling.md").write_text(table + "\n")
    (out / "scaling.json").write_text(json.dumps(rows, indent=2))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax1 = plt.subplots(figsize=(7, 4))
        for model in dict.fromkeys(r["model"] for r in rows):
            mr = [r for r in rows if r["model"] == model]
            ax1.plot([r["vocab"] for r in mr], [r["train_words_per_s"] for r in mr], marker="o", label=f"{model} words/s")
        ax1.set_xscale("log")
        ax1.set_xlabel("vocabulary size V")
        ax1.set_ylabel("training words/s")
        ax2 = ax1.twinx()
        first = [r for r in rows if r["model"] == rows[0]["model"]]
        ax2.plot([r["vocab"] for r in first], [r["mean_depth"] for r in first], "k--", marker="s", label="mean code length")
        ax2.set_ylabel("mean Huffman code length")
        fig.legend(loc="lower left")
        fig.tight_layout()
        fig.savefig(out / "scaling.png", dpi=100)
    except ImportError:
        print("vocab_scaling: matplotlib missing; no chart")


if __name__ == "__main__":
    main()
