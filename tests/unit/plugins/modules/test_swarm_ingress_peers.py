"""swarm_ingress: which nodes count as missing from the ingress network, as one manager sees it."""

from ansible_collections.dockyard.swarm.plugins.modules.swarm_ingress import (
    ingress_missing_nodes,
    report_missing,
)


def node(node_id, hostname, addr, state="ready"):
    return {"ID": node_id, "Description": {"Hostname": hostname}, "Status": {"State": state, "Addr": addr}}


NODES = [node("id-w1", "w1", "10.77.4.21"), node("id-m1", "m1", "10.77.4.11"),
         node("id-m2", "m2", "10.77.4.12"), node("id-m3", "m3", "10.77.4.13", state="down")]


class FakeClient:
    def __init__(self, peers, local_id="id-m1"):
        self.peers, self.local_id = peers, local_id

    def networks(self, **_kw):
        return [{"Id": "net-ingress", "Name": "ingress", "Ingress": True}]

    def inspect_network(self, net_id, verbose=False, **_kw):
        assert net_id == "net-ingress"
        return {"Id": net_id, "Name": "ingress", "Ingress": True, "Peers": self.peers}

    def nodes(self):
        return NODES

    def info(self):
        return {"Swarm": {"NodeID": self.local_id}}


def test_ready_nodes_without_a_peer_entry_are_missing_sorted_by_hostname():
    client = FakeClient(peers=[{"Name": "a1b2c3", "IP": "10.77.4.11"}])
    missing = ingress_missing_nodes(client)
    assert [n["Description"]["Hostname"] for n in missing] == ["m2", "w1"]  # m3 is down: not counted


def test_a_manager_that_is_not_on_the_network_sees_only_itself_missing():
    client = FakeClient(peers=None, local_id="id-m1")
    assert [n["ID"] for n in ingress_missing_nodes(client)] == ["id-m1"]


def test_every_node_a_peer_means_none_missing_and_the_result_names_and_ids():
    client = FakeClient(peers=[{"IP": "10.77.4.11"}, {"IP": "10.77.4.12"}, {"IP": "10.77.4.21"}])
    result = {}
    report_missing(result, ingress_missing_nodes(client))
    assert result == {"missing_nodes": [], "missing_node_ids": []}
    report_missing(result, [NODES[0]])
    assert result == {"missing_nodes": ["w1"], "missing_node_ids": ["id-w1"]}
