"""The pure core never imports Django, directly or through what it imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "src" / "sladesk" / "core"


def test_it_has_no_django_import_statement() -> None:
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "django"]
    assert offenders == []


def test_it_loads_and_evaluates_without_loading_django() -> None:
    code = (
        "import sys, json;"
        "from sladesk.core.policy import load_default_policy;"
        "from sladesk.core.replay import replay_one;"
        "p = load_default_policy();"
        "replay_one(p, {'received_at': '2027-03-01T10:00:00-03:00', 'channel': 'email',"
        " 'now': '2027-03-01T11:00:00-03:00'});"
        "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
