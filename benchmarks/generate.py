"""Images per second of mixed (Eq. 4 blend) and separated (one image per source) generation, batched against one
image per generator call, measured in one run; the figures that matter are the ratios, printed last.

The real world's generator is IC-GAN's BigGAN at 128 px, here with random weights (speed does not depend on the
weights). `--world synth` times the synthetic world's generator (`avgas.synth.models.Generator`, untrained: the shipped
checkpoint is not needed for a speed figure).

    python benchmarks/generate.py [--world biggan|synth] [--samples 8] [--batch 8] [--repeats 1] [--device cpu|cuda] [--threads N]
"""
import argparse, time
import torch
from avgas.biggan import BigGANGenerator, sample_z
from avgas.generate import generate, blend_embeddings

def build(world: str, device: torch.device):
    if world == 'biggan': G, dim_h = BigGANGenerator().init_random(0), 2048
    else:
        from avgas.synth.models import Generator
        G = Generator(); dim_h = G.dim_h
    return G.eval().to(device), dim_h

def timed(fn, sync):
    t = time.perf_counter(); fn(); sync(); return time.perf_counter() - t

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--world', choices=['biggan', 'synth'], default='biggan')
    ap.add_argument('--samples', type=int, default=8, help='mixtures (2 sources each)')
    ap.add_argument('--batch', type=int, default=8, help='samples per generator call in batched mode')
    ap.add_argument('--repeats', type=int, default=1, help='best of this many timings per mode (interleaved)')
    ap.add_argument('--device', default='cpu'); ap.add_argument('--threads', type=int, default=0)
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    sync = (lambda: torch.cuda.synchronize()) if dev.type == 'cuda' else (lambda: None)
    G, dim_h = build(a.world, dev)
    h = torch.rand(a.samples, 2, dim_h, generator=torch.Generator().manual_seed(0)).to(dev)
    z = sample_z(a.samples, G.dim_z, generator=torch.Generator().manual_seed(1), device=dev)

    def batched(kind): return lambda: generate(G, h, kind, batch_size=a.batch, z=z)
    @torch.no_grad()
    def one_at_a_time(kind):
        def run():
            cond = blend_embeddings(h)[:, None] if kind == 'blend' else torch.nn.functional.normalize(h, dim=-1)
            for i in range(a.samples):
                for k in range(cond.shape[1]): G(z[i:i + 1], cond[i:i + 1, k])
        return run

    generate(G, h[:1], 'blend', z=z[:1]); sync()            # warm-up (allocator, kernels)
    n = {'blend': a.samples, 'separate': 2 * a.samples}
    rows = {}
    for kind in ('blend', 'separate'):
        t_b = t_1 = float('inf')
        for _ in range(a.repeats):   # interleaved, best of: other load on a shared machine hits both modes alike
            t_b = min(t_b, timed(batched(kind), sync)); t_1 = min(t_1, timed(one_at_a_time(kind), sync))
        rows[kind] = (n[kind] / t_b, n[kind] / t_1)
    with torch.no_grad(): px = G(z[:1], h[:1, 0]).shape[-1]
    print(f'world: {a.world} ({type(G).__name__}, {sum(p.numel() for p in G.parameters()):,} parameters, '
          f'{px} px), samples {a.samples} x 2 sources, batch {a.batch}, device {dev}, '
          f'torch threads {torch.get_num_threads()}')
    for kind, label in (('blend', 'mixed (blend)'), ('separate', 'separated')):
        b, one = rows[kind]
        print(f'{label:14s}: batched {b:7.2f} images/s | one at a time {one:7.2f} images/s | ratio {b / one:5.2f}x')
    tot_b = sum(n.values()) / sum(n[k] / rows[k][0] for k in n); tot_1 = sum(n.values()) / sum(n[k] / rows[k][1] for k in n)
    print(f'{"mixed + sep.":14s}: batched {tot_b:7.2f} images/s | one at a time {tot_1:7.2f} images/s | ratio {tot_b / tot_1:5.2f}x')

if __name__ == '__main__':
    main()
