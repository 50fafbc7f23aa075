"""Failover figures of the cluster scenario's VIP client log (molecule/cluster/files)."""

import importlib.util
import pathlib

SCRIPT = pathlib.Path(__file__).resolve().parents[3] / "molecule" / "cluster" / "files" / "vip_outages.py"
spec = importlib.util.spec_from_file_location("vip_outages", SCRIPT)
vip_outages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vip_outages)

LOG = """
100.0 10.0.0.100 ok
100.1 10.0.0.101 ok
101.0 MARK A
101.5 10.0.0.100 fail
102.5 10.0.0.100 fail
103.2 10.0.0.101 ok
104.0 10.0.0.100 ok
110.0 MARK B
111.0 10.0.0.100 fail
112.0 10.0.0.101 fail
garbage line
"""


def test_outage_runs_from_the_mark_to_the_first_answer_after_failures():
    result = vip_outages.outages(LOG.splitlines())
    assert result["A"]["10.0.0.100"] == {"outage": 3.0, "failed": 2, "answered": 1}
    assert result["A"]["10.0.0.101"] == {"outage": 0.0, "failed": 0, "answered": 1}


def test_a_vip_that_never_answers_again_has_no_figure():
    result = vip_outages.outages(LOG.splitlines())
    assert result["B"]["10.0.0.100"]["outage"] is None
    assert result["B"]["10.0.0.101"] == {"outage": None, "failed": 1, "answered": 0}
