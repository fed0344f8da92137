"""The real loaders against the published checkpoints' exact layouts (#14): Sound2Scene, SwAV, IC-GAN, OpenAI CLIP.

`tests/data/published/*.json` are facts about public files (key names, shapes, dtypes, container), copied
from the reference manifests. For each file, a stand-in in exactly that layout (random values) is loaded
through avgas's own loader and every tensor must arrive; avgas's own modules must have exactly the
published keys (a drift fails); a stand-in with one key renamed or one shape changed is refused.
Inception's and YOLO-World's loaders are pinned by the crafted-file and end-to-end tests."""
import json
from pathlib import Path
import numpy as np
import pytest
import torch
from avgas.encoders import Sound2SceneAudioEncoder, SwAVImageEncoder, SWAV_IGNORED_PREFIXES
from avgas.biggan import BigGANGenerator, load_icgan, ICGAN_FOLDER
from avgas.backends import ClipModel, fid_and_is
from avgas.errors import CheckpointError, ConfigError
from avgas.testing import manifest_state, write_icgan_folder, write_openai_clip, write_inception, OPENAI_CLIP_EXTRAS

DATA = Path(__file__).parent / 'data' / 'published'
NAMES = ['sound2scene', 'swav', 'icgan_biggan_imagenet_res128', 'openai_clip_vit_b32']

def manifest(name): return json.loads((DATA / f'{name}.json').read_text())

def own_state(name) -> dict:
    "avgas's own parameters and buffers, named as the published file names them (after the documented prefix handling)."
    if name == 'sound2scene': return Sound2SceneAudioEncoder().state_dict()
    if name == 'swav': return {f'module.{k}': v for k, v in SwAVImageEncoder().trunk.state_dict().items()}
    if name == 'icgan_biggan_imagenet_res128': return BigGANGenerator().state_dict()
    return ClipModel.random_init().model.state_dict()

def published_keys(name) -> dict:
    "The manifest's keys with shapes, less the ones avgas documents that it reads and ignores (SwAV's head)."
    return {k: v['shape'] for k, v in manifest(name)['keys'].items()
            if not (name == 'swav' and k.removeprefix('module.').startswith(SWAV_IGNORED_PREFIXES))}

def write(tmp_path, name, sd) -> Path:
    "A stand-in file (or folder) in the published layout; returns what the loader is given."
    if name == 'icgan_biggan_imagenet_res128':
        write_icgan_folder(tmp_path / ICGAN_FOLDER, sd, sd, fids=(12.0, 11.0), config=manifest(name)['config'])
        return tmp_path
    if name == 'openai_clip_vit_b32':
        from avgas.testing import write_torchscript_state
        return write_torchscript_state(tmp_path / 'ViT-B-32.pt', {k: v.half() for k, v in sd.items()},
                                       {k: torch.tensor(v) for k, v in OPENAI_CLIP_EXTRAS.items()})
    p = tmp_path / manifest(name)['file']
    torch.save(sd, p)            # the published files are torch.save zip archives of a bare state dict
    return p.parent

def load(name, where: Path) -> dict:
    "Load through avgas's real loader; returns the loaded module's tensors under the published names."
    if name == 'sound2scene': return Sound2SceneAudioEncoder.from_checkpoint(where).state_dict()
    if name == 'swav':
        enc = SwAVImageEncoder.from_checkpoint(where)
        return {f'module.{k}': v for k, v in enc.trunk.state_dict().items()} | {'ignored': enc.ignored_keys}
    if name == 'icgan_biggan_imagenet_res128':
        G = load_icgan(where)
        assert G.checkpoint_info['chosen'] == 'best1'      # the lower best_FID, read from the pickled NumPy float64
        return G.state_dict()
    clip = ClipModel(where)
    assert type(clip.model.visual.transformer.resblocks[0].mlp.gelu).__name__ == 'QuickGELU'
    return clip.model.state_dict()

@pytest.mark.parametrize('name', NAMES)
def test_own_modules_match_the_published_keys(name):
    assert {k: list(v.shape) for k, v in own_state(name).items()} == published_keys(name)

@pytest.mark.parametrize('name', NAMES)
def test_stand_in_loads_every_tensor(tmp_path, name):
    sd = manifest_state(manifest(name))
    got = load(name, write(tmp_path, name, sd))
    want = {k: (v.half().float() if name == 'openai_clip_vit_b32' else v) for k, v in sd.items()}   # OpenAI stores fp16
    for k in published_keys(name):
        assert torch.equal(got[k], want[k]), k
    if name == 'swav': assert sorted(got['ignored']) == sorted(k.removeprefix('module.') for k in sd if k not in published_keys(name))

def _a_key(name):
    return next(k for k in manifest(name)['keys'] if k.endswith(('layer1.0.conv1.weight', 'blocks.0.0.conv1.weight', 'resblocks.0.attn.in_proj_weight')))

@pytest.mark.parametrize('name', NAMES)
def test_renamed_key_is_refused(tmp_path, name):
    key = _a_key(name); new = key.replace('1.weight', 'X.weight').replace('in_proj_weight', 'in_projX_weight')
    with pytest.raises(CheckpointError, match=key.removeprefix('module.').rsplit('.', 1)[0]):
        load(name, write(tmp_path, name, manifest_state(manifest(name), rename=(key, new))))

@pytest.mark.parametrize('name', NAMES)
def test_reshaped_key_is_refused(tmp_path, name):
    key = _a_key(name)
    with pytest.raises(CheckpointError, match=key.removeprefix('module.').replace('.', r'\.')):
        load(name, write(tmp_path, name, manifest_state(manifest(name), reshape=key)))

def test_openai_clip_needs_quickgelu(tmp_path):
    p = write_openai_clip(tmp_path / 'ViT-B-32.pt', manifest('openai_clip_vit_b32'))
    with pytest.raises(ConfigError, match='QuickGELU'): ClipModel(p, 'ViT-B-32')

class Payload:
    marker = None
    def __reduce__(self): return (open, (str(Payload.marker), 'w'))

def test_crafted_inception_file_is_refused_and_never_runs(tmp_path):
    Payload.marker = tmp_path / 'ran'
    torch.save({'Conv2d_1a_3x3.conv.weight': torch.zeros(1), 'x': Payload()}, tmp_path / 'evil.pth')
    ims = torch.rand(4, 3, 32, 32) * 2 - 1
    with pytest.raises(CheckpointError, match='refused'): fid_and_is(ims, ims, inception_weights=tmp_path / 'evil.pth')
    assert not Payload.marker.exists()

def test_inception_stand_in_matches_torchmetrics(tmp_path):
    "The Inception weights in torch-fidelity's layout load, and avgas's once-built extractor sees what torchmetrics' FID sees."
    from torchmetrics.image.fid import FrechetInceptionDistance
    from avgas.backends import InceptionFeatures, checked_inception_weights
    w = write_inception(tmp_path / 'pt_inception-2015-12-05-6726825d.pth')
    real = torch.rand(6, 3, 64, 64, generator=torch.Generator().manual_seed(1)) * 2 - 1
    inc = InceptionFeatures(w)
    assert inc.features(real).shape == (6, 2048) and inc.logits(real).shape == (6, 1008)
    with checked_inception_weights(w) as copy: fid = FrechetInceptionDistance(feature=2048, feature_extractor_weights_path=copy)
    fid.update(((real + 1) * 127.5).round().to(torch.uint8), real=True)
    theirs = (fid.real_features_sum / fid.real_features_num_samples).float()
    assert torch.allclose(inc.features(real).mean(0), theirs, rtol=1e-4, atol=1e-5)
    sd = torch.load(w, weights_only=True); sd.pop(next(iter(sd))); torch.save(sd, tmp_path / 'short.pth')
    with pytest.raises(CheckpointError, match='not the layout'): InceptionFeatures(tmp_path / 'short.pth')

def test_crafted_swav_file_is_refused_and_never_runs(tmp_path):
    "SwAV's loader, like every other, reads with weights_only: a pickled payload is refused before it can run."
    Payload.marker = tmp_path / 'ran'
    torch.save({'module.conv1.weight': torch.zeros(1), 'module.x': Payload()}, tmp_path / 'swav.pth.tar')
    with pytest.raises(CheckpointError, match='refused'): SwAVImageEncoder.from_checkpoint(tmp_path)
    assert not Payload.marker.exists()
