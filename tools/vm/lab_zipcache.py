"""VM lab only: keep the bytecode of Python modules imported from zip files.

tools/vm/vmctl.py installs this file (with a .pth that imports it) into every lab VM it boots,
through its seed disk; nothing of the collection uses or ships it.

Python compiles a module imported from a zip file on every import and never keeps the bytecode
(zipimport has no __pycache__). Every Ansible task imports its module and module_utils that
way (the AnsiballZ payload), and under TCG that compiling is a large part of each task. Here
the compiled code is cached, keyed by the interpreter version, the path inside the zip and a
hash of the source, in a directory only root writes (tasks run with become); any problem falls
back to the plain compile. The code is what compile() returns for that source: only the file
name in a traceback can be an earlier run's temporary path.
"""

import os
import sys
import zipimport

CACHE_DIR = "/var/cache/dockyard-lab-zipcache"
_COMPILE = getattr(zipimport, "_compile_source", None)


def cache_key(pathname, source):
    """The cache file name for SOURCE found at PATHNAME (inside some zip file)."""
    import hashlib  # imported on the first zip import only

    inner = pathname.rpartition(".zip")[2]
    digest = hashlib.sha256()
    for part in (sys.version.encode(), inner.encode(), source):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def cached_compile(pathname, source):
    """zipimport's compile step, through the cache."""
    import marshal

    path = os.path.join(CACHE_DIR, cache_key(pathname, source))
    try:
        with open(path, "rb") as cached:
            return marshal.load(cached)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    code = _COMPILE(pathname, source)
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


if _COMPILE is not None:
    zipimport._compile_source = cached_compile  # pylint: disable=protected-access
