"""#31 (ours): the mask separator (`avgas.mask_separator`) in front of the frozen Sound2Scene audio net, judged on the paper's loudness sweep.

The oracle bound (`oracle_mask.py`) says a quiet foreground is still in the mixture: the ideal ratio mask with a
loudness-normalised output keeps 80 % R@1 at −20 dB. This probe trains the library's mask separator (ours; nbs/17e)
to find such masks without the sources, with the study's seeds, and judges it exactly as `beyond_probes.py` judges
the study's separators (same sweep mixtures, slots matched by `World.roles()`; writes the same CSV rows).

Recipes: 'mask' — `--steps` label-free PIT steps on the sources' compressed magnitudes (half of the mixtures with
each source's gain in ±`--gain` dB); 'mask+emb' — then `--embedding-steps` more with the embedding loss through the
frozen audio net (A2A to the clean source at the same level, A2V to its frame; cosine), as `train_mask_separator` does.

    python benchmarks/mask_separator.py [--steps 2500] [--embedding-steps 800] [--hidden 192] [--seeds 0 1 2] [--out MASK.csv]
    python benchmarks/beyond_table.py "mask (ours)=MASK.csv" "A2V, fixed (paper)=FIXED.csv" --candidate "mask (ours):mask+emb" --reference "A2V, fixed (paper):base"
"""
import argparse, os, time
import pandas as pd
import torch
from avgas.study import StudyConfig, study_datasets, prefetch_pairs
from avgas.worlds import build_world
from avgas.processes import in_workers
from avgas.mask_separator import train_mask_separator, save_mask_separator
from beyond_probes import judged_sweep, sweep_mixtures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--steps', type=int, default=2500)
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--gain', type=float, default=10.0)
    ap.add_argument('--embedding-steps', type=int, default=800, help='then this many steps with the embedding loss too (0: recipe mask)')
    ap.add_argument('--embedding-weight', type=float, default=1.0)
    ap.add_argument('--hidden', type=int, default=192, help="the mask net's channels (train_mask_separator's hidden)")
    ap.add_argument('--per-combination', type=int, default=10)
    ap.add_argument('--ratios', nargs='+', type=float, default=[-20.0, -10.0, 0.0, 10.0, 20.0])
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--out', default='')
    ap.add_argument('--save', default='', help='write each seed\'s separator to SAVE/mask_seedS (save_mask_separator)')
    a = ap.parse_args()
    t0 = time.perf_counter()
    sc = StudyConfig(seeds=a.seeds); e = sc.experiment; W = build_world(e); memo = {}
    prefetch_pairs(W, sc, memo, progress=False)
    _, test_pairs = study_datasets(W, sc, 2, False, memo)
    combos = [c.classes for c in W.table.parse_combinations(e.combinations)]
    def fit(k):
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // a.workers))   # the cores shared among the training processes
        t = time.perf_counter()
        sep, _ = train_mask_separator(W, combos, a.steps, a.embedding_steps, a.gain, a.seeds[k], pairs_per_class=e.pairs_per_class,
                                      embedding_weight=a.embedding_weight, hidden=a.hidden)
        return sep, time.perf_counter() - t
    trained = in_workers(fit, len(a.seeds), a.workers, 'training', False)
    for s, (sep, _) in zip(a.seeds, trained):
        if a.save: save_mask_separator(sep, f'{a.save}/mask_seed{s}', meta={'seed': s, 'steps': [a.steps, a.embedding_steps], 'gain_db': a.gain})
    roles = W.roles()
    sweep = sweep_mixtures(W, e, test_pairs, a.ratios, a.per_combination)
    jobs = [(s, sep, r) for s, (sep, _) in zip(a.seeds, trained) for r in a.ratios]
    recipe = 'mask+emb' if a.embedding_steps else 'mask'
    judge = lambda k: judged_sweep(W, roles, jobs[k][1], recipe, jobs[k][0], jobs[k][2], sweep[jobs[k][2]])
    rows = pd.concat(in_workers(judge, len(jobs), a.workers, 'judging', False), ignore_index=True)
    print(f"{recipe} (hidden {a.hidden}): seeds {a.seeds}, {a.steps} + {a.embedding_steps} steps of 16 each (training {', '.join(f'{t:.0f}' for _, t in trained)} s), total {time.perf_counter() - t0:.0f} s")
    print(rows.groupby('ratio_db')[['fg R@1', 'layered CRS']].mean().round(1).to_string())
    if a.out: rows.to_csv(a.out, index=False); print(f'per-image rows: {a.out}')


if __name__ == '__main__':
    main()
