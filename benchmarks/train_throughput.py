"""Training samples/s of avgas's trainer against a Sound2Scene-style loop, on the same data and model.

Both loops train the same separator (ResNet-18 trunk of `--width`, N = 2 slots of the encoders' D)
with the same loss (A2A+A2V, InfoNCE-L2) and Adam on the same synthetic-world mixtures, held in
memory so that rendering is excluded from both:

* **avgas** — `avgas.train.Trainer` + `SeparatorTask` with their defaults: the mixture spectrogram
  computed batched in torch on the training device; f_A / f_V targets computed once before training
  and then read from the cache (the one-time fill is timed and printed separately); autocast
  (bf16 on CUDA and on CPUs with native bf16) and channels_last; no loader workers
  (`--avgas-workers`), since the items and their content keys are in memory; on CPU, freed memory
  kept in glibc's heap while the trainer's `fit` runs (`freed_memory_kept_in_heap`, process-wide).
* **Sound2Scene-style** — what Sound2Scene's training script does: each data-loader worker computes
  `scipy.signal.spectrogram` for the mixture and for every source (numpy, one clip at a time), and
  every step runs the frozen f_A on the source spectrograms and f_V on the source images, in fp32
  and the default memory layout. It runs with `--workers` workers and with none; the faster counts.
  It runs first, with the process's default allocator; after avgas's trainer it runs once more,
  with the trainer's allocator setting, so that the share of that setting is printed separately.

The script also measures this machine's best matrix-multiply throughput (fp32 and bf16) and from it
the fastest a separator step could possibly be, which bounds the ratio any loop can reach.

The frozen encoders are the synthetic world's shipped f_A / f_V when present (`--weights`, default
the package's); otherwise the same architectures with random weights (speed does not depend on the
weights; the script says which). The figure that matters is the ratio, printed last.

    python benchmarks/train_throughput.py [--width 16] [--batch 16] [--epochs 3] [--items 160]
                                          [--workers 2] [--avgas-workers 0] [--threads 0]
                                          [--device cpu|cuda] [--paper-size]

On CUDA, avgas's loop runs with AMP (bf16) and channels_last, and the script also prints the
separator step's achieved TFLOP/s (FLOPs counted with torch.utils.flop_counter).
"""
import argparse, math, tempfile, time
from pathlib import Path
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from avgas.core import AudioConfig, MixConfig, SeparatorConfig, TrainConfig, seed_everything, seed_for
from avgas.audio import scipy_sound2scene_spectrogram
from avgas.mixing import InMemoryDataset, MixtureDataset
from avgas.separator import Separator
from avgas.losses import separation_loss
from avgas.train import SeparatorTask, Trainer
from avgas.synth.world import WorldConfig, SynthPairs
from avgas.synth.models import AudioEncoder, ImageEncoder
from avgas.synth.pretrain import PretrainConfig
from avgas.synth.parts import load_part, read_world_meta, weights_dir


def encoders(weights, paper_size=False):
    "Shipped f_A, f_V and world config; else the same architectures, randomly initialised."
    if paper_size:   # the paper's frozen encoders (architectures of avgas.encoders), random weights: speed only
        from avgas.encoders import Sound2SceneAudioEncoder, SwAVImageEncoder
        world = WorldConfig(seconds=10.0, image_size=128)
        return (Sound2SceneAudioEncoder(), SwAVImageEncoder(), world,
                "RANDOM weights in the paper's architectures (Sound2Scene ResNet-18 f_A, SwAV ResNet-50 f_V)")
    try:
        d = Path(weights) if weights else weights_dir()
        meta = read_world_meta(d)
        world = PretrainConfig.from_dict(meta['config']).world
        return load_part('audio_encoder', d, meta), load_part('image_encoder', d, meta), world, f'shipped ({d})'
    except Exception as e:   # speed does not depend on the weights; say clearly that these are random
        cfg = PretrainConfig()
        return (AudioEncoder(dim=cfg.dim, sample_rate=cfg.world.sample_rate), ImageEncoder(dim=cfg.dim), cfg.world,
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
    ap.add_argument('--workers', type=int, default=2, help="data-loader workers of the Sound2Scene-style loop (also run with 0)")
    ap.add_argument('--avgas-workers', type=int, default=0, help="data-loader workers of avgas's trainer")
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
    pairs = SynthPairs(max(2, a.items // 26 + 1), world, seed=seed_for('train', world.seed))   # the training split's seed
    items = InMemoryDataset(MixtureDataset(pairs, 'paper', MixConfig(items_per_combination=math.ceil(a.items / 20)), length=a.items),
                            progress=False)
    cfg = TrainConfig(alignment='a2a+a2v', assignment='fixed', batch_size=a.batch, device=a.device, amp=True)
    scfg = SeparatorConfig(n_slots=2, dim=fa.dim, width=a.width)
    print(f'separator: width {a.width}, N = 2, D = {fa.dim}, batch {a.batch}, {a.items} mixtures, {a.epochs} epochs each, '
          f'{torch.get_num_threads()} torch threads, device {device}')

    # steady state: the best epoch after the first (the first pays for worker start-up in both loops)
    best = lambda r: max(r[1:]) if len(r) > 1 else r[0]
    def s2s_run(workers):
        seed_everything(0)
        return s2s_loop(Separator(scfg), fa, fv, list(items.items), cfg, world.sample_rate, workers, device, a.epochs)
    # 1. the Sound2Scene-style loop as it runs by default (first: the trainer changes a process-wide setting)
    per_workers = {w: s2s_run(w) for w in sorted({a.workers, 0}, reverse=True)}
    w_best = max(per_workers, key=lambda w: best(per_workers[w])); s2s = per_workers[w_best]
    # 2. avgas's trainer with its defaults
    seed_everything(0); m1 = Separator(scfg)
    with tempfile.TemporaryDirectory() as d:
        ours, fill, tr = avgas_loop(m1, fa, fv, items, cfg, audio, a.avgas_workers, a.epochs, d)
    # 3. the Sound2Scene-style loop again, now with the trainer's allocator setting, to separate its share
    s2s_heap = s2s_run(w_best) if tr.heap_reuse else None
    amp = str(tr.amp_dtype).replace('torch.', '') if tr.amp_dtype else 'fp32'
    for w, r in per_workers.items():
        print(f'Sound2Scene-style  : {best(r):8.2f} samples/s  (epochs: {", ".join(f"{x:.2f}" for x in r)}; fp32, {w} workers)'
              + ('  <- the baseline' if w == w_best else ''))
    print(f'avgas trainer      : {best(ours):8.2f} samples/s  (epochs: {", ".join(f"{x:.2f}" for x in ours)}; '
          f'{amp}, {a.avgas_workers} workers, freed memory kept in the heap: {tr.heap_reuse}; '
          f'one-time target cache fill {fill:.1f} s)')
    if s2s_heap:
        print(f'Sound2Scene-style  : {best(s2s_heap):8.2f} samples/s  (epochs: {", ".join(f"{x:.2f}" for x in s2s_heap)}; '
              f'fp32, {w_best} workers, with the trainer\'s heap setting)')
    epochs50 = 50 * a.items
    print(f'over a 50-epoch run incl. the cache fill: avgas {epochs50 / (epochs50 / best(ours) + fill):.1f} samples/s')
    spec = torch.randn(a.batch, 1, 257, int((world.sample_rate * world.seconds - 512) // 159 + 1), device=device)
    model = tr.model
    with tr.autocast(): flops = step_flops(model, tr.to_memory_format(spec))
    print(f'separator step: {flops / a.batch / 1e9:.3f} GFLOP per sample (forward + backward); '
          f'avgas achieves {flops / a.batch * best(ours) / 1e12:.4f} TFLOP/s'
          + (' with AMP (%s) and channels_last' % str(tr.amp_dtype).replace('torch.', '') if tr.amp_dtype else ''))
    step_ms = breakdown(a, fa, fv, list(items.items), scfg, world, device, tr.amp_dtype)
    peak = matmul_peak(device)
    per_batch_s2s = a.batch / best(s2s)
    print(f"this machine's best matmul: {peak['fp32'] / 1e12:.3f} TFLOP/s fp32, {peak['bf16'] / 1e12:.3f} TFLOP/s bf16 "
          f'(square matrices, {device})')
    print(f"bounds on the ratio: a loop that did nothing but avgas's separator step ({step_ms:.1f} ms) would reach "
          f'{per_batch_s2s / (step_ms / 1e3):.2f}x; one whose step ran at the best bf16 matmul speed, '
          f"{per_batch_s2s / (flops / max(peak.values())):.2f}x")
    if s2s_heap:
        print(f'ratio with the same allocator setting for both loops: {best(ours) / best(s2s_heap):.2f}x')
    print(f'RATIO avgas / Sound2Scene-style, each with its defaults: {best(ours) / best(s2s):.2f}x')


def matmul_peak(device, n=2048, repeats=5):
    "Best FLOP/s of an n×n matrix product in fp32 and in bf16 on `device`."
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    out = {}
    for name, dt in (('fp32', torch.float32), ('bf16', torch.bfloat16)):
        x = torch.randn(n, n, device=device, dtype=dt); y = torch.randn(n, n, device=device, dtype=dt)
        x @ y; sync(); best_s = math.inf
        for _ in range(repeats):
            t = time.perf_counter(); x @ y; sync(); best_s = min(best_s, time.perf_counter() - t)
        out[name] = 2 * n ** 3 / best_s
    return out


def breakdown(a, fa, fv, items, scfg, world, device, amp_dtype, repeats=3):
    "Per-batch milliseconds of each part, to show where each loop spends its time; returns avgas's step (ms)."
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
    variants = [(False, None), (True, None)] + ([(True, amp_dtype)] if amp_dtype else [])
    for cl, dt in variants:
        m = Separator(scfg).to(device); opt = torch.optim.Adam(m.parameters())
        x = spec
        if cl: m = m.to(memory_format=torch.channels_last); x = spec.contiguous(memory_format=torch.channels_last)
        def step():
            opt.zero_grad()
            with torch.autocast(device.type, dtype=dt, enabled=dt is not None): p = m(x)
            separation_loss(p.float(), tg, 'a2a+a2v')[0].backward(); opt.step()
        rows[f"separator step, channels_last={cl}, {str(dt).replace('torch.', '') if dt else 'fp32'}"] = ours = ms(step)
    src_spec = sound2scene_spectrogram(srcs, world.sample_rate)
    with torch.no_grad():
        rows['f_A on the sources (recomputed each step)'] = ms(lambda: fa.forward_spec(src_spec) if hasattr(fa, 'forward_spec') else fa.embed(src_spec))
        rows['f_V on the source images (recomputed each step)'] = ms(lambda: fv.embed(imgs))
    rows['torch spectrogram of the mixtures (batched)'] = ms(lambda: sound2scene_spectrogram(wav, world.sample_rate))
    w64 = [x.double().cpu().numpy() for x in torch.cat([wav, srcs])]
    rows['scipy spectrograms, mixtures + sources (one worker)'] = ms(lambda: [scipy_sound2scene_spectrogram(x, world.sample_rate) for x in w64])
    print(f'where the time goes, ms per batch of {a.batch}:')
    for k, v in rows.items(): print(f'  {v:9.1f}  {k}')
    return ours


if __name__ == '__main__':
    main()
