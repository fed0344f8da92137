"""Do two `avgas demo` runs reach the same conclusions? Every comparison's verdict, side by side.

Each run's comparisons (Table 1: each method against Sound2Scene on CRS and R@2*; Tables 2–3: each
method against the first AV-GAS variant on separated CRS and R@1) are recomputed from its per-image
CSVs with `avgas.statistics.run_conclusions`: paired bootstrap, training seeds resampled and then the
mixtures within each seed. A verdict is '+' (significantly above), '−' (significantly below) or
'n.s.'. The script prints both runs' differences and verdicts, the comparisons whose verdicts differ,
and each run's stage times from its metrics.json.

    python benchmarks/demo_conclusions.py REFERENCE_RUN CANDIDATE_RUN [--n-boot 2000] [--mixtures-only]
        [--pool-with OTHER_REFERENCE_RUN ...]

`--pool-with` adds runs of the same schedule with other seeds (e.g. `avgas demo --schedule paper --seeds 3 4 5`) to
the reference: with more seeds its verdicts move less from one set of seeds to the next.

Pass the same folder twice with and without `--mixtures-only` to see which of one run's verdicts
rest on resampling mixtures alone.
"""
import argparse, json, sys
from pathlib import Path
import pandas as pd
from avgas.statistics import run_conclusions, same_conclusions
from avgas.errors import InputError


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('reference'); ap.add_argument('candidate')
    ap.add_argument('--n-boot', type=int, default=2000)
    ap.add_argument('--pool-with', nargs='+', default=[], metavar='RUN', help='more runs of the reference schedule, other seeds: pooled with it')
    ap.add_argument('--mixtures-only', action='store_true', help='resample mixtures only (the paper-exact issue\'s test), not seeds')
    a = ap.parse_args()
    runs = {}
    for name, d in (('reference', a.reference), ('candidate', a.candidate)):
        runs[name] = run_conclusions([d, *a.pool_with] if name == 'reference' else d, a.n_boot, not a.mixtures_only)
        m = json.loads((Path(d)/'metrics.json').read_text()) if (Path(d)/'metrics.json').exists() else {}
        print(f"{name}: {d}; stages (s): {m.get('timing_s')}; bf16 autocast: {m.get('bf16_autocast')}; "
              f"test mixtures per method: {m.get('n_test_mixtures')}; seeds: {m.get('seeds')}")
        if name == 'reference' and a.pool_with: print(f'reference pooled with {a.pool_with} (their seeds added)')
    j = same_conclusions(runs['reference'], runs['candidate'], ('reference', 'candidate'))
    with pd.option_context('display.width', 200, 'display.max_colwidth', 60, 'display.max_rows', 100):
        print(j.round(2).to_string())
    diff = j[~j['same']]
    print(f"\n{int(j['same'].sum())} of {len(j)} conclusions the same; different: {len(diff)}")
    # finer than the verdicts: does each difference point the same way, and does any verdict contradict the other (+ against −)?
    a, b = j['diff reference'], j['diff candidate']
    signs = int(((a > 0) == (b > 0)).sum())
    contra = int((j[['verdict reference', 'verdict candidate']].apply(set, axis=1) == {'+', '−'}).sum())
    print(f"differences of the same sign: {signs} of {len(j)}; opposite significant verdicts (+ against −): {contra}; "
          f"correlation of the differences: {a.corr(b):.2f}")
    if len(diff): print(diff.round(2).to_string())
    return 0 if diff.empty else 1


if __name__ == '__main__':
    try: sys.exit(main())
    except InputError as err:   # a bad argument (exit 2), not a comparison whose conclusions differ (exit 1)
        print(f'demo_conclusions.py: error: {err}', file=sys.stderr); sys.exit(2)
