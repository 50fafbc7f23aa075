"""Stand-in for the get-pip script ansible-test downloads to bootstrap its sanity venvs.

ansible-test fetches get-pip from ci-files.testing.ansible.com, which is not reachable here
(only PyPI is).  `make deps` places this file where ansible-test caches that script: it gives
the new venv pip from the interpreter's own ensurepip, then installs the exact packages
ansible-test asked for (pip==X, ...) from PyPI.
"""

import subprocess
import sys

# In a child process: ensurepip switches off pip's configuration files (PIP_CONFIG_FILE) in
# its own environment, and the install below needs them (certificates, mirrors).
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
ARGS = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", *ARGS])
