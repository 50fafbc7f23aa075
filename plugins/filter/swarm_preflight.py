# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation: swarm_preflight.yml next to this file.

from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_preflight import swarm_preflight


class FilterModule:
    """Swarm pre-flight filter."""

    def filters(self):
        return {"swarm_preflight": swarm_preflight}
