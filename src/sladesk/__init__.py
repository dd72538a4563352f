"""sladesk: a technical-support desk for a SaaS vendor that lives by its SLAs."""

__version__ = "0.1.0"
