# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation: swarm_busy.yml next to this file.

import re

# Answers of a busy manager that pass on their own: no leader during an election, raft deadlines
# and sequence conflicts, a manager that is not one yet, a restarting dockerd.
TRANSIENT = re.compile(r"leader|deadline exceeded|must run on swarm manager|timed out|out of sequence|Connection aborted")


def swarm_busy(result):
    """True when RESULT (a registered task result) failed with an answer of a busy manager."""
    if not isinstance(result, dict):
        return False
    failed = bool(result.get("failed")) or result.get("rc") not in (None, 0)
    text = "%s\n%s" % (result.get("msg") or "", result.get("stderr") or "")
    return failed and TRANSIENT.search(text) is not None


class TestModule:
    """Tests of dockyard.swarm."""

    def tests(self):
        return {"swarm_busy": swarm_busy}
