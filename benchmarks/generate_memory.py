"""Peak memory of `avgas generate` on a 3 s clip at each of several sample rates, against the budget of 1.5 GB.

Writes a 3 s mono wav (a 440 Hz sine plus a little noise, PCM_16) at each rate into a temporary folder, runs
`avgas generate CLIP --out DIR` on it in a fresh process, and prints the peak resident set size of that
process (and anything it waited for), read with `os.wait4`. Uncommon rates (11127, 44101 Hz) share a small
divisor with Sound2Scene's 16 kHz: a polyphase resampler's kernel grows as that divisor shrinks, which is what
issue #30 measured (4.8 GB at one such rate).

    python benchmarks/generate_memory.py [--rates 8000 11127 ...] [--budget-gb 1.5] [--seconds 3]

Exits 1 when any run fails or exceeds the budget.
"""
import argparse, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

RATES = (8000, 11127, 16000, 22050, 44100, 44101, 48000, 96000)


def avgas_exe() -> str:
    here = Path(sys.executable).parent / 'avgas'
    return str(here) if here.exists() else (shutil.which('avgas') or 'avgas')


def write_clip(path: Path, rate: int, seconds: float):
    import numpy as np, soundfile as sf
    t = np.arange(int(round(rate * seconds))) / rate
    x = 0.3 * np.sin(2 * np.pi * 440 * t) + np.random.default_rng(rate).normal(0, 0.02, t.shape)
    sf.write(path, x.astype('float32'), rate, subtype='PCM_16')


def peak_rss(argv: list[str]) -> tuple[int, float, float, str]:
    "Exit code, peak RSS in MiB (the process or any child it waited for), seconds, stderr's tail."
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=os.environ | {'OMP_NUM_THREADS': '1'})
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0); tail = err.read().decode(errors='replace')[-600:]
    return p.returncode, ru.ru_maxrss / 1024, time.monotonic() - t0, tail   # ru_maxrss: KiB on Linux


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rates', type=int, nargs='+', default=list(RATES))
    ap.add_argument('--seconds', type=float, default=3.0)
    ap.add_argument('--budget-gb', type=float, default=1.5)
    a = ap.parse_args()
    budget_mib, over = a.budget_gb * 1000**3 / 2**20, []
    print(f'avgas generate on a {a.seconds:g} s mono PCM_16 wav; peak RSS of the process; budget {a.budget_gb:g} GB')
    print(f'{"rate (Hz)":>10} {"peak RSS (MiB)":>15} {"seconds":>8}  result')
    with tempfile.TemporaryDirectory(prefix='avgas-genmem-') as d:
        for rate in a.rates:
            clip = Path(d) / f'clip_{rate}.wav'
            write_clip(clip, rate, a.seconds)
            rc, mib, secs, tail = peak_rss([avgas_exe(), 'generate', str(clip), '--out', str(Path(d) / f'out_{rate}')])
            ok = rc == 0 and mib <= budget_mib
            note = 'ok' if ok else (f'exit {rc}: {" ".join(tail.split())[-300:]}' if rc else 'OVER BUDGET')
            print(f'{rate:>10} {mib:>15.0f} {secs:>8.1f}  {note}', flush=True)
            if not ok: over.append(rate)
    if over: print(f'failed or over budget: {over}'); sys.exit(1)
    print(f'all within {a.budget_gb:g} GB')


if __name__ == '__main__':
    main()
