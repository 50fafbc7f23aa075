"""What the Molecule gate reports when a scenario fails (tests/gates/test_gates.py)."""

import importlib.util
import pathlib

_PATH = pathlib.Path(__file__).resolve().parents[2] / "gates" / "test_gates.py"
_SPEC = importlib.util.spec_from_file_location("dockyard_gates", _PATH)
gates = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gates)

# As molecule 25 prints a failed assertion: colours, its "  │ " prefix, Ansible's result JSON.
FAILED_RUN = [
    "\x1b[32mcluster\x1b[0m \u279c \x1b[33mconverge\x1b[0m: \x1b[32mExecuted: Successful\x1b[0m\n",
    "  \u2502 PLAY [VIP client figures] ******\n",
    "  \u2502 TASK [Read which node holds each VIP] ******\n",
    "  \u2502 ok: [m1]\n",
    "  \u2502 TASK [Assert one holder per VIP] ******\n",
    "  \u2502 \x1b[0;31mfatal: [m1]: FAILED! => {\x1b[0m\n",
    '  \u2502 \x1b[0;31m    "assertion": "__holders[__vips[0]] == [\'m1\']",\x1b[0m\n',
    '  \u2502 \x1b[0;31m    "changed": false,\x1b[0m\n',
    '  \u2502 \x1b[0;31m    "msg": "holders {\'10.77.4.100\': [\'m3\']}"\x1b[0m\n',
    "  \u2502 \x1b[0;31m}\x1b[0m\n",
    "  \u2502 PLAY RECAP ******\n",
    '  \u2502 m1 : ok=3 changed=0 unreachable=0 failed=1 "msg": not a result\n',
    "\x1b[32mcluster\x1b[0m \u279c \x1b[33mside_effect\x1b[0m: \x1b[31mExecuted: Failed\x1b[0m (rc 2)\n",
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


def test_failed_tasks_empty_when_nothing_failed():
    assert gates.failed_tasks(FAILED_RUN[:5]) == ""


def test_action_times_from_the_completion_lines():
    lines = ["INFO  cluster \u279c create: Starting\n"] + FAILED_RUN
    stamps = [1000.0] + [1600.0] + [1601.0 + index for index in range(len(FAILED_RUN) - 2)] + [1900.0]
    assert gates.action_times(lines, stamps) == "converge 600 s, side_effect 300 s (failed)"
    assert gates.action_times([], []) == ""
