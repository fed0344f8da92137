"""Clips per second of the batched torch Sound2Scene spectrogram against Sound2Scene's scipy pipeline.

Both process the same clips (10 s at 16 kHz: real fixture recordings when ../shared is present,
otherwise noise) in one run; the figure that matters is the ratio, printed last.

    python benchmarks/spectrogram.py [--clips 64] [--batch 16] [--device cpu|cuda] [--threads N]
"""
import argparse, time
import numpy as np
import torch
from avgas.audio import load_audio, sound2scene_spectrogram, scipy_sound2scene_spectrogram
from avgas.core import shared_dir

def clips(n: int) -> torch.Tensor:
    d = shared_dir()
    files = sorted((d/'fixtures').rglob('*.wav')) if d else []
    if files:
        base = torch.stack([load_audio(f, 16000, 10.0) for f in files])
        return base[torch.arange(n) % len(base)]
    return torch.randn(n, 160000, generator=torch.Generator().manual_seed(0)) * 0.1

def timed(fn, repeats=3):
    best = float('inf')
    for _ in range(repeats):
        t = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t)
    return best

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--clips', type=int, default=64); ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--device', default='cpu'); ap.add_argument('--threads', type=int, default=0)
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    x = clips(a.clips); xn = x.double().numpy()
    dev = torch.device(a.device); xd = x.to(dev)
    sync = (lambda: torch.cuda.synchronize()) if dev.type == 'cuda' else (lambda: None)
    def ours():
        for i in range(0, a.clips, a.batch): sound2scene_spectrogram(xd[i:i + a.batch])
        sync()
    def reference():
        for i in range(a.clips): scipy_sound2scene_spectrogram(xn[i])
    ours()  # warm-up (window cache, CUDA context)
    t_ours, t_ref = timed(ours), timed(reference)
    diff = max(float(np.abs(sound2scene_spectrogram(xd[i:i+1])[0, 0].cpu().numpy() - scipy_sound2scene_spectrogram(xn[i])).max())
               for i in range(min(a.clips, 4)))
    print(f'clips: {a.clips} x 10 s at 16 kHz ({"fixtures" if shared_dir() else "noise"}), batch {a.batch}, '
          f'device {dev}, torch threads {torch.get_num_threads()}')
    print(f'scipy reference : {a.clips / t_ref:8.1f} clips/s')
    print(f'torch (batched) : {a.clips / t_ours:8.1f} clips/s   (max abs diff {diff:.1e})')
    print(f'speed-up ratio  : {t_ref / t_ours:8.2f}x')

if __name__ == '__main__':
    main()
