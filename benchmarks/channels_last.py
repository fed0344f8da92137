"""Inference of the synthetic world's frozen networks and a demo separator, in channels_last against the default layout.

The demo's evaluation spends most of its time in small convolutions: the detector, the ranker,
f_V (FID features), the generator and the separators. `avgas.synth.parts` loads the world's parts
in channels_last, and `avgas.generate.AVGASMethod.embed` turns a CPU separator to it. This script
times each network both ways on the same inputs, in one run, fp32 (no autocast: as on CPUs without
native bf16), and prints the ratios with the largest difference in outputs.

    python benchmarks/channels_last.py [--batch 64] [--repeats 5] [--threads 1]
"""
import argparse, os, time
import torch


def timed(fn, args, repeats):
    with torch.no_grad():
        fn(*args)
        t = time.perf_counter()
        for _ in range(repeats): out = fn(*args)
    return (time.perf_counter() - t) / repeats, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--threads', type=int, default=1, help='torch threads (the demo evaluates in one-thread processes)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    from avgas.synth.parts import load_synth_world
    from avgas.separator import Separator
    from avgas.core import SeparatorConfig
    W = load_synth_world()
    images = torch.rand(a.batch, 3, 64, 64)
    nets = {name: (W.parts[name], (images,)) for name in ('detector', 'ranker', 'image_encoder')}
    nets['generator'] = (W.generator, (torch.randn(a.batch, W.generator.dim_z), torch.randn(a.batch, W.generator.dim_h)))
    nets['separator (width 8)'] = (Separator(SeparatorConfig(width=8)).eval(), (torch.randn(a.batch, 1, 257, 199),))
    print(f'batch {a.batch}, {a.repeats} repeats, {a.threads} thread(s), fp32; load average {os.getloadavg()[0]:.2f}')
    print(f"{'network':22s} {'default ms':>11s} {'channels_last ms':>17s} {'speed-up':>9s} {'max |diff|':>11s}")
    for name, (net, args) in nets.items():
        net.to(memory_format=torch.contiguous_format)
        t0, y0 = timed(net, args, a.repeats)
        net.to(memory_format=torch.channels_last)
        t1, y1 = timed(net, args, a.repeats)
        print(f'{name:22s} {t0 * 1e3:11.1f} {t1 * 1e3:17.1f} {t0 / t1:8.2f}x {(y0 - y1).abs().max().item():11.2e}')


if __name__ == '__main__':
    main()
