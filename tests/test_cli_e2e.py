"""End to end: the `avgas` commands as a user runs them (subprocesses), and the errors users cause."""
import json, subprocess, sys
from pathlib import Path
import numpy as np
import soundfile as sf
import pytest
from test_cli import avgas_cli

def one_paragraph(err: str) -> str: return ' '.join(err.split())

@pytest.mark.xdist_group('quick_demo')
def test_demo_quick(quick_report):
    r, report = quick_report
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().splitlines()[-1] == f'report: {(report / "index.html").resolve()}'
    files = {p.name for p in report.iterdir()}
    tables = {f'{t}.{x}' for t in ('table1_mixed', 'table2_separated_foreground', 'table3_separated_background') for x in ('csv', 'md')}
    assert tables | {'index.html', 'metrics.json', 'significance.csv', 'extra_three_sources.md', 'extra_people_classes.md',
                     'loudness_sweep_sum_crs.png', 'loudness_sweep_rms_crs.png', 'grid_examples.png', 'study_config.yaml'} <= files
    m = json.loads((report / 'metrics.json').read_text())
    assert m['seeds'] == [0, 1] and m['significance'], m.keys()
    t1 = (report / 'table1_mixed.md').read_text()
    assert '| Sound2Scene |' in t1 and 'paper, VGGSound: Ours (A2A)' in t1 and 'Ceiling: true source embeddings (ours)' in t1
    html = (report / 'index.html').read_text()
    assert html.count('data:image/png;base64,') >= 4          # self-contained

def test_generate_and_evaluate(tmp_path, shared):
    wavs = [str(shared / 'fixtures/freesound/dog.wav'), str(shared / 'fixtures/freesound/rain.wav')]
    r = avgas_cli('generate', *wavs, '--out', str(tmp_path / 'gen'), '--method', 'sound2scene')
    assert r.returncode == 0, r.stderr[-3000:]
    man = json.loads((tmp_path / 'gen/manifest.json').read_text())
    assert len([e for e in man['images'] if e['kind'] == 'mixed']) == 4
    r = avgas_cli('evaluate', '--images', str(tmp_path / 'gen'), '--classes', 'dog barking+hail')
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'CRS' in r.stdout and (tmp_path / 'gen/evaluation.csv').exists()

@pytest.mark.parametrize('make, args, expect', [
    (None, ['generate', '{d}/nope.wav', '--out', '{d}/o'], 'not found'),
    ('corrupt', ['generate', '{d}/bad.wav', '--out', '{d}/o', '--method', 'sound2scene'], 'cannot be read as audio'),
    ('silent', ['generate', '{d}/silent.wav', '--out', '{d}/o', '--method', 'sound2scene'], 'silent'),
    ('images', ['evaluate', '--images', '{d}', '--classes', 'dog barking+lava'], "unknown class 'lava'"),
    (None, ['generate', '{d}/x.wav', '--out', '{d}/o', '--world', 'real', '--method', 'sound2scene', '--checkpoints', '{d}'], 'not found'),
    (None, ['train', '--config', '{d}/missing.yaml'], 'does not exist'),
    (None, ['evaluate', '--separator', '{d}/none/best.json'], 'does not exist'),
])
def test_bad_input_is_exit_2_with_one_paragraph(tmp_path, make, args, expect):
    d = tmp_path
    if make == 'corrupt': (d / 'bad.wav').write_bytes(b'RIFF\x00\x00garbage')
    if make == 'silent': sf.write(d / 'silent.wav', np.zeros(16000, 'float32'), 16000)
    if make == 'images':
        from PIL import Image
        Image.new('RGB', (64, 64)).save(d / 'a.png')
        (d / 'manifest.json').write_text(json.dumps({'images': [{'image': 'a.png', 'kind': 'mixed'}]}))
    if '{d}/x.wav' in ' '.join(args): sf.write(d / 'x.wav', np.random.default_rng(0).normal(0, .1, 16000).astype('float32'), 16000)
    r = avgas_cli(*[a.format(d=d) for a in args])
    err = one_paragraph(r.stderr)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert 'Traceback' not in r.stderr and expect in err, err
    assert err.startswith('avgas: error:')

REPO = Path(__file__).resolve().parents[1]

@pytest.mark.parametrize('config', ['avgas_a2a.yaml', 'avgas_a2a_a2v.yaml'])
def test_paper_configs_run_as_smoke(tmp_path, config):
    r = avgas_cli('train', '--config', config.removesuffix('.yaml'), '--smoke', '--out', str(tmp_path / 'run'), '--no-progress')
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'SMOKE RUN' in r.stdout and 'sound2scene.pth not found' in r.stdout
    assert (tmp_path / 'run/best.json').exists() and (tmp_path / 'run/metrics.csv').exists()

def test_our_mask_config_trains_as_smoke_and_evaluates(tmp_path):
    "`avgas train --config avgas_mask` (ours) writes a mask separator; a second run keeps it; `avgas generate` takes it."
    run = tmp_path / 'run'
    r = avgas_cli('train', '--config', 'avgas_mask', '--smoke', '--out', str(run), '--no-progress')
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'mask separator (ours): 4 magnitude + 2 embedding steps' in r.stdout, r.stdout
    ck = run / 'mask_separator.json'
    assert ck.is_file() and json.loads(ck.read_text())['meta']['steps'] == [4, 2]
    weights = run / json.loads(ck.read_text())['weights']
    before = weights.stat().st_mtime_ns
    assert avgas_cli('train', '--config', 'avgas_mask', '--smoke', '--out', str(run), '--no-progress').returncode == 0
    assert weights.stat().st_mtime_ns == before and len(list(run.glob('*.safetensors'))) == 1   # finished: loaded, not trained again
    wav = tmp_path / 'noise.wav'
    sf.write(wav, np.random.default_rng(0).normal(0, 0.1, 32000).astype('float32'), 16000)
    g = avgas_cli('generate', str(wav), '--out', str(tmp_path / 'gen'), '--separator', str(ck))
    assert g.returncode == 0, g.stderr[-3000:]
    assert json.loads((tmp_path / 'gen/manifest.json').read_text())['method'] == 'Mask separator (ours)'
