#!/usr/bin/python
# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: swarm_unlock
short_description: Unlock an autolocked Docker Swarm manager
version_added: 0.1.0
description:
  - Unlocks the local Docker engine when it is a swarm manager locked by autolock (after a
    restart of dockerd or a reboot). A node that is not locked is left alone and reported as
    unchanged.
  - When several managers are locked, unlocking one blocks until enough managers are unlocked
    to restore the raft quorum. Run this module on all locked managers at the same time
    (the default linear strategy does this), never one after the other (for example with a serial play).
  - The keys are never logged or returned.
author:
  - dockyard.swarm contributors (@dockyard)
options:
  unlock_key:
    description:
      - The current unlock key (C(SWMKEY-1-...)), as shown by C(docker swarm unlock-key).
    type: str
    required: true
  previous_unlock_keys:
    description:
      - Keys tried in order when O(unlock_key) is rejected, for a manager that was down while
        the key was rotated.
    type: list
    elements: str
    default: []
  wait_timeout:
    description:
      - Seconds to wait after the unlock until the node reports the swarm state C(active).
      - Also how long transport errors (a connection reset or refused while dockerd restarts, a
        read timeout) are retried, every 2 s, before the module fails saying so.
    type: int
    default: 120
  network_timeout:
    description:
      - Seconds to wait, once the swarm answers after the unlock, until the node's network agent
        runs (the node is listed among the ingress network's peers). Docker can leave it stopped after an unlock
        (moby/moby#38318); such a node rejects every task that needs a network with
        C(cannot create a swarm scoped network when swarm is not active).
      - V(0) skips this check.
    type: int
    default: 90
  network_repairs:
    description:
      - How many times to restart dockerd (C(systemctl restart docker)) and unlock the node again
        when its network agent did not start within O(network_timeout). Docker starts it on a
        later unlock; the node is a locked manager without a working network agent at that
        point, so the restart only repeats what brought it here.
      - V(0) fails instead.
    type: int
    default: 2
attributes:
  check_mode:
    support: full
    description: Reports whether the node would be unlocked, without unlocking it.
  diff_mode:
    support: none
    description: There is no state to show beyond RV(node_state); the key is secret.
  idempotent:
    support: full
    description: An unlocked node is reported as unchanged.
extends_documentation_fragment:
  - dockyard.swarm.docker
notes:
  - A wrong key fails the module with a message saying so; the key itself is not printed, so
    the task that calls the module does not need C(no_log) to keep it out of the output.
  - With O(network_repairs) the module may restart dockerd on the node it unlocked (never on a
    node that was not locked).
seealso:
  - name: Lock your swarm to protect its encryption key
    description: Docker's documentation of autolock.
    link: https://docs.docker.com/engine/swarm/swarm_manager_locking/
"""

EXAMPLES = r"""
- name: Ensure the manager is unlocked after a restart
  dockyard.swarm.swarm_unlock:
    unlock_key: "{{ vault_swarm_unlock_key }}"

- name: Ensure the manager is unlocked, also with the key before the last rotation
  dockyard.swarm.swarm_unlock:
    unlock_key: "{{ vault_swarm_unlock_key }}"
    previous_unlock_keys:
      - "{{ vault_swarm_previous_unlock_key }}"
"""

RETURN = r"""
node_state:
  description: The node's swarm state after the module ran (C(docker info) C(LocalNodeState)).
  returned: always
  type: str
  sample: active
node_state_before:
  description: The node's swarm state before the module ran.
  returned: always
  type: str
  sample: locked
used_previous_key:
  description: Whether one of O(previous_unlock_keys) unlocked the node (time to rotate it out).
  returned: always
  type: bool
  sample: false
network_agent:
  description:
    - Whether the node's network agent runs after the unlock; V(null) when it was not checked
      (the node was not locked, O(network_timeout=0), or the swarm has no ingress network).
  returned: always
  type: bool
  sample: true
network_repairs:
  description: How many times dockerd was restarted and the node unlocked again for its network agent.
  returned: always
  type: int
  sample: 0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import (
    DOCKER_COMMON_ARGS,
    api_client,
)
from ansible_collections.dockyard.swarm.plugins.module_utils.node_agent import (
    NODE_AGENT_ARGS,
    ensure_network_agent,
    node_state,
    unlock,
    wait_active,
)


def main():
    argument_spec = dict(unlock_key=dict(type="str", required=True, no_log=True), **NODE_AGENT_ARGS)
    argument_spec.update(DOCKER_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    client = api_client(module)
    before = node_state(module, client)
    result = dict(changed=False, node_state=before, node_state_before=before,
                  used_previous_key=False, network_agent=None, network_repairs=0)
    if before != "locked":
        module.exit_json(**result)

    result["changed"] = True
    if module.check_mode:
        module.exit_json(**result)

    keys = [module.params["unlock_key"]] + list(module.params["previous_unlock_keys"])
    key = unlock(module, client, keys, result)
    wait_active(module, client, result)
    ensure_network_agent(module, client, result, [key], "The node was unlocked but")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
