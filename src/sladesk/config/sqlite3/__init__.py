"""Django's SQLite backend, with its placeholder conversion kept per statement (``base.py``)."""
