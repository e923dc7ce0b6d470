"""The JSON manifest of a run: every setting, seed and package version, so it can be redone.

>>> "alwild" in package_versions()
True
"""

from __future__ import annotations

import dataclasses
import json
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["package_versions", "write_manifest"]

_PACKAGES = ("alwild", "numpy", "scipy", "scikit-learn", "pandas", "joblib", "matplotlib",
             "pyarrow", "rich")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a simulation depends on."""
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    if out["alwild"] == "not installed":
        import alwild

        out["alwild"] = alwild.__version__
    return out


def write_manifest(path: Path, command: list[str], settings: dict[str, Any],
                   seeds: list[int], arms: list[Any], seconds: float) -> Path:
    """Write the manifest JSON to ``path`` and return it."""
    manifest = {
        "command": command,
        "settings": settings,
        "arms": [dataclasses.asdict(a) if dataclasses.is_dataclass(a) else a for a in arms],
        "seeds": seeds,
        "versions": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(seconds, 2),
    }
    path = Path(path)
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return path
