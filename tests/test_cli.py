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
    assert {'demo', 'pretrain-synth', 'train', 'generate', 'evaluate', 'prepare-vggsound', 'info', 'configs'} <= set(cmds)
    dotted = {'demo': '--experiment.train.epochs', 'pretrain-synth': '--world.seed', 'train': '--train.epochs',
              'generate': '--generate.lam', 'evaluate': '--evaluate.per-combination', 'prepare-vggsound': '--min-seconds'}
    for c in cmds:
        r = avgas_cli(c, '--help')
        assert r.returncode == 0 and f'avgas {c}' in r.stdout, (c, r.stderr[-500:])
        if c in dotted: assert dotted[c] in r.stdout, (c, r.stdout[-800:])   # options generated from the config dataclass
        options = [w.split('=')[0].strip('[],') for w in r.stdout.split() if w.lstrip('[').startswith('--')]
        assert not [o for o in options if '_' in o], (c, [o for o in options if '_' in o])   # one spelling: hyphens
        assert '(default: )' not in r.stdout and ' a ExperimentConfig' not in r.stdout, c
        assert all(b.count('(default') <= 1 for b in r.stdout.split('\n  -')), c   # a default shown once

# --- answering at once: no torch (nor pandas, torchaudio) for --help, COMMAND --help, --version

HEAVY = ('torch', 'torchaudio', 'torchvision', 'pandas', 'numpy', 'avgas.core')

def imported_by(*argvs) -> list[str]:
    "The heavy modules a fresh interpreter has imported after `avgas.launch.main(argv)` for each argv."
    probe = ('import sys, contextlib, io\nfrom avgas.launch import main\n'
             f'for argv in {list(argvs)!r}:\n'
             '    with contextlib.redirect_stdout(io.StringIO()):\n'
             '        try: assert main(argv) == 0, argv\n'
             '        except SystemExit as e: assert e.code == 0, argv\n'
             f'print(sorted(m for m in {HEAVY!r} if m in sys.modules))')
    r = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return eval(r.stdout.strip().splitlines()[-1])

def test_help_and_version_import_no_torch():
    from avgas.cli import COMMAND_NAMES
    assert imported_by(['--help'], ['--version'], [], *[[c, '--help'] for c in COMMAND_NAMES], ['configs']) == []

def test_help_imports_no_torch_by_importtime():
    "The same, as `python -X importtime` sees the console script's module."
    r = subprocess.run([sys.executable, '-X', 'importtime', '-c', 'from avgas.launch import main; main(["generate", "--help"])'],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and 'usage: avgas generate' in r.stdout, r.stderr[-2000:]
    mods = {l.split('|')[-1].strip() for l in r.stderr.splitlines() if l.startswith('import time:')}
    assert 'avgas.cli' in mods and not mods & set(HEAVY), sorted(mods & set(HEAVY))

def test_help_is_quick():
    import time
    avgas_cli('--help')   # warm the file cache
    t0 = time.perf_counter(); r = avgas_cli('generate', '--help'); dt = time.perf_counter() - t0
    assert r.returncode == 0 and dt < 1.0, dt

def test_generate_help_lists_only_what_generate_reads():
    r = avgas_cli('generate', '--help')
    assert r.returncode == 0, r.stderr
    assert '--train.' not in r.stdout and '--evaluate.' not in r.stdout and '--mix.' not in r.stdout, r.stdout
    assert '--generate.lam' in r.stdout and '--audio.sample-rate' in r.stdout and '--out DIR' in r.stdout
    assert 'does not read' in ' '.join(r.stdout.split())   # the help says that the other keys exist

def test_options_read_either_spelling(tmp_path):
    from avgas.cli import commands
    cmd = commands()['train']
    a, _ = cmd.resolve(['--config', 'synth_separator', '--train.out_dir', 'x', '--pairs_per_class', '3', '--mix.items_per_combination=2'])
    b, _ = cmd.resolve(['--config', 'synth_separator', '--train.out-dir', 'x', '--pairs-per-class', '3', '--mix.items-per-combination=2'])
    assert a == b and (a.train.out_dir, a.pairs_per_class, a.mix.items_per_combination) == ('x', 3, 2)

def test_an_unread_key_is_accepted_with_a_note(capsys):
    from avgas.cli import commands
    cfg, _ = commands()['generate'].resolve(['x.wav', '--out', 'o', '--train.lr', '0.5'])
    assert cfg.train.lr == 0.5 and 'avgas generate does not read --train.lr' in capsys.readouterr().err

def test_shipped_descriptions_are_current():
    "--help reads avgas/cli_options.json; it must describe the config classes as they are."
    from avgas.cli import config_descriptions
    from avgas.options import stored_descriptions
    assert stored_descriptions() == config_descriptions(), (
        'avgas/cli_options.json is out of date: python -c "from avgas.cli import write_config_descriptions as w; w()"')

def test_a_missing_real_extra_is_named(monkeypatch, capsys):
    "A package of avgas[real] missing at the point of use: exit 2, one paragraph naming the extra."
    import avgas.cli as cli
    from avgas.options import Command
    monkeypatch.setitem(sys.modules, 'ultralytics', None)   # as if it were not installed
    monkeypatch.setattr(cli, 'commands', lambda: {'x': Command('x', 'needs ultralytics', lambda c, o: __import__('ultralytics'))})
    assert cli.main(['x']) == 2
    err = capsys.readouterr().err
    assert 'ultralytics: not installed' in err and 'pip install "avgas[real]"' in err and 'Traceback' not in err
