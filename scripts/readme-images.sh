#!/usr/bin/env bash
# Retakes the README's pictures of the app (docs/images/seesaw-*.png) from fresh runs, under Xvfb
# at 1600x1000 (the default layout, so that they look the same on every machine). Needs a build
# (scripts/build.sh) and xvfb-run. About a minute on 2 cores; with --pytorch also the Python
# recorder's two pictures, from a plain PyTorch run of python/examples/mmoe_kuairand.py (about ten
# minutes more: 300 steps of a PyTorch MMoE with per-task gradients), the first taken while the app
# tails it (SEESAW_LIVE_SECONDS after the app opens, default 150).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SEESAW_BUILD_DIR:-$root/build}
images=$root/docs/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

train() { "$build/seesaw-train" "$@" --summary "$work/summary.json" >/dev/null; }
shot() { xvfb-run -a -s "-screen 0 1600x1000x24" "$build/seesaw" "$@" --exit-when-done; }

# The synthetic preset at step 60: the two user groups' cosines apart, before the model resolves them.
train synthetic --trace "$work/synthetic.h5"
shot "$work/synthetic.h5" --step 60 --screenshot "$images/seesaw-synthetic.png"

train demo --steps 300 --checkpoint-every 100 --trace "$work/ew.h5"
train demo --steps 300 --method pcgrad --trace "$work/pcgrad.h5"
train --branch "$work/ew.checkpoints/step-00000200.ckpt" --method mgda --steps 300 --trace "$work/branch.h5"
shot "$work/ew.h5" --view cosine-matrix --screenshot "$images/seesaw-demo-cosine-matrix.png"
shot "$work/ew.h5" --user 17824 --step 250 --screenshot "$images/seesaw-replay.png"
shot --compare "$work/ew.h5" "$work/pcgrad.h5" --user 17824 --screenshot "$images/seesaw-compare.png"
shot --compare "$work/ew.h5" "$work/branch.h5" --screenshot "$images/seesaw-branch.png"

if [ "${1:-}" = "--pytorch" ]; then
  # The app tails the PyTorch run while it trains: the picture is taken mid-run.
  /usr/bin/python3 "$root/python/examples/mmoe_kuairand.py" --method pcgrad --steps 300 --out "$work/pytorch-mmoe-pcgrad.h5" >/dev/null &
  pytorch=$!
  until [ -f "$work/pytorch-mmoe-pcgrad.h5" ]; do sleep 1; done
  shot "$work/pytorch-mmoe-pcgrad.h5" --screenshot "$images/seesaw-pytorch-live.png" --screenshot-after "${SEESAW_LIVE_SECONDS:-150}"
  wait "$pytorch"
  train demo --steps 300 --method pcgrad --trace "$work/seesaw-train-pcgrad.h5"
  shot --compare "$work/pytorch-mmoe-pcgrad.h5" "$work/seesaw-train-pcgrad.h5" --screenshot "$images/seesaw-pytorch-compare.png"
fi
