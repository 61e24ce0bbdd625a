"""Mentorships made without a title were shown as "Mentorship #12": they take the names of
their people, as new ones do (``create_mentorship``)."""

from django.db import migrations

ROLE_ORDER = {"mentor": 0, "mentee": 1, "peer": 2}


def name_after_people(apps, schema_editor):  # type: ignore[no-untyped-def]
    from openmentor.mentorships.models import title_from_names

    Mentorship = apps.get_model("mentorships", "Mentorship")
    for mentorship in Mentorship.objects.filter(title="").prefetch_related("participants__user"):
        people = sorted(
            mentorship.participants.all(), key=lambda p: (ROLE_ORDER.get(p.role, 3), p.pk)
        )
        names = [p.user.display_name or p.user.email.split("@")[0] for p in people]
        if names:
            mentorship.title = title_from_names(names)
            mentorship.save(update_fields=["title"])


class Migration(migrations.Migration):
    dependencies = [("mentorships", "0004_former_participants_keep_their_part")]

    operations = [migrations.RunPython(name_after_people, migrations.RunPython.noop)]
