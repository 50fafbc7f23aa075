"""Make the repository importable as ansible_collections.dockyard.swarm for unit tests."""

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / ".cache" / "collections"
link = COLLECTIONS / "ansible_collections" / "dockyard" / "swarm"
if not link.exists():
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(ROOT)
sys.path.insert(0, str(COLLECTIONS))
sys.path.insert(0, str(ROOT / "tools" / "vm"))
