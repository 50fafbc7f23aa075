"""Boot and stop the qemu VMs of a Molecule scenario or of the local lab.

    python3 tools/vm/vmctl.py up   --state-dir DIR --spec SPEC.json   boot every VM of SPEC in parallel, wait
                                                     until SSH answers and the boot has finished,
                                                     print instances
    python3 tools/vm/vmctl.py down --state-dir DIR                    stop the VMs started from DIR, remove disks
    python3 tools/vm/vmctl.py accel                                   print the accelerator "auto" resolves to

SPEC (JSON)::

    {"scenario": "cluster",
     "segment": "230.0.0.77:47102",          # emulated L2 segment of the cluster NICs
     "platforms": [{"name": "m1", "image": "debian13", "memory": 1536, "cpus": 1,
                    "cluster_address": "10.77.2.11/24"}]}

Each VM gets a qcow2 overlay on its base image, a seed disk (hostname, the scenario's SSH key
for user "molecule" with passwordless sudo, a static address on the cluster NIC; read at first
boot by the built-in images' dockyard-seed unit, or by cloud-init on a cloud image), a
management NIC (user-mode NAT, SSH forwarded from 127.0.0.1 on a free port) and a cluster NIC
on the scenario's segment (qemu socket multicast on 127.0.0.1).

"image" is debian12/bookworm, debian13/trixie, debian13-docker28 or debian13-bare (built by
tools/vm/build-image, booted with its own kernel) or the path of any cloud-init cloud image (booted by its own bootloader);
DOCKYARD_VM_IMAGE overrides it for every platform.  DOCKYARD_VM_ACCEL=kvm|tcg|auto;
DOCKYARD_VM_CPU=MODEL sets the CPU model under TCG (default max; qemu64 booted about 10 % faster
here, with no measurable difference for Python in the guest).  "ssh_user": "root" (built-in
images only) puts the key in root's authorized_keys too and hands Molecule root as the login
user: no sudo per task, and one Python per guest instead of two under Mitogen.  The seed also installs
tools/vm/lab_zipcache.py (a bytecode cache for Python modules imported from zip files, which
is how every Ansible task runs; DOCKYARD_VM_ZIPCACHE=0 leaves it out).

Only standard library: it runs before the virtualenv has anything to offer.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import hashlib
import ipaddress
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
# Built by tools/vm/build-image: Debian 12, Debian 13 (docker.io 26.1), Debian 13 with the
# docker.io/docker-cli 28.x of Debian's next release, and a bare Debian 13 (nothing baked).
BUILTIN_IMAGES = {
    "debian12": "bookworm",
    "bookworm": "bookworm",
    "debian13": "trixie",
    "trixie": "trixie",
    "debian13-docker28": "trixie-docker28",
    "trixie-docker28": "trixie-docker28",
    "debian13-bare": "trixie-bare",
    "trixie-bare": "trixie-bare",
}
SSH_USER = "molecule"
# Who Ansible logs in as: the sudo user (the default), or root, whose tasks need no sudo and
# whose Mitogen runs start one Python per guest instead of two (docs/testing.md).
SSH_USERS = (SSH_USER, "root")
# CPU model under TCG (DOCKYARD_VM_CPU overrides it).
TCG_CPU = os.environ.get("DOCKYARD_VM_CPU", "max")
BOOT_TIMEOUT = int(os.environ.get("DOCKYARD_VM_BOOT_TIMEOUT", "900"))
SEGMENT_RE = re.compile(r"^(2(?:2[4-9]|3\d)\.\d{1,3}\.\d{1,3}\.\d{1,3}):(\d{1,5})$")
NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def console_tail(vmdir: pathlib.Path, lines: int = 12) -> str:
    """The last lines of a VM's serial console (where a hung boot shows how far it got)."""
    try:
        text = (vmdir / "console.log").read_text(errors="replace")
    except OSError:
        return "(no console log)"
    return "\n".join(line.rstrip() for line in text.splitlines()[-lines:])


class SpecError(ValueError):
    """The scenario's VM specification is invalid."""


def log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} vmctl: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- pure logic


def mac_address(scenario: str, name: str, nic: int) -> str:
    """Stable, locally administered MAC for NIC `nic` of VM `name` in `scenario`."""
    digest = hashlib.sha256(f"{scenario}/{name}".encode()).digest()
    return "52:54:%02x:%02x:%02x:%02x" % (nic, digest[0], digest[1], digest[2])


def parse_segment(segment: str) -> tuple[str, int]:
    match = SEGMENT_RE.match(segment or "")
    if not match or not 1024 <= int(match.group(2)) <= 65535:
        raise SpecError(
            f"segment {segment!r} must be MULTICAST_GROUP:PORT, e.g. 230.0.0.77:47101"
        )
    return match.group(1), int(match.group(2))


def validate_spec(spec: dict) -> list[dict]:
    """Return the platforms with defaults filled in, or raise SpecError naming the problem."""
    scenario = spec.get("scenario")
    if not scenario:
        raise SpecError("spec has no scenario name")
    parse_segment(spec.get("segment", ""))
    platforms = spec.get("platforms") or []
    if not platforms:
        raise SpecError("spec has no platforms")
    seen_names: set[str] = set()
    seen_addrs: set[str] = set()
    networks = set()
    result = []
    for raw in platforms:
        name = raw.get("name", "")
        if not NAME_RE.match(name):
            raise SpecError(f"platform name {name!r} is not a valid hostname")
        if name in seen_names:
            raise SpecError(f"platform name {name!r} is used twice")
        seen_names.add(name)
        try:
            iface = ipaddress.ip_interface(raw.get("cluster_address", ""))
        except ValueError as exc:
            raise SpecError(
                f"platform {name}: cluster_address {raw.get('cluster_address')!r} is not "
                "an address with prefix, e.g. 10.77.1.11/24"
            ) from exc
        if iface.version != 4 or iface.network.prefixlen in (31, 32):
            raise SpecError(f"platform {name}: cluster_address must be IPv4 with a /8../30 prefix")
        if str(iface.ip) in seen_addrs:
            raise SpecError(f"platform {name}: cluster_address {iface.ip} is used twice")
        seen_addrs.add(str(iface.ip))
        networks.add(iface.network)
        memory = int(raw.get("memory", 1536))
        cpus = int(raw.get("cpus", 1))
        if memory < 512 or cpus < 1:
            raise SpecError(f"platform {name}: needs memory >= 512 (MiB) and cpus >= 1")
        image = os.environ.get("DOCKYARD_VM_IMAGE") or raw.get("image", "debian13")
        if image not in BUILTIN_IMAGES and not pathlib.Path(image).is_file():
            raise SpecError(
                f"platform {name}: image {image!r} is neither one of "
                f"{sorted(BUILTIN_IMAGES)} nor an existing cloud image file"
            )
        ssh_user = raw.get("ssh_user", SSH_USER)
        if ssh_user not in SSH_USERS:
            raise SpecError(f"platform {name}: ssh_user must be one of {', '.join(SSH_USERS)}, not {ssh_user!r}")
        if ssh_user == "root" and image not in BUILTIN_IMAGES:
            raise SpecError(f"platform {name}: ssh_user root needs one of the built-in images (its seed holds root's key)")
        result.append(
            {
                "name": name,
                "image": image,
                "memory": memory,
                "cpus": cpus,
                "disk_size": raw.get("disk_size", "12G"),
                "cluster_address": str(iface),
                "ssh_user": ssh_user,
            }
        )
    if len(networks) != 1:
        raise SpecError("all cluster_address values of a scenario must be in one subnet")
    return result


ROOT_KEY_PATH = "root/root/.ssh/authorized_keys"
ZIPCACHE_SOURCE = pathlib.Path(__file__).with_name("lab_zipcache.py")
# /usr/lib/python3/dist-packages is on the path of every Debian (and Ubuntu) Python 3.
ZIPCACHE_DIR = "/usr/lib/python3/dist-packages"


def zipcache_files(zipcache: bool | None = None) -> dict[str, bytes]:
    """Guest files of the zip import cache (empty when DOCKYARD_VM_ZIPCACHE=0)."""
    if zipcache is None:
        zipcache = os.environ.get("DOCKYARD_VM_ZIPCACHE", "1") != "0"
    if not zipcache:
        return {}
    return {
        f"{ZIPCACHE_DIR}/dockyard_lab_zipcache.py": ZIPCACHE_SOURCE.read_bytes(),
        f"{ZIPCACHE_DIR}/dockyard-lab-zipcache.pth": b"import dockyard_lab_zipcache; dockyard_lab_zipcache.install()\n",
    }


def user_data(name: str, public_key: str, zipcache: bool | None = None) -> str:
    """cloud-init user-data, for a cloud image booted by its own cloud-init."""
    lines = [
        "#cloud-config",
        f"hostname: {name}",
        "manage_etc_hosts: true",
        "ssh_pwauth: false",
        "ssh_deletekeys: true",
        "ssh_genkeytypes: [ed25519]",
        "package_update: false",
        "package_upgrade: false",
        "users:",
        f"  - name: {SSH_USER}",
        "    shell: /bin/bash",
        "    lock_passwd: true",
        "    sudo: ALL=(ALL) NOPASSWD:ALL",
        "    ssh_authorized_keys:",
        f"      - {json.dumps(public_key.strip())}",
    ]
    files = zipcache_files(zipcache)
    if files:
        lines.append("write_files:")
        for path, content in files.items():
            lines += [f"  - path: {path}", "    permissions: '0644'", "    encoding: b64",
                      f"    content: {base64.b64encode(content).decode()}"]
    return "\n".join(lines) + "\n"


def network_config(scenario: str, name: str, cluster_address: str) -> str:
    return (
        "version: 2\n"
        "ethernets:\n"
        "  mgmt:\n"
        "    match:\n"
        f"      macaddress: \"{mac_address(scenario, name, 1)}\"\n"
        "    dhcp4: true\n"
        "  cluster:\n"
        "    match:\n"
        f"      macaddress: \"{mac_address(scenario, name, 2)}\"\n"
        "    dhcp4: false\n"
        f"    addresses: [\"{cluster_address}\"]\n"
    )


def seed_files(scenario: str, name: str, cluster_address: str, public_key: str,
               zipcache: bool | None = None, root_key: bool = False) -> dict[str, bytes]:
    """The seed disk's dockyard/ tree, read by the built-in images' first-boot unit
    (dockyard-seed, tools/vm/build-image): hostname, user, key, and files copied onto /
    (root's authorized key too when `root_key`: a platform with `ssh_user: root`)."""
    tree = {
        "hostname": f"{name}\n".encode(),
        "user": f"{SSH_USER}\n".encode(),
        "authorized_keys": public_key.strip().encode() + b"\n",
        "root/etc/systemd/network/10-dockyard-mgmt.network": (
            f"[Match]\nMACAddress={mac_address(scenario, name, 1)}\n\n[Network]\nDHCP=ipv4\n"
        ).encode(),
        "root/etc/systemd/network/20-dockyard-cluster.network": (
            f"[Match]\nMACAddress={mac_address(scenario, name, 2)}\n\n"
            f"[Network]\nDHCP=no\nAddress={cluster_address}\n"
        ).encode(),
    }
    if root_key:  # modes kept by the ISO (Rock Ridge) and by the unit's cp (start_vm sets them)
        tree[ROOT_KEY_PATH] = public_key.strip().encode() + b"\n"
    for path, content in zipcache_files(zipcache).items():
        tree["root" + path] = content
    return tree


def qemu_command(
    vm: dict, vmdir: pathlib.Path, scenario: str, segment: str, ssh_port: int,
    accel: str, boot: dict | None,
) -> list[str]:
    group, port = parse_segment(segment)
    if accel == "kvm":
        accel_args = ["-accel", "kvm", "-cpu", "host"]
    else:
        accel_args = ["-accel", "tcg,thread=multi", "-cpu", TCG_CPU]
    cmd = [
        "qemu-system-x86_64",
        "-name", f"dockyard-{scenario}-{vm['name']}",
        *accel_args,
        "-smp", str(vm["cpus"]),
        "-m", str(vm["memory"]),
        "-display", "none",
        "-daemonize",
        "-pidfile", str(vmdir / "qemu.pid"),
        "-serial", f"file:{vmdir / 'console.log'}",
        "-drive", f"file={vmdir / 'disk.qcow2'},if=virtio,format=qcow2,cache=unsafe,discard=unmap",
        "-drive", f"file={vmdir / 'seed.iso'},if=virtio,format=raw,readonly=on",
        "-object", "rng-random,filename=/dev/urandom,id=rng0",
        "-device", "virtio-rng-pci,rng=rng0",
        "-netdev", f"user,id=mgmt,hostfwd=tcp:127.0.0.1:{ssh_port}-:22",
        "-device", f"virtio-net-pci,netdev=mgmt,mac={mac_address(scenario, vm['name'], 1)}",
        "-netdev", f"socket,id=cluster,mcast={group}:{port},localaddr=127.0.0.1",
        "-device", f"virtio-net-pci,netdev=cluster,mac={mac_address(scenario, vm['name'], 2)}",
    ]
    if boot:
        cmd += [
            "-kernel", boot["kernel"],
            "-initrd", boot["initrd"],
            "-append", "root=/dev/vda rw console=ttyS0 quiet",
        ]
    return cmd


# --------------------------------------------------------------------------- host actions


def cache_dir() -> pathlib.Path:
    return pathlib.Path(
        os.environ.get("DOCKYARD_CACHE", pathlib.Path.home() / ".cache" / "dockyard-swarm")
    )


def resolve_image(image: str) -> tuple[str, dict | None]:
    """Return (base disk, direct-boot kernel/initrd or None for a cloud image)."""
    if image in BUILTIN_IMAGES:
        out = subprocess.run(
            [str(HERE / "build-image"), BUILTIN_IMAGES[image]],
            check=True, stdout=subprocess.PIPE, text=True,
        ).stdout.strip().splitlines()[-1]
        base = pathlib.Path(out)
        return str(base / "disk.qcow2"), {
            "kernel": str(base / "vmlinuz"),
            "initrd": str(base / "initrd.img"),
        }
    return str(pathlib.Path(image).resolve()), None


def detect_accel(kernel: str | None) -> str:
    """KVM only where it really boots a guest; TCG otherwise.  Cached per host kernel."""
    wanted = os.environ.get("DOCKYARD_VM_ACCEL", "auto")
    if wanted in ("kvm", "tcg"):
        return wanted
    if not os.access("/dev/kvm", os.R_OK | os.W_OK) or kernel is None:
        return "tcg"
    marker = cache_dir() / f"accel-{os.uname().release}"
    if marker.exists():
        return marker.read_text().strip()
    # Boot the image's kernel under KVM with no root filesystem: a working KVM prints the
    # kernel banner within a second or two; a PVM host hangs after SeaBIOS, a broken one
    # makes qemu abort.  Either way we fall back to TCG.
    console = marker.with_suffix(".console")
    marker.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-m", "256",
         "-display", "none", "-no-reboot", "-serial", f"file:{console}",
         "-kernel", kernel, "-append", "console=ttyS0 panic=-1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    result = "tcg"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        if console.exists() and "Linux version" in console.read_text(errors="replace"):
            result = "kvm"
            break
        time.sleep(0.5)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    if console.exists() and "Linux version" in console.read_text(errors="replace"):
        result = "kvm"
    console.unlink(missing_ok=True)
    marker.write_text(result + "\n")
    log(f"accelerator probe: {result}")
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ssh_base(key: pathlib.Path, port: int) -> list[str]:
    return [
        "ssh", "-i", str(key), "-p", str(port),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
        "-o", "IdentitiesOnly=yes", "-o", "ConnectTimeout=10", "-o", "BatchMode=yes",
        "-o", "LogLevel=ERROR", f"{SSH_USER}@127.0.0.1",
    ]


def ensure_key(state: pathlib.Path) -> pathlib.Path:
    key = state / "id_ed25519"
    if not key.exists():
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "dockyard-vm", "-f", str(key)],
            check=True,
        )
    return key


def qemu_pid(vmdir: pathlib.Path) -> int | None:
    """PID of the qemu this VM directory started, if it is still that qemu."""
    try:
        pid = int((vmdir / "qemu.pid").read_text().strip())
        cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError):
        return None
    if "qemu-system" in cmdline and str(vmdir / "disk.qcow2") in cmdline:
        return pid
    return None


def start_vm(vm: dict, state: pathlib.Path, spec: dict, key: pathlib.Path) -> dict:
    scenario = spec["scenario"]
    vmdir = state / vm["name"]
    vmdir.mkdir(parents=True, exist_ok=True)
    base, boot = resolve_image(vm["image"])
    if qemu_pid(vmdir):
        port = int((vmdir / "ssh_port").read_text())
        log(f"{vm['name']}: already running (ssh port {port})")
        return {"vm": vm, "port": port, "dir": vmdir, "builtin": bool(boot)}
    if not (vmdir / "disk.qcow2").exists():
        subprocess.run(
            ["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base,
             str(vmdir / "disk.qcow2"), vm["disk_size"]],
            check=True,
        )
    # One seed disk for both kinds of image: cloud-init's NoCloud files for a cloud image, the
    # dockyard/ tree for the built-in images' first-boot unit.
    seed = vmdir / "seed"
    shutil.rmtree(seed, ignore_errors=True)
    public_key = (key.parent / (key.name + ".pub")).read_text()
    files = {
        "meta-data": f"instance-id: {scenario}-{vm['name']}\nlocal-hostname: {vm['name']}\n".encode(),
        "user-data": user_data(vm["name"], public_key).encode(),
        "network-config": network_config(scenario, vm["name"], vm["cluster_address"]).encode(),
    }
    for path, content in seed_files(scenario, vm["name"], vm["cluster_address"], public_key,
                                    root_key=vm.get("ssh_user") == "root").items():
        files["dockyard/" + path] = content
    for path, content in files.items():
        (seed / path).parent.mkdir(parents=True, exist_ok=True)
        (seed / path).write_bytes(content)
    root_key = seed / "dockyard" / ROOT_KEY_PATH
    if root_key.exists():  # sshd wants root's key private
        root_key.parent.chmod(0o700)
        root_key.chmod(0o600)
    subprocess.run(
        ["genisoimage", "-quiet", "-output", str(vmdir / "seed.iso"), "-volid", "cidata",
         "-joliet", "-joliet-long", "-rock", str(seed)],
        check=True,
    )
    accel = detect_accel(boot["kernel"] if boot else None)
    for _attempt in range(3):
        port = free_port()
        cmd = qemu_command(vm, vmdir, scenario, spec["segment"], port, accel, boot)
        proc = subprocess.run(cmd, stderr=subprocess.PIPE, text=True, check=False)
        if proc.returncode == 0:
            break
        log(f"{vm['name']}: qemu failed ({proc.stderr.strip()}), retrying")
    else:
        raise RuntimeError(f"{vm['name']}: qemu would not start: {proc.stderr.strip()}")
    (vmdir / "ssh_port").write_text(f"{port}\n")
    log(f"{vm['name']}: started ({accel}, {vm['cpus']} vCPU, {vm['memory']} MiB, ssh port {port})")
    return {"vm": vm, "port": port, "dir": vmdir, "started": time.monotonic(), "builtin": bool(boot)}


# Run over SSH until the boot has finished: a built-in image waits for systemd (its first-boot
# unit ran before sshd), a cloud image for cloud-init.
READY_BUILTIN = ("state=$(systemctl is-system-running --wait); echo state=$state;"
                 " systemctl --failed --plain --no-legend | cut -d' ' -f1 | tr '\\n' ' '")
READY_CLOUD = "cloud-init status --wait >/dev/null; echo rc=$?"


def boot_outcome(output: str, builtin: bool) -> tuple[str, str]:
    """("waiting" | "ready" | "failed", detail) from the output of READY_BUILTIN/READY_CLOUD.
    A degraded systemd is ready (like cloud-init, the harness does not judge the guest's
    units); the detail then names the failed units."""
    if builtin:
        state, _sep, failed = output.partition("state=")[2].partition("\n")
        if state in ("", "initializing", "starting"):
            return "waiting", state
        if state == "running":
            return "ready", ""
        if state == "degraded":
            return "ready", f"degraded, failed units: {failed.strip()}"
        return "failed", f"systemd state {state!r}"
    rc = int(output.strip().rsplit("rc=", 1)[1])
    if rc in (0, 2):  # 2: finished with recoverable warnings (cloud-init >= 23.4)
        return "ready", ""
    return "failed", f"cloud-init failed (status rc={rc})"


def wait_ready(started: dict, key: pathlib.Path) -> dict:
    """Wait until SSH answers and the boot has finished."""
    vm, port, vmdir = started["vm"], started["port"], started["dir"]
    builtin = started.get("builtin", True)
    t0 = started.get("started", time.monotonic())
    deadline = time.monotonic() + BOOT_TIMEOUT
    last_error = ""
    while time.monotonic() < deadline:
        if not qemu_pid(vmdir):
            raise RuntimeError(f"{vm['name']}: qemu exited; see {vmdir / 'console.log'}")
        probe = subprocess.run(
            ssh_base(key, port) + [READY_BUILTIN if builtin else READY_CLOUD],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=BOOT_TIMEOUT,
            check=False,
        )
        last_error = probe.stderr.strip()[-300:]
        outcome, detail = "waiting", ""
        if probe.returncode == 0 and ("state=" if builtin else "rc=") in probe.stdout:
            outcome, detail = boot_outcome(probe.stdout, builtin)
        if outcome == "failed":
            raise RuntimeError(f"{vm['name']}: {detail}; its console ended with:\n{console_tail(vmdir)}")
        if outcome == "ready":
            ready = time.monotonic() - t0
            log(f"{vm['name']}: ready after {ready:.0f} s" + (f" ({detail})" if detail else ""))
            return {
                "instance": vm["name"],
                "address": "127.0.0.1",
                "user": vm.get("ssh_user", SSH_USER),
                "port": port,
                "identity_file": str(key),
                "become_method": "sudo",
                "cluster_address": vm["cluster_address"],
                "boot_seconds": round(ready, 1),
            }
        time.sleep(3)
    raise RuntimeError(
        f"{vm['name']}: not reachable over SSH after {BOOT_TIMEOUT} s (last ssh error: {last_error or '-'});"
        f" its console ended with:\n{console_tail(vmdir)}"
    )


def unpin_cpus() -> None:
    """Let this process (and the qemus it starts) run on every CPU of the machine.

    A caller may have pinned us: Mitogen's strategy pins the Ansible controller, its workers
    and their subprocesses to one CPU on a 2-CPU machine (ansible_mitogen/affinity.py keeps
    CPU 0 for its multiplexer), and qemu inherits that mask. Under Molecule with Mitogen, the
    four VMs of a scenario then shared one core while the other stood idle."""
    wanted = set(range(os.cpu_count() or 1))
    current = os.sched_getaffinity(0)
    if current == wanted:
        return
    try:
        os.sched_setaffinity(0, wanted)
    except OSError as exc:  # a cpuset that does not allow them all: keep what we have
        log(f"kept the CPU affinity {sorted(current)} ({exc})")
        return
    log(f"CPU affinity widened from {sorted(current)} to {sorted(wanted)}")


def up(state: pathlib.Path, spec: dict) -> list[dict]:
    platforms = validate_spec(spec)
    state.mkdir(parents=True, exist_ok=True)
    (state / "spec.json").write_text(json.dumps(spec, indent=2))
    key = ensure_key(state)
    unpin_cpus()
    t0 = time.monotonic()
    started = [start_vm(vm, state, spec, key) for vm in platforms]
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(started)) as pool:
        instances = list(pool.map(lambda s: wait_ready(s, key), started))
    log(f"{len(instances)} VM(s) ready after {time.monotonic() - t0:.0f} s")
    return instances


def down(state: pathlib.Path) -> list[str]:
    stopped = []
    if not state.is_dir():
        return stopped
    for vmdir in sorted(p for p in state.iterdir() if p.is_dir()):
        pid = qemu_pid(vmdir)
        if pid:
            os.kill(pid, signal.SIGTERM)
            for _attempt in range(100):
                if not qemu_pid(vmdir):
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
            stopped.append(vmdir.name)
            log(f"{vmdir.name}: stopped (pid {pid})")
        shutil.rmtree(vmdir)
    for leftover in ("id_ed25519", "id_ed25519.pub", "spec.json"):
        (state / leftover).unlink(missing_ok=True)
    return stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="action", required=True)
    p_up = sub.add_parser("up")
    p_up.add_argument("--state-dir", required=True, type=pathlib.Path)
    p_up.add_argument("--spec", required=True, type=pathlib.Path)
    p_down = sub.add_parser("down")
    p_down.add_argument("--state-dir", required=True, type=pathlib.Path)
    sub.add_parser("accel")
    args = parser.parse_args(argv)
    try:
        if args.action == "up":
            print(json.dumps(up(args.state_dir, json.loads(args.spec.read_text())), indent=2))
        elif args.action == "down":
            print(json.dumps(down(args.state_dir)))
        else:
            base, boot = resolve_image("debian13")
            print(detect_accel(boot["kernel"] if boot else None))
    except (SpecError, RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"vmctl: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
