# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure logic for versioned swarm configs: naming, service references, retention.

A swarm config cannot change once created (only its labels can). So each content gets its own
config, named NAME-<short hash of content and labels>, and the services that used an older
version are pointed at the new one. Nothing here talks to Docker.
"""

from __future__ import annotations

import hashlib
import json

__all__ = ["OWNER_LABEL", "HASH_LABEL", "content_hash", "versioned_name", "is_version_of",
           "rewire_refs", "versions_to_remove"]

# Labels the module puts on every version it creates, to find the versions of one NAME.
OWNER_LABEL = "dockyard.swarm.config.name"
HASH_LABEL = "dockyard.swarm.config.hash"


def content_hash(data, labels=None):
    """SHA-256 of the content and the user's labels (a label change makes a new version too)."""
    digest = hashlib.sha256()
    digest.update(data)
    digest.update(b"\0")
    digest.update(json.dumps(labels or {}, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def versioned_name(name, digest, length=10):
    """NAME-<first LENGTH hex digits of the hash>; Docker allows 64 characters."""
    versioned = "%s-%s" % (name, digest[:length])
    if len(versioned) > 64:
        raise ValueError("The config name %r is too long: %r has more than 64 characters"
                         % (name, versioned))
    return versioned


def is_version_of(config_name, name, labels):
    """Whether a config is a version of NAME: our owner label, or NAME-<hex> by its name."""
    if (labels or {}).get(OWNER_LABEL) == name:
        return True
    prefix = name + "-"
    suffix = config_name[len(prefix):] if config_name.startswith(prefix) else ""
    return bool(suffix) and all(c in "0123456789abcdef" for c in suffix)


def rewire_refs(refs, old_names, new_id, new_name):
    """Point the config references (ContainerSpec.Configs) that use an old version at the new one.

    Keeps each reference's target file (Name, UID, GID, Mode) or Runtime as it was.
    Returns (new_refs, changed).
    """
    out, changed = [], False
    for ref in refs or []:
        if ref.get("ConfigName") in old_names and ref.get("ConfigName") != new_name:
            ref = dict(ref, ConfigID=new_id, ConfigName=new_name)
            changed = True
        out.append(ref)
    return out, changed


def versions_to_remove(versions, keep, in_use, current):
    """Old versions beyond KEEP (newest first by creation), never CURRENT nor one in use.

    versions: list of dicts with name and created (ISO 8601 text sorts by time).
    """
    ordered = sorted(versions, key=lambda v: v["created"], reverse=True)
    kept = [v for v in ordered if v["name"] == current]
    removable = []
    for version in ordered:
        if version["name"] == current:
            continue
        if len(kept) < keep or version["name"] in in_use:
            kept.append(version)
        else:
            removable.append(version["name"])
    return removable
