"""Email intake: bytes in (SMTP listener, IMAP poller, ``sladesk ingest``), one outcome out."""
