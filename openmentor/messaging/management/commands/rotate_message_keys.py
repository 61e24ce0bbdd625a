"""Re-encrypt every message body, earlier version and attachment with the newest key.

Put the new key first in OPENMENTOR_MESSAGE_KEYS (keep the old ones after it), run this
command, then remove the old keys."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction

from openmentor.messaging.crypto import cipher, reset_cipher, rotate_token
from openmentor.messaging.models import Attachment, Message, MessageRevision

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt messages and attachments with the first key in OPENMENTOR_MESSAGE_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        reset_cipher()
        counts = {
            "messages": self._rotate_rows(Message),
            "revisions": self._rotate_rows(MessageRevision),
            "attachments": self._rotate_files(),
        }
        self.stdout.write(", ".join(f"{n} {kind}" for kind, n in counts.items()) + " re-encrypted")

    def _rotate_rows(self, model: Any) -> int:
        done = 0
        last = 0
        while True:
            with transaction.atomic():
                rows = list(
                    model.objects.select_for_update().filter(pk__gt=last).order_by("pk")[:BATCH]
                )
                if not rows:
                    return done
                for row in rows:
                    row.body_encrypted = rotate_token(row.body_encrypted)
                model.objects.bulk_update(rows, ["body_encrypted"])
            done += len(rows)
            last = rows[-1].pk

    def _rotate_files(self) -> int:
        done = 0
        for attachment in Attachment.objects.order_by("pk").iterator():
            with attachment.file.open("rb") as handle:
                rotated = cipher().rotate(handle.read())
            old_name = attachment.file.name
            attachment.file.save("upload.bin", ContentFile(rotated), save=True)
            attachment.file.storage.delete(old_name)
            done += 1
        return done
