#!/usr/bin/env bash
# Builds HSoftmax for a CUDA machine and runs the TorchSharp engine's GPU smoke test and benchmark there.
#
#   tools/gpu_run.sh publish [OUT]        # on a machine with the .NET SDK: self-contained build, no libtorch package
#   tools/gpu_run.sh run OUT [CORPUS]     # on the CUDA machine (no .NET needed): smoke test, then benchmark
#   tools/gpu_run.sh all [CORPUS]         # both, when the CUDA machine also has the SDK
#
# The build leaves libtorch out (-p:HSoftmaxLibTorch=none): at run time TorchSharp loads the libtorch of
# an installed PyTorch, found with python3 and put on LD_LIBRARY_PATH. The CUDA machine needs PyTorch
# with CUDA and nothing else. CORPUS defaults to the bundled corpus; give enwiki2015 for the real figure.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-all}"

publish() {
  local out="$1"
  # The torch add-on is the whole tool with the torch engine in it.
  dotnet publish "$ROOT/src/HSoftmax.Cli.Torch" -c Release -r linux-x64 --self-contained \
    -p:HSoftmaxLibTorch=none -p:UseAppHost=true -o "$out" -v q -nologo
  echo "published to $out ($(du -sh "$out" | cut -f1))"
}

run() {
  local out="$1" corpus="${2:-$out/corpora/eltec12-paragraphs.txt.gz}"
  local torchlib
  torchlib="$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
  export LD_LIBRARY_PATH="$torchlib:${LD_LIBRARY_PATH:-}"
  python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "devices", torch.cuda.device_count())'
  local tmp; tmp="$(mktemp -d)"
  echo "== smoke: 1 epoch of the bundled corpus on CUDA, skip-gram + HS"
  "$out/HSoftmax.Cli.Torch" train --engine torch --device cuda --model skipgram --loss hs --epochs 1 \
    --input "$out/corpora/eltec12-paragraphs.txt.gz" --output "$tmp/smoke.bin" --format binary
  echo "== benchmark: $corpus, dim 100, 1 epoch, sample 1e-4"
  for loss in hs ns sampled; do
    echo "-- skip-gram $loss"
    /usr/bin/time -f "wall %e s, peak RSS %M KB" "$out/HSoftmax.Cli.Torch" train --engine torch --device cuda \
      --model skipgram --loss "$loss" --epochs 1 --sample 1e-4 --alpha 0.025 --dim 100 --window 5 --min-count 5 \
      --input "$corpus" --output "$tmp/sg-$loss.bin" --format binary --eval 2>&1 | grep -vE '^\s*$'
  done
  rm -rf "$tmp"
}

case "$cmd" in
  publish) publish "${2:-$ROOT/out/gpu}" ;;
  run) run "${2:?give the published folder}" "${3:-}" ;;
  all) publish "$ROOT/out/gpu"; run "$ROOT/out/gpu" "${2:-}" ;;
  *) echo "usage: $0 publish [OUT] | run OUT [CORPUS] | all [CORPUS]" >&2; exit 2 ;;
esac
