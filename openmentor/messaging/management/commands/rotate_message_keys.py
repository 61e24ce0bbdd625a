"""Re-encrypt every message body, earlier version and attachment with the newest key.

Put the new key first in OPENMENTOR_MESSAGE_KEYS (keep the old ones after it), run this
command, check with ``--check``, then remove the old keys. In embedded mode (no variable:
the keys are in ``var/message_key``) ``--new-key`` writes a new key in front of the old
ones there; restart the site, then run the command again to re-encrypt.

What no configured key opens (restored without its key) or whose file is missing is left
as it is and listed; everything else is still re-encrypted, and the command then fails, so
the old keys are not retired by a script that did not look."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from openmentor.messaging.crypto import (
    KEYS_ENV,
    cipher,
    configured_keys,
    reset_cipher,
    rotate_token,
)
from openmentor.messaging.models import Attachment, Message, MessageRevision

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt messages and attachments with the first key in OPENMENTOR_MESSAGE_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; count what is not yet on the first key, or opened by no key.",
        )
        parser.add_argument(
            "--new-key",
            action="store_true",
            help="Embedded mode: only put a new key in front of the old ones in var/message_key "
            "(restart the site, then run the command again to re-encrypt).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            # Only the key: the running site must restart to read with it before anything
            # is re-encrypted with it (as in production, where step 1 is a restart).
            self._add_embedded_key()
            return
        reset_cipher()
        self.problems: list[str] = []
        if options["check"]:
            self._check()
        else:
            counts = {
                "messages": self._rotate_rows(Message),
                "revisions": self._rotate_rows(MessageRevision),
                "attachments": self._rotate_files(),
            }
            done = ", ".join(f"{n} {kind}" for kind, n in counts.items())
            self.stdout.write(f"{done} re-encrypted")
        if self.problems:
            for problem in self.problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(self.problems)} item(s) above were left as they are: keep the old keys "
                "until they are dealt with (restore the missing files, or the key that opens them)."
            )

    def _add_embedded_key(self) -> None:
        if settings.PRODUCTION or os.environ.get(KEYS_ENV, "").strip():
            raise CommandError(
                f"--new-key is for embedded mode; with {KEYS_ENV} set, put the new key first "
                "in it on every process."
            )
        path = settings.VAR_DIR / "message_key"
        keys = [Fernet.generate_key().decode(), *configured_keys()]
        # The only copy of the keys: written aside, then moved over it in one step, so a
        # crash or a full disk leaves the old file whole.
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
        with os.fdopen(descriptor, "w") as handle:
            handle.write(",".join(keys))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
        self.stdout.write(
            f"A new key is first in {path} (the old ones stay after it). Restart the site "
            "(make run), then run this command without --new-key to re-encrypt."
        )

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
                rotated = []
                for row in rows:
                    try:
                        row.body_encrypted = rotate_token(row.body_encrypted)
                    except InvalidToken:
                        self.problems.append(f"{model.__name__} {row.pk}: no key opens it")
                        continue
                    rotated.append(row)
                model.objects.bulk_update(rotated, ["body_encrypted"])
            done += len(rotated)
            last = rows[-1].pk

    def _rotate_files(self) -> int:
        done = 0
        for attachment in Attachment.objects.order_by("pk").iterator():
            data = self._read(attachment)
            if data is None:
                continue
            try:
                rotated = cipher().rotate(data)
            except InvalidToken:
                self.problems.append(f"Attachment {attachment.pk}: no key opens its file")
                continue
            old_name = attachment.file.name
            attachment.file.save("upload.bin", ContentFile(rotated), save=True)
            attachment.file.storage.delete(old_name)
            done += 1
        return done

    def _read(self, attachment: Attachment) -> bytes | None:
        try:
            with attachment.file.open("rb") as handle:
                return bytes(handle.read())
        except OSError:
            self.problems.append(f"Attachment {attachment.pk}: file {attachment.file.name} missing")
            return None

    def _check(self) -> None:
        newest = Fernet(configured_keys()[0])
        on_old_keys = 0

        def look(kind: str, pk: int, token: bytes) -> None:
            nonlocal on_old_keys
            try:
                newest.decrypt(token)
            except InvalidToken:
                try:
                    cipher().decrypt(token)
                except InvalidToken:
                    self.problems.append(f"{kind} {pk}: no key opens it")
                else:
                    on_old_keys += 1

        for model in (Message, MessageRevision):
            for pk, body in model.objects.values_list("pk", "body_encrypted").iterator():
                if body:
                    look(model.__name__, pk, body.encode())
        for attachment in Attachment.objects.order_by("pk").iterator():
            data = self._read(attachment)
            if data is not None:
                look("Attachment", attachment.pk, data)
        self.stdout.write(f"{on_old_keys} item(s) still on an older key")
        if on_old_keys:
            self.problems.append(f"{on_old_keys} item(s) need this command run without --check")
