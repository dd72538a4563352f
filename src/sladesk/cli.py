"""``sladesk``: the single entry point for users and operators.

Commands that need no database (``policy``, ``sla``) never import Django, so
they start fast. Every other command is a Django management command of the
same name (``sladesk tickets act ...`` runs ``tickets``), so operators have
one tool, and ``sladesk manage ...`` reaches the rest of Django's commands.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# Exit codes: 0 fine, 1 the input or the request was refused, 2 usage.
EXIT_INVALID = 1

PURE = ("policy", "sla")
DJANGO_HELP = {
    "up": "start the whole desk (migrate, demo data on first run, web, worker, SMTP listener)",
    "migrate": "create or update the database tables",
    "worker": "run the background worker (SLA sweeps, outbox, IMAP poll)",
    "smtpd": "receive email by SMTP for the support addresses",
    "imap-poll": "process the unseen messages of the SLADESK_IMAP_URL folder",
    "directory": "import or export customers, contracts and people (CSV)",
    "staff": "create or update staff accounts",
    "tickets": "create, act on, show and list tickets",
    "demo": "fill the database with demo data",
    "manage": "any other Django management command",
}
# Command names with a hyphen, and the Django command (a module name) each one runs.
ALIASES = {"imap-poll": "imap_poll"}
# Actions of the Django-free commands that need the database: the Django command each runs.
ROUTED = {("policy", "publish"): "policy_publish", ("sla", "recompute"): "sla_recompute"}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    routed = ROUTED.get((args[0], args[1])) if len(args) >= 2 else None
    if routed:
        return _django([routed, *args[2:]])
    if args and args[0] not in PURE and args[0] not in ("-h", "--help"):
        return _django(args)
    parser = _parser()
    ns = parser.parse_args(args)
    if not hasattr(ns, "func"):
        parser.print_help()
        return 2
    result: int = ns.func(ns)
    return result


def _parser() -> argparse.ArgumentParser:
    epilog = "\n".join(f"  {name:<10} {text}" for name, text in DJANGO_HELP.items())
    parser = argparse.ArgumentParser(
        prog="sladesk",
        description="sladesk: a technical-support desk that lives by its SLAs.",
        epilog=f"commands that use the database (sladesk COMMAND --help):\n{epilog}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(title="commands that need no database", metavar="COMMAND")

    policy = sub.add_parser("policy", help="show or check a policy file").add_subparsers(metavar="ACTION")
    show = policy.add_parser("show", help="print the policy in force (SLADESK_POLICY or the default)")
    show.add_argument("--policy", metavar="FILE", help="show this file instead (validated first)")
    show.add_argument("--default", action="store_true", help="print the default policy shipped with sladesk")
    show.set_defaults(func=_policy_show)
    check = policy.add_parser("check", help="validate a policy file; exit 1 and list every problem if invalid")
    check.add_argument("file", metavar="FILE")
    check.set_defaults(func=_policy_check)
    # Listed here for --help; main() hands them to their Django command (they use the database).
    policy.add_parser("publish", help="put a policy file in force as a new version, announced to the Gestores")

    sla = sub.add_parser("sla", help="the SLA engine").add_subparsers(metavar="ACTION")
    replay = sla.add_parser("replay", help="evaluate a ticket timeline (JSON) as of its 'now'")
    replay.add_argument("--policy", metavar="FILE", help="policy file (default: SLADESK_POLICY or the default policy)")
    replay.add_argument("--batch", action="store_true", help="JSON Lines in, JSON Lines out, same order")
    replay.add_argument("file", metavar="FILE", help="input file, or - for standard input")
    replay.set_defaults(func=_sla_replay)
    sla.add_parser("recompute", help="move the open deadlines the calendars in force change (--dry-run)")
    return parser


def _fail(message: str) -> int:
    print(f"sladesk: {message}", file=sys.stderr)
    return EXIT_INVALID


def _load_policy(path: str | None):  # type: ignore[no-untyped-def]
    from sladesk.core.policy import load_default_policy, load_policy_file

    path = path or os.environ.get("SLADESK_POLICY") or None
    return load_policy_file(path) if path else load_default_policy()


def _policy_show(ns: argparse.Namespace) -> int:
    from sladesk.core.policy import PolicyError, default_policy_text

    if ns.default:
        sys.stdout.write(default_policy_text())
        return 0
    try:
        policy = _load_policy(ns.policy)
    except PolicyError as exc:
        return _fail(str(exc))
    sys.stdout.write(policy.source)
    return 0


def _policy_check(ns: argparse.Namespace) -> int:
    from sladesk.core.policy import PolicyError, load_policy_file

    try:
        policy = load_policy_file(ns.file)
    except PolicyError as exc:
        return _fail(str(exc))
    print(
        f"{ns.file}: valid policy, version {policy.version}: "
        f"{len(policy.metrics)} metrics ({', '.join(policy.metrics)}), "
        f"{len(policy.calendars)} calendars ({', '.join(policy.calendars)}), "
        f"priorities {', '.join(policy.priorities)} (default {policy.default_priority})"
    )
    return 0


def _sla_replay(ns: argparse.Namespace) -> int:
    import orjson

    from sladesk.core.policy import PolicyError
    from sladesk.core.replay import ReplayInputError, replay_lines, replay_one

    try:
        policy = _load_policy(ns.policy)
    except PolicyError as exc:
        return _fail(str(exc))
    try:
        stream = sys.stdin.buffer if ns.file == "-" else Path(ns.file).open("rb")  # noqa: SIM115
    except OSError as exc:
        return _fail(f"{ns.file}: {exc.strerror}")
    with stream:
        if ns.batch:
            return _replay_batch(policy, stream, replay_lines)
        data = stream.read()
    try:
        result = replay_one(policy, orjson.loads(data))
    except orjson.JSONDecodeError as exc:
        return _fail(f"{ns.file}: not valid JSON ({exc})")
    except ReplayInputError as exc:
        return _fail(f"{ns.file}: {exc}")
    sys.stdout.buffer.write(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    return 0


def _replay_batch(policy, stream, replay_lines) -> int:  # type: ignore[no-untyped-def]
    out = sys.stdout.buffer
    errors = 0
    chunk: list[bytes] = []
    for line, error in replay_lines(policy, stream):
        chunk.append(line)
        if error:
            errors += 1
            print(f"sladesk: {error}", file=sys.stderr)
        if len(chunk) >= 256:  # a few hundred KB: written while still in the CPU's cache
            out.write(b"\n".join(chunk) + b"\n")
            chunk.clear()
    if chunk:
        out.write(b"\n".join(chunk) + b"\n")
    out.flush()
    if errors:
        return _fail(f"{errors} line(s) could not be replayed (each has an 'error' object in its place)")
    return 0


def _django(args: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.config.settings")
    from sladesk.config.env import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        return _fail(str(exc))
    from django.core.management import execute_from_command_line

    if args[0] == "manage":
        args = args[1:]
    if args:
        args[0] = ALIASES.get(args[0], args[0])
    try:
        execute_from_command_line(["sladesk", *args])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_INVALID)
    return 0


if __name__ == "__main__":
    sys.exit(main())
