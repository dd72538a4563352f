"""The compiled core is used only when built from the core's files as they are now, and
``SLADESK_CORE`` says which core runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sladesk.core import compiled
from sladesk.core.compiled import MODULES, manifest, why_not_current

BUILT = compiled.why_not_current(compiled.build_directory()) is None


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A build directory whose manifest describes the core as it is now (and no modules)."""
    (tmp_path / "manifest").write_text(manifest(), encoding="utf-8")
    return tmp_path


def _with_source(text: str, name: str, replace: tuple[int, int, str]) -> str:
    """The manifest with ``name``'s size, mtime and sha256 replaced."""
    size, mtime, sha = replace
    lines = [
        f"source {name} {size} {mtime} {sha}" if line.startswith(f"source {name} ") else line
        for line in text.splitlines()
    ]
    return "\n".join(lines) + "\n"


def test_it_is_current_when_built_from_these_files(build: Path) -> None:
    assert why_not_current(build) is None


def test_its_manifest_covers_every_file_of_the_core() -> None:
    names = {line.split(" ")[1] for line in manifest().splitlines() if line.startswith("source ")}
    assert {f"{m}.py" for m in MODULES} <= names
    assert {"policy/model.py", "holidays.py", "compiled.py", "__init__.py"} <= names


def test_it_is_not_built_without_a_manifest(tmp_path: Path) -> None:
    assert (why_not_current(tmp_path) or "").startswith("not built")


def test_it_is_stale_when_a_file_changed_since(build: Path) -> None:
    text = (build / "manifest").read_text(encoding="utf-8")
    (build / "manifest").write_text(_with_source(text, "sla.py", (1, 2, "0" * 64)), encoding="utf-8")
    problem = why_not_current(build) or ""
    assert problem.startswith("stale") and "sla.py" in problem


def test_a_file_touched_but_unchanged_is_still_the_same(build: Path) -> None:
    text = (build / "manifest").read_text(encoding="utf-8")
    sha = next(line.split(" ")[4] for line in text.splitlines() if line.startswith("source replay.py "))
    (build / "manifest").write_text(_with_source(text, "replay.py", (1, 2, sha)), encoding="utf-8")
    assert why_not_current(build) is None


def test_a_manifest_of_another_format_is_stale(build: Path) -> None:
    (build / "manifest").write_text("something else\n", encoding="utf-8")
    assert (why_not_current(build) or "").startswith("stale")


# ---- which core runs ---------------------------------------------------------------------------
@pytest.fixture
def directory(monkeypatch: pytest.MonkeyPatch, build: Path) -> Path:
    monkeypatch.setattr(compiled, "build_directory", lambda: build)
    monkeypatch.setattr(compiled, "state", compiled.state)  # put back after the test
    return build


def test_a_current_build_goes_first_on_the_package_path(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    monkeypatch.delenv("SLADESK_CORE", raising=False)
    path = ["/the/sources"]
    assert compiled.use(path) == "compiled"
    assert path == [str(directory / "sladesk" / "core"), "/the/sources"]


def test_sladesk_core_python_keeps_the_sources(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    monkeypatch.setenv("SLADESK_CORE", "python")
    path = ["/the/sources"]
    assert compiled.use(path).startswith("plain Python")
    assert path == ["/the/sources"]


def test_a_stale_build_is_never_used(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    text = (directory / "manifest").read_text(encoding="utf-8")
    (directory / "manifest").write_text(_with_source(text, "sla.py", (1, 2, "0" * 64)), encoding="utf-8")
    monkeypatch.setenv("SLADESK_CORE", "auto")
    path = ["/the/sources"]
    with pytest.warns(RuntimeWarning, match=r"sla\.py changed since"):
        assert compiled.use(path).startswith("plain Python (stale")
    assert path == ["/the/sources"]
    monkeypatch.setenv("SLADESK_CORE", "compiled")
    with pytest.raises(ImportError, match=r"sla\.py changed since"):
        compiled.use(path)


def test_it_says_what_sladesk_core_expects(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    monkeypatch.setenv("SLADESK_CORE", "fast")
    with pytest.raises(ImportError, match="expected one of auto, python, compiled"):
        compiled.use([])


def _module_file(mode: str) -> str:
    code = "import sladesk.core.sla as m, sladesk.core.compiled as c; print(m.__file__); print(c.state)"
    env = {**os.environ, "SLADESK_CORE": mode}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout


def test_a_process_runs_the_core_it_is_told_to() -> None:
    assert _module_file("python").split("\n")[0].endswith("sla.py")
    if not BUILT:
        pytest.skip(f"the core is not compiled here: {compiled.why_not_current(compiled.build_directory())}")
    file, state = _module_file("compiled").split("\n")[:2]
    assert file.endswith(".so") and file.startswith(str(compiled.build_directory()))
    assert state == "compiled"


def test_this_run_uses_the_core_it_says() -> None:
    import sladesk.core.sla

    compiled_module = sladesk.core.sla.__file__.endswith(".so")
    assert compiled_module == (compiled.state == "compiled")
