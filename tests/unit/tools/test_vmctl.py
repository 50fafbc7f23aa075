"""Pure logic of the VM harness: spec validation, addressing, seeds, qemu command line."""

import base64
import pathlib

import pytest
import yaml

import vmctl

ROOT = pathlib.Path(__file__).resolve().parents[3]


def spec(**overrides):
    base = {
        "scenario": "unit",
        "segment": "230.0.0.77:47199",
        "platforms": [
            {"name": "n1", "image": "debian12", "cluster_address": "10.77.9.11/24"},
            {"name": "n2", "image": "debian13", "cluster_address": "10.77.9.12/24"},
        ],
    }
    base.update(overrides)
    return base


def test_valid_spec_gets_defaults():
    platforms = vmctl.validate_spec(spec())
    assert [p["name"] for p in platforms] == ["n1", "n2"]
    assert platforms[0]["memory"] == 1536 and platforms[0]["cpus"] == 1
    assert platforms[0]["ssh_user"] == "molecule"


def test_root_login_is_for_the_built_in_images_only(tmp_path):
    image = tmp_path / "cloud.qcow2"
    image.write_bytes(b"")
    root = {"name": "a", "cluster_address": "10.0.0.1/24", "ssh_user": "root"}
    assert vmctl.validate_spec(spec(platforms=[root]))[0]["ssh_user"] == "root"
    with pytest.raises(vmctl.SpecError, match="ssh_user root needs one of the built-in images"):
        vmctl.validate_spec(spec(platforms=[{**root, "image": str(image)}]))


@pytest.mark.parametrize(
    "change,message",
    [
        ({"segment": "10.0.0.1:47000"}, "MULTICAST_GROUP:PORT"),
        ({"segment": "230.0.0.77:80"}, "MULTICAST_GROUP:PORT"),
        ({"platforms": []}, "no platforms"),
        ({"platforms": [{"name": "Bad_Name", "cluster_address": "10.0.0.1/24"}]}, "not a valid hostname"),
        ({"platforms": [{"name": "a", "cluster_address": "10.0.0.1/24"},
                        {"name": "a", "cluster_address": "10.0.0.2/24"}]}, "used twice"),
        ({"platforms": [{"name": "a", "cluster_address": "10.0.0.300/24"}]}, "not an address"),
        ({"platforms": [{"name": "a", "cluster_address": "10.0.0.1/24"},
                        {"name": "b", "cluster_address": "10.0.0.1/24"}]}, "10.0.0.1 is used twice"),
        ({"platforms": [{"name": "a", "cluster_address": "10.0.0.1/24"},
                        {"name": "b", "cluster_address": "10.0.1.1/24"}]}, "one subnet"),
        ({"platforms": [{"name": "a", "cluster_address": "10.0.0.1/24", "image": "/nonexistent.qcow2"}]},
         "neither one of"),
        ({"platforms": [{"name": "a", "cluster_address": "10.0.0.1/24", "memory": 128}]}, "memory"),
        ({"platforms": [{"name": "a", "cluster_address": "10.0.0.1/24", "ssh_user": "admin"}]},
         "ssh_user must be one of molecule, root"),
    ],
)
def test_invalid_spec_is_refused_with_a_clear_message(change, message):
    with pytest.raises(vmctl.SpecError, match=message):
        vmctl.validate_spec(spec(**change))


def test_macs_are_stable_distinct_and_locally_administered():
    a = vmctl.mac_address("s", "n1", 1)
    assert a == vmctl.mac_address("s", "n1", 1)
    macs = {vmctl.mac_address(s, n, nic) for s in ("s", "t") for n in ("n1", "n2") for nic in (1, 2)}
    assert len(macs) == 8
    assert all(int(m.split(":")[0], 16) & 0x02 for m in macs)


def test_network_config_puts_the_static_address_on_the_cluster_nic():
    config = yaml.safe_load(vmctl.network_config("s", "n1", "10.77.9.11/24"))
    cluster = config["ethernets"]["cluster"]
    assert cluster["match"]["macaddress"] == vmctl.mac_address("s", "n1", 2)
    assert cluster["addresses"] == ["10.77.9.11/24"]
    assert config["ethernets"]["mgmt"]["dhcp4"] is True


def test_user_data_installs_the_key_for_a_sudo_user():
    data = vmctl.user_data("n1", "ssh-ed25519 AAAA test\n")
    assert data.startswith("#cloud-config\n")
    parsed = yaml.safe_load(data)
    user = parsed["users"][0]
    assert user["ssh_authorized_keys"] == ["ssh-ed25519 AAAA test"]
    assert user["sudo"].endswith("NOPASSWD:ALL")
    assert parsed["hostname"] == "n1"


def test_qemu_command_wires_both_nics_and_the_accelerator(tmp_path):
    vm = vmctl.validate_spec(spec())[0]
    cmd = " ".join(vmctl.qemu_command(vm, tmp_path, "unit", "230.0.0.77:47199", 2222, "tcg",
                                      {"kernel": "/k", "initrd": "/i"}))
    assert "hostfwd=tcp:127.0.0.1:2222-:22" in cmd
    assert "mcast=230.0.0.77:47199,localaddr=127.0.0.1" in cmd
    assert "-accel tcg,thread=multi -cpu max" in cmd
    assert "-kernel /k -initrd /i" in cmd
    kvm = " ".join(vmctl.qemu_command(vm, tmp_path, "unit", "230.0.0.77:47199", 2222, "kvm", None))
    assert "-accel kvm" in kvm and "-kernel" not in kvm


def test_every_scenario_and_the_lab_have_their_own_cluster_segment():
    segments = {}
    for path in sorted((ROOT / "molecule").glob("*/molecule.yml")):
        data = yaml.safe_load(path.read_text())
        segment = data["driver"]["cluster_segment"]
        vmctl.parse_segment(segment)
        assert segment not in segments, f"{path.parent.name} shares {segment} with {segments.get(segment)}"
        segments[segment] = path.parent.name
        vmctl.validate_spec({"scenario": path.parent.name, "segment": segment,
                             "platforms": data["platforms"]})
    lab = yaml.safe_load((ROOT / "inventories" / "lab" / "group_vars" / "all.yml").read_text())
    assert lab["lab_segment"] not in segments, f"the lab shares {lab['lab_segment']} with a scenario"
    assert len(segments) >= 2


def test_seed_tree_sets_name_user_key_and_both_nics():
    tree = vmctl.seed_files("s", "n1", "10.77.9.11/24", "ssh-ed25519 AAAA test\n", zipcache=False)
    assert tree["hostname"] == b"n1\n"
    assert tree["user"] == f"{vmctl.SSH_USER}\n".encode()
    assert tree["authorized_keys"] == b"ssh-ed25519 AAAA test\n"
    mgmt = tree["root/etc/systemd/network/10-dockyard-mgmt.network"].decode()
    cluster = tree["root/etc/systemd/network/20-dockyard-cluster.network"].decode()
    assert f"MACAddress={vmctl.mac_address('s', 'n1', 1)}" in mgmt and "DHCP=ipv4" in mgmt
    assert f"MACAddress={vmctl.mac_address('s', 'n1', 2)}" in cluster
    assert "Address=10.77.9.11/24" in cluster and "DHCP=no" in cluster
    assert not any(path.startswith("root/usr/") for path in tree)
    assert vmctl.ROOT_KEY_PATH not in tree  # root logs in only where the platform asks for it
    as_root = vmctl.seed_files("s", "n1", "10.77.9.11/24", "ssh-ed25519 AAAA test\n", zipcache=False, root_key=True)
    assert as_root[vmctl.ROOT_KEY_PATH] == b"ssh-ed25519 AAAA test\n"
    with_cache = vmctl.seed_files("s", "n1", "10.77.9.11/24", "k", zipcache=True)
    assert with_cache[f"root{vmctl.ZIPCACHE_DIR}/dockyard_lab_zipcache.py"] == vmctl.ZIPCACHE_SOURCE.read_bytes()


@pytest.mark.parametrize("output, builtin, outcome", [
    ("state=running\n\n", True, ("ready", "")),
    ("state=degraded\njournald.service \n", True, ("ready", "degraded, failed units: journald.service")),
    ("state=starting\n", True, ("waiting", "starting")),
    ("state=\n", True, ("waiting", "")),
    ("state=maintenance\n", True, ("failed", "systemd state 'maintenance'")),
    ("rc=0\n", False, ("ready", "")),
    ("rc=2\n", False, ("ready", "")),
    ("rc=1\n", False, ("failed", "cloud-init failed (status rc=1)")),
])
def test_boot_outcome_waits_for_the_end_of_the_boot(output, builtin, outcome):
    assert vmctl.boot_outcome(output, builtin) == outcome


def test_user_data_installs_the_zip_import_cache_unless_told_not_to():
    parsed = yaml.safe_load(vmctl.user_data("n1", "ssh-ed25519 AAAA test\n", zipcache=True))
    files = {f["path"]: base64.b64decode(f["content"]) for f in parsed["write_files"]}
    assert files[f"{vmctl.ZIPCACHE_DIR}/dockyard-lab-zipcache.pth"] == b"import dockyard_lab_zipcache; dockyard_lab_zipcache.install()\n"
    assert files[f"{vmctl.ZIPCACHE_DIR}/dockyard_lab_zipcache.py"] == vmctl.ZIPCACHE_SOURCE.read_bytes()
    plain = yaml.safe_load(vmctl.user_data("n1", "ssh-ed25519 AAAA test\n", zipcache=False))
    assert "write_files" not in plain


def test_console_tail_shows_where_a_boot_stopped(tmp_path):
    (tmp_path / "console.log").write_text("".join(f"line {n}\r\n" for n in range(30)))
    assert vmctl.console_tail(tmp_path, 3) == "line 27\nline 28\nline 29"
    assert vmctl.console_tail(tmp_path / "missing") == "(no console log)"


def test_vms_are_not_started_under_a_callers_cpu_pinning(monkeypatch):
    calls = []
    monkeypatch.setattr(vmctl.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(vmctl.os, "sched_getaffinity", lambda pid: {1})
    monkeypatch.setattr(vmctl.os, "sched_setaffinity", lambda pid, cpus: calls.append(set(cpus)))
    vmctl.unpin_cpus()
    assert calls == [{0, 1}]
    calls.clear()
    monkeypatch.setattr(vmctl.os, "sched_getaffinity", lambda pid: {0, 1})
    vmctl.unpin_cpus()
    assert not calls
