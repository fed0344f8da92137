"""Is a quiet foreground still in the mixture? An oracle bound for #31's quiet-source target (ours).

At each ratio of the paper's loudness sweep (equal-gain sum, foreground scaled; the study's held-out pairs, as
`beyond_probes.py`), the foreground is recovered from the mixture with an ideal mask computed from the true sources
(the ideal ratio mask |S_fg| / (|S_fg| + |S_bg|) on the STFT, the mixture's phase kept), then drawn by the frozen
Sound2Scene audio net and the generator, and judged: R@1 of the foreground's class. Beside it, the same judge on
the foreground alone (scaled, no background: what a perfect separator would hand over) and on the whole mixture
(no separation); and the first two rescaled to the mixture's RMS (a loudness-normalised input). An oracle needs the true sources, so this is a bound on what mask-based separation could reach,
not a method. Intervals: combinations, then mixtures.

    python benchmarks/oracle_mask.py [--per-combination 10] [--ratios -20 -10 0 10 20]
"""
import argparse, time
import pandas as pd
import torch
from avgas.core import MixConfig, batched
from avgas.study import StudyConfig, study_datasets, prefetch_pairs
from avgas.worlds import build_world
from avgas.mixing import MixtureDataset
from avgas.generate import generate
from avgas.evaluate import evaluate_images
from avgas.statistics import bootstrap_ci
from avgas.tables import to_markdown


def ideal_ratio_masked(sources: torch.Tensor, n_fft: int, hop: int) -> torch.Tensor:
    "(B, 2, T) foreground and background -> (B, T) the mixture with the foreground's ideal ratio mask applied."
    win = torch.hann_window(n_fft)
    S = torch.stft(sources.flatten(0, 1), n_fft, hop, window=win, return_complex=True).view(*sources.shape[:2], n_fft // 2 + 1, -1)
    mag = S.abs()
    mask = mag[:, 0] / (mag[:, 0] + mag[:, 1]).clamp_min(1e-12)
    return torch.istft(mask * S.sum(1), n_fft, hop, window=win, length=sources.shape[-1])


def at_rms(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    "x rescaled, per row, to the RMS of `like` (the mixture's level): a loudness-normalised input."
    rms = lambda v: v.pow(2).mean(-1, keepdim=True).sqrt().clamp_min(1e-12)
    return x * rms(like) / rms(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--per-combination', type=int, default=10)
    ap.add_argument('--ratios', nargs='+', type=float, default=[-20.0, -10.0, 0.0, 10.0, 20.0])
    a = ap.parse_args()
    t0 = time.perf_counter()
    sc = StudyConfig(); e = sc.experiment; W = build_world(e); memo = {}
    prefetch_pairs(W, sc, memo, progress=False)
    _, test_pairs = study_datasets(W, sc, 2, False, memo)
    n_fft = W.audio.nperseg; hop = n_fft - W.audio.noverlap
    rows = []
    for r in a.ratios:
        ds = MixtureDataset(test_pairs, e.combinations, MixConfig(relative_db=(r, 0.0), items_per_combination=a.per_combination,
                                                                   seed=e.mix.seed + 2), table=W.table)
        items = [ds[i] for i in range(len(ds))]
        src = torch.stack([it['sources'] for it in items])
        masked, mix = ideal_ratio_masked(src, n_fft, hop), torch.stack([it['mixture'] for it in items])
        inputs = {'ideal ratio mask (oracle)': masked, 'ideal ratio mask, RMS-normalised (oracle)': at_rms(masked, mix),
                  'foreground alone': src[:, 0], 'foreground alone, RMS-normalised': at_rms(src[:, 0], mix),
                  'mixture (no separation)': mix}
        for name, wav in inputs.items():
            h = batched(W.audio_encoder.embed, wav, 64)[:, None]
            ims = generate(W.generator, h, 'blend', seed=0, batch_size=64)[:, 0]
            df = evaluate_images(ims, [(it['classes'][0],) for it in items], W.detector, W.ranker, W.table)
            rows.append(pd.DataFrame({'input': name, 'ratio_db': r, 'combination': [' + '.join(it['classes']) for it in items],
                                      'fg R@1': df['recall_top_n'].to_numpy() * 100.0}))
    rows = pd.concat(rows, ignore_index=True)
    table = {}
    for (name, r), g in rows.groupby(['input', 'ratio_db'], sort=False):
        lo, hi = bootstrap_ci(g['fg R@1'].to_numpy(), 2000, combos=g['combination'].to_numpy())
        table.setdefault(name, {})[f'{r:+g} dB'] = f"{g['fg R@1'].mean():.1f} [{lo:.1f}, {hi:.1f}]"
    print(f'{len(rows) // len(a.ratios) // 5} mixtures per ratio; Sound2Scene audio net -> generator -> ranker; {time.perf_counter() - t0:.0f} s')
    print(to_markdown(pd.DataFrame.from_dict(table, orient='index')))


if __name__ == '__main__':
    main()
