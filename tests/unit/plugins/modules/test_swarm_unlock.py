"""swarm_unlock's classification of engine errors (the rest runs against real managers)."""

import pytest

from ansible_collections.dockyard.swarm.plugins.modules.swarm_unlock import wrong_key


@pytest.mark.parametrize("text,expected", [
    ("400 Client Error: Bad Request (\"swarm could not be unlocked: invalid key\")", True),
    ("invalid key: the swarm could not be unlocked", True),
    ("the unlock key is incorrect", True),
    ("500 Server Error: connection refused", False),
    ("This node is not part of a swarm", False),
])
def test_wrong_key_is_told_apart_from_other_errors(text, expected):
    assert wrong_key(Exception(text)) is expected
