"""Fault injection for the trainer's checkpoint commit: the run "dies" after every single file operation of
its checkpoint writes (each rename, just before and just after it, and each removal), at every one of them
over the whole run, then resumes; the end must equal an uninterrupted run exactly: weights, optimizer state,
best.*, metrics.csv and the folder's files."""
import csv, os
from pathlib import Path
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from avgas.core import TrainConfig
from avgas.train import Trainer
from avgas.checkpoints import checkpoint_record, load_checkpoint, optimizer_to_flat

EPOCHS = 5
TIMING = ('seconds', 'samples_per_s')   # wall-clock columns of the log: the only ones allowed to differ


class Killed(BaseException):
    "The process dies here (a BaseException: no `except Exception` of the writer may swallow it)."


class LineTask:
    "A least-squares fit of y from x: tiny, deterministic, and its validation loss rises again (best < last)."
    collate = staticmethod(torch.stack)
    def setup(self, trainer): pass
    def loss(self, model, batch, trainer):
        loss = F.mse_loss(model(batch[:, :2]).squeeze(-1), batch[:, 2])
        return loss, {'loss': loss.item()}


def line_data(n, offset, seed):
    x = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))
    return list(torch.cat([x, (offset + x @ torch.tensor([0.5, -0.5]))[:, None]], 1))


TRAIN, VAL = line_data(32, 1.0, 0), line_data(8, 0.7, 1)   # validation wants a smaller offset than training reaches


def trainer(out, init_seed=0):
    torch.manual_seed(init_seed)
    cfg = TrainConfig(batch_size=8, epochs=EPOCHS, lr=0.1, device='cpu', amp=False, selection='lowest_val')
    return Trainer(nn.Linear(2, 1), LineTask(), TRAIN, VAL, cfg, out_dir=out, progress=False,
                   channels_last=False, keep_cpu_memory=False)


class Faults:
    "Counts the file operations of the writer (os.replace: before and after; os.unlink: after) and dies at number `kill_at`."
    def __init__(self, monkeypatch, kill_at=None):
        self.n, self.kill_at, self.dead = 0, kill_at, False
        real_replace, real_unlink = os.replace, os.unlink
        def replace(src, dst, **kw):
            if self.dead: return                      # a dead process renames nothing
            self._point(); real_replace(src, dst, **kw); self._point()
        def unlink(path, **kw):
            if self.dead: return                      # nor does it clean up its temporary files
            real_unlink(path, **kw); self._point()
        monkeypatch.setattr(os, 'replace', replace); monkeypatch.setattr(os, 'unlink', unlink)
    def _point(self):
        self.n += 1
        if self.n == self.kill_at: self.dead = True; raise Killed(f'killed at file operation {self.n}')


def final_state(out: Path) -> dict:
    "Everything a run leaves that must not depend on whether it was killed."
    t = trainer(out, init_seed=99)
    meta = load_checkpoint(out/'last.json', t.model, t.optimizer)
    best = nn.Linear(2, 1); best_meta = load_checkpoint(out/'best.json', best)
    log = [{k: v for k, v in r.items() if k not in TIMING} for r in csv.DictReader(open(out/'metrics.csv'))]
    committed = [{k: v for k, v in r.items() if k not in TIMING} for r in checkpoint_record(out/'last.json')['metrics']]
    return {'weights': t.model.state_dict(), 'optimizer': optimizer_to_flat(t.optimizer), 'meta': meta,
            'best_weights': best.state_dict(), 'best_meta': best_meta, 'log': log, 'committed_log': committed,
            'files': sorted(p.name for p in out.iterdir())}


def assert_same(a, b, where):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a: assert_same(a[k], b[k], f'{where}.{k}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)): assert_same(x, y, f'{where}[{i}]')
    elif torch.is_tensor(a): assert torch.equal(a, b), where
    else: assert a == b or (a != a and b != b), (where, a, b)


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp('full')
    with pytest.MonkeyPatch.context() as mp:
        faults = Faults(mp); trainer(out).fit()
    state = final_state(out)
    assert state['meta']['best_epoch'] < EPOCHS, 'the toy run should select an earlier epoch than the last'
    assert [int(r['epoch']) for r in state['log']] == list(range(1, EPOCHS + 1))
    return state, faults.n


def test_kill_at_every_file_operation_then_resume(uninterrupted, tmp_path, monkeypatch):
    want, n_points = uninterrupted
    assert n_points >= 8 * EPOCHS, n_points      # renames of weights, optimizer, last.json, metrics.csv (+ removals)
    for k in range(1, n_points + 1):
        out = tmp_path/f'kill{k:03d}'
        with pytest.MonkeyPatch.context() as mp:
            Faults(mp, kill_at=k)
            with pytest.raises(Killed): trainer(out).fit()
        # the restart: a new process, model and optimizer; like `avgas train --resume`, it starts afresh (from the
        # config's seed) when nothing was committed, else from other initial weights that the checkpoint must replace
        committed = (out/'last.json').exists()
        trainer(out, init_seed=k if committed else 0).fit(resume=committed)
        assert_same(final_state(out), want, f'killed at file operation {k} of {n_points}')
    print(f'{n_points} kill points, each resumed to the uninterrupted run')


def test_truncated_target_cache_is_recomputed_on_resume(tmp_path, capfd):
    "A target cache cut short by a kill (or a full disk) is noticed, reported and recomputed: the same targets come back."
    from avgas.encoders import TargetCache
    from avgas.testing import RandomImageEncoder
    images = torch.rand(5, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    first = TargetCache(RandomImageEncoder(8), 'image', tmp_path)
    want = first.get(images); first.save()
    data = first.path.read_bytes(); first.path.write_bytes(data[:len(data) // 2])
    again = TargetCache(RandomImageEncoder(8), 'image', tmp_path)
    assert len(again) == 0 and 'unreadable' in capfd.readouterr().err
    assert torch.equal(again.get(images), want) and again.misses == 5
