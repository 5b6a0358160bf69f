#!/usr/bin/env python3
"""The best vectors for the time spent: HSoftmax over a grid of settings, against the peers at their defaults.

Trains HSoftmax on one corpus over a grid of epochs, dimensions, windows, losses, negatives and learning
rates, each run timed whole (vocabulary, training, writing) and scored with the tool's own evaluation
(gensim's: Google analogy 3CosAdd over the 30,000 most frequent words, WS-353, SimLex-999 and MEN
Spearman). Then draws the frontier: the best analogy score reachable within a given time, with every
run as a point and the peers (gensim, fastText) at their default settings as stars, and names the
settings to use for a few time budgets.

    /usr/bin/python3 tools/quality_frontier.py                  # enwiki, the whole grid within 2 hours
    /usr/bin/python3 tools/quality_frontier.py --quick          # 10 minutes: 3M tokens, a small grid
    /usr/bin/python3 tools/quality_frontier.py --corpus FILE --budget-minutes 60 --peers gensim
    /usr/bin/python3 tools/quality_frontier.py --resume tools/results/frontier-enwiki-60min.json   # go on to 2 hours

The peers run first; the grid then runs cheapest first and skips a run whose predicted time (from the runs so far, per corpus
word, dimension and window) would pass the budget; the report says which were skipped. --resume takes the rows of an earlier
report of the same corpus, tokens and threads, runs only what it lacks, and counts the earlier runs' time against the budget,
so a grid can run in sittings. Needs the .NET
SDK; the peers need `apt-get install python3-gensim fasttext`; the chart needs python3-matplotlib.
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmark import DEFAULT_CORPUS
from benchmark import score as fmt
from hsoftmax_cli import ROOT, build_cli


def grid(quick, tokens):
    """The settings to try, in the order they run: a ladder of epochs first, then the variations by cost.

    The ladder (the three usual configurations at dim 100, window 5, over 1 to 20 epochs) spans every
    time scale early, so a budget that runs out still leaves a frontier from seconds to the longest
    runs; the variations (dimensions, windows, losses, negatives, a higher learning rate for many
    epochs) then fill in from the cheapest up.
    """
    epochs_ladder = (1, 3, 5, 10, 15, 20) if quick else (1, 2, 3, 5, 10, 15, 20)
    ladder = [dict(model=m, loss=l, epochs=e, dim=100, window=5, negative=5)
              for e in epochs_ladder for m, l in (("cbow", "hs"), ("skipgram", "hs"), ("skipgram", "ns"))]
    variations = []
    for epochs in epochs_ladder:
        for dim in ((100, 200) if quick else (100, 200, 300)):
            for window in (5, 10):
                for model, loss in (("skipgram", "hs"), ("skipgram", "ns"), ("skipgram", "hs+ns"), ("cbow", "hs"), ("cbow", "ns")):
                    variations.append(dict(model=model, loss=loss, epochs=epochs, dim=dim, window=window, negative=5))
                # More negatives, and a higher starting rate, where many epochs can afford them.
                if epochs >= 5 and dim == 100:
                    variations.append(dict(model="skipgram", loss="ns", epochs=epochs, dim=dim, window=window, negative=15))
                    variations.append(dict(model="skipgram", loss="hs", epochs=epochs, dim=dim, window=window, negative=5, alpha=0.05))
    variations = [v for v in variations if v not in ladder]
    return ladder + sorted(variations, key=lambda v: cost_units(v, tokens))


def cost_units(p, tokens):
    """A run's work in arbitrary units: words x epochs x dim x (window, for skip-gram) x loss width."""
    width = {"hs": 1.0, "ns": 0.6 * p["negative"] / 5, "hs+ns": 1.6}[p["loss"]]
    context = p["window"] if p["model"] == "skipgram" else 1.5
    return tokens * p["epochs"] * p["dim"] * context * width


def label(p):
    text = f"{'sg' if p['model'] == 'skipgram' else 'cbow'}-{p['loss']} e{p['epochs']} d{p['dim']} w{p['window']}"
    if p["negative"] != 5:
        text += f" n{p['negative']}"
    if "alpha" in p:
        text += f" a{p['alpha']}"
    return text


def scores_of(report):
    """Analogy accuracy (Google set) and Spearman of WS-353, SimLex-999 and MEN from an eval or train JSON report."""
    out = dict(analogy=None, ws353=None, simlex=None, men=None)
    for a in report.get("analogy", []):
        if Path(a["set"]).name == "questions-words.txt":
            out["analogy"] = a["accuracy"]
    names = {"EN-WS-353-ALL.txt": "ws353", "EN-SIMLEX-999.txt": "simlex", "EN-MEN-TR-3k.txt": "men"}
    for s in report.get("similarity", []):
        key = names.get(Path(s["set"]).name)
        if key:
            out[key] = s["spearman"]
    return out


def run(cmd, log):
    start = time.time()
    with open(log, "w") as f:
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=f, text=True)
    if result.returncode != 0:
        sys.exit(f"quality_frontier: {' '.join(cmd)} failed (exit {result.returncode}); see {log}")
    return time.time() - start, result.stdout


def evaluate(cli, vectors):
    result = subprocess.run(cli + ["eval", vectors, "--json"], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"quality_frontier: evaluation of {vectors} failed: {result.stderr.strip()}")
    return scores_of(json.loads(result.stdout))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    p.add_argument("--quick", action="store_true", help="10 minutes: the first 3M tokens and a smaller grid (as much of it as fits)")
    p.add_argument("--budget-minutes", type=float, help="stop starting runs that would end past this (default 120, quick 10)")
    p.add_argument("--tokens", type=int, help="train on the first N tokens only (default: all; quick: 3,000,000)")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--peers", default="gensim,fasttext", help="peers to run at their default settings (comma-separated, or none)")
    p.add_argument("--out", default=str(ROOT / "bench-out/frontier"))
    p.add_argument("--resume", metavar="JSON", help="an earlier frontier.json: keep its rows, run the rest of the grid, and count its time")
    a = p.parse_args()
    budget = 60 * (a.budget_minutes or (10 if a.quick else 120))
    tokens_wanted = a.tokens or (3_000_000 if a.quick else None)

    corpus = Path(a.corpus)
    if not corpus.exists():
        sys.exit(f"quality_frontier: corpus {corpus} not found; give --corpus FILE (plain or gzip text, one sentence per line). "
                 "The figures in docs/performance.md used the enwiki2015 paragraphs (16.9M tokens of English Wikipedia, CC BY-SA)")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    clock = time.time()

    # One plain-text copy, cut at the wanted tokens, that every tool reads.
    plain = out / "corpus.txt"
    opener = gzip.open if corpus.suffix == ".gz" else open
    tokens = 0
    with opener(corpus, "rt", encoding="utf-8", errors="replace") as src, open(plain, "w", encoding="utf-8") as dst:
        for line in src:
            dst.write(line)
            tokens += len(line.split())
            if tokens_wanted and tokens >= tokens_wanted:
                break
    print(f"Corpus {plain}: {tokens:,} tokens; budget {budget / 60:.0f} min; {a.threads} threads. Building HSoftmax...", flush=True)
    cli = build_cli()

    rows, skipped, earlier_seconds = [], [], 0.0
    if a.resume:
        earlier = json.loads(Path(a.resume).read_text())
        same = dict(corpus=str(Path(earlier["settings"]["corpus"]).resolve()), tokens=earlier["tokens"], threads=earlier["settings"]["threads"])
        if same != dict(corpus=str(corpus.resolve()), tokens=tokens, threads=a.threads):
            sys.exit(f"quality_frontier: --resume {a.resume} measured {same}, not this run's corpus {corpus}, {tokens:,} tokens, {a.threads} threads")
        rows = earlier["rows"]
        earlier_seconds = earlier.get("elapsed_s") or sum(r["wall_s"] for r in rows)
        print(f"Resuming {a.resume}: {len(rows)} runs, {earlier_seconds / 60:.0f} min of the budget", flush=True)
    clock -= earlier_seconds

    # The peers first: the grid then fills what is left of the budget.
    for peer in [t for t in a.peers.split(",") if t and t != "none"]:
        if not any(r["tool"] == peer for r in rows):
            rows.append(run_peer(peer, plain, out, cli, a.threads))
    done = [r["settings"] for r in rows if r["tool"] == "hsoftmax"]
    seconds_per_unit = max((r["wall_s"] / cost_units(r["settings"], tokens) for r in rows if r["tool"] == "hsoftmax"), default=None)
    for point in grid(a.quick, tokens):
        if point in done:
            continue
        units = cost_units(point, tokens)
        spent = time.time() - clock
        if seconds_per_unit is not None and spent + units * seconds_per_unit > budget:
            skipped.append(label(point))
            continue
        name = label(point).replace(" ", "_")
        vectors = out / f"{name}.bin"
        cmd = cli + ["train", "--input", str(plain), "--output", str(vectors), "--format", "binary", "--model", point["model"],
                     "--loss", point["loss"], "--dim", str(point["dim"]), "--window", str(point["window"]), "--negative", str(point["negative"]),
                     "--epochs", str(point["epochs"]), "--sample", "1e-4", "--min-count", "5", "--threads", str(a.threads),
                     "--eval", "true", "--json", "--quiet"]
        if "alpha" in point:
            cmd += ["--alpha", str(point["alpha"])]
        print(f"{label(point):32} ...", end=" ", flush=True)
        wall, stdout = run(cmd, out / f"{name}.log")
        summary = json.loads(stdout)
        row = dict(tool="hsoftmax", label=label(point), settings=point, wall_s=round(wall, 1), **scores_of(summary.get("evaluation") or {}))
        rows.append(row)
        vectors.unlink(missing_ok=True)  # the scores are kept; the vectors would fill the disk
        # The slowest rate seen so far predicts the next run: a budget is kept, not overrun.
        seconds_per_unit = max(seconds_per_unit or 0, wall / units)
        print(f"{wall:7.1f} s  analogy {fmt(row['analogy'])}  WS-353 {fmt(row['ws353'])}  SimLex {fmt(row['simlex'])}  MEN {fmt(row['men'])}", flush=True)

    report(rows, skipped, a, tokens, budget, out, elapsed=time.time() - clock)


def run_peer(peer, plain, out, cli, threads):
    """A peer at its own default settings (only the threads and min-count 5 given), timed and scored as HSoftmax."""
    if peer == "gensim":
        # gensim 4's defaults: CBOW, negative sampling (5), window 5, dim 100, 5 epochs, sample 1e-3, alpha 0.025.
        vectors = out / "gensim-defaults.bin"
        script = ("import sys\nfrom gensim.models import Word2Vec\nfrom gensim.models.word2vec import LineSentence\n"
                  f"m = Word2Vec(LineSentence(sys.argv[1]), workers={threads})\nm.wv.save_word2vec_format(sys.argv[2], binary=True)\n")
        cmd = ["/usr/bin/python3", "-c", script, str(plain), str(vectors)]
        name = "gensim defaults (cbow-ns e5 d100 w5)"
    elif peer == "fasttext":
        # fastText's skipgram defaults: dim 100, ws 5, 5 epochs, neg 5, lr 0.05, subwords 3-6, t 1e-4.
        if shutil.which("fasttext") is None:
            sys.exit("quality_frontier: fasttext not found (apt-get install fasttext)")
        stem = out / "fasttext-defaults"
        vectors = Path(str(stem) + ".vec")
        cmd = ["fasttext", "skipgram", "-input", str(plain), "-output", str(stem), "-thread", str(threads), "-verbose", "0"]
        name = "fastText defaults (skipgram, subwords)"
    else:
        sys.exit(f"quality_frontier: unknown peer {peer}")
    print(f"{name:32} ...", end=" ", flush=True)
    wall, _ = run(cmd, out / f"{peer}.log")
    row = dict(tool=peer, label=name, settings={}, wall_s=round(wall, 1), **evaluate(cli, str(vectors)))
    print(f"{wall:7.1f} s  analogy {fmt(row['analogy'])}  WS-353 {fmt(row['ws353'])}  SimLex {fmt(row['simlex'])}  MEN {fmt(row['men'])}", flush=True)
    for leftover in out.glob(f"{vectors.stem}*"):
        if leftover.suffix in (".bin", ".vec"):
            leftover.unlink()
    return row


def frontier(rows):
    """HSoftmax's runs that no faster run beats on analogy: the best score reachable within each time."""
    best, front = -1.0, []
    for r in sorted((r for r in rows if r["tool"] == "hsoftmax" and r["analogy"] is not None), key=lambda r: r["wall_s"]):
        if r["analogy"] > best:
            best = r["analogy"]
            front.append(r)
    return front


def report(rows, skipped, a, tokens, budget, out, elapsed):
    front = frontier(rows)
    lines = [f"Corpus: {a.corpus} (first {tokens:,} tokens); sample 1e-4, min-count 5, {a.threads} threads, {os.cpu_count()} cores; "
             f"budget {budget / 60:.0f} min; scores by hsoftmax eval (gensim's evaluation: analogy over the top 30,000 words)",
             "",
             "| run | wall s | analogy | WS-353 | SimLex-999 | MEN | on the frontier |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['label']} | {r['wall_s']:.1f} | {fmt(r['analogy'])} | {fmt(r['ws353'])} | {fmt(r['simlex'])} | {fmt(r['men'])} | "
                     f"{'yes' if r in front else ''} |")
    lines += ["", "The best analogies for the time (HSoftmax's frontier), and what each peer reaches at its defaults:", ""]
    for r in rows:
        if r["tool"] == "hsoftmax":
            continue
        within = [f for f in front if f["wall_s"] <= r["wall_s"]]
        if within:
            best = within[-1]
            lines.append(f"- in the {r['wall_s']:.0f} s {r['label']} takes ({fmt(r['analogy'])} analogy, {fmt(r['ws353'])} WS-353), "
                         f"HSoftmax reaches {fmt(best['analogy'])} analogy, {fmt(best['ws353'])} WS-353 with {best['label']} ({best['wall_s']:.0f} s)")
    for f in front:
        lines.append(f"- within {f['wall_s']:.0f} s: {f['label']} ({fmt(f['analogy'])} analogy, {fmt(f['ws353'])} WS-353)")
    if skipped:
        lines += ["", f"Skipped to keep the budget ({len(skipped)}): " + ", ".join(skipped)]
    table = "\n".join(lines)
    print()
    print(table)
    (out / "frontier.md").write_text(table + "\n")
    (out / "frontier.json").write_text(json.dumps(dict(settings=vars(a), tokens=tokens, rows=rows, skipped=skipped, elapsed_s=round(elapsed)), indent=2))
    chart(rows, front, out / "frontier.png")
    print(f"\nWrote {out / 'frontier.md'}, {out / 'frontier.json'}, {out / 'frontier.png'}")


def chart(rows, front, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("quality_frontier: matplotlib missing (apt-get install python3-matplotlib); no chart")
        return
    fig, ax = plt.subplots(figsize=(10, 6))
    ours = [r for r in rows if r["tool"] == "hsoftmax" and r["analogy"] is not None]
    ax.scatter([r["wall_s"] for r in ours], [r["analogy"] for r in ours], s=14, color="#9ab", label="HSoftmax runs")
    if front:
        xs, ys = [], []
        for f in front:
            xs += [f["wall_s"], f["wall_s"]]
            ys += [ys[-1] if ys else f["analogy"], f["analogy"]]
        xs.append(max(r["wall_s"] for r in rows))
        ys.append(front[-1]["analogy"])
        ax.plot(xs, ys, color="#1f77b4", label="HSoftmax frontier (best so far)")
        for f in front:
            ax.annotate(f["label"], (f["wall_s"], f["analogy"]), fontsize=7, xytext=(3, -9), textcoords="offset points")
    for r in rows:
        if r["tool"] != "hsoftmax" and r["analogy"] is not None:
            ax.scatter([r["wall_s"]], [r["analogy"]], marker="*", s=160, label=r["label"])
    ax.set_xscale("log")
    ax.set_xlabel("wall time, s (log)")
    ax.set_ylabel("Google analogy accuracy (top 30k)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


if __name__ == "__main__":
    main()
