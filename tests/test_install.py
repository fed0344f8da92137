"""avgas as a user installs it: a wheel built from this tree, installed into a new virtual environment.

The wheel is built from a copy of the tree (nothing is written into the checkout) and installed with
`--no-deps`; the new environment borrows this interpreter's installed packages (torch and the rest)
through a `.pth` line, which adds them to `sys.path` after the venv's own, so `avgas` comes from the
wheel and its dependencies need no download. Then: the configs ship in the wheel, `avgas configs`
lists and copies them, and a shipped config is found by name."""
import shutil, subprocess, sys, sysconfig, venv, zipfile
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.name for p in (REPO / 'avgas/configs').glob('*.yaml'))

@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> Path:
    src, out = tmp_path_factory.mktemp('src'), tmp_path_factory.mktemp('whl')
    for f in ('setup.py', 'settings.ini', 'README.md'): shutil.copy(REPO / f, src / f)
    shutil.copytree(REPO / 'avgas', src / 'avgas', ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(out), str(src)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return next(out.glob('avgas-*.whl'))

@pytest.fixture(scope='module')
def installed(wheel, tmp_path_factory) -> Path:
    "A new venv with the wheel installed: its bin/ folder."
    env = tmp_path_factory.mktemp('venv')
    venv.create(env, with_pip=True)
    py = env / 'bin/python'
    r = subprocess.run([str(py), '-m', 'pip', 'install', '-q', '--no-deps', '--no-index', str(wheel)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    site = Path(subprocess.check_output([str(py), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], text=True).strip())
    (site / 'zz_borrowed.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')   # torch & co. from this interpreter
    return env / 'bin'

def run(bin_dir: Path, *args, cwd):
    return subprocess.run([str(bin_dir / 'avgas'), *args], capture_output=True, text=True, timeout=600, cwd=cwd)

def test_the_wheel_holds_the_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted(n.split('/')[-1] for n in names if n.startswith('avgas/configs/')) == SHIPPED
    assert 'avgas/cli_options.json' in names
    weights = {p.name for p in (REPO / 'avgas/weights').iterdir() if p.suffix in ('.safetensors', '.json')}
    assert weights and weights <= {n.split('/')[-1] for n in names if n.startswith('avgas/weights/')}

def test_the_installed_package_is_the_wheel(installed, tmp_path):
    r = subprocess.run([str(installed / 'python'), '-c', 'import avgas, torch; print(avgas.__file__)'],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert Path(r.stdout.strip()).is_relative_to(installed.parent), r.stdout   # not the checkout

def test_configs_lists_and_copies(installed, tmp_path):
    r = run(installed, 'configs', cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert [l.split()[0] for l in r.stdout.splitlines()[:len(SHIPPED)]] == [n.removesuffix('.yaml') for n in SHIPPED]
    r = run(installed, 'configs', '--out', 'mine', cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / 'mine').iterdir()) == SHIPPED   # only the configs, only in --out
    assert (tmp_path / 'mine/avgas_a2a.yaml').read_bytes() == (REPO / 'avgas/configs/avgas_a2a.yaml').read_bytes()
    (tmp_path / 'mine/avgas_a2a.yaml').write_text('world: synth\n')   # the user's edit is never replaced silently
    r = run(installed, 'configs', '--out', 'mine', cwd=tmp_path)
    assert r.returncode == 2 and 'already there; nothing copied' in ' '.join(r.stderr.split()) and 'Traceback' not in r.stderr
    assert (tmp_path / 'mine/avgas_a2a.yaml').read_text() == 'world: synth\n'
    r = run(installed, 'configs', 'avgas_a2a', '--out', 'mine', '--force', cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / 'mine/avgas_a2a.yaml').read_bytes() == (REPO / 'avgas/configs/avgas_a2a.yaml').read_bytes()
    r = run(installed, 'configs', '../escape', '--out', 'mine', cwd=tmp_path)
    assert r.returncode == 2 and 'not a config avgas ships' in r.stderr and not (tmp_path / 'escape.yaml').exists()

def test_reproduce_finds_a_shipped_config_by_name(installed, tmp_path):
    r = run(installed, 'reproduce', '--help', cwd=tmp_path)
    assert r.returncode == 0 and 'avgas_a2a' in r.stdout, r.stderr[-2000:]
    # the names resolve to the installed files: the run gets as far as the VGGSound data the config names
    r = run(installed, 'reproduce', 'avgas_a2a', 'avgas_a2v', '--out', 'out', '--no-progress', cwd=tmp_path)
    err = ' '.join(r.stderr.split())
    assert r.returncode == 2 and "data_dir 'data/vggsound': not a folder" in err and 'Traceback' not in err, r.stderr[-2000:]
    assert "variants ['a2a/fixed', 'a2v/fixed']" in r.stdout
    r = run(installed, 'reproduce', 'avgas_a2', '--out', 'out', cwd=tmp_path)
    assert r.returncode == 2 and 'not a shipped config (avgas_a2a, ' in ' '.join(r.stderr.split())
