#!/usr/bin/env python3
"""Does the thread count change the vectors, and how does speed scale? HSoftmax's CPU engine trained at
each thread count of a list: training words/s, last-epoch loss, Google analogy (30k) and WS-353, each
against the 1-thread run, as a table (markdown and JSON) and a PNG.

    /usr/bin/python3 tools/thread_scaling.py                                   # enwiki2015, 1-32 threads, 4 configurations
    /usr/bin/python3 tools/thread_scaling.py --threads 1,2,4,8,16,32,64 --seeds 2
    /usr/bin/python3 tools/thread_scaling.py --shuffle    # paragraphs shuffled first: isolates the arithmetic from the data order

On a many-core machine with no .NET SDK: on a machine that has one, `tools/gpu_run.sh publish out/cli`
makes a self-contained build (no libtorch needed for the CPU engine); copy it and this tools/ folder
over, then
    python3 tools/thread_scaling.py --cli out/cli/HSoftmax.Cli --corpus enwiki2015-paragraphs.txt.gz
Thread counts above the core count are fine for the quality columns (the merge arithmetic is the
same on any machine) but say nothing about speed. The PNG needs matplotlib (apt-get install
python3-matplotlib); without it the table is still written.
"""
import argparse
import gzip
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared/data/corpus/enwiki2015/enwiki2015-paragraphs.txt.gz"
CONFIGS = {
    "sg-hs": ("skipgram", "hs", "0.025"),
    "cbow-hs": ("cbow", "hs", "0.05"),
    "sg-ns": ("skipgram", "ns", "0.025"),
    "sg-hsns": ("skipgram", "hs+ns", "0.025"),
    "cbow-ns": ("cbow", "ns", "0.05"),
}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    p.add_argument("--threads", default="1,2,4,8,16,32")
    p.add_argument("--configs", default="sg-hs,cbow-hs,sg-ns,sg-hsns", help="comma-separated: " + ", ".join(CONFIGS))
    p.add_argument("--seeds", type=int, default=1, help="runs per cell, seeds 1..N; the table shows their mean")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--shuffle", action="store_true", help="train on a copy with the lines in a fixed random order")
    p.add_argument("--cli", help="a published HSoftmax.Cli executable; default: build src/HSoftmax.Cli with the .NET SDK")
    p.add_argument("--out", default=str(ROOT / "bench-out/threads"))
    a = p.parse_args()

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = Path(a.corpus)
    if not corpus.exists():
        sys.exit(f"thread_scaling: corpus {corpus} not found; give --corpus (enwiki2015 is in ../shared/data/corpus/enwiki2015)")
    if a.shuffle:
        corpus = shuffled_copy(corpus, out)
    cli = [a.cli] if a.cli else build_cli()
    evals = eval_files(a.cli)
    threads = [int(t) for t in a.threads.split(",")]
    configs = a.configs.split(",")
    for c in configs:
        if c not in CONFIGS:
            sys.exit(f"thread_scaling: unknown configuration {c} (known: {', '.join(CONFIGS)})")

    header = (f"Corpus {corpus}{' (lines shuffled)' if a.shuffle else ''}; dim 100, window 5, sample 1e-4, min-count 5, "
              f"{a.epochs} epoch(s), {a.seeds} seed(s) per cell (mean); machine: {os.cpu_count()} cores")
    print(header, flush=True)
    rows = []
    for config in configs:
        for t in threads:
            runs = [train_and_score(cli, evals, corpus, config, t, seed, a.epochs, out) for seed in range(1, a.seeds + 1)]
            row = dict(config=config, threads=t, runs=runs,
                       words_per_s=round(statistics.mean(r["words_per_s"] for r in runs)),
                       loss=statistics.mean(r["loss"] for r in runs),
                       analogy=statistics.mean(r["analogy"] for r in runs),
                       ws353=statistics.mean(r["ws353"] for r in runs))
            rows.append(row)
            print(f"{config:8} {t:3} threads: {row['words_per_s']:>11,} words/s  loss {row['loss']:.4f}  "
                  f"analogy {row['analogy']:.4f}  WS-353 {row['ws353']:.4f}", flush=True)

    table = report(rows, header)
    print()
    print(table)
    (out / "threads.md").write_text(table + "\n")
    (out / "threads.json").write_text(json.dumps(dict(settings=vars(a), cores=os.cpu_count(), rows=rows), indent=2))
    written = [out / "threads.md", out / "threads.json"] + ([out / "threads.png"] if chart(rows, out / "threads.png") else [])
    print("\nWrote " + ", ".join(map(str, written)))


def build_cli():
    from hsoftmax_cli import build_cli as build
    return build()


def eval_files(cli):
    """The bundled analogy and similarity sets: beside a published tool, or in the checkout."""
    for base in ([Path(cli).resolve().parent / "corpora/eval"] if cli else []) + [ROOT / "corpora/eval"]:
        google, ws = base / "analogy/questions-words.txt", base / "similarity/EN-WS-353-ALL.txt"
        if google.exists() and ws.exists():
            return google, ws
    sys.exit("thread_scaling: corpora/eval not found beside the tool or in the checkout")


def shuffled_copy(corpus, out):
    target = out / (corpus.name.removesuffix(".gz") + ".shuffled")
    if not target.exists():
        opener = gzip.open if corpus.suffix == ".gz" else open
        with opener(corpus, "rt", encoding="utf-8") as f:
            lines = f.readlines()
        random.Random(1).shuffle(lines)
        target.write_text("".join(lines), encoding="utf-8")
    return target


def train_and_score(cli, evals, corpus, config, threads, seed, epochs, out):
    model, loss, alpha = CONFIGS[config]
    vectors = out / f"{config}-t{threads}-s{seed}.bin"
    cmd = cli + ["train", "--input", str(corpus), "--output", str(vectors), "--format", "binary", "--model", model, "--loss", loss,
                 "--alpha", alpha, "--sample", "1e-4", "--min-count", "5", "--dim", "100", "--window", "5",
                 "--epochs", str(epochs), "--threads", str(threads), "--seed", str(seed), "--eval", "false"]
    start = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"thread_scaling: {' '.join(cmd)} failed (exit {r.returncode}): {(r.stderr or r.stdout).strip()[-500:]}")
    wall = time.time() - start
    losses = re.findall(r"^Epoch \d+ +loss ([\d.]+|NaN|Infinity)", r.stdout, re.M)
    rate = re.search(r"^Training +[\d.]+ s, ([\d,]+) words/s", r.stdout, re.M)
    if not losses or not rate:
        sys.exit(f"thread_scaling: could not read the loss and speed from the output of {' '.join(cmd)}")
    google, ws = evals
    e = subprocess.run(cli + ["eval", str(vectors), "--analogy", str(google), "--similarity", str(ws), "--restrict", "30000", "--json"],
                       capture_output=True, text=True)
    if e.returncode != 0:
        sys.exit(f"thread_scaling: evaluation of {vectors} failed: {e.stderr.strip()}")
    scores = json.loads(e.stdout)
    vectors.unlink()
    return dict(seed=seed, wall_s=round(wall, 1), words_per_s=int(rate.group(1).replace(",", "")), loss=float(losses[-1]),
                analogy=scores["analogy"][0]["accuracy"], ws353=scores["similarity"][0]["spearman"])


def report(rows, header):
    lines = [header, "",
             "| config | threads | training words/s | speed-up | last-epoch loss | loss vs 1 thread | analogy (30k) | vs 1 thread | WS-353 | vs 1 thread |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for config in dict.fromkeys(r["config"] for r in rows):
        group = [r for r in rows if r["config"] == config]
        base = next((r for r in group if r["threads"] == 1), group[0])
        for r in group:
            lines.append(f"| {config} | {r['threads']} | {r['words_per_s']:,} | {r['words_per_s'] / base['words_per_s']:.2f}x | "
                         f"{r['loss']:.4f} | {100 * (r['loss'] / base['loss'] - 1):+.2f}% | {r['analogy']:.4f} | "
                         f"{100 * (r['analogy'] - base['analogy']):+.2f} pt | {r['ws353']:.4f} | {r['ws353'] - base['ws353']:+.4f} |")
    return "\n".join(lines)


def chart(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("thread_scaling: matplotlib missing (apt-get install python3-matplotlib); no PNG")
        return False
    fig, axes = plt.subplots(1, 4, figsize=(18, 4))
    panels = [("words_per_s", "training words/s"), ("loss", "last-epoch loss / 1-thread loss"),
              ("analogy", "Google analogy, top 30k"), ("ws353", "WS-353 Spearman")]
    for config in dict.fromkeys(r["config"] for r in rows):
        group = [r for r in rows if r["config"] == config]
        base = next((r for r in group if r["threads"] == 1), group[0])
        xs = [r["threads"] for r in group]
        for ax, (key, title) in zip(axes, panels):
            ys = [r[key] / base[key] if key == "loss" else r[key] for r in group]
            ax.plot(xs, ys, marker="o", label=config)
            ax.set_title(title)
            ax.set_xscale("log", base=2)
            ax.set_xticks(xs)
            ax.set_xticklabels([str(x) for x in xs])
            ax.set_xlabel("threads")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


if __name__ == "__main__":
    main()
