# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation: docker_upgrade_plan.yml next to this file.

from ansible_collections.dockyard.swarm.plugins.module_utils.docker_versions import docker_upgrade_plan


class FilterModule:
    """Docker engine upgrade planning filter."""

    def filters(self):
        return {"docker_upgrade_plan": docker_upgrade_plan}
