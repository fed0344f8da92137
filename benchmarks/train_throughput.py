"""Training samples/s of avgas's trainer against a Sound2Scene-style loop, on the same data and model.

Both loops train the same separator (ResNet-18 trunk of `--width`, N = 2 slots of the encoders' D)
with the same loss (A2A+A2V, InfoNCE-L2) and Adam on the same synthetic-world mixtures, held in
memory so that rendering is excluded from both:

* **avgas** — `avgas.train.Trainer` + `SeparatorTask`: the mixture spectrogram computed batched in
  torch on the training device; f_A / f_V targets computed once before training and then read from
  the cache (the one-time fill is timed and printed separately).
* **Sound2Scene-style** — what Sound2Scene's training script does: each data-loader worker computes
  `scipy.signal.spectrogram` for the mixture and for every source (numpy, one clip at a time), and
  every step runs the frozen f_A on the source spectrograms and f_V on the source images.

The frozen encoders are the synthetic world's shipped f_A / f_V when present (`--weights`, default
the package's); otherwise the same architectures with random weights (speed does not depend on the
weights; the script says which). The figure that matters is the ratio, printed last.

    python benchmarks/train_throughput.py [--width 16] [--batch 16] [--epochs 3] [--items 160]
                                          [--workers 2] [--threads 0] [--device cpu|cuda]

On CUDA, avgas's loop runs with AMP (bf16) and channels_last, and the script also prints the
separator step's achieved TFLOP/s (FLOPs counted with torch.utils.flop_counter).
"""
import argparse, math, tempfile, time
from pathlib import Path
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from avgas.core import AudioConfig, MixConfig, SeparatorConfig, TrainConfig, seed_everything
from avgas.audio import scipy_sound2scene_spectrogram
from avgas.mixing import MixtureDataset
from avgas.separator import Separator
from avgas.losses import separation_loss
from avgas.train import InMemoryDataset, SeparatorTask, Trainer, SYNTH_SEEDS
from avgas import synth


def encoders(weights, paper_size=False):
    "Shipped f_A, f_V and world config; else the same architectures, randomly initialised."
    if paper_size:   # the paper's frozen encoders (architectures of avgas.encoders), random weights: speed only
        from avgas.encoders import Sound2SceneAudioEncoder, SwAVImageEncoder
        world = synth.WorldConfig(seconds=10.0, image_size=128)
        return (Sound2SceneAudioEncoder(), SwAVImageEncoder(), world,
                "RANDOM weights in the paper's architectures (Sound2Scene ResNet-18 f_A, SwAV ResNet-50 f_V)")
    try:
        d = Path(weights) if weights else synth.weights_dir()
        meta = synth.read_world_meta(d)
        world = synth.PretrainConfig.from_dict(meta['config']).world
        return synth.load_part('audio_encoder', d, meta), synth.load_part('image_encoder', d, meta), world, f'shipped ({d})'
    except Exception as e:   # speed does not depend on the weights; say clearly that these are random
        cfg = synth.PretrainConfig()
        return (synth.AudioEncoder(dim=cfg.dim, sample_rate=cfg.world.sample_rate), synth.ImageEncoder(dim=cfg.dim), cfg.world,
                f'RANDOM weights, same architectures (shipped parts unavailable: {type(e).__name__})')


class S2SItems(Dataset):
    "Sound2Scene-style loading: scipy spectrograms of the mixture and of every source, per item, in the worker."
    def __init__(self, items, sr): self.items, self.sr = items, sr
    def __len__(self): return len(self.items)
    def __getitem__(self, i):
        it = self.items[i]
        spec = lambda w: torch.from_numpy(scipy_sound2scene_spectrogram(w.double().numpy(), self.sr).astype(np.float32))
        return {'mix_spec': spec(it['mixture'])[None], 'src_spec': torch.stack([spec(s) for s in it['sources']])[:, None],
                'images': it['images']}


def s2s_loop(model, fa, fv, items, cfg, sr, workers, device, epochs):
    "Sound2Scene's way: scipy spectrograms in workers, frozen encoders on every step. Returns samples/s per epoch."
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    loader = DataLoader(S2SItems(items, sr), cfg.batch_size, shuffle=True, drop_last=True, num_workers=workers,
                        persistent_workers=workers > 0, generator=torch.Generator().manual_seed(0))
    fa.to(device).eval(); fv.to(device).eval(); model.to(device).train()
    rates = []
    for _ in range(epochs):
        t, n = time.perf_counter(), 0
        for b in loader:
            B, N = b['images'].shape[:2]
            with torch.no_grad():
                src = b['src_spec'].to(device).flatten(0, 1)
                ta = (fa.forward_spec(src) if hasattr(fa, 'forward_spec') else fa.embed(src)).view(B, N, -1)
                tv = fv.embed(b['images'].to(device).flatten(0, 1)).view(B, N, -1)
            loss, _ = separation_loss(model(b['mix_spec'].to(device)), {'a2a': ta, 'a2v': tv}, 'a2a+a2v', cfg.assignment)
            opt.zero_grad(); loss.backward(); opt.step(); n += B
        if device.type == 'cuda': torch.cuda.synchronize()
        rates.append(n / (time.perf_counter() - t))
    return rates


def avgas_loop(model, fa, fv, items, cfg, audio, workers, epochs, out):
    "avgas's trainer. Returns (samples/s per epoch from its metrics log, seconds of the one-time target fill)."
    cfg = TrainConfig.from_dict(cfg.to_dict() | {'epochs': epochs})
    task = SeparatorTask(cfg, audio, fa, fv)
    tr = Trainer(model, task, items, None, cfg, out_dir=out, num_workers=workers, progress=False)
    t = time.perf_counter(); task.setup(tr); tr._setup_done = True; fill = time.perf_counter() - t
    tr.fit()
    return [r['samples_per_s'] for r in tr.rows], fill, tr


def step_flops(model, spec):
    "FLOPs of one separator forward + backward on `spec`."
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as fc:
        model(spec).float().pow(2).mean().backward()
    model.zero_grad(set_to_none=True)
    return fc.get_total_flops()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--width', type=int, default=16, help='separator ResNet-18 width (64 = standard)')
    ap.add_argument('--batch', type=int, default=16); ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--items', type=int, default=160, help='training mixtures (in memory)')
    ap.add_argument('--workers', type=int, default=2, help='data-loader workers of both loops')
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    ap.add_argument('--device', default='cpu'); ap.add_argument('--weights', default=None)
    ap.add_argument('--paper-size', action='store_true',
                    help="the paper's sizes: 10 s clips, separator width 64 and D = 2048, Sound2Scene/SwAV encoder architectures")
    a = ap.parse_args()
    if a.paper_size: a.width = 64
    if a.threads: torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    fa, fv, world, which = encoders(a.weights, a.paper_size)
    print(f'frozen encoders: {which}; D = {fa.dim}; world: {world.seconds:g} s clips at {world.sample_rate} Hz, '
          f'{world.image_size} px images')
    audio = AudioConfig(sample_rate=world.sample_rate, seconds=world.seconds)
    pairs = synth.SynthPairs(max(2, a.items // 26 + 1), world, seed=world.seed + SYNTH_SEEDS['train'])
    items = InMemoryDataset(MixtureDataset(pairs, 'paper', MixConfig(items_per_combination=math.ceil(a.items / 20)), length=a.items),
                            progress=False)
    cfg = TrainConfig(alignment='a2a+a2v', assignment='fixed', batch_size=a.batch, device=a.device, amp=True)
    scfg = SeparatorConfig(n_slots=2, dim=fa.dim, width=a.width)
    print(f'separator: width {a.width}, N = 2, D = {fa.dim}, batch {a.batch}, {a.items} mixtures, {a.epochs} epochs each, '
          f'{a.workers} workers, {torch.get_num_threads()} torch threads, device {device}')

    seed_everything(0); m1 = Separator(scfg)
    seed_everything(0); m2 = Separator(scfg)
    with tempfile.TemporaryDirectory() as d:
        ours, fill, tr = avgas_loop(m1, fa, fv, items, cfg, audio, a.workers, a.epochs, d)
    s2s = s2s_loop(m2, fa, fv, list(items.items), cfg, world.sample_rate, a.workers, device, a.epochs)
    # steady state: the best epoch after the first (the first pays for worker start-up in both loops)
    best = lambda r: max(r[1:]) if len(r) > 1 else r[0]
    print(f'avgas trainer      : {best(ours):8.1f} samples/s  (epochs: {", ".join(f"{x:.1f}" for x in ours)}; '
          f'one-time target cache fill {fill:.1f} s)')
    print(f'Sound2Scene-style  : {best(s2s):8.1f} samples/s  (epochs: {", ".join(f"{x:.1f}" for x in s2s)})')
    epochs50 = 50 * a.items
    print(f'over a 50-epoch run incl. the cache fill: avgas {epochs50 / (epochs50 / best(ours) + fill):.1f} samples/s')
    spec = torch.randn(a.batch, 1, 257, int((world.sample_rate * world.seconds - 512) // 159 + 1), device=device)
    model = tr.model
    with tr.autocast(): flops = step_flops(model, tr.to_memory_format(spec))
    print(f'separator step: {flops / a.batch / 1e9:.3f} GFLOP per sample (forward + backward); '
          f'avgas achieves {flops / a.batch * best(ours) / 1e12:.4f} TFLOP/s'
          + (' with AMP (%s) and channels_last' % str(tr.amp_dtype).replace('torch.', '') if tr.amp_dtype else ''))
    breakdown(a, fa, fv, list(items.items), scfg, world, device)
    print(f'RATIO avgas / Sound2Scene-style: {best(ours) / best(s2s):.2f}x')


def breakdown(a, fa, fv, items, scfg, world, device, repeats=3):
    "Per-batch milliseconds of each part, to show where each loop spends its time."
    from avgas.audio import sound2scene_spectrogram
    b = items[:a.batch]
    wav = torch.stack([it['mixture'] for it in b]).to(device)
    srcs = torch.stack([it['sources'] for it in b]).flatten(0, 1).to(device)
    imgs = torch.stack([it['images'] for it in b]).flatten(0, 1).to(device)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    def ms(fn):
        fn(); sync(); t = time.perf_counter()
        for _ in range(repeats): fn()
        sync(); return (time.perf_counter() - t) / repeats * 1e3
    tg = {'a2a': torch.randn(a.batch, 2, fa.dim, device=device), 'a2v': torch.randn(a.batch, 2, fa.dim, device=device)}
    spec = sound2scene_spectrogram(wav, world.sample_rate)
    rows = {}
    for cl in (False, True):
        m = Separator(scfg).to(device); opt = torch.optim.Adam(m.parameters())
        x = spec
        if cl: m = m.to(memory_format=torch.channels_last); x = spec.contiguous(memory_format=torch.channels_last)
        def step():
            opt.zero_grad(); separation_loss(m(x), tg, 'a2a+a2v')[0].backward(); opt.step()
        rows[f'separator step, channels_last={cl}'] = ms(step)
    src_spec = sound2scene_spectrogram(srcs, world.sample_rate)
    with torch.no_grad():
        rows['f_A on the sources (recomputed each step)'] = ms(lambda: fa.forward_spec(src_spec) if hasattr(fa, 'forward_spec') else fa.embed(src_spec))
        rows['f_V on the source images (recomputed each step)'] = ms(lambda: fv.embed(imgs))
    rows['torch spectrogram of the mixtures (batched)'] = ms(lambda: sound2scene_spectrogram(wav, world.sample_rate))
    w64 = [x.double().cpu().numpy() for x in torch.cat([wav, srcs])]
    rows['scipy spectrograms, mixtures + sources (one worker)'] = ms(lambda: [scipy_sound2scene_spectrogram(x, world.sample_rate) for x in w64])
    print(f'where the time goes, ms per batch of {a.batch}:')
    for k, v in rows.items(): print(f'  {v:9.1f}  {k}')


if __name__ == '__main__':
    main()
