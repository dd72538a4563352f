"""`sladesk up` refuses a port another desk or program holds, and the data directory is its
owner's alone: new files are created private, old ones are made private at start (and said)."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sladesk.ops import datadir, supervisor
from tests.conftest import run_sladesk


@pytest.fixture
def listening() -> Iterator[int]:
    """A port with something listening on it (and answering nothing)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.fixture
def other_desk() -> Iterator[int]:
    """A port where another desk answers /healthz, as the one `sladesk up` used to take for its own."""

    class Healthy(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def up(data: Path, port: int) -> tuple[int, str, str]:
    env = {"SLADESK_DATA_DIR": str(data), "DATABASE_URL": ""}
    result = run_sladesk("up", "--no-demo", "--port", str(port), "--web-workers", "1", env=env)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def test_it_refuses_a_port_where_something_listens(tmp_path: Path, listening: int) -> None:
    code, out, err = up(tmp_path, listening)
    assert code == 1
    assert f"nothing started: port {listening} on 127.0.0.1 is already in use" in err
    assert "choose another port (--port N or SLADESK_PORT)" in err
    assert "listening on" not in out
    assert "Traceback" not in err


def test_it_refuses_a_port_where_another_desk_answers_healthz(tmp_path: Path, other_desk: int) -> None:
    code, out, err = up(tmp_path, other_desk)
    assert code == 1
    assert f"port {other_desk} on 127.0.0.1 is already in use (another desk or program listens there)" in err
    assert "sladesk is listening" not in out


def test_a_free_port_is_free_even_just_after_a_desk_used_it() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    assert supervisor.port_taken("127.0.0.1", port) is None
    assert "is not an address of this machine" in (supervisor.port_taken("no-such-host.invalid", port) or "")


def test_it_says_which_files_it_made_private_at_start(tmp_path: Path, listening: int) -> None:
    data = tmp_path / "desk"
    (data / "outbox").mkdir(parents=True)
    (data / "mail" / "2027").mkdir(parents=True)
    files = {"sladesk.sqlite3": 0o644, "secret_key": 0o644, "outbox/1.eml": 0o664, "mail/2027/raw.eml": 0o600}
    for name, mode in files.items():
        (data / name).write_text("x")
        (data / name).chmod(mode)
    for folder in (data, data / "outbox", data / "mail", data / "mail" / "2027"):
        folder.chmod(0o755)
    (data / "mail" / "2027").chmod(0o700)

    code, out, _ = up(data, listening)  # the port is taken: it stops after fixing, before starting
    assert code == 1
    assert f"{data}: made private to its owner (directories 0700, files 0600): " in out
    named = out.split("files 0600): ", 1)[1].splitlines()[0].split(", ")
    assert sorted(named) == sorted(["the directory itself", "outbox", "mail", "sladesk.sqlite3", "secret_key",
                                    "outbox/1.eml"])  # fmt: skip
    for path in [data, *data.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path

    code, out, _ = up(data, listening)
    assert "made private" not in out  # nothing left to fix: nothing said


def test_it_names_a_few_and_counts_the_rest(tmp_path: Path) -> None:
    for i in range(20):
        (tmp_path / f"f{i:02}").write_text("x")
        (tmp_path / f"f{i:02}").chmod(0o644)
    tmp_path.chmod(0o700)
    fixed, problems = datadir.make_private(tmp_path)
    assert (len(fixed), problems) == (20, [])
    line = datadir.describe(tmp_path, fixed)
    assert line.endswith("files 0600): f00, f01, f02, f03, f04, f05, f06, f07 and 12 more")


def test_it_leaves_symbolic_links_and_what_they_point_to_alone(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.write_text("x")
    outside.chmod(0o644)
    data = tmp_path / "desk"
    data.mkdir(mode=0o700)
    (data / "link").symlink_to(outside)
    assert datadir.make_private(data) == ([], [])
    assert outside.stat().st_mode & 0o777 == 0o644


def test_what_the_desk_writes_is_private_from_the_start(tmp_path: Path) -> None:
    data = tmp_path / "desk"
    env = {"SLADESK_DATA_DIR": str(data), "DATABASE_URL": ""}
    assert run_sladesk("migrate", "-v0", env=env).returncode == 0
    mail = "from django.core.mail import send_mail; send_mail('Oi', 'Corpo', 'a@x.example', ['b@y.example'])"
    result = run_sladesk("manage", "shell", "-c", mail, env=env)
    assert result.returncode == 0, result.stderr.decode()
    written = [data, *data.rglob("*")]
    assert {p.name for p in written} >= {"sladesk.sqlite3", "secret_key", "outbox"}
    assert any(p.suffix == ".eml" for p in written)
    for path in written:
        expected = 0o700 if path.is_dir() else 0o600
        assert path.stat().st_mode & 0o777 == expected, (path, oct(path.stat().st_mode))
