# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation: keepalived_plan.yml next to this file.

from ansible_collections.dockyard.swarm.plugins.module_utils.keepalived import keepalived_plan


class FilterModule:
    """keepalived planning filter."""

    def filters(self):
        return {"keepalived_plan": keepalived_plan}
