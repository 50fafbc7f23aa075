"""Stacks from the inventory: the checks before any change, and configs/secrets at their versions."""

import pytest

from ansible_collections.dockyard.swarm.plugins.module_utils.stacks import stack_compose, stacks_plan

GATEWAY = {
    "services": {"proxy": {"image": "nginx", "configs": [{"source": "proxy_conf", "target": "/etc/nginx/nginx.conf"}],
                           "secrets": ["tls_key"], "networks": ["edge"]}},
    "configs": {"proxy_conf": {"external": True}},
    "secrets": {"tls_key": {"external": True}},
    "networks": {"edge": {"external": True}},
}
INTRA = {
    "services": {"app": {"image": "app", "networks": ["edge", "gateway_back"]}},
    "networks": {"edge": {"external": True}, "gateway_back": {"external": True}},
}
CONFIGS = ({"name": "proxy_conf", "src": "files/proxy.conf"},)
SECRETS = ({"name": "tls_key", "data": "-----BEGIN PRIVATE KEY-----"},)
NETWORKS = ({"name": "edge", "encrypted": True},)


def plan(stacks, configs=CONFIGS, secrets=SECRETS, networks=NETWORKS, swarm=None, keep=2):
    return stacks_plan(stacks, list(configs), list(secrets), list(networks), swarm or {}, keep)


def test_the_seeds_layout_passes_in_order():
    gateway = dict(GATEWAY, networks={"edge": {"external": True}, "back": {"driver": "overlay", "attachable": True}})
    result = plan([{"name": "gateway", "compose": gateway}, {"name": "intra", "compose": INTRA}])
    assert result["problems"] == []
    assert [s["name"] for s in result["stacks"]] == ["gateway", "intra"]


@pytest.mark.parametrize("stacks, configs, secrets, swarm, problem", [
    ([{"name": "gateway", "compose": {"services": {}}}], CONFIGS, SECRETS, {},
     "stack gateway: its definition is not a compose mapping with services"),
    ([{"name": "gateway", "compose": "services: x"}], CONFIGS, SECRETS, {},
     "stack gateway: its definition is not a compose mapping with services"),
    ([{"name": "gateway", "compose": GATEWAY}], CONFIGS, [], {},
     "stack gateway: external secret tls_key is neither in stacks_secrets nor in the swarm"),
    ([{"name": "gateway", "compose": dict(GATEWAY, configs={"proxy_conf": {"file": "./proxy.conf"}})}], [], SECRETS, {},
     "stack gateway: config proxy_conf is not in stacks_configs and not external"),
    ([{"name": "gateway", "compose": dict(GATEWAY, secrets={})}], CONFIGS, SECRETS, {},
     "stack gateway: service proxy uses secret tls_key, which the stack does not declare"),
    ([{"name": "intra", "compose": INTRA}, {"name": "gateway", "compose": GATEWAY}], CONFIGS, SECRETS, {},
     "stack intra: external network gateway_back is neither in stacks_networks, nor made by an earlier stack"),
    ([{"name": "bad name", "compose": GATEWAY}], CONFIGS, SECRETS, {},
     "stacks_deploy entry 'bad name' needs a name"),
    ([{"name": "gateway", "compose": GATEWAY}, {"name": "gateway", "state": "absent"}], CONFIGS, SECRETS, {},
     "stacks_deploy gateway is listed twice"),
    ([{"name": "gateway", "state": "gone"}], CONFIGS, SECRETS, {}, "stack gateway: state is 'gone'"),
    ([], [{"name": "proxy_conf", "data": "x", "src": "y"}], SECRETS, {},
     "stacks_configs proxy_conf needs exactly one of data and src (given: data, src)"),
    ([], CONFIGS, [{"name": "tls_key", "data": ""}], {},
     "stacks_secrets tls_key needs exactly one of data and src (given: neither)"),
])
def test_bad_input_is_named(stacks, configs, secrets, swarm, problem):
    problems = plan(stacks, configs, secrets, swarm=swarm)["problems"]
    assert any(p.startswith(problem) for p in problems), problems


def test_objects_the_swarm_already_has_may_stay_external():
    swarm = {"secrets": ["tls_key"], "networks": ["gateway_back"]}
    result = plan([{"name": "gateway", "compose": GATEWAY}, {"name": "intra", "compose": INTRA}], secrets=[], swarm=swarm)
    assert result["problems"] == []


def test_an_absent_stack_needs_no_definition():
    assert plan([{"name": "old", "state": "absent"}]) == {"stacks": [{"name": "old", "state": "absent"}], "problems": []}


@pytest.mark.parametrize("keep", [0, 1, "2"])
def test_fewer_than_two_versions_is_refused(keep):
    assert any("stacks_versions_to_keep" in p for p in plan([], keep=keep)["problems"])


def test_configs_and_secrets_point_at_their_current_version_and_the_input_stays():
    compose = dict(GATEWAY, secrets={"tls_key": {"external": True}, "other": {"external": True}})
    out = stack_compose(compose, {"proxy_conf": "proxy_conf_v3"}, {"tls_key": "tls_key_v1"})
    assert out["configs"] == {"proxy_conf": {"external": True, "name": "proxy_conf_v3"}}
    assert out["secrets"] == {"tls_key": {"external": True, "name": "tls_key_v1"}, "other": {"external": True}}
    assert compose["configs"] == {"proxy_conf": {"external": True}}


def test_an_entry_may_name_the_inventory_object_under_another_key():
    compose = {"services": {"a": {"image": "x", "configs": ["conf"]}}, "configs": {"conf": {"external": True, "name": "proxy_conf"}}}
    assert stack_compose(compose, {"proxy_conf": "proxy_conf_v2"})["configs"]["conf"] == {"external": True, "name": "proxy_conf_v2"}
    assert plan([{"name": "s", "compose": compose}])["problems"] == []
