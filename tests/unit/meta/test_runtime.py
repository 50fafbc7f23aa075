"""meta/runtime.yml: the action group names every module of the collection, and nothing else."""

import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]


def test_docker_action_group_lists_every_module():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    modules = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    assert sorted(runtime["action_groups"]["docker"]) == modules
