#!/bin/sh
# One command that shows whether HSoftmax's GPU engine works on a CUDA machine, and how fast it is there.
#
#   tools/gpu_check.sh pack [PAYLOAD] [--corpus FILE] [--tokens N]
#       Here, with the .NET SDK: a self-contained publish of the tool, its torch add-on without libtorch
#       (-p:HSoftmaxLibTorch=none) and its gpu add-on in addons/, and a
#       corpus (the first N tokens of FILE, default the bundled corpus), packed with xz; refuses over 60 MB.
#   tools/gpu_check.sh run PAYLOAD [--device cuda|cpu] [--libtorch DIR]
#       There, with no .NET (PyTorch for the torch engine; the gpu engine needs only the NVIDIA driver):
#       unpacks, runs 'hsoftmax doctor' where libtorch is found, then 1 epoch with evaluation of
#       the gpu engine (fused kernels: sg-hs, sg-ns, cbow-hs) and the torch engine (sg-hs, sg-ns,
#       sg-sampled) on the device, sampling GPU utilisation, and of the CPU engine (sg-hs, sg-ns, cbow-hs)
#       on the same machine; then the gpu engine's kernel benchmark (tools/HSoftmax.KernelBench). Ends with
#       the two tables.
#   tools/gpu_check.sh --device cpu [--corpus FILE] [--tokens N]
#       Both, here, on the CPU (libtorch from the NuGet cache): the script's own end-to-end test.
#
# libtorch comes from an installed PyTorch (python3 -c 'import torch'), or --libtorch DIR, or
# HSOFTMAX_LIBTORCH. Plain POSIX sh and awk; every step has its own timeout.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MAX_PAYLOAD_MB=60
STEP_TIMEOUT=${GPU_CHECK_STEP_TIMEOUT:-150}

say() { printf '%s\n' "gpu_check: $*" >&2; }
die() { say "$*"; exit 1; }

# Whatever exit: the staging folder, the unpacked build and vectors (logs stay), a temporary payload.
stage="" work="" temporary_payload=""
cleanup() {
  [ -z "$stage" ] || rm -rf "$stage"
  [ -z "$work" ] || rm -rf "$work/app" "$work"/*.bin
  [ -z "$temporary_payload" ] || rm -f "$temporary_payload"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pack() {
  payload=$1 corpus=$2 tokens=$3
  command -v dotnet >/dev/null || die "pack needs the .NET SDK (run 'pack' on the development machine)"
  stage=$(mktemp -d)
  say "publishing (self-contained tool; its torch and gpu add-ons beside it, no libtorch package)"
  dotnet publish "$ROOT/src/HSoftmax.Cli" -c Release -r linux-x64 --self-contained \
    -p:UseAppHost=true -o "$stage/app" -v q -nologo >/dev/null
  # The add-ons as an installed tool finds them, in folders of their own (run points HSOFTMAX_ADDONS there).
  dotnet publish "$ROOT/src/HSoftmax.Cli.Torch" -c Release -r linux-x64 --no-self-contained \
    -p:HSoftmaxLibTorch=none -o "$stage/app/addons/torch" -v q -nologo >/dev/null
  dotnet publish "$ROOT/src/HSoftmax.Cli.Gpu" -c Release -r linux-x64 --no-self-contained \
    -o "$stage/app/addons/gpu" -v q -nologo >/dev/null
  # The kernel benchmark beside it: the same runtime, one more assembly.
  dotnet publish "$ROOT/tools/HSoftmax.KernelBench" -c Release -r linux-x64 --self-contained \
    -p:UseAppHost=true -o "$stage/app" -v q -nologo >/dev/null
  say "corpus: first $tokens tokens of $corpus"
  case "$corpus" in
    *.gz) gzip -dc "$corpus" ;;
    *) cat "$corpus" ;;
  esac | awk -v max="$tokens" '{ n += NF; print; if (n >= max) exit }' > "$stage/corpus.txt"
  tar -C "$stage" -cf - app corpus.txt | xz -6 -T0 > "$payload" || die "cannot pack $payload"
  rm -rf "$stage"; stage=""
  mb=$(( $(wc -c < "$payload") / 1048576 ))
  [ "$mb" -le "$MAX_PAYLOAD_MB" ] || die "$payload is $mb MB, over $MAX_PAYLOAD_MB MB: pack fewer tokens"
  say "packed $payload ($mb MB)"
}

# Runs one step under its own timeout; its output goes to $work/$1.log; returns its exit status.
step() {
  name=$1; shift
  say "$name"
  rc=0
  # -k: a child that ignores SIGTERM (stuck in a driver call) is killed 10 s later.
  timeout -k 10 "$STEP_TIMEOUT" "$@" > "$work/$name.log" 2>&1 || rc=$?
  [ "$rc" -eq 124 ] && say "$name: timed out after $STEP_TIMEOUT s"
  return "$rc"
}

# words/s, loss, analogy, WS-353 from a train log (the summary and the evaluation table).
figures() {
  awk '
    /^Training / { for (i = 1; i <= NF; i++) if ($i == "words/s") { w = $(i - 1) } }
    /^Epoch /    { for (i = 1; i <= NF; i++) if ($i == "loss") { l = $(i + 1) } }
    $1 == "questions-words.txt" && a == "" { a = $4 }
    $1 == "EN-WS-353-ALL.txt" && s == "" { s = $4 }
    END { printf "%s|%s|%s|%s\n", (w == "" ? "-" : w), (l == "" ? "-" : l), (a == "" ? "-" : a), (s == "" ? "-" : s) }
  ' "$1"
}

run() {
  payload=$1 device=$2 libtorch=$3
  work=$(mktemp -d)
  say "unpacking $payload into $work"
  # Called as 'run || rc=$?', this function runs without set -e: every step checks its own status.
  xz -dc "$payload" | tar -C "$work" -xf - || die "cannot unpack $payload"
  if [ -z "$libtorch" ]; then
    libtorch=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null) || libtorch=""
  fi
  # The gpu engine needs only the driver; libtorch is for the torch engine's rows and the doctor.
  torch_ok=1
  if [ -n "$libtorch" ] && [ -f "$libtorch/libtorch_cpu.so" ]; then
    LD_LIBRARY_PATH="$libtorch${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LD_LIBRARY_PATH
  else
    say "no libtorch (install PyTorch, or give --libtorch DIR, the folder with libtorch_cpu.so): the torch engine's rows are skipped"
    torch_ok=0 libtorch="(none)"
  fi
  app="$work/app/HSoftmax.Cli"
  HSOFTMAX_ADDONS="$work/app/addons/torch:$work/app/addons/gpu"
  export HSOFTMAX_ADDONS
  corpus="$work/corpus.txt"
  tokens=$(awk '{ n += NF } END { print n }' "$corpus")
  say "libtorch from $libtorch; corpus $tokens tokens; device $device"

  if [ "$torch_ok" -eq 1 ]; then
    if step doctor "$app" doctor --device "$device"; then
      cat "$work/doctor.log"
    else
      cat "$work/doctor.log" >&2
      say "doctor failed: the torch engine would fail the same way (its last line above names the operation); its rows are skipped"
      torch_ok=0
    fi
  fi

  common="--epochs 1 --sample 1e-4 --dim 100 --window 5 --min-count 5 --seed 1 --eval true --format binary"
  case "$device" in cuda:*) gpu=${device#cuda:} ;; *) gpu=0 ;; esac
  rows=""
  # row LABEL CONFIG ENGINE [train options...]: one training run, its figures and the mean GPU utilisation.
  row() {
    label=$1 config=$2 engine=$3; shift 3
    util="-" sampler="" rc=0
    if [ "$engine" != cpu ] && [ "$device" != cpu ] && command -v nvidia-smi >/dev/null; then
      nvidia-smi -i "$gpu" --query-gpu=utilization.gpu --format=csv,noheader,nounits -lms 500 > "$work/util-$engine-$config.txt" 2>/dev/null &
      sampler=$!
    fi
    model=skipgram
    case "$config" in cbow-*) model=cbow ;; esac
    # shellcheck disable=SC2086
    step "$engine-$config" "$app" train --engine "$engine" --model "$model" --loss "${config#*-}" --input "$corpus" --output "$work/$engine-$config.bin" $common "$@" || rc=$?
    if [ -n "$sampler" ]; then
      kill "$sampler" 2>/dev/null || true
      wait "$sampler" 2>/dev/null || true
      util=$(awk '$1 ~ /^[0-9]+$/ { s += $1; n++ } END { if (n) printf "%d%%", s / n; else print "-" }' "$work/util-$engine-$config.txt")
    fi
    if [ "$rc" -eq 0 ]; then rows="$rows
$label|$config|$(figures "$work/$engine-$config.log")|$util"
    else
      tail -n 3 "$work/$engine-$config.log" >&2
      rows="$rows
$label|$config|FAILED (exit $rc)|-|-|-|-"
    fi
  }
  # The fused-kernel engine first: it needs only the driver. On --device cpu it runs on ILGPU's CPU
  # accelerator, which is slow (thousands of words a second): a check of the path, not of speed.
  for config in sg-hs sg-ns cbow-hs; do row "gpu $device" "$config" gpu --device "$device"; done
  for config in sg-hs sg-ns sg-sampled; do
    if [ "$torch_ok" -eq 1 ]; then row "torch $device" "$config" torch --device "$device"
    else rows="$rows
torch $device|$config|FAILED (no working libtorch)|-|-|-|-"
    fi
  done
  for config in sg-hs sg-ns cbow-hs; do row "cpu engine" "$config" cpu; done

  # The kernel alone, where the time goes: per launch, per prediction, per node (at enwiki's vocabulary
  # and at 3M words). On the CPU accelerator only a small vocabulary, to check the path.
  if [ "$device" = cpu ]; then bench="--vocab 10000 --configs sg-hs --launches 2"; else bench="--vocab 68000,3000000"; fi
  # shellcheck disable=SC2086
  if step kernel-bench "$work/app/HSoftmax.KernelBench" --device "$device" $bench; then kernel=$(grep '^|' "$work/kernel-bench.log" || true)
  else tail -n 3 "$work/kernel-bench.log" >&2; kernel="kernel benchmark FAILED"; rows="$rows
kernel bench|-|FAILED|-|-|-|-"
  fi

  echo
  echo "| engine | model | words/s | loss | analogy | WS-353 | GPU util |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  printf '%s\n' "$rows" | awk -F'|' 'NF >= 7 { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }'
  echo
  echo "corpus: $tokens tokens; $(nproc) cores; logs in $work"
  echo
  echo "gpu engine kernel alone ($(head -n 1 "$work/kernel-bench.log" 2>/dev/null)):"
  printf '%s\n' "$kernel"
  if printf '%s\n' "$rows" | grep -q FAILED; then return 1; fi
}

cmd=${1:-}
device=cuda corpus="$ROOT/corpora/eltec12-paragraphs.txt" tokens=5000000 libtorch=${HSOFTMAX_LIBTORCH:-} payload=""
case "$cmd" in
  pack|run) shift ;;
  --device) cmd=local ;;
  *) echo "usage: $0 pack [PAYLOAD] [--corpus FILE] [--tokens N] | run PAYLOAD [--device cuda|cpu] [--libtorch DIR] | --device cpu [--corpus FILE] [--tokens N]" >&2; exit 2 ;;
esac
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=$2; shift 2 ;;
    --corpus) corpus=$2; shift 2 ;;
    --tokens) tokens=$2; shift 2 ;;
    --libtorch) libtorch=$2; shift 2 ;;
    -*) die "unknown option $1" ;;
    *) payload=$1; shift ;;
  esac
done
case "$cmd" in
  pack) pack "${payload:-$ROOT/gpu-check.tar.xz}" "$corpus" "$tokens" ;;
  run) [ -n "$payload" ] || die "run: give the payload made by 'pack'"; run "$payload" "$device" "$libtorch" ;;
  local)
    if [ -z "$libtorch" ]; then
      # The version TorchSharp 0.107 binds (LibTorchInfo.BoundVersion), not whichever sorts last.
      libtorch="$HOME/.nuget/packages/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native"
    fi
    payload=$(mktemp -u).tar.xz
    temporary_payload=$payload
    pack "$payload" "$corpus" "$tokens"
    run "$payload" "$device" "$libtorch" ;;
esac
