"""swarm_busy: which failed results are retried (a busy swarm) and which stop at once."""

import pytest

from ansible_collections.dockyard.swarm.plugins.test.swarm_busy import swarm_busy


@pytest.mark.parametrize("result", [
    {"failed": True, "msg": "Error running docker swarm module: rpc error: code = Unknown desc = The swarm does not have a leader."},
    {"failed": True, "msg": "context deadline exceeded"},
    {"failed": True, "msg": "This node is not a swarm manager. ... must run on swarm manager node"},
    {"failed": True, "msg": "('Connection aborted.', RemoteDisconnected('Remote end closed connection'))"},
    {"rc": 1, "stderr": "Error response from daemon: update out of sequence"},
    {"rc": 1, "stderr": "Error response from daemon: rpc error: code = DeadlineExceeded desc = context deadline exceeded"},
    {"failed": True, "msg": "Read timed out. (read timeout=60)"},
])
def test_busy_answers_are_retried(result):
    assert swarm_busy(result)


@pytest.mark.parametrize("result", [
    {"failed": False, "msg": ""},
    {"rc": 0, "stderr": "leader elected"},  # succeeded, whatever it printed
    {"failed": True, "msg": "invalid join token"},
    {"rc": 1, "stderr": "Error response from daemon: This node is not part of a swarm"},
    {"failed": True, "msg": "Swarm is encrypted and needs to be unlocked"},
    "not a result",
    None,
])
def test_other_results_are_not(result):
    assert not swarm_busy(result)
