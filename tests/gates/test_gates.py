"""Quality gates run by `make test` (and so by CI), one pytest test per gate.

Each gate runs the real tool and fails on its exit status; pytest's summary line is the
CI result.  Order: cheap static checks first, then the collection build, then Molecule.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache"
VENV_BIN = pathlib.Path(sys.executable).parent
SANITY_ROOT = pathlib.Path(os.environ.get("DOCKYARD_CACHE", pathlib.Path.home() / ".cache"
                                          / "dockyard-swarm")) / "sanity"
# The same environment as `make test` sets, so that a gate also runs on its own with pytest.
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", str(CACHE / "collections"))
os.environ.setdefault("ANSIBLE_HOME", str(CACHE / "ansible-home"))
SCENARIOS = sorted(p.parent.name for p in (ROOT / "molecule").glob("*/molecule.yml"))


def run(cmd: list[str], cwd: pathlib.Path = ROOT, env: dict | None = None) -> str:
    """Run a gate's tool, echo its output as it comes, fail on a non-zero exit; return output."""
    print(f"\n$ {' '.join(cmd)}  (in {cwd})", flush=True)
    full_env = {**os.environ, **(env or {})}
    full_env["PATH"] = f"{VENV_BIN}:{full_env.get('PATH', '')}"
    proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    proc.wait()
    assert proc.returncode == 0, f"{cmd[0]} exited with {proc.returncode}"
    return "".join(lines)


def source_files() -> list[str]:
    """Files of the working tree that belong to the project (tracked or new, not ignored)."""
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, check=True,
        stdout=subprocess.PIPE, text=True,
    ).stdout
    return [f for f in out.splitlines() if (ROOT / f).exists()]


def test_yamllint():
    run(["yamllint", "--strict", "."])


def test_ansible_lint():
    run(["ansible-lint", "--profile", "production", "--strict"])


def test_ansible_test_sanity():
    # ansible-test needs the collection at ansible_collections/NAMESPACE/NAME, outside this
    # git checkout (inside it, ansible-test would list files with git and find none).
    tree = SANITY_ROOT / "ansible_collections" / "dockyard" / "swarm"
    shutil.rmtree(tree, ignore_errors=True)
    for rel in source_files():
        dest = tree / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest, follow_symlinks=False)
    out = run(["ansible-test", "sanity", "--color", "no", "--python",
               f"{sys.version_info.major}.{sys.version_info.minor}"], cwd=tree)
    assert "All targets skipped" not in out
    assert 'Running sanity test "validate-modules"' in out


def test_unit():
    run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/unit"])


def test_collection_builds_installs_and_lists_its_content(tmp_path):
    run(["ansible-galaxy", "collection", "build", "--output-path", str(tmp_path)])
    tarballs = list(tmp_path.glob("dockyard-swarm-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    dest = tmp_path / "installed"
    # --no-deps: no Galaxy server is reachable here; the dependencies come from the venv's
    # "ansible" package, which stays on the collections path below.
    run(["ansible-galaxy", "collection", "install", "--force", "--no-deps", "-p", str(dest),
         str(tarballs[0])])
    env = {"ANSIBLE_COLLECTIONS_PATH": str(dest)}
    listing = subprocess.run(
        [str(VENV_BIN / "ansible-doc"), "-l", "dockyard.swarm"], env={**os.environ, **env},
        stdout=subprocess.PIPE, text=True, check=True,
    ).stdout
    print(listing)
    assert "dockyard.swarm." in listing
    installed = dest / "ansible_collections" / "dockyard" / "swarm"
    assert (installed / "MANIFEST.json").is_file()
    for unwanted in (".venv", ".cache", "tools", "lab"):
        assert not (installed / unwanted).exists(), f"{unwanted} leaked into the tarball"


def live_qemu(scenario: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "stat=,args="], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    tag = f"dockyard-{scenario}-"
    return [line for line in out.splitlines() if tag in line and not line.startswith("Z")]


# The Molecule scenarios run at the same time. The cluster scenario is the critical path, and
# its run_once, serial and waiting steps leave a core idle; the smaller scenarios fill it.
# NICE lowers their CPU priority (qemu inherits it), so they take what the cluster leaves, and
# they start once the cluster's VMs have booted (booting six VMs at once slows all of them).
NICE = {"engine": 10}
BOOTED = re.compile(r"converge\S*: \S*Executing")  # molecule's line once `create` is done
# Past this many seconds after the scenarios started, a scenario still running is stopped and
# its VMs destroyed, so that CI still gets a pytest summary within its own limit (90 min).
MOLECULE_DEADLINE = int(os.environ.get("DOCKYARD_MOLECULE_DEADLINE", 78 * 60))
LOGS = CACHE / "molecule-logs"
_runs: dict[str, dict] = {}


def start_scenario(scenario: str) -> None:
    """Start `molecule test -s SCENARIO` in the background, its output into its own log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
    log = LOGS / f"{scenario}.log"
    cmd = ["nice", "-n", str(NICE.get(scenario, 0)), "molecule", "test", "-s", scenario]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    _runs[scenario] = {"proc": proc, "log": log, "cmd": cmd}
    _runs.setdefault("", {"start": time.monotonic()})  # when the first scenario started


def start_scenarios() -> None:
    """Start every scenario (once per session): the cluster first, the others once it booted."""
    if _runs:
        return
    first = [s for s in SCENARIOS if s not in NICE] or SCENARIOS[:1]
    for scenario in first:
        start_scenario(scenario)
    deadline = time.monotonic() + 20 * 60
    while time.monotonic() < deadline and all(
            _runs[s]["proc"].poll() is None and not BOOTED.search(_runs[s]["log"].read_text(errors="replace"))
            for s in first):
        time.sleep(10)
    for scenario in SCENARIOS:
        if scenario not in _runs:
            start_scenario(scenario)


def wait_scenario(scenario: str) -> int | None:
    """Wait for a scenario's run; return its exit status, or None if it passed the deadline."""
    run_ = _runs[scenario]
    remaining = MOLECULE_DEADLINE - (time.monotonic() - _runs[""]["start"])
    try:
        return run_["proc"].wait(timeout=max(remaining, 1))
    except subprocess.TimeoutExpired:
        os.killpg(run_["proc"].pid, signal.SIGTERM)
        run_["proc"].wait()
        subprocess.run(["molecule", "destroy", "-s", scenario], cwd=ROOT, check=False)
        return None


def live_qemu(scenario: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "stat=,args="], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    tag = f"dockyard-{scenario}-"
    return [line for line in out.splitlines() if tag in line and not line.startswith("Z")]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule(scenario):
    start_scenarios()
    status = wait_scenario(scenario)
    run_ = _runs[scenario]
    print(f"\n$ {' '.join(run_['cmd'])}  (in {ROOT}, started with the other scenarios)")
    print(run_["log"].read_text(errors="replace"), flush=True)
    print(f"=== {scenario} ended {time.monotonic() - _runs['']['start']:.0f} s after the first scenario started")
    leftovers = live_qemu(scenario)
    # Molecule keeps a scenario's ephemeral files under $ANSIBLE_HOME/tmp (set by the
    # Makefile to .cache/ansible-home); the VM harness puts its disks in vms/ there.
    disks = list((CACHE / "ansible-home" / "tmp").glob(f"molecule.*.{scenario}/vms/*/*.qcow2"))
    assert status is not None, f"molecule test -s {scenario} passed the {MOLECULE_DEADLINE} s deadline"
    assert status == 0, f"molecule exited with {status}"
    assert not leftovers, f"qemu processes left behind: {leftovers}"
    assert not disks, f"VM disks left behind: {disks}"
