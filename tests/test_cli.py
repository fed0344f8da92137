"""The `avgas` console script, run as a user runs it: a subprocess."""
import shutil, subprocess, sys
from pathlib import Path
import avgas

def avgas_exe() -> str:
    "The installed console script: beside this interpreter, else on PATH."
    exe = Path(sys.executable).parent / 'avgas'
    return str(exe) if exe.exists() else (shutil.which('avgas') or 'avgas')

def avgas_cli(*args):
    return subprocess.run([avgas_exe(), *args], capture_output=True, text=True, timeout=300)

def test_help_lists_commands():
    r = avgas_cli('--help')
    assert r.returncode == 0, r.stderr
    assert 'commands:' in r.stdout and 'info' in r.stdout

def test_version():
    r = avgas_cli('--version')
    assert r.returncode == 0 and r.stdout.strip() == f'avgas {avgas.__version__}'

def test_unknown_command_is_exit_2_without_traceback():
    r = avgas_cli('frobnicate')
    assert r.returncode == 2
    assert 'unknown command' in r.stderr and 'Traceback' not in r.stderr

def test_info():
    r = avgas_cli('info')
    assert r.returncode == 0, r.stderr
    assert 'torch' in r.stdout and 'device:' in r.stdout

def test_prepare_vggsound_end_to_end(shared, tmp_path):
    videos = shared / 'fixtures/vggsound/video'
    r = avgas_cli('prepare-vggsound', str(videos), '--csv', str(videos / 'labels.csv'), '--out', str(tmp_path / 'data'),
                  '--workers', '1')
    assert r.returncode == 0, r.stderr
    assert 'prepared 5' in r.stdout and str(tmp_path / 'data') in r.stdout.splitlines()[-1]
    assert len(list((tmp_path / 'data/audios').glob('*.wav'))) == 5
    assert len(list((tmp_path / 'data/images').glob('*.jpg'))) == 5

def test_prepare_vggsound_missing_csv_is_a_clear_error(tmp_path):
    r = avgas_cli('prepare-vggsound', str(tmp_path), '--csv', str(tmp_path / 'nope.csv'), '--out', str(tmp_path / 'o'))
    err = ' '.join(r.stderr.split())   # the message is wrapped into one paragraph
    assert r.returncode == 2 and 'nope.csv' in err and 'does not exist' in err
    assert 'Traceback' not in err

def test_every_command_has_help():
    from avgas.cli import available_commands
    cmds = available_commands()
    assert {'demo', 'pretrain-synth', 'train', 'generate', 'evaluate', 'prepare-vggsound', 'info'} <= set(cmds)
    dotted = {'demo': '--experiment.train.epochs', 'pretrain-synth': '--world.seed', 'train': '--train.epochs',
              'generate': '--generate.lam', 'evaluate': '--evaluate.per_combination', 'prepare-vggsound': '--min-seconds'}
    for c in cmds:
        r = avgas_cli(c, '--help')
        assert r.returncode == 0 and f'avgas {c}' in r.stdout, (c, r.stderr[-500:])
        if c in dotted: assert dotted[c] in r.stdout, (c, r.stdout[-800:])   # options generated from the config dataclass
