"""The rota's tests use the suite's one cast: the tickets' (``cast``: Sam the supervisor, Ana
a vendor agent, Pedro and Otto partners' agents, with local instants from ``at``) and the
desk's (``world``: the same staff, logging in; Walter without a staff profile)."""

from tests.tickets.conftest import Cast, at, cast
from tests.web.conftest import World, portuguese, world

__all__ = ["Cast", "World", "at", "cast", "portuguese", "world"]
