"""The real loaders against the published checkpoints' exact layouts (#14, part): Sound2Scene and SwAV.

`tests/data/published/*.json` are facts about public files (key names, shapes, dtypes, container), copied
from the reference manifests. Each test builds a stand-in file in that layout (random values), loads it
through avgas's own loader, and checks that every tensor arrived; a drift in avgas's modules, a renamed
key or a changed shape fails."""
import json
from pathlib import Path
import pytest
import torch
from avgas.encoders import Sound2SceneAudioEncoder, SwAVImageEncoder, SWAV_IGNORED_PREFIXES
from avgas.errors import CheckpointError

DATA = Path(__file__).parent / 'data' / 'published'
LOADERS = {'sound2scene': (Sound2SceneAudioEncoder, ''), 'swav': (SwAVImageEncoder, 'module.')}

def manifest(name): return json.loads((DATA / f'{name}.json').read_text())

def stand_in(name, rename=None, reshape=None) -> dict:
    "A state dict in the published layout, random values (optionally one key renamed or one shape changed)."
    g, sd = torch.Generator().manual_seed(0), {}
    for k, spec in manifest(name)['keys'].items():
        shape = list(spec['shape']); dtype = getattr(torch, spec['dtype'])
        if k == reshape: shape[0] += 1
        t = torch.randint(0, 100, shape, generator=g).to(dtype) if not dtype.is_floating_point else torch.rand(shape, generator=g).to(dtype)
        sd[rename[1] if rename and k == rename[0] else k] = t
    return sd

def write(tmp_path, name, sd) -> Path:
    p = tmp_path / manifest(name)['file']
    torch.save(sd, p)            # the published files are torch.save zip archives of a bare state dict
    return p

def own_keys(name) -> dict:
    "avgas's own parameters and buffers as the published file names them."
    cls, prefix = LOADERS[name]
    enc = cls()
    sd = enc.trunk.state_dict() if name == 'swav' else enc.state_dict()
    return {prefix + k: list(v.shape) for k, v in sd.items()}

@pytest.mark.parametrize('name', list(LOADERS))
def test_own_modules_match_the_published_keys(name):
    published = {k: v['shape'] for k, v in manifest(name)['keys'].items()
                 if not (name == 'swav' and k.removeprefix('module.').startswith(SWAV_IGNORED_PREFIXES))}
    assert own_keys(name) == published

@pytest.mark.parametrize('name', list(LOADERS))
def test_stand_in_loads_every_tensor(tmp_path, name):
    cls, prefix = LOADERS[name]
    sd = stand_in(name)
    enc = cls.from_checkpoint(write(tmp_path, name, sd).parent)
    got = enc.trunk.state_dict() if name == 'swav' else enc.state_dict()
    for k, v in got.items():
        assert torch.equal(v, sd[prefix + k]), k
    if name == 'swav': assert sorted(enc.ignored_keys) == sorted(k.removeprefix('module.') for k in sd if k.removeprefix('module.').startswith(SWAV_IGNORED_PREFIXES))

@pytest.mark.parametrize('name', list(LOADERS))
def test_renamed_or_reshaped_key_is_refused(tmp_path, name):
    cls, prefix = LOADERS[name]
    key = next(k for k in manifest(name)['keys'] if k.endswith('layer1.0.conv1.weight'))
    with pytest.raises(CheckpointError, match='layer1.0.conv1'):
        cls.from_checkpoint(write(tmp_path, name, stand_in(name, rename=(key, key.replace('conv1', 'convX')))).parent)
    with pytest.raises(CheckpointError, match='layer1.0.conv1.weight'):
        cls.from_checkpoint(write(tmp_path, name, stand_in(name, reshape=key)).parent)
