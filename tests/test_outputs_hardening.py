"""Outputs, runs and processes (issue #30): output names that cannot collide and fit the file system, re-runs that
leave the previous complete set when they fail, one run per output folder, SIGTERM handled like Ctrl-C, a closed
stdout pipe that is harmless, and `avgas generate` in bounded batches."""
import fcntl, json, os, resource, signal, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest
import soundfile as sf
from test_cli import avgas_exe

def wav(path: Path, seed: int = 0, seconds: float = 1.0):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.random.default_rng(seed).normal(0, .1, int(16000 * seconds)).astype('float32'), 16000)
    return str(path)

def run(*args, cwd=None, **kw):
    return subprocess.run([avgas_exe(), *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd, **kw)

def one_paragraph(err: str) -> str: return ' '.join(err.split())

def check_user_error(r, expect: str):
    err = one_paragraph(r.stderr)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert 'Traceback' not in r.stderr and err.startswith('avgas: error:') and expect in err, err

def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob('*')) if p.is_file()}

GEN = ['--method', 'sound2scene']


def test_output_names_cannot_collide(tmp_path):
    "Inputs a/x.wav, b/x.wav and x-1.wav: three sets of images, none overwriting another, each named in the manifest."
    files = [wav(tmp_path/'a/x.wav', 1), wav(tmp_path/'b/x.wav', 2), wav(tmp_path/'x-1.wav', 3)]
    r = run('generate', *files, '--out', tmp_path/'o', *GEN)
    assert r.returncode == 0, r.stderr[-2000:]
    man = json.loads((tmp_path/'o/manifest.json').read_text())
    names = [e['image'] for e in man['images']]
    assert len(names) == len(set(names)) == 3 * 3, names               # 2 mixed + 1 embedding image per input
    assert {e['audio'] for e in man['images']} == set(files)
    assert all((tmp_path/'o'/n).is_file() for n in names)
    stem_of = {e['audio']: e['image'].split('_')[0] for e in man['images'] if e['kind'] == 'separated'}
    assert stem_of[files[2]] == 'x-1', stem_of                           # a plain name keeps its own stem


def test_long_input_name_fits_with_the_temporary_suffix(tmp_path):
    "A legal 250-byte input name: outputs whose names (and their temporary names) fit the 255-byte limit."
    name = 'ä' * 60 + 'b' * 126 + '.wav'                                 # 120 + 126 + 4 = 250 bytes in UTF-8
    assert len(name.encode()) == 250
    f = wav(tmp_path/name)
    r = run('generate', f, '--out', tmp_path/'o', *GEN)
    assert r.returncode == 0, r.stderr[-2000:]
    assert '.tmp' not in r.stderr
    man = json.loads((tmp_path/'o/manifest.json').read_text())
    for e in man['images']:
        assert len(e['image'].encode()) <= 255 - 32 and (tmp_path/'o'/e['image']).is_file(), e['image']
    assert len({e['image'] for e in man['images']}) == len(man['images'])


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))          # the images fit, grid.png does not


def test_failed_rerun_keeps_the_previous_complete_set(tmp_path):
    "A re-run that fails half-way (grid.png cannot be written) leaves the images, grid.png and manifest.json of the first run."
    f = wav(tmp_path/'x.wav')
    assert run('generate', f, '--out', tmp_path/'o', *GEN).returncode == 0
    before = snapshot(tmp_path/'o')
    r = run('generate', f, '--out', tmp_path/'o', *GEN, '--generate.seed', '7', preexec_fn=_limit_file_size)
    check_user_error(r, 'file too large')
    assert snapshot(tmp_path/'o') == before                            # every file as it was, nothing added
    assert not [p for p in tmp_path.rglob('*') if '.tmp' in p.name or 'staging' in p.name]


def test_rerun_replaces_the_set(tmp_path):
    "A successful re-run with fewer inputs: the new set, and no image of the old one that the new manifest does not list."
    fs = [wav(tmp_path/'x.wav', 1), wav(tmp_path/'y.wav', 2)]
    assert run('generate', *fs, '--out', tmp_path/'o', *GEN).returncode == 0
    r = run('generate', fs[0], '--out', tmp_path/'o', *GEN)
    assert r.returncode == 0, r.stderr[-2000:]
    man = json.loads((tmp_path/'o/manifest.json').read_text())
    assert sorted(p.name for p in (tmp_path/'o').iterdir()) == sorted([e['image'] for e in man['images']] + ['grid.png', 'manifest.json'])


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    "While a run holds the output folder (here: this test, as another run would), a second one exits 2 naming the folder and the pid."
    out = tmp_path/'o'; out.mkdir()
    f = wav(tmp_path/'x.wav')
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = run('generate', f, '--out', out, *GEN)
        check_user_error(r, f'output folder {out}')
        assert 'another avgas run' in ' '.join(r.stderr.split()) and f'pid {os.getpid()}' in one_paragraph(r.stderr), r.stderr   # the CLI wraps to the terminal
        assert list(out.iterdir()) == []
    finally: os.close(fd)
    assert run('generate', f, '--out', out, *GEN).returncode == 0      # free again: the run goes ahead


def test_a_closed_stdout_pipe_is_harmless(tmp_path):
    "`avgas generate ... | head -c0`: stdout's reader is gone before the first line; the run still writes its outputs, quietly."
    f = wav(tmp_path/'x.wav')
    p = subprocess.Popen([avgas_exe(), 'generate', f, '--out', str(tmp_path/'o'), *GEN],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.stdout.close()                                                    # the reader goes away at once
    err = p.stderr.read(); rc = p.wait(timeout=300)
    assert 'Traceback' not in err and 'BrokenPipe' not in err and 'Broken pipe' not in err, err
    assert rc == 0, (rc, err)
    assert (tmp_path/'o/manifest.json').is_file()


def test_a_closed_pipe_in_a_shell_pipeline(tmp_path):
    "As a user types it: `avgas info | head -c1` prints one character and nothing on stderr."
    r = subprocess.run(f'"{avgas_exe()}" info | head -c1', shell=True, capture_output=True, text=True, timeout=300)
    assert r.stdout == 'a' and 'Traceback' not in r.stderr and 'Broken' not in r.stderr, r.stderr


def _children(pid: int) -> list[int]:
    out = []
    for p in Path('/proc').iterdir():
        if p.name.isdigit():
            try: stat = (p/'stat').read_text()
            except OSError: continue
            if int(stat.rsplit(')', 1)[1].split()[1]) == pid: out.append(int(p.name))
    return out

def _alive(pid: int) -> bool:
    try: state = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
    except OSError: return False
    return state != 'Z'

@pytest.mark.skipif(not Path('/proc').is_dir(), reason='reads the process tree from /proc')
def test_sigterm_stops_the_workers_and_ends_like_ctrl_c(tmp_path):
    "SIGTERM to `avgas demo --quick` while its forked workers run: they are stopped, exit 143 with one line, no temporary file left."
    out = tmp_path/'report'
    p = subprocess.Popen([avgas_exe(), 'demo', '--quick', '--out', str(out), '--no-progress'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        t0, kids = time.monotonic(), []
        while time.monotonic() - t0 < 240 and p.poll() is None:
            kids = _children(p.pid)
            if len(kids) >= 2: break
            time.sleep(0.2)
        assert len(kids) >= 2, 'the demo forked no workers'
        time.sleep(1.0)
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=60); err = p.stderr.read()
    finally:
        if p.poll() is None: p.kill()
    time.sleep(0.5)
    left = [k for k in kids if _alive(k)]
    for k in left: os.kill(k, signal.SIGKILL)
    assert not left, f'workers still running after SIGTERM: {left}'
    assert rc == 143, (rc, err[-2000:])
    assert err.strip().splitlines()[-1] == 'avgas: terminated' and 'Traceback' not in err, err[-2000:]
    assert not [q for q in tmp_path.rglob('*') if '.tmp' in q.name or 'staging' in q.name]


def test_generate_embeds_in_bounded_batches(tmp_path, monkeypatch):
    "`generate_files` never embeds more than a batch of inputs at once: its memory does not grow with their number."
    import torch
    from avgas.core import ExperimentConfig, GenerateConfig
    from avgas.worlds import build_world
    from avgas.generate import Sound2SceneMethod, generate_files, GENERATE_BATCH
    world = build_world(ExperimentConfig())
    method = Sound2SceneMethod(world.audio_encoder)
    sizes, embed = [], method.embed
    def counting(w): sizes.append(len(w)); return embed(w)
    monkeypatch.setattr(method, 'embed', counting)
    n = GENERATE_BATCH + 3
    files = [wav(tmp_path/f'in/{i}.wav', i, 0.5) for i in range(n)]
    doc = generate_files(world, method, files, tmp_path/'o', GenerateConfig(composers=['blend']))
    assert max(sizes) <= GENERATE_BATCH and sum(sizes) == n, sizes
    assert len(doc['images']) == 2 * n
