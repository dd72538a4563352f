"""The core's hot modules compiled with mypyc, and the guard that uses them only when they
were built from the sources beside them.

``sla replay --batch`` spends its time in ``sla``, ``replay``, ``instants``, ``calendar``
and ``lifecycle``: already plain Python tuned as far as it goes, they run about half as
fast again compiled by mypyc (from the same files, type-checked under the same strict
rules). ``make install`` builds them (:func:`build`) into
``<venv>/sladesk-compiled/``, outside the source tree (nothing to commit, removed with
the virtual environment), and rebuilds them whenever a file of the core has changed.

At import, ``sladesk.core`` calls :func:`use`, which puts that directory before the
sources on the package's path only when its manifest says the modules were built from
the core's files as they are now (size and mtime, else their sha256): a compiled module
never stands in for a ``.py`` edited since. ``SLADESK_CORE`` chooses:

- ``auto`` (the default): compiled when built and current; plain Python when not built
  (no C compiler at install, say); plain Python with a warning when built from other
  sources (``make install`` rebuilds them; the core's tests refuse to run then);
- ``python``: always the ``.py`` files (the tests run the core this way too);
- ``compiled``: compiled or an ImportError that says why.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

CORE = Path(__file__).resolve().parent
MODULES = ("calendar", "instants", "lifecycle", "replay", "sla")
FORMAT = "sladesk core compiled 1"
MODES = ("auto", "python", "compiled")

# What use() decided for this process: "compiled", or why it runs the plain Python.
state = "not decided"


def build_directory() -> Path:
    """Where the compiled modules of this interpreter's environment live."""
    return Path(sys.prefix) / "sladesk-compiled"


def use(package_path: list[str]) -> str:
    """Put the compiled modules first on ``package_path`` (``sladesk.core.__path__``) when
    they may be used; return what was decided (also kept in ``state``)."""
    global state
    mode = os.environ.get("SLADESK_CORE") or "auto"
    if mode not in MODES:
        raise ImportError(f"SLADESK_CORE={mode!r}: expected one of {', '.join(MODES)}")
    if mode == "python":
        state = "plain Python (SLADESK_CORE=python)"
        return state
    problem = why_not_current(build_directory())
    if problem is None:
        package_path.insert(0, str(build_directory() / "sladesk" / "core"))
        state = "compiled"
        return state
    if mode == "compiled":
        raise ImportError(f"SLADESK_CORE=compiled, but {problem}")
    if problem.startswith("stale"):
        warnings.warn(f"sladesk.core: {problem}; running the plain Python", RuntimeWarning, stacklevel=2)
    state = f"plain Python ({problem})"
    return state


def why_not_current(directory: Path) -> str | None:
    """None when ``directory`` holds the modules compiled from the core as it is now, else why
    not: "not built", or "stale: ..." (built from other sources)."""
    try:
        lines = (directory / "manifest").read_text(encoding="utf-8").splitlines()
    except OSError:
        return f"not built ({directory} has no manifest: make install builds it)"
    if not lines or lines[0] != FORMAT:
        return f"stale: {directory}/manifest is not one this version writes (make install rebuilds it)"
    changed = [name for name, size, mtime, sha in _sources(lines) if not _same(name, size, mtime, sha)]
    if changed:
        return f"stale: {', '.join(changed[:3])} changed since {directory} was built (make install rebuilds it)"
    return None


def _sources(lines: list[str]) -> list[tuple[str, int, int, str]]:
    out = []
    for line in lines:
        if line.startswith("source "):
            _, name, size, mtime, sha = line.split(" ")
            out.append((name, int(size), int(mtime), sha))
    return out


def _same(name: str, size: int, mtime: int, sha: str) -> bool:
    """Whether the core's file ``name`` is the one the manifest describes: the same size and
    mtime, or else the same sha256 (a file touched, or checked out again, unchanged)."""
    try:
        stat = (CORE / name).stat()
    except OSError:
        return False
    if (stat.st_size, stat.st_mtime_ns) == (size, mtime):
        return True
    return _sha256(CORE / name) == sha


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest() -> str:
    """The manifest of a build from the core as it is now: every ``.py`` of the core (the
    compiled modules and what they were type-checked against), the Python and mypy versions."""
    from mypy.version import __version__ as mypy_version

    lines = [FORMAT, f"python {sys.version.split()[0]}", f"mypy {mypy_version}", f"modules {' '.join(MODULES)}"]
    for path in sorted(CORE.rglob("*.py")):
        stat = path.stat()
        name = path.relative_to(CORE).as_posix()
        lines.append(f"source {name} {stat.st_size} {stat.st_mtime_ns} {_sha256(path)}")
    return "\n".join(lines) + "\n"


def _built_from(directory: Path, expected: str) -> bool:
    """Whether ``directory`` was built by the same Python and mypy from the same sources."""
    try:
        kept = (directory / "manifest").read_text(encoding="utf-8")
    except OSError:
        return False
    return _identity(kept) == _identity(expected)


def _identity(text: str) -> list[str]:
    """A manifest without the sizes and mtimes: a file touched since is still the same file."""
    out = []
    for line in text.splitlines():
        if line.startswith("source "):
            _, name, _size, _mtime, sha = line.split(" ")
            out.append(f"source {name} {sha}")
        else:
            out.append(line)
    return out


def build() -> int:
    """Compile ``MODULES`` with mypyc into ``build_directory()``, unless it is current."""
    import shutil
    import tempfile

    umask = os.umask(0)  # as the caller had it: Django's settings, read by mypy's plugin, make it 077
    os.umask(umask)
    target = build_directory()
    expected = manifest()
    if _built_from(target, expected):
        (target / "manifest").write_text(expected, encoding="utf-8")  # the sizes and mtimes of now
        print(f"sladesk.core: the compiled modules in {target} are current")
        return 0
    with tempfile.TemporaryDirectory(prefix="sladesk-compiled-") as tmp:
        work = Path(tmp)
        out = work / "out"
        log = work / "build.log"
        try:
            _compile(work, out, log)
        except (Exception, SystemExit) as exc:
            shutil.rmtree(target, ignore_errors=True)  # never leave a build of other sources behind
            tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
            print(
                f"{tail}\nsladesk.core: could not compile the core with mypyc ({type(exc).__name__}: {exc}); "
                "it runs as plain Python (slower: sla replay --batch misses its figure)",
                file=sys.stderr,
            )
            return 0  # the desk works without it; the tests say which core they ran
        (out / "manifest").write_text(expected, encoding="utf-8")
        _readable(out, umask)
        # Copied beside the target (the temporary directory may be another file system), then
        # swapped in by renames: a process starting meanwhile finds the old build, none (the
        # plain Python), or the new one, never a build half copied.
        new, old = (target.with_name(f"{target.name}.{what}-{os.getpid()}") for what in ("new", "old"))
        shutil.copytree(out, new)
        if target.exists():
            target.rename(old)
        new.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    print(f"sladesk.core: compiled {', '.join(MODULES)} with mypyc into {target}")
    return 0


def _readable(tree: Path, umask: int) -> None:
    """Modes as the umask says, as pip leaves what it installs (a temporary directory is the owner's only)."""
    for path in [tree, *tree.rglob("*")]:
        path.chmod((0o777 if path.is_dir() or path.suffix == ".so" else 0o666) & ~umask)


def _compile(work: Path, out: Path, log: Path) -> None:
    """mypyc's C for ``MODULES``, built by setuptools into ``out`` (its output in ``log``)."""
    import contextlib

    # Type-checked by the project's own mypy configuration (strict on the core); mypy names
    # the modules from their paths under src/.
    config = ["--config-file", str(CORE.parents[2] / "pyproject.toml")]
    paths = [str(CORE / f"{name}.py") for name in MODULES]
    with log.open("w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        import setuptools  # before mypyc.build, which then builds with it
        from mypyc.build import mypycify

        extensions = mypycify(
            [*config, *paths], opt_level="3", target_dir=str(work / "c"), group_name="sladesk.core.native"
        )
        setuptools.setup(
            name="sladesk-core-compiled",
            ext_modules=extensions,
            script_args=["build_ext", "--build-lib", str(out), "--build-temp", str(work / "temp")],
        )
    for name in MODULES:
        if not any((out / "sladesk" / "core").glob(f"{name}.*")):
            raise RuntimeError(f"no compiled module for sladesk.core.{name} in {out}")
