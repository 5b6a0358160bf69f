#!/usr/bin/env python3
"""Data-parallel training on Open MPI: 1, 2 and 4 ranks against one process, and the model of larger jobs.

Trains the same configuration as one process and as N ranks under `mpirun -np N --oversubscribe`
(`hsoftmax train --distributed`), scores every run with the tool's evaluation (gensim's: Google
analogies over the 30,000 most frequent words, WS-353 Spearman), and reports words/s, the rows' bytes
each rank sends per corpus word, the share of training time spent synchronising, and the scores.

On one machine the ranks share its cores, so the words/s say nothing about speed on separate machines:
the run measures the arithmetic (quality against one process) and the communication volume, which
depend only on the schedule. `--model` prints the written model of docs/distributed.md for large jobs.

    /usr/bin/python3 tools/scale_out.py                            # enwiki, sg-hs, 1 epoch, 1/2/4 ranks
    /usr/bin/python3 tools/scale_out.py --config cbow-ns --epochs 3 --corpus corpora/eltec12-paragraphs.txt
    /usr/bin/python3 tools/scale_out.py --model                    # the model for 16, 100 and 1,000 nodes

Needs the .NET SDK and Open MPI (`apt-get install openmpi-bin`).
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmark import DEFAULT_CORPUS
from benchmark import score as fmt
from hsoftmax_cli import ROOT, build_cli
from quality_frontier import scores_of

CONFIGS = {"sg-hs": ("skipgram", "hs"), "sg-ns": ("skipgram", "ns"), "cbow-hs": ("cbow", "hs"), "cbow-ns": ("cbow", "ns")}
SYNC_WORDS_PER_THREAD = 1_024  # DistributedTraining.DefaultSyncWordsPerThread
MIN_SYNC_WORDS = 8_192         # DistributedTraining.MinSyncWords
CHUNK_TOKENS = 16_384          # ChunkProducer.ChunkTokens: rounds come at chunk ends, so at most once a chunk


def base_rows(threads):
    """ModelSync.BaseRows: the rows of each matrix in every round."""
    return 4096 if threads <= 4 else 1024


def round_words_of(threads):
    """Words a rank trains between rounds: DistributedTraining.DefaultSyncWords, rounded up to whole chunks,
    since a round comes at the end of the chunk that reaches it."""
    return math.ceil(max(MIN_SYNC_WORDS, SYNC_WORDS_PER_THREAD * threads) / CHUNK_TOKENS) * CHUNK_TOKENS


def ring_factor(ranks):
    """Bytes a rank sends in a ring allreduce, per byte of the buffer: 2 (N - 1) / N (reduce-scatter, then allgather)."""
    return 2 * (ranks - 1) / ranks


def train(cli, ranks, a, out, seed):
    model, loss = CONFIGS[a.config]
    vectors = out / f"{a.config}-np{ranks}-seed{seed}.bin"
    args = cli + ["train", "--input", a.corpus, "--output", str(vectors), "--format", "binary", "--model", model, "--loss", loss,
                  "--epochs", str(a.epochs), "--threads", str(a.threads_per_rank), "--seed", str(seed), "--sample", "1e-4",
                  "--min-count", "5", "--dim", "100", "--window", "5", "--json", "--eval", "false"]
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if ranks > 1:
        args = ["mpirun", "-np", str(ranks), "--oversubscribe"] + args + ["--distributed"]
    log = out / f"{a.config}-np{ranks}-seed{seed}.log"
    start = time.time()
    with open(log, "w") as f:
        result = subprocess.run(args, stdout=subprocess.PIPE, stderr=f, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"scale_out: {' '.join(args)} failed (exit {result.returncode}); see {log}")
    summary = json.loads(result.stdout)
    evaluation = subprocess.run(cli + ["eval", str(vectors), "--json"], capture_output=True, text=True)
    if evaluation.returncode != 0:
        sys.exit(f"scale_out: evaluation of {vectors} failed: {evaluation.stderr.strip()}")
    scores = scores_of(json.loads(evaluation.stdout))
    vectors.unlink()
    words = sum(e["words"] for e in summary["epochs"])
    row = dict(ranks=ranks, seed=seed, wall=time.time() - start, training=summary["training_seconds"],
               words_per_second=summary["words_per_second"], words=words, loss=summary["epochs"][-1]["loss"], **scores)
    if ranks > 1:
        d = summary["distributed"]
        # Rank 0's payload is every rank's: the rounds and their rows are the same on all.
        row.update(rounds=d["rounds"], payload=d["payload_bytes_rank0"],
                   bytes_per_word=d["payload_bytes_rank0"] * ring_factor(ranks) / (words / ranks),
                   sync_share=d["sync_seconds_rank0"] / summary["training_seconds"])
    return row


def mean_rows(vocabulary, base):
    """Rows a round synchronises per matrix, on average: base x 2^(trailing zeros of k), capped at V."""
    j = max(0.0, math.log2(vocabulary / base))
    return base * (j / 2 + 1) if vocabulary > base else vocabulary


TEXT_BYTES_PER_WORD = 5.9          # enwiki2015: 100.0 MB of text, 16.9M tokens
INFLATE_BYTES_PER_SECOND = 400e6  # .NET 10's GZipStream on enwiki: 322-445 MB/s on one core of this machine (tools/results/scale-out.md)


def round_cost(payload, nodes, round_time, link_bytes_per_second, latency):
    """Bytes a node sends in one round, the round's time, and the share of time the thread that runs it spends there."""
    sent = payload * ring_factor(nodes)
    # Bandwidth: the ring's 2 (N-1)/N of the payload over the link; latency: log2(N) steps (recursive
    # doubling, binomial trees) for each of the round's messages (a header and one per 4 MB piece).
    messages = 1 + math.ceil(payload / (4 << 20))
    per_round = sent / link_bytes_per_second + messages * 2 * math.log2(nodes) * latency
    busy = per_round / (round_time + per_round)   # the thread that runs the round; the others train on
    return sent, per_round, busy


def model_table(vocabulary=3_000_000, dim=100, matrices=2, threads=16, words_per_second=1_000_000,
                link_bytes_per_second=1.25e9, latency=30e-6, epoch_words=10_000_000_000):
    """The written model: per node, bytes sent per corpus word and the time share of synchronisation."""
    def payload_of(base):
        """Bytes into one round's reductions: each row's dim floats, its flag and its squared length."""
        return mean_rows(vocabulary, base) * (dim + 2) * 4 * matrices

    round_words = round_words_of(threads)
    base = base_rows(threads)
    payload = payload_of(base)
    full = vocabulary * (dim + 2) * 4 * matrices                      # the epoch-end round: every row
    lines = [f"V = {vocabulary:,}, dim {dim}, {matrices} matrices, {threads} threads per node at {words_per_second:,} words/s, "
             f"a round every {round_words:,} words ({round_words / words_per_second:.2f} s); links {link_bytes_per_second * 8 / 1e9:.0f} Gb/s, "
             f"{latency * 1e6:.0f} us per message; an epoch of {epoch_words:,} words.",
             "", f"A round's payload: {mean_rows(vocabulary, base):,.0f} rows per matrix on average (base {base:,}) = {payload / 1e6:.2f} MB; the epoch-end round {full / 1e9:.2f} GB.", "",
             "| nodes | bytes sent per corpus word | link use at this speed | a round: bandwidth + latency | one thread's time in rounds | the node's throughput lost | epoch-end round | its share of an epoch | one gzip corpus: each rank decompresses |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for nodes in (2, 16, 100, 1000):
        sent, per_round, busy = round_cost(payload, nodes, round_words / words_per_second, link_bytes_per_second, latency)
        epoch_seconds = epoch_words / (nodes * words_per_second)
        end = full * ring_factor(nodes) / link_bytes_per_second
        # Striped parts: every rank decompresses a gzip corpus whole, at the whole job's pace.
        inflate = nodes * words_per_second * TEXT_BYTES_PER_WORD
        lines.append(f"| {nodes:,} | {sent / round_words:.1f} | {sent / round_words * words_per_second / link_bytes_per_second:.1%} "
                     f"| {per_round * 1e3:.1f} ms | {busy:.1%} | {busy / threads:.1%} | {end:.1f} s | {end / (epoch_seconds + end):.1%} "
                     f"| {inflate / 1e6:,.0f} MB/s, {inflate / INFLATE_BYTES_PER_SECOND:.2f} cores |")
    # Nodes of fewer threads: each thread trains words_per_second / threads words a second.
    per_thread = words_per_second / threads
    lines += ["", f"By threads per node, at 100 nodes and {per_thread:,.0f} words/s per thread:", "",
              "| threads per node | a round every | base rows | bytes sent per corpus word | link use | a round | the node's throughput lost |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    for t in (1, 2, 4, 8, 16):
        words = round_words_of(t)
        sent, per_round, busy = round_cost(payload_of(base_rows(t)), 100, words / (per_thread * t), link_bytes_per_second, latency)
        lines.append(f"| {t} | {words:,} words | {base_rows(t):,} | {sent / words:.1f} "
                     f"| {sent / words * per_thread * t / link_bytes_per_second:.1%} | {per_round * 1e3:.1f} ms | {busy / t:.1%} |")
    most = INFLATE_BYTES_PER_SECOND / (words_per_second * TEXT_BYTES_PER_WORD)
    lines += ["", f"Reading one gzip corpus: every rank decompresses all of it ({TEXT_BYTES_PER_WORD} bytes of text per word, "
                  f"{INFLATE_BYTES_PER_SECOND / 1e6:.0f} MB/s per core), so one reader thread keeps up with at most {most:.0f} nodes "
                  f"at this speed; beyond that, give plain text (ranks seek to their stripes) or gzip files no larger than a stripe."]
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    p.add_argument("--config", default="sg-hs", choices=sorted(CONFIGS))
    p.add_argument("--ranks", default="1,2,4", help="rank counts (1 is one process without MPI)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--threads-per-rank", type=int, default=1, help="1 makes every run repeatable")
    p.add_argument("--seeds", default="1", help="seeds, comma-separated")
    p.add_argument("--model", action="store_true", help="print the model for large jobs and stop")
    p.add_argument("--out", default=str(ROOT / "bench-out/scale-out"))
    a = p.parse_args()
    if a.model:
        print(model_table())
        return
    if not Path(a.corpus).exists():
        sys.exit(f"scale_out: corpus {a.corpus} not found; give --corpus FILE. The figures in tools/results/scale-out.md used "
                 "the enwiki2015 paragraphs (16.9M tokens of English Wikipedia, CC BY-SA)")
    if shutil.which("mpirun") is None:
        sys.exit("scale_out: mpirun not found; install Open MPI (Debian: apt-get install openmpi-bin)")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cli = build_cli()
    rows = []
    for seed in (int(s) for s in a.seeds.split(",")):
        for ranks in (int(r) for r in a.ranks.split(",")):
            row = train(cli, ranks, a, out, seed)
            rows.append(row)
            print(json.dumps(row), flush=True)
    (out / "scale-out.json").write_text(json.dumps(rows, indent=1))

    print(f"\n{a.config}, {a.epochs} epoch(s), {a.threads_per_rank} thread(s) per rank, {os.cpu_count()} cores shared by all ranks; "
          f"corpus {a.corpus}\n")
    print("| ranks | seed | words/s (cores shared) | rounds | bytes sent per corpus word, per rank | sync share | loss | analogy | WS-353 | SimLex-999 |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        dist = (f"{r['rounds']:,} | {r['bytes_per_word']:.1f} | {r['sync_share']:.1%}" if r["ranks"] > 1 else "- | - | -")
        print(f"| {r['ranks']} | {r['seed']} | {r['words_per_second']:,.0f} | {dist} | {r['loss']:.4f} | {fmt(r['analogy'])} | {fmt(r['ws353'])} | {fmt(r['simlex'])} |")


if __name__ == "__main__":
    main()
