"""The separator's training step against this machine's matrix-multiply peak, fp32 and bf16, at the paper's size and the demo's.

One training step of the separator (forward, InfoNCE A2A+A2V loss, backward, Adam) on a batch of random
spectrograms, timed in each of its layouts and precisions, and the machine's best square matrix product
(fp32 and bf16, same threads) measured in the same run. FLOPs are counted with torch.utils.flop_counter.
Printed per variant: ms per step, TFLOP/s, share of the fp32 and of the bf16 peak, and the ratio to
today's trainer step (channels_last, bf16 autocast where the CPU has native bf16, fp32 otherwise).
`--compile` adds the same steps through `torch.compile` (inductor), the candidate the issue names first.

* `--size paper`: Sound2Scene's ResNet-18 (width 64), 10 s at 16 kHz (257 × 1004), D = 2048, batch 16.
* `--size demo`: the demo's separator (width 8), 2 s clips (257 × 199), D = 128, batch 16.

    python benchmarks/step_peak.py [--size paper|demo] [--threads N] [--repeats 5] [--device cpu|cuda]

It also states the floor the paper schedule's training cannot go below on this machine at the demo's size:
(separators × epochs × steps per epoch × the fastest fp32 step) / processes.
"""
import argparse, math, time
import torch
from avgas.core import SeparatorConfig
from avgas.separator import Separator
from avgas.losses import separation_loss
from avgas.train import amp_dtype_for
from train_throughput import matmul_peak   # the same 2048² measurement as the trainer benchmark's

SIZES = {'paper': dict(width=64, frames=1004, dim=2048), 'demo': dict(width=8, frames=199, dim=128)}


def step_fn(size, device, channels_last, dtype, batch, compiled=False):
    "A closure doing one training step, and its FLOPs (counted on the eager model)."
    s = SIZES[size]
    torch.manual_seed(0)
    m = Separator(SeparatorConfig(n_slots=2, dim=s['dim'], width=s['width'])).to(device)
    x = torch.randn(batch, 1, 257, s['frames'], device=device)
    if channels_last: m, x = m.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
    tg = {k: torch.randn(batch, 2, s['dim'], device=device) for k in ('a2a', 'a2v')}
    opt = torch.optim.Adam(m.parameters(), 1e-3, weight_decay=1e-5, foreach=True)
    net = torch.compile(m) if compiled else m
    def step():
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None): p = net(x)
        separation_loss(p.float(), tg, 'a2a+a2v', 'fixed', 0.1)[0].backward(); opt.step()
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as fc:
        with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None): p = m(x)
        separation_loss(p.float(), tg, 'a2a+a2v', 'fixed', 0.1)[0].backward()
    m.zero_grad(set_to_none=True)
    return step, fc.get_total_flops()


def best_time(step, device, repeats):
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    step(); step(); sync(); best = math.inf
    for _ in range(repeats):
        t = time.perf_counter(); step(); sync(); best = min(best, time.perf_counter() - t)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--size', choices=sorted(SIZES), default='paper')
    ap.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default)')
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--compile', action='store_true', help='also time torch.compile (inductor) of the channels_last steps; prints the compile time')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    native = amp_dtype_for(dev)
    peaks = matmul_peak(dev)
    print(f'{a.size} size {SIZES[a.size]}, batch {a.batch}, {torch.get_num_threads()} threads, device {dev}; '
          f'native reduced precision for training: {native}')
    print(f"matmul peak (2048², best of 5): fp32 {peaks['fp32'] / 1e12:.3f} TFLOP/s, bf16 {peaks['bf16'] / 1e12:.3f} TFLOP/s")
    variants = [('fp32, default layout', False, None), ('fp32, channels_last', True, None)]
    variants += [('bf16 autocast, channels_last', True, torch.bfloat16)]
    if a.compile: variants += [('fp32, channels_last, compiled', True, None, True), ('bf16, channels_last, compiled', True, torch.bfloat16, True)]
    today = ('bf16 autocast, channels_last' if native == torch.bfloat16 else 'fp32, channels_last')
    rows = {}
    for name, cl, dt, *comp in variants:
        step, flops = step_fn(a.size, dev, cl, dt, a.batch, bool(comp))
        if comp:
            t = time.perf_counter(); step(); print(f'{name}: first step (compiling) {time.perf_counter() - t:.1f} s')
        s = best_time(step, dev, a.repeats); rows[name] = (s, flops)
    base = rows[today][0]
    print(f"{'variant':32s} {'ms/step':>9s} {'GFLOP':>8s} {'TFLOP/s':>8s} {'% fp32 peak':>11s} {'% bf16 peak':>11s} {'vs today':>8s}")
    for name, (s, flops) in rows.items():
        r = flops / s
        print(f"{name:32s} {s * 1e3:9.1f} {flops / 1e9:8.2f} {r / 1e12:8.3f} {100 * r / peaks['fp32']:10.1f}% {100 * r / peaks['bf16']:10.1f}% "
              f"{base / s:7.2f}x" + ('  <- today\'s trainer step' if name == today else ''))
    if a.size == 'demo':
        fast = min(rows['fp32, channels_last'][0], rows['fp32, default layout'][0])
        steps = 50 * (640 // 16)          # the paper schedule: 50 epochs of the demo's 640 training mixtures, batch 16
        seps = 12 + 3                     # 4 variants × 3 seeds, and 3 three-source separators
        print(f'floor of the paper schedule\'s training at the demo\'s size, fp32, one process per core on '
              f'{torch.get_num_threads()} thread(s): {seps} separators × {steps} steps × {fast * 1e3:.1f} ms / 2 processes = '
              f'{seps * steps * fast / 2:.0f} s (no validation, data or judging counted)')


if __name__ == '__main__':
    main()
