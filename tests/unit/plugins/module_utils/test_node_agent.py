"""node_agent (swarm_unlock, swarm_network_agent): engine errors told apart, transport errors retried,
the wait for the network agent and its repair (the rest runs on real managers)."""

import pytest

from ansible_collections.dockyard.swarm.plugins.module_utils.node_agent import wrong_key


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
    from ansible_collections.dockyard.swarm.plugins.module_utils import node_agent
    from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import APIError

    clock = FakeClock()
    monkeypatch.setattr(node_agent, "time", clock)
    queue = list(answers)

    def answer(_client, _expect_ingress=False):
        value = queue.pop(0) if len(queue) > 1 else queue[0]
        if value == "no leader":
            raise APIError("rpc error: code = Unknown desc = The swarm does not have a leader")
        return value

    monkeypatch.setattr(node_agent, "network_agent_running", answer)
    return node_agent.wait_network_agent, clock


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


class Failed(Exception):
    """fail_json of the fake module."""


class UnlockModule(FakeModule):
    def fail_json(self, msg, **_result):
        raise Failed(msg)


class FakeEngine:
    """A locked manager's dockerd: EVENTS say what each call does in turn (the last repeats).

    "reset" drops the connection, "wrong" refuses the key, "ok" unlocks, "lost" unlocks but
    drops the connection before answering.
    """

    def __init__(self, unlock_events, info_events=("answer",), key="SWMKEY-1-current"):
        self.unlock_events = list(unlock_events)
        self.info_events = list(info_events)
        self.key = key
        self.state = "locked"
        self.unlock_calls = 0

    @staticmethod
    def _next(events):
        return events.pop(0) if len(events) > 1 else events[0]

    def unlock_swarm(self, key):
        from requests.exceptions import ConnectionError as RequestsConnectionError
        from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import APIError

        self.unlock_calls += 1
        event = self._next(self.unlock_events)
        if event == "reset":
            raise RequestsConnectionError("('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))")
        if event == "wrong" or key != self.key:
            raise APIError("400 Client Error: Bad Request (\"swarm could not be unlocked: invalid key\")")
        self.state = "active"
        if event == "lost":
            raise RequestsConnectionError("Read timed out. (read timeout=60)")

    def info(self):
        from requests.exceptions import ConnectionError as RequestsConnectionError

        if self._next(self.info_events) == "reset":
            raise RequestsConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed connection'))")
        return {"Swarm": {"LocalNodeState": self.state}}


def unlock_with_clock(monkeypatch):
    from ansible_collections.dockyard.swarm.plugins.module_utils import node_agent

    clock = FakeClock()
    monkeypatch.setattr(node_agent, "time", clock)
    return node_agent, clock


def new_result():
    return {"used_previous_key": False}


def test_unlock_asks_again_through_connection_resets(monkeypatch):
    node_agent, _clock = unlock_with_clock(monkeypatch)
    engine = FakeEngine(["reset", "reset", "ok"])
    assert node_agent.unlock(UnlockModule(), engine, ["SWMKEY-1-current"], new_result()) == "SWMKEY-1-current"
    assert engine.state == "active"


def test_an_unlock_whose_answer_was_lost_is_not_sent_again(monkeypatch):
    node_agent, _clock = unlock_with_clock(monkeypatch)
    engine = FakeEngine(["lost"])
    result = new_result()
    assert node_agent.unlock(UnlockModule(), engine, ["SWMKEY-1-current"], result) == "SWMKEY-1-current"
    assert engine.unlock_calls == 1
    assert result["used_previous_key"] is False


def test_the_previous_key_is_tried_after_a_reset_and_a_refusal(monkeypatch):
    node_agent, _clock = unlock_with_clock(monkeypatch)
    engine = FakeEngine(["reset", "ok"])
    result = new_result()
    keys = ["SWMKEY-1-stale", "SWMKEY-1-current"]
    assert node_agent.unlock(UnlockModule(), engine, keys, result) == "SWMKEY-1-current"
    assert result["used_previous_key"] is True


def test_transport_errors_fail_clearly_at_the_deadline(monkeypatch):
    node_agent, clock = unlock_with_clock(monkeypatch)
    engine = FakeEngine(["reset"])
    with pytest.raises(Failed, match="did not answer the unlock within 120 s: .*Connection reset"):
        node_agent.unlock(UnlockModule(wait_timeout=120), engine, ["SWMKEY-1-current"], new_result())
    assert 1000 + 120 <= clock.now <= 1000 + 124


def test_a_rejected_key_fails_without_printing_it(monkeypatch):
    node_agent, _clock = unlock_with_clock(monkeypatch)
    engine = FakeEngine(["ok"])
    with pytest.raises(Failed, match="rejected the unlock key and the 1 previous key") as failure:
        node_agent.unlock(UnlockModule(), engine, ["SWMKEY-1-a", "SWMKEY-1-b"], new_result())
    assert "SWMKEY" not in str(failure.value)


def test_waiting_for_active_reads_through_a_dropped_connection(monkeypatch):
    node_agent, _clock = unlock_with_clock(monkeypatch)
    engine = FakeEngine(["ok"], info_events=["reset", "reset", "answer"])
    engine.state = "active"
    result = new_result()
    node_agent.wait_active(UnlockModule(), engine, result)
    assert result["node_state"] == "active"


def test_an_engine_error_that_is_not_transport_is_not_retried(monkeypatch):
    from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import APIError

    node_agent, _clock = unlock_with_clock(monkeypatch)
    assert node_agent.transport_error(APIError("500 Server Error")) is False
    assert node_agent.transport_error(OSError("connection refused")) is True


class RepairEngine(FakeEngine):
    """A node whose network agent starts only after AGENT_AFTER restarts of dockerd."""

    def __init__(self, agent_after, locks=True):
        super().__init__(["ok"])
        self.state = "active"
        self.restarts = 0
        self.agent_after = agent_after
        self.locks = locks


class RepairModule(UnlockModule):
    def __init__(self, engine, repairs=2):
        super().__init__(network_timeout=10, wait_timeout=60)
        self.params["network_repairs"] = repairs
        self.engine = engine

    def run_command(self, argv):
        assert argv == ["systemctl", "restart", "docker"]
        self.engine.restarts += 1
        self.engine.state = "locked" if self.engine.locks else "active"
        return 0, "", ""


def repair_with_clock(monkeypatch, engine):
    node_agent, clock = unlock_with_clock(monkeypatch)
    monkeypatch.setattr(node_agent, "network_agent_running", lambda _client, _expect=False: engine.restarts >= engine.agent_after)
    return node_agent, clock


def test_a_node_whose_agent_runs_is_left_alone(monkeypatch):
    engine = RepairEngine(agent_after=0)
    node_agent, _clock = repair_with_clock(monkeypatch, engine)
    result = {"used_previous_key": False, "network_repairs": 0}
    node_agent.ensure_network_agent(RepairModule(engine), engine, result, ["SWMKEY-1-current"])
    assert result["network_agent"] is True and engine.restarts == 0


def test_a_dead_agent_is_repaired_by_a_restart_and_an_unlock(monkeypatch):
    engine = RepairEngine(agent_after=1)
    node_agent, _clock = repair_with_clock(monkeypatch, engine)
    result = {"used_previous_key": False, "network_repairs": 0}
    node_agent.ensure_network_agent(RepairModule(engine), engine, result, ["SWMKEY-1-stale", "SWMKEY-1-current"])
    assert result["network_agent"] is True
    assert result["network_repairs"] == 1 and engine.restarts == 1
    assert engine.state == "active" and result["used_previous_key"] is True


def test_a_worker_is_repaired_without_a_key(monkeypatch):
    engine = RepairEngine(agent_after=2, locks=False)
    node_agent, _clock = repair_with_clock(monkeypatch, engine)
    result = {"used_previous_key": False, "network_repairs": 0}
    node_agent.ensure_network_agent(RepairModule(engine), engine, result, [])
    assert result["network_agent"] is True and result["network_repairs"] == 2
    assert engine.unlock_calls == 0


def test_an_agent_that_never_starts_fails_clearly(monkeypatch):
    engine = RepairEngine(agent_after=99, locks=False)
    node_agent, _clock = repair_with_clock(monkeypatch, engine)
    result = {"used_previous_key": False, "network_repairs": 0}
    with pytest.raises(Failed, match="network agent does not run .* also after 2 restart"):
        node_agent.ensure_network_agent(RepairModule(engine), engine, result, [], "w1 joined but")
    assert engine.restarts == 2


class NetworksClient:
    """The Docker API's network calls on a node that sees NETWORKS (inspected), with PEERS on ingress."""

    def __init__(self, networks, peers):
        self.nets = {net["Id"]: net for net in networks}
        self.peers = peers

    def networks(self, filters):
        assert filters == {"driver": "overlay"}
        return [{"Id": net_id} for net_id in self.nets]

    def inspect_network(self, net_id, verbose=False):
        return dict(self.nets[net_id], Peers=self.peers) if verbose else self.nets[net_id]


@pytest.mark.parametrize("networks,peers,expect_ingress,expected", [
    ([{"Id": "i", "Ingress": True}], [{"IP": "10.77.4.21"}], False, True),
    ([{"Id": "i", "Ingress": True}], None, False, False),  # a manager whose agent stopped
    ([{"Id": "o", "Ingress": False}], None, False, None),  # no ingress: nothing to tell by
    ([], None, True, False),  # a worker whose agent did not start has no ingress at all
    ([{"Id": "o", "Ingress": False}], None, True, False),
])
def test_a_worker_without_the_swarms_ingress_has_no_agent(networks, peers, expect_ingress, expected):
    from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import network_agent_running

    assert network_agent_running(NetworksClient(networks, peers), expect_ingress) is expected


def test_the_wait_asks_with_the_modules_expectation(monkeypatch):
    from ansible_collections.dockyard.swarm.plugins.module_utils import node_agent

    asked = []
    monkeypatch.setattr(node_agent, "network_agent_running", lambda _client, expect: asked.append(expect) or True)
    module = FakeModule()
    module.params["expect_ingress"] = True
    assert node_agent.wait_network_agent(module, client=None) is True
    assert asked == [True]
