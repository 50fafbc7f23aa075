# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Plan the stacks of the inventory (the stacks role): pure logic, no Docker calls.

stacks_plan() checks every stack definition against the inventory's configs, secrets and
networks and what the swarm already has, and returns the problems found (one message each,
naming the value) instead of raising, so that the role refuses bad input before any change.

stack_compose() points each config and secret a stack takes from the inventory at its current
rolling version (``NAME_vN``, as community.docker's docker_config / docker_secret name them).
"""

from __future__ import annotations

import copy
import re

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
KINDS = (("configs", "config", "stacks_configs"), ("secrets", "secret", "stacks_secrets"))


def _declared_name(key, spec):
    """The swarm object a top-level configs/secrets/networks entry names."""
    if isinstance(spec, dict) and spec.get("name"):
        return str(spec["name"])
    return str(key)


def _is_external(spec):
    if not isinstance(spec, dict):
        return False
    external = spec.get("external")
    return external is True or (isinstance(external, dict)) or str(external).lower() == "true"


def stack_compose(compose, configs=None, secrets=None):
    """The compose definition with each inventory config/secret as an external NAME_vN."""
    versions = {"configs": configs or {}, "secrets": secrets or {}}
    out = copy.deepcopy(compose)
    for kind, dummy, dummy in KINDS:
        entries = out.get(kind) if isinstance(out, dict) else None
        if not isinstance(entries, dict):
            continue
        for key, spec in entries.items():
            name = _declared_name(key, spec)
            if name in versions[kind]:
                entries[key] = {"external": True, "name": versions[kind][name]}
    return out


def _names(items, what, problems):
    """Names of a list of inventory entries, with a problem for a bad or repeated one."""
    names = []
    for item in items or []:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not NAME.match(name):
            # never the entry itself: a secret's entry holds its value
            problems.append("%s entry %s needs a name of letters, digits, '_', '.' or '-'"
                            % (what, repr(name) if isinstance(item, dict) else "of type " + type(item).__name__))
            continue
        if name in names:
            problems.append("%s %s is listed twice" % (what, name))
        names.append(name)
    return names


def stacks_plan(stacks, configs=None, secrets=None, networks=None, swarm=None, versions_to_keep=2):
    """Check the inventory's stacks; returns {'stacks': [...], 'problems': [...]}.

    stacks: [{name, state, compose (a dict, already read from its file)}], in deploy order.
    configs / secrets / networks: the inventory's stacks_configs / stacks_secrets / stacks_networks.
    swarm: what the swarm has: {'configs': [names], 'secrets': [names], 'networks': [names]}.
    """
    problems = []
    swarm = swarm or {}
    names = {
        "configs": _names(configs, "stacks_configs", problems),
        "secrets": _names(secrets, "stacks_secrets", problems),
    }
    for kind, what in (("configs", "stacks_configs"), ("secrets", "stacks_secrets")):
        for item in (configs if kind == "configs" else secrets) or []:
            if not isinstance(item, dict) or not item.get("name"):
                continue
            given = [key for key in ("data", "src") if item.get(key) not in (None, "")]
            if len(given) != 1:
                problems.append("%s %s needs exactly one of data and src (given: %s)"
                                % (what, item["name"], ", ".join(given) or "neither"))
    network_names = _names(networks, "stacks_networks", problems)
    if not isinstance(versions_to_keep, int) or versions_to_keep < 2:
        problems.append("stacks_versions_to_keep is %r: keep at least 2 versions (the one a running service"
                        " still uses while it rolls to the new one)" % (versions_to_keep,))

    _names(stacks, "stacks_deploy", problems)
    known_networks = set(network_names) | set(swarm.get("networks") or [])
    planned = []
    for stack in stacks or []:
        if not isinstance(stack, dict) or not isinstance(stack.get("name"), str) or not NAME.match(stack["name"]):
            continue
        name = stack["name"]
        state = stack.get("state", "present")
        if state not in ("present", "absent"):
            problems.append("stack %s: state is %r, not present or absent" % (name, state))
            continue
        if state == "absent":
            planned.append({"name": name, "state": "absent"})
            continue
        compose = stack.get("compose")
        if not isinstance(compose, dict) or not isinstance(compose.get("services"), dict) or not compose["services"]:
            problems.append("stack %s: its definition is not a compose mapping with services" % name)
            continue
        declared = {}
        for kind, word, listed in KINDS:
            entries = compose.get(kind) or {}
            if not isinstance(entries, dict):
                problems.append("stack %s: top-level %s is not a mapping" % (name, kind))
                continue
            declared[kind] = set(entries)
            for key, spec in entries.items():
                target = _declared_name(key, spec)
                if target in names[kind]:
                    continue
                if not _is_external(spec):
                    problems.append("stack %s: %s %s is not in %s and not external (put files and values in %s:"
                                    " they get rolling versions)" % (name, word, key, listed, listed))
                elif target not in (swarm.get(kind) or []):
                    problems.append("stack %s: external %s %s is neither in %s nor in the swarm" % (name, word, target, listed))
        for service, spec in compose["services"].items():
            if not isinstance(spec, dict):
                problems.append("stack %s: service %s is not a mapping" % (name, service))
                continue
            for kind, word, dummy in KINDS:
                for ref in spec.get(kind) or []:
                    source = ref.get("source") if isinstance(ref, dict) else ref
                    if source not in declared.get(kind, set()):
                        problems.append("stack %s: service %s uses %s %s, which the stack does not declare"
                                        " under its top-level %s" % (name, service, word, source, kind))
        nets = compose.get("networks") or {}
        if not isinstance(nets, dict):
            problems.append("stack %s: top-level networks is not a mapping" % name)
            nets = {}
        for key, spec in nets.items():
            target = _declared_name(key, spec)
            if _is_external(spec):
                if target not in known_networks:
                    problems.append("stack %s: external network %s is neither in stacks_networks, nor made by an"
                                    " earlier stack, nor in the swarm" % (name, target))
            else:
                # a later stack may join it by name
                known_networks.add(target if isinstance(spec, dict) and spec.get("name") else "%s_%s" % (name, key))
        planned.append({"name": name, "state": "present", "compose": compose})
    return {"stacks": planned, "problems": problems}
