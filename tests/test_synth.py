"The synthetic world's shipped files: strict loading, fault injection, and the pretrain command end to end."
import json, shutil
from pathlib import Path
import pytest, torch
from avgas import synth
from avgas.errors import CheckpointError as WeightsError   # every weights-file problem is a CheckpointError
from avgas.synth.parts import PARTS, S2S_NET, WORLD_JSON, load_part, load_synth_world, part_file, weights_dir
from avgas.cli import main

@pytest.fixture(scope='module')
def quick_world(tmp_path_factory):
    d = tmp_path_factory.mktemp('synth')
    assert main(['pretrain-synth', '--quick', '--out', str(d), '--no-progress']) == 0
    return d

def test_quick_pretrain_writes_every_file(quick_world):
    names = sorted(p.name for p in quick_world.iterdir())
    assert names == sorted([WORLD_JSON] + [part_file(n) for n in [*PARTS, S2S_NET]])
    meta = json.loads((quick_world/WORLD_JSON).read_text())
    assert set(meta['parts']) == set(PARTS) and 'generator_fidelity' in meta['metrics']
    assert meta[S2S_NET]['file'] == part_file(S2S_NET) and 0 <= meta[S2S_NET]['metrics']['class_r1'] <= 100
    w = load_synth_world(quick_world)
    assert w.generator.dim_z == meta['config']['dim_z']
    assert w.parts['detector'].probs(torch.rand(2, 3, 64, 64)).shape == (2, 26)

def _copy(src, tmp_path):
    d = tmp_path/'w'; shutil.copytree(src, d); return d

def test_missing_file_names_file_folder_and_command(quick_world, tmp_path):
    d = _copy(quick_world, tmp_path); (d/part_file('generator')).unlink()
    with pytest.raises(WeightsError) as e: load_synth_world(d)
    msg = str(e.value)
    assert 'synth_generator.safetensors not found' in msg and str(d) in msg and 'avgas pretrain-synth' in msg

def test_missing_json(tmp_path):
    with pytest.raises(WeightsError, match='synth_world.json not found'): load_synth_world(tmp_path)

def test_truncated_file_is_rejected(quick_world, tmp_path):
    d = _copy(quick_world, tmp_path); p = d/part_file('detector')
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(WeightsError, match='SHA-256 differs'): load_part('detector', d)
    meta = json.loads((d/WORLD_JSON).read_text()); meta['parts']['detector'].pop('sha256')
    (d/WORLD_JSON).write_text(json.dumps(meta))
    with pytest.raises(WeightsError, match='cannot be read as safetensors'): load_part('detector', d)

def test_flipped_byte_is_rejected(quick_world, tmp_path):
    d = _copy(quick_world, tmp_path); p = d/part_file('audio_encoder')
    b = bytearray(p.read_bytes()); b[-5] ^= 0xFF; p.write_bytes(bytes(b))
    with pytest.raises(WeightsError, match='corrupted or replaced'): load_part('audio_encoder', d)

def test_architecture_mismatch_lists_keys_and_shapes(quick_world, tmp_path):
    d = _copy(quick_world, tmp_path)
    meta = json.loads((d/WORLD_JSON).read_text())
    meta['parts']['image_encoder']['args']['dim'] = 64          # the file holds a 128-d head
    (d/WORLD_JSON).write_text(json.dumps(meta))
    with pytest.raises(WeightsError, match=r'shape mismatches \(2\): .*net.head.weight: checkpoint \(128, '): load_part('image_encoder', d)
    from safetensors.torch import load_file, save_file
    p = d/part_file('ranker'); sd = load_file(str(p)); sd['extra.weight'] = torch.zeros(1); sd.pop('net.head.bias')
    save_file(sd, str(p)); meta['parts']['ranker'].pop('sha256'); (d/WORLD_JSON).write_text(json.dumps(meta))
    with pytest.raises(WeightsError) as e: load_part('ranker', d)
    assert 'missing keys (1): net.head.bias' in str(e.value) and 'unexpected keys (1): extra.weight' in str(e.value)

def test_unknown_part():
    with pytest.raises(ValueError, match='unknown part'): load_part('vocoder')

def test_shipped_world_loads_if_present():
    if not (weights_dir()/WORLD_JSON).exists(): pytest.skip('no shipped weights yet')
    w = load_synth_world()
    assert w.metrics['generator_fidelity'] >= 0 and w.image_encoder.embed(torch.rand(1, 3, 64, 64)).shape == (1, w.cfg.dim)

def test_sound2scene_net_missing_or_retrained(quick_world, tmp_path):
    "separator.init 'sound2scene' names the missing file, where it looked and the command; the command adds it back."
    from avgas.separator import Separator
    from avgas.core import SeparatorConfig
    d = _copy(quick_world, tmp_path); (d/part_file(S2S_NET)).unlink()
    w = load_synth_world(d)   # the world itself does not need it
    with pytest.raises(WeightsError) as e: w.init_separator(Separator(SeparatorConfig(width=8)), 'sound2scene')
    msg = str(e.value)
    assert 'synth_sound2scene_net.safetensors not found' in msg and str(d) in msg and 'avgas pretrain-synth --sound2scene-net' in msg
    assert main(['pretrain-synth', '--sound2scene-net', '--quick', '--out', str(d), '--no-progress']) == 0
    sep = Separator(SeparatorConfig(width=8))
    assert 'synth_sound2scene_net.safetensors (trunk)' in w.init_separator(sep, 'sound2scene')
    p = d/part_file(S2S_NET); b = bytearray(p.read_bytes()); b[-5] ^= 0xFF; p.write_bytes(bytes(b))
    with pytest.raises(WeightsError, match='corrupted or replaced'): w.init_separator(sep, 'sound2scene')
