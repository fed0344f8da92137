"""A/A calibration: how often does the study's machinery call two identical methods "significantly different"?

One variant (default `a2a/fixed`) is trained with `--pool` seeds on the demo's data and schedule, and every separator
is judged on all held-out test mixtures once. Each repetition then draws two disjoint sets of `--seeds` seeds from the
pool, calls them method A and method B (the same method twice), pairs A's i-th seed with B's i-th seed on the i-th
share of the test mixtures (as the study pairs seeds), and runs `avgas.statistics.significance` on Table 1 (CRS and
R@2*, Holm-adjusted over the two). The share of repetitions with a "significant" verdict estimates the false-positive
rate; the goal is at most the nominal 5 %. The repetitions reuse the pool's seeds, so they are not independent: the
Wilson interval printed assumes they are and is therefore too narrow; a larger pool narrows the gap.

    python benchmarks/aa_calibration.py                 # pool 12, 3 seeds a side, 200 repetitions
    python benchmarks/aa_calibration.py --pool 8 --reps 100 --variant a2a+a2v/pit
    python benchmarks/aa_calibration.py --without-combinations   # mixtures treated as independent, as before #27
"""
import argparse, math, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
import torch

def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    "Wilson score interval of a proportion k/n."
    if n == 0: return (math.nan, math.nan)
    p = k / n; d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d; h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--variant', default='a2a/fixed')
    ap.add_argument('--pool', type=int, default=12, help='seeds trained (at least 2 × --seeds)')
    ap.add_argument('--seeds', type=int, default=3, help='seeds per side, as the demo uses')
    ap.add_argument('--reps', type=int, default=200)
    ap.add_argument('--n-boot', type=int, default=1000)
    ap.add_argument('--out', default='', help='also write the per-repetition verdicts as CSV here')
    ap.add_argument('--without-combinations', action='store_true', help='the machinery before #27: seeds and mixtures resampled, combinations not')
    a = ap.parse_args(argv)
    if a.pool < 2 * a.seeds or a.reps < 1:
        print(f'aa_calibration: --pool {a.pool} must be at least twice --seeds {a.seeds}, and --reps at least 1', file=sys.stderr); return 2
    from avgas.study import StudyConfig, study_datasets, train_separators, prefetch_pairs, seed_shares, _variant
    from avgas.worlds import build_world
    from avgas.evaluate import evaluate_method
    from avgas.generate import mixed_composers
    from avgas.statistics import significance
    import tempfile
    _variant(a.variant)
    t0 = time.perf_counter()
    sc = StudyConfig(variants=[a.variant], seeds=list(range(a.pool)), three_sources=False)
    e = sc.experiment; e.train.amp = False
    W = build_world(e); memo = {}
    prefetch_pairs(W, sc, memo, progress=False)
    sets, _ = study_datasets(W, sc, 2, False, memo)
    with tempfile.TemporaryDirectory() as d:
        (methods, _), = train_separators(W, [(sets, sc.runs(), 2)], sc, Path(d), progress=False)
    t_train = time.perf_counter() - t0
    items = [sets['test'][i] for i in range(len(sets['test']))]
    roles = W.roles()
    rows = []
    for s, m in zip(sc.seeds, methods):   # every separator on every test mixture, with the same generator noise (paired, as in the study)
        r, _, _ = evaluate_method(m, W.generator, items, W.detector, W.ranker, ['blend'], roles, 0, table=W.table, separated=False)
        rows.append(r.assign(seed=s))
    judged = pd.concat(rows, ignore_index=True)
    t_eval = time.perf_counter() - t0 - t_train
    rng = np.random.default_rng(0)
    n_items, out = len(items), []
    shares = np.array(seed_shares([tuple(it['classes']) for it in items], a.seeds))   # the study's split: every seed meets every combination
    for rep in range(a.reps):
        draw = rng.permutation(a.pool)[:2 * a.seeds]
        sides = []
        for name, side in (('A', draw[:a.seeds]), ('B', draw[a.seeds:])):
            for i, s in enumerate(side):   # the i-th seed of each side judged on the i-th share of the mixtures, as the study does
                share = judged[(judged['seed'] == s) & (shares[judged['item'].to_numpy()] == i)]
                sides.append(share.assign(method=name, seed=i))
        both = pd.concat(sides, ignore_index=True)
        if a.without_combinations: both = both.drop(columns='combination')
        sig = significance(both, pd.DataFrame(), 'B', ['A'], 'blend', a.n_boot)
        out.append({'rep': rep, **{f'{r.metric} p': r.p for r in sig.itertuples()},
                    **{f'{r.metric} significant (Holm)': bool(r.significant) for r in sig.itertuples()},
                    **{f'{r.metric} significant (unadjusted)': bool(r.significant_unadjusted) for r in sig.itertuples()},
                    'any significant (Holm)': bool(sig['significant'].any())})
    res = pd.DataFrame(out)
    if a.out: res.to_csv(a.out, index=False)
    print(f'{a.variant}: {a.pool} seeds trained in {t_train:.0f} s, {n_items} test mixtures judged per seed in {t_eval:.0f} s; '
          f'{a.reps} A/A repetitions of {a.seeds} vs {a.seeds} seeds; bf16 off; {torch.get_num_threads()} threads')
    for col in [c for c in res.columns if 'significant' in c]:
        k = int(res[col].sum()); lo, hi = wilson(k, len(res))
        print(f'  false-positive rate, {col}: {k}/{len(res)} = {k / len(res):.1%} (Wilson 95% [{lo:.1%}, {hi:.1%}], repetitions share seeds)')
    return 0

if __name__ == '__main__': sys.exit(main())
