"""swarm_preflight: refusals decided from docker info before any host changes."""

import json

import pytest

from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_preflight import node_state, swarm_preflight

MANAGERS = ["m1", "m2", "m3"]
ADDRS = {"m1": "10.0.0.1", "m2": "10.0.0.2", "m3": "10.0.0.3", "w1": "10.0.0.11"}


NODE_IDS = {"10.0.0.1": "id-m1", "10.0.0.2": "id-m2", "10.0.0.3": "id-m3", "10.0.0.11": "id-w1"}


def info(state="inactive", cluster="", manager=False, autolock=True, remotes=(), node_id="", data_path_port=4789, port=2377):
    swarm = {"LocalNodeState": state, "ControlAvailable": manager, "NodeID": node_id,
             "RemoteManagers": [{"NodeID": NODE_IDS.get(a, "x"), "Addr": "%s:%d" % (a, port)} for a in remotes] or None}
    if cluster:
        swarm["Cluster"] = {"ID": cluster, "Spec": {"EncryptionConfig": {"AutoLockManagers": autolock}},
                            "DataPathPort": data_path_port}
    return {"rc": 0, "stdout": json.dumps(swarm)}


def probes(**nodes):
    out = {}
    for host, probe in nodes.items():
        out[host] = dict(probe, advertise=ADDRS[host], listen_port=2377)
    return out


def plan(nodes, workers=("w1",), **kwargs):
    kwargs.setdefault("key_file", "/home/op/.local/share/dockyard-swarm/lab/unlock-key")
    return swarm_preflight(nodes, MANAGERS, list(workers), **kwargs)


def formed(autolock=True, **kwargs):
    remotes = ADDRS["m1"], ADDRS["m2"], ADDRS["m3"]
    nodes = {h: info("active", "C1", True, autolock, remotes, node_id="id-" + h, **kwargs) for h in MANAGERS}
    nodes["w1"] = info("active", remotes=remotes, node_id="id-w1", **kwargs)
    return probes(**nodes)


def test_states_without_docker_and_with_a_stopped_dockerd():
    assert node_state({"rc": 2, "stdout": ""})[0] == "no docker"
    assert node_state({"rc": 1, "stdout": "", "stderr": "Cannot connect to the Docker daemon"})[0] == "not answering"
    assert node_state({"rc": 0, "stdout": '{"LocalNodeState": "locked"}'})[0] == "locked"


def test_a_formed_autolocked_swarm_passes_without_a_new_key():
    result = plan(formed())
    assert result["problems"] == []
    assert result["swarm_exists"] is True
    assert result["new_key"] is False


def test_a_new_swarm_needs_a_key_file():
    nodes = probes(m1={"rc": 2, "stdout": ""}, m2=info(), m3=info(), w1=info())
    assert plan(nodes)["new_key"] is True
    assert plan(nodes)["problems"] == []
    problems = plan(nodes, key_file="")["problems"]
    assert len(problems) == 1
    assert "would create the swarm" in problems[0] and "kept nowhere" in problems[0]


def test_switching_autolock_on_needs_a_key_file():
    problems = plan(formed(autolock=False), key_file="")["problems"]
    assert len(problems) == 1
    assert "would switch autolock on" in problems[0]
    assert plan(formed(autolock=False), key_file="", autolock=False)["problems"] == []


def test_an_existing_key_is_enough_without_a_key_file():
    assert plan(formed(), key_file="")["problems"] == []


def test_locked_managers_are_in_the_swarm_and_create_no_key():
    nodes = formed()
    nodes["m1"] = dict(info("locked"), advertise=ADDRS["m1"])
    result = plan(nodes, key_file="")
    assert result["new_key"] is False
    assert result["problems"] == []


def test_a_worker_of_a_foreign_swarm_is_refused_before_init():
    nodes = probes(m1=info(), m2=info(), m3=info(), w1=info("active", remotes=["192.0.2.9"]))
    problems = plan(nodes)["problems"]
    assert len(problems) == 1
    assert problems[0].startswith("w1 is in a swarm (managers 192.0.2.9) while no manager")


def test_a_worker_of_a_foreign_swarm_is_refused_when_the_swarm_exists():
    nodes = formed()
    nodes["w1"] = dict(info("active", remotes=["192.0.2.9"]), advertise=ADDRS["w1"])
    problems = plan(nodes)["problems"]
    assert len(problems) == 1
    assert "w1 is in a swarm whose managers (192.0.2.9) are not the inventory's" in problems[0]


def test_managers_of_two_swarms_are_refused():
    nodes = formed()
    nodes["m3"] = dict(info("active", "C2", True), advertise=ADDRS["m3"])
    problems = plan(nodes)["problems"]
    assert len(problems) == 1
    assert "mixes managers of 2 different swarms: m1, m2 / m3" in problems[0]


@pytest.mark.parametrize("addr,host", [("10.0.0.1:2377", "10.0.0.1"), ("[fd00::1]:2377", "fd00::1"), ("10.0.0.1", "10.0.0.1")])
def test_remote_manager_addresses(addr, host):
    from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_preflight import _host
    assert _host(addr) == host


def test_a_run_limited_to_a_worker_refuses_nothing_it_cannot_tell():
    nodes = {"w1": formed()["w1"]}
    result = plan(nodes, key_file="")
    assert result["swarm_exists"] is None
    assert result["problems"] == []


def test_managers_whose_dockerd_does_not_answer_tell_nothing():
    nodes = probes(m1={"rc": 1, "stdout": ""}, m2={"rc": 1, "stdout": ""}, m3={"rc": 1, "stdout": ""},
                   w1=info("active", remotes=["10.0.0.1"]))
    result = plan(nodes, key_file="")
    assert result["swarm_exists"] is None
    assert result["new_key"] is False
    assert result["problems"] == []


@pytest.mark.parametrize("labels,message", [
    ({"": "x"}, "the label key '' must not be empty"),
    ({"zone name": "dmz"}, "the label key 'zone name' must not be empty nor contain whitespace"),
    ({"zone=dmz": "x"}, "the label key 'zone=dmz'"),
    ({"zone\n": "x"}, "the label key 'zone\\n'"),
    ({"zone": "dmz\nintra"}, "the value of label zone must be one line"),
    ({"zone": {"a": 1}}, "zone: A label value must be a string"),
    (["zone=dmz"], "the labels must be a dict"),
])
def test_bad_labels_are_refused_before_any_change(labels, message):
    nodes = formed()
    nodes["w1"]["labels"] = labels
    problems = plan(nodes)["problems"]
    assert len(problems) == 1 and problems[0].startswith("swarm_node_labels of w1: " + message), problems


def test_labels_outside_the_managed_prefix_are_refused():
    nodes = formed()
    nodes["m1"].update(labels={"site.zone": "a", "zone": "b"}, labels_prefix="site.")
    assert plan(nodes)["problems"] == ["swarm_node_labels of m1: the label zone is outside the managed prefix 'site.'."]


def test_good_labels_pass():
    nodes = formed()
    nodes["w1"]["labels"] = {"zone": "dmz", "disk": "ssd", "rack": 3, "gpu": False, "node.role.x": "a-b_c"}
    assert plan(nodes)["problems"] == []


def test_a_data_path_port_other_than_the_swarms_is_refused():
    assert plan(formed(data_path_port=4800), data_path_port=4800)["problems"] == []
    problems = plan(formed(data_path_port=4800))["problems"]
    assert problems == ["The swarm's data path port is 4800 but swarm_data_path_port asks for 4789: Docker sets it "
                        "only when the swarm is created. Set swarm_data_path_port: 4800."]


def test_a_listen_port_other_than_the_managers_is_refused():
    nodes = formed(port=2400)
    assert len(plan(nodes)["problems"]) == 3  # every manager listens on 2400, the inventory says 2377
    for host in MANAGERS:
        nodes[host]["listen_port"] = 2400
    assert plan(nodes)["problems"] == []
    nodes["m2"]["listen_port"] = 2377
    assert plan(nodes)["problems"] == [
        "m2 is a manager on 10.0.0.2:2400, but its swarm_listen_addr asks for port 2377. A manager's port "
        "changes only when it leaves and joins again; set the port it uses in swarm_listen_addr."]
