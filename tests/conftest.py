import pytest
from avgas.core import shared_dir

@pytest.fixture
def shared():
    "The reference fixtures folder, or skip (a user's clone has none)."
    d = shared_dir()
    if d is None: pytest.skip('the reference fixtures (../shared or $AVGAS_SHARED) are not present')
    return d


@pytest.fixture(autouse=True)
def seeded_rngs():
    "Every test starts from the same torch and numpy random state, so a failure reproduces on a rerun."
    import numpy as np, torch
    torch.manual_seed(0); np.random.seed(0)


@pytest.fixture(scope='session')
def quick_report(tmp_path_factory):
    "`avgas demo --quick` run once per session: (its CompletedProcess, the report folder)."
    from test_cli import avgas_cli
    out = tmp_path_factory.mktemp('demo') / 'report'
    return avgas_cli('demo', '--quick', '--out', str(out), '--no-progress'), out
