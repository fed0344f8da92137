"""The notebooks are committed executed (#16): a reader sees every chapter's results without running anything.

`scripts/execute_notebooks.py` re-executes them in place (default cells; `#| slow`/`#| cuda` cells are skipped
and stay without outputs); `nbdev_clean` keeps outputs (settings.ini: clear_all = False)."""
import json, re
from pathlib import Path
import pytest

NBS = Path(__file__).resolve().parents[1] / 'nbs'
FIGURE_CALL = re.compile(r'\b(plt\.(show|subplots|figure|imshow)|sns\.\w+\(|\.imshow\(|plot_\w+\(|grid_figure\()')

def cells(nb: Path) -> list[dict]:
    return [c for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code']

def runs_by_default(cell: dict) -> bool:
    src = ''.join(cell['source'])
    flags = {l[2:].strip().split()[0].rstrip(':') for l in src.splitlines() if l.startswith('#|') and l[2:].strip()}
    return not ({'slow', 'cuda', 'export', 'exporti'} & flags) and 'eval: false' not in src and bool(src.strip())

NOTEBOOKS = sorted(NBS.glob('*.ipynb'))

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_carries_its_outputs(nb):
    default = [c for c in cells(nb) if runs_by_default(c)]
    if not default: pytest.skip(f'{nb.name} has no default code cells')
    assert any(c.get('outputs') for c in default), f'{nb.name} is committed without outputs: run scripts/execute_notebooks.py'

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_figure_notebooks_show_their_figures(nb):
    drawing = [c for c in cells(nb) if runs_by_default(c) and FIGURE_CALL.search(''.join(c['source']))]
    if not drawing: pytest.skip(f'{nb.name} draws no figure in its default cells')
    pngs = [o for c in cells(nb) if runs_by_default(c) for o in c.get('outputs', []) if 'image/png' in o.get('data', {})]
    assert pngs, f'{nb.name} draws figures but carries none: run scripts/execute_notebooks.py'

def test_notebooks_stay_small():
    size = sum(p.stat().st_size for p in NOTEBOOKS)
    assert size < 25e6, f'nbs/*.ipynb hold {size / 1e6:.1f} MB; lower the figures\' DPI'

# An absolute path of the machine that ran a notebook: a temporary folder, a home or work folder, a venv or system path,
# a Windows drive. (URLs are fine: the lookbehind skips 'https://host/...'.)
MACHINE_PATH = re.compile(r'(?<![\w:/.~-])(/tmp/|/var/folders/|/private/|/home/|/root/|/Users/|/work/|/opt/|/usr/|/mnt/|/srv/|'
                          r'/site-packages/|[A-Za-z]:\\(?=[A-Za-z]))[^\s\'"]*')

def output_texts(o: dict) -> list[str]:
    "The text a reader sees in one saved output (streams, plain/HTML/markdown data, tracebacks)."
    texts = [''.join(o.get('text', ''))] + [''.join(o.get('traceback', []))]
    for mime, v in o.get('data', {}).items():
        if mime.startswith('text/') or mime.endswith('json'): texts.append(''.join(v) if isinstance(v, list) else str(v))
    return texts

def test_machine_path_pattern():
    for bad in ('looked for /tmp/tmpv4t20u_x/sound2scene.pth.', "'/tmp/tmpj5n1v0mv/videos/x.mp4'", 'in /work/main/nbs',
                'File /root/.venv/lib/python3.11/site-packages/x.py', 'C:\\Users\\me'):
        assert MACHINE_PATH.search(bad), bad
    for fine in ('https://github.com/postech-ami/Sound2Scene#download-models', 'runs/synth_separator', './checkpoints/',
                 '<tmp>/sound2scene.pth', 'fg/bg dB', 'a2a+a2v/pit'):
        assert not MACHINE_PATH.search(fine), fine

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_saved_outputs_name_no_machine_path(nb):
    found = [(i, m.group(0)[:120]) for i, c in enumerate(cells(nb)) for o in c.get('outputs', [])
             for t in output_texts(o) for m in MACHINE_PATH.finditer(t)]
    assert not found, f'{nb.name}: saved outputs name paths of the machine that ran it (code cell, path): {found[:5]}'

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_saved_outputs_hold_no_error(nb):
    bad = [i for i, c in enumerate(cells(nb)) for o in c.get('outputs', [])
           if o.get('output_type') == 'error' or 'Traceback (most recent call last)' in ''.join(output_texts(o))]
    assert not bad, f'{nb.name}: code cells {bad} were saved with an error or a traceback in their output'

SWITCHES_BACKEND = re.compile(r'matplotlib\.use\(|^\s*%matplotlib\b|\bswitch_backend\(|\bmpl\.use\(', re.M)

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_keep_the_matplotlib_backend(nb):
    "A notebook (and the library code it exports) never switches the backend: in JupyterLab that breaks every later figure."
    bad = [i for i, c in enumerate(cells(nb)) if SWITCHES_BACKEND.search(''.join(c['source']))]
    assert not bad, f'{nb.name}: code cells {bad} switch the matplotlib backend; draw on matplotlib.figure.Figure instead'
