"""Invitations can be revoked. Inviting an address twice for a role made two live
invitations: the older ones are marked revoked (the newest link stays valid), so the
constraint of the next migration holds (a migration of its own: on PostgreSQL, rows
updated in a transaction cannot be followed by a change of the table in it)."""

from django.conf import settings
from django.db import migrations, models


def retire_older_duplicates(apps, schema_editor):
    Invitation = apps.get_model("programs", "Invitation")
    seen = set()
    live = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    for invitation in live.order_by("-created_at", "-id").iterator():
        key = (invitation.program_id, invitation.email.lower(), invitation.role)
        if key in seen:
            invitation.revoked_at = invitation.updated_at
            invitation.save(update_fields=["revoked_at"])
        else:
            seen.add(key)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0002_invitations_keep_the_language_they_were_written_in"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(retire_older_duplicates, migrations.RunPython.noop),
    ]
