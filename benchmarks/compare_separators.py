"""Two trained separators judged on the same held-out mixtures (ours, #31): should `avgas generate` ship the candidate?

Both checkpoints (e.g. the shipped one and one trained with `--train.loud-gain-db 10`) are judged on the paper's
loudness sweep of the synthetic world (equal-gain sum, foreground scaled by the ratio; `--per-combination` mixtures
per combination and ratio, the study's held-out pairs): the separated foreground's R@1 (PIT slots matched to roles
fitted on training data) and the layered image's CRS; at 0 dB also the mixed image's CRS with the paper's blend.
Each checkpoint is one trained model (one seed), so the intervals resample combinations, then mixtures: they say
how sure we are about these two models, not about their recipes (for those, `beyond_probes.py` trains 3 seeds).
Differences are paired (same mixtures, same noise); verdicts Holm-adjusted over every comparison printed.

    python benchmarks/compare_separators.py CANDIDATE.json [--reference SHIPPED.json] [--per-combination 20]
"""
import argparse, time
import pandas as pd
from avgas.study import StudyConfig, study_datasets, prefetch_pairs
from avgas.worlds import build_world
from avgas.processes import in_workers
from avgas.generate import AVGASMethod
from avgas.evaluate import evaluate_method
from avgas.statistics import bootstrap_ci, holm, paired_difference, verdict
from avgas.tables import to_markdown
from beyond_probes import sweep_mixtures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('candidate', help="the candidate separator's .json (or run folder)")
    ap.add_argument('--reference', default='', help='the separator to beat (default: the one avgas ships)')
    ap.add_argument('--per-combination', type=int, default=20)
    ap.add_argument('--ratios', nargs='+', type=float, default=[-20.0, -10.0, 0.0, 10.0, 20.0])
    ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args()
    t0 = time.perf_counter()
    sc = StudyConfig(); e = sc.experiment; W = build_world(e); memo = {}
    prefetch_pairs(W, sc, memo, progress=False)
    _, test_pairs = study_datasets(W, sc, 2, False, memo)
    ref = a.reference or W.default_separator()
    methods = {'candidate': AVGASMethod.from_checkpoint(a.candidate, 'candidate'), 'reference': AVGASMethod.from_checkpoint(ref, 'reference')}
    sweep = sweep_mixtures(W, e, test_pairs, a.ratios, a.per_combination)
    roles = W.roles(); jobs = [(k, r) for k in methods for r in a.ratios]
    def judge(j):
        k, r = jobs[j]
        mixed, sep, _ = evaluate_method(methods[k], W.generator, sweep[r], W.detector, W.ranker, ['blend', 'layered'], roles, 0, table=W.table)
        fg = sep[sep['source'] == 'foreground']
        return pd.DataFrame({'separator': k, 'ratio_db': r, 'combination': fg['combination'].to_numpy(), 'fg R@1': fg['R@1'].to_numpy(),
                             'layered CRS': mixed.loc[mixed['composer'] == 'layered', 'CRS'].to_numpy(),
                             'blend CRS': mixed.loc[mixed['composer'] == 'blend', 'CRS'].to_numpy()})
    rows = pd.concat(in_workers(judge, len(jobs), a.workers, 'judging', False), ignore_index=True)
    metrics = [(m, r) for m in ('fg R@1', 'layered CRS') for r in a.ratios] + [('blend CRS', 0.0)] * (0.0 in a.ratios)
    out = []
    for m, r in metrics:
        c, b = (rows[(rows['separator'] == k) & (rows['ratio_db'] == r)] for k in ('candidate', 'reference'))
        rec = {'metric': m, 'ratio': f'{r:+g} dB'}
        for k, g in (('candidate', c), ('reference', b)):
            lo, hi = bootstrap_ci(g[m].to_numpy(), 2000, combos=g['combination'].to_numpy())
            rec[k] = f'{g[m].mean():.1f} [{lo:.1f}, {hi:.1f}]'
        d = paired_difference(c[m].to_numpy(), b[m].to_numpy(), 5000, combos=c['combination'].to_numpy())
        out.append(rec | {'difference': f"{d['diff']:+.1f} [{d['ci_lo']:+.1f}, {d['ci_hi']:+.1f}]", 'p': d['p'], 'd': d['diff']})
    df = pd.DataFrame(out); df['p (Holm)'] = holm(df['p'].to_numpy())
    df['verdict'] = [verdict({'diff': d, 'significant': p < 0.05}) for d, p in zip(df['d'], df['p (Holm)'])]
    print(f'candidate {a.candidate} vs reference {ref}; {len(sweep[a.ratios[0]])} mixtures per ratio; '
          f'intervals resample combinations then mixtures; Holm over {len(df)} comparisons; {time.perf_counter() - t0:.0f} s')
    print(to_markdown(df.drop(columns=['d']).round({'p': 4, 'p (Holm)': 4}).set_index('metric')))


if __name__ == '__main__':
    main()
