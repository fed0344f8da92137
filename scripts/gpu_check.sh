#!/usr/bin/env bash
# Every GPU check of the project in one run, sized for a short lease (about 5 minutes on one GPU):
# the `#| cuda` notebook cells, then the training, spectrogram and generation benchmarks on CUDA.
# Logs go to $OUT (the device tool's folder) or ./gpu_check_out. Each step runs even if one before it
# failed; the exit status is that of the first failure.
#
# Needs a Python with torch (CUDA), torchvision, torchaudio, scipy, safetensors, soundfile, pyyaml,
# tqdm and, for the notebook cells, nbdev + execnb; the package itself is used from this checkout
# (PYTHONPATH), not installed.
set -u
LOG=${OUT:-gpu_check_out}; mkdir -p "$LOG"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
status=0
step() {   # step NAME COMMAND...: run, tee to $LOG/NAME.log, remember the first failure
  local name=$1; shift
  echo "=== $name: $*"
  "$@" 2>&1 | tee "$LOG/$name.log"; local rc=${PIPESTATUS[0]}
  echo "=== $name: exit $rc"; [ $rc -ne 0 ] && [ $status -eq 0 ] && status=$rc
}
python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.__version__, torch.cuda.get_device_name())" || exit 1
if python3 -c "import nbdev, execnb" 2>/dev/null; then
  step cuda_cells nbdev_test --flags cuda --path nbs --file_re '^(03_audio|08_biggan|17_train)\.ipynb$'
else echo "=== cuda_cells: skipped (nbdev/execnb not installed)"; fi
step train_paper python3 benchmarks/train_throughput.py --device cuda --paper-size --items 256 --epochs 3
step train_synth python3 benchmarks/train_throughput.py --device cuda --items 640 --epochs 3
step spectrogram python3 benchmarks/spectrogram.py --device cuda --clips 256 --batch 64
step generate python3 benchmarks/generate.py --device cuda --world synth --samples 64 --batch 32
exit $status
