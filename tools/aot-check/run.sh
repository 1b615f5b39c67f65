#!/usr/bin/env bash
# Native AOT check, run by .ci/run: publishes examples/Train with Native AOT (trimming and AOT
# analysis warnings fail it: the build treats warnings as errors), then trains once with the JIT
# build and once with the native binary, with SWA and EMA, and requires the same report from both:
# every epoch (times aside) and the final, SWA and EMA accuracies. An AOT build that silently
# differs (as when Module.DeepCopy used reflection that trimming removed, and the EMA model kept
# the live model's accuracy) fails here. From the repository root: bash tools/aot-check/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
# The native link needs clang and zlib's headers; a fresh Debian 12 has neither.
if ! command -v clang >/dev/null 2>&1 || [ ! -f /usr/include/zlib.h ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang zlib1g-dev
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$SECONDS
dotnet publish examples/Train -c Release -r linux-x64 -p:PublishAot=true -o "$out/aot" -nologo -v quiet
echo "aot-check: published in $((SECONDS - start)) s"

# A decay this close to 1 keeps the EMA model near its initial weights, far from the live model's
# accuracy, so a copy that computes with the live model's layers cannot go unnoticed.
args=(--optimizer sgd --epochs 5 --swa --ema 0.99999)
report() { grep -E '^(epoch |Final test accuracy|SWA model|EMA model)' | sed -E 's/^(epoch .*)  total time [0-9.]+ s$/\1/'; }
dotnet run -c Release --project examples/Train -- "${args[@]}" | report >"$out/jit.txt"
"$out/aot/Train" "${args[@]}" | report >"$out/aot.txt"
cat "$out/aot.txt"
if ! grep -q '^EMA model' "$out/jit.txt" || ! grep -q '^SWA model' "$out/jit.txt"; then
  echo "aot-check: the JIT run reported no SWA/EMA accuracy" >&2
  exit 1
fi
if ! diff -u "$out/jit.txt" "$out/aot.txt"; then
  echo "aot-check: the Native AOT build of examples/Train reports other results than the JIT build (diff above: - JIT, + AOT)" >&2
  exit 1
fi
echo "aot-check: Native AOT and JIT agree ($((SECONDS - start)) s)"
