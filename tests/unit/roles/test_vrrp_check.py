"""The keepalived health check script (roles/keepalived/templates/vrrp-check.sh.j2).

The rendered script runs under bash with stand-ins for systemctl and curl on PATH, which answer
as dockerd would: the exit status is keepalived's verdict (0 = healthy).
"""

import os
import pathlib
import stat
import subprocess

import jinja2
import pytest

TEMPLATE = pathlib.Path(__file__).resolve().parents[3] / "roles" / "keepalived" / "templates" / "vrrp-check.sh.j2"

INFO_MANAGER = '{"Swarm":{"NodeID":"abc123","LocalNodeState":"active","ControlAvailable":true}}'
INFO_WORKER = '{"Swarm":{"NodeID":"def456","LocalNodeState":"active","ControlAvailable":false}}'
INFO_LOCKED = '{"Swarm":{"NodeID":"","LocalNodeState":"locked","ControlAvailable":false}}'
NODE_ACTIVE = '{"ID":"abc123","Spec":{"Role":"manager","Availability":"active"}}'
NODE_DRAINED = '{"ID":"abc123","Spec":{"Role":"manager","Availability":"drain"}}'
NO_LEADER = ('{"message":"rpc error: code = Unknown desc = The swarm does not have a leader. '
             "It's possible that too few managers are online.\"}")


def script(tmp_path, port=0):
    env = jinja2.Environment(keep_trailing_newline=True)
    env.filters["bool"] = bool  # Ansible's filter, for the True/False given here
    text = env.from_string(TEMPLATE.read_text()).render(
        ansible_managed="test", keepalived_check_timeout=5, keepalived_check_drained=True,
        keepalived_check_port=port)
    path = tmp_path / "check.sh"
    path.write_text(text)
    return path


def stub(directory, name, body):
    path = directory / name
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


INGRESS_WITH_PEERS = '{"Name":"ingress","Ingress":true,"Peers":[{"Name":"m1-1a2b","IP":"10.77.4.11"}]}'
INGRESS_NO_PEERS = '{"Name":"ingress","Ingress":true,"Peers":null}'
NO_INGRESS = '{"message":"network ingress not found"}'


def run_check(tmp_path, docker_active=True, info=None, node=None, node_status=22, ingress=INGRESS_WITH_PEERS,
              systemctl_seconds=0):
    """Exit status of the check; info/node/ingress None = that API call fails without a body (timeout)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub(bin_dir, "systemctl", f"sleep {systemctl_seconds}\nexit {0 if docker_active else 3}\n")
    answers = {"/info": (info, (22 if info.startswith('{"message"') else 0) if info is not None else 28),
               "/nodes/abc123": (node, 0 if node in (NODE_ACTIVE, NODE_DRAINED) else
                                 (node_status if node is not None else 28)),
               "/networks/ingress?verbose=true": (ingress, 0 if ingress in (INGRESS_WITH_PEERS, INGRESS_NO_PEERS) else
                                                  (22 if ingress is not None else 28))}
    cases = "".join(f"  *{url}) printf '%s' '{(body or '').replace(chr(39), chr(39) + chr(92) + chr(39) + chr(39))}'; exit {code} ;;\n"
                    for url, (body, code) in answers.items())
    stub(bin_dir, "curl", f'echo "$4" >>"{tmp_path}/max-times"\nurl="${{@: -1}}"\ncase "$url" in\n{cases}esac\nexit 7\n')
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run(["bash", str(script(tmp_path))], env=env, check=False).returncode


@pytest.mark.parametrize("case, kwargs, verdict", [
    ("a healthy manager", {"info": INFO_MANAGER, "node": NODE_ACTIVE}, 0),
    ("a healthy worker (no node lookup)", {"info": INFO_WORKER}, 0),
    ("dockerd stopped", {"docker_active": False, "info": INFO_MANAGER, "node": NODE_ACTIVE}, 1),
    ("dockerd does not answer in time (an election holds its lock): the VIP stays", {"info": None}, 0),
    ("dockerd answers /info with an error", {"info": '{"message":"internal error"}'}, 2),
    ("a locked manager", {"info": INFO_LOCKED}, 3),
    ("a drained manager", {"info": INFO_MANAGER, "node": NODE_DRAINED}, 5),
    ("no leader: the availability cannot have changed", {"info": INFO_MANAGER, "node": NO_LEADER, "node_status": 22}, 0),
    ("the node lookup times out (an election): the VIP stays", {"info": INFO_MANAGER, "node": None}, 0),
    ("another API error", {"info": INFO_MANAGER, "node": '{"message":"node abc123 not found"}'}, 4),
    ("the network agent does not run", {"info": INFO_WORKER, "ingress": INGRESS_NO_PEERS}, 7),
    ("no ingress network to tell by", {"info": INFO_WORKER, "ingress": NO_INGRESS}, 0),
    ("the ingress lookup times out: dockerd answered /info", {"info": INFO_WORKER, "ingress": None}, 0),
])
def test_the_checks_verdict(tmp_path, case, kwargs, verdict):
    assert run_check(tmp_path, **kwargs) == verdict, case


def test_every_call_ends_before_keepalived_would_kill_the_check(tmp_path):
    # keepalived puts a node whose check it killed (timeout 5 s here) in FAULT: the calls share 2.5 s
    assert run_check(tmp_path, info=INFO_MANAGER, node=NODE_ACTIVE) == 0
    max_times = [float(line) for line in (tmp_path / "max-times").read_text().split()]
    assert len(max_times) == 3 and all(0 < seconds <= 2.5 for seconds in max_times), max_times


def test_a_slow_systemctl_counts_against_the_same_deadline(tmp_path):
    # on a busy machine systemctl itself took seconds, and the API calls then had their full
    # budget on top of it: keepalived killed the check and moved the VIP from a healthy holder
    assert run_check(tmp_path, info=INFO_MANAGER, node=NODE_ACTIVE, systemctl_seconds=1.5) == 0
    max_times = [float(line) for line in (tmp_path / "max-times").read_text().split()]
    assert len(max_times) == 3 and all(0 < seconds <= 1.0 for seconds in max_times), max_times


def test_no_time_left_for_the_api_passes(tmp_path):
    # systemctl answered after the whole budget: dockerd is not stopped, the next check decides
    assert run_check(tmp_path, info=INFO_MANAGER, node=NODE_ACTIVE, systemctl_seconds=2.6) == 0
    assert not (tmp_path / "max-times").exists()
