"""Every scenario's VMs are real VMs running their distribution's own kernel, dockerd enabled.

Shared by the scenarios (verifier `additional_files_or_dirs`); what each VM should be comes
from the scenario's own molecule.yml (`image`, `cluster_address` of each platform).
"""

import os
import pathlib
import re

import pytest
import yaml

PLATFORMS = {
    p["name"]: p
    for p in yaml.safe_load(
        (pathlib.Path(os.environ["MOLECULE_SCENARIO_DIRECTORY"]) / "molecule.yml").read_text()
    )["platforms"]
}


@pytest.fixture()
def platform(host):
    return PLATFORMS[host.backend.get_hostname()]


def test_is_a_full_virtual_machine(host):
    # systemd-detect-virt names the hypervisor for a VM ("qemu", "kvm") and a container
    # runtime ("docker", "lxc", ...) for a container; --vm only succeeds for the former.
    virt = host.run("systemd-detect-virt --vm")
    assert virt.rc == 0, virt.stderr
    assert virt.stdout.strip() in ("qemu", "kvm")
    assert host.file("/sys/class/dmi/id/sys_vendor").content_string.strip() == "QEMU"


def test_runs_the_distributions_own_kernel(host, platform):
    release = host.run("uname -r").stdout.strip()
    # 6.1.0-40-amd64 (Debian 12), 6.12.48+deb13-amd64 (Debian 13)
    assert re.fullmatch(r"\d+\.\d+\.\d+(\+deb\d+)?(-\d+)?-amd64", release), release
    # The running kernel is the one the distribution packaged, not one borrowed from the host.
    assert host.package(f"linux-image-{release}").is_installed
    debian = re.fullmatch(r"debian(\d+)(-[a-z0-9]+)?", str(platform.get("image", "")))
    if debian:  # the harness's own images (a user's cloud image may be another distribution)
        assert host.system_info.distribution == "debian"
        assert host.system_info.release.startswith(debian.group(1))


# The engine each built-in image runs (the bare one after docker_engine installed Debian's).
ENGINES = {"debian12": "20.10.", "debian13": "26.1.", "debian13-docker28": "28.", "debian13-bare": "26.1."}


def test_dockerd_is_enabled_and_answers(host, platform):
    docker = host.service("docker")
    assert docker.is_running
    assert docker.is_enabled
    info = host.run("sudo docker info --format '{{.ServerVersion}}'")
    assert info.rc == 0, info.stderr
    version = info.stdout.strip()
    print(f"{platform['name']}: Docker {version}")
    assert re.match(r"\d+\.\d+", version)
    expected = ENGINES.get(str(platform.get("image", "")))
    if expected:  # the harness's own images (a user's cloud image brings its own engine)
        assert version.startswith(expected), f"{platform['image']} runs Docker {version}, not {expected}x"


def test_cluster_nic_has_its_static_address(host, platform):
    assert platform["cluster_address"] in host.run("ip -4 -o addr show").stdout
