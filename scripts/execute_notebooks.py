#!/usr/bin/env python
"""Re-execute notebooks in place, so that nbs/ carries the outputs a reader should see.

Every code cell runs as `nbdev_test` runs it (in the notebook's folder, cells flagged `#| slow` or
`#| cuda` and `#| eval: false` skipped and left without outputs); progress bars are off, figures are
kept as PNG. Then `nbdev_clean` normalises metadata (it keeps outputs: settings.ini `clear_all = False`).

    python scripts/execute_notebooks.py              # every notebook in nbs/, two at a time
    python scripts/execute_notebooks.py nbs/04_mixing.ipynb
"""
import argparse, os, subprocess, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SKIP_FLAGS = {'slow', 'cuda'}

def directives(source: str) -> dict[str, str]:
    "The `#| name value` lines at the top of a cell."
    out = {}
    for line in source.splitlines():
        if not line.startswith('#|'): break
        name, _, value = line[2:].strip().partition(' ')
        out[name.rstrip(':')] = value.strip()
    return out

def skipped(cell) -> bool:
    d = directives(cell.source)
    return bool(SKIP_FLAGS & d.keys()) or d.get('eval', '').lower() == 'false'

def execute(path: str) -> tuple[str, float, str]:
    "Run one notebook and write it back with its outputs; returns (path, seconds, error or '')."
    os.environ.update({'TQDM_DISABLE': '1', 'MPLBACKEND': 'module://matplotlib_inline.backend_inline', 'OMP_NUM_THREADS': '1'})
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell
    p = Path(path).resolve(); t0 = time.time()
    nb = read_nb(p)
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs, c.execution_count = [], None
    shell = CaptureShell(p, mpl_format='png')   # figures at their own dpi (FIGURE_DPI), not doubled for retina screens
    cwd = os.getcwd(); os.chdir(p.parent)
    try:
        shell.run_all(nb, exc_stop=True, preproc=lambda c: c.cell_type != 'code' or skipped(c))
        err = ''
    except Exception as e: err = f'{type(e).__name__}: {e}'
    finally: os.chdir(cwd)
    if not err: write_nb(nb, p)
    return str(p.relative_to(REPO)), time.time() - t0, err

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to execute (default: every nbs/*.ipynb)')
    ap.add_argument('--workers', type=int, default=2)
    a = ap.parse_args(argv)
    paths = a.notebooks or sorted(str(p) for p in (REPO/'nbs').glob('*.ipynb'))
    failed = []
    with ProcessPoolExecutor(a.workers, max_tasks_per_child=1) as ex:   # one notebook per process: IPython replaces __main__
        for name, secs, err in ex.map(execute, paths):
            print(f'{name}: {secs:.0f} s' + (f'  FAILED ({err[:300]})' if err else ''), flush=True)
            if err: failed.append(name)
    subprocess.run([str(Path(sys.executable).parent/'nbdev_clean')], cwd=REPO, check=True)
    size = sum(p.stat().st_size for p in (REPO/'nbs').glob('*.ipynb'))
    print(f'nbs/*.ipynb: {size / 1e6:.1f} MB in all' + (f'; FAILED: {failed}' if failed else ''))
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
