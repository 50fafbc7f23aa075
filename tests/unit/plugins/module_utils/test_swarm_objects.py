"""Versioned config naming, service reference rewiring and retention."""

import pytest

from ansible_collections.dockyard.swarm.plugins.module_utils.swarm_objects import (
    OWNER_LABEL,
    content_hash,
    is_version_of,
    rewire_refs,
    versioned_name,
    versions_to_remove,
)


def test_same_content_same_name_and_any_change_a_new_one():
    a = versioned_name("nginx", content_hash(b"x", {"app": "gw"}))
    assert a == versioned_name("nginx", content_hash(b"x", {"app": "gw"}))
    assert a != versioned_name("nginx", content_hash(b"y", {"app": "gw"}))
    assert a != versioned_name("nginx", content_hash(b"x", {"app": "other"}))
    assert a.startswith("nginx-") and len(a) == len("nginx-") + 10


def test_label_order_does_not_matter():
    assert content_hash(b"x", {"a": "1", "b": "2"}) == content_hash(b"x", {"b": "2", "a": "1"})


def test_too_long_names_are_refused():
    with pytest.raises(ValueError, match="more than 64"):
        versioned_name("n" * 60, "0" * 64)


@pytest.mark.parametrize("config_name,labels,expected", [
    ("nginx-0123456789", {}, True),
    ("nginx-custom", {OWNER_LABEL: "nginx"}, True),
    ("nginx-extra-0123456789", {}, False),  # version of nginx-extra, not of nginx
    ("nginx", {}, False),
    ("other-0123456789", {}, False),
])
def test_versions_are_recognised(config_name, labels, expected):
    assert is_version_of(config_name, "nginx", labels) is expected


def test_rewire_keeps_file_target_and_other_configs():
    refs = [
        {"ConfigID": "old", "ConfigName": "nginx-aaaaaaaaaa",
         "File": {"Name": "/etc/nginx.conf", "UID": "101", "GID": "101", "Mode": 0o440}},
        {"ConfigID": "z", "ConfigName": "unrelated", "File": {"Name": "/x", "UID": "0", "GID": "0", "Mode": 0o444}},
    ]
    new, changed = rewire_refs(refs, {"nginx-aaaaaaaaaa"}, "newid", "nginx-bbbbbbbbbb")
    assert changed
    assert new[0] == {"ConfigID": "newid", "ConfigName": "nginx-bbbbbbbbbb",
                      "File": {"Name": "/etc/nginx.conf", "UID": "101", "GID": "101", "Mode": 0o440}}
    assert new[1] == refs[1]
    assert refs[0]["ConfigID"] == "old"  # the input is not modified


def test_rewire_without_old_refs_changes_nothing():
    refs = [{"ConfigID": "n", "ConfigName": "nginx-bbbbbbbbbb"}]
    assert rewire_refs(refs, {"nginx-aaaaaaaaaa"}, "n", "nginx-bbbbbbbbbb") == (refs, False)


def v(name, created):
    return {"name": name, "created": created}


def test_retention_keeps_newest_and_in_use():
    versions = [v("c-1", "2026-01-01"), v("c-2", "2026-02-01"), v("c-3", "2026-03-01"), v("c-4", "~")]
    assert versions_to_remove(versions, 2, set(), "c-4") == ["c-2", "c-1"]
    assert versions_to_remove(versions, 2, {"c-1"}, "c-4") == ["c-2"]
    assert versions_to_remove(versions, 1, set(), "c-4") == ["c-3", "c-2", "c-1"]
    assert versions_to_remove(versions, 5, set(), "c-4") == []


def test_current_version_is_kept_even_if_older():
    versions = [v("c-1", "2026-01-01"), v("c-2", "2026-02-01")]
    assert versions_to_remove(versions, 1, set(), "c-1") == ["c-2"]
