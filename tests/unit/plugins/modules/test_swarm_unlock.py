"""swarm_unlock: engine errors told apart, the wait for the network agent (the rest runs on real managers)."""

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


class FakeClock:
    """time.time/time.sleep for the module: sleeping advances the clock, nothing waits."""

    def __init__(self):
        self.now = 1000.0

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


class FakeModule:
    def __init__(self, network_timeout=90, wait_timeout=120):
        self.params = {"network_timeout": network_timeout, "wait_timeout": wait_timeout}


def agent_answers(monkeypatch, answers):
    """Make network_agent_running answer from ANSWERS in turn (the last one repeats)."""
    from ansible_collections.dockyard.swarm.plugins.modules import swarm_unlock
    from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import APIError

    clock = FakeClock()
    monkeypatch.setattr(swarm_unlock, "time", clock)
    queue = list(answers)

    def answer(_client):
        value = queue.pop(0) if len(queue) > 1 else queue[0]
        if value == "no leader":
            raise APIError("rpc error: code = Unknown desc = The swarm does not have a leader")
        return value

    monkeypatch.setattr(swarm_unlock, "network_agent_running", answer)
    return swarm_unlock.wait_network_agent, clock


@pytest.mark.parametrize("answers,expected", [
    ([True], True),
    ([None], None),  # no ingress network: nothing to tell by
    ([False, False, True], True),
    (["no leader"] * 30 + [False, True], True),  # the agent starts after the election
    ([False], False),
    (["no leader"], None),  # never readable: unknown, which does not lead to a restart
])
def test_network_agent_wait(monkeypatch, answers, expected):
    wait, _clock = agent_answers(monkeypatch, answers)
    assert wait(FakeModule(), client=None) is expected


def test_network_agent_clock_starts_when_the_swarm_answers(monkeypatch):
    # 100 s of election (longer than network_timeout), then no peers: False only 90 s later.
    wait, clock = agent_answers(monkeypatch, ["no leader"] * 50 + [False])
    assert wait(FakeModule(network_timeout=90, wait_timeout=300), client=None) is False
    assert 1000 + 100 + 90 <= clock.now <= 1000 + 100 + 94


def test_network_agent_check_can_be_turned_off(monkeypatch):
    wait, _clock = agent_answers(monkeypatch, [False])
    assert wait(FakeModule(network_timeout=0), client=None) is None
