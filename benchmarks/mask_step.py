"""#31 (ours): one training step of the mask separator at VGGSound's size, for the GPU-time estimate of `avgas_mask`.

The library's own step (`avgas.mask_separator._mask_steps`: STFT, mask net, PIT magnitude loss; in the embedding
stage also the inverse STFT and Sound2Scene's ResNet-18 forward and backward to the waveforms) on random 10 s clips
at 16 kHz (Sound2Scene's STFT: 257 bins, hop 159), batch 16, two sources, a stand-in f_A with the published
architecture (random weights: the time does not depend on them). Printed: seconds per step of each stage, FLOPs
per step (torch.utils.flop_counter), and what `avgas_mask`'s steps (`--steps`, `--embedding-steps`) cost at that rate.
It runs in fp32: the mask separator's training uses no autocast.

    python benchmarks/mask_step.py [--device cpu|cuda] [--repeats 3] [--steps 20000] [--embedding-steps 5000]
"""
import argparse, random, time
import torch
from torch.utils.flop_counter import FlopCounterMode
from avgas.encoders import Sound2SceneAudioEncoder
from avgas.mask_separator import MaskNet, MaskSeparator, _mask_steps


class RandomSources:
    "Stands in for `TrainingSources`: (B, 2, 10 s) random sources and (B, 2, 2048) frame embeddings."
    def batch(self, rng, combinations, gain_db, n):
        g = torch.Generator().manual_seed(rng.randrange(2**31))
        return torch.randn(n, 2, 160_000, generator=g) * 0.1, torch.randn(n, 2, 2048, generator=g)


def timed(sep, f_a, magnitude: int, embedding: int, batch: int, device) -> float:
    "Seconds per step of `magnitude` + `embedding` steps (after one of each to warm up)."
    run = lambda m, e: _mask_steps(sep, f_a, RandomSources(), [('a', 'b')], m, e, 10.0, 0, random.Random(0), batch, 1e-3, 3e-4, 1.0, device)
    run(1 if magnitude else 0, 1 if embedding else 0)
    if device.type == 'cuda': torch.cuda.synchronize()
    t = time.perf_counter(); run(magnitude, embedding)
    if device.type == 'cuda': torch.cuda.synchronize()
    return (time.perf_counter() - t) / (magnitude + embedding)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--repeats', type=int, default=3, help='steps timed per stage')
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--hidden', type=int, default=192)
    ap.add_argument('--steps', type=int, default=20_000, help="avgas_mask's magnitude steps")
    ap.add_argument('--embedding-steps', type=int, default=5_000, help="avgas_mask's embedding steps")
    a = ap.parse_args()
    dev = torch.device(a.device); torch.manual_seed(0)
    f_a = Sound2SceneAudioEncoder().eval().requires_grad_(False).to(dev)
    sep = MaskSeparator(MaskNet(257, a.hidden), f_a, 512, 159).to(dev)
    flops = {}
    for name, m, e in (('magnitude', 1, 0), ('embedding', 0, 1)):
        with FlopCounterMode(display=False) as fc:
            _mask_steps(sep, f_a, RandomSources(), [('a', 'b')], m, e, 10.0, 0, random.Random(0), a.batch, 1e-3, 3e-4, 1.0, dev)
        flops[name] = fc.get_total_flops()
    secs = {'magnitude': timed(sep, f_a, a.repeats, 0, a.batch, dev), 'embedding': timed(sep, f_a, 0, a.repeats, a.batch, dev)}
    print(f'{dev} ({torch.get_num_threads()} threads), fp32, batch {a.batch}, mask net hidden {a.hidden}:')
    for k in secs: print(f'  {k:>9} step: {secs[k]:.2f} s, {flops[k] / 1e9:.0f} GFLOP (counted)')
    total_s = a.steps * secs['magnitude'] + a.embedding_steps * secs['embedding']
    total_f = a.steps * flops['magnitude'] + a.embedding_steps * flops['embedding']
    print(f'avgas_mask ({a.steps} + {a.embedding_steps} steps): {total_s / 3600:.1f} h at these step times; {total_f / 1e15:.1f} PFLOP in all')
    for tflops in (156e12 * 0.1, 156e12 * 0.2):   # an A100's dense TF32 peak (fp32 training)
        print(f'  at {tflops / 1e12:.1f} TFLOP/s (10-20 % of an A100\'s TF32 peak): {total_f / tflops / 60:.0f} GPU-minutes of arithmetic')


if __name__ == '__main__':
    main()
