# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure logic about swarm nodes: finding a node by any of its names, and label changes.

Nothing here talks to Docker, so all of it is unit-tested without an engine.
"""

from __future__ import annotations

import re

__all__ = ["NodeNameError", "node_summary", "resolve_node", "label_value", "plan_labels"]


class NodeNameError(ValueError):
    """A name that matches no node, or more than one."""


def node_summary(node):
    """ID, hostname and address of a node as returned by the Engine API (GET /nodes)."""
    return dict(
        id=node.get("ID", ""),
        hostname=(node.get("Description") or {}).get("Hostname", ""),
        addr=(node.get("Status") or {}).get("Addr", ""),
    )


def _short(name):
    return name.split(".", 1)[0].lower()


def resolve_node(name, nodes):
    """Return the one node (a node_summary dict) that NAME designates.

    NAME may be a node ID (or an unambiguous ID prefix of at least 6 characters), the node's
    hostname, its FQDN while the node knows itself by its short name, its short name while the
    node knows itself by its FQDN, or its address. Earlier, more precise kinds of match win
    (exact ID, then exact hostname, then short name, then address, then ID prefix); two nodes
    matching at the same, best level is an error, never a guess.
    """
    wanted = str(name).strip()
    if not wanted:
        raise NodeNameError("An empty node name was given")
    lowered = wanted.lower()
    levels = (
        lambda n: n["id"] == wanted,
        lambda n: n["hostname"].lower() == lowered,
        lambda n: _short(n["hostname"]) == _short(wanted),
        lambda n: n["addr"] == wanted,
        lambda n: len(wanted) >= 6 and n["id"].startswith(wanted),
    )
    for matches in levels:
        found = [n for n in nodes if matches(n)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise NodeNameError(
                "The node name %r is ambiguous: it matches %s. Use the node ID instead."
                % (wanted, ", ".join("%s (%s)" % (n["hostname"], n["id"]) for n in found)))
    raise NodeNameError(
        "No swarm node is called %r. Known nodes: %s"
        % (wanted, ", ".join("%s (%s, %s)" % (n["hostname"], n["id"], n["addr"] or "no address")
                             for n in sorted(nodes, key=lambda n: n["hostname"])) or "none"))


def label_value(value):
    """Docker labels are strings; YAML booleans become 'true'/'false', numbers their text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise ValueError("A label value must be a string, a number or a boolean, not %r" % (value,))
    return str(value)


def label_problems(labels, prefix=""):
    """What is wrong with the labels asked for one node, one message each (empty: nothing).

    Docker takes `docker node update --label-add KEY=VALUE`: a key must not be empty nor hold
    whitespace, '=' or control characters; a value must be text on one line.
    """
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return ["the labels must be a dict, not %r" % (labels,)]
    problems = []
    for key, value in labels.items():
        key = str(key)
        if not key or re.search(r"[\s=\x00-\x1f\x7f]", key):
            problems.append("the label key %r must not be empty nor contain whitespace, '=' or control characters" % key)
        elif prefix and not key.startswith(prefix):
            problems.append("the label %s is outside the managed prefix %r" % (key, prefix))
        try:
            text = label_value(value)
        except ValueError as exc:
            problems.append("%s: %s" % (key, exc))
            continue
        if re.search(r"[\x00-\x1f\x7f]", text):
            problems.append("the value of label %s must be one line without control characters" % key)
    return problems


def plan_labels(current, wanted, mode="merge", prefix=""):
    """Compute the labels a node must end with.

    current: the node's labels now. wanted: the labels asked for (values already strings).
    mode merge: add or update the wanted labels, keep every other label.
    mode exact: the node ends with the wanted labels only, within the managed scope.
    prefix: the managed scope is the labels whose key starts with it; labels outside it are
    never touched, and a wanted label outside it is an error.

    Returns (new_labels, changes) where changes maps each added, updated or removed key to
    (old value or None, new value or None).
    """
    if mode not in ("merge", "exact"):
        raise ValueError("mode must be merge or exact, not %r" % (mode,))
    outside = sorted(k for k in wanted if prefix and not k.startswith(prefix))
    if outside:
        raise ValueError("The labels %s are outside the managed prefix %r"
                         % (", ".join(outside), prefix))
    current = dict(current or {})
    new = dict(current)
    if mode == "exact":
        for key in current:
            if key.startswith(prefix) and key not in wanted:
                del new[key]
    new.update(wanted)
    changes = {}
    for key in sorted(set(current) | set(new)):
        if current.get(key) != new.get(key) or (key in current) != (key in new):
            changes[key] = (current.get(key), new.get(key))
    return new, changes
