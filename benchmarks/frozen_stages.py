"""Training the demo's separators with the trunk's first stages frozen (ours) against training every stage: same steps, bf16 off.

`train.frozen_stages: k` keeps the stem and the first k − 1 layers of the pretrained trunk as they
are. `avgas.stacked.train_stacked` then computes their output once per mixture, before training, and
each step runs only the remaining stages. This script trains the same (variant, seed) separators
of `avgas demo` the demo's way (`avgas.study.train_separators`: forked one-thread processes) with
k = 0 (every stage trained) and with each k of `--frozen`, interleaved `--rounds` times, and prints
the time per round and the speed-up against k = 0. Everything else is the demo's (its
initialisation, `separator.init: sound2scene`, its batches and its schedule); autocast is off
(fp32, as on CPUs without native bf16). Timings on a shared machine are noisy: read the ratios, and
the load average printed with them.

    python benchmarks/frozen_stages.py [--width 8] [--items 8] [--epochs 2] [--rounds 2] [--frozen 1 2 3] [--workers 2]
"""
import argparse, os, tempfile, time
from pathlib import Path

from avgas.study import train_separators
from _demo_training import demo_training


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--width', type=int, default=8)
    ap.add_argument('--items', type=int, default=8, help='training mixtures per combination')
    ap.add_argument('--epochs', type=int, default=2)
    ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--frozen', type=int, nargs='+', default=[1, 2, 3], help='the frozen_stages values to time against 0')
    ap.add_argument('--workers', type=int, default=2, help='training processes (the demo: 2)')
    a = ap.parse_args()
    dc, W, sets, runs, steps = demo_training(a.width, a.items, a.epochs, a.workers); e = dc.experiment
    print(f'{len(runs)} separators (width {a.width}, init {e.separator.init}), {len(sets["train"])} training mixtures, '
          f'{a.epochs} epoch(s): {steps} steps each; fp32; {a.workers} one-thread processes')
    ks = [0, *a.frozen]
    secs = dict.fromkeys(ks, 0.0)
    for _ in range(a.rounds):
        for k in ks:
            e.train.frozen_stages = k
            with tempfile.TemporaryDirectory() as d:
                t = time.perf_counter(); train_separators(W, [(sets, runs, 2)], dc, Path(d), progress=False); secs[k] += time.perf_counter() - t
    for k, t in secs.items():
        print(f'frozen_stages {k}: {t / a.rounds:7.1f} s per round ({t / a.rounds / steps * a.workers / len(runs) * 1000:6.1f} ms per '
              f'step and separator)   speed-up vs 0: {secs[0] / t:.2f}x')
    print(f'load average (1, 5, 15 min): {os.getloadavg()}')


if __name__ == '__main__':
    main()
