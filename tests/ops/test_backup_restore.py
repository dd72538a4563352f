"""The README's backup and restore, run as written: a desk (SQLite) with a ticket that came by
email with an attachment, backed up, restored into a fresh data directory, shows the same
ticket and holds the same files, private to their owner."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path

from tests.conftest import ROOT, run_sladesk

SETUP = """
from datetime import date
from sladesk.directory.models import Contract, Customer, Person
acme = Customer.objects.create(code="acme", name="ACME")
Contract.objects.create(customer=acme, support_seats=1, starts_on=date(2020, 1, 1))
Person.objects.create(customer=acme, name="Alice", email="alice@acme.example", role="gestor", support_seat=True)
"""
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def readme_block(title: str) -> str:
    """The README's ```sh block that starts with the comment ``# <title>``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    production = text.split("## Production", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", production, re.DOTALL)
    found = [b for b in blocks if b.startswith(f"# {title}\n")]
    assert len(found) == 1, f"the README's Production section has no single '# {title}' block"
    return found[0]


def run_block(title: str, env: dict[str, str]) -> None:
    """The block in bash from the checkout, as an operator's shell runs it: the usual umask
    (022, the block sets its own), none of the test run's desk settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLADESK_", "DATABASE_URL"))}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", f"umask 022\n{readme_block(title)}"],
        cwd=ROOT, env={**clean, **env}, capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()


def email() -> bytes:
    m = EmailMessage()
    m["From"] = "Alice <alice@acme.example>"
    m["To"] = "suporte@sladesk.example"
    m["Subject"] = "Relatório não abre"
    m["Message-ID"] = "<r1@acme.example>"
    m.set_content("O relatório de vendas dá erro 500 desde ontem. Usuário afetado: Alice, loja Centro.")
    m.add_attachment(PDF, maintype="application", subtype="pdf", filename="erro.pdf")
    return bytes(m)


RAW_SHA = (
    "import hashlib; from sladesk.intake.models import InboundMail; "
    "print(hashlib.sha256(InboundMail.objects.get().raw_bytes()).hexdigest())"
)


def desk(data: Path, *args: str, stdin: bytes | None = None) -> str:
    result = run_sladesk(*args, stdin=stdin, env={"SLADESK_DATA_DIR": str(data), "DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def files(root: Path) -> dict[str, str]:
    """Every file under ``root`` but the database and the static folder, by its sha256."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith("sladesk.sqlite3") and "static" not in p.parts
    }


def test_a_backup_restored_into_a_fresh_directory_is_the_same_desk(tmp_path: Path) -> None:
    data, backup, restored = tmp_path / "desk", tmp_path / "backup", tmp_path / "restored"
    desk(data, "migrate", "-v0")
    desk(data, "manage", "shell", "-c", SETUP)
    desk(data, "staff", "add", "ana@vendor.example", "--name", "Ana", "--role", "agent")
    number = str(json.loads(desk(data, "ingest", "-", stdin=email()))["ticket"])
    desk(data, "tickets", "act", number, "--as", "ana@vendor.example", "start")
    desk(data, "tickets", "act", number, "--as", "ana@vendor.example", "resolve", "Relatório corrigido.")
    before = json.loads(desk(data, "tickets", "show", number, "--json"))
    assert before["attachments"] == [{"name": "erro.pdf", "size": len(PDF), "content_type": "application/pdf"}]
    kept = files(data)
    assert any(name.startswith("attachments/") for name in kept)
    raw = desk(data, "manage", "shell", "-c", RAW_SHA)  # the email as received: in its row (the database)
    assert "secret_key" in kept

    run_block("back up", {"SLADESK_DATA_DIR": str(data), "BACKUP": str(backup)})
    assert sorted(p.name for p in backup.iterdir()) == ["data.tar.gz", "database.sqlite3"]
    assert all(p.stat().st_mode & 0o077 == 0 for p in [backup, *backup.iterdir()])
    shutil.rmtree(data)  # the restore owes nothing to the desk it came from

    run_block("restore", {"SLADESK_DATA_DIR": str(restored), "BACKUP": str(backup)})
    after = json.loads(desk(restored, "tickets", "show", number, "--json"))
    assert after == before
    assert after["status"] == "resolved"
    assert files(restored) == kept
    assert desk(restored, "manage", "shell", "-c", RAW_SHA) == raw and len(raw.split()[-1]) == 64
    for path in [restored, *restored.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path
