"""DistributedDataParallel through the real trainer: 2 CPU processes with the gloo backend.

Both ranks train the same tiny separator on their shards of a toy mixture set; DDP averages the
gradients, so both must end with identical weights (and different from the initial ones), and only
rank 0 writes the checkpoint and the log.
"""
import math, os, socket
from pathlib import Path
import torch
import torch.multiprocessing as mp
from safetensors.torch import save_file, load_file

from avgas.core import AudioConfig, MixConfig, SeparatorConfig, TrainConfig, seed_everything
from avgas.mixing import ListPairs, MixtureDataset, SinglePair
from avgas.separator import Separator
from avgas.testing import RandomAudioEncoder, RandomImageEncoder
from avgas.train import SeparatorTask, Trainer

N_SAMPLES = 4000
COMBOS = [('dog barking', 'hail'), ('sheep bleating', 'sea waves'), ('dog barking', 'sea waves'), ('sheep bleating', 'hail')]

def toy_pairs(seed):
    g = torch.Generator().manual_seed(seed)
    out = []
    for k in range(4):
        for ci, (lab, f) in enumerate([('dog barking', 440), ('sheep bleating', 880), ('hail', 0), ('sea waves', 0)]):
            t = torch.arange(N_SAMPLES) / 16000
            a = 0.2 * torch.sin(2 * math.pi * f * t * (1 + 0.05 * k)) if f else 0.1 * torch.randn(N_SAMPLES, generator=g)
            out.append(SinglePair(a.float(), torch.rand(3, 16, 16, generator=g), lab, f'{lab}-{k}'))
    return ListPairs(out)

def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def worker(rank: int, world: int, port: int, out: str):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), WORLD_SIZE=str(world),
                      RANK=str(rank), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    seed_everything(0)
    # fp32: this test is about DDP, and on CPUs with AMX, oneDNN's bf16 convolution returned NaN for some of these tiny
    # shapes (an output one column wide, batch 4), which the trainer rightly stops on
    cfg = TrainConfig(alignment='a2a+a2v', assignment='pit', batch_size=8, epochs=2, device='cpu', amp=False)
    model = Separator(SeparatorConfig(n_slots=2, dim=8, width=4))
    init = {k: v.clone() for k, v in model.state_dict().items()}
    train = MixtureDataset(toy_pairs(0), COMBOS, MixConfig(items_per_combination=6))
    val = MixtureDataset(toy_pairs(1), COMBOS, MixConfig(items_per_combination=2, seed=1))
    task = SeparatorTask(cfg, AudioConfig(seconds=N_SAMPLES / 16000), RandomAudioEncoder(8), RandomImageEncoder(8))
    tr = Trainer(model, task, train, val, cfg, out_dir=Path(out) / 'run', progress=False)
    assert tr.dist.size == world and tr.dist.rank == rank and tr.local_batch == 4
    tr.fit()
    final = {k: v.detach().cpu().contiguous() for k, v in tr.model.module.state_dict().items()}
    changed = sum(not torch.equal(final[k], init[k]) for k in final)
    save_file(final, str(Path(out) / f'rank{rank}.safetensors'), metadata={'changed': str(changed)})
    torch.distributed.destroy_process_group()

def test_two_process_ddp_ranks_end_identical(tmp_path):
    mp.spawn(worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    w0, w1 = load_file(str(tmp_path / 'rank0.safetensors')), load_file(str(tmp_path / 'rank1.safetensors'))
    assert w0.keys() == w1.keys()
    for k in w0: assert torch.equal(w0[k], w1[k]), k
    from safetensors import safe_open
    with safe_open(str(tmp_path / 'rank0.safetensors'), 'pt') as f: assert int(f.metadata()['changed']) > 0
    run = tmp_path / 'run'
    assert (run / 'last.json').exists() and (run / 'best.json').exists()
    rows = (run / 'metrics.csv').read_text().strip().splitlines()
    assert len(rows) == 3, rows   # header + 2 epochs, written once (by rank 0)

def grad_worker(rank: int, world: int, port: int, out: str):
    "Each rank holds half of a batch; the DDP gradient of the gathered loss must equal one process's on the whole batch."
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), WORLD_SIZE=str(world), RANK=str(rank), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    from avgas.distributed import setup_distributed, gather_batch
    from avgas.losses import separation_loss
    info = setup_distributed(torch.device('cpu'))
    g = torch.Generator().manual_seed(0)
    x, tgt = torch.randn(8, 5, generator=g), torch.randn(8, 2, 3, generator=g)
    torch.manual_seed(1); ref = torch.nn.Linear(5, 6)
    loss, _ = separation_loss(ref(x).view(8, 2, 3), {'a2a': tgt}, 'a2a', 'pit'); loss.backward()
    torch.manual_seed(1); model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(5, 6))
    half = slice(rank * 4, rank * 4 + 4)
    pred = gather_batch(model(x[half]).view(4, 2, 3), info)
    loss_d, _ = separation_loss(pred, {'a2a': gather_batch(tgt[half], info)}, 'a2a', 'pit'); loss_d.backward()
    ok = torch.allclose(model.module.weight.grad, ref.weight.grad, atol=1e-6) and torch.allclose(loss_d, loss)
    Path(out, f'grad{rank}').write_text(str(ok))
    torch.distributed.destroy_process_group()

def test_gathered_loss_gradient_equals_single_process(tmp_path):
    mp.spawn(grad_worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=True)
    assert [(tmp_path / f'grad{r}').read_text() for r in range(2)] == ['True', 'True']
