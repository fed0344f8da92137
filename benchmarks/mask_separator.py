"""#31 (ours): a mask separator in front of the frozen Sound2Scene audio net, judged on the paper's loudness sweep.

The oracle bound (`oracle_mask.py`) says a quiet foreground is still in the mixture: the ideal ratio mask with a
loudness-normalised output keeps 80 % R@1 at −20 dB. This probe learns that mask. A small network (1-D convolutions
over time, the 257 frequency bins as channels, dilations 1–8) reads the mixture's log-magnitude STFT, mean-removed so
that the input level does not matter, and gives one mask per slot, a softmax over slots (the masks sum to one: the
slots add up to the mixture). Each masked STFT, with the mixture's phase, becomes a waveform, is scaled to the
mixture's RMS and goes through the world's frozen Sound2Scene audio net: one embedding per slot. Training is
label-free: permutation-invariant, on the true sources' compressed magnitudes (|·|^0.3), each source's error relative
to its own level; the mixtures are drawn on the fly from the study's training split, half with equal gains, half with
each source's gain in ±`--gain` dB (the study's '/loud' recipe). Judged exactly as `beyond_probes.py` judges the
study's separators (same mixtures, slots matched by `World.roles()`; writes the same CSV rows, recipe 'mask').

    python benchmarks/mask_separator.py [--steps 2500] [--seeds 0 1 2] [--out MASK.csv]
    python benchmarks/beyond_table.py "mask (ours)=MASK.csv" "A2V, fixed (paper)=FIXED.csv" --candidate "mask (ours):mask" --reference "A2V, fixed (paper):base"
"""
import argparse, os, random, time
import pandas as pd
import torch
import torch.nn as nn
from avgas.core import batched
from avgas.study import StudyConfig, study_datasets, prefetch_pairs
from avgas.worlds import build_world
from avgas.processes import in_workers
from beyond_probes import judged_sweep, sweep_mixtures


class MaskNet(nn.Module):
    "(B, F, T) mixture magnitude -> (B, n, F, T) masks that sum to one over the n slots."
    def __init__(self, bins: int = 257, hidden: int = 384, n_slots: int = 2):
        super().__init__(); self.n = n_slots
        layers, c = [], bins
        for d in (1, 2, 4, 8):
            layers += [nn.Conv1d(c, hidden, 5, padding=2 * d, dilation=d), nn.BatchNorm1d(hidden), nn.ReLU()]; c = hidden
        self.net = nn.Sequential(*layers, nn.Conv1d(hidden, bins * n_slots, 1))
    def forward(self, mag):
        x = torch.log(mag + 1e-6); x = x - x.mean((1, 2), keepdim=True)   # the mixture's level removed
        return self.net(x).view(len(x), self.n, -1, x.shape[-1]).softmax(1)


class MaskSeparatorMethod:
    "Ours: masks, then each slot's waveform at the mixture's RMS through the frozen audio net: (B, n, D)."
    assignment = 'pit'
    def __init__(self, net: MaskNet, audio_encoder, n_fft: int, hop: int, name: str = 'mask'):
        self.net, self.encoder, self.n_fft, self.hop, self.name = net.eval(), audio_encoder, n_fft, hop, name
        self.window = torch.hann_window(n_fft)
    def stft(self, x): return torch.stft(x, self.n_fft, self.hop, window=self.window, return_complex=True)
    @torch.no_grad()
    def embed(self, mixtures: torch.Tensor) -> torch.Tensor:
        M = self.stft(mixtures); m = self.net(M.abs())
        wav = torch.istft((m * M[:, None]).flatten(0, 1), self.n_fft, self.hop, window=self.window, length=mixtures.shape[-1])
        wav = wav.view(len(mixtures), self.net.n, -1)
        rms = lambda v: v.pow(2).mean(-1, keepdim=True).sqrt().clamp_min(1e-12)
        wav = wav * rms(mixtures)[:, None] / rms(wav)
        return batched(self.encoder.embed, wav.flatten(0, 1), 64).view(len(mixtures), self.net.n, -1)


def train_mask_net(W, combos, seed: int, steps: int, gain_db: float, batch: int = 16) -> tuple[MaskNet, float]:
    "One MaskNet trained label-free on on-the-fly mixtures of the world's training split; (net, seconds)."
    torch.manual_seed(seed); rng = random.Random(seed)
    pairs = W.pairs('train', StudyConfig().experiment.pairs_per_class)
    by_class = {}
    for i, label in enumerate(pairs.labels): by_class.setdefault(label, []).append(i)
    audio = {}
    def source(i):
        if i not in audio: audio[i] = pairs[i].audio
        return audio[i]
    net = MaskNet(); opt = torch.optim.Adam(net.parameters(), 1e-3)
    method = MaskSeparatorMethod(net, W.audio_encoder, W.audio.nperseg, W.audio.nperseg - W.audio.noverlap)
    t0 = time.perf_counter(); net.train()
    for step in range(steps):
        src = []
        for _ in range(batch):
            s = torch.stack([source(rng.choice(by_class[c])) for c in rng.choice(combos)])
            g = torch.tensor([rng.uniform(-gain_db, gain_db) for _ in range(2)]) if rng.random() < 0.5 else torch.zeros(2)
            src.append(s * (10 ** (g / 20))[:, None])
        src = torch.stack(src)
        M = method.stft(src.sum(1)).abs()
        S = method.stft(src.flatten(0, 1)).abs().view(batch, 2, *M.shape[1:])
        est = net(M) * M[:, None]
        compress = lambda v: (v + 1e-8).pow(0.3)   # the offset keeps the gradient finite where a magnitude is 0
        level = compress(S).mean((2, 3), keepdim=True)   # each source's error relative to its own level
        cost = lambda e: ((compress(e) - compress(S)).abs() / level).mean((2, 3)).sum(1)
        loss = torch.minimum(cost(est), cost(est.flip(1))).mean()
        if not torch.isfinite(loss): raise SystemExit(f'seed {seed}: the training loss became {loss.item()} at step {step}')
        opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(net.parameters(), 5.0); opt.step()
    net.eval()
    return net, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--steps', type=int, default=2500)
    ap.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    ap.add_argument('--gain', type=float, default=10.0)
    ap.add_argument('--per-combination', type=int, default=10)
    ap.add_argument('--ratios', nargs='+', type=float, default=[-20.0, -10.0, 0.0, 10.0, 20.0])
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--out', default='')
    a = ap.parse_args()
    t0 = time.perf_counter()
    sc = StudyConfig(seeds=a.seeds); e = sc.experiment; W = build_world(e); memo = {}
    prefetch_pairs(W, sc, memo, progress=False)
    _, test_pairs = study_datasets(W, sc, 2, False, memo)
    combos = [c.classes for c in W.table.parse_combinations(e.combinations)]
    def fit(k):
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // a.workers))   # the cores shared among the training processes
        return train_mask_net(W, combos, a.seeds[k], a.steps, a.gain)
    trained = in_workers(fit, len(a.seeds), a.workers, 'training', False)
    hop = W.audio.nperseg - W.audio.noverlap
    methods = [(s, MaskSeparatorMethod(net, W.audio_encoder, W.audio.nperseg, hop)) for s, (net, _) in zip(a.seeds, trained)]
    roles = W.roles()
    sweep = sweep_mixtures(W, e, test_pairs, a.ratios, a.per_combination)
    jobs = [(s, m, r) for s, m in methods for r in a.ratios]
    judge = lambda k: judged_sweep(W, roles, jobs[k][1], 'mask', jobs[k][0], jobs[k][2], sweep[jobs[k][2]])
    rows = pd.concat(in_workers(judge, len(jobs), a.workers, 'judging', False), ignore_index=True)
    print(f"seeds {a.seeds}, {a.steps} steps of 16 each (training {', '.join(f'{t:.0f}' for _, t in trained)} s), total {time.perf_counter() - t0:.0f} s")
    print(rows.groupby('ratio_db')[['fg R@1', 'layered CRS']].mean().round(1).to_string())
    if a.out: rows.to_csv(a.out, index=False); print(f'per-image rows: {a.out}')


if __name__ == '__main__':
    main()
