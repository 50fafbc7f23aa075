"""Ingress comparison and the services that publish through it."""

from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_ingress import (
    ingress_differences,
    ingress_publishers,
    ingress_settings,
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
