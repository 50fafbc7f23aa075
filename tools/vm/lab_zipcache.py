"""VM lab only: keep the bytecode of Python modules imported from zip files or by Mitogen.

tools/vm/vmctl.py installs this file (with a .pth that imports it) into every lab VM it boots,
through its seed disk; nothing of the collection uses or ships it.

Python compiles a module imported from a zip file on every import and never keeps the bytecode
(zipimport has no __pycache__). Every Ansible task imports its module and module_utils that
way (the AnsiballZ payload), and under TCG that compiling is a large part of each task. Here
the compiled code is cached, keyed by the interpreter version, the path inside the zip and a
hash of the source, in a directory only root writes (tasks run with become); any problem falls
back to the plain compile. The code is what compile() returns for that source: only the file
name in a traceback can be an earlier run's temporary path.

Mitogen (the connection the Molecule scenarios and the lab use) imports nothing from a zip: it
sends the source of every module a task needs (its own, Ansible's module_utils, the module)
and compiles it with the builtin compile(), in every run anew. builtins.compile is wrapped for
that shape of call (a whole module, mode "exec", no flags, dont_inherit set) and goes through
the same cache: on an idle TCG guest a `setup` (min) run took 7-9 s with it, 10.5 s without.
"""

import builtins
import os
import sys
import zipimport

CACHE_DIR = "/var/cache/dockyard-lab-zipcache"
_COMPILE = getattr(zipimport, "_compile_source", None)


def cache_key(pathname, source):
    """The cache file name for SOURCE found at PATHNAME (the path inside a zip file counts)."""
    import hashlib  # imported on the first cached compile only

    inner = pathname.rpartition(".zip")[2]
    digest = hashlib.sha256()
    for part in (sys.version.encode(), inner.encode(), source):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def cached_compile(pathname, source):
    """zipimport's compile step, through the cache."""
    return _through_cache(pathname, source, lambda: _COMPILE(pathname, source))


def _through_cache(pathname, source, compile_it):
    """The code of SOURCE (bytes) from PATHNAME: from the cache, else compile_it() kept there."""
    import marshal

    path = os.path.join(CACHE_DIR, cache_key(pathname, source))
    try:
        with open(path, "rb") as cached:
            return marshal.load(cached)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    code = compile_it()
    if os.geteuid() == 0:
        try:
            os.makedirs(CACHE_DIR, mode=0o700, exist_ok=True)
            tmp = "%s.%d" % (path, os.getpid())
            with open(tmp, "wb") as out:
                marshal.dump(code, out)
            os.replace(tmp, path)
        except OSError:
            pass
    return code


_BUILTIN_COMPILE = builtins.compile
MIN_SOURCE = 2048  # smaller modules compile faster than a cache file is read


def cached_builtin_compile(source, filename, mode, flags=0, dont_inherit=False, optimize=-1, **kwargs):
    """builtins.compile; a whole module's source (Mitogen's imports) through the cache."""
    if (mode != "exec" or flags or not dont_inherit or optimize != -1 or kwargs
            or not isinstance(filename, str) or not isinstance(source, (str, bytes))
            or len(source) < MIN_SOURCE):
        return _BUILTIN_COMPILE(source, filename, mode, flags, dont_inherit, optimize, **kwargs)
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    return _through_cache(filename, data, lambda: _BUILTIN_COMPILE(source, filename, mode, 0, True))


def install():
    """Put both hooks in place (the .pth file that vmctl installs calls this at start-up)."""
    if _COMPILE is not None:
        zipimport._compile_source = cached_compile  # pylint: disable=protected-access
    builtins.compile = cached_builtin_compile
