"""The rota's tests use the tickets' cast (Sam the supervisor, Ana a vendor agent, Pedro and
Otto partners' agents) and local instants (``at``)."""

from tests.tickets.conftest import Cast, at, cast

__all__ = ["Cast", "at", "cast"]
