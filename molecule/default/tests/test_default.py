"""The default scenario's host is a real VM running Debian's own kernel, with dockerd active."""

import re


def test_is_a_full_virtual_machine(host):
    # systemd-detect-virt names the hypervisor for a VM ("qemu", "kvm") and a container
    # runtime ("docker", "lxc", ...) for a container; --vm only succeeds for the former.
    virt = host.run("systemd-detect-virt --vm")
    assert virt.rc == 0, virt.stderr
    assert virt.stdout.strip() in ("qemu", "kvm")
    assert host.file("/sys/class/dmi/id/sys_vendor").content_string.strip() == "QEMU"


def test_runs_debians_own_kernel(host):
    release = host.run("uname -r").stdout.strip()
    assert re.fullmatch(r"\d+\.\d+\.\d+(\+deb\d+)?-\d+-amd64", release), release
    # The running kernel is the one the distribution packaged, not one borrowed from the host.
    assert host.package(f"linux-image-{release}").is_installed
    assert host.system_info.distribution == "debian"
    assert host.system_info.release.startswith("12")


def test_dockerd_is_active(host):
    docker = host.service("docker")
    assert docker.is_running
    assert docker.is_enabled
    info = host.run("sudo docker info --format '{{.ServerVersion}}'")
    assert info.rc == 0, info.stderr
    assert re.match(r"\d+\.\d+", info.stdout.strip())


def test_cluster_nic_has_its_static_address(host):
    addresses = host.run("ip -4 -o addr show").stdout
    assert "10.77.1.11/24" in addresses
