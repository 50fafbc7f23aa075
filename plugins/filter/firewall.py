# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation: firewall_plan.yml next to this file.

from ansible_collections.dockyard.swarm.plugins.module_utils.firewall import firewall_plan


class FilterModule:
    """Firewall planning filters."""

    def filters(self):
        return {"firewall_plan": firewall_plan}
