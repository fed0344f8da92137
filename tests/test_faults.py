"""The fault suite: every way a user's input can be wrong, run through the `avgas` console script as a user
runs it. Each case must end with exit code 2 and one paragraph on stderr, `avgas: error: ...`, that names the
input at fault and says what is wrong, with no traceback. A new case is one line of CASES."""
import json, os, resource, signal, struct, subprocess, sys, time, zlib
from pathlib import Path
import numpy as np
import pytest
import soundfile as sf
from test_cli import avgas_exe

# ---- setups: each takes the case's folder and makes the inputs the command line names ----
def wav(d, name='x.wav'):
    sf.write(d/name, np.random.default_rng(0).normal(0, .1, 8000).astype('float32'), 16000)

def text(name, content, also=None):
    def make(d):
        (d/name).parent.mkdir(parents=True, exist_ok=True)
        (d/name).write_bytes(content if isinstance(content, bytes) else content.encode())
        if also: also(d)
    return make

def readonly_parent(d):
    wav(d); (d/'ro').mkdir(); (d/'ro').chmod(0o555)

def manifest(entries, sizes=(64, 64)):
    def make(d):
        from PIL import Image
        for k, s in enumerate(sizes): Image.new('RGB', (s, s)).save(d/f'{k}.png')
        (d/'manifest.json').write_text(json.dumps(entries))
    return make

def two_images(kind='mixed'): return {'images': [{'image': f'{k}.png', 'kind': kind} for k in range(2)]}

def checkpoint_pointing_to(ref):
    return text('run/best.json', json.dumps({'format': 'avgas-checkpoint-1', 'weights': ref, 'weights_sha256': '0' * 64,
                                             'meta': {'experiment': {'separator': {}, 'audio': {}, 'train': {}}}}))

def fifo(name):
    def make(d): os.mkfifo(d/name)
    return make

def device(name):
    def make(d): (d/name).symlink_to('/dev/zero')
    return make

def wav_header(sr, channels, seconds=0.1):
    "x.wav: a PCM_U8 wav header claiming `sr` Hz and `channels` channels; its data a hole in the file."
    def make(d):
        n = int(sr * seconds) * channels
        with open(d/'x.wav', 'wb') as f:
            f.write(b'RIFF' + struct.pack('<I', 36 + n) + b'WAVEfmt ' + struct.pack('<IHHIIHH', 16, 1, channels, sr, sr * channels, channels, 8)
                    + b'data' + struct.pack('<I', n))
            f.truncate(44 + n)
    return make

def png_header(name, w, h):
    "A valid PNG whose header claims w × h grey pixels (a few hundred bytes on disk)."
    def make(d):
        chunk = lambda t, b: struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b))
        (d/name).write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
                             + chunk(b'IDAT', zlib.compress(b'', 9)) + chunk(b'IEND', b''))
    return make

def then(*setups):
    def make(d):
        for s in setups: s(d)
    return make

def videos(d): (d/'videos').mkdir()
def csv_rows(rows): return text('vgg.csv', rows, videos)

TRAIN = ['train', '--config', '{d}/c.yaml', '--out', '{d}/run']
GEN = ['generate', '{d}/x.wav', '--out', '{d}/o']
PREP = ['prepare-vggsound', '{d}/videos', '--csv', '{d}/vgg.csv', '--out', '{d}/prep', '--workers', '1']

def cfg(yaml_text): return text('c.yaml', yaml_text)

CASES = [  # (name, setup, argv ({d}: the case's folder), what the one-paragraph message must contain)
    ('out is a file',            text('o', 'x', wav),  GEN,                                              'exists and is a file'),
    ('out in read-only folder',  readonly_parent,      ['generate', '{d}/x.wav', '--out', '{d}/ro/o'],   'permission denied'),
    ('out under /proc',          wav,                  ['generate', '{d}/x.wav', '--out', '/proc/avgas-fault/o'], '/proc/avgas-fault'),
    ('config wrong type',        cfg('train: {epochs: ten}'),          TRAIN,  "train.epochs: expected int, got str 'ten'"),
    ('config top level list',    cfg('- 1\n- 2'),                      TRAIN,  'expected a mapping, got list'),
    ('config section list',      cfg('train: [1, 2]'),                 TRAIN,  'c.yaml.train: expected a mapping, got list'),
    ('config temperature 0',     cfg('train: {temperature: 0}'),       TRAIN,  'train.temperature: 0.0: must be positive'),
    ('config sample_rate 0',     cfg('audio: {sample_rate: 0}'),       TRAIN,  'audio.sample_rate: 0: must be a rate between'),
    ('config negative epochs',   cfg('train: {epochs: -3}'),           TRAIN,  'train.epochs: -3: must be between 1 and'),
    ('config fractional epochs', cfg('train: {epochs: 2.5}'),          TRAIN,  'train.epochs: expected int, got float 2.5'),
    ('config amp "no"',          cfg('train: {amp: "no"}'),            TRAIN,  "train.amp: expected bool, got str 'no'"),
    ('config negative seconds',  cfg('audio: {seconds: -10}'),         TRAIN,  'audio.seconds: -10.0: must be positive'),
    ('negative --min-seconds',   csv_rows('a,0,dog,train\n'),          PREP + ['--min-seconds', '-5'], '--min-seconds -5.0: must be at least 0'),
    ('separator width 4.5',      cfg('separator: {width: 4.5}'),       TRAIN,  'separator.width: expected int, got float 4.5'),
    ('config unknown key',       cfg('train: {epoch: 3}'),             TRAIN,  "unknown key(s) ['epoch']"),
    ('config not YAML',          cfg('train: {epochs: [1'),            TRAIN,  'not valid YAML'),
    ('config is a folder',       text('c.yaml/x', ''),                 TRAIN,  'c.yaml: is a folder'),
    ('config without .yaml',     None,                 ['train', '--config', 'epochs: 3'],                'epochs: 3: does not exist'),
    ('config not UTF-8',         cfg(b'train: {alignment: "a\xe9"}'), TRAIN, 'c.yaml: cannot be read'),
    ('override wrong type',      wav,                  GEN + ['--generate.seed', 'one'],                 "generate.seed: expected int, got str 'one'"),
    ('unknown option --lam',     wav,                  GEN + ['--lam', '7'],                             "--lam: unknown option; did you mean --generate.lam?"),
    ('lam 7',                    wav,                  GEN + ['--generate.lam', '7'],                    'generate.lam: 7.0: must be in [0, 1]'),
    ('truncation too small',     wav,                  GEN + ['--generate.truncation', '1e-9'],          'generate.truncation: 1e-09: must be at least 0.01'),
    ('csv is a folder',          text('vgg.csv/x', '', videos),        PREP,   'vgg.csv: is a folder'),
    ('csv not UTF-8',            csv_rows(b'caf\xe9,0,dog,train\n'),   PREP,   'vgg.csv: not UTF-8 text'),
    ('csv id ../../x',           csv_rows('../../x,0,dog,train\n'),    PREP,   "id '../../x' cannot name a file inside the output folder"),
    ('csv id absolute',          csv_rows('/etc/x,0,dog,train\n'),     PREP,   "id '/etc/x' cannot name a file inside the output folder"),
    ('frames JSON bad',          text('f.json', '{1:', csv_rows('a,0,dog,train\n')), PREP + ['--frames-json', '{d}/f.json'], 'f.json: not valid JSON'),
    ('frames JSON a list',       text('f.json', '[1]', csv_rows('a,0,dog,train\n')), PREP + ['--frames-json', '{d}/f.json'], 'f.json: expected a mapping'),
    ('manifest sizes differ',    manifest(two_images(), (64, 32)),     ['evaluate', '--images', '{d}', '--classes', 'dog barking+hail'], 'the images differ in size'),
    ('manifest top level list',  manifest([{'image': '0.png'}]),       ['evaluate', '--images', '{d}', '--classes', 'dog barking+hail'], "manifest.json: expected an object with an 'images' list"),
    ('manifest entry ..',        manifest({'images': [{'image': '../0.png', 'kind': 'mixed'}]}), ['evaluate', '--images', '{d}', '--classes', 'dog barking+hail'], "'../0.png'"),
    ('manifest entry absolute',  manifest({'images': [{'image': '/etc/passwd', 'kind': 'mixed'}]}), ['evaluate', '--images', '{d}', '--classes', 'dog barking+hail'], "'/etc/passwd'"),
    ('separator not JSON',       text('sep.txt', 'hello', wav),        GEN + ['--separator', '{d}/sep.txt'], 'sep.txt: expected the .json'),
    ('separator bad JSON',       text('sep.json', '{"format": ', wav), GEN + ['--separator', '{d}/sep.json'], 'sep.json: not valid JSON'),
    ('separator JSON a list',    text('sep.json', '[]', wav),          GEN + ['--separator', '{d}/sep.json'], 'sep.json: not an avgas checkpoint'),
    ('separator is a folder',    text('run/x', '', wav),               GEN + ['--separator', '{d}/run'],     'best.json: file does not exist'),
    ('checkpoint weights ../x',  checkpoint_pointing_to('../x'),       ['evaluate', '--separator', '{d}/run/best.json'], "weights entry '../x' must be a file name"),
    ('checkpoint weights abs',   checkpoint_pointing_to('/etc/passwd'), ['evaluate', '--separator', '{d}/run/best.json'], "weights entry '/etc/passwd' must be a file name"),
    ('audio missing',            None,                 GEN,                                              'x.wav'),
    ('audio not audio',          text('x.wav', 'RIFF\x00\x00garbage'), GEN,                              'cannot be read as audio'),
    ('audio is a pipe',          fifo('x.wav'),        GEN,                                              'x.wav'),   # refused by generate's file check; load_audio's own message: test_input_bounds
    ('audio is a device',        device('x.wav'),      GEN,                                              'x.wav'),
    ('audio 100 channels',       wav_header(16000, 100), GEN,                                            '100 channels (from its header)'),
    ('audio rate 2 MHz',         wav_header(2_000_000, 1), GEN,                                          'sample rate 2000000 Hz (from its header)'),
    ('image header 6000x6000',   then(manifest(two_images()), png_header('0.png', 6000, 6000)), ['evaluate', '--images', '{d}', '--classes', 'dog barking+hail'],
                                 '0.png: 6,000 × 6,000 pixels (from its header) is more than'),
    ('image is a pipe',          then(manifest(two_images()), lambda d: (d/'0.png').unlink(), fifo('0.png')), ['evaluate', '--images', '{d}', '--classes', 'dog barking+hail'],
                                 '0.png: is a pipe (FIFO), not a regular file'),
]


def run(argv, d, **kw):
    return subprocess.run([avgas_exe(), *[a.format(d=d) for a in argv]], capture_output=True, text=True, timeout=300,
                          env=os.environ | {'OMP_NUM_THREADS': '1'}, **kw)


def check_user_error(r, expect, what=''):
    err = ' '.join(r.stderr.split())
    assert r.returncode == 2, (what, r.returncode, r.stderr[-2000:])
    assert 'Traceback' not in r.stderr, r.stderr[-3000:]
    assert err.startswith('avgas: error:'), err
    assert expect in err, (expect, err)


@pytest.mark.parametrize('name, setup, argv, expect', CASES, ids=[c[0] for c in CASES])
def test_fault(tmp_path, name, setup, argv, expect):
    if name == 'out in read-only folder' and os.geteuid() == 0: pytest.skip('root may write into read-only folders')
    if setup: setup(tmp_path)
    before = {p for p in tmp_path.rglob('*')}
    r = run(argv, tmp_path)
    check_user_error(r, expect, name)
    left = {p for p in tmp_path.rglob('*')} - before
    assert not [p for p in left if '.tmp' in p.name], left          # no temporary file left behind
    if name.startswith(('lam', 'unknown option', 'truncation')): assert not (tmp_path/'o').exists()   # checked before any output


def test_disk_full_leaves_no_truncated_output(tmp_path):
    "A write that fails (EFBIG under RLIMIT_FSIZE, as a full disk would) is a user error, and no grid.png or manifest is left."
    wav(tmp_path)
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
    r = run(GEN, tmp_path, preexec_fn=limit)
    check_user_error(r, 'file too large', 'disk full')
    assert not (tmp_path/'o'/'grid.png').exists() and not (tmp_path/'o'/'manifest.json').exists()
    assert not [p for p in (tmp_path/'o').iterdir() if '.tmp' in p.name]


def _wait_for_torch_loading(pid: int, timeout: float = 60.0):
    "Until torch's library is mapped into the process: inside avgas.cli's imports (a fixed sleep misses them under load)."
    maps, t0 = Path(f'/proc/{pid}/maps'), time.monotonic()
    if not maps.exists(): time.sleep(0.3); return
    while time.monotonic() - t0 < timeout:
        try:
            if 'libtorch' in maps.read_text(): return
        except OSError: return                        # the process has ended: the assertions below say how
        time.sleep(0.01)


def test_ctrl_c_during_start_up(tmp_path):
    p = subprocess.Popen([avgas_exe(), 'info'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_torch_loading(p.pid)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, (p.returncode, err[-2000:])
    assert err.strip() == 'avgas: interrupted', err[-2000:]


def test_wav_name_not_utf8(tmp_path):
    "A file name that is not UTF-8 (bytes on Linux) is accepted and gives images."
    name = b'caf\xe9.wav'
    d = os.fsencode(tmp_path)
    with open(d + b'/' + name, 'wb') as f:   # libsndfile takes no such name; a file object it does
        sf.write(f, np.random.default_rng(0).normal(0, .1, 8000).astype('float32'), 16000, format='WAV')
    r = subprocess.run([os.fsencode(avgas_exe()), b'generate', d + b'/' + name, b'--out', d + b'/o'],
                       capture_output=True, timeout=300, env=os.environ | {'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr.decode(errors='replace')[-3000:]
    man = json.loads((tmp_path/'o'/'manifest.json').read_text())
    assert man['images'] and all((tmp_path/'o'/e['image']).exists() for e in man['images'])
    assert (tmp_path/'o'/'grid.png').exists()
