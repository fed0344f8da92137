"""#31 (ours): three sources (two foregrounds over one background) on the synthetic world, per recipe.

Trains the study's three-slot A2A+A2V PIT separator (ours) with the demo's schedule and seeds, changing only
what a recipe names (`beyond_probes.recipe_config`: epochsN, itemsN, frozenN, widthN, lrX, gainN, joined by
'+'), and judges it on the study's held-out three-source mixtures, each seed on its own share (`split_by_seed`):
CRS_3 of the mixed images (blend, the paper's Eq. 4 on three embeddings; layered, ours) and each source's R@1 in
its slot. Slots are matched without test labels or the ranker's answer: the background's by the roles fitted on
training data (`World.roles()`), the two foregrounds' by the permutation nearest their reference embeddings
(`avgas.evaluate.matched_by_references`). For comparison only: the best matching of the ranker's answer (an
upper bound) and the true source embeddings through the same generator (the ceiling).
Intervals: 95 % bootstrap over seeds, then combinations, then mixtures.

`--mask-steps 2500 800` adds the mask separator (ours; `avgas.mask_separator`) with three slots, trained label-free on
the study's three-source combinations as `avgas demo --mask-steps` trains it (recipe 'mask'); `--recipes` may then be empty.

    python benchmarks/three_sources.py [--recipes base epochs16 items64] [--mask-steps 2500 800] [--seeds 0 1 2] [--out rows.csv]
"""
import argparse, tempfile, time
from pathlib import Path
import pandas as pd
from avgas.study import StudyConfig, study_datasets, prefetch_pairs, _new_separators, split_by_seed, three_source_combinations
from avgas.mask_separator import mask_separators
from avgas.worlds import build_world
from avgas.processes import train_groups_in_processes, in_workers
from avgas.generate import AVGASMethod
from avgas.evaluate import TrueSources, evaluate_method
from avgas.statistics import bootstrap_ci
from avgas.tables import to_markdown
from beyond_probes import recipe_config

COMPOSERS = ['blend', 'layered']


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--recipes', nargs='*', default=['base'])
    ap.add_argument('--mask-steps', nargs=2, type=int, default=[], help='also the mask separator (ours): magnitude and embedding steps')
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--out', default='', help='also write the per-image rows to this CSV')
    a = ap.parse_args()
    t0 = time.perf_counter()
    sc = StudyConfig(seeds=a.seeds); e = sc.experiment
    e.train.amp = False   # fp32, as on CPUs without native bf16
    W = build_world(e); memo = {}
    prefetch_pairs(W, sc, memo, progress=False)
    test = study_datasets(W, sc, 3, False, memo)[0]['test']
    items = split_by_seed([test[i] for i in range(len(test))], a.seeds)
    truth = TrueSources(W.image_encoder)
    methods = [('ceiling', s, truth) for s in a.seeds]
    with tempfile.TemporaryDirectory() as d:
        for r in a.recipes:
            rc = recipe_config(sc, r)
            sets = study_datasets(W, rc, 3, False, memo)[0]
            runs = [('a2a+a2v/pit', s) for s in a.seeds]
            exps, models, _ = _new_separators(W, runs, rc, 3)
            group = {'models': models, 'runs': [(x.train.alignment, x.train.assignment, x.train.seed) for x in exps],
                     'train': sets['train'], 'val': sets['val'], 'cache_dir': Path(d)/f'cache_{r}'}
            train_groups_in_processes([group], rc.experiment.train, W.audio, {'a2a': W.audio_encoder, 'a2v': W.image_encoder},
                                      a.workers, progress=False)
            methods += [(r, s, AVGASMethod(m, x.audio, r, x.train.assignment)) for (_, s), x, m in zip(runs, exps, models)]
    if a.mask_steps:
        seps = mask_separators(W, three_source_combinations(W.table), a.seeds, *a.mask_steps, sc.loud_gain_db, workers=max(a.workers, len(a.seeds)),
                               progress=False, batch=e.train.batch_size, pairs_per_class=e.pairs_per_class)
        methods += [('mask', s, m) for s, m in seps.items()]
    t_train = time.perf_counter() - t0
    roles = W.roles()
    jobs = [(r, s, m, how) for r, s, m in methods for how in (['fixed'] if r == 'ceiling' else ['label-free', 'upper bound'])]
    def judge(k):
        r, s, m, how = jobs[k]; its = items[s]; refs = truth.embeddings(its)
        emb = refs if r == 'ceiling' else None
        if how == 'upper bound':   # the ranker's best matching: separated images only
            _, sep, _ = evaluate_method(m, W.generator, its, W.detector, W.ranker, ['blend'], None, s, table=W.table)
            return pd.DataFrame(), sep.assign(recipe=r, seed=s, matching=how)
        mixed, sep, _ = evaluate_method(m, W.generator, its, W.detector, W.ranker, COMPOSERS, roles, s, table=W.table,
                                        embeddings=emb, references=refs)
        return mixed.assign(recipe=r, seed=s), sep.assign(recipe=r, seed=s, matching=how)
    done = in_workers(judge, len(jobs), a.workers, 'judging', False)
    mixed = pd.concat([x[0] for x in done], ignore_index=True); sep = pd.concat([x[1] for x in done], ignore_index=True)
    ci = lambda g, k: (lambda lo_hi: f'{g[k].mean():.1f} [{lo_hi[0]:.1f}, {lo_hi[1]:.1f}]')(
        bootstrap_ci(g[k].to_numpy(), 2000, groups=g['seed'].to_numpy(), combos=g['combination'].to_numpy()))
    rows = []
    for r in dict.fromkeys(x[0] for x in methods):
        rec = {'recipe': r}
        for c in COMPOSERS: rec[f'CRS_3 {c}'] = ci(mixed[(mixed['recipe'] == r) & (mixed['composer'] == c)], 'CRS')
        for how in ('fixed', 'label-free', 'upper bound'):
            g = sep[(sep['recipe'] == r) & (sep['matching'] == how)]
            if not len(g): continue
            tag = '' if how != 'upper bound' else ' (upper bound)'
            for src, h in g.groupby('source', sort=False): rec[f'R@1 {src}{tag}'] = ci(h, 'R@1')
        rows.append(rec)
    print(f'seeds {a.seeds}, {sum(len(v) for v in items.values())} held-out three-source mixtures ({len(items[a.seeds[0]])} per seed); '
          f'training {t_train:.0f} s, total {time.perf_counter() - t0:.0f} s; slots: {sep.loc[sep["matching"] == "label-free", "slots"].iloc[0]}')
    print(to_markdown(pd.DataFrame(rows).set_index('recipe').T.fillna('—')))
    if a.out:
        pd.concat([mixed.assign(kind='mixed'), sep.assign(kind='separated')], ignore_index=True).to_csv(a.out, index=False)
        print(f'per-image rows: {a.out}')


if __name__ == '__main__':
    main()
