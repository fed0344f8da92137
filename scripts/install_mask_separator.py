"""Install a trained mask separator (ours, #31) as the synthetic world's shipped one: avgas/weights/synth_mask_separator.*

Its convolution weights are stored in fp16 (half the package size; BatchNorm stays fp32) and loaded back into fp32.
Before installing, the fp16 copy's slot embeddings are compared with the fp32 net's on held-out two-source mixtures
(printed: the smallest cosine similarity); below 0.999 nothing is installed.

    python scripts/install_mask_separator.py RUN/mask_separator.json
"""
import copy, sys
import torch
import torch.nn as nn
import torch.nn.functional as F
from avgas.core import ExperimentConfig
from avgas.checkpoints import checkpoint_record, save_checkpoint
from avgas.mask_separator import MaskSeparator, load_mask_separator
from avgas.mixing import MixtureDataset
from avgas.core import MixConfig
from avgas.synth.parts import weights_dir
from avgas.worlds import build_world

STEM = 'synth_mask_separator'


def main(src: str):
    W = build_world(ExperimentConfig())
    sep = load_mask_separator(src, W)
    half = copy.deepcopy(sep.net)
    for m in half.modules():
        if isinstance(m, nn.Conv1d): m.half()
    back = MaskSeparator.for_world(W, copy.deepcopy(sep.net)); back.net.load_state_dict(half.state_dict())
    ds = MixtureDataset(W.pairs('test', 10), 'paper', MixConfig(items_per_combination=5, seed=1), table=W.table)
    mix = torch.stack([ds[i]['mixture'] for i in range(len(ds))])
    cos = F.cosine_similarity(sep.embed(mix), back.embed(mix), dim=-1).min().item()
    print(f'{len(mix)} held-out mixtures: smallest cosine between fp32 and fp16-stored slot embeddings {cos:.6f}')
    if cos < 0.999: raise SystemExit('the fp16 copy differs too much: nothing installed')
    meta = checkpoint_record(src)['meta'] | {'stored': 'Conv1d weights and biases in fp16, loaded into fp32', 'min_cosine_to_fp32': round(cos, 6)}
    old = list(weights_dir().glob(f'{STEM}.*.safetensors'))
    ck = save_checkpoint(weights_dir(), STEM, half, meta=meta)
    for p in old:
        if p.name != checkpoint_record(ck)['weights']: p.unlink()
    print('installed', ck)


if __name__ == '__main__':
    main(sys.argv[1])
