"""Issue #30, records and files from outside: checkpoint records, safetensors headers, loaded weights, VGGSound's
CSV and frames JSON, manifests, and `prepare-vggsound`'s labels.csv. Every bad input is a one-paragraph
`avgas: error:` with exit 2 (or the `AvgasError` it comes from), checked before anything is allocated for it;
each table case failed on the code before these checks (the report of #30 lists the old first lines)."""
import csv, hashlib, json, math, os, shutil, struct, subprocess
from pathlib import Path
import numpy as np
import pytest
import soundfile as sf
import torch
from safetensors.torch import save as st_save, load as st_load
from test_cli import avgas_exe

WEIGHTS = Path(__file__).resolve().parent.parent/'avgas'/'weights'


def run(argv, d):
    return subprocess.run([avgas_exe(), *[a.format(d=d) for a in argv]], capture_output=True, text=True, timeout=300,
                          env=os.environ | {'OMP_NUM_THREADS': '1'})


def check_user_error(r, expect, what=''):
    err = ' '.join(r.stderr.split())
    assert r.returncode == 2, (what, r.returncode, r.stderr[-2000:])
    assert 'Traceback' not in r.stderr, r.stderr[-3000:]
    assert err.startswith('avgas: error:') and len(err) < 1500, err[:3000]
    for e in ([expect] if isinstance(expect, str) else expect): assert e in err, (e, err)


# ---- a copy of the synthetic world's separator, to be altered ----
def separator_copy(d: Path) -> Path:
    (d/'sep').mkdir(exist_ok=True)
    for s in ('json', 'safetensors'): shutil.copy(WEIGHTS/f'synth_separator.{s}', d/'sep'/f'synth_separator.{s}')
    sf.write(d/'x.wav', np.random.default_rng(0).normal(0, .1, 8000).astype('float32'), 16000)
    return d/'sep'/'synth_separator.json'

def edit_record(change):
    def make(d):
        p = separator_copy(d); rec = json.loads(p.read_text()); change(rec); p.write_text(json.dumps(rec))
    return make

def sep_field(k, v):
    def change(rec): rec['meta']['experiment']['separator'][k] = v
    return edit_record(change)

def reference_entry(entry):
    def make(d):
        separator_copy(d)
        (d/'sep'/'best.json').write_text(json.dumps({'format': 'avgas-checkpoint-reference-1', 'checkpoint': 'synth_separator.json', 'entry': entry}))
    return make

def weights_file(data_of):
    "Replace the separator's weights with `data_of(tensors)` (bytes), and record their SHA-256 so only the content is at fault."
    def make(d):
        p = separator_copy(d); w = p.with_suffix('.safetensors')
        data = data_of(st_load(w.read_bytes())); w.write_bytes(data)
        rec = json.loads(p.read_text()); rec['weights_sha256'] = hashlib.sha256(data).hexdigest(); p.write_text(json.dumps(rec))
    return make

def header_bytes(n: int, header: dict, body: bytes = b'') -> bytes:
    h = json.dumps(header).encode(); return struct.pack('<Q', n if n >= 0 else len(h)) + h + body

def claims_more(ts):   # the header says a tensor's bytes reach past the end of the file
    return header_bytes(-1, {'head.bias': {'dtype': 'F32', 'shape': [256], 'data_offsets': [0, 1024]}}, b'\0' * 100)

def long_header(ts): return struct.pack('<Q', 10**9) + b'{}'          # a header length larger than the file
def huge_header(ts): return struct.pack('<Q', 2**63) + b'{"a": 1}'
def not_object(ts): return header_bytes(-1, ['head.bias'])
def overlapping(ts):
    return header_bytes(-1, {'a': {'dtype': 'F32', 'shape': [2], 'data_offsets': [0, 8]},
                             'b': {'dtype': 'F32', 'shape': [2], 'data_offsets': [4, 12]}}, b'\0' * 12)

def with_nan(ts): ts = dict(ts); ts['layer2.0.conv1.weight'] = ts['layer2.0.conv1.weight'].clone(); ts['layer2.0.conv1.weight'][0, 0, 0, 0] = float('nan'); return st_save(ts)
def with_inf(ts): ts = dict(ts); ts['head.bias'] = ts['head.bias'].clone(); ts['head.bias'][3] = float('inf'); return st_save(ts)
def with_int(ts): ts = dict(ts); ts['conv1.weight'] = (ts['conv1.weight'] * 100).to(torch.int32); return st_save(ts)
def with_bool(ts): ts = dict(ts); ts['bn1.weight'] = ts['bn1.weight'] > 0; return st_save(ts)

GEN = ['generate', '{d}/x.wav', '--out', '{d}/o', '--separator', '{d}/sep/synth_separator.json']
GEN_BEST = ['generate', '{d}/x.wav', '--out', '{d}/o', '--separator', '{d}/sep/best.json']

RECORDS = [  # (name, setup, argv, what the message must contain)
    ('record width 100000',      sep_field('width', 100_000),   GEN,  ['separator.width', '100000', 'must be between 1 and']),
    ('record dim 10**9',         sep_field('dim', 10**9),       GEN,  ['separator.dim', '1000000000', 'must be between 1 and']),
    ('record n_slots 10**6',     sep_field('n_slots', 10**6),   GEN,  ['separator.n_slots', '1000000', 'must be between 1 and']),
    ('record width 256 dim 8192 slots 16', edit_record(lambda r: r['meta']['experiment']['separator'].update(width=256, dim=8192, n_slots=16)),
                                 GEN,  ['parameters', 'at most']),
    ('record entry a list',      reference_entry(['best']),     GEN_BEST, ['best.json', "entry ['best']", 'must be a name']),
    ('record checkpoint a list', lambda d: (separator_copy(d), (d/'sep'/'best.json').write_text(json.dumps(
                                     {'format': 'avgas-checkpoint-reference-1', 'checkpoint': ['x.json'], 'entry': 'best'}))),
                                 GEN_BEST, ["checkpoint entry ['x.json'] must be a file name"]),
    ('record a long list format', edit_record(lambda r: r.update(format=list(range(10_000)))), GEN, ['not an avgas checkpoint', 'characters)']),
    # safetensors headers: sizes checked against the file before anything is read or allocated for them
    ('header claims more bytes', weights_file(claims_more),     GEN,  ['synth_separator.safetensors', 'head.bias', 'past the end of the file']),
    ('header longer than file',  weights_file(long_header),     GEN,  ['synth_separator.safetensors', 'header of 1,000,000,000 bytes']),
    ('header length 2**63',      weights_file(huge_header),     GEN,  ['synth_separator.safetensors', 'header of 9,223,372,036,854,775,808 bytes']),
    ('header not an object',     weights_file(not_object),      GEN,  ['synth_separator.safetensors', 'header is not a JSON object']),
    ('header tensors overlap',   weights_file(overlapping),     GEN,  ['synth_separator.safetensors', 'overlap']),
    # weights: dtype and finiteness on load
    ('weights NaN',              weights_file(with_nan),        GEN,  ['synth_separator.safetensors', 'layer2.0.conv1.weight', 'NaN']),
    ('weights Inf',              weights_file(with_inf),        GEN,  ['synth_separator.safetensors', 'head.bias', 'infinite']),
    ('weights int32',            weights_file(with_int),        GEN,  ['synth_separator.safetensors', 'conv1.weight', 'int32', 'floating']),
    ('weights bool',             weights_file(with_bool),       GEN,  ['synth_separator.safetensors', 'bn1.weight', 'bool']),
]


@pytest.mark.parametrize('name, setup, argv, expect', RECORDS, ids=[c[0] for c in RECORDS])
def test_checkpoint_record(tmp_path, name, setup, argv, expect):
    setup(tmp_path)
    check_user_error(run(argv, tmp_path), expect, name)
    assert not (tmp_path/'o'/'manifest.json').exists()


def test_record_shapes_checked_before_the_model_is_built(tmp_path, monkeypatch):
    "A record whose architecture does not match its weights' shapes (read from the header) is refused without building a model."
    from avgas.errors import CheckpointError
    from avgas import separator as S
    p = sep_field('width', 200)(tmp_path) or tmp_path/'sep'/'synth_separator.json'
    def built(*a, **k): raise AssertionError('a Separator was built')
    monkeypatch.setattr(S.Separator, '__init__', built)
    with pytest.raises(CheckpointError) as e: S.Separator.from_checkpoint(p)
    msg = str(e.value)
    assert 'synth_separator.safetensors' in msg and 'conv1.weight' in msg and '(200, 1, 7, 7)' in msg and '(16, 1, 7, 7)' in msg, msg


def test_record_loads_through_from_checkpoint(tmp_path):
    from avgas.separator import Separator
    p = separator_copy(tmp_path)
    sep = Separator.from_checkpoint(p)
    assert (sep.cfg.width, sep.cfg.dim, sep.cfg.n_slots) == (16, 128, 2)
    assert torch.equal(sep.head.bias, st_load((tmp_path/'sep'/'synth_separator.safetensors').read_bytes())['head.bias'])


# ---- the encoders avgas loads check their weights too ----
@pytest.fixture(scope='module')
def s2s_state():
    from avgas.encoders import Sound2SceneAudioEncoder
    return Sound2SceneAudioEncoder().state_dict()

@pytest.mark.parametrize('damage, expect', [('nan', 'NaN'), ('inf', 'infinite'), ('int', 'int64'), ('float counter', 'float32')])
def test_encoder_weights_checked(tmp_path, s2s_state, damage, expect):
    from avgas.errors import CheckpointError
    from avgas.encoders import Sound2SceneAudioEncoder
    sd = dict(s2s_state); k = 'audnet.layer3.1.conv2.weight'
    if damage == 'nan': sd[k] = sd[k].clone(); sd[k][1, 2, 0, 0] = float('nan')
    elif damage == 'inf': sd[k] = sd[k].clone(); sd[k][0, 0, 0, 0] = -float('inf')
    elif damage == 'int': sd[k] = torch.zeros_like(sd[k], dtype=torch.int64)
    else: k = 'audnet.bn1.num_batches_tracked'; sd[k] = sd[k].float()
    torch.save(sd, tmp_path/'sound2scene.pth')
    with pytest.raises(CheckpointError) as e: Sound2SceneAudioEncoder.from_checkpoint(tmp_path)
    msg = str(e.value)
    assert 'sound2scene.pth' in msg and k.removeprefix('audnet.') in msg and expect in msg, msg


def test_safetensors_encoder_header_checked(tmp_path):
    from avgas.errors import CheckpointError
    from avgas.checkpoints import read_checkpoint
    (tmp_path/'w.safetensors').write_bytes(claims_more(None))
    with pytest.raises(CheckpointError, match='past the end of the file'): read_checkpoint(tmp_path/'w.safetensors', 'weights')


# ---- VGGSound: CSV rows, frames JSON, and manifests of avgas evaluate ----
def text(name, content):
    def make(d):
        (d/'videos').mkdir(exist_ok=True)
        (d/name).write_bytes(content if isinstance(content, bytes) else content.encode())
    return make

def then(*setups):
    def make(d):
        for s in setups: s(d)
    return make

def manifest(doc):
    def make(d):
        from PIL import Image
        for k in range(2): Image.new('RGB', (64, 64)).save(d/f'{k}.png')
        (d/'manifest.json').write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return make

def images(**entry): return {'images': [{'image': f'{k}.png', 'kind': 'mixed'} | entry for k in range(2)]}

PREP = ['prepare-vggsound', '{d}/videos', '--csv', '{d}/vgg.csv', '--out', '{d}/prep', '--workers', '1']
FRAMES = PREP + ['--frames-json', '{d}/f.json']
ROW = text('vgg.csv', 'a,0,dog,train\n')
EVAL = ['evaluate', '--images', '{d}', '--classes', 'dog barking+hail']

INPUTS = [
    ('csv start nan',       text('vgg.csv', 'a,nan,dog,train\n'),      PREP,   ['vgg.csv, line 1', "start 'nan'", 'finite']),
    ('csv start inf',       text('vgg.csv', 'a,0,dog,train\nb,inf,cat,test\n'), PREP, ['vgg.csv, line 2', "start 'inf'"]),
    ('csv start 1e400',     text('vgg.csv', 'a,1e400,dog,train\n'),    PREP,   ['vgg.csv, line 1', "start '1e400'"]),
    ('csv start negative',  text('vgg.csv', 'a,-5,dog,train\n'),       PREP,   ['vgg.csv, line 1', "start '-5'", 'at least 0']),
    ('csv unclosed quote',  text('vgg.csv', 'a,0,"dog,train\nb,1,cat,train\n'), PREP, ['vgg.csv', 'line 1', 'quote']),
    ('csv stray quote',     text('vgg.csv', 'a,0,"dog"x,train\n'),     PREP,   ['vgg.csv, line 1', 'quote']),
    ('csv 6 columns',       text('vgg.csv', 'a,0,dog,train,x,y\n'),    PREP,   ['vgg.csv, line 1', '6 columns']),
    ('csv 5 columns',       text('vgg.csv', 'a,0,dog,train\nb,0,dog,cat,train\n'), PREP, ['vgg.csv, line 2', '5 columns']),
    ('csv empty label',     text('vgg.csv', 'a,0, ,train\n'),          PREP,   ['vgg.csv, line 1', 'label']),
    ('csv long id',         text('vgg.csv', 'a' * 5000 + ',0,dog,train\n'), PREP, ['vgg.csv, line 1', 'characters)']),
    ('csv one clip twice',  text('vgg.csv', 'a,0,dog,train\na,0.0,cat,train\n'), PREP, ['vgg.csv, line 2', 'a_0_10000', "'dog'", "'cat'"]),
    ('frames index "x"',    then(ROW, text('f.json', '{"a_0_10000": "x"}')),   FRAMES, ['f.json', 'a_0_10000', "'x'", 'whole number']),
    ('frames index 1.5',    then(ROW, text('f.json', '{"a_0_10000": 1.5}')),   FRAMES, ['f.json', 'a_0_10000', '1.5']),
    ('frames index true',   then(ROW, text('f.json', '{"a_0_10000": true}')),  FRAMES, ['f.json', 'a_0_10000', 'True']),
    ('frames index -1',     then(ROW, text('f.json', '{"a_0_10000": [-1]}')),  FRAMES, ['f.json', 'a_0_10000', '-1']),
    ('frames empty list',   then(ROW, text('f.json', '{"a_0_10000": []}')),    FRAMES, ['f.json', 'a_0_10000', '[]']),
    ('frames nested list',  then(ROW, text('f.json', '{"a_0_10000": [[3]]}')), FRAMES, ['f.json', 'a_0_10000', '[[3]]']),
    ('frames mapping',      then(ROW, text('f.json', '{"a_0_10000": {"k": 1}}')), FRAMES, ['f.json', 'a_0_10000', "{'k': 1}"]),
    ('frames other clip',   then(ROW, text('f.json', '{"b_0_10000": "x"}')),   FRAMES, ['f.json', 'b_0_10000']),
    ('manifest classes str', manifest(images(classes='dog barking')), EVAL, ['manifest.json', "'classes'", "'dog barking'", 'list']),
    ('manifest classes int', manifest(images(classes=5)),             EVAL, ['manifest.json', "'classes'", '5', 'list']),
    ('manifest classes ints', manifest(images(classes=[1, 2])),       EVAL, ['manifest.json', "'classes'", '[1, 2]']),
    ('manifest kind list',  manifest(images(kind=['mixed'])),         EVAL, ['manifest.json', "'kind'", "['mixed']"]),
    ('manifest composer dict', manifest(images(composer={'a': 1})),   EVAL, ['manifest.json', "'composer'"]),
    ('manifest deep',       manifest('{"images": ' + '[' * 100_000 + ']' * 100_000 + '}'), EVAL, ['manifest.json', 'nested']),
]


@pytest.mark.parametrize('name, setup, argv, expect', INPUTS, ids=[c[0] for c in INPUTS])
def test_input_record(tmp_path, name, setup, argv, expect):
    setup(tmp_path)
    check_user_error(run(argv, tmp_path), expect, name)
    if argv[0] == 'prepare-vggsound': assert not (tmp_path/'prep'/'labels.csv').exists()


# ---- prepare-vggsound into a folder that already holds clips: labels.csv merged, written atomically ----
def done_clip(out: Path, name: str):
    "The clip's two files, as an earlier run left them (prepare-vggsound counts such a clip as already done)."
    from PIL import Image
    (out/'audios').mkdir(parents=True, exist_ok=True); (out/'images').mkdir(parents=True, exist_ok=True)
    sf.write(out/'audios'/f'{name}.wav', np.zeros(1600, 'float32'), 16000); Image.new('RGB', (8, 8)).save(out/'images'/f'{name}.jpg')

def labels(out: Path) -> dict:
    return {r[0]: r[1] for r in csv.reader(open(out/'labels.csv', newline=''))}

def prepare(d: Path, csv_name: str):
    return run(['prepare-vggsound', '{d}/videos', '--csv', '{d}/' + csv_name, '--out', '{d}/prep', '--workers', '1'], d)

@pytest.fixture
def two_csvs(tmp_path):
    (tmp_path/'videos').mkdir()
    (tmp_path/'one.csv').write_text('a,0,dog barking,train\nb,1,"hail, heavy",train\n')
    (tmp_path/'two.csv').write_text('c,2,cat,test\nb,1,"hail, heavy",train\n')
    for n in ('a_0_10000', 'b_1000_11000', 'c_2000_12000'): done_clip(tmp_path/'prep', n)
    return tmp_path

def test_second_csv_merges_labels(two_csvs):
    d = two_csvs
    assert prepare(d, 'one.csv').returncode == 0
    assert labels(d/'prep') == {'a_0_10000': 'dog barking', 'b_1000_11000': 'hail, heavy'}
    r = prepare(d, 'two.csv')
    assert r.returncode == 0, r.stderr[-2000:]
    assert labels(d/'prep') == {'a_0_10000': 'dog barking', 'b_1000_11000': 'hail, heavy', 'c_2000_12000': 'cat'}
    assert json.loads((d/'prep'/'prepare_summary.json').read_text())['labels'] == 3
    assert not [p for p in (d/'prep').iterdir() if '.tmp' in p.name]

def test_conflicting_label_is_refused(two_csvs):
    d = two_csvs
    assert prepare(d, 'one.csv').returncode == 0
    before = (d/'prep'/'labels.csv').read_bytes()
    (d/'two.csv').write_text('c,2,cat,test\nb,1,lion roaring,train\n')
    check_user_error(prepare(d, 'two.csv'), ['b_1000_11000', "'lion roaring'", "'hail, heavy'", 'labels.csv'])
    assert (d/'prep'/'labels.csv').read_bytes() == before

def test_damaged_labels_csv_is_refused(two_csvs):
    d = two_csvs
    (d/'prep'/'labels.csv').write_text('a_0_10000,dog,extra\n')
    check_user_error(prepare(d, 'one.csv'), ['labels.csv, line 1', '3 columns'])

def test_labels_written_by_rename(two_csvs):
    "labels.csv is replaced by a rename: a hard link to the old file keeps the old content (an in-place rewrite would change it)."
    d = two_csvs
    assert prepare(d, 'one.csv').returncode == 0
    os.link(d/'prep'/'labels.csv', d/'old_labels.csv'); old = (d/'old_labels.csv').read_bytes()
    os.link(d/'prep'/'prepare_summary.json', d/'old_summary.json'); old_summary = (d/'old_summary.json').read_bytes()
    assert prepare(d, 'two.csv').returncode == 0
    assert (d/'old_labels.csv').read_bytes() == old and (d/'old_summary.json').read_bytes() == old_summary
    assert labels(d/'prep')['c_2000_12000'] == 'cat'


def test_prepare_stops_on_a_full_output_and_says_so(shared, tmp_path):
    """A write that fails for the output folder's sake (here a file-size limit: EFBIG, as a full disk gives ENOSPC) stops the run
    with that reason (exit 2), instead of reporting every clip as 'unreadable'."""
    import shutil, subprocess, sys, textwrap
    vid = '-Qowmc0P9ic_34000_44000'
    (tmp_path/'videos').mkdir(); shutil.copy(shared/'fixtures/vggsound/video'/f'{vid}.mp4', tmp_path/'videos'/f'{vid}.mp4')
    (tmp_path/'vgg.csv').write_text('-Qowmc0P9ic,34,dog barking,train\n')
    code = textwrap.dedent(f'''
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)              # a too-large write fails with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))  # a 10 s wav at 16 kHz is 320 kB
        from avgas.cli import main
        sys.exit(main(['prepare-vggsound', '{tmp_path}/videos', '--csv', '{tmp_path}/vgg.csv', '--out', '{tmp_path}/prep', '--workers', '1']))
    ''')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, (r.returncode, r.stderr[-1500:])
    err = ' '.join(r.stderr.split())   # the CLI wraps its message to the terminal's width
    assert 'file too large' in err and 'unreadable' not in err + r.stdout and 'Traceback' not in err, r.stderr[-1500:]
