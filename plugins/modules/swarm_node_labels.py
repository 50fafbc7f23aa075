#!/usr/bin/python
# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: swarm_node_labels
short_description: Reconcile the labels of many Docker Swarm nodes in one call
version_added: 0.1.0
description:
  - Sets the labels of swarm nodes, several nodes per call, from a manager.
  - A node is named by its inventory hostname, FQDN, short hostname, address or node ID. A name
    that matches no node fails with the list of known nodes; a name that matches several nodes
    fails instead of guessing.
  - Only nodes whose labels differ are updated, so a service placed by a label constraint is
    never rescheduled by a run that changes nothing.
  - All names are resolved and all label sets validated before the first node is updated.
author:
  - dockyard.swarm contributors (@dockyard)
options:
  labels:
    description:
      - "The labels per node, as C({NODE: {KEY: VALUE}})."
      - Values are strings; numbers and booleans are converted (C(true)/C(false)).
      - Nodes not listed here are left alone.
    type: dict
    required: true
  mode:
    description:
      - C(merge) adds and updates the given labels and keeps every other label of the node.
      - C(exact) also removes the node's labels that are not given (within O(prefix) when set).
    type: str
    choices: [merge, exact]
    default: merge
  prefix:
    description:
      - Manage only labels whose key starts with this prefix (for example C(dockyard.)).
        Labels outside it are never changed or removed; a given label outside it is an error.
    type: str
    default: ""
attributes:
  check_mode:
    support: full
    description: Reports the nodes and labels that would change, without changing them.
  diff_mode:
    support: full
    description: Shows each listed node's labels before and after.
  idempotent:
    support: full
    description: Nodes whose labels already match are not updated.
extends_documentation_fragment:
  - dockyard.swarm.docker
notes:
  - Must run on a swarm manager (for example with C(run_once) and C(delegate_to)).
seealso:
  - module: community.docker.docker_node
    description: Manages one node at a time, by the name Docker knows it by.
"""

EXAMPLES = r"""
- name: Ensure the nodes carry their zone labels (other labels stay)
  dockyard.swarm.swarm_node_labels:
    labels:
      m1.example.org: {zone: dmz}
      w1: {zone: intra, disk: ssd}
  run_once: true
  delegate_to: m1.example.org

- name: Ensure the zone.* labels are exactly these, leaving labels of other tools alone
  dockyard.swarm.swarm_node_labels:
    mode: exact
    prefix: zone.
    labels:
      w1: {zone.name: intra}
      w2: {}
"""

RETURN = r"""
changed_nodes:
  description: Hostnames (as the swarm knows them) of the nodes whose labels changed or would change.
  returned: always
  type: list
  elements: str
  sample: [w1]
nodes:
  description: Per name given in O(labels), the node it designates and its labels afterwards.
  returned: always
  type: dict
  sample:
    w1:
      id: 4mc1lt1ssw5elsbmtk4vjovsa
      hostname: w1
      labels: {zone: intra, disk: ssd}
      changes: {disk: [null, ssd]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import (
    DOCKER_COMMON_ARGS,
    APIError,
    api_client,
)
from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_nodes import (
    NodeNameError,
    label_problems,
    label_value,
    node_summary,
    plan_labels,
    resolve_node,
)


def update_labels(client, node_id, labels, attempts=3):
    """Write the node's labels, re-reading it when another writer changed it meanwhile."""
    for attempt in range(attempts):
        node = client.inspect_node(node_id)
        spec = dict(node["Spec"])
        spec["Labels"] = labels
        try:
            client.update_node(node_id, node["Version"]["Index"], spec)
            return
        except APIError as exc:
            if "out of sequence" not in str(exc) or attempt == attempts - 1:
                raise


def main():
    argument_spec = dict(
        labels=dict(type="dict", required=True),
        mode=dict(type="str", choices=["merge", "exact"], default="merge"),
        prefix=dict(type="str", default=""),
    )
    argument_spec.update(DOCKER_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params

    client = api_client(module)
    try:
        raw_nodes = client.nodes()
    except APIError as exc:
        module.fail_json(msg="Cannot list the swarm nodes (is this host a manager?): %s" % exc)
    by_id = dict((n["ID"], n) for n in raw_nodes)
    known = [node_summary(n) for n in raw_nodes]

    # Resolve and plan everything first: bad input changes nothing.
    errors, plans, owners = [], [], {}
    for name, wanted in sorted(params["labels"].items()):
        try:
            node = resolve_node(name, known)
            if wanted is None:
                wanted = {}
            problems = label_problems(wanted, params["prefix"])
            if problems:
                raise ValueError("; ".join(problems))
            wanted = dict((str(k), label_value(v)) for k, v in wanted.items())
            current = by_id[node["id"]]["Spec"].get("Labels") or {}
            new, changes = plan_labels(current, wanted, params["mode"], params["prefix"])
        except (NodeNameError, ValueError) as exc:
            errors.append("%s: %s" % (name, exc))
            continue
        if node["id"] in owners:
            errors.append("%s and %s are the same node (%s)" % (owners[node["id"]], name, node["hostname"]))
            continue
        owners[node["id"]] = name
        plans.append((name, node, current, new, changes))
    if errors:
        module.fail_json(msg="Nothing was changed. " + " ".join(errors))

    result = dict(changed=False, changed_nodes=[], nodes={},
                  diff=dict(before={}, after={}))
    for name, node, current, new, changes in plans:
        result["nodes"][name] = dict(id=node["id"], hostname=node["hostname"], labels=new,
                                     changes=dict((k, list(v)) for k, v in changes.items()))
        result["diff"]["before"][name] = dict(sorted(current.items()))
        result["diff"]["after"][name] = dict(sorted(new.items()))
        if not changes:
            continue
        result["changed"] = True
        result["changed_nodes"].append(node["hostname"])
        if module.check_mode:
            continue
        try:
            update_labels(client, node["id"], new)
        except APIError as exc:
            module.fail_json(msg="Updating the labels of %s failed: %s" % (name, exc), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
