# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation: network_problems.yml, host_networks.yml and device_facts.yml next to this file.

from ansible_collections.dockyard.swarm.plugins.module_utils.netcheck import (
    device_facts,
    host_networks,
    network_problems,
)


class FilterModule:
    """Address planning filters."""

    def filters(self):
        return {
            "network_problems": network_problems,
            "host_networks": host_networks,
            "device_facts": device_facts,
        }
