"""How many training seeds should the demo use? Power of its verdicts against its time, measured.

Two of the paper's variants (A2A and A2V, fixed slots) are trained with `--pool` seeds each on the demo's data and
schedule; every separator, and Sound2Scene once, is judged on all held-out test mixtures. For each number of seeds n,
`--draws` repetitions then draw n seeds (the same seed numbers for both variants, as the study trains them), judge the
k-th drawn seed on the k-th share of the mixtures (as the study does), and run `avgas.statistics.significance` on the
comparisons the demo reports for these two variants: Table 1 (each against Sound2Scene: CRS, R@2*) and Tables 2–3
(A2V against A2A: CRS, R@1). Power is the share of draws in which a comparison is significant: unadjusted (p < 0.05)
and at the demo's multiplicity (p < 0.05 / 20, Bonferroni over its 20 comparisons: a lower bound on Holm's power).
Draws reuse the pool's seeds, so neighbouring n are not independent. The time column is the demo's measured time
model: what each further seed adds (five separators trained; the judging does not grow, each seed judges its share).

    python benchmarks/seed_power.py --cache DIR           # pool 10, n = 2..5, 40 draws each; DIR keeps the judged rows
    python benchmarks/seed_power.py --pool 12 --n 2 3 4 5 6 --draws 60
"""
import argparse, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
import torch

def judged_rows(variants, pool: int):
    "Train `pool` seeds of each variant on the demo's data and schedule; judge each, and Sound2Scene once, on every test mixture."
    from avgas.study import StudyConfig, study_datasets, train_separators, prefetch_pairs
    from avgas.worlds import build_world
    from avgas.evaluate import evaluate_method
    from avgas.generate import Sound2SceneMethod
    import tempfile
    t0 = time.perf_counter()
    sc = StudyConfig(variants=variants, seeds=list(range(pool)), three_sources=False)
    e = sc.experiment; e.train.amp = False
    W = build_world(e); memo = {}
    prefetch_pairs(W, sc, memo, progress=False)
    sets, _ = study_datasets(W, sc, 2, False, memo)
    with tempfile.TemporaryDirectory() as d:
        (methods, _), = train_separators(W, [(sets, sc.runs(), 2)], sc, Path(d), progress=False)
    t_train = time.perf_counter() - t0
    items = [sets['test'][i] for i in range(len(sets['test']))]
    roles = W.roles()
    base = Sound2SceneMethod(W.audio_encoder, 'Sound2Scene')
    r, _, _ = evaluate_method(base, W.generator, items, W.detector, W.ranker, ['blend'], roles, 0, table=W.table, separated=False)
    mixed, sep = [r.assign(seed=-1)], []
    for (v, s), m in zip(sc.runs(), methods):   # the same generator noise for every separator: paired, as in the study
        r, sp, _ = evaluate_method(m, W.generator, items, W.detector, W.ranker, ['blend'], roles, 0, table=W.table)
        mixed.append(r.assign(seed=s)); sep.append(sp.assign(seed=s))
    return pd.concat(mixed, ignore_index=True), pd.concat(sep, ignore_index=True), t_train, time.perf_counter() - t0 - t_train

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--pool', type=int, default=10, help='seeds trained per variant')
    ap.add_argument('--n', type=int, nargs='+', default=[2, 3, 4, 5], help='numbers of seeds to test')
    ap.add_argument('--draws', type=int, default=40)
    ap.add_argument('--n-boot', type=int, default=1000)
    ap.add_argument('--out', default='', help='also write the per-draw p-values as CSV here')
    ap.add_argument('--cache', default='', help='a folder for the judged per-image rows: written on the first run, reused after')
    a = ap.parse_args(argv)
    if max(a.n) > a.pool or min(a.n) < 1 or a.draws < 1:
        print(f'seed_power: every --n must lie in 1..--pool ({a.pool}), and --draws at least 1', file=sys.stderr); return 2
    from avgas.study import seed_shares
    from avgas.statistics import significance
    variants = ['a2a/fixed', 'a2v/fixed']
    cache = Path(a.cache) if a.cache else None
    if cache and (cache/'mixed.csv').exists():
        mixed, sep = pd.read_csv(cache/'mixed.csv'), pd.read_csv(cache/'separated.csv')
        t_train, t_eval = (float(x) for x in (cache/'seconds.txt').read_text().split())
    else:
        mixed, sep, t_train, t_eval = judged_rows(variants, a.pool)
        if cache:
            cache.mkdir(parents=True, exist_ok=True)
            mixed.to_csv(cache/'mixed.csv', index=False); sep.to_csv(cache/'separated.csv', index=False)
            (cache/'seconds.txt').write_text(f'{t_train} {t_eval}')
    n_items = int(mixed['item'].max()) + 1
    combo_of = mixed[mixed['seed'] == -1].sort_values('item')['combination'].tolist()
    names = list(dict.fromkeys(sep['method']))
    rng, rows = np.random.default_rng(0), []
    for n in a.n:
        for draw in range(a.draws):
            picked = rng.permutation(a.pool)[:n]
            shares = np.array(seed_shares(combo_of, n))   # as the study splits: every seed meets every combination
            share = lambda df, k: df[shares[df['item'].to_numpy()] == k]
            mx = [share(mixed[mixed['seed'] == -1], k).assign(seed=k) for k in range(n)]
            mx += [share(mixed[mixed['seed'] == s], k).assign(seed=k) for k, s in enumerate(picked)]
            sp = [share(sep[sep['seed'] == s], k).assign(seed=k) for k, s in enumerate(picked)]
            sig = significance(pd.concat(mx), pd.concat(sp), 'Sound2Scene', names, 'blend', a.n_boot)
            rows += [{'n': n, 'draw': draw, 'comparison': f'{r.table}, {r.metric}: {r.comparison}', 'diff': r.diff, 'p': r.p} for r in sig.itertuples()]
    res = pd.DataFrame(rows)
    if a.out: res.to_csv(a.out, index=False)
    print(f'{variants}: {a.pool} seeds each trained in {t_train:.0f} s, judged on {n_items} test mixtures in {t_eval:.0f} s; '
          f'{a.draws} draws per n; bf16 off; {torch.get_num_threads()} threads')
    power = res.assign(unadjusted=res['p'] < 0.05, at_20=res['p'] < 0.05 / 20).groupby(['comparison', 'n'])[['diff', 'unadjusted', 'at_20']].mean()
    with pd.option_context('display.width', 200, 'display.max_rows', 200):
        print((power.assign(unadjusted=power['unadjusted'] * 100, at_20=power['at_20'] * 100)
               .rename(columns={'diff': 'mean diff (points)', 'unadjusted': 'power % (p<0.05)', 'at_20': 'power % (p<0.05/20)'}).round(1)).to_string())
    return 0

if __name__ == '__main__': sys.exit(main())
