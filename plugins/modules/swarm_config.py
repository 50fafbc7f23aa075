#!/usr/bin/python
# Copyright (c) dockyard.swarm contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: swarm_config
short_description: Versioned Docker Swarm configs that roll out to the services using them
version_added: 0.1.0
description:
  - Docker cannot change a swarm config once it exists, and cannot remove one a service uses.
    This module gives every content its own config, named C(NAME-<hash>) after the content and
    the labels, so re-running with the same content is C(ok).
  - When the content changes, it creates the new version, points every service that used an
    older version of O(name) at the new one (a rolling update, by each service's own
    C(UpdateConfig)), keeping the target file name, uid, gid and mode, waits until the update
    completed, then removes versions beyond O(keep_versions) that no service uses.
  - Must run on a swarm manager.
author:
  - dockyard.swarm contributors (@dockyard)
options:
  name:
    description:
      - The config's base name; versions are called C(NAME-<10 hex digits>).
    type: str
    required: true
  data:
    description:
      - The content (text; or base64 with O(data_is_b64)). Render a template with
        C(lookup('ansible.builtin.template', ...)).
      - One of O(data) and O(src) is required with O(state=present).
    type: str
  data_is_b64:
    description: O(data) is base64-encoded binary content.
    type: bool
    default: false
  src:
    description: A file on the managed node whose content is the config.
    type: path
  labels:
    description: Labels of the config (part of its version hash).
    type: dict
    default: {}
  state:
    description:
      - C(present) ensures the version for the content exists and is used.
      - C(absent) removes every version of O(name); fails while a service uses one.
    type: str
    choices: [present, absent]
    default: present
  services:
    description:
      - The services (names or IDs) to move to the new version. Default (null) is every service
        that uses any version of O(name). A listed service that does not exist fails the module
        before anything changes.
    type: list
    elements: str
  keep_versions:
    description:
      - How many versions to keep, the current one included. Versions still used by a service
        are never removed.
    type: int
    default: 2
  wait_timeout:
    description: Seconds to wait for each updated service to finish its rolling update.
    type: int
    default: 300
attributes:
  check_mode:
    support: full
    description: Reports the version that would be created and the services that would be updated.
  diff_mode:
    support: full
    description: Shows the version each affected service uses before and after.
  idempotent:
    support: full
    description: The same content and labels are C(ok) and update nothing.
extends_documentation_fragment:
  - dockyard.swarm.docker
notes:
  - Swarm secrets follow the same pattern but are not covered by this module yet.
seealso:
  - module: community.docker.docker_config
    description: Manages one config by its fixed name.
"""

EXAMPLES = r"""
- name: Ensure the gateway uses the current nginx.conf
  dockyard.swarm.swarm_config:
    name: gateway-nginx
    data: "{{ lookup('ansible.builtin.template', 'nginx.conf.j2') }}"
    labels: {app: gateway}
  run_once: true
  delegate_to: "{{ groups['swarm_managers'][0] }}"

- name: Ensure a binary config, updating only the listed service
  dockyard.swarm.swarm_config:
    name: app-keystore
    data: "{{ lookup('ansible.builtin.file', 'keystore.b64') }}"
    data_is_b64: true
    services: [app]
    keep_versions: 3
"""

RETURN = r"""
config_name:
  description: The name of the version for the content (created or existing).
  returned: when state is present
  type: str
  sample: gateway-nginx-3f1c0a9b7e
config_id:
  description: Its ID (empty in check mode when it would be created).
  returned: when state is present
  type: str
updated_services:
  description: The services moved (or that would be moved) to this version.
  returned: always
  type: list
  elements: str
removed_versions:
  description: Old versions removed (or that would be removed).
  returned: always
  type: list
  elements: str
"""

import base64
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockyard.swarm.plugins.module_utils.docker_api import (
    DOCKER_COMMON_ARGS,
    APIError,
    api_client,
)
from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_objects import (
    HASH_LABEL,
    OWNER_LABEL,
    content_hash,
    is_version_of,
    rewire_refs,
    versioned_name,
    versions_to_remove,
)


def read_content(module):
    params = module.params
    if params["src"]:
        try:
            with open(params["src"], "rb") as handle:
                return handle.read()
        except OSError as exc:
            module.fail_json(msg="Cannot read src %s: %s" % (params["src"], exc))
    if params["data_is_b64"]:
        try:
            return base64.b64decode(params["data"], validate=True)
        except (ValueError, TypeError) as exc:
            module.fail_json(msg="data is not valid base64: %s" % exc)
    return params["data"].encode("utf-8")


def config_refs(service):
    return ((service["Spec"].get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("Configs") or []


def wait_for_update(module, client, service_id, name):
    """Wait until the service's rolling update completed; fail on pause or rollback."""
    deadline = time.time() + module.params["wait_timeout"]
    state = "updating"
    while time.time() < deadline:
        status = client.inspect_service(service_id).get("UpdateStatus") or {}
        state = status.get("State", "completed")
        if state == "completed":
            return
        if state in ("paused", "rollback_started", "rollback_paused", "rollback_completed"):
            module.fail_json(msg="The rolling update of %s to the new config stopped in state %s: %s"
                             % (name, state, status.get("Message", "")))
        time.sleep(2)
    module.fail_json(msg="The rolling update of %s is still %s after %d s"
                     % (name, state, module.params["wait_timeout"]))


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        data=dict(type="str"),
        data_is_b64=dict(type="bool", default=False),
        src=dict(type="path"),
        labels=dict(type="dict", default={}),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        services=dict(type="list", elements="str"),
        keep_versions=dict(type="int", default=2),
        wait_timeout=dict(type="int", default=300),
    )
    argument_spec.update(DOCKER_COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[("data", "src")],
                           required_if=[("state", "present", ("data", "src"), True)])
    params = module.params
    name = params["name"]
    if params["keep_versions"] < 1:
        module.fail_json(msg="keep_versions must be at least 1 (the current version)")
    labels = dict((str(k), str(v)) for k, v in params["labels"].items())
    if OWNER_LABEL in labels or HASH_LABEL in labels:
        module.fail_json(msg="The labels %s and %s are set by the module" % (OWNER_LABEL, HASH_LABEL))

    client = api_client(module)
    try:
        configs = client.configs()
        services = client.services()
    except APIError as exc:
        module.fail_json(msg="Cannot list configs and services (is this host a manager?): %s" % exc)
    versions = [dict(id=c["ID"], name=c["Spec"]["Name"], created=c.get("CreatedAt", ""))
                for c in configs if is_version_of(c["Spec"]["Name"], name, c["Spec"].get("Labels"))]
    version_names = set(v["name"] for v in versions)
    using = {}  # service name -> version it uses
    for svc in services:
        for ref in config_refs(svc):
            if ref.get("ConfigName") in version_names:
                using[svc["Spec"]["Name"]] = ref["ConfigName"]

    result = dict(changed=False, updated_services=[], removed_versions=[],
                  diff=dict(before={}, after={}))

    if params["state"] == "absent":
        if using:
            module.fail_json(msg="Versions of %s are in use by the services %s; nothing was removed"
                             % (name, ", ".join("%s (%s)" % kv for kv in sorted(using.items()))))
        result["removed_versions"] = sorted(version_names)
        result["changed"] = bool(version_names)
        result["diff"] = dict(before=dict(versions=sorted(version_names)), after=dict(versions=[]))
        if not module.check_mode:
            for version in versions:
                client.remove_config(version["id"])
        module.exit_json(**result)

    content = read_content(module)
    try:
        new_name = versioned_name(name, content_hash(content, labels))
    except ValueError as exc:
        module.fail_json(msg=str(exc))

    # Which services to move, checked before anything changes.
    targets = [s for s in services if s["Spec"]["Name"] in using]
    if params["services"] is not None:
        by_key = dict((s["Spec"]["Name"], s) for s in services)
        by_key.update((s["ID"], s) for s in services)
        missing = [s for s in params["services"] if s not in by_key]
        if missing:
            module.fail_json(msg="No such services: %s; nothing was changed" % ", ".join(missing))
        targets = [by_key[s] for s in params["services"]]
        unused = [s["Spec"]["Name"] for s in targets if s["Spec"]["Name"] not in using]
        if unused:
            module.fail_json(msg="The services %s use no version of the config %s; nothing was changed"
                             % (", ".join(unused), name))

    existing = [v for v in versions if v["name"] == new_name]
    config_id = existing[0]["id"] if existing else ""
    if not existing:
        result["changed"] = True
        if not module.check_mode:
            all_labels = dict(labels)
            all_labels[OWNER_LABEL] = name
            all_labels[HASH_LABEL] = content_hash(content, labels)
            try:
                config_id = client.create_config(new_name, content, labels=all_labels)["ID"]
            except APIError as exc:
                module.fail_json(msg="Creating the config %s failed: %s" % (new_name, exc))
    result.update(config_name=new_name, config_id=config_id)
    result["diff"]["before"]["config"] = None if not existing else new_name
    result["diff"]["after"]["config"] = new_name

    for svc in targets:
        svc_name = svc["Spec"]["Name"]
        refs, changed = rewire_refs(config_refs(svc), version_names - set([new_name]), config_id, new_name)
        if not changed:
            continue
        result["changed"] = True
        result["updated_services"].append(svc_name)
        result["diff"]["before"].setdefault("services", {})[svc_name] = using[svc_name]
        result["diff"]["after"].setdefault("services", {})[svc_name] = new_name
        using[svc_name] = new_name
        if module.check_mode:
            continue
        current = client.inspect_service(svc["ID"])
        template = current["Spec"]["TaskTemplate"]
        template["ContainerSpec"]["Configs"] = refs
        try:
            client.update_service(svc["ID"], current["Version"]["Index"], task_template=template,
                                  fetch_current_spec=True)
        except APIError as exc:
            module.fail_json(msg="Updating the service %s to %s failed: %s" % (svc_name, new_name, exc),
                             **result)
        wait_for_update(module, client, svc["ID"], svc_name)

    in_use = set(using.values())
    candidates = [v for v in versions if v["name"] != new_name]
    if not existing:
        candidates.append(dict(id=config_id, name=new_name, created="~"))  # newest
    result["removed_versions"] = versions_to_remove(
        candidates + [v for v in versions if v["name"] == new_name],
        params["keep_versions"], in_use, new_name)
    if result["removed_versions"]:
        result["changed"] = True
        result["diff"]["before"]["versions"] = sorted(version_names)
        result["diff"]["after"]["versions"] = sorted(
            (version_names | set([new_name])) - set(result["removed_versions"]))
        if not module.check_mode:
            ids = dict((v["name"], v["id"]) for v in versions)
            for old in result["removed_versions"]:
                try:
                    client.remove_config(ids[old])
                except APIError as exc:
                    module.fail_json(msg="Removing the old version %s failed: %s" % (old, exc), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
