"""Tables of #31's probes (ours): per-image CSVs of `beyond_probes.py --out` → the sweep per recipe, and paired verdicts.

    python benchmarks/beyond_table.py "A2A+A2V, PIT (ours)=a.csv" "A2V, fixed (paper)=b.csv" \
        --candidate "A2A+A2V, PIT (ours):union-gain10" --reference "A2V, fixed (paper):base"

For every metric (separated-foreground R@1, layered CRS) and ratio: mean and 95 % interval (seeds, then combinations,
then mixtures resampled). With --candidate and --reference: the paired difference at every (metric, ratio) on the same
sweep mixtures and seeds, its interval and p, Holm-adjusted over all of them.
"""
import argparse
import numpy as np
import pandas as pd
from avgas.statistics import bootstrap_ci, paired_difference, holm

METRICS = ('fg R@1', 'layered CRS')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('runs', nargs='+', help='LABEL=CSV[,CSV…] (per-image rows of beyond_probes.py --out; several files of one variant joined by commas)')
    ap.add_argument('--candidate', default=''); ap.add_argument('--reference', default='')
    ap.add_argument('--n-boot', type=int, default=2000)
    a = ap.parse_args()
    rows = pd.concat([pd.read_csv(f).assign(variant=label) for label, fs in (r.split('=', 1) for r in a.runs) for f in fs.split(',')],
                     ignore_index=True)
    ratios = sorted(rows['ratio_db'].unique())
    for metric in METRICS:
        print(f'\n{metric} (%, 95 % interval over seeds, combinations, mixtures); last column: the worst ratio\'s value over the 0 dB value\n')
        print('| variant | recipe | ' + ' | '.join(f'{r:+g} dB' for r in ratios) + ' | worst / 0 dB |'); print('|---' * (len(ratios) + 3) + '|')
        for (v, rec), g in rows.groupby(['variant', 'recipe'], sort=False):
            cells, means = [], {}
            for ratio, h in g.groupby('ratio_db'):
                lo, hi = bootstrap_ci(h[metric], a.n_boot, groups=h['seed'], combos=h['combination'])
                means[ratio] = h[metric].mean(); cells.append(f'{means[ratio]:.1f} [{lo:.1f}, {hi:.1f}]')
            worst = min(m / means[0.0] for m in means.values()) if means.get(0.0) else float('nan')
            print(f'| {v} | {rec} | ' + ' | '.join(cells) + f' | {worst:.2f} |')
    if a.candidate and a.reference:
        pick = lambda s: rows[(rows['variant'] == s.rsplit(':', 1)[0]) & (rows['recipe'] == s.rsplit(':', 1)[1])]
        c, r = pick(a.candidate), pick(a.reference)
        out = []
        for metric in METRICS:
            for ratio in ratios:
                cc = c[c['ratio_db'] == ratio].sort_values('seed', kind='stable'); rr = r[r['ratio_db'] == ratio].sort_values('seed', kind='stable')
                if not (cc['combination'].to_numpy() == rr['combination'].to_numpy()).all(): raise SystemExit('the two runs judged different mixtures')
                d = paired_difference(cc[metric].to_numpy(), rr[metric].to_numpy(), a.n_boot * 5, groups=cc['seed'].to_numpy(),
                                      combos=cc['combination'].to_numpy())
                out.append({'metric': metric, 'ratio_db': ratio, **d})
        df = pd.DataFrame(out); df['p_holm'] = holm(df['p'])
        df['verdict'] = np.where(df['p_holm'] < 0.05, np.where(df['diff'] > 0, '+', '−'), 'n.s.')
        print(f'\n{a.candidate} − {a.reference}, paired (same mixtures and seeds), Holm over {len(df)} comparisons:\n')
        print('| metric | ratio | difference [95 % interval] | p | p (Holm) | verdict |\n|---|---|---|---|---|---|')
        for x in df.itertuples():
            print(f'| {x.metric} | {x.ratio_db:+g} dB | {x.diff:+.1f} [{x.ci_lo:+.1f}, {x.ci_hi:+.1f}] | {x.p:.4f} | {x.p_holm:.4f} | {x.verdict} |')


if __name__ == '__main__':
    main()
