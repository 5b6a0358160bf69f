#!/usr/bin/env python3
"""The TorchSharp engine beside the CPU engine: same corpus, same settings, same evaluation.

  python3 tools/torch_engine.py [--corpus FILE] [--device cpu] [--batch 4096] [--runs sg-hs,sg-ns,sg-sampled]

For each configuration, trains with `--engine cpu` (where it exists: hs and ns) and `--engine torch`,
measures whole-process wall time and peak memory (GNU time), and scores the vectors as benchmark.py
does (Google analogy 3CosAdd at the top 30,000 words, WS-353). Writes tools/results/torch-engine.md
and .json. The torch log's epoch line says how much of the epoch the device waited for the host.
"""
import argparse
import json
import re
from pathlib import Path

from benchmark import DEFAULT_CORPUS, ROOT, evaluate, run_timed
from hsoftmax_cli import build_cli

RUNS = {
    "sg-hs": ("skipgram", "hs"),
    "sg-ns": ("skipgram", "ns"),
    "sg-sampled": ("skipgram", "sampled"),
    "cbow-hs": ("cbow", "hs"),
}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    p.add_argument("--runs", default="sg-hs,sg-ns,sg-sampled")
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch", type=int, default=0, help="0: the engine's default for the device")
    p.add_argument("--samples", type=int, default=1024)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--out", default=str(ROOT / "bench-out/torch"))
    p.add_argument("--results", default=str(ROOT / "tools/results/torch-engine"))
    a = p.parse_args()

    cli = build_cli()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for run in a.runs.split(","):
        model, loss = RUNS[run]
        engines = ["torch"] if loss == "sampled" else ["cpu", "torch"]
        for engine in engines:
            stem = out / f"{engine}-{run}"
            cmd = cli + ["train", "--engine", engine, "--input", a.corpus, "--output", f"{stem}.bin", "--format", "binary",
                         "--model", model, "--loss", loss, "--dim", "100", "--window", "5", "--sample", "1e-4", "--min-count", "5",
                         "--epochs", str(a.epochs), "--threads", str(a.threads), "--alpha", "0.025" if model == "skipgram" else "0.05",
                         "--eval", "false"]
            if engine == "torch":
                cmd += ["--device", a.device]
                if a.batch:
                    cmd += ["--batch", str(a.batch)]
                if loss == "sampled":
                    cmd += ["--samples", str(a.samples)]
            print(f"{run:11} {engine:6} training...", end=" ", flush=True)
            wall, peak = run_timed(cmd, f"{stem}.log")
            log = Path(f"{stem}.log").read_text()
            words = sum(int(w.replace(",", "")) for w in re.findall(r"Epoch \d+/\d+: loss [\d.]+, ([\d,]+) words", log))
            rate = [int(r.replace(",", "")) for r in re.findall(r"([\d,]+) words/s", log.split("Epoch 1/")[-1])][:1]
            waiting = re.findall(r"([\d.]+) s of the epoch waiting for the host", log)
            scores = evaluate(cli, f"{stem}.bin", out / f"{engine}-{run}.eval.json")
            row = dict(run=run, engine=engine, wall_s=round(wall, 1), training_words_per_s=rate[0] if rate else None,
                       whole_words_per_s=round(words / wall), peak_mb=round(peak), analogy=scores["analogy"], ws353=scores["ws353"],
                       host_wait_s=float(waiting[0]) if waiting else None)
            rows.append(row)
            print(f"{wall:7.1f} s  {row['whole_words_per_s']:>9,} words/s  {peak:6.0f} MB  analogy {row['analogy']:.4f}  WS-353 {row['ws353']:.4f}", flush=True)

    lines = [f"Corpus: {a.corpus}; dim 100, window 5, sample 1e-4, min-count 5, {a.epochs} epoch(s), {a.threads} threads; "
             f"torch engine on {a.device}, batch {a.batch or 'default'}; sampled softmax with {a.samples} log-uniform candidates",
             "",
             "| run | engine | wall s | words/s (whole process) | words/s (training) | peak MB | analogy (30k) | WS-353 | device waiting for host s |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['run']} | {r['engine']} | {r['wall_s']:.1f} | {r['whole_words_per_s']:,} | {r['training_words_per_s'] or 0:,} | "
                     f"{r['peak_mb']:,} | {r['analogy']:.4f} | {r['ws353']:.4f} | {'' if r['host_wait_s'] is None else r['host_wait_s']} |")
    table = "\n".join(lines)
    print()
    print(table)
    results = Path(a.results)
    results.parent.mkdir(parents=True, exist_ok=True)
    Path(str(results) + ".md").write_text(table + "\n")
    Path(str(results) + ".json").write_text(json.dumps(dict(settings=vars(a), rows=rows), indent=2))


if __name__ == "__main__":
    main()
