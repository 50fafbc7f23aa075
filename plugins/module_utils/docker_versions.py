# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Planning of a rolling Docker engine upgrade (pure logic, no I/O): which package version each
node gets for the version the operator asked for, and the problems that refuse the upgrade
before any node changes (no such package, a downgrade, a jump over too many releases).

Package versions are Debian's: docker.io "26.1.5+dfsg1-9+b2", docker-ce "5:28.5.2-1~debian.13~trixie";
the upstream version is what `docker version` shows (26.1.5, 28.5.2).
"""

from __future__ import annotations

import re

# Docker's releases in order; from 23.0 on, one release per major number.
OLD_RELEASES = ["17.03", "17.06", "17.09", "17.12", "18.03", "18.06", "18.09", "19.03", "20.10"]
UPSTREAM = re.compile(r"^(?:\d+:)?(\d+)\.(\d+)(?:\.(\d+))?")


def upstream_version(package_version):
    """The upstream version of a Docker package version ("5:28.5.2-1~debian.13" -> "28.5.2"), "" if none."""
    match = UPSTREAM.match(package_version or "")
    if not match:
        return ""
    return ".".join(part for part in match.groups() if part is not None)


def version_key(version):
    """A sortable key of an upstream version ("28.5.2" -> (28, 5, 2))."""
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def release_index(version):
    """The position of the version's release in Docker's release order (20.10 -> 8, 23.x -> 9,
    28.x -> 14), or None for a version before 17.03 or unreadable."""
    key = version_key(version)
    if len(key) < 2:
        return None
    if key[0] >= 23:
        return len(OLD_RELEASES) + key[0] - 23
    name = "%d.%02d" % key[:2]
    return OLD_RELEASES.index(name) if name in OLD_RELEASES else None


def candidate(package_versions, wanted):
    """The first of PACKAGE_VERSIONS (apt-cache madison's order, newest first) whose upstream version is
    WANTED or starts with WANTED followed by a dot ("28.5" takes 28.5.2); "" when none."""
    for package_version in package_versions:
        upstream = upstream_version(package_version)
        if upstream == wanted or upstream.startswith(wanted + "."):
            return package_version
    return ""


def docker_upgrade_plan(nodes, wanted, allow_downgrade=False, max_releases=2):
    """Plan the upgrade of NODES ({host: {"installed": package version or "", "available": [package
    versions], and for a separate CLI package "cli_installed", "cli_available"}}) to the upstream
    version WANTED.

    Returns {"hosts": {host: {"installed", "from", "package", "to", "change"[, "cli_package"]}},
    "problems": [...]}:
    change is "upgrade", "downgrade" or "none" (already there). Problems: no package for WANTED on
    a node, Docker not installed, a downgrade without ALLOW_DOWNGRADE (Docker does not support
    running an engine on the data of a newer one), a jump over more than MAX_RELEASES releases
    (each release may migrate the engine's data and the swarm's raft log: go through the ones
    between).
    """
    wanted = str(wanted).strip()
    plan = {"hosts": {}, "problems": []}
    if not UPSTREAM.match(wanted):
        plan["problems"].append("the version asked for (%r) is not a Docker version such as 28.5.2 or 28.5" % wanted)
        return plan
    for host in sorted(nodes):
        node = nodes[host] or {}
        installed = node.get("installed") or ""
        package = candidate(node.get("available") or [], wanted)
        current, target = upstream_version(installed), upstream_version(package)
        entry = {"installed": installed, "from": current, "package": package, "to": target, "change": "none"}
        plan["hosts"][host] = entry
        if node.get("cli_installed"):  # Debian 13's docker-cli, docker-ce-cli: the same version
            entry["cli_package"] = candidate(node.get("cli_available") or [], wanted)
            if not entry["cli_package"]:
                plan["problems"].append("%s: no Docker CLI package %s in its package sources" % (host, wanted))
        if not installed:
            plan["problems"].append("%s: Docker is not installed (site.yml installs it)" % host)
            continue
        if not package:
            versions = sorted({upstream_version(v) for v in node.get("available") or [] if upstream_version(v)},
                              key=version_key, reverse=True)
            plan["problems"].append("%s: no Docker package %s in its package sources (available: %s)"
                                    % (host, wanted, ", ".join(versions) or "none"))
            continue
        if package == installed:
            continue
        entry["change"] = "downgrade" if version_key(target) < version_key(current) else "upgrade"
        if entry["change"] == "downgrade" and not allow_downgrade:
            plan["problems"].append("%s: %s would be a downgrade from %s; Docker does not support an engine on the "
                                    "data of a newer one (upgrade_allow_downgrade=true accepts it)" % (host, target, current))
        first, last = release_index(current), release_index(target)
        if first is None or last is None:
            plan["problems"].append("%s: cannot tell Docker's releases between %s and %s" % (host, current, target))
        elif abs(last - first) > max_releases:
            plan["problems"].append("%s: %s to %s spans %d releases, more than %d: go through the releases between "
                                    "(each may migrate the engine's data and the swarm's raft log)"
                                    % (host, current, target, abs(last - first), max_releases))
    return plan
