"""Fault injection: `avgas train` killed (SIGKILL) after its first checkpoint, then `--resume`, must end
with exactly the weights of an uninterrupted run; the log must hold each epoch once."""
import csv, json, os, signal, subprocess, sys, time
import pytest
import torch
from safetensors.torch import load_file

from avgas.core import ExperimentConfig, SeparatorConfig

ENV = os.environ | {'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}

def train_cmd(cfg, world, out, *extra):
    code = 'import sys, torch; torch.set_num_threads(1); from avgas.cli import main; sys.exit(main(["train"] + sys.argv[1:]))'
    return [sys.executable, '-c', code, '--config', str(cfg), '--checkpoints', str(world), '--out', str(out),
            '--pairs_per_class', '2', '--no-progress', *extra]

@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp('resume')
    r = subprocess.run([sys.executable, '-c', 'import sys; from avgas.cli import main; '
                        'sys.exit(main(["pretrain-synth"] + sys.argv[1:]))', '--quick', '--out', str(d / 'world'), '--no-progress'],
                       capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    e = ExperimentConfig()
    e.separator = SeparatorConfig(n_slots=2, dim=json.loads((d / 'world' / 'synth_world.json').read_text())['config']['dim'], width=4)
    e.mix.items_per_combination = 2; e.train.batch_size = 4; e.train.epochs = 4; e.train.assignment = 'pit'
    e.to_yaml(d / 'exp.yaml')
    return d

def test_killed_run_resumes_to_identical_weights(setup):
    d = setup
    full = subprocess.run(train_cmd(d / 'exp.yaml', d / 'world', d / 'full'), capture_output=True, text=True, env=ENV, timeout=600)
    assert full.returncode == 0, full.stderr
    assert str(d / 'full') in full.stdout

    p = subprocess.Popen(train_cmd(d / 'exp.yaml', d / 'world', d / 'killed'), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    last = d / 'killed' / 'last.json'
    t0 = time.time()
    while not last.exists() and p.poll() is None and time.time() - t0 < 300: time.sleep(0.02)
    p.send_signal(signal.SIGKILL); p.wait()
    assert last.exists(), 'the run never wrote its first checkpoint'
    killed_at = json.loads(last.read_text())['meta']['epoch']

    res = subprocess.run(train_cmd(d / 'exp.yaml', d / 'world', d / 'killed', '--resume'), capture_output=True, text=True, env=ENV, timeout=600)
    assert res.returncode == 0, res.stderr
    weights = lambda run: load_file(str(run / json.loads((run / 'last.json').read_text())['weights']))
    a, b = weights(d / 'full'), weights(d / 'killed')
    assert a.keys() == b.keys()
    for k in a: assert torch.equal(a[k], b[k]), (k, killed_at)
    epochs = [int(r['epoch']) for r in csv.DictReader(open(d / 'killed' / 'metrics.csv'))]
    assert epochs == [1, 2, 3, 4], epochs
    print(f'killed after epoch {killed_at}, resumed to identical weights')
