# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation: stacks_plan.yml and stack_compose.yml next to this file.

from ansible_collections.dockyard.swarm.plugins.module_utils.stacks import stack_compose, stacks_plan


class FilterModule:
    """Filters of the stacks role."""

    def filters(self):
        return {"stacks_plan": stacks_plan, "stack_compose": stack_compose}
