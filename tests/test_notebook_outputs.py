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
