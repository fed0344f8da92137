"""Issue #30 item 7: fuzzed parsers. Property-based tests (hypothesis) feed generated config files, command-line
overrides, VGGSound CSV rows, frames JSON, manifests, checkpoint records and safetensors headers to the real entry
points of avgas, in-process (`avgas.cli.main`, which returns the exit status) and, for a few memory-hungry shapes of
input, as a subprocess. Every case must end in exit 0, or exit 2 with one bounded `avgas: error:` paragraph and no
traceback; a direct call returns or raises an `AvgasError` with a bounded message; nothing is written outside
`--out`; memory stays within a bound.

Profiles: the default one is short and derandomized (the same cases on every run, no example database written);
`AVGAS_FUZZ=long` runs 20 times as many examples, freshly random each run (`AVGAS_FUZZ=<n>` multiplies by n).
`pytest tests/test_fuzz.py --hypothesis-show-statistics` prints how many cases each property tried."""
import contextlib, copy, csv, hashlib, io, json, math, os, re, resource, shutil, struct, subprocess, sys, tempfile, threading
from pathlib import Path
from unittest import mock
import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, note, settings, strategies as st

import avgas
from avgas.errors import AvgasError

# ---------------------------------------------------------------- profiles and bounds
_MODE = os.environ.get('AVGAS_FUZZ', '').strip().lower()
SCALE = 20 if _MODE == 'long' else int(_MODE) if _MODE.isdigit() and int(_MODE) > 0 else 1
settings.register_profile('avgas-fuzz', derandomize=True, database=None, deadline=None, print_blob=True,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],   # no 'explain': slow on big inputs
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                                 HealthCheck.function_scoped_fixture, HealthCheck.large_base_example])
settings.register_profile('avgas-fuzz-long', parent=settings.get_profile('avgas-fuzz'), derandomize=False)
PROFILE = settings.get_profile('avgas-fuzz-long' if SCALE > 1 else 'avgas-fuzz')

def fuzz(n: int):
    "The settings of a property: `n` cases by default, `n × SCALE` in the long profile (these settings only: no global profile is loaded)."
    return settings(PROFILE, max_examples=n * SCALE)

# characters of one error paragraph (whitespace collapsed): a quoted value is at most ~100 characters; a checkpoint that
# does not fit its architecture lists up to 12 keys of each kind (a width mismatch of the shipped separator: ~900 characters)
MAX_MESSAGE = 1000
MAX_CALL_GROWTH_MB = 512   # RSS of the test process above its level at the start of one call, at the call's peak
MAX_CHILD_GROWTH_MB = 512  # peak RSS of a subprocess case above the same command's on a harmless input

PACKAGE = Path(avgas.__file__).resolve().parent
WEIGHTS = PACKAGE/'weights'


class Reached(Exception):
    "Raised by a stand-in of the heavy stage (training, generation): the input was accepted up to the real work."


# ---------------------------------------------------------------- helpers
def maxrss_mb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def rss_mb() -> float:
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20

@contextlib.contextmanager
def memory_within(what: str, bound_mb: float = MAX_CALL_GROWTH_MB):
    "Fail when RSS rises more than `bound_mb` above its level at the start of the block: sampled every 2 ms, and the kernel's peak."
    start, peak, top, stop = rss_mb(), [0.0], maxrss_mb(), threading.Event()
    def sample():
        while not stop.wait(0.002): peak[0] = max(peak[0], rss_mb())
    t = threading.Thread(target=sample, daemon=True); t.start()
    try: yield
    finally:
        stop.set(); t.join()
        growth = max(peak[0], rss_mb(), maxrss_mb() if maxrss_mb() > top else 0.0) - start   # a new all-time peak was reached in the block
        assert growth <= bound_mb, f'{what}: RSS rose by {growth:.0f} MB (bound {bound_mb} MB)'

@contextlib.contextmanager
def sandbox():
    "A fresh, short-named temporary folder that is also the working directory (relative default paths land in it)."
    d = Path(tempfile.mkdtemp(prefix='avfz'))
    old = os.getcwd(); os.chdir(d)
    try: yield d
    finally: os.chdir(old); shutil.rmtree(d, ignore_errors=True)

def listing(root: Path, skip: Path|None = None, code: bool = True) -> dict:
    "Every file (size, mtime, mode) and folder under `root`, except under `skip` and `__pycache__`; `code=False`: .py files by name only."
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dp = Path(dirpath)
        dirnames[:] = [n for n in dirnames if n != '__pycache__' and dp/n != skip]
        for n in dirnames: out[str((dp/n).relative_to(root)) + '/'] = None
        for n in filenames:
            s = (dp/n).lstat()
            out[str((dp/n).relative_to(root))] = (s.st_size, s.st_mtime_ns, s.st_mode) if code or not n.endswith('.py') else None
    return out

@contextlib.contextmanager
def writes_only_under(box: Path, out: Path|None):
    """Fail when a case adds, removes or changes anything in the sandbox outside `out`, or adds, removes or changes a file of the
    installed package (its modules by name only: a notebook export beside a test run may rewrite them)."""
    before, pkg = listing(box, out), listing(PACKAGE, code=False)
    yield
    after = listing(box, out)
    changed = sorted(k for k in set(before) | set(after) if before.get(k, 'absent') != after.get(k, 'absent'))
    assert not changed, f'written outside --out {out}: {changed[:10]}'
    assert listing(PACKAGE, code=False) == pkg, 'the case wrote into the installed package folder'

def one_paragraph(msg: str) -> str:
    m = ' '.join(msg.split())
    assert m, 'an empty error message'
    assert 'Traceback' not in msg, msg[:2000]
    assert len(m) <= MAX_MESSAGE, f'error message of {len(m):,} characters (bound {MAX_MESSAGE}): {m[:700]}…'
    return m

def cli(argv: list[str]) -> tuple[object, str, str]:
    "(exit status or 'reached', stdout, stderr) of `avgas.cli.main(argv)`; any other exception propagates (a defect)."
    from avgas.cli import main
    o, e = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e), memory_within(f'avgas {argv[0]}'):
        try: rc = main(argv)
        except Reached: rc = 'reached'
    return rc, o.getvalue(), e.getvalue()

def check_cli(rc, out: str, err: str, ok=(0,)):
    "Exit `ok` (0, or 'reached' where the heavy stage is stood in for), or 2 with one bounded paragraph at the end of stderr."
    note(f'exit {rc!r}; stderr: {err[-1500:]!r}')
    assert 'Traceback' not in out + err, (out + err)[-3000:]
    assert rc in tuple(ok) + (2,), f'exit status {rc!r}; stderr: {err[-2000:]}'
    if rc == 2:
        assert err.count('avgas: error:') == 1, err[-2000:]
        msg = err[err.index('avgas: error:'):]
        lines = msg.rstrip('\n').split('\n')
        assert all(l.startswith('  ') for l in lines[1:]), f'not one paragraph: {msg[:1500]!r}'
        one_paragraph(msg)

def user_error_or(fn, *args, **kw):
    "`fn(*args, **kw)`, or the `AvgasError` it raised (its message checked); any other exception propagates (a defect)."
    try:
        with memory_within(getattr(fn, '__qualname__', str(fn))): return fn(*args, **kw)
    except AvgasError as e:
        one_paragraph(str(e)); return e


# ---------------------------------------------------------------- value strategies
HUGE_INTS = [2**31, 2**53 + 1, 2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64, 10**30, 2**1000, -10**400]
ODD_NUMBER_TEXTS = ['nan', 'NaN', '.nan', '.NaN', 'inf', '-inf', '.inf', '-.inf', '+.inf', 'Infinity', '1e400', '-1e400', '1e-400',
                    '9' * 40, '1' * 5000, '0x10', '0o17', '0b101', '1_000', '+5', '-0', '1e5', '1E5', '.5e3', '5.', '0.1e-2',
                    '190:20:30', '1.0e+400', '2**64', '18446744073709551616', '-9223372036854775809', '']
PLAUSIBLE = ['synth', 'vggsound', 'real', 'avgas', 'sound2scene', 'paper', 'a2a', 'a2v', 'a2a+a2v', 'fixed', 'pit', 'cosine',
             'constant', 'lowest_val', 'blend', 'slerp', 'layered', 'separate', 'scratch', 'imagenet', 'cpu', 'cuda', 'auto', 'meta',
             'ViT-B-32', 'hail+sea waves', 'dog barking+hail', 'synth_separator', '1e-3', 'null', '.', '..', '/', 0, 1, 2, 3, 5, 16, 64,
             353, 512, 16000, 0.5, 1.0, 1e-5, -1, '']
YAML_SNIPPETS = ['!!python/object/apply:os.system ["echo pwned > pwned"]', '!!python/name:os.system', '!!binary aGVsbG8=',
                 '!!set {a, b}', '!!omap [{a: 1}]', '!!pairs [[a, 1]]', '2001-12-14t21:59:43.10-05:00', '2002-12-14', '!!float "nan"',
                 '!custom x', '!!int "0x1F"', '!!str 5', '!!null ""', '~', 'Yes', 'off', '[1, 2]', '[]', '{}', '{a: 1}', '[[[1]]]',
                 '&a x', '*a', '"unclosed', "'unclosed", '{a: 1, a: 2}', '? [a]\n: 1', '|\n  text', '>-\n  folded', '- a\n- b',
                 '%YAML 1.1\n---\n1', '--- 1\n--- 2', '\t1', '@x', '`x', '{', ']', 'a: b: c', '\ufeff1', '\x00', '\x85', '\u2028']

def long_text(lo: int = 100, hi: int = 20_000):
    "A long string, cheap to generate: a short piece repeated."
    return st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(lo, hi))

keys = st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False), long_text(50, 2000))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(HUGE_INTS), st.floats(),
                    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1e-300, 5e-324, 1e308]),
                    st.text(max_size=20), long_text(), st.sampled_from(PLAUSIBLE))
values = st.recursive(scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(keys, c, max_size=4), max_leaves=10)

def json_values(max_leaves: int = 8):
    "JSON-able values (string keys; nan and inf allowed: Python's json writes and reads them)."
    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(HUGE_INTS), st.floats(), st.text(max_size=16),
                     long_text(50, 3000))
    return st.recursive(leaf, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
                        max_leaves=max_leaves)

def json_text(doc) -> str: return json.dumps(doc, ensure_ascii=False)

# raw texts a JSON reader must refuse in one paragraph: deep nesting, integers beyond Python's 4300-digit limit, bad bytes
RAW_JSON = [b'{"a": 1' + b'0' * 5000 + b'}', b'[' + b'9' * 10_000 + b']', b'', b'{', b'[' * 100_000 + b']' * 100_000, b'{"a": ' * 50_000 + b'1' + b'}' * 50_000, b'\xff\xfe{}', b'\xef\xbb\xbf{}',
            b'{"a": 1e999999}', b'{"a": -0}', b'NaN', b'null',
            b'"x"', b'{"a": "\\ud800"}', b'{"a":1}{"b":2}', b'\x00']


# ---------------------------------------------------------------- the shared, warmed-up state
@pytest.fixture(scope='module')
def warm():
    "Imports, the synthetic world and a separator loaded once, before any memory is measured: what every case then shares."
    from avgas.core import ExperimentConfig
    from avgas.worlds import build_world
    from avgas.generate import AVGASMethod
    import avgas.experiment, avgas.generate, avgas.reproduce   # noqa: F401 (the modules the stand-ins patch)
    world = build_world(ExperimentConfig())
    AVGASMethod.from_checkpoint(WEIGHTS/'synth_separator.json')
    with sandbox() as d:
        cli(['generate', 'missing.wav', '--out', 'o']); images_folder(d/'ims')
        cli(['evaluate', '--images', 'ims', '--out', 'o'])
    return world

@pytest.fixture(autouse=True)
def _warm(warm):
    "Every property starts from the warmed-up state, so that a call's memory is its own, not a first import's."


# ================================================================ 1. config files
from avgas.options import describe_config   # noqa: E402 (light: the stored descriptions need no torch)
from avgas.core import ExperimentConfig      # noqa: E402

LEAVES = [x for x in describe_config(ExperimentConfig)]
LEAF_KEYS = [x['key'] for x in LEAVES]
SECTIONS = sorted({k.split('.')[0] for k in LEAF_KEYS if '.' in k})

def _set(doc: dict, path: list, value):
    node = doc
    for p in path[:-1]:
        if not isinstance(node.get(p), dict): node[p] = {}
        node = node[p]
    node[path[-1]] = value

@st.composite
def config_docs(draw):
    "A config as data: the defaults (or nothing), then a few keys set to odd values, removed, or made up."
    doc = ExperimentConfig().to_dict() if draw(st.booleans()) else {}
    for _ in range(draw(st.integers(0, 5))):
        path = draw(st.sampled_from(LEAF_KEYS + SECTIONS).map(lambda k: k.split('.')) | st.lists(keys, min_size=1, max_size=3))
        if draw(st.integers(0, 5)) == 0 and isinstance(doc.get(path[0]), dict): doc[path[0]].pop(path[-1], None)
        else: _set(doc, path, draw(values))
    return doc

def _laughs(breadth: int, depth: int, key: str) -> str:
    lines = [f'l0: &l0 "{"ha" * 4}"'] + [f'l{i}: &l{i} [{", ".join([f"*l{i - 1}"] * breadth)}]' for i in range(1, depth + 1)]
    return '\n'.join(lines) + f'\n{key}: *l{depth}\n'

@st.composite
def config_texts(draw) -> bytes:
    "The bytes of a config file: YAML (block or flow), JSON, anchors and aliases, duplicate keys, deep nesting, tags, noise."
    kind = draw(st.sampled_from(['block', 'block', 'flow', 'json', 'shared', 'laughs', 'duplicate', 'deep', 'snippet', 'noise', 'bytes', 'big', 'merge']))
    doc = draw(config_docs()) if kind in ('block', 'flow', 'json', 'shared', 'duplicate') else {}
    key = draw(st.sampled_from(LEAF_KEYS))
    section, _, leaf = key.rpartition('.')
    dump = lambda d, **kw: yaml.safe_dump(d, sort_keys=False, allow_unicode=True, **kw)
    if kind == 'block': text = dump(doc)
    elif kind == 'flow': text = dump(doc, default_flow_style=True)
    elif kind == 'json': text = json_text(doc)
    elif kind == 'shared':   # the same list or mapping twice: PyYAML writes an anchor and an alias
        shared = draw(st.lists(scalars, min_size=1, max_size=3) | st.dictionaries(st.text(max_size=5), scalars, min_size=1, max_size=3))
        doc['mix'] = doc.get('mix') if isinstance(doc.get('mix'), dict) else {}
        doc['mix']['gain_db'] = shared; doc['mix']['relative_db'] = shared
        text = dump(doc)
    elif kind == 'laughs': text = _laughs(draw(st.integers(1, 9)), draw(st.integers(1, 5)), draw(st.sampled_from(['world', 'mix', 'x'])))
    elif kind == 'duplicate':   # a top-level key twice, or a key twice inside a section
        top = key.split('.')[0]
        text = dump(doc) if doc else ''
        if section and top not in doc and draw(st.booleans()): text += f'{section}: {{{leaf}: 1, {leaf}: 2}}\n'
        else: text += f'{top}: 1\n' if top in doc else f'{top}: 1\n{top}: 2\n'
    elif kind == 'deep':
        n = draw(st.sampled_from([31, 32, 33, 100, 1000, 20_000]))
        text = draw(st.sampled_from(['[' * n + ']' * n, 'a: ' + '{a: ' * n + '1' + '}' * n, ''.join(f'{"  " * i}a:\n' for i in range(min(n, 300))) + '  ' * min(n, 300) + '1\n',
                                     f'{section or "train"}: ' + '[' * n + ']' * n]))
    elif kind == 'snippet':
        snip = draw(st.sampled_from(YAML_SNIPPETS + ODD_NUMBER_TEXTS))
        text = (f'{section}:\n  {leaf}: {snip}\n' if section else f'{leaf}: {snip}\n')
    elif kind == 'noise': text = draw(st.text(alphabet='{}[]:,-&*!|>\'"#%@`?~ \n\tab01.=<', max_size=200))
    elif kind == 'bytes': return draw(st.sampled_from([b'\xff\xfe\x00', b'\xef\xbb\xbftrain: {lr: 1}\n', b'train:\n  lr: \xe9\n', b'\x00\x00'])) + draw(st.binary(max_size=50))
    elif kind == 'big': text = 'world: ' + 'x' * draw(st.sampled_from([2**20 + 1, 3 * 2**20, 2**20 - 100])) + '\n'   # the last: accepted, written back larger
    else: text = f'base: {{lr: 0.1}}\ntrain:\n  <<: {draw(st.sampled_from(["{lr: 0.5}", "[{lr: 1}]", "1", "{x: 1}"]))}\n'
    return text.encode('utf-8', 'surrogatepass')

def check_config(cfg):
    "An accepted config is a valid one: it writes and reads back equal, and every rule holds."
    assert isinstance(cfg, ExperimentConfig)
    assert ExperimentConfig.from_yaml(cfg.to_yaml()) == cfg
    assert math.isfinite(cfg.train.lr) and cfg.train.lr > 0 and cfg.audio.noverlap < cfg.audio.nperseg
    for v in (cfg.train.seed, cfg.mix.seed, cfg.generate.seed): assert 0 <= v < 2**63

@fuzz(60)
@given(text=config_texts())
@example(text=b'train: {seed: 1' + b'0' * 5000 + b'}\n')   # an integer beyond Python's 4300-digit limit
@example(text=b'{1: 2, a: 3}\n')                            # keys of two types
@example(text=b'world: ' + b'x' * (2**20 - 100) + b'\n')    # accepted, but its own to_yaml() is refused as too long
def test_config_file_from_yaml(text):
    with sandbox() as d:
        (d/'c.yaml').write_bytes(text)
        with writes_only_under(d, None): cfg = user_error_or(ExperimentConfig.from_yaml, d/'c.yaml')
        if not isinstance(cfg, AvgasError): check_config(cfg)
        decoded = text.decode('utf-8', 'replace')
        if '\n' in decoded:   # the same text given as YAML text, not as a file
            with writes_only_under(d, None): cfg2 = user_error_or(ExperimentConfig.from_yaml, decoded)
            if not isinstance(cfg2, AvgasError): check_config(cfg2)

@fuzz(40)
@given(text=config_texts(), where=st.sampled_from(['file', 'file', 'file', 'folder', 'fifo', 'missing', 'devnull']))
@example(text=b'world: ' + b'x' * 5000 + b'\n', where='file')   # a long world name, quoted whole in the error
def test_config_file_through_cli(warm, text, where):
    "`avgas train --config FILE`, training stood in for: the config is read, checked and its world built, or refused."
    with sandbox() as d:
        path = {'file': 'c.yaml', 'folder': 'cdir', 'fifo': 'cfifo', 'missing': 'nothere.yaml', 'devnull': os.devnull}[where]
        (d/'c.yaml').write_bytes(text); (d/'cdir').mkdir(); os.mkfifo(d/'cfifo')
        with writes_only_under(d, d/'out'), mock.patch('avgas.experiment.train_experiment', side_effect=Reached):
            check_cli(*cli(['train', '--config', path, '--out', 'out', '--no-progress']), ok=('reached',))


# ================================================================ 2. command-line overrides
def option_values():
    return st.one_of(st.integers().map(str), st.sampled_from(HUGE_INTS).map(str), st.floats().map(repr),
                     st.sampled_from(ODD_NUMBER_TEXTS + YAML_SNIPPETS), st.sampled_from(PLAUSIBLE).map(str),
                     st.text(max_size=24), long_text(100, 3000))

@st.composite
def override_args(draw) -> list[str]:
    args = []
    for _ in range(draw(st.integers(1, 4))):
        leaf = draw(st.sampled_from(LEAVES))
        name = draw(st.sampled_from(['--' + leaf['key'].replace('_', '-'), '--' + leaf['key'], '--' + leaf['key'] + 'x',
                                     '--' + leaf['key'].split('.')[-1], '--' + leaf['key'] + '.x']))
        vals = draw(st.lists(option_values(), min_size=1, max_size=3 if leaf['seq'] else 1))
        args += [f'{name}={vals[0]}'] + vals[1:] if draw(st.booleans()) else [name, *vals]
    return args

@fuzz(60)
@given(command=st.sampled_from(['generate', 'train', 'evaluate']), args=override_args())
@example(command='generate', args=['--generate.seed', '1' * 5000])   # an integer beyond Python's 4300-digit limit
@example(command='generate', args=['--train.lr', '.inf'])
@example(command='generate', args=['--audio.noverlap', '600'])
def test_overrides(warm, command, args):
    "Dotted overrides with odd values: `generate` of a missing file (exit 2 whatever the options), `train` and `evaluate` up to their work."
    head = {'generate': ['generate', 'missing.wav', '--out', 'out'],
            'train': ['train', '--config', 'synth_separator', '--out', 'out', '--no-progress'],
            'evaluate': ['evaluate', '--images', 'no-images', '--out', 'out']}[command]
    with sandbox() as d, writes_only_under(d, d/'out'), mock.patch('avgas.experiment.train_experiment', side_effect=Reached):
        rc, out, err = cli(head + args)
        check_cli(rc, out, err, ok=('reached',) if command == 'train' else ())


# ================================================================ 3. VGGSound CSV and frames JSON
from avgas.vggsound import MAX_FRAME_INDEX, MAX_ID_CHARS, MAX_START_S, read_frames_json, read_prepared_labels, read_vggsound_csv  # noqa: E402
from avgas.mixing import vggsound_name  # noqa: E402

VIDEO_ID = 'vid'   # the one fixture video: vid_0_10000.mp4 (1 s, 10 fps, mono AAC)
ids = st.one_of(st.from_regex(r'[A-Za-z0-9_-]{1,11}', fullmatch=True), st.just(VIDEO_ID), st.just(VIDEO_ID),
                st.sampled_from(['', '.', '..', '.x', 'a/b', '../x', 'a\\b', '#c', ' vid ', 'a\x00b', 'a b', 'a\nb', '-rf', 'x' * 64, 'x' * 65]),
                st.text(max_size=12), long_text(60, 2000))
starts = st.one_of(st.just('0'), st.integers(-10, 100_000).map(str), st.floats().map(repr), st.sampled_from(ODD_NUMBER_TEXTS + ['86400', '86400.0001', '0.0004', '0.0005', '1e-320', '9' * 400, ' 3 ', 'abc']),
                   st.text(max_size=8))
clip_labels = st.one_of(st.sampled_from(['dog barking', 'hail', '"quoted"', 'a,b', 'line\nbreak', 'cr\rx', ' ', '', '#x']), st.text(max_size=20), long_text(100, 5000))
splits = st.sampled_from(['train', 'test', '', 'val']) | st.text(max_size=6)

@st.composite
def csv_texts(draw) -> bytes:
    rows = draw(st.lists(st.one_of(st.tuples(ids, starts, clip_labels, splits).map(list), st.tuples(ids, starts, clip_labels).map(list),
                                   st.lists(st.text(max_size=8), max_size=6)), max_size=6))
    how = draw(st.sampled_from(['csv', 'csv', 'joined', 'noise', 'bytes', 'bom', 'cr']))
    if how in ('csv', 'bom', 'cr'):
        buf = io.StringIO(); csv.writer(buf, lineterminator='\r' if how == 'cr' else '\r\n').writerows(rows)
        return (b'\xef\xbb\xbf' if how == 'bom' else b'') + buf.getvalue().encode('utf-8', 'surrogatepass')
    if how == 'joined': return '\n'.join(','.join(r) for r in rows).encode('utf-8', 'surrogatepass')
    if how == 'noise': return draw(st.text(alphabet='a0,"\n\r #.-', max_size=120)).encode()
    return draw(st.binary(max_size=60))

@st.composite
def frames_texts(draw) -> bytes:
    if draw(st.integers(0, 4)) == 0: return draw(st.sampled_from(RAW_JSON))
    names = st.sampled_from([f'{VIDEO_ID}_0_10000', 'a_0_10000']) | st.text(max_size=10)
    index = st.one_of(st.integers(-2, 12), st.integers(), st.sampled_from(HUGE_INTS + [MAX_FRAME_INDEX, MAX_FRAME_INDEX + 1]),
                      st.lists(st.integers(-1, 20), max_size=3), json_values(4))
    doc = draw(st.dictionaries(names, index, max_size=4) | json_values())
    return json_text(doc).encode('utf-8', 'surrogatepass')

def check_specs(specs):
    "Accepted rows: a safe file name per clip, a finite start within bounds, a label, and no name twice."
    names = [s.name for s in specs]
    assert len(set(names)) == len(names)
    for s in specs:
        assert s.youtube_id and len(s.youtube_id) <= MAX_ID_CHARS and '/' not in s.youtube_id and not s.youtube_id.startswith('.')
        assert math.isfinite(s.start_s) and 0 <= s.start_s <= MAX_START_S and s.label
        assert s.name == vggsound_name(s.youtube_id, s.start_s) and '/' not in s.name and len(s.name.encode()) + 4 <= 255

@fuzz(60)
@given(text=csv_texts())
def test_vggsound_csv(text):
    with sandbox() as d:
        (d/'vgg.csv').write_bytes(text)
        with writes_only_under(d, None): specs = user_error_or(read_vggsound_csv, d/'vgg.csv')
        if isinstance(specs, AvgasError): return
        check_specs(specs)
        # the labels.csv prepare-vggsound writes from them reads back the same (a second run merges it)
        buf = io.StringIO(); csv.writer(buf).writerows(sorted({s.name: s.label for s in specs}.items()))
        (d/'labels.csv').write_bytes(buf.getvalue().encode('utf-8', 'surrogatepass'))
        back = user_error_or(read_prepared_labels, d/'labels.csv')
        assert back == {s.name: s.label for s in specs}, back

@fuzz(60)
@given(text=frames_texts())
@example(text=b'{"a": 1' + b'0' * 5000 + b'}')   # an integer beyond Python's 4300-digit limit
def test_frames_json(text):
    with sandbox() as d:
        (d/'f.json').write_bytes(text)
        with writes_only_under(d, None): frames = user_error_or(read_frames_json, d/'f.json')
        if isinstance(frames, AvgasError): return
        assert isinstance(frames, dict) and all(type(k) is int and 0 <= k <= MAX_FRAME_INDEX for k in frames.values()), frames

def make_video(path: Path, seconds: float = 1.0, fps: int = 10, rate: int = 16000):
    "A tiny mp4 (32 × 32 frames, mono AAC), written with PyAV in a few hundredths of a second."
    import av
    with av.open(str(path), 'w') as c:
        v = c.add_stream('mpeg4', rate=fps); v.width = v.height = 32; v.pix_fmt = 'yuv420p'
        a = c.add_stream('aac', rate=rate); a.layout = 'mono'
        for i in range(int(seconds * fps)):
            for p in v.encode(av.VideoFrame.from_ndarray(np.full((32, 32, 3), i * 20 % 255, np.uint8), format='rgb24')): c.mux(p)
        for p in v.encode(): c.mux(p)
        n = 1024
        for i in range(int(seconds * rate) // n):
            f = av.AudioFrame.from_ndarray(np.random.default_rng(i).normal(0, .1, (1, n)).astype(np.float32), format='fltp', layout='mono')
            f.sample_rate, f.pts = rate, i * n
            for p in a.encode(f): c.mux(p)
        for p in a.encode(): c.mux(p)

@pytest.fixture(scope='module')
def video(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp('video')/f'{VIDEO_ID}_0_10000.mp4'
    make_video(p)
    return p

@fuzz(40)
@given(csv_text=csv_texts(), frames=st.none() | frames_texts(),
       extra=st.lists(st.sampled_from([['--split', 'train'], ['--split', 'test'], ['--min-seconds', '0'], ['--min-seconds', '0.5'],
                                       ['--min-seconds', 'nan'], ['--min-seconds', 'inf'], ['--min-seconds', '-1'], ['--min-seconds', '1e400'],
                                       ['--workers', '0'], ['--workers', 'x'], ['--split', '']]), max_size=2),
       rerun=st.booleans())
@example(csv_text=b'', frames=None, extra=[['--min-seconds', 'nan']], rerun=False)   # not finite, yet accepted
def test_prepare_vggsound(warm, video, csv_text, frames, extra, rerun):
    "`avgas prepare-vggsound VIDEOS --csv F [--frames-json J] --out OUT --workers 1` on a folder holding one tiny video."
    with sandbox() as d:
        (d/'videos').mkdir(); shutil.copy(video, d/'videos'/video.name)
        (d/'vgg.csv').write_bytes(csv_text)
        argv = ['prepare-vggsound', 'videos', '--csv', 'vgg.csv', '--out', 'prep', '--workers', '1'] + [a for e in extra for a in e]
        if frames is not None: (d/'f.json').write_bytes(frames); argv += ['--frames-json', 'f.json']
        for _ in range(2 if rerun else 1):   # a second run into the folder reads what the first one wrote
            with writes_only_under(d, d/'prep'): rc, out, err = cli(argv)
            check_cli(rc, out, err)
            if rc == 0:
                ms = next((float(e[1]) for e in reversed(extra) if e[0] == '--min-seconds'), 5.0)
                assert math.isfinite(ms), f'--min-seconds {ms} was accepted: a bound that is not finite'
                assert (d/'prep'/'labels.csv').is_file() and (d/'prep'/'prepare_summary.json').is_file()
                assert not [p for p in (d/'prep').rglob('*') if '.tmp' in p.name]


# ================================================================ 4. manifests of `avgas evaluate --images`
from avgas.evaluate import evaluate_folder  # noqa: E402
from avgas.classes import PAPER  # noqa: E402

def images_folder(d: Path) -> Path:
    "Two 64 × 64 RGB images, a grey one of another size, a text file and a sub-folder: what manifests may name."
    from PIL import Image
    d.mkdir(parents=True, exist_ok=True)
    for k in range(2): Image.fromarray(np.random.default_rng(k).integers(0, 255, (64, 64, 3), np.uint8)).save(d/f'{k}.png')
    Image.new('L', (32, 32)).save(d/'gray.png'); (d/'x.txt').write_text('not an image'); (d/'sub').mkdir(exist_ok=True)
    (d/'manifest.json').write_text(json.dumps({'images': [{'image': '0.png', 'kind': 'mixed', 'classes': ['hail', 'dog barking']}]}))
    return d

CLASSES = list(PAPER.classes)
image_names = st.one_of(st.sampled_from(['0.png', '1.png', '0.png', 'gray.png', 'x.txt', 'sub', 'missing.png', '', '.', '..', '../0.png',
                                         '/etc/hostname', 'sub/../0.png', './0.png', 'a\x00b', 'manifest.json', 'sub/']),
                        st.text(max_size=10), long_text(100, 3000), json_values(3))
class_lists = st.one_of(st.lists(st.sampled_from(CLASSES), min_size=1, max_size=3), st.lists(st.sampled_from(CLASSES) | st.text(max_size=10) | long_text(100, 2000), max_size=3),
                        json_values(3))

@st.composite
def manifest_texts(draw) -> bytes:
    if draw(st.integers(0, 3)) == 0: return draw(st.sampled_from(RAW_JSON))
    entry = st.fixed_dictionaries({}, optional={'image': image_names, 'kind': st.sampled_from(['mixed', 'separated', 'mixed']) | json_values(2),
                                                'composer': st.sampled_from(['blend', '']) | json_values(2), 'classes': class_lists,
                                                draw(st.text(max_size=6)): json_values(2)})
    doc = draw(st.one_of(st.fixed_dictionaries({'images': st.lists(entry | json_values(2), max_size=4)}), json_values()))
    return json_text(doc).encode('utf-8', 'surrogatepass')

class_option = st.none() | st.sampled_from(['hail+dog barking', 'dog barking', 'hail+', '+', '', 'x+y', 'hail+hail+hail']) | st.text(max_size=20) | long_text(100, 2000)

@fuzz(40)
@given(text=manifest_texts(), classes=class_option)
@example(text=b'{"images": [{"image": "0.png", "classes": ["' + b'x' * 5000 + b'"]}]}', classes=None)   # a long class name
@example(text=b'{"images": [{"image": "a\\u0000b", "classes": ["hail"]}]}', classes=None)       # a NUL in a file name
@example(text=b'{"images": [{"image": "0.png", "classes": [1' + b'0' * 5000 + b']}]}', classes=None)   # a 5001-digit integer
def test_manifest_direct(warm, text, classes):
    with sandbox() as d:
        images_folder(d/'ims'); (d/'ims'/'manifest.json').write_bytes(text)
        split = classes.split('+') if classes else None
        with writes_only_under(d, None): df = user_error_or(evaluate_folder, d/'ims', warm, split)
        if not isinstance(df, AvgasError): assert len(df) >= 1 and set(df['image']) <= {'0.png', '1.png', './0.png', 'gray.png'}

@fuzz(30)
@given(text=manifest_texts(), classes=class_option)
@example(text=b'{"images": [{"image": "0.png"}]}', classes='1' * 5000)   # a long --classes
def test_manifest_through_cli(warm, text, classes):
    with sandbox() as d:
        images_folder(d/'ims'); (d/'ims'/'manifest.json').write_bytes(text)
        with writes_only_under(d, d/'out'): check_cli(*cli(['evaluate', '--images', 'ims', '--out', 'out'] + (['--classes', classes] if classes is not None else [])))


# ================================================================ 5. checkpoint records and safetensors headers
from avgas.checkpoints import CHECKPOINT_FORMAT, REFERENCE_FORMAT, checkpoint_record, read_checkpoint, safetensors_header  # noqa: E402

RECORD = json.loads((WEIGHTS/'synth_separator.json').read_text())
WEIGHT_BYTES = (WEIGHTS/'synth_separator.safetensors').read_bytes()
HEADER_LEN = struct.unpack('<Q', WEIGHT_BYTES[:8])[0]
HEADER = json.loads(WEIGHT_BYTES[8:8 + HEADER_LEN])
BODY = WEIGHT_BYTES[8 + HEADER_LEN:]

def st_file(head: dict, body: bytes) -> bytes:
    raw = json.dumps(head).encode(); return struct.pack('<Q', len(raw)) + raw + body
FILE_NAMES = ['synth_separator.safetensors', 'synth_separator.json', 'best.json', '../synth_separator.safetensors', '/etc/hostname',
              'sub/x.safetensors', '.', '..', '', 'missing.safetensors', 'a\x00b', 'x' * 300]

def paths_of(node, prefix=()):
    "Every path (a tuple of keys and indices) into a JSON document."
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items(): yield from paths_of(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node): yield from paths_of(v, prefix + (i,))

record_values = st.one_of(json_values(4), st.sampled_from(FILE_NAMES), st.sampled_from([1, 2, 16, 64, 128, 256, 257, 1000, 16_384, 16_385, 2**31, 0, -1]),
                          st.sampled_from([CHECKPOINT_FORMAT, REFERENCE_FORMAT]))

@st.composite
def mutated(draw, doc, n=(1, 3), values=record_values):
    "`doc` with a few of its nodes replaced, removed, or given a made-up key."
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(*n))):
        path = draw(st.sampled_from(list(paths_of(doc))))
        if not path: return draw(values)   # the whole document replaced
        parent = doc
        for k in path[:-1]: parent = parent[k]
        action = draw(st.sampled_from(['set', 'set', 'delete', 'add']))
        if action == 'set': parent[path[-1]] = draw(values)
        elif action == 'delete': del parent[path[-1]]
        elif isinstance(parent, dict): parent[draw(st.text(max_size=8))] = draw(values)
        else: parent.append(draw(values))
        if not isinstance(doc, dict): break
    return doc

@st.composite
def record_files(draw) -> dict[str, bytes]:
    "The files of a separator folder: the record (mutated), its weights, and sometimes a best.json naming an entry of it."
    files = {'synth_separator.safetensors': WEIGHT_BYTES}
    if draw(st.integers(0, 4)) == 0: files['synth_separator.json'] = draw(st.sampled_from(RAW_JSON)); return files | {'target': b'synth_separator.json'}
    rec = draw(mutated(RECORD))
    if draw(st.booleans()):   # a reference: best.json names the `entry` record of last.json
        entry = draw(st.sampled_from(['best', 'best', 'meta', 'format', 'weights']) | json_values(2))
        ref = draw(mutated({'format': REFERENCE_FORMAT, 'checkpoint': 'last.json', 'entry': entry}, (0, 1)))
        files['best.json'] = json_text(ref).encode('utf-8', 'surrogatepass')
        files['last.json'] = json_text({'format': CHECKPOINT_FORMAT, 'best': rec}).encode('utf-8', 'surrogatepass')
        return files | {'target': b'best.json'}
    files['synth_separator.json'] = json_text(rec).encode('utf-8', 'surrogatepass')
    return files | {'target': b'synth_separator.json'}

def write_files(folder: Path, files: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True); (folder/'sub').mkdir(exist_ok=True)
    for name, data in files.items():
        if name != 'target': (folder/name).write_bytes(data)
    return folder/files['target'].decode()

def small_wav(path: Path):
    import soundfile as sf
    sf.write(path, np.random.default_rng(0).normal(0, .1, 8000).astype('float32'), 16000)

@fuzz(50)
@given(files=record_files())
@example(files={'synth_separator.safetensors': WEIGHT_BYTES, 'target': b'synth_separator.json',
                'synth_separator.json': json_text(RECORD | {'meta': RECORD['meta'] | {'epoch': '@'}}).replace('"@"', '1' + '0' * 5000).encode()})   # a 5001-digit epoch
def test_checkpoint_record_direct(warm, files):
    "The record readers and the separator loader: a record, followed to its entry, then the architecture and weights checked."
    from avgas.generate import AVGASMethod
    from avgas.separator import Separator
    with sandbox() as d:
        p = write_files(d/'sep', files)
        with writes_only_under(d, None):
            rec = user_error_or(checkpoint_record, p)
            if not isinstance(rec, AvgasError): assert isinstance(rec, dict) and isinstance(rec.get('meta', {}), dict)
            user_error_or(Separator.from_checkpoint, p)
            m = user_error_or(AVGASMethod.from_checkpoint, p)
        if not isinstance(m, AvgasError): assert m.checkpoint['sha256'] == hashlib.sha256(WEIGHT_BYTES).hexdigest()

@fuzz(30)
@given(files=record_files())
@example(files={'synth_separator.safetensors': WEIGHT_BYTES, 'target': b'synth_separator.json',
                'synth_separator.json': b'{"a": 1' + b'0' * 5000 + b'}'})   # a 5001-digit integer
def test_checkpoint_record_through_cli(warm, files):
    "`avgas generate x.wav --separator RECORD --out OUT`, generation stood in for: the separator is loaded, or refused."
    with sandbox() as d:
        p = write_files(d/'sep', files); small_wav(d/'x.wav')
        with writes_only_under(d, d/'out'), mock.patch('avgas.generate.generate_files', side_effect=Reached):
            check_cli(*cli(['generate', 'x.wav', '--separator', str(p.relative_to(d)), '--out', 'out']), ok=('reached',))

header_values = st.one_of(json_values(3), st.sampled_from(['F32', 'F16', 'BF16', 'I64', 'BOOL', 'F8_E4M3', 'U8', 'C64', 'f32', 'F128', '']),
                          st.lists(st.integers(-1, 300) | st.sampled_from(HUGE_INTS), max_size=5),
                          st.sampled_from(HUGE_INTS + [0, 1, len(BODY), len(BODY) + 1]))

@st.composite
def safetensors_files(draw) -> bytes:
    "A weights file: the separator's header mutated (or noise), a length prefix that may lie, and the real tensor bytes (or a cut)."
    kind = draw(st.sampled_from(['header', 'header', 'header', 'length', 'noise', 'cut', 'names']))
    if kind == 'noise': return draw(st.binary(max_size=64)) if draw(st.booleans()) else struct.pack('<Q', draw(st.integers(0, 2**64 - 1))) + draw(st.binary(max_size=64))
    head = HEADER
    if kind == 'names':   # long or odd tensor names, each with the right entry
        head = {draw(st.text(max_size=10) | long_text(300, 20_000)) if i < 3 else k: v for i, (k, v) in enumerate(HEADER.items())}
    elif kind != 'cut': head = draw(mutated(HEADER, (1, 3), header_values))
    raw = json_text(head).encode('utf-8', 'surrogatepass')
    n = len(raw) if kind != 'length' else draw(st.sampled_from([0, 1, len(raw) - 1, len(raw) + 1, 2**32, 2**63, 2**64 - 1]) | st.integers(0, len(raw) + 100))
    body = BODY if kind != 'cut' else BODY[:draw(st.integers(0, len(BODY) - 1))]
    return struct.pack('<Q', n) + raw + body

@fuzz(50)
@given(data=safetensors_files())
@example(data=struct.pack('<Q', 2**64 - 1) + b'{}')
@example(data=st_file({'a': {'dtype': [], 'shape': [], 'data_offsets': [0, 0]}}, b''))   # an unhashable dtype
@example(data=st_file({'x' * 2000: {'dtype': 'F32', 'shape': [1], 'data_offsets': [4, 8]}}, b'\0' * 8))   # a gap the library refuses, naming the tensor
@example(data=st_file({('k' * 2000 if i == 0 else k): v for i, (k, v) in enumerate(HEADER.items())}, BODY))  # a long tensor name the model lacks
def test_safetensors_header(warm, data):
    "Header bytes from outside: read alone, then as a checkpoint's weights (its SHA-256 recorded, so only the content is at fault)."
    from avgas.separator import Separator
    with sandbox() as d:
        (d/'sep').mkdir(); w = d/'sep'/'synth_separator.safetensors'; w.write_bytes(data)
        (d/'sep'/'synth_separator.json').write_text(json.dumps(RECORD | {'weights_sha256': hashlib.sha256(data).hexdigest()}))
        with writes_only_under(d, None):
            head = user_error_or(safetensors_header, w)
            if not isinstance(head, AvgasError): assert all(isinstance(v['shape'], tuple) for v in head.values())
            user_error_or(read_checkpoint, w)
            user_error_or(Separator.from_checkpoint, d/'sep'/'synth_separator.json')

@fuzz(25)
@given(data=safetensors_files())
@example(data=st_file({('k' * 2000 if i == 0 else k): v for i, (k, v) in enumerate(HEADER.items())}, BODY))  # a long tensor name the model lacks
def test_safetensors_header_through_cli(warm, data):
    with sandbox() as d:
        (d/'sep').mkdir(); (d/'sep'/'synth_separator.safetensors').write_bytes(data)
        (d/'sep'/'synth_separator.json').write_text(json.dumps(RECORD | {'weights_sha256': hashlib.sha256(data).hexdigest()}))
        small_wav(d/'x.wav')
        with writes_only_under(d, d/'out'), mock.patch('avgas.generate.generate_files', side_effect=Reached):
            check_cli(*cli(['generate', 'x.wav', '--separator', 'sep/synth_separator.json', '--out', 'out']), ok=('reached',))

@fuzz(25)
@given(data=st.binary(max_size=200) | st.sampled_from([b'PK\x03\x04' + b'\x00' * 60, b'\x80\x02}q\x00.', b'\x80\x04\x95' + b'\xff' * 20]))
def test_pickle_checkpoint_bytes(data):
    "A .pth from outside: torch.load with weights_only, any damage a CheckpointError."
    with sandbox() as d:
        (d/'x.pth').write_bytes(data)
        with writes_only_under(d, None): user_error_or(read_checkpoint, d/'x.pth')


# ================================================================ 6. memory, in a fresh process
CHILD = ('import resource, sys\nfrom avgas.launch import main\ntry: rc = main(sys.argv[1:])\n'
         "finally: print(f'\\nMAXRSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\nsys.exit(rc)\n")

def child(argv: list[str], cwd: Path) -> tuple[int, str, float]:
    "(exit status, stderr without the memory line, peak RSS in MB) of the avgas CLI in a fresh process (address space capped at 8 GiB)."
    cap = lambda: resource.setrlimit(resource.RLIMIT_AS, (8 * 2**30, 8 * 2**30))
    r = subprocess.run([sys.executable, '-c', CHILD, *argv], cwd=cwd, capture_output=True, text=True, timeout=300, preexec_fn=cap,
                       env=os.environ | {'OMP_NUM_THREADS': '1'})
    m = re.search(r'\nMAXRSS_KB (\d+)\n', r.stderr)
    assert m, f'no memory report: exit {r.returncode}, stderr {r.stderr[-3000:]}'
    return r.returncode, r.stderr[:m.start()] + '\n' + r.stderr[m.end():], int(m.group(1)) / 1024

AMPLIFIERS = ['laughs', 'deep yaml', 'digits', 'record sizes', 'header sizes', 'csv field', 'frames digits', 'deep manifest']

def amplifier(kind: str, n: int) -> tuple[str, dict, list[str]]:
    "A small input that asks for a lot (`n` in 0..3 picks its size): (what, files, argv)."
    if kind == 'laughs':   # 9^9 strings from 1 KB: what an alias bomb asks for
        return kind, {'c.yaml': _laughs(9, 6 + n, 'world').encode()}, ['train', '--config', 'c.yaml', '--out', 'out']
    if kind == 'deep yaml':
        return kind, {'c.yaml': b'[' * 10**(4 + n % 3) + b']' * 10**(4 + n % 3)}, ['train', '--config', 'c.yaml', '--out', 'out']
    if kind == 'digits':
        return kind, {}, ['generate', 'missing.wav', '--out', 'out', '--generate.seed', '7' * 10**(4 + n % 2)]
    if kind == 'record sizes':
        sep = {'n_slots': 16, 'dim': 16384, 'width': 256, 'init': 'scratch'} if n < 2 else {'n_slots': 2, 'dim': 128, 'width': 10**9, 'init': 'scratch'}
        rec = copy.deepcopy(RECORD); rec['meta']['experiment']['separator'] = sep
        return kind, {'sep/synth_separator.json': json.dumps(rec).encode(), 'sep/synth_separator.safetensors': WEIGHT_BYTES},\
            ['generate', 'x.wav', '--separator', 'sep/synth_separator.json', '--out', 'out']
    if kind == 'header sizes':
        head = copy.deepcopy(HEADER); k = next(iter(k for k in head if k != '__metadata__'))
        head[k]['shape'] = [2**20, 2**20]; head[k]['data_offsets'] = [0, 2**42]
        raw = json.dumps(head).encode(); data = struct.pack('<Q', len(raw)) + raw + BODY
        rec = RECORD | {'weights_sha256': hashlib.sha256(data).hexdigest()}
        return kind, {'sep/synth_separator.json': json.dumps(rec).encode(), 'sep/synth_separator.safetensors': data},\
            ['generate', 'x.wav', '--separator', 'sep/synth_separator.json', '--out', 'out']
    if kind == 'csv field':
        return kind, {'vgg.csv': b'vid,0,"' + b'x' * (2**20 * (1 + n)) + b'",train\n', 'videos/.keep': b''},\
            ['prepare-vggsound', 'videos', '--csv', 'vgg.csv', '--out', 'out', '--workers', '1']
    if kind == 'frames digits':
        return kind, {'vgg.csv': b'vid,0,dog,train\n', 'videos/.keep': b'', 'f.json': b'{"vid_0_10000": 1' + b'0' * 10**(4 + n % 3) + b'}'},\
            ['prepare-vggsound', 'videos', '--csv', 'vgg.csv', '--out', 'out', '--workers', '1', '--frames-json', 'f.json']
    return kind, {'ims/manifest.json': b'{"images": ' + b'[' * 10**(5 + n % 2) + b']' * 10**(5 + n % 2) + b'}'}, ['evaluate', '--images', 'ims', '--out', 'out']

@pytest.fixture(scope='module')
def child_baseline() -> float:
    "Peak RSS of the same kind of run on a harmless input: the import of torch and avgas."
    with sandbox() as d: return child(['generate', 'missing.wav', '--out', 'out'], d)[2]

@pytest.mark.parametrize('kind', AMPLIFIERS)
@fuzz(1)
@given(n=st.integers(0, 3))
@example(n=0)
def test_memory_of_amplifying_inputs(child_baseline, kind, n):
    "Inputs of a few bytes that describe gigabytes, each kind in a fresh process: refused (or handled) with peak RSS near a harmless run's."
    what, files, argv = amplifier(kind, n)
    with sandbox() as d:
        small_wav(d/'x.wav')
        for name, data in files.items(): (d/name).parent.mkdir(parents=True, exist_ok=True); (d/name).write_bytes(data)
        with writes_only_under(d, d/'out'): rc, err, peak = child(argv, d)
        check_cli(rc, '', err)
        assert peak <= child_baseline + MAX_CHILD_GROWTH_MB, f'{what}: peak RSS {peak:.0f} MB, a harmless run {child_baseline:.0f} MB'
