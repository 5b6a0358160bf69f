#!/usr/bin/env python3
"""Side-by-side benchmark: HSoftmax vs gensim, fastText and the word2vec tool on one corpus and one set of settings.

Trains each tool on the same plain-text corpus with the same settings, measures whole-process wall
time and peak memory (GNU time), scores every vectors file with the same evaluation (`hsoftmax eval`:
Google analogy 3CosAdd at the top 30,000 words, as gensim's evaluate_word_analogies, and WS-353 and
SimLex-999 Spearman), and prints a table with ratios; writes it as JSON and as a PNG chart.

    /usr/bin/python3 tools/benchmark.py                 # the three configurations of issue #2/#5
    /usr/bin/python3 tools/benchmark.py --configs sg-hs --tools hsoftmax,gensim
    /usr/bin/python3 tools/benchmark.py --configs cbow-hs --tools hsoftmax,word2vec --word2vec ~/word2vec/word2vec --repeats 3 --shuffle

Needs: the .NET SDK, `apt-get install fasttext python3-gensim python3-matplotlib time`. The word2vec
tool is no Debian package: build it from its source (github.com/tmikolov/word2vec, `gcc -O3
-march=native -funroll-loops word2vec.c -o word2vec -lm -pthread`) and give its path with --word2vec.
With --repeats N each tool trains N times (HSoftmax with seeds 1..N; the peers differ by thread
scheduling) and the table adds each tool's mean.
"""
import argparse
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from hsoftmax_cli import ROOT, build_cli

DEFAULT_CORPUS = ROOT.parent / "shared/data/corpus/enwiki2015/enwiki2015-paragraphs.txt.gz"
CONFIGS = {
    "sg-hs": ("skipgram", "hs"),
    "cbow-hs": ("cbow", "hs"),
    "sg-ns": ("skipgram", "ns"),
}


def run_timed(cmd, log_path):
    """Runs cmd under GNU time; returns (wall seconds, peak RSS in MB)."""
    time_file = str(log_path) + ".time"
    full = ["/usr/bin/time", "-f", "%e %M", "-o", time_file] + cmd
    with open(log_path, "w") as log:
        rc = subprocess.run(full, stdout=log, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        sys.exit(f"benchmark: {' '.join(cmd)} failed (exit {rc}); see {log_path}")
    wall, rss_kb = open(time_file).read().split()[-2:]
    return float(wall), int(rss_kb) / 1024


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    p.add_argument("--configs", default="sg-hs,cbow-hs,sg-ns")
    p.add_argument("--tools", default="hsoftmax,gensim,fasttext")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-4)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--alpha-skipgram", type=float, default=0.025, help="learning rate given to every tool for skip-gram (word2vec's default)")
    p.add_argument("--alpha-cbow", type=float, default=0.05, help="learning rate given to every tool for CBOW (word2vec's default)")
    p.add_argument("--fasttext-subwords", action=argparse.BooleanOptionalAction, default=False,
                   help="give fastText its character n-grams (its own default, minn 3 maxn 6); by default they are off "
                        "(-maxn 0), so all three tools train the same word-level model")
    p.add_argument("--word2vec", default=os.environ.get("HSOFTMAX_WORD2VEC"),
                   help="the word2vec tool's binary, for --tools ...,word2vec (default: $HSOFTMAX_WORD2VEC)")
    p.add_argument("--repeats", type=int, default=1, help="runs of each tool and configuration; the table adds their means")
    p.add_argument("--shuffle", action="store_true",
                   help="give every tool the corpus's lines in a random order (seed 1): corpora that come in topic order, as a "
                        "Wikipedia dump, favour whichever tool reads several places at once (word2vec's threads each read their own part)")
    p.add_argument("--eval", action=argparse.BooleanOptionalAction, default=True,
                   help="score the vectors (turn off for synthetic corpora)")
    p.add_argument("--out", default=str(ROOT / "bench-out"))
    a = p.parse_args()
    if "word2vec" in a.tools.split(",") and not (a.word2vec and Path(a.word2vec).is_file()):
        sys.exit(f"benchmark: --tools word2vec needs the word2vec tool's binary: give --word2vec PATH (got {a.word2vec!r}); "
                 "build it from github.com/tmikolov/word2vec")
    if a.repeats < 1:
        sys.exit(f"benchmark: --repeats must be at least 1, got {a.repeats}")

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus = Path(a.corpus)
    if not corpus.exists():
        sys.exit(f"benchmark: corpus {corpus} not found; give --corpus FILE (plain or gzip text, one sentence per line). "
                 "The figures in docs/performance.md used the enwiki2015 paragraphs (16.9M tokens of English Wikipedia, "
                 "CC BY-SA): any large English text gives comparable ratios")

    # Every tool reads the same plain file (fastText cannot read gzip).
    plain = out / (corpus.name[:-3] if corpus.suffix == ".gz" else corpus.name)
    if corpus.suffix == ".gz" and not plain.exists():
        with gzip.open(corpus, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    elif corpus.suffix != ".gz":
        plain = corpus
    if a.shuffle:
        shuffled = out / (plain.stem + ".shuffled.txt")
        if not shuffled.exists():
            lines = [line + b"\n" for line in plain.read_bytes().split(b"\n") if line]
            random.Random(1).shuffle(lines)
            partial = shuffled.with_suffix(".partial")   # renamed when whole: an interrupted run leaves no short copy
            partial.write_bytes(b"".join(lines))
            partial.replace(shuffled)
        plain = shuffled
    tokens = int(subprocess.run(["wc", "-w", str(plain)], capture_output=True, text=True).stdout.split()[0])

    print(f"Corpus {plain}: {tokens:,} tokens. Building HSoftmax (Release)...", flush=True)
    cli = build_cli()

    tools = a.tools.split(",")
    rows = []
    for config in a.configs.split(","):
        model, loss = CONFIGS[config]
        alpha = str(a.alpha_skipgram if model == "skipgram" else a.alpha_cbow)
        for tool, run in [(t, r) for t in tools for r in range(1, a.repeats + 1)]:
            stem = out / (f"{tool}-{config}" + (f"-run{run}" if a.repeats > 1 else ""))
            if tool == "hsoftmax":
                vectors = str(stem) + ".bin"
                cmd = cli + ["train", "--input", str(plain), "--output", vectors, "--format", "binary", "--model", model,
                             "--loss", loss, "--dim", str(a.dim), "--window", str(a.window), "--sample", str(a.sample),
                             "--min-count", str(a.min_count), "--epochs", str(a.epochs), "--threads", str(a.threads),
                             "--negative", "5", "--alpha", alpha, "--eval", "false", "--seed", str(run)]
            elif tool == "gensim":
                vectors = str(stem) + ".bin"
                cmd = ["/usr/bin/python3", str(ROOT / "tools/peers/gensim_train.py"), "--input", str(plain),
                       "--output", vectors, "--model", model, "--loss", loss, "--dim", str(a.dim), "--window", str(a.window),
                       "--sample", str(a.sample), "--min-count", str(a.min_count), "--epochs", str(a.epochs),
                       "--threads", str(a.threads), "--alpha", alpha]
            elif tool == "fasttext":
                vectors = str(stem) + ".vec"
                cmd = ["fasttext", model, "-input", str(plain), "-output", str(stem), "-dim", str(a.dim), "-ws", str(a.window),
                       "-t", str(a.sample), "-minCount", str(a.min_count), "-epoch", str(a.epochs), "-thread", str(a.threads),
                       "-loss", loss, "-neg", "5", "-lr", alpha, "-verbose", "1"]
                if not a.fasttext_subwords:
                    cmd += ["-maxn", "0"]
            elif tool == "word2vec":
                vectors = str(stem) + ".bin"
                cmd = [a.word2vec, "-train", str(plain), "-output", vectors, "-binary", "1", "-cbow", "1" if model == "cbow" else "0",
                       "-hs", "1" if loss == "hs" else "0", "-negative", "5" if loss == "ns" else "0", "-size", str(a.dim),
                       "-window", str(a.window), "-sample", str(a.sample), "-min-count", str(a.min_count), "-threads", str(a.threads),
                       "-alpha", alpha, "-iter", str(a.epochs)]
            else:
                sys.exit(f"benchmark: unknown tool {tool}")
            print(f"{config:8} {tool:9} training...", end=" ", flush=True)
            wall, peak = run_timed(cmd, str(stem) + ".log")
            scores = evaluate(cli, vectors, Path(str(stem) + ".eval.json")) if a.eval else dict(analogy=None, seen=0, ws353=None, simlex=None)
            row = dict(config=config, tool=tool, run=run, wall_s=round(wall, 1), peak_mb=round(peak), words_per_s=round(tokens * a.epochs / wall),
                       analogy=scores["analogy"], analogy_seen=scores["seen"], ws353=scores["ws353"], simlex=scores["simlex"])
            rows.append(row)
            print(f"{wall:7.1f} s  {row['words_per_s']:>9,} words/s  {peak:6.0f} MB  analogy {score(row['analogy'])}  "
                  f"WS-353 {score(row['ws353'])}  SimLex-999 {score(row['simlex'])}", flush=True)

    report(rows, a, tokens, out)


def evaluate(cli, vectors, json_path):
    google = ROOT / "corpora/eval/analogy/questions-words.txt"
    ws = ROOT / "corpora/eval/similarity/EN-WS-353-ALL.txt"
    simlex = ROOT / "corpora/eval/similarity/EN-SIMLEX-999.txt"
    cmd = cli + ["eval", vectors, "--analogy", str(google), "--similarity", str(ws), "--similarity", str(simlex), "--restrict", "30000", "--json"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"benchmark: evaluation of {vectors} failed: {result.stderr.strip()}")
    Path(json_path).write_text(result.stdout)
    data = json.loads(result.stdout)
    analogy = data["analogy"][0]
    return dict(analogy=analogy["accuracy"], seen=analogy["seen"], ws353=data["similarity"][0]["spearman"],
                simlex=data["similarity"][1]["spearman"])


def report(rows, a, tokens, out):
    lines = [f"Corpus: {a.corpus} ({tokens:,} tokens); dim {a.dim}, window {a.window}, sample {a.sample}, "
             f"min-count {a.min_count}, {a.epochs} epoch(s), {a.threads} threads, learning rate {a.alpha_skipgram} skip-gram / "
             f"{a.alpha_cbow} CBOW for every tool; fastText {'with' if a.fasttext_subwords else 'without'} subwords; "
             f"{'lines shuffled (seed 1); ' if a.shuffle else ''}{a.repeats} run(s) each; machine: {os.cpu_count()} cores",
             "",
             "| config | tool | wall s | words/s | peak MB | analogy (30k) | WS-353 | SimLex-999 | speed vs best peer | memory vs best peer |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for config in dict.fromkeys(r["config"] for r in rows):
        group = [r for r in rows if r["config"] == config]
        peers = [r for r in group if r["tool"] != "hsoftmax"]
        best_speed = max((r["words_per_s"] for r in peers), default=None)
        best_mem = min((r["peak_mb"] for r in peers), default=None)
        for r in group:
            r["speed_ratio"] = round(r["words_per_s"] / best_speed, 2) if best_speed else None
            r["memory_ratio"] = round(r["peak_mb"] / best_mem, 2) if best_mem else None
            name = r["tool"] + (f" (run {r['run']})" if a.repeats > 1 else "")
            lines.append(f"| {config} | {name} | {r['wall_s']:.1f} | {r['words_per_s']:,} | {r['peak_mb']:,} | "
                         f"{score(r['analogy'])} | {score(r['ws353'])} | {score(r['simlex'])} | {fmt(r['speed_ratio'])} | {fmt(r['memory_ratio'])} |")
        if a.repeats > 1:
            for tool in dict.fromkeys(r["tool"] for r in group):
                runs = [r for r in group if r["tool"] == tool]
                means = {key: mean_of([r[key] for r in runs]) for key in ("wall_s", "analogy", "ws353", "simlex")}
                lines.append(f"| {config} | **{tool}, mean of {len(runs)}** | {means['wall_s']:.1f} | | | **{score(means['analogy'])}** | "
                             f"**{score(means['ws353'])}** | **{score(means['simlex'])}** | | |")
    table = "\n".join(lines)
    print()
    print(table)
    (out / "benchmark.md").write_text(table + "\n")
    (out / "benchmark.json").write_text(json.dumps(dict(settings=vars(a), tokens=tokens, rows=rows), indent=2))
    chart(rows, out / "benchmark.png")
    print(f"\nWrote {out / 'benchmark.md'}, {out / 'benchmark.json'}, {out / 'benchmark.png'}")


def mean_of(values):
    """The mean of a tool's runs; None where they were not scored."""
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def fmt(x):
    return "" if x is None else f"{x:.2f}x"


def score(x):
    return "-" if x is None else f"{x:.4f}"


def chart(rows, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("benchmark: matplotlib missing (apt-get install python3-matplotlib); no chart")
        return
    configs = list(dict.fromkeys(r["config"] for r in rows))
    tools = list(dict.fromkeys(r["tool"] for r in rows))
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    scored = any(r["analogy"] is not None for r in rows)  # None when not evaluated (--no-eval)
    middle = ("analogy", "analogy accuracy, top 30k") if scored else ("wall_s", "wall time s (lower is better)")
    for ax, key, title in zip(axes, ["words_per_s", middle[0], "peak_mb"], ["words/s (higher is better)", middle[1], "peak memory MB"]):
        width = 0.8 / len(tools)
        for i, tool in enumerate(tools):
            values = [mean_of([r[key] for r in rows if r["config"] == c and r["tool"] == tool]) or 0 for c in configs]
            ax.bar([x + i * width for x in range(len(configs))], values, width, label=tool)
        ax.set_xticks([x + width * (len(tools) - 1) / 2 for x in range(len(configs))])
        ax.set_xticklabels(configs)
        ax.set_title(title)
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
