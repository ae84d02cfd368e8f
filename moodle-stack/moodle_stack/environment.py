"""The project's environment: its root folder, ``.env`` and the defaults."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """Return the folder that holds meltano.yml, searching up from the cwd."""
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "meltano.yml").exists():
            return folder
    msg = (
        f"no meltano.yml found in {Path.cwd()} or any folder above it: run from "
        "the project's folder, the one that holds meltano.yml"
    )
    raise FileNotFoundError(msg)


def read_dotenv(path: Path) -> dict[str, str]:
    """Read ``KEY=VALUE`` lines of a ``.env`` file; blank values are left out."""
    values: dict[str, str] = {}
    if not path.exists():
        return values
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or "=" not in stripped:
            continue
        key, value = stripped.split("=", 1)
        value = value.strip().strip("'\"")
        if value:
            values[key.strip()] = value
    return values


def pipeline_environment(root: Path) -> dict[str, str]:
    """Return the process environment over the project's ``.env`` values."""
    merged = read_dotenv(root / ".env")
    merged.update({key: value for key, value in os.environ.items() if value})
    return merged
