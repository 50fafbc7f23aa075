#!/usr/bin/python
# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: swarm_network_agent
short_description: Ensure a swarm node's network agent runs, restarting dockerd when it does not
version_added: 0.2.0
description:
  - A swarm node can be Ready and Active while Docker's network agent (gossip on port 7946,
    service discovery, the routing mesh) does not run. dockerd fails to start it after a
    C(docker swarm leave) and a quick re-join (C(agentInit ... bind address already in use)),
    or after an unlock (moby/moby#38318). Published ports then do not answer on the node, and
    its tasks cannot resolve other services by name.
  - The module waits until the node is listed among the ingress network's peers. When it is
    not within O(network_timeout), the module restarts dockerd, unlocks an autolocked manager
    again with O(unlock_key) (or O(previous_unlock_keys)), and waits again, at most
    O(network_repairs) times, then fails saying so.
  - A node that is not in a swarm, or a swarm without an ingress network, is left alone. A
    worker whose agent did not start has no ingress network at all (only managers see the
    swarm's networks without their agent), so set O(expect_ingress) when the swarm has one.
  - Uses the same implementation as M(dockyard.swarm.swarm_unlock), which checks the agent after
    every unlock.
author:
  - dockyard.swarm contributors (@dockyard)
options:
  unlock_key:
    description:
      - The swarm's unlock key, for an autolocked manager that comes back locked after a restart
        of dockerd. Not needed on workers or without autolock.
    type: str
    default: ""
  previous_unlock_keys:
    description: Keys tried in turn when O(unlock_key) is rejected.
    type: list
    elements: str
    default: []
  wait_timeout:
    description:
      - Seconds to wait for dockerd after a restart, for the node to be C(active) after an
        unlock, and for the swarm to answer (an election) before the agent's clock starts.
    type: int
    default: 120
  network_timeout:
    description: Seconds to wait, once the swarm answers, until the node is among the ingress network's peers.
    type: int
    default: 90
  network_repairs:
    description: How many times to restart dockerd when the agent does not run; V(0) fails instead.
    type: int
    default: 2
  expect_ingress:
    description:
      - Whether the swarm has an ingress network (read on a manager). A node without it locally
        then has no running agent. With V(false), a node without an ingress network is left
        alone (RV(network_agent) is V(null)); a worker whose agent failed goes unnoticed.
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads whether the agent runs (once, without waiting) and reports a repair as a change, without restarting anything.
  diff_mode:
    support: none
    description: There is no state to show beyond RV(network_agent).
  idempotent:
    support: full
    description: A node whose agent runs is reported as unchanged.
extends_documentation_fragment:
  - dockyard.swarm.docker
notes:
  - The keys are never logged or returned; the module's own errors stay visible (the task does
    not need C(no_log)).
  - A repair restarts dockerd on this node, which stops its containers for a moment (their
    restart policy starts them again) unless C(live-restore), which swarm mode refuses.
seealso:
  - module: dockyard.swarm.swarm_unlock
"""

EXAMPLES = r"""
- name: Ensure the network agent runs on a manager that just joined
  dockyard.swarm.swarm_network_agent:
    unlock_key: "{{ vault_swarm_unlock_key }}"

- name: Ensure the network agent runs on a worker that just joined a swarm with an ingress network
  dockyard.swarm.swarm_network_agent:
    expect_ingress: true
"""

RETURN = r"""
node_state:
  description: The node's swarm state after the module ran (C(docker info) C(LocalNodeState)).
  returned: always
  type: str
  sample: active
network_agent:
  description:
    - Whether the node's network agent runs; V(null) when there was nothing to tell by (not in a
      swarm, no ingress network, or the swarm did not answer within O(wait_timeout)).
  returned: always
  type: bool
  sample: true
network_repairs:
  description: How many times dockerd was restarted for the agent.
  returned: always
  type: int
  sample: 0
used_previous_key:
  description: Whether one of O(previous_unlock_keys) unlocked the node after a repair.
  returned: always
  type: bool
  sample: false
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import (
    DOCKER_COMMON_ARGS,
    APIError,
    DockerException,
    api_client,
    network_agent_running,
)
from ansible_collections.dockyard.swarm.plugins.module_utils.node_agent import (
    NODE_AGENT_ARGS,
    ensure_network_agent,
    node_state,
)


def main():
    argument_spec = dict(unlock_key=dict(type="str", default="", no_log=True),
                         expect_ingress=dict(type="bool", default=False), **NODE_AGENT_ARGS)
    argument_spec.update(DOCKER_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    client = api_client(module)
    state = node_state(module, client)
    result = dict(changed=False, node_state=state, network_agent=None, network_repairs=0,
                  used_previous_key=False)
    if state == "locked":
        module.fail_json(msg="The node is locked (autolock): unlock it first (dockyard.swarm.swarm_unlock "
                             "checks the network agent after the unlock).", **result)
    if state != "active":
        module.exit_json(**result)

    if module.check_mode:
        try:
            result["network_agent"] = network_agent_running(client, module.params["expect_ingress"])
        except (APIError, DockerException, OSError):
            result["network_agent"] = None
        result["changed"] = result["network_agent"] is False
        module.exit_json(**result)

    keys = [key for key in [module.params["unlock_key"]] + list(module.params["previous_unlock_keys"]) if key]
    ensure_network_agent(module, client, result, keys, "The node is in the swarm but")
    result["changed"] = result["network_repairs"] > 0
    module.exit_json(**result)


if __name__ == "__main__":
    main()
