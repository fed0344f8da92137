"""Peak memory of `load_audio` on a long file: decoding every frame (before) against decoding only the frames
it keeps (now). Writes a long 44.1 kHz stereo wav to a temporary folder, then loads a 10 s crop of it at
16 kHz in a fresh process per variant and prints each process's peak RSS increase over its state after the
imports, and their ratio, measured in this one run.

    python benchmarks/load_audio_memory.py [--minutes 60] [--offset 1800]
"""
import argparse, os, resource, subprocess, sys, tempfile
from pathlib import Path

LOAD = r'''
import resource, sys, numpy as np, soundfile as sf, torch, torchaudio.functional as AF
from avgas.audio import load_audio, fit_length
path, offset, variant = sys.argv[1], float(sys.argv[2]), sys.argv[3]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if variant == 'whole':   # the decoding before streaming: every frame, mono, resampled, then the crop
    data, sr = sf.read(path, dtype='float32', always_2d=True)
    wav = AF.resample(torch.from_numpy(np.ascontiguousarray(data.mean(axis=1))), sr, 16000)
    wav = fit_length(wav, 160000, int(offset * 16000))
else: wav = load_audio(path, 16000, 10.0, offset)
assert wav.shape == (160000,)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)   # KiB -> MiB
'''


def peak_mib(path: Path, offset: float, variant: str) -> float:
    r = subprocess.run([sys.executable, '-c', LOAD, str(path), str(offset), variant], capture_output=True, text=True,
                       env=os.environ | {'OMP_NUM_THREADS': '1'})
    if r.returncode: sys.exit(r.stderr)
    return float(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--minutes', type=float, default=60.0, help='length of the test file')
    ap.add_argument('--offset', type=float, default=None, help='crop start in seconds (default: the middle)')
    a = ap.parse_args()
    import numpy as np, soundfile as sf
    sr, seconds = 44100, int(a.minutes * 60)
    offset = seconds / 2 if a.offset is None else a.offset
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / 'long.wav'
        rng = np.random.default_rng(0)
        with sf.SoundFile(path, 'w', sr, 2, 'PCM_16') as f:   # written a minute at a time: the writer stays small
            for _ in range(0, seconds, 60): f.write(rng.normal(0, 0.1, (sr * 60, 2)).astype('float32'))
        print(f'file: {a.minutes:g} min, {sr} Hz stereo PCM_16, {path.stat().st_size / 2**20:.0f} MiB; '
              f'a 10 s crop at {offset:g} s, resampled to 16 kHz')
        whole, kept = peak_mib(path, offset, 'whole'), peak_mib(path, offset, 'kept')
    print(f'peak RSS increase, whole-file decode (before): {whole:8.1f} MiB')
    print(f'peak RSS increase, load_audio (now):           {kept:8.1f} MiB')
    print(f'ratio: {whole / max(kept, 0.1):.0f}x less memory')


if __name__ == '__main__':
    main()
