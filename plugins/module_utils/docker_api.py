# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker Engine API access shared by the collection's modules (via the Docker SDK)."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import missing_required_lib

__all__ = ["APIError", "DockerException", "HAS_DOCKER_SDK", "api_client", "find_ingress",
           "local_node_state", "network_agent_running"]

try:
    from docker import APIClient
    from docker.errors import APIError, DockerException
    HAS_DOCKER_SDK = True
    DOCKER_SDK_IMPORT_ERROR = None
except ImportError:
    HAS_DOCKER_SDK = False
    DOCKER_SDK_IMPORT_ERROR = traceback.format_exc()

    class DockerException(Exception):  # type: ignore[no-redef]
        """Stand-in so that except clauses still parse without the SDK."""

    class APIError(DockerException):  # type: ignore[no-redef]
        """Stand-in so that except clauses still parse without the SDK."""


# Options of the dockyard.swarm.docker doc fragment.
DOCKER_COMMON_ARGS = dict(
    docker_host=dict(type="str", default="unix:///var/run/docker.sock",
                     aliases=["docker_url"]),
    api_timeout=dict(type="int", default=60),
)


def api_client(module):
    """Return a low-level Docker API client, or fail the module with a clear message."""
    if not HAS_DOCKER_SDK:
        module.fail_json(msg=missing_required_lib("docker (Docker SDK for Python)"),
                         exception=DOCKER_SDK_IMPORT_ERROR)
    try:
        return APIClient(base_url=module.params["docker_host"], version="auto",
                         timeout=module.params["api_timeout"])
    except DockerException as exc:
        module.fail_json(msg="Cannot reach the Docker daemon at %s: %s"
                         % (module.params["docker_host"], exc))
    return None  # not reached: fail_json exits


def local_node_state(info):
    """The node's swarm state from `docker info`: inactive, pending, active, error or locked."""
    return (info.get("Swarm") or {}).get("LocalNodeState") or "inactive"


def find_ingress(client):
    """The ingress network (inspected), whatever its name, or None when the swarm has none."""
    for net in client.networks(filters={"driver": "overlay"}):
        full = client.inspect_network(net["Id"])
        if full.get("Ingress"):
            return full
    return None


def network_agent_running(client, expect_ingress=False):
    """Whether this node's network agent (gossip, service discovery, the routing mesh) runs.

    It lists the node among the ingress network's peers once it runs. Docker can leave it
    stopped after an autolocked manager is unlocked (moby/moby#38318): the node then rejects
    every task that needs a network ("cannot create a swarm scoped network when swarm is not
    active"). A worker whose agent did not start has no ingress network at all (only managers
    see the swarm's networks without it): EXPECT_INGRESS (the swarm has one, as read on a
    manager) makes that a False. None when there is no ingress network to tell by.
    """
    ingress = find_ingress(client)
    if ingress is None:
        return False if expect_ingress else None
    verbose = client.inspect_network(ingress["Id"], verbose=True)
    return bool(verbose.get("Peers"))
