"""#31 (ours): Table 1 (mixed images) of saved mask separators beside a demo report's methods, on the same held-out mixtures.

Loads one mask separator per seed (DIR/mask_seedS/mask_separator.json: `mask_separator.py --save DIR`, or a demo's
runs/ folder after `avgas demo --mask-steps`), judges it and Sound2Scene on the study's held-out two-source mixtures
(each seed its own share, as `avgas demo` does), and checks that its Sound2Scene rows equal the report's (the same
mixtures and the same z: a like-for-like comparison). Then Table 1 as the report computes it: CRS and R@2* of the mixed
images (blend: the paper's Eq. 4; layered: ours), 95 % intervals over seeds, then combinations, then mixtures, and
the paired differences against Sound2Scene of every method, Holm-adjusted over all of them (`avgas.statistics.significance`);
then the mask separator against each of the paper's three variants (Holm over those).

    python benchmarks/mask_table1.py REPORT_DIR MASK_DIR [--seeds 0 1 2] [--name "Mask separator (ours)"]
"""
import argparse, time
from pathlib import Path
import pandas as pd
from avgas.study import StudyConfig, study_datasets, prefetch_pairs, split_by_seed
from avgas.worlds import build_world
from avgas.processes import in_workers
from avgas.generate import Sound2SceneMethod
from avgas.evaluate import evaluate_method
from avgas.mask_separator import load_mask_separator
from avgas.statistics import bootstrap_ci, holm, significance
from avgas.tables import to_markdown

PAPER_VARIANTS = ('Ours (A2A)', 'Ours (A2V)', 'Ours (A2A+A2V)')   # the paper's three, as the report names them


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('report', help="a demo report's folder (its per_image_mixed.csv)")
    ap.add_argument('masks', help='the folder holding mask_seedS/mask_separator.json')
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--name', default='Mask separator (ours)')
    ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args()
    t0 = time.perf_counter()
    sc = StudyConfig(seeds=a.seeds); e = sc.experiment
    W = build_world(e); memo = {}
    prefetch_pairs(W, sc, memo, progress=False)
    sets, _ = study_datasets(W, sc, 2, False, memo)
    items = split_by_seed([sets['test'][i] for i in range(len(sets['test']))], a.seeds)
    roles, composers = W.roles(), e.generate.composers
    base = Sound2SceneMethod(W.audio_encoder, 'Sound2Scene')
    units = [(s, base) for s in a.seeds] + [(s, load_mask_separator(Path(a.masks)/f'mask_seed{s}'/'mask_separator.json', W, a.name)) for s in a.seeds]
    def judge(k):
        s, m = units[k]
        rows, _, _ = evaluate_method(m, W.generator, items[s], W.detector, W.ranker, composers, roles, s,
                                     lam=e.generate.lam, truncation=e.generate.truncation, table=W.table)
        return rows.assign(seed=s)
    ours = pd.concat(in_workers(judge, len(units), a.workers, 'judging', False), ignore_index=True)
    report = pd.read_csv(Path(a.report)/'per_image_mixed.csv')
    key = ['method', 'composer', 'seed', 'item']
    mine = ours[ours['method'] == 'Sound2Scene'].set_index(key)[['CRS', 'R@2*']].sort_index()
    theirs = report[report['method'] == 'Sound2Scene'].set_index(key)[['CRS', 'R@2*']].sort_index()
    if not mine.equals(theirs): raise SystemExit(f'Sound2Scene rows differ from the report\'s ({len(mine)} vs {len(theirs)}): not the same mixtures')
    mixed = pd.concat([report, ours[ours['method'] == a.name]], ignore_index=True)
    methods = [m for m in dict.fromkeys(mixed['method']) if not m.startswith('Ceiling')]   # the ceiling is shown, not tested (as in the report)
    print(f'{len(items[a.seeds[0]])} held-out mixtures per seed, seeds {a.seeds}; Sound2Scene rows equal the report\'s; {time.perf_counter() - t0:.0f} s')
    ci = lambda g, k: (lambda lo_hi: f'{g[k].mean():.1f} [{lo_hi[0]:.1f}, {lo_hi[1]:.1f}]')(
        bootstrap_ci(g[k].to_numpy(), 2000, groups=g['seed'].to_numpy(), combos=g['combination'].to_numpy()))
    rows = [{'method': m, **{f'{k} {c}': ci(g[g['composer'] == c], k) for c in composers for k in ('CRS', 'R@2*')}}
            for m, g in mixed.groupby('method', sort=False)]
    print(to_markdown(pd.DataFrame(rows).set_index('method')))
    sig = significance(mixed, pd.DataFrame(columns=['method', 'source']), 'Sound2Scene', methods[1:], 'blend', 5000)
    print(f'\nTable 1 (blend), each method − Sound2Scene, Holm over {len(sig)}:')
    print(sig[['metric', 'comparison', 'diff', 'ci_lo', 'ci_hi', 'p_holm', 'significant']].round(3).to_string(index=False))
    paper = [m for m in methods if m in PAPER_VARIANTS]
    rows = []
    for ref in paper:   # ours against each of the paper's variants, Holm over all of these comparisons
        d = significance(mixed, pd.DataFrame(columns=['method', 'source']), ref, [a.name], 'blend', 5000)
        rows.append(d)
    if rows:
        d = pd.concat(rows, ignore_index=True); d['p_holm'] = holm(d['p'].to_numpy()); d['significant'] = d['p_holm'] < 0.05
        print(f'\nTable 1 (blend), {a.name} − each paper variant, Holm over {len(d)}:')
        print(d[['metric', 'comparison', 'diff', 'ci_lo', 'ci_hi', 'p_holm', 'significant']].round(3).to_string(index=False))


if __name__ == '__main__':
    main()
