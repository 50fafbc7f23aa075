"""What the Molecule gate reports when a scenario fails (tests/gates/test_gates.py)."""

import importlib.util
import pathlib

_PATH = pathlib.Path(__file__).resolve().parents[2] / "gates" / "test_gates.py"
_SPEC = importlib.util.spec_from_file_location("dockyard_gates", _PATH)
gates = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gates)

# As molecule 25 prints a failed assertion: colours, its "  │ " prefix, Ansible's result JSON.
FAILED_RUN = [
    "\x1b[36mINFO    \x1b[0m \x1b[32mcluster\x1b[0m \u279c \x1b[33mconverge\x1b[0m: \x1b[32mExecuted: Successful\x1b[0m\n",
    "  \u2502 PLAY [VIP client figures] ******\n",
    "  \u2502 TASK [Read which node holds each VIP] ******\n",
    "  \u2502 ok: [m1]\n",
    "  \u2502 TASK [Assert one holder per VIP] ******\n",
    "  \u2502 \x1b[0;31mfatal: [m1]: FAILED! => {\x1b[0m\n",
    '  \u2502 \x1b[0;31m    "assertion": "__holders[__vips[0]] == [\'m1\']",\x1b[0m\n',
    '  \u2502 \x1b[0;31m    "changed": false,\x1b[0m\n',
    '  \u2502 \x1b[0;31m    "msg": "holders {\'10.77.4.100\': [\'m3\']}"\x1b[0m\n',
    "  \u2502 \x1b[0;31m}\x1b[0m\n",
    "  \u2502 TASK [Label an unknown node] ******\n",
    '  \u2502 fatal: [m1]: FAILED! => {"changed": false, "msg": "Nothing was changed. unknown"}\n',
    "  \u2502 ...ignoring\n",
    "  \u2502 PLAY RECAP ******\n",
    '  \u2502 m1 : ok=3 changed=0 unreachable=0 failed=1 "msg": not a result\n',
    "\x1b[31mERROR   \x1b[0m \x1b[32mcluster\x1b[0m \u279c \x1b[33mside_effect\x1b[0m: \x1b[31mExecuted: Failed\x1b[0m (rc 2)\n",
]


def test_failed_tasks_names_play_task_and_the_message():
    report = gates.failed_tasks(FAILED_RUN).splitlines()
    assert report == [
        "PLAY [VIP client figures] ******",
        "TASK [Assert one holder per VIP] ******",
        "fatal: [m1]: FAILED! => {",
        "    \"assertion\": \"__holders[__vips[0]] == ['m1']\",",
        "    \"msg\": \"holders {'10.77.4.100': ['m3']}\"",
    ]


def test_failed_tasks_names_the_failed_verifier_tests():
    verify = [
        "  \u2502 _______ test_udp_swarm_ports[7946-m1]\n",
        "  \u2502   _______\n",
        "  \u2502 >       assert tracked(target)\n",
        "  \u2502 E       AssertionError: the member's datagram did not arrive\n",
        "  \u2502 E       assert False\n",
    ]
    assert gates.failed_tasks(verify).splitlines() == [
        "test_udp_swarm_ports[7946-m1]",
        "E       AssertionError: the member's datagram did not arrive",
        "E       assert False",
    ]


def test_failed_tasks_empty_when_nothing_failed():
    assert gates.failed_tasks(FAILED_RUN[:5]) == ""


def test_action_times_from_the_completion_lines():
    recap = ["\x1b[32mcluster\x1b[0m \u279c \x1b[33mconverge\x1b[0m: \x1b[32mExecuted: Successful\x1b[0m\n"]
    lines = ["INFO  cluster \u279c create: Starting\n"] + FAILED_RUN + recap
    stamps = [1000.0] + [1600.0] + [1601.0 + index for index in range(len(FAILED_RUN) - 2)] + [1900.0, 1950.0]
    assert gates.action_times(lines, stamps) == "converge 600 s, side_effect 300 s (failed)"
    assert gates.action_times([], []) == ""


# As molecule prints a failed idempotence check (CI stop 16), once as it happens and once in
# its closing summary.
IDEMPOTENCE_RUN = [
    "\x1b[31mCRITICAL\x1b[0m Idempotence test failed because of the following tasks:\n",
    "*  => dockyard.swarm.swarm : Ensure locked managers are unlocked\n",
    "\x1b[31mERROR   \x1b[0m \x1b[32mcluster\x1b[0m \u279c \x1b[33midempotence\x1b[0m: \x1b[31mExecuted: Failed\x1b[0m\n",
    "ERROR    Idempotence test failed because of the following tasks:\n",
    "*  => dockyard.swarm.swarm : Ensure locked managers are unlocked\n",
]


def test_failed_tasks_names_the_tasks_that_changed_again():
    assert gates.failed_tasks(IDEMPOTENCE_RUN).splitlines() == [
        "CRITICAL Idempotence test failed because of the following tasks:",
        "*  => dockyard.swarm.swarm : Ensure locked managers are unlocked",
    ]


def test_mitogen_env_points_ansible_at_mitogens_linear_strategy(monkeypatch):
    monkeypatch.delenv("DOCKYARD_MITOGEN", raising=False)
    env = gates.mitogen_env()
    assert env["ANSIBLE_STRATEGY"] == "mitogen_linear"
    assert int(env["ANSIBLE_TIMEOUT"]) >= 300  # Mitogen's start in a slow guest counts against it
    # the directory Ansible loads the strategy from holds it (the installed Mitogen's)
    assert (pathlib.Path(env["ANSIBLE_STRATEGY_PLUGINS"]) / "mitogen_linear.py").is_file()


def test_mitogen_env_is_empty_when_turned_off(monkeypatch):
    monkeypatch.setenv("DOCKYARD_MITOGEN", "0")
    assert gates.mitogen_env() == {}
