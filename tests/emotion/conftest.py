import pytest

from actions.emotion import get_scorer


@pytest.fixture(scope="session")
def scorer():
    """The process-wide scorer, model loaded once for the whole test session."""
    return get_scorer().warm_up()
