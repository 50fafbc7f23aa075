# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unlocking a manager and making sure its network agent runs, shared by the modules
swarm_unlock and swarm_network_agent (one implementation of the repair: restart dockerd, unlock
it again when it comes back locked, wait until it is active and its agent runs).

Functions take the module (params wait_timeout, network_timeout, network_repairs, and
expect_ingress when the module has it; fail_json),
the Docker API client and the module's result dict, which they fill in.
"""

from __future__ import annotations

import time

from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import (
    APIError,
    DockerException,
    local_node_state,
    network_agent_running,
)

__all__ = ["NODE_AGENT_ARGS", "answer", "ensure_network_agent", "node_state", "transport_error", "unlock",
           "wait_active", "wrong_key"]

# Options of the modules that use these functions (besides the unlock key, required by one).
NODE_AGENT_ARGS = dict(
    previous_unlock_keys=dict(type="list", elements="str", default=[], no_log=True),
    wait_timeout=dict(type="int", default=120),
    network_timeout=dict(type="int", default=90),
    network_repairs=dict(type="int", default=2),
)


def wrong_key(exc):
    """Whether the engine refused the unlock because of the key (not a transport error)."""
    text = str(exc).lower()
    return "invalid key" in text or ("key" in text and ("incorrect" in text or "wrong" in text))


def transport_error(exc):
    """Whether EXC is a failure to talk to dockerd (reset, refused, timeout), not an answer of it.

    The SDK's APIError (an answer with an HTTP error status) derives from requests' errors,
    which derive from OSError: it is told apart first.
    """
    return not isinstance(exc, APIError) and isinstance(exc, (DockerException, OSError))


def answer(module, call, deadline, what, result):
    """CALL's answer, asking again every 2 s while dockerd cannot be reached, until DEADLINE."""
    while True:
        try:
            return call()
        except Exception as exc:  # pylint: disable=broad-except
            if not transport_error(exc):
                raise
            if time.time() >= deadline:
                module.fail_json(msg="dockerd did not answer %s within %d s: %s"
                                 % (what, module.params["wait_timeout"], exc), **result)
        time.sleep(2)


def node_state(module, client):
    """The node's swarm state (LocalNodeState), asking again while dockerd cannot be reached."""
    deadline = time.time() + module.params["wait_timeout"]
    return local_node_state(answer(module, client.info, deadline, "docker info", {}))


def unlock(module, client, keys, result):
    """Unlock with the first key the swarm takes; return that key."""
    deadline = time.time() + module.params["wait_timeout"]
    for index, key in enumerate(keys):
        if unlocked_with(module, client, key, deadline, result):
            result["used_previous_key"] = result["used_previous_key"] or index > 0
            return key
    module.fail_json(
        msg="The swarm rejected the unlock key%s: the node stays locked. Check the key "
            "(docker swarm unlock-key on an unlocked manager shows the current one)."
            % (" and the %d previous key(s)" % (len(keys) - 1) if len(keys) > 1 else ""),
        **result)
    return None  # not reached: fail_json exits


def unlocked_with(module, client, key, deadline, result):
    """True once KEY unlocked the node, False when the swarm rejects KEY.

    An unlock whose answer was lost (connection reset, read timeout) may have gone through:
    the node's state tells, before the key is sent again.
    """
    while True:
        try:
            client.unlock_swarm(key)
            return True
        except APIError as exc:
            if wrong_key(exc):
                return False
            module.fail_json(msg="Unlocking the swarm failed: %s" % exc, **result)
        except Exception as exc:  # pylint: disable=broad-except
            if not transport_error(exc):
                raise
            if time.time() >= deadline:
                module.fail_json(msg="dockerd did not answer the unlock within %d s: %s"
                                 % (module.params["wait_timeout"], exc), **result)
        time.sleep(2)
        if local_node_state(answer(module, client.info, deadline, "docker info", result)) != "locked":
            return True


def wait_active(module, client, result):
    deadline = time.time() + module.params["wait_timeout"]
    state = local_node_state(answer(module, client.info, deadline, "docker info", result))
    while state != "active" and time.time() < deadline:
        time.sleep(1)
        state = local_node_state(answer(module, client.info, deadline, "docker info", result))
    result["node_state"] = state
    if state != "active":
        module.fail_json(msg="The node was unlocked but is still %s after %d s"
                         % (state, module.params["wait_timeout"]), **result)


def wait_network_agent(module, client):
    """True once the network agent runs, False if it did not within network_timeout, None if unknown.

    The clock starts once the swarm answers: right after an unlock the managers may still be
    electing a leader (minutes on slow machines), and the agent only starts after that.
    """
    timeout = module.params["network_timeout"]
    if timeout <= 0:
        return None
    give_up = time.time() + module.params["wait_timeout"]
    deadline = None
    while True:
        try:
            running = network_agent_running(client, module.params.get("expect_ingress", False))
        except (APIError, DockerException, OSError):
            running = "unknown"  # no leader yet, or dockerd busy
        now = time.time()
        if running is True or running is None:
            return running
        if running is False and deadline is None:
            deadline = now + timeout
        if deadline is not None and now > deadline:
            return False
        if deadline is None and now > give_up:
            return None
        time.sleep(2)


def restart_dockerd(module, client, result):
    """Restart dockerd and wait until it answers again (an autolocked manager answers locked)."""
    rc, out, err = module.run_command(["systemctl", "restart", "docker"])
    if rc != 0:
        module.fail_json(msg="Restarting dockerd for its network agent failed: %s" % (err or out).strip(),
                         **result)
    deadline = time.time() + module.params["wait_timeout"]
    while True:
        try:
            state = local_node_state(client.info())
            if state in ("active", "locked", "pending"):
                return state
        except (APIError, DockerException, OSError):
            state = "not answering"
        if time.time() > deadline:
            module.fail_json(msg="dockerd is %s %d s after its restart"
                             % (state, module.params["wait_timeout"]), **result)
        time.sleep(2)


def ensure_network_agent(module, client, result, keys, what="The node is active but"):
    """Wait until the node's network agent runs; restart dockerd when it does not, up to
    network_repairs times (unlocking the node again with KEYS when it comes back locked), and
    fail saying so when it still does not run. Fills result network_agent and network_repairs.
    """
    repairs = module.params["network_repairs"]
    for attempt in range(repairs + 1):
        result["network_agent"] = wait_network_agent(module, client)
        if result["network_agent"] is not False or attempt == repairs:
            break
        if restart_dockerd(module, client, result) == "locked":
            unlock(module, client, keys, result)
        wait_active(module, client, result)
        result["network_repairs"] = attempt + 1
    if result["network_agent"] is False:
        module.fail_json(
            msg="%s Docker's network agent does not run (it is not among the ingress network's peers; "
                "moby/moby#38318, or 'address already in use' for port 7946 in dockerd's log), also "
                "after %d restart(s) of dockerd: the routing mesh and service names do not work on it. "
                "Check `journalctl -u docker` for agentInit errors, restart dockerd and run again."
                % (what, result["network_repairs"]), **result)
