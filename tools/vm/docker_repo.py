"""A local apt repository with Debian's next release's docker.io and docker-cli (28.x), for the
engine upgrade checks: the VMs reach no mirror, so the scenario copies this directory into them
and adds it as `deb [trusted=yes] file:/srv/dockyard-repo ./`.

    python3 tools/vm/docker_repo.py [DIR]     (default ~/.cache/dockyard-swarm/docker-repo; prints DIR)

Downloads the two packages with apt-get and a private apt state under DIR/.apt (the host's own
sources and lists are not touched), and writes DIR/Packages. Kept once built; delete DIR to
fetch the current versions again. Only these two packages come from that suite: their
containerd and runc stay Debian 13's; their new dependency tini-static has no Debian 13 version.
"""

import fcntl
import hashlib
import os
import pathlib
import subprocess
import sys

MIRROR = os.environ.get("DOCKYARD_DEBIAN_MIRROR", "http://deb.debian.org/debian")
# docker.io 28 depends on tini-static, which only that suite has (it breaks Debian 13's tini,
# which docker.io 26 needed and apt then removes), as a pinned install from it would take it too.
PACKAGES = ["docker.io/sid", "docker-cli/sid", "tini-static/sid"]


def apt(state, *args, cwd=None):
    """apt-get with the private state under STATE (the host's sources and lists untouched)."""
    options = ["-o", "Dir::Etc::SourceList=%s/sources.list" % state, "-o", "Dir::Etc::SourceParts=/dev/null",
               "-o", "Dir::State=%s/state" % state, "-o", "Dir::Cache=%s/cache" % state,
               "-o", "Debug::NoLocking=1", "-o", "APT::Architecture=amd64", "-o", "APT::Sandbox::User=root", "-q"]
    subprocess.run(["apt-get", *options, *args], check=True, cwd=cwd, stdout=subprocess.DEVNULL)


def index(repo):
    """Packages: each .deb's control fields with Filename, Size and hashes."""
    entries = []
    for deb in sorted(repo.glob("*.deb")):
        control = subprocess.run(["dpkg-deb", "--field", str(deb)], check=True, capture_output=True,
                                 text=True).stdout.rstrip("\n")
        data = deb.read_bytes()
        entries.append("%s\nFilename: ./%s\nSize: %d\nMD5sum: %s\nSHA256: %s\n"
                       % (control, deb.name, len(data), hashlib.md5(data).hexdigest(),  # nosec - apt's index field
                          hashlib.sha256(data).hexdigest()))
    (repo / "Packages").write_text("\n".join(entries), encoding="utf-8")


def main():
    repo = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                        os.path.expanduser("~/.cache/dockyard-swarm/docker-repo"))
    repo.mkdir(parents=True, exist_ok=True)
    with open(repo / ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel scenarios wait and reuse it
        if (repo / "Packages").is_file() and all(list(repo.glob(name.split("/", maxsplit=1)[0] + "_*.deb")) for name in PACKAGES):
            print(repo)
            return
        state = repo / ".apt"
        for sub in ("state/lists/partial", "cache/archives/partial"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        (state / "sources.list").write_text("deb [check-valid-until=no] %s sid main\n" % MIRROR, encoding="utf-8")
        (state / "state" / "status").touch()
        print("docker_repo.py: fetching %s from sid (%s)" % (" ".join(PACKAGES), MIRROR), file=sys.stderr)
        apt(state, "update")
        apt(state, "download", *PACKAGES, cwd=repo)
        index(repo)
    print(repo)


if __name__ == "__main__":
    main()
