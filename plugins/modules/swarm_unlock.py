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
    type: int
    default: 120
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
  - A wrong key fails the module with a message saying so; the key itself is not printed.
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
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import (
    DOCKER_COMMON_ARGS,
    APIError,
    api_client,
    local_node_state,
)


def wrong_key(exc):
    """Whether the engine refused the unlock because of the key (not a transport error)."""
    text = str(exc).lower()
    return "invalid key" in text or ("key" in text and ("incorrect" in text or "wrong" in text))


def main():
    argument_spec = dict(
        unlock_key=dict(type="str", required=True, no_log=True),
        previous_unlock_keys=dict(type="list", elements="str", default=[], no_log=True),
        wait_timeout=dict(type="int", default=120),
    )
    argument_spec.update(DOCKER_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)

    client = api_client(module)
    before = local_node_state(client.info())
    result = dict(changed=False, node_state=before, node_state_before=before,
                  used_previous_key=False)
    if before != "locked":
        module.exit_json(**result)

    result["changed"] = True
    if module.check_mode:
        module.exit_json(**result)

    keys = [module.params["unlock_key"]] + list(module.params["previous_unlock_keys"])
    unlocked = False
    for index, key in enumerate(keys):
        try:
            client.unlock_swarm(key)
        except APIError as exc:
            if wrong_key(exc):
                continue
            module.fail_json(msg="Unlocking the swarm failed: %s" % exc, **result)
        unlocked = True
        result["used_previous_key"] = index > 0
        break
    if not unlocked:
        module.fail_json(
            msg="The swarm rejected the unlock key%s: the node stays locked. Check the key "
                "(docker swarm unlock-key on an unlocked manager shows the current one)."
                % (" and the %d previous key(s)" % (len(keys) - 1) if len(keys) > 1 else ""),
            **result)

    deadline = time.time() + module.params["wait_timeout"]
    state = local_node_state(client.info())
    while state != "active" and time.time() < deadline:
        time.sleep(1)
        state = local_node_state(client.info())
    result["node_state"] = state
    if state != "active":
        module.fail_json(msg="The node was unlocked but is still %s after %d s"
                         % (state, module.params["wait_timeout"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
