#!/usr/bin/env bash
# Train the mask separator (ours, #31) that ships with avgas for the synthetic world and install it as
# avgas/weights/synth_mask_separator.{json,*.safetensors}: `avgas generate` uses it when no --separator is given.
# About 20 minutes on two CPU cores. Run after `avgas pretrain-synth` whenever the synthetic world's encoders change.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/synth_mask_separator}"
avgas train --config synth_mask_separator --out "$out" --no-progress
python scripts/install_mask_separator.py "$out/mask_separator.json"
