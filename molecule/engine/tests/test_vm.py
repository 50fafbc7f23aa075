"""The harness's VMs are real VMs running their distribution's own kernel, dockerd enabled.

These checks had a scenario of their own (`default`, one more VM boot in CI); they run on the
engine scenario's Debian 12 and Debian 13 VMs instead.
"""

import re

RELEASES = {"engine12": "12", "engine13": "13"}
CLUSTER_ADDRESSES = {"engine12": "10.77.3.11/24", "engine13": "10.77.3.12/24"}


def test_is_a_full_virtual_machine(host):
    # systemd-detect-virt names the hypervisor for a VM ("qemu", "kvm") and a container
    # runtime ("docker", "lxc", ...) for a container; --vm only succeeds for the former.
    virt = host.run("systemd-detect-virt --vm")
    assert virt.rc == 0, virt.stderr
    assert virt.stdout.strip() in ("qemu", "kvm")
    assert host.file("/sys/class/dmi/id/sys_vendor").content_string.strip() == "QEMU"


def test_runs_the_distributions_own_kernel(host):
    release = host.run("uname -r").stdout.strip()
    # 6.1.0-40-amd64 (Debian 12), 6.12.48+deb13-amd64 (Debian 13)
    assert re.fullmatch(r"\d+\.\d+\.\d+(\+deb\d+)?(-\d+)?-amd64", release), release
    # The running kernel is the one the distribution packaged, not one borrowed from the host.
    assert host.package(f"linux-image-{release}").is_installed
    assert host.system_info.distribution == "debian"
    assert host.system_info.release.startswith(RELEASES[host.backend.get_hostname()])


def test_dockerd_is_enabled_and_answers(host):
    docker = host.service("docker")
    assert docker.is_running
    assert docker.is_enabled
    info = host.run("sudo docker info --format '{{.ServerVersion}}'")
    assert info.rc == 0, info.stderr
    assert re.match(r"\d+\.\d+", info.stdout.strip())


def test_cluster_nic_has_its_static_address(host):
    assert CLUSTER_ADDRESSES[host.backend.get_hostname()] in host.run("ip -4 -o addr show").stdout
