"""Node name resolution and label planning."""

import pytest

from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_nodes import (
    NodeNameError,
    label_value,
    node_summary,
    plan_labels,
    resolve_node,
)

NODES = [
    {"id": "abcdef1234567890", "hostname": "m1", "addr": "10.0.0.11"},
    {"id": "bcdef12345678901", "hostname": "m2.example.org", "addr": "10.0.0.12"},
    {"id": "cdef123456789012", "hostname": "w1", "addr": "10.0.0.21"},
]


@pytest.mark.parametrize("name,expected", [
    ("m1", "m1"),
    ("M1", "m1"),
    ("m1.example.org", "m1"),          # inventory FQDN, node knows its short name
    ("m2", "m2.example.org"),          # inventory short name, node knows its FQDN
    ("m2.example.org", "m2.example.org"),
    ("cdef123456789012", "w1"),        # full ID
    ("cdef12", "w1"),                  # unambiguous ID prefix
    ("10.0.0.21", "w1"),               # address
])
def test_resolve_finds_the_node(name, expected):
    assert resolve_node(name, NODES)["hostname"] == expected


def test_exact_hostname_beats_short_name():
    nodes = NODES + [{"id": "dddd", "hostname": "m1.other.org", "addr": ""}]
    assert resolve_node("m1", nodes)["id"] == "abcdef1234567890"
    assert resolve_node("m1.other.org", nodes)["id"] == "dddd"


def test_ambiguous_short_name_is_an_error():
    nodes = [{"id": "a1", "hostname": "web.dc1.org", "addr": ""},
             {"id": "b2", "hostname": "web.dc2.org", "addr": ""}]
    with pytest.raises(NodeNameError, match="ambiguous.*web.dc1.org.*web.dc2.org"):
        resolve_node("web", nodes)


def test_unknown_node_lists_known_nodes():
    with pytest.raises(NodeNameError, match=r"No swarm node is called 'x9'. Known nodes: m1 .*m2.example.org.*w1"):
        resolve_node("x9", NODES)


def test_short_id_prefix_is_not_a_match():
    with pytest.raises(NodeNameError):
        resolve_node("cdef", NODES)


def test_node_summary_reads_the_api_shape():
    raw = {"ID": "x1", "Description": {"Hostname": "h"}, "Status": {"Addr": "10.1.1.1"}, "Spec": {}}
    assert node_summary(raw) == {"id": "x1", "hostname": "h", "addr": "10.1.1.1"}


@pytest.mark.parametrize("value,text", [(True, "true"), (False, "false"), (3, "3"), ("dmz", "dmz"), (None, "")])
def test_label_values_become_strings(value, text):
    assert label_value(value) == text


def test_label_value_refuses_structures():
    with pytest.raises(ValueError):
        label_value({"a": 1})


def test_merge_adds_and_updates_only():
    new, changes = plan_labels({"a": "1", "b": "2"}, {"b": "3", "c": "4"}, "merge")
    assert new == {"a": "1", "b": "3", "c": "4"}
    assert changes == {"b": ("2", "3"), "c": (None, "4")}


def test_exact_removes_unlisted_labels():
    new, changes = plan_labels({"a": "1", "b": "2"}, {"b": "2"}, "exact")
    assert new == {"b": "2"}
    assert changes == {"a": ("1", None)}


def test_no_change_is_an_empty_plan():
    assert plan_labels({"zone": "dmz"}, {"zone": "dmz"}, "exact") == ({"zone": "dmz"}, {})


def test_prefix_leaves_other_labels_alone():
    current = {"zone.name": "dmz", "zone.old": "x", "other.tool": "keep"}
    new, changes = plan_labels(current, {"zone.name": "intra"}, "exact", "zone.")
    assert new == {"zone.name": "intra", "other.tool": "keep"}
    assert changes == {"zone.name": ("dmz", "intra"), "zone.old": ("x", None)}


def test_prefix_refuses_labels_outside_it():
    with pytest.raises(ValueError, match="outside the managed prefix"):
        plan_labels({}, {"zone": "dmz"}, "merge", "dockyard.")


def test_empty_value_is_a_change_from_absent():
    assert plan_labels({}, {"flag": ""}, "merge")[1] == {"flag": (None, "")}
