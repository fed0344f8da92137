"""Every key of every YAML config avgas ships (avgas/configs/) is read by something.

Three checks: (1) the command line overrides each key, and the run's resolved config changes at that key
and nowhere else; (2) each key's field is read by name somewhere in the package outside the module that
defines the configs; (3) for the synthetic-world config, a real train -> generate -> evaluate run reads
every key it sets (attribute reads recorded while the commands run)."""
import contextlib, dataclasses, io, re, sys
from pathlib import Path
import pytest, yaml
import avgas
from avgas.core import ConfigBase, literal_fields
from avgas.cli import commands, main

PACKAGE = Path(avgas.__file__).parent
CONFIGS = sorted((PACKAGE / 'configs').glob('*.yaml'))

def leaves(d, prefix=''):
    for k, v in d.items():
        if isinstance(v, dict): yield from leaves(v, f'{prefix}{k}.')
        else: yield f'{prefix}{k}', v

EMPTY_LIST_VALUES = {'relative_db': ['3'], 'composers': ['blend']}   # what to put in a list a file leaves empty

def closed_sets() -> dict[str, list]:
    "Field name -> allowed values, read from every config class's `Literal` fields (a new closed-set field is found without editing this test)."
    out, todo = {}, [ConfigBase]
    while todo:
        cls = todo.pop(); todo += cls.__subclasses__()
        out.update({k: list(v) for k, v in literal_fields(cls).items()})
    return out

CHOICES = closed_sets()

def test_closed_sets_are_read_from_the_literals():
    assert {'alignment', 'assignment', 'init', 'selection', 'clip_arch', 'lr_schedule', 'method'} <= set(CHOICES), CHOICES
    assert CHOICES['lr_schedule'] == ['constant', 'cosine']

def other(v, key=''):
    "A different value of the same type, as command-line words."
    if v == []: return EMPTY_LIST_VALUES[key.split('.')[-1]]
    if isinstance(v, bool): return [str(not v).lower()]
    if isinstance(v, int): return [str(v + 1)]
    if isinstance(v, float): return [str(v + 0.5)]
    if v is None: return ['0.5']
    if isinstance(v, list): return [str(x + 1) for x in v] if v and all(isinstance(x, (int, float)) for x in v) else (v + ['extra'] if v else ['blend'])
    choices = CHOICES.get(key.split('.')[-1])
    if choices: return [next(c for c in choices if c != v)]
    return [v + '_changed']

def get(cfg, key):
    for k in key.split('.'): cfg = getattr(cfg, k)
    return cfg

def test_there_are_configs():
    assert len(CONFIGS) >= 5, CONFIGS

@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_every_key_is_a_field_and_overridable(path):
    cmd = commands()['train']
    base, _ = cmd.resolve(['--config', str(path)])
    keys = dict(leaves(yaml.safe_load(path.read_text())))
    assert keys, path
    for key, value in keys.items():
        words = other(value, key)
        cfg, _ = cmd.resolve(['--config', str(path), f'--{key}', *words])
        assert get(cfg, key) != get(base, key), (path.name, key)
        changed = [k for k, _ in leaves(cfg.to_dict()) if get(cfg, k) != get(base, k)]
        assert changed == [key], (path.name, key, changed)

def _field_read_somewhere(name: str) -> bool:
    pat = re.compile(rf'(?<!\bnn)(?<!\btorch)\.{re.escape(name)}\b')   # torch.nn.init is not separator.init
    return any(pat.search(p.read_text()) for p in PACKAGE.rglob('*.py') if p.name not in ('core.py', '_modidx.py'))

@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_every_key_is_read_by_name(path):
    unread = [k for k, _ in leaves(yaml.safe_load(path.read_text())) if not _field_read_somewhere(k.split('.')[-1])]
    assert not unread, f'{path.name}: keys no module reads: {unread}'

@contextlib.contextmanager
def recorded_reads():
    "Record (config class, field) for every read of a config field from package code (not from the configs' own machinery)."
    reads, orig = set(), ConfigBase.__getattribute__
    skip = {str(Path(dataclasses.__file__)), str(PACKAGE / 'core.py')}   # to_dict/from_dict copy every field: not a use
    def spy(self, name):
        if not name.startswith('_') and name in type(self).__dataclass_fields__:
            code = sys._getframe(1).f_code
            if code.co_filename not in skip and code.co_filename.startswith(str(PACKAGE)) and code.co_name != '_default_text':
                reads.add((type(self).__name__, name))
        return orig(self, name)
    ConfigBase.__getattribute__ = spy
    try: yield reads
    finally: ConfigBase.__getattribute__ = orig

def test_synth_config_keys_are_read_by_a_real_run(tmp_path, monkeypatch):
    path = PACKAGE / 'configs' / 'synth_separator.yaml'
    small = ['--train.epochs', '1', '--mix.items_per_combination', '1', '--pairs_per_class', '2']
    from avgas.audio import save_audio
    from avgas.worlds import build_world
    from avgas.core import ExperimentConfig
    W = build_world(ExperimentConfig()); p = W.pairs('test', 1)
    save_audio(tmp_path / 'mix.wav', p.audio(0) + p.audio(len(p) - 1), W.audio.sample_rate)
    monkeypatch.chdir(tmp_path)   # train.out_dir is relative: the run goes there
    run = tmp_path / yaml.safe_load(path.read_text())['train']['out_dir']
    with recorded_reads() as reads, contextlib.redirect_stdout(io.StringIO()):
        assert main(['train', '--config', str(path), '--no-progress', *small]) == 0
        assert main(['generate', str(tmp_path / 'mix.wav'), '--config', str(path), '--out', str(tmp_path / 'gen'),
                     '--separator', str(run / 'best.json')]) == 0
        assert main(['evaluate', '--config', str(path), '--evaluate.per_combination', '1', '--out', str(tmp_path / 'ev')]) == 0
    cfg, _ = commands()['train'].resolve(['--config', str(path)])
    section_class = {f.name: type(getattr(cfg, f.name)).__name__ for f in dataclasses.fields(cfg) if dataclasses.is_dataclass(getattr(cfg, f.name))}
    unread = []
    for key, _ in leaves(yaml.safe_load(path.read_text())):
        *sec, name = key.split('.')
        owner = section_class[sec[0]] if sec else 'ExperimentConfig'
        if (owner, name) not in reads: unread.append(key)
    assert not unread, f'keys of {path.name} that the run never read: {unread}'
