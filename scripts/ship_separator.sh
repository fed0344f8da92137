#!/usr/bin/env bash
# Train the separator that ships with avgas for the synthetic world (A2A+A2V, permutation-invariant
# slots, N = 2) and install it as avgas/weights/synth_separator.{safetensors,json}.
# Run after `avgas pretrain-synth` whenever the synthetic world's encoders change.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-runs/synth_separator}"
avgas train --config synth_separator --out "$out" --no-progress
python - "$out" <<'PY'
import sys, torch
from pathlib import Path
from avgas.core import ExperimentConfig
from avgas.separator import Separator
from avgas.checkpoints import load_checkpoint, save_checkpoint
from avgas.synth.parts import weights_dir
run = Path(sys.argv[1])
meta = load_checkpoint(run/'best.json')
model = Separator(ExperimentConfig.from_dict(meta['experiment']).separator)
load_checkpoint(run/'best.json', model)
save_checkpoint(weights_dir(), 'synth_separator', model, meta=meta)
print('installed', weights_dir()/'synth_separator.json')
PY
