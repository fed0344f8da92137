"""Checkpoint fault injection: every broken or hostile checkpoint is a clear `CheckpointError`, never a crash
deep in torch, never silently skipped keys, and never code run from a pickle."""
import io, os, pickle, zipfile
from pathlib import Path
import numpy as np
import pytest
import torch
import torch.nn as nn
from safetensors.torch import save_file
from avgas.errors import CheckpointError, CheckpointNotFoundError
from avgas.checkpoints import read_checkpoint, load_strict
from avgas.encoders import Sound2SceneAudioEncoder, SwAVImageEncoder
from avgas.biggan import BigGANConfig, BigGANGenerator, ICGAN_FOLDER, load_icgan, read_icgan_state
from avgas.testing import write_icgan_folder

SMALL = BigGANConfig(G_ch=8, resolution=64)   # the same code path as the 128 px model, at a size tests can afford


@pytest.fixture(scope='module')
def audio_state():
    return Sound2SceneAudioEncoder().state_dict()


def _save(d: Path, state, name='sound2scene.pth') -> Path:
    torch.save(state, d/name); return d/name


def test_missing_file_names_places_and_source(tmp_path):
    with pytest.raises(CheckpointNotFoundError) as e: Sound2SceneAudioEncoder.from_checkpoint(tmp_path)
    msg = str(e.value)
    assert 'sound2scene.pth' in msg and str(tmp_path.resolve()) in msg
    assert 'postech-ami/Sound2Scene' in msg and './checkpoints/' in msg


@pytest.mark.parametrize('damage', ['truncated', 'garbage', 'empty', 'flipped'])
def test_damaged_file_is_a_clear_error(tmp_path, audio_state, damage):
    p = _save(tmp_path, audio_state)
    data = p.read_bytes()
    if damage == 'truncated': p.write_bytes(data[: len(data) // 2])
    elif damage == 'garbage': p.write_bytes(np.random.default_rng(0).bytes(4096))
    elif damage == 'empty': p.write_bytes(b'')
    else: p.write_bytes(data[:200] + bytes(b ^ 0xFF for b in data[200:1200]) + data[1200:])
    with pytest.raises(CheckpointError) as e: Sound2SceneAudioEncoder.from_checkpoint(tmp_path)
    assert str(p) in str(e.value)
    assert any(w in str(e.value) for w in ('truncated or corrupted', 'is empty', 'does not match'))



def _fuzzed(seed: int, legacy: bytes, zipped: bytes) -> bytes:
    "Random bytes, random bytes after a pickle header, or a real checkpoint with a few bytes overwritten."
    rng = np.random.default_rng(seed)
    kind = seed % 3
    if kind == 0: return rng.bytes(int(rng.integers(1, 8192)))
    if kind == 1: return b'\x80\x02' + rng.bytes(int(rng.integers(1, 4096)))
    data = bytearray(legacy if seed % 2 else zipped)
    for i in rng.integers(0, len(data), int(rng.integers(1, 20))): data[i] = int(rng.integers(0, 256))
    return bytes(data)


def test_fuzzed_files_never_escape_as_other_errors(tmp_path):
    # A damaged pickle fails deep in torch with KeyError, TypeError, AssertionError, ... depending on its bytes;
    # before this test about one random file in a hundred escaped as one of those instead of a CheckpointError.
    state = {'a.weight': torch.randn(32, 32), 'b.bias': torch.randn(32)}
    torch.save(state, tmp_path/'legacy.pth', _use_new_zipfile_serialization=False)
    torch.save(state, tmp_path/'zipped.pth')
    legacy, zipped = (tmp_path/'legacy.pth').read_bytes(), (tmp_path/'zipped.pth').read_bytes()
    p, read_back = tmp_path/'fuzzed.pth', 0
    for seed in range(600):
        p.write_bytes(_fuzzed(seed, legacy, zipped))
        try: sd = read_checkpoint(p, 'fuzzed checkpoint')
        except CheckpointError as e: assert str(p) in str(e), (seed, str(e))
        else: read_back += isinstance(sd, dict)   # a flip inside tensor data still reads; load_strict checks the rest
    assert read_back < 600 // 3

def test_wrong_key_and_shape_are_listed(tmp_path, audio_state):
    sd = dict(audio_state)
    sd['audnet.layer9.weight'] = sd.pop('audnet.layer1.0.conv1.weight')            # a renamed key
    sd['audnet.conv1.weight'] = torch.zeros(64, 3, 7, 7)                            # an RGB stem
    _save(tmp_path, sd)
    with pytest.raises(CheckpointError) as e: Sound2SceneAudioEncoder.from_checkpoint(tmp_path)
    msg = str(e.value)
    assert 'missing keys (1): audnet.layer1.0.conv1.weight' in msg
    assert 'unexpected keys (1): audnet.layer9.weight' in msg
    assert 'audnet.conv1.weight: checkpoint (64, 3, 7, 7) vs model (64, 1, 7, 7)' in msg


def test_prefixed_keys_are_not_guessed(tmp_path, audio_state):
    "Keys under an unexpected prefix (a DataParallel save of AVENet) are reported, not silently re-mapped."
    _save(tmp_path, {f'module.{k}': v for k, v in audio_state.items()})
    with pytest.raises(CheckpointError, match=r'missing keys \(122\)'): Sound2SceneAudioEncoder.from_checkpoint(tmp_path)


class _Hostile:
    def __reduce__(self): return (os.system, (f'touch {self.marker}',))


def test_arbitrary_object_is_refused(tmp_path):
    marker = tmp_path/'pwned'
    h = _Hostile(); h.marker = marker
    p = tmp_path/'sound2scene.pth'
    with open(p, 'wb') as f: pickle.dump({'audnet.conv1.weight': h}, f)                 # a plain pickle
    with pytest.raises(CheckpointError): Sound2SceneAudioEncoder.from_checkpoint(tmp_path)
    torch.save({'audnet.conv1.weight': h}, p)                                            # a torch zip file
    with pytest.raises(CheckpointError, match='refused to unpickle'): Sound2SceneAudioEncoder.from_checkpoint(tmp_path)
    assert not marker.exists()


def test_safetensors_is_read_and_checked(tmp_path, audio_state):
    p = tmp_path/'enc.safetensors'
    save_file({k: v.contiguous() for k, v in audio_state.items()}, str(p))
    enc = Sound2SceneAudioEncoder()
    assert load_strict(enc, read_checkpoint(p)) == []
    save_file({k: v.contiguous() for k, v in audio_state.items() if k != 'audnet.fc.bias'}, str(p))
    with pytest.raises(CheckpointError, match=r'missing keys \(1\): audnet.fc.bias'): load_strict(enc, read_checkpoint(p))
    p.write_bytes(b'{"not": "safetensors"}')
    with pytest.raises(CheckpointError, match='truncated, or not a safetensors file'): read_checkpoint(p)   # its header is checked first


def test_swav_extra_non_head_key_is_an_error(tmp_path):
    enc = SwAVImageEncoder()
    rel = {f'module.{k}': v for k, v in enc.trunk.state_dict().items()}
    rel['module.fc.weight'] = torch.zeros(1000, 2048)          # a classifier is not part of SwAV's release
    torch.save(rel, tmp_path/'swav.pth.tar')
    with pytest.raises(CheckpointError, match=r'unexpected keys \(1\): fc.weight'): SwAVImageEncoder.from_checkpoint(tmp_path)


# --- IC-GAN's folder ---------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def small_pair():
    g0 = BigGANGenerator(SMALL).init_random(0).eval()
    g1 = BigGANGenerator(SMALL).init_random(1).eval()
    return g0, g1


def _folder(tmp_path, small_pair, fids=(5.0, 7.0)):
    return write_icgan_folder(tmp_path/ICGAN_FOLDER, *small_pair, fids=fids, cfg=SMALL)


def test_icgan_picks_lower_fid_and_matches(tmp_path, small_pair):
    root = _folder(tmp_path, small_pair)
    G = load_icgan(root, cfg=SMALL)
    assert G.checkpoint_info['chosen'] == 'best0'
    z, h = torch.randn(1, G.dim_z), torch.rand(1, 2048)
    with torch.no_grad(): assert torch.equal(G(z, h), small_pair[0](z, h))
    assert load_icgan(root, which='best1', cfg=SMALL).checkpoint_info['chosen'] == 'best1'


def test_icgan_missing_states_need_an_explicit_choice(tmp_path, small_pair):
    root = _folder(tmp_path, small_pair)
    for n in (0, 1): (root/f'state_dict_best{n}.pth').unlink()
    with pytest.raises(CheckpointError, match='state_dict_best0.pth is missing.*which="best0"'): load_icgan(root, cfg=SMALL)
    assert load_icgan(root, which='best1', cfg=SMALL).checkpoint_info['chosen'] == 'best1'
    (root/'G_ema_best1.pth').unlink()
    with pytest.raises(CheckpointError, match='G_ema_best1.pth is missing'): load_icgan(root, which='best1', cfg=SMALL)


def test_icgan_state_with_hostile_object_is_refused(tmp_path, small_pair):
    root = _folder(tmp_path, small_pair)
    marker = tmp_path/'pwned'; h = _Hostile(); h.marker = marker
    torch.save({'best_FID': 1.0, 'config': {'G_activation': h}}, root/'state_dict_best1.pth')
    with pytest.raises(CheckpointError, match='refused to unpickle'): load_icgan(root, cfg=SMALL)
    assert not marker.exists()
    torch.save({'itr': 3}, root/'state_dict_best1.pth')
    with pytest.raises(CheckpointError, match='has no best_FID'): load_icgan(root, cfg=SMALL)


def test_icgan_wrong_architecture(tmp_path, small_pair):
    root = _folder(tmp_path, small_pair)
    with pytest.raises(CheckpointError, match='G_ch: checkpoint 8 vs ours 96'): load_icgan(root)       # 128 px config
    sd = small_pair[0].state_dict(); sd['blocks.3.1.gamma'] = torch.zeros(2); sd.pop('linear.u0')
    torch.save(sd, root/'G_ema_best0.pth')
    with pytest.raises(CheckpointError) as e: load_icgan(root, cfg=SMALL)
    assert 'missing keys (1): linear.u0' in str(e.value) and 'blocks.3.1.gamma: checkpoint (2,) vs model ()' in str(e.value)


def _rename_global(path: Path, old: bytes, new: bytes):
    "Rewrite a global name inside a torch zip checkpoint (as an older NumPy would have written it)."
    with zipfile.ZipFile(path) as z: items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        for info, data in items:
            z.writestr(info, data.replace(old, new) if info.filename.endswith('data.pkl') else data)


def test_icgan_state_written_by_numpy1_is_read(tmp_path, small_pair):
    root = _folder(tmp_path, small_pair, fids=(9.0, 4.0))
    for n in (0, 1): _rename_global(root/f'state_dict_best{n}.pth', b'numpy._core.multiarray\nscalar', b'numpy.core.multiarray\nscalar')
    assert b'numpy.core.multiarray' in zipfile.ZipFile(root/'state_dict_best0.pth').read(
        next(n for n in zipfile.ZipFile(root/'state_dict_best0.pth').namelist() if n.endswith('data.pkl')))
    st = read_icgan_state(root/'state_dict_best1.pth')
    assert float(st['best_FID']) == 4.0 and isinstance(st['config']['G_activation'], nn.ReLU)
    assert load_icgan(root, cfg=SMALL).checkpoint_info['chosen'] == 'best1'
