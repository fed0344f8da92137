"""The demo's separators trained stacked, or in two processes, against one by one: same steps, same data, bf16 off.

Four ways to train the same (variant, seed) separators of `avgas demo` on the same synthetic-world
mixtures, each model with its own seed's initialisation and batch order, for the same epochs:

* **one by one (Trainer)** — what the demo did before: `avgas.study.train_alone`, one
  `avgas.train.Trainer` per separator (its own target-cache fill, checkpoint per epoch).
* **one by one (train_stacked, G = 1)** — `avgas.stacked.train_stacked` called once per separator:
  the same loop as below without the stacking, to tell the stacking's share from the loop's.
* **stacked** — `avgas.study.train_separators` with `workers = 1`: every separator in one
  `StackedSeparators` network, one grouped convolution per layer, one Adam step (the demo's way on a GPU).
* **processes** — `avgas.study.train_separators` with `workers = 2` (the demo's way on a CPU):
  `avgas.processes.train_in_processes`, each separator's `train_stacked` loop (G = 1) in one of two
  forked one-thread processes.

Autocast is off in all four (`train.amp = False`: fp32, as on CPUs without native bf16). The four
run interleaved, `--rounds` times, in this one process, with the same torch threads; the printed
ratios are of the summed times. Timings on a shared machine are noisy: read the ratios, and the
load average printed with them.

    python benchmarks/stacked_training.py [--width 8] [--items 8] [--epochs 1] [--rounds 2] [--threads 2] [--workers 2]
"""
import argparse, os, tempfile, time
from pathlib import Path
import torch

from avgas.study import StudyConfig, train_separators, _variant
from _demo_training import demo_training
from avgas.stacked import train_stacked
from avgas.separator import Separator
from avgas.core import ExperimentConfig, seed_everything


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--width', type=int, default=8)
    ap.add_argument('--items', type=int, default=8, help='training mixtures per combination')
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--rounds', type=int, default=2)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--workers', type=int, default=2, help='processes of the demo\'s way (train_in_processes)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dc, W, sets, runs, steps = demo_training(a.width, a.items, a.epochs, a.workers); e = dc.experiment
    print(f'{len(runs)} separators (width {a.width}), {len(sets["train"])} training mixtures, {a.epochs} epoch(s): '
          f'{steps} steps each; fp32 (train.amp false); {torch.get_num_threads()} torch threads')

    def one_by_one_trainer(d):
        for v, s in runs:   # each alone, with a checkpoint every epoch (the study's run_dirs path)
            one = StudyConfig.from_dict(dc.to_dict() | {'variants': [v], 'seeds': [s], 'run_dirs': [str(d/f'{v.replace("/", "_").replace("+", "_")}_{s}')]})
            train_separators(W, [(sets, [(v, s)], 2)], one, d, progress=False)

    def one_by_one_stacked_loop(d):
        for v, s in runs:
            al, asg = _variant(v)
            exp = ExperimentConfig.from_dict(e.to_dict()); exp.separator.n_slots = 2
            seed_everything(s); m = Separator(exp.separator)
            train_stacked([m], [(al, asg, s)], sets['train'], sets['val'], e.train, W.audio,
                          {'a2a': W.audio_encoder, 'a2v': W.image_encoder}, cache_dir=d/'cache', progress=False)

    def stacked(d):
        dc.workers = 1; train_separators(W, [(sets, runs, 2)], dc, d, progress=False)

    def in_processes(d):
        dc.workers = a.workers; train_separators(W, [(sets, runs, 2)], dc, d, progress=False)

    ways = {'one by one (Trainer)': one_by_one_trainer, 'one by one (train_stacked, G = 1)': one_by_one_stacked_loop,
            f'stacked (G = {len(runs)})': stacked, f'{a.workers} one-thread processes (the demo)': in_processes}
    secs = dict.fromkeys(ways, 0.0)
    for r in range(a.rounds):
        for name, f in ways.items():
            with tempfile.TemporaryDirectory() as d:
                t = time.perf_counter(); f(Path(d)); secs[name] += time.perf_counter() - t
    base = secs['one by one (Trainer)']
    for name, t in secs.items():
        print(f'{name:40s} {t / a.rounds:7.1f} s per round   speed-up vs one by one (Trainer): {base / t:.2f}x')
    print(f'load average (1, 5, 15 min): {os.getloadavg()}')


if __name__ == '__main__':
    main()
