#!/usr/bin/env bash
# The whole test suite, as the README's test command runs it (inside the project's virtual environment):
# 1. notebooks and modules in sync, notebooks clean, README generated from nbs/index.ipynb;
# 2. the notebooks' own tests (nbdev_test; `#| slow` and `#| cuda` cells are skipped);
# 3. pytest, whose summary line ends the log;
# 4. in a git checkout: that steps 2-3 wrote nothing into the checkout (`git status` and `git diff` unchanged).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "== checking that notebooks are clean and modules are exported"
  nbdev_clean      # first: it rewrites cell ids, which the exported modules cite
  nbdev_export
  python scripts/make_readme.py >/dev/null
  changed="$(git status --porcelain -- nbs avgas README.md)"
  if [ -n "$changed" ]; then
    echo "FAILED: these files change under nbdev_export / nbdev_clean / make_readme.py (commit the regenerated versions):"
    echo "$changed"
    git --no-pager diff --stat -- nbs avgas README.md
    exit 1
  fi
  # the tests and notebooks must not write into tracked files (or leave new files in the checkout): compared at the end
  tree_before="$(git status --porcelain)"; diff_before="$(git diff --no-ext-diff | sha256sum)"
else
  echo "== not a git checkout: skipping the notebooks-in-sync check"
fi
echo "== nbdev_test"
# one thread per notebook: two notebooks run at once on two cores, and oversubscribed OpenMP threads crawl
OMP_NUM_THREADS=1 nbdev_test --n_workers 2
echo "== pytest"
# two workers, one thread each (as for the notebooks); tests sharing the quick demo run in one worker (xdist_group)
status=0
OMP_NUM_THREADS=1 python -m pytest -q -n 2 --dist loadgroup tests || status=$?
if [ -n "${tree_before+set}" ]; then
  tree_after="$(git status --porcelain)"; diff_after="$(git diff --no-ext-diff | sha256sum)"
  if [ "$tree_before" != "$tree_after" ] || [ "$diff_before" != "$diff_after" ]; then
    echo "FAILED: running the notebooks and tests changed files in the checkout (they must write only to temporary folders):"
    listed="$(diff <(echo "$tree_before") <(echo "$tree_after") | grep '^[<>] .' || true)"   # '<' before only, '>' new
    echo "${listed:-  (the same files as before are modified, but their contents changed)}"
    echo "git status now:"; git status --porcelain
    exit 1
  fi
fi
exit "$status"
