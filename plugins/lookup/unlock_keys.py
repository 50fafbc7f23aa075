# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
name: unlock_keys
short_description: The swarm unlock keys the controller knows, in the order to try them
version_added: 0.2.0
author:
  - dockyard.swarm contributors (@dockyard)
description:
  - Returns every unlock key known on the controller, newest first, without duplicates or empty
    values. The variable O(key), then the key file (the term) and the C(.previous) file beside
    it, then each of O(fallback_files).
  - A manager that was down during a rotation, or a vault variable that was not updated after
    one, then still unlocks with one of the other keys.
  - A file that exists but cannot be read is an error, never an empty key. That is a file
    encrypted with ansible-vault while the run has no vault secret, a file without read
    permission, or an empty file. A missing file is skipped.
  - Files encrypted with ansible-vault are decrypted with the run's vault secrets.
options:
  _terms:
    description: The key file the swarm role keeps (C(swarm_unlock_key_file)); an empty string for none.
    type: list
    elements: str
    required: true
  key:
    description: The key given as a variable (C(swarm_unlock_key)); tried first.
    type: str
    default: ""
  fallback_files:
    description: More files to read keys from, tried last (the key file's earlier default location).
    type: list
    elements: str
    default: []
notes:
  - The keys are secrets. Use the result only in module options that are C(no_log), or in
    tasks with C(no_log), never in a message.
"""

EXAMPLES = r"""
- name: Unlock a manager with every key the controller knows
  dockyard.swarm.swarm_unlock:
    unlock_key: "{{ __keys | first }}"
    previous_unlock_keys: "{{ __keys[1:] }}"
  vars:
    __keys: "{{ query('dockyard.swarm.unlock_keys', swarm_unlock_key_file, key=swarm_unlock_key) }}"
"""

RETURN = r"""
_raw:
  description: The keys, newest first; empty when none is known.
  type: list
  elements: str
"""

import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        files = []
        for term in terms:
            if term:
                files += [term, term + ".previous"]
        files += [path for path in self.get_option("fallback_files") if path]
        keys = [self.get_option("key") or ""]
        for path in files:
            keys.append(self._read(path))
        known = []
        for key in keys:
            key = key.strip()
            if key and key not in known:
                known.append(key)
        return known

    def _read(self, path):
        path = os.path.expanduser(path)
        if not os.path.exists(path):
            return ""
        try:
            if hasattr(self._loader, "get_text_file_contents"):  # ansible-core >= 2.19
                text = self._loader.get_text_file_contents(path)
            else:
                text = to_text(self._loader._get_file_contents(path)[0])  # pylint: disable=protected-access
        except Exception as exc:  # pylint: disable=broad-except
            raise AnsibleError(
                "The unlock key file %s exists but cannot be read (%s). If it is encrypted with "
                "ansible-vault, give this run the vault secret (--ask-vault-pass, "
                "--vault-password-file, or a vault credential in AWX). Nothing was changed."
                % (path, to_text(exc).splitlines()[0] if to_text(exc) else type(exc).__name__)) from None
        if not text.strip():
            raise AnsibleError(
                "The unlock key file %s is empty. Delete it, or put the key in it "
                "(docker swarm unlock-key -q on an unlocked manager). Nothing was changed." % path)
        return text
