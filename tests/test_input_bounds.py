"""Issue #30, audio and image inputs: sizes from outside are bounded before anything is allocated for them,
special files are refused, images are read in their own mode and bit depth, and a missing package of the
`real` extra is named. Each table case failed on the code before these bounds (see the report of #30)."""
import os, resource, struct, subprocess, sys, zlib
from pathlib import Path
import numpy as np
import pytest
import soundfile as sf
import torch

ODD_RATES = [11127, 44101, 96001, 767999]   # rates that share (almost) no divisor with 16 kHz


def sparse_wav(path, sr, seconds, channels=1):
    "A PCM_U8 wav whose data is a hole: as long as its header says, nothing on disk."
    n = int(sr * seconds) * channels
    with open(path, 'wb') as f:
        f.write(b'RIFF' + struct.pack('<I', 36 + n) + b'WAVEfmt ' + struct.pack('<IHHIIHH', 16, 1, channels, sr, sr * channels, channels, 8)
                + b'data' + struct.pack('<I', n))
        f.truncate(44 + n)


def png(path, w, h, rows: bytes, color_type=0, depth=8):
    "A PNG written by hand: any header, any bit depth."
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    Path(path).write_bytes(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, color_type, 0, 0, 0))
                           + chunk(b'IDAT', zlib.compress(rows, 9)) + chunk(b'IEND', b''))


# ---- audio: resampling bounded whatever the rates' divisor ----
@pytest.mark.parametrize('sr', ODD_RATES)
def test_resampling_plan_is_bounded(sr):
    from avgas.audio import resample_plan
    plan = resample_plan(sr, 16000)
    assert plan['path'] == 'direct' and plan['elements'] <= 2**16, plan


@pytest.mark.parametrize('orig, new', [(1009, 1600), (1600, 1009), (44100, 16000), (22050, 16000)])
def test_direct_resampling_equals_torchaudio(orig, new):
    "Where torchaudio's kernel is small enough to compare, the bounded evaluation gives its result."
    import torchaudio.functional as AF
    from avgas.audio import _direct_resample
    x = torch.randn(2, 2 * orig, generator=torch.Generator().manual_seed(orig)) * 0.1
    torch.testing.assert_close(_direct_resample(x, orig, new, block=997), AF.resample(x, orig, new), atol=3e-5, rtol=0)


def test_odd_rate_load_stays_within_a_data_limit(tmp_path):
    "A 3 s clip at 44101 Hz loads under a 3 GiB data-segment limit (torchaudio's polyphase kernel alone needs 5.6 GB)."
    sf.write(tmp_path/'odd.wav', np.random.default_rng(0).normal(0, .1, 3 * 44101).astype('float32'), 44101)
    code = 'import sys; from avgas.audio import load_audio; print(tuple(load_audio(sys.argv[1], 16000, 10.0).shape))'
    limit = lambda: resource.setrlimit(resource.RLIMIT_DATA, (3 * 2**30, 3 * 2**30))
    r = subprocess.run([sys.executable, '-c', code, str(tmp_path/'odd.wav')], preexec_fn=limit, capture_output=True, text=True,
                       timeout=300, env=os.environ | {'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == '(160000,)'


# ---- audio: what the file declares, and what the file is ----
def _fifo(p): os.mkfifo(p)
def _device(p): p.symlink_to('/dev/zero')

AUDIO_CASES = [  # (name, make(path), load_audio kwargs, the message must contain)
    ('a pipe',                 _fifo,                                              {}, 'is a pipe (FIFO), not a regular file'),
    ('a device',               _device,                                            {}, 'is a character device, not a regular file'),
    ('100 channels',           lambda p: sparse_wav(p, 16000, 0.1, 100),          {}, '100 channels (from its header)'),
    ('2 MHz rate',             lambda p: sparse_wav(p, 2_000_000, 0.1),           {}, 'sample rate 2000000 Hz (from its header)'),
    ('25 hours',               lambda p: sparse_wav(p, 1000, 25 * 3600),          {}, '25.0 h, from its header'),
    ('80 min, kept whole',     lambda p: sparse_wav(p, 16000, 80 * 60),           {'seconds': None}, 'would decode 76,800,000 frames'),
]


@pytest.mark.parametrize('name, make, kw, expect', AUDIO_CASES, ids=[c[0] for c in AUDIO_CASES])
def test_audio_refused_before_decoding(tmp_path, name, make, kw, expect):
    from avgas.audio import load_audio
    from avgas.errors import InputError
    p = tmp_path/'x.wav'; make(p)
    with pytest.raises(InputError) as e: load_audio(p, allow_silent=True, **kw)
    assert expect in str(e.value) and 'x.wav' in str(e.value), str(e.value)


def test_long_file_cropped_is_fine(tmp_path):
    "The bound is on what is decoded: an 80 min file cropped to 10 s loads."
    from avgas.audio import load_audio
    sparse_wav(tmp_path/'x.wav', 16000, 80 * 60)
    assert load_audio(tmp_path/'x.wav', allow_silent=True).shape == (160000,)


# ---- images ----
REF = np.array([[0.0, 0.25], [0.5, 1.0]])   # what each image shows, as grey levels


def _g16(p):
    g = (REF * 65535).round().astype('>u2'); png(p, 2, 2, b''.join(b'\0' + r.tobytes() for r in g), depth=16)
def _rgb16(p):
    g = np.repeat((REF * 65535).round().astype('>u2')[..., None], 3, 2)
    png(p, 2, 2, b''.join(b'\0' + r.tobytes() for r in g), color_type=2, depth=16)
def _pil(mode, alpha=None):
    def make(p):
        from PIL import Image
        g8 = (REF * 255).round().astype(np.uint8)
        if alpha is not None: im = Image.fromarray(np.stack([g8, np.full_like(g8, alpha)], 2), 'LA')
        elif mode == 'F': im = Image.fromarray(REF.astype(np.float32), 'F')
        elif mode == 'I': im = Image.fromarray((REF * 65535).round().astype(np.int32), 'I')
        elif mode == 'P': im = Image.fromarray(g8, 'L').convert('P')   # a palette of the grey levels
        else: im = Image.fromarray(np.repeat(g8[..., None], 3, 2)).convert(mode)
        im.save(p)
    return make

IMAGE_MODES = [  # (name, file name, make, expected grey levels, tolerance)
    ('16-bit grey PNG (I;16)',  'g16.png',   _g16,              REF,            1 / 65535),
    ('16-bit RGB PNG',          'rgb16.png', _rgb16,            REF,            1 / 255),
    ('32-bit integer TIFF (I)', 'i.tif',     _pil('I'),         REF,            1 / 65535),
    ('float TIFF (F)',          'f.tif',     _pil('F'),         REF,            1e-6),
    ('palette PNG (P)',         'p.png',     _pil('P'),         REF,            1 / 255),
    ('CMYK TIFF',               'cmyk.tif',  _pil('CMYK'),      REF,            1 / 255),
    ('grey PNG (L)',            'l.png',     _pil('L'),         REF,            1 / 255),
    ('LA PNG, opaque',          'la.png',    _pil('LA', 255),   REF,            1 / 255),
    ('LA PNG, transparent',     'la0.png',   _pil('LA', 0),     np.ones((2, 2)), 1e-6),   # over white
]


@pytest.mark.parametrize('name, fname, make, want, eps', IMAGE_MODES, ids=[c[0] for c in IMAGE_MODES])
def test_image_modes_read_in_their_own_depth(tmp_path, name, fname, make, want, eps):
    from avgas.mixing import load_image
    make(tmp_path/fname)
    x = load_image(tmp_path/fname)
    assert x.shape == (3, 2, 2) and x.dtype == torch.float32
    torch.testing.assert_close(x, torch.tensor(want, dtype=torch.float32).expand(3, 2, 2), atol=eps + 1e-7, rtol=0)
    assert load_image(tmp_path/fname, size=8).shape == (3, 8, 8)


IMAGE_CASES = [  # (name, make(path), the message must contain)
    ('header claims 6000 x 6000',     lambda p: png(p, 6000, 6000, b''),       '6,000 × 6,000 pixels (from its header) is more than'),
    ('header claims 100000 x 100000', lambda p: png(p, 100_000, 100_000, b''), 'refused before decoding'),
    ('a pipe',                        _fifo,                                    'is a pipe (FIFO), not a regular file'),
]


@pytest.mark.parametrize('name, make, expect', IMAGE_CASES, ids=[c[0] for c in IMAGE_CASES])
def test_image_refused_before_decoding(tmp_path, name, make, expect):
    from avgas.mixing import load_image
    from avgas.errors import InputError
    p = tmp_path/'x.png'; make(p)
    with pytest.raises(InputError) as e: load_image(p)
    assert expect in str(e.value) and 'x.png' in str(e.value), str(e.value)


# ---- a missing package of the `real` extra is named ----
EXTRA_CASES = [  # (module hidden, package named, what needs it)
    ('ultralytics',    'ultralytics',     "UltralyticsDetector('yolov8n.pt')"),
    ('ultralytics',    'ultralytics',     "YoloWorldDetector('yolov8x-worldv2.pt')"),
    ('open_clip',      'open_clip_torch', 'ClipModel.random_init()'),
    ('torch_fidelity', 'torch-fidelity',  "InceptionFeatures('pt_inception.pth')"),
    ('torch_fidelity', 'torch-fidelity',  "fid_and_is(torch.zeros(2, 3, 8, 8), torch.zeros(2, 3, 8, 8), inception_weights='w.pth')"),
]


@pytest.mark.parametrize('module, package, call', EXTRA_CASES, ids=[c[2].split('(')[0] for c in EXTRA_CASES])
def test_missing_extra_is_named(module, package, call):
    "In a fresh process where `module` cannot be imported: a ConfigError naming the package and avgas[real]."
    code = (f'import sys; sys.modules[{module!r}] = None\n'
            'import torch\nfrom avgas.backends import *\nfrom avgas.errors import ConfigError\n'
            f'try: {call}\nexcept ConfigError as e: print("ConfigError:", e)\n')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300,
                       env=os.environ | {'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith('ConfigError:') and f'{package}: not installed' in r.stdout and 'avgas[real]' in r.stdout, r.stdout
