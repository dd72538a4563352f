"""Where email goes without a relay: one ``.eml`` file per message in a folder (by default
``SLADESK_DATA_DIR/outbox/``), written whole then renamed, so a reader never sees half."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone


class EmlFolderBackend(BaseEmailBackend):
    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            tmp = self.folder / f".{name}.tmp"
            with tmp.open("wb") as out:
                out.write(message.message().as_bytes())
                out.flush()
                os.fsync(out.fileno())
            tmp.rename(self.folder / name)
        return len(email_messages)
