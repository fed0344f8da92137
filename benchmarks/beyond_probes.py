"""Probes for #31 (ours): separator recipes measured on the paper's loudness sweep and at 0 dB, on the synthetic world.

Every recipe trains the same variant (default A2A+A2V with PIT slots, ours) with the demo's schedule and
seeds on the demo's mixtures, changing only what the recipe names; all are judged on the same held-out
mixtures: at each foreground/background ratio of the paper's equal-gain sum (foreground scaled, the
background kept), the separated foreground's R@1 and the layered image's CRS (ours). PIT slots are matched
to roles with `World.roles()` (fitted on training data), never with test labels or the ranker's answer.
Intervals: 95 % bootstrap over seeds, then combinations, then mixtures (`avgas.statistics.nested_means`).

Recipes:
* `base`     — the demo's training mixtures (the paper's equal-gain sum).
* `gainN`    — ours: each training (and validation) source gets a random gain in [−N, +N] dB before the sum,
               so foreground/background ratios of up to ±2N dB are seen in training (label-free: the targets
               are the same sources' embeddings).
* `union-R`  — ours: the demo's training mixtures and recipe R's together (twice as many; compare with `items64`).
* `epochsN`, `itemsN` (training mixtures per combination), `frozenN` (frozen trunk stages), `widthN`, `lrX`:
               the demo schedule's settings changed; join several with '+', e.g. `gain10+epochs16`.

    python benchmarks/beyond_probes.py [--recipes base gain10] [--seeds 0 1 2] [--variant a2a+a2v/pit]
                                       [--per-combination 10] [--ratios -20 -10 0 10 20]
"""
import argparse, re, time
from pathlib import Path
import tempfile
import numpy as np
import pandas as pd
import torch
from avgas.core import MixConfig
from avgas.study import StudyConfig, study_datasets, prefetch_pairs, _new_separators, loudness_augmented
from avgas.worlds import build_world
from avgas.processes import train_groups_in_processes, in_workers
from avgas.mixing import MixtureDataset
from avgas.generate import AVGASMethod
from avgas.evaluate import evaluate_method
from avgas.statistics import bootstrap_ci
from avgas.tables import to_markdown


def recipe_config(sc: StudyConfig, recipe: str) -> StudyConfig:
    "The study config whose training follows `recipe`: 'base', or settings joined by '+' (e.g. 'gain10+epochs16')."
    out = StudyConfig.from_dict(sc.to_dict()); e = out.experiment
    for part in ([] if recipe == 'base' else recipe.split('+')):
        m = re.fullmatch(r'(gain|epochs|items|frozen|width|lr)(\d+(?:\.\d+)?(?:e-?\d+)?)', part)
        if not m: raise SystemExit(f'recipe {recipe!r}: {part!r} is not one of gainN, epochsN, itemsN, frozenN, widthN, lrX')
        k, v = m.group(1), float(m.group(2))
        if k == 'gain': e.mix.gain_db = (-v, v)
        elif k == 'epochs': e.train.epochs = int(v)
        elif k == 'items': e.mix.items_per_combination = int(v)
        elif k == 'frozen': e.train.frozen_stages = int(v)
        elif k == 'width': e.separator.width = int(v)
        else: e.train.lr = v
    return out


def sweep_mixtures(W, e, test_pairs, ratios, per_combination: int) -> dict:
    "ratio -> the sweep's held-out mixtures: the paper's equal-gain sum with the foreground scaled; the same pairs at every ratio."
    return {r: [ds[i] for i in range(len(ds))] for r in ratios
            for ds in [MixtureDataset(test_pairs, e.combinations, MixConfig(relative_db=(r, 0.0), items_per_combination=per_combination,
                                                                            seed=e.mix.seed + 2), table=W.table)]}


def judged_sweep(W, roles, method, recipe: str, seed: int, ratio: float, items) -> pd.DataFrame:
    "One method at one ratio: per mixture, the layered image's CRS and the separated foreground's R@1 and CRS (PIT slots matched by `roles`)."
    mixed, sep, _ = evaluate_method(method, W.generator, items, W.detector, W.ranker, ['layered'], roles, seed, table=W.table)
    fg = sep[sep['source'] == 'foreground']
    return pd.DataFrame({'recipe': recipe, 'seed': seed, 'ratio_db': ratio, 'combination': mixed['combination'],
                         'layered CRS': mixed['CRS'].to_numpy(), 'fg R@1': fg['R@1'].to_numpy(), 'fg CRS': fg['CRS'].to_numpy()})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--recipes', nargs='+', default=['base', 'gain10'])
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--variant', default='a2a+a2v/pit')
    ap.add_argument('--per-combination', type=int, default=10, help='sweep mixtures per combination and ratio (20 combinations)')
    ap.add_argument('--ratios', nargs='+', type=float, default=[-20.0, -10.0, 0.0, 10.0, 20.0])
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--out', default='', help='also write the per-image rows to this CSV')
    ap.add_argument('--masking', action='store_true', help="only measure how much of the input the foreground holds at each ratio (no training)")
    a = ap.parse_args()
    if a.masking: return masking(a)
    t0 = time.perf_counter()
    sc = StudyConfig(seeds=a.seeds); e = sc.experiment
    e.train.amp = False   # fp32, as on CPUs without native bf16
    W = build_world(e); memo = {}
    prefetch_pairs(W, sc, memo, progress=False)
    _, test_pairs = study_datasets(W, sc, 2, False, memo)
    methods = []
    with tempfile.TemporaryDirectory() as d:
        for r in a.recipes:
            rc = recipe_config(sc, r.removeprefix('union-'))
            if r.startswith('union-'):   # the study's '/loud' recipe: the equal-gain mixtures and as many with the recipe's gains
                rc.loud_gain_db, rc.experiment.mix.gain_db = rc.experiment.mix.gain_db[1], (0.0, 0.0)
                sets = loudness_augmented(W, rc, study_datasets(W, rc, 2, False, memo)[0], False, memo)
            else: sets, _ = study_datasets(W, rc, 2, False, memo)
            runs = [(a.variant, s) for s in a.seeds]
            exps, models, _ = _new_separators(W, runs, rc, 2)
            group = {'models': models, 'runs': [(x.train.alignment, x.train.assignment, x.train.seed) for x in exps],
                     'train': sets['train'], 'val': sets['val'], 'cache_dir': Path(d)/f'cache_{r}'}
            # one pool per recipe: a recipe may change the training settings, which a pool shares
            train_groups_in_processes([group], rc.experiment.train, W.audio, {'a2a': W.audio_encoder, 'a2v': W.image_encoder},
                                      a.workers, progress=False)
            methods += [(r, s, AVGASMethod(m, x.audio, f'{r}', x.train.assignment)) for (_, s), x, m in zip(runs, exps, models)]
    t_train = time.perf_counter() - t0
    roles = W.roles()
    sweep = sweep_mixtures(W, e, test_pairs, a.ratios, a.per_combination)
    jobs = [(r, s, m, ratio) for r, s, m in methods for ratio in a.ratios]
    judge = lambda k: judged_sweep(W, roles, jobs[k][2], jobs[k][0], jobs[k][1], jobs[k][3], sweep[jobs[k][3]])
    rows = pd.concat(in_workers(judge, len(jobs), a.workers, 'judging', False), ignore_index=True)
    out = []
    for (r, ratio), g in rows.groupby(['recipe', 'ratio_db'], sort=False):
        rec = {'recipe': r, 'ratio_db': ratio, 'n': len(g)}
        for k in ('fg R@1', 'layered CRS'):
            lo, hi = bootstrap_ci(g[k], 2000, groups=g['seed'], combos=g['combination'])
            rec[k] = f"{g[k].mean():.1f} [{lo:.1f}, {hi:.1f}]"; rec[k + ' mean'] = g[k].mean()
        out.append(rec)
    df = pd.DataFrame(out)
    for k in ('fg R@1', 'layered CRS'):   # each recipe's value at each ratio over its own 0 dB value (target #31.1: ≥ 0.8 everywhere)
        zero = df[df['ratio_db'] == 0].set_index('recipe')[k + ' mean']
        df[k + ' / 0 dB'] = [f"{v / zero[r]:.2f}" if r in zero and zero[r] else '' for r, v in zip(df['recipe'], df[k + ' mean'])]
    print(f'variant {a.variant}, seeds {a.seeds}, {len(sweep[a.ratios[0]])} sweep mixtures per ratio and seed; '
          f'training {t_train:.0f} s, total {time.perf_counter() - t0:.0f} s')
    print(to_markdown(df.drop(columns=[c for c in df if c.endswith(' mean')])))
    if a.out: rows.to_csv(a.out, index=False); print(f'per-image rows: {a.out}')


def masking(a):
    "At each ratio of the sweep: the share of the spectrogram's bins where the scaled foreground's power exceeds the background's."
    from avgas.audio import psd_spectrogram
    sc = StudyConfig(); e = sc.experiment; W = build_world(e)
    ds = MixtureDataset(W.pairs('test', sc.test_pairs_per_class), e.combinations, MixConfig(items_per_combination=a.per_combination,
                        seed=e.mix.seed + 2), table=W.table)
    src = torch.stack([ds[i]['sources'] for i in range(len(ds))])   # (B, 2, T), equal gains
    P = psd_spectrogram(src.flatten(0, 1), W.audio.sample_rate, W.audio.nperseg, W.audio.noverlap).reshape(len(ds), 2, -1)
    print(f'{len(ds)} test mixtures of the sweep (the equal-gain sum, foreground scaled by the ratio)')
    for r in a.ratios:
        fg, bg = P[:, 0] * 10 ** (r / 10), P[:, 1]
        dom = (fg > bg).double().mean(1); share = fg.sum(1) / (fg.sum(1) + bg.sum(1))
        print(f'{r:+g} dB: the foreground dominates {100 * dom.mean():.1f} % of the bins (median mixture {100 * dom.median():.1f} %) '
              f'and carries {100 * share.mean():.1f} % of the power')


if __name__ == '__main__':
    main()
