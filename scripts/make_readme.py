"""Render nbs/index.ipynb to README.md without Quarto.

`nbdev_readme` needs Quarto, which cannot be installed offline; this renders the same page:
markdown cells as they are, visible code cells with the text they print (the notebook is run with
execnb, as nbdev_test runs it). `--check` exits 1 when README.md differs from what it would write.
"""
import re, sys
from pathlib import Path
from execnb.nbio import read_nb
from execnb.shell import CaptureShell

ROOT = Path(__file__).resolve().parents[1]

def _directives(src):
    return {m.group(1) for m in re.finditer(r'^#\|\s*(\w[\w-]*)', src, re.M)}

def _strip_directives(src):
    return '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()

def render(nb_path=ROOT/'nbs'/'index.ipynb'):
    nb = read_nb(nb_path)
    shell = CaptureShell(path=nb_path.parent)
    shell.run_all(nb, exc_stop=True)
    parts = []
    for cell in nb.cells:
        if cell.cell_type == 'markdown': parts.append(cell.source.strip()); continue
        if 'hide' in _directives(cell.source): continue
        code = _strip_directives(cell.source)
        if code: parts.append(f'```python\n{code}\n```')
        text = ''.join(''.join(o.get('text', '')) for o in cell.get('outputs', []) if o.get('output_type') == 'stream')
        if text.strip(): parts.append(f'    ' + text.rstrip().replace('\n', '\n    '))
    # nbdev's title cell "# name\n\n> summary" becomes the page title and lede
    return '\n\n'.join(parts).strip() + '\n\n<!-- generated from nbs/index.ipynb by scripts/make_readme.py; edit the notebook -->\n'

if __name__ == '__main__':
    out = render()
    readme = ROOT/'README.md'
    if '--check' in sys.argv:
        if readme.read_text() != out:
            print('README.md is out of date: run `python scripts/make_readme.py`'); sys.exit(1)
        print('README.md is in sync with nbs/index.ipynb'); sys.exit(0)
    readme.write_text(out); print(f'wrote {readme}')
