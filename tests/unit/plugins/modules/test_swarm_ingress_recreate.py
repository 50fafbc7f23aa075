"""swarm_ingress: a recreation that fails half-way loses no published port."""

import copy
import json

import pytest

from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import APIError
from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_ingress import SAVED_ENDPOINT_LABEL, saved_endpoints
from ansible_collections.dockyard.swarm.plugins.modules import swarm_ingress

PORTS = {"Ports": [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8095, "PublishMode": "ingress"}]}


class FakeSwarm:
    """Services that take endpoint and label updates and redeploy at once; CREATE_FAILURES: how
    many network creations fail first."""

    def __init__(self, create_failures=0):
        self.services_by_name = {"web": {"ID": "svc-web", "Version": {"Index": 1},
                                         "Spec": {"Name": "web", "Labels": {"team": "a"}, "EndpointSpec": copy.deepcopy(PORTS),
                                                  "Mode": {"Replicated": {"Replicas": 1}}, "TaskTemplate": {}}}}
        self.network = {"Id": "net-old", "Name": "ingress", "Ingress": True,
                        "IPAM": {"Config": [{"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1"}]}, "Options": {}}
        self.create_failures = create_failures
        self.created = []

    def inspect_service(self, name):
        return copy.deepcopy(self.services_by_name[name])

    def services(self):
        return [copy.deepcopy(s) for s in self.services_by_name.values()]

    def update_service(self, _id, _version, endpoint_spec=None, task_template=None, labels=None, fetch_current_spec=True):
        svc = self.services_by_name["web"]
        svc["Spec"]["EndpointSpec"] = endpoint_spec
        svc["Spec"]["Labels"] = labels
        svc["Spec"]["TaskTemplate"] = task_template
        svc["Version"]["Index"] += 1

    def tasks(self, filters=None):
        force = self.services_by_name["web"]["Spec"]["TaskTemplate"]["ForceUpdate"]
        return [{"Spec": {"ForceUpdate": force}, "DesiredState": "running", "Status": {"State": "running"}}]

    def networks(self, **_kw):
        return [self.network] if self.network else []

    def inspect_network(self, _net_id, **_kw):
        return self.network

    def remove_network(self, _net_id):
        self.network = None

    def create_network(self, name, **kwargs):
        self.created.append(kwargs)
        if self.create_failures:
            self.create_failures -= 1
            raise APIError("500 Server Error: pool exhausted")
        self.network = {"Id": "net-%d" % len(self.created), "Name": name, "Ingress": True}


class Module:
    params = {"name": "ingress", "subnet": "10.99.0.0/24", "gateway": None, "mtu": 1400, "encrypted": None,
              "wait_timeout": 30}


CURRENT = {"name": "ingress", "subnet": "10.0.0.0/24", "gateway": "10.0.0.1", "mtu": None, "encrypted": False}


def run_recreate(swarm, pending=None):
    publishers = {"web": copy.deepcopy(PORTS)}
    publishers.update(pending or {})
    swarm_ingress.recreate(Module(), swarm, swarm.network, CURRENT, publishers, pending or {})


def test_a_recreation_puts_the_ports_back_and_drops_the_saved_copy():
    swarm = FakeSwarm()
    run_recreate(swarm)
    spec = swarm.services_by_name["web"]["Spec"]
    assert spec["EndpointSpec"] == PORTS
    assert spec["Labels"] == {"team": "a"}
    assert swarm.created[0]["options"] == {"com.docker.network.driver.mtu": "1400"}


def test_a_failed_creation_puts_the_old_ingress_and_the_ports_back():
    swarm = FakeSwarm(create_failures=1)
    with pytest.raises(APIError):
        run_recreate(swarm)
    # half-way: no ingress ports, the original kept in the label
    assert swarm.services_by_name["web"]["Spec"]["EndpointSpec"] == {"Ports": []}
    assert json.loads(swarm.services_by_name["web"]["Spec"]["Labels"][SAVED_ENDPOINT_LABEL]) == PORTS
    message = swarm_ingress.put_back(Module(), swarm, CURRENT, {"web": copy.deepcopy(PORTS)})
    assert "are back" in message
    assert swarm.created[1]["ipam"]["Config"][0]["Subnet"] == "10.0.0.0/24"  # the old settings
    assert swarm.services_by_name["web"]["Spec"]["EndpointSpec"] == PORTS
    assert swarm.services_by_name["web"]["Spec"]["Labels"] == {"team": "a"}


def test_when_putting_back_fails_too_the_ports_stay_in_the_label_for_a_rerun():
    swarm = FakeSwarm(create_failures=2)
    with pytest.raises(APIError):
        run_recreate(swarm)
    message = swarm_ingress.put_back(Module(), swarm, CURRENT, {"web": copy.deepcopy(PORTS)})
    assert "run again" in message and SAVED_ENDPOINT_LABEL in message
    pending = saved_endpoints(swarm.services())
    assert pending == {"web": PORTS}
    # the re-run: the saved ports are the original ones, the service is not stripped again
    run_recreate(swarm, pending)
    assert swarm.services_by_name["web"]["Spec"]["EndpointSpec"] == PORTS
    assert saved_endpoints(swarm.services()) == {}
