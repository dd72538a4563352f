"""A Django project of its own for django-helpdesk, the ingestion peer of ``bench/ingest.py``.

Only configuration: ``settings`` (its own SQLite file and media folder under
``$HELPDESK_PEER_DIR``, teams off since pinax-teams is not installed, mail kept in memory)
and ``urls`` (helpdesk's URLs, which its emails link to). Run with
``DJANGO_SETTINGS_MODULE=bench.helpdesk_peer.settings``.
"""
