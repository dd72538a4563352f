from tests.tickets.conftest import cast

__all__ = ["cast"]
