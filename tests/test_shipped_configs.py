"""The VGGSound configs avgas ships (avgas/configs/) are the code's experiment (`avgas.reproduce.paper_config`),
hold only what differs from `ExperimentConfig`'s defaults, keep the paper's schedule, and are found by name."""
import functools, re
from pathlib import Path
import pytest, yaml
from avgas.cli import commands, load_config
from avgas.core import ExperimentConfig
from avgas.errors import ConfigError
from avgas.reproduce import REPRODUCE_STEPS, configs_dir, loud_config, mask_config, paper_config, shipped_config, shipped_configs

REPO = Path(__file__).resolve().parents[1]
PAPER_RUNS = {'avgas_a2a': ('a2a', 'avgas'), 'avgas_a2v': ('a2v', 'avgas'), 'avgas_a2a_a2v': ('a2a+a2v', 'avgas'),
              'sound2scene_baseline': ('a2a', 'sound2scene')}
OURS = {'avgas_a2a_a2v_pit_loud': loud_config, 'avgas_mask': mask_config}   # beyond the paper (#31): labelled ours in the file's first line

def file_keys(d, prefix=''):
    for k, v in d.items():
        if isinstance(v, dict): yield from file_keys(v, f'{prefix}{k}.')
        else: yield f'{prefix}{k}', v

def test_the_package_ships_them():
    assert set(PAPER_RUNS) <= set(shipped_configs()), shipped_configs()
    assert configs_dir() == Path(__import__('avgas').__file__).parent / 'configs'

@pytest.mark.parametrize('name', PAPER_RUNS)
def test_shipped_config_is_paper_config(name):
    path = shipped_config(name)
    cfg = ExperimentConfig.load(path)
    assert cfg == paper_config(*PAPER_RUNS[name])
    t = cfg.train   # the paper's schedule, from ExperimentConfig's defaults
    assert (t.lr, t.weight_decay, t.batch_size, t.epochs, t.lr_schedule, t.selection) == (1e-3, 1e-5, 16, 50, 'constant', 'paper')

@pytest.mark.parametrize('name', OURS)
def test_our_configs_are_the_codes_and_say_ours(name):
    assert ExperimentConfig.load(shipped_config(name)) == OURS[name]()
    assert shipped_config(name).read_text(encoding='utf-8').startswith('# Ours')

def test_our_loud_config_is_the_paper_schedule_with_our_recipe():
    name = 'avgas_a2a_a2v_pit_loud'
    cfg = ExperimentConfig.load(shipped_config(name))
    assert cfg.train.loud_gain_db == 10.0 and cfg.train.assignment == 'pit'
    same = cfg.to_dict(); same['train'] |= {'assignment': 'fixed', 'loud_gain_db': 0.0, 'out_dir': 'runs/avgas_a2a_a2v'}
    assert ExperimentConfig.from_dict(same) == paper_config('a2a+a2v')   # nothing else differs from the paper's A2A+A2V run

def test_our_mask_config_shares_the_papers_experiment():
    "It differs from the paper's runs only in what it trains, so `avgas reproduce` can put it beside them."
    from avgas.reproduce import check_same_experiment, study_of
    cfg = ExperimentConfig.load(shipped_config('avgas_mask'))
    assert (cfg.method, cfg.train.loud_gain_db, cfg.mask.steps, cfg.mask.embedding_steps) == ('mask', 10.0, 20_000, 5_000)
    paper = [paper_config(a) for a in ('a2a', 'a2v', 'a2a+a2v')]
    check_same_experiment([*paper, cfg], ['a2a', 'a2v', 'a2a+a2v', 'mask'])
    sc = study_of([*paper, cfg], ['a2a', 'a2v', 'a2a+a2v', 'mask'])
    assert (sc.variants, sc.mask_steps, sc.mask_dir) == (['a2a/fixed', 'a2v/fixed', 'a2a+a2v/fixed'], [20_000, 5_000], 'runs/avgas_mask')

@pytest.mark.parametrize('name', [*PAPER_RUNS, *OURS])
def test_shipped_config_holds_only_differences(name):
    text = shipped_config(name).read_text(encoding='utf-8')
    defaults = ExperimentConfig().to_dict()
    same = [k for k, v in file_keys(yaml.safe_load(text)) if functools.reduce(lambda n, p: n[p], k.split('.'), defaults) == v]
    assert not same, f'{name}: keys equal to the defaults: {same}'
    header = [l for l in text.splitlines() if l.startswith('#')]
    assert header and 'Seeing Soundscapes' in header[0], header
    if ExperimentConfig.from_yaml(text).method == 'avgas': assert re.search(r"Ours.*separator\.init sound2scene", ' '.join(header)), header

def test_names_and_paths():
    assert shipped_config('avgas_a2v') == shipped_config('avgas_a2v.yaml') == configs_dir() / 'avgas_a2v.yaml'
    with pytest.raises(ConfigError, match='does not exist, and it is not a shipped config'): shipped_config('avgas_a2')
    with pytest.raises(ConfigError, match='does not exist'): shipped_config('configs/avgas_a2v.yaml')   # a path is never a name

def test_a_users_file_wins(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path('avgas_a2v.yaml').write_text('world: synth\n')
    assert shipped_config('avgas_a2v.yaml') == Path('avgas_a2v.yaml')
    assert load_config(ExperimentConfig, 'avgas_a2v.yaml').world == 'synth'
    assert load_config(ExperimentConfig, 'avgas_a2v').world == 'vggsound'   # no such file here: the shipped one

def test_the_cli_takes_names():
    cfg, _ = commands()['train'].resolve(['--config', 'avgas_a2a_a2v', '--train.epochs', '2'])
    want = paper_config('a2a+a2v'); want.train.epochs = 2
    assert cfg == want
    argv = REPRODUCE_STEPS[-1][1]
    assert argv[:2] == ['avgas', 'reproduce'] and all(a in shipped_configs() for a in argv[2:argv.index('--out')])

def test_the_wheel_lists_them():
    "setup.py's package data covers every shipped config (a built wheel holds what package_data matches)."
    import fnmatch
    patterns = re.search(r"package_data=\{'avgas': \[([^\]]*)\]", (REPO / 'setup.py').read_text()).group(1)
    patterns = re.findall(r"'([^']+)'", patterns)
    files = [p.relative_to(configs_dir().parent).as_posix() for p in configs_dir().glob('*.yaml')]
    assert files and all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in files), (files, patterns)
