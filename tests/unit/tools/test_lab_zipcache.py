"""The VM lab's bytecode cache for zip imports (tools/vm/lab_zipcache.py), in a fresh Python.

Each case runs in a subprocess: the hook patches zipimport for the whole interpreter.
"""

import os
import pathlib
import subprocess
import sys
import textwrap
import zipfile

import pytest

TOOLS = pathlib.Path(__file__).resolve().parents[3] / "tools" / "vm"


def import_from_zip(tmp_path, zip_name, source, cache_dir):
    """Import module `mod` (SOURCE) from a new zip file with the hook on; its VALUE."""
    archive = tmp_path / zip_name
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("pkg/__init__.py", "")
        out.writestr("pkg/mod.py", source)
    return run_hooked(cache_dir, f"""
        sys.path.insert(0, {str(archive)!r})
        from pkg import mod
        print(mod.VALUE)
    """)


def run_hooked(cache_dir, body):
    """Run BODY in a fresh Python with the hooks installed (cache in CACHE_DIR); the int it prints."""
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(TOOLS)!r})
        import lab_zipcache
        lab_zipcache.CACHE_DIR = {str(cache_dir)!r}
        lab_zipcache.install()
    """) + textwrap.dedent(body)
    out = subprocess.run([sys.executable, "-S", "-c", script], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return int(out)


@pytest.mark.skipif(os.geteuid() != 0, reason="the cache is written by root only")
def test_the_second_import_of_the_same_source_reads_the_cache(tmp_path):
    cache = tmp_path / "cache"
    assert import_from_zip(tmp_path, "a.zip", "VALUE = 42\n", cache) == 42
    entries = sorted(cache.iterdir())
    assert len(entries) == 2  # pkg/__init__.py and pkg/mod.py
    # Put another code object under mod.py's key: a second import from another zip (another
    # temporary path, as every Ansible task has) must take it from the cache.
    sys.path.insert(0, str(TOOLS))
    import lab_zipcache  # pylint: disable=import-outside-toplevel
    key = lab_zipcache.cache_key(str(tmp_path / "b.zip" / "pkg" / "mod.py"), b"VALUE = 42\n")
    assert (cache / key).is_file()
    import marshal  # pylint: disable=import-outside-toplevel
    (cache / key).write_bytes(marshal.dumps(compile("VALUE = 7\n", "x", "exec")))
    assert import_from_zip(tmp_path, "b.zip", "VALUE = 42\n", cache) == 7
    # Other source, other key: compiled, not taken from the cache.
    assert import_from_zip(tmp_path, "c.zip", "VALUE = 43\n", cache) == 43


def test_a_broken_cache_entry_falls_back_to_compiling(tmp_path):
    cache = tmp_path / "cache"
    sys.path.insert(0, str(TOOLS))
    import lab_zipcache  # pylint: disable=import-outside-toplevel
    cache.mkdir()
    key = lab_zipcache.cache_key(str(tmp_path / "d.zip" / "pkg" / "mod.py"), b"VALUE = 5\n")
    (cache / key).write_bytes(b"not marshal data")
    assert import_from_zip(tmp_path, "d.zip", "VALUE = 5\n", cache) == 5


def test_the_key_ignores_the_zip_path_but_not_the_path_inside_it():
    sys.path.insert(0, str(TOOLS))
    import lab_zipcache  # pylint: disable=import-outside-toplevel
    key = lab_zipcache.cache_key
    assert key("/tmp/a1/payload.zip/x/y.py", b"s") == key("/tmp/b2/payload.zip/x/y.py", b"s")
    assert key("/tmp/a1/payload.zip/x/y.py", b"s") != key("/tmp/a1/payload.zip/x/z.py", b"s")
    assert key("/tmp/a1/payload.zip/x/y.py", b"s") != key("/tmp/a1/payload.zip/x/y.py", b"t")


def compile_module(source, cache_dir, filename="master:/venv/ansible/module_utils/x.py"):
    """compile() a module's SOURCE the way Mitogen does, with the hook on; its VALUE."""
    return run_hooked(cache_dir, f"""
        scope = {{}}
        exec(compile({source!r}, {filename!r}, "exec", 0, 1), scope)
        print(scope["VALUE"])
    """)


@pytest.mark.skipif(os.geteuid() != 0, reason="the cache is written by root only")
def test_mitogen_style_compiles_of_a_whole_module_go_through_the_cache(tmp_path):
    cache = tmp_path / "cache"
    source = "VALUE = 42\n" + "# padding\n" * 300  # above MIN_SOURCE
    assert compile_module(source, cache) == 42
    (entry,) = cache.iterdir()
    import marshal  # pylint: disable=import-outside-toplevel
    entry.write_bytes(marshal.dumps(compile("VALUE = 7\n", "x", "exec")))
    assert compile_module(source, cache) == 7  # the same source and file name: the cached code
    assert compile_module(source, cache, "master:/venv/other.py") == 42  # another file name


@pytest.mark.skipif(os.geteuid() != 0, reason="the cache is written by root only")
def test_small_sources_and_other_kinds_of_compile_skip_the_cache(tmp_path):
    cache = tmp_path / "cache"
    assert compile_module("VALUE = 3\n", cache) == 3  # below MIN_SOURCE
    sys.path.insert(0, str(TOOLS))
    import lab_zipcache  # pylint: disable=import-outside-toplevel
    lab_zipcache.CACHE_DIR = str(cache)
    big = "VALUE = 1\n" + "#\n" * 2000
    assert eval(lab_zipcache.cached_builtin_compile("1 + 1", "<s>", "eval")) == 2  # pylint: disable=eval-used
    lab_zipcache.cached_builtin_compile(big, "f.py", "exec")  # dont_inherit not set
    lab_zipcache.cached_builtin_compile(big, "f.py", "exec", 0, 1, 2)  # optimize given
    assert not cache.exists()
