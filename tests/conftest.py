import pytest
from avgas.core import shared_dir

@pytest.fixture
def shared():
    "The reference fixtures folder, or skip (a user's clone has none)."
    d = shared_dir()
    if d is None: pytest.skip('the reference fixtures (../shared or $AVGAS_SHARED) are not present')
    return d
