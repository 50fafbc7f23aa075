# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Docker Engine API access shared by the collection's modules (via the Docker SDK)."""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import missing_required_lib

__all__ = ["APIError", "DockerException", "HAS_DOCKER_SDK", "api_client", "local_node_state"]

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
