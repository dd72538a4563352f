"""A real Dovecot IMAP server on loopback for the tests (Debian's ``dovecot-imapd``, which
``make test`` installs): ``dovecot -F -c <tmp>/dovecot.conf``, one user from a passwd file,
mail in a Maildir under the temporary folder, plaintext login without TLS (loopback only).

Run as root (CI, this machine), the master and its helpers stay root, the login processes
run as Debian's ``dovenull`` (Dovecot refuses root there) and the mail as ``nobody``
(Dovecot refuses uid 0 for mail); run as anyone else, everything runs as that user."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

USER = "suporte"
PASSWORD = "s3nha com/barra@%#?"  # percent-encoded in the URL: the poller decodes it

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = {mail_uid}
last_valid_uid = {mail_uid}
mail_uid = {mail_uid}
mail_gid = {mail_gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen[bytes]

    def url(self, folder: str = "INBOX", query: str = "") -> str:
        """The SLADESK_IMAP_URL of this server's mailbox."""
        user, password = quote(USER, safe=""), quote(PASSWORD, safe="")
        return f"imap://{user}:{password}@127.0.0.1:{self.port}/{folder}" + (f"?{query}" if query else "")

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(USER, PASSWORD)
        return imap

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        """Into the mailbox by IMAP APPEND, unseen, as an MTA's delivery would leave them."""
        with self.client() as imap:
            for raw in messages:
                typ, data = imap.append(folder, None, None, raw)
                assert typ == "OK", data

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """Each message of the folder (by UID) and its flags."""
        with self.client() as imap:
            typ, data = imap.select(f'"{folder}"', readonly=True)
            assert typ == "OK", data
            typ, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            found: dict[int, set[str]] = {}
            for line in data:
                if not isinstance(line, bytes):
                    continue
                text = line.decode()
                uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
                found[uid] = set(text.split("FLAGS (", 1)[1].split(")", 1)[0].split())
            return found

    def uidvalidity(self, folder: str = "INBOX") -> str:
        with self.client() as imap:
            imap.select(f'"{folder}"', readonly=True)
            return imap.response("UIDVALIDITY")[1][0].decode()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _binary() -> str:
    found = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    if not found:
        pytest.fail("Dovecot is not installed (Debian's dovecot-imapd): `make test` installs it")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _users(root: Path) -> dict[str, object]:
    """Who runs what: see the module's docstring."""
    me = pwd.getpwuid(os.geteuid())
    if me.pw_uid != 0:
        group = grp.getgrgid(me.pw_gid).gr_name
        return {"internal": me.pw_name, "internal_group": group, "login": me.pw_name, "mail_uid": me.pw_uid,
                "mail_gid": me.pw_gid}  # fmt: skip
    nobody = pwd.getpwnam("nobody")
    for folder in (root / "mail", root / "home"):
        os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    return {"internal": "root", "internal_group": "root", "login": "dovenull", "mail_uid": nobody.pw_uid,
            "mail_gid": nobody.pw_gid}  # fmt: skip


@contextmanager
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot on a free loopback port in a temporary folder, both gone on the way out.

    Not pytest's tmp_path: its parents are private to root, and the mail user must reach
    its Maildir."""
    binary = _binary()
    root = Path(tempfile.mkdtemp(prefix="sladesk-dovecot-"))
    root.chmod(0o755)
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir(exist_ok=True)
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, **_users(root)))
    process = subprocess.Popen([binary, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    server = Dovecot(root, port, process)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(server: Dovecot) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            output = server.process.stdout.read().decode(errors="replace") if server.process.stdout else ""
            pytest.fail(f"dovecot exited with {server.process.returncode}:\n{output}\n{server.log()}")
        try:
            server.client().logout()
            return
        except (OSError, imaplib.IMAP4.error):
            time.sleep(0.1)
    pytest.fail(f"dovecot did not answer on 127.0.0.1:{server.port}:\n{server.log()}")
