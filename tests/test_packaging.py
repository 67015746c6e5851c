"""The wheel carries every data file the package reads at run time."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tracked(*paths: str) -> list[str]:
    return subprocess.run(
        ["git", "ls-files", *paths], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()


def test_the_wheel_holds_every_data_file_of_the_package(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a clean copy: no build/ folder left by earlier builds
    for name in _tracked("app", "pyproject.toml", "README.md"):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("clausewright-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        packaged = set(archive.namelist())
    data_files = [name for name in _tracked("app") if not name.endswith(".py")]
    assert data_files, "the package has no data files?"
    missing = [name for name in data_files if name not in packaged]
    assert not missing, f"not in the wheel: {missing}"
