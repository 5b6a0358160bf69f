#!/usr/bin/env python3
"""Cost per token as the vocabulary grows: words/s and mean Huffman path depth at V = 10k ... 3M.

Generates Zipf corpora of the same token count (30M by default) over more and more word types
(tools/make_zipf_corpus.py), trains HSoftmax on each at min-count 1, and prints a table of V, mean
code length, words/s, wall time and peak memory; writes it as JSON and a PNG chart.
With hierarchical softmax the cost per token should grow no faster than the mean code length.

Subsampling (1e-4) drops far more of the corpus at V = 10k (51%) than at 3M (28%), and what it drops
is the frequent words, which have the short codes. So the table compares the cost of a token that
is trained (corpus words after subsampling) with the mean code length of the trained words, both
relative to the smallest vocabulary; the raw corpus words/s are there too.

Each configuration runs --repeats times and the fastest run is kept: on a shared machine other
tenants only ever add time, and single runs moved by 10% here.

    /usr/bin/python3 tools/vocab_scaling.py                    # CBOW+HS and skip-gram+HS
    /usr/bin/python3 tools/vocab_scaling.py --models cbow --tokens 10000000
"""
import argparse
import json
import re
import subprocess
from pathlib import Path

from benchmark import run_timed
from hsoftmax_cli import ROOT, build_cli

TYPES = [10_000, 100_000, 1_000_000, 5_000_000]   # at 30M tokens these leave V of about 10k, 100k, 0.95M, 2.96M


def train_once(cli, a, out, corpus, model, types, attempt):
    """One training run; returns its row of the table (logs kept per attempt)."""
    log = out / f"{model}-{types}.run{attempt + 1}.log"
    cmd = cli + [
        "train", "--input", str(corpus), "--output", str(out / f"{model}-{types}.bin"), "--format", "binary", "--model", model,
        "--loss", "hs", "--dim", "100", "--window", "5", "--sample", "1e-4", "--min-count", "1", "--epochs", "1",
        "--threads", str(a.threads), "--eval", "false"]
    wall, peak = run_timed(cmd, log)
    text = log.read_text()
    vocab = int(re.search(r"Vocabulary: ([\d,]+) words kept", text).group(1).replace(",", ""))
    m = re.search(r"depth max \d+, mean ([\d.]+) \(count-weighted\), ([\d.]+) over the words kept", text)
    depth, trained_depth = float(m.group(1)), float(m.group(2))
    train_rate = int(re.search(r"Training +[\d.]+ s, ([\d,]+) words/s", text).group(1).replace(",", ""))
    m = re.search(r"Epoch \d+/\d+: loss [\d.]+, ([\d,]+) words \(([\d,]+) after subsampling\)", text)
    trained_share = int(m.group(2).replace(",", "")) / int(m.group(1).replace(",", ""))
    row = dict(model=model, types=types, vocab=vocab, mean_depth=depth, trained_mean_depth=trained_depth,
               train_words_per_s=train_rate, trained_tokens_per_s=round(train_rate * trained_share),
               wall_s=wall, words_per_s=round(a.tokens / wall), peak_mb=round(peak))
    row["ns_per_trained_token_per_node"] = round(1e9 / row["trained_tokens_per_s"] / trained_depth, 2)
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tokens", type=int, default=30_000_000)
    p.add_argument("--models", default="cbow,skipgram")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3, help="runs per configuration; the fastest is kept")
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
            runs = [train_once(cli, a, out, corpus, model, types, k) for k in range(a.repeats)]
            row = max(runs, key=lambda r: r["trained_tokens_per_s"])
            row["repeats"] = [r["train_words_per_s"] for r in runs]
            rows.append(row)
            print(f"{model:9} V={row['vocab']:>9,}  depth {row['mean_depth']:5.2f} ({row['trained_mean_depth']:5.2f} trained)  "
                  f"train {row['train_words_per_s']:>9,} words/s (best of {row['repeats']})  "
                  f"({row['trained_tokens_per_s']:>9,} trained tokens/s)  whole {row['words_per_s']:>9,} words/s  {row['peak_mb']:>5} MB", flush=True)

    # Relative to the smallest vocabulary of the same model: the target is cost ratio <= depth ratio.
    for r in rows:
        base = next(b for b in rows if b["model"] == r["model"])
        r["cost_ratio"] = round(base["trained_tokens_per_s"] / r["trained_tokens_per_s"], 3)
        r["depth_ratio"] = round(r["trained_mean_depth"] / base["trained_mean_depth"], 3)
    lines = ["| model | V | mean depth (corpus) | mean depth (trained) | training words/s | trained tokens/s | whole-process words/s "
             "| wall s | peak MB | ns per trained token per node | cost vs smallest V | depth vs smallest V |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['vocab']:,} | {r['mean_depth']:.2f} | {r['trained_mean_depth']:.2f} | {r['train_words_per_s']:,} | "
                     f"{r['trained_tokens_per_s']:,} | {r['words_per_s']:,} | {r['wall_s']:.1f} | {r['peak_mb']:,} | "
                     f"{r['ns_per_trained_token_per_node']} | {r['cost_ratio']:.2f}x | {r['depth_ratio']:.2f}x |")
    table = "\n".join(lines)
    print("\n" + table)
    (out / "scaling.md").write_text(table + "\n")
    (out / "scaling.json").write_text(json.dumps(rows, indent=2))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 4))
        for model in dict.fromkeys(r["model"] for r in rows):
            mr = [r for r in rows if r["model"] == model]
            ax.plot([r["vocab"] for r in mr], [r["cost_ratio"] for r in mr], marker="o", label=f"{model}: time per trained token")
        first = [r for r in rows if r["model"] == rows[0]["model"]]
        ax.plot([r["vocab"] for r in first], [r["depth_ratio"] for r in first], "k--", marker="s", label="mean code length of trained words")
        ax.set_xscale("log")
        ax.set_xlabel("vocabulary size V")
        ax.set_ylabel(f"relative to V = {rows[0]['vocab']:,}")
        ax.legend(loc="upper left")
        fig.tight_layout()
        fig.savefig(out / "scaling.png", dpi=100)
    except ImportError:
        print("vocab_scaling: matplotlib missing; no chart")


if __name__ == "__main__":
    main()
