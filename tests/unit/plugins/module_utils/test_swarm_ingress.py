"""Ingress comparison and the services that publish through it."""

from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_ingress import (
    ingress_differences,
    ingress_publishers,
    ingress_settings,
    missing_ingress_peers,
    redeploy_done,
    without_ingress_ports,
)

NETWORK = {
    "Name": "ingress", "Ingress": True,
    "IPAM": {"Config": [{"Subnet": "10.210.0.0/24", "Gateway": "10.210.0.1"}]},
    "Options": {"com.docker.network.driver.overlay.vxlanid_list": "4096",
                "com.docker.network.driver.mtu": "1450"},
}


def test_settings_are_read_from_the_api_shape():
    assert ingress_settings(NETWORK) == {"name": "ingress", "subnet": "10.210.0.0/24",
                                         "gateway": "10.210.0.1", "mtu": 1450, "encrypted": False}
    assert ingress_settings({"Name": "ingress", "Options": {"encrypted": ""}})["encrypted"] is True


def wanted(**kw):
    base = {"name": "ingress", "subnet": None, "gateway": None, "mtu": None, "encrypted": None}
    base.update(kw)
    return base


def test_matching_settings_have_no_differences():
    current = ingress_settings(NETWORK)
    assert ingress_differences(current, wanted(subnet="10.210.0.0/24", gateway="10.210.0.1", mtu=1450,
                                               encrypted=False)) == []
    assert ingress_differences(current, wanted()) == []


def test_each_difference_is_named():
    current = ingress_settings(NETWORK)
    assert ingress_differences(current, wanted(subnet="10.250.0.0/24", mtu=1400, encrypted=True)) == [
        "subnet: 10.210.0.0/24 -> 10.250.0.0/24", "mtu: 1450 -> 1400", "encrypted: False -> True"]


def test_gateway_with_prefix_compares_as_address():
    current = dict(ingress_settings(NETWORK), gateway="10.210.0.1/24")
    assert ingress_differences(current, wanted(gateway="10.210.0.1")) == []


def test_subnet_outside_the_pools_is_a_difference_when_no_subnet_is_wanted():
    current = dict(ingress_settings(NETWORK), subnet="10.0.0.0/24")
    assert ingress_differences(current, wanted(), ["10.210.0.0/16"]) == [
        "subnet: 10.0.0.0/24 is outside the swarm's address pools 10.210.0.0/16"]
    assert ingress_differences(ingress_settings(NETWORK), wanted(), ["10.210.0.0/16"]) == []


def svc(name, *ports):
    return {"Spec": {"Name": name, "EndpointSpec": {"Mode": "vip", "Ports": list(ports)}}}


def test_publishers_are_the_services_with_ingress_ports():
    services = [
        svc("web", {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"}),
        svc("edge", {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8082, "PublishMode": "host"}),
        svc("plain"),
        svc("old", {"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 81}),  # no mode = ingress
    ]
    assert sorted(ingress_publishers(services)) == ["old", "web"]


def test_ingress_ports_removed_host_ports_kept():
    spec = {"Mode": "vip", "Ports": [
        {"TargetPort": 80, "PublishedPort": 8080, "PublishMode": "ingress"},
        {"TargetPort": 81, "PublishedPort": 8081, "PublishMode": "host"}]}
    assert without_ingress_ports(spec) == {"Mode": "vip", "Ports": [
        {"TargetPort": 81, "PublishedPort": 8081, "PublishMode": "host"}]}
    assert len(spec["Ports"]) == 2


def task(force, desired, state):
    return {"Spec": {"ForceUpdate": force}, "DesiredState": desired, "Status": {"State": state}}


def test_redeploy_is_done_when_the_new_generation_runs_and_no_old_task_does():
    tasks = [task(1, "shutdown", "shutdown"), task(1, "shutdown", "shutdown"),
             task(2, "running", "running"), task(2, "running", "running")]
    assert redeploy_done(tasks, 2, expected=2)


def test_redeploy_is_not_done_while_an_old_task_still_runs():
    # an old task shut down by desire but whose container still runs holds the old ingress
    tasks = [task(1, "shutdown", "running"), task(2, "running", "running"), task(2, "running", "running")]
    assert not redeploy_done(tasks, 2, expected=2)


def test_redeploy_is_not_done_while_new_tasks_start_or_are_missing():
    assert not redeploy_done([task(2, "running", "preparing"), task(2, "running", "running")], 2, expected=2)
    assert not redeploy_done([task(1, "shutdown", "shutdown"), task(2, "running", "running")], 2, expected=2)


def test_redeploy_of_a_global_service_and_of_a_first_generation():
    # global: no replica count; a service never forced before has no ForceUpdate key (0)
    assert redeploy_done([{"Spec": {}, "DesiredState": "shutdown", "Status": {"State": "complete"}},
                          task(1, "running", "running")], 1, expected=0)
    assert not redeploy_done([{"Spec": {}, "DesiredState": "running", "Status": {"State": "running"}}], 1)


def swarm_node(hostname, addr, state="ready", manager_addr=None):
    node = {"Description": {"Hostname": hostname}, "Status": {"State": state, "Addr": addr}}
    if manager_addr:
        node["ManagerStatus"] = {"Addr": manager_addr}
    return node


def test_nodes_missing_from_the_ingress_peers():
    nodes = [swarm_node("m1", "0.0.0.0", manager_addr="10.77.4.11:2377"),  # leader shown as 0.0.0.0
             swarm_node("m2", "10.77.4.12"), swarm_node("w1", "10.77.4.21"),
             swarm_node("w2", "10.77.4.22", state="down")]  # down nodes cannot take part
    peers = [{"Name": "m1-a1b2c3d4e5f6", "IP": "10.77.4.11"}, {"Name": "m2-0f9e8d7c6b5a", "IP": "10.77.4.12"}]
    assert [n["Description"]["Hostname"] for n in missing_ingress_peers(nodes, peers)] == ["w1"]


def test_a_peer_is_also_known_by_its_hostname_when_its_data_path_address_differs():
    nodes = [swarm_node("w1", "10.77.4.21")]
    assert missing_ingress_peers(nodes, [{"Name": "w1-a1b2c3d4e5f6", "IP": "192.168.9.21"}]) == []
    assert missing_ingress_peers(nodes, None) == nodes
