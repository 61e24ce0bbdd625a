"""An address has one live (not accepted, not revoked) invitation per program and role."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0003_invitations_can_be_revoked"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                models.F("program"),
                django.db.models.functions.text.Lower("email"),
                models.F("role"),
                condition=models.Q(("accepted_at__isnull", True), ("revoked_at__isnull", True)),
                name="one_live_invitation_per_address_and_role",
            ),
        ),
    ]
