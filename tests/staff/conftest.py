"""Staff tests use the desk's personas (tests/tickets/conftest.py)."""

from tests.tickets.conftest import cast

__all__ = ["cast"]
