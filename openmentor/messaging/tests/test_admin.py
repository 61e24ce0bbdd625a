"""The admin shows messaging's and mentorships' records and cannot be used to read a
conversation: before, staff could turn a pair's conversation into their own support thread
(or add themselves to the mentorship) and read every message, with no audit entry."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import make_person
from openmentor.mentorships.models import MentorshipParticipant
from openmentor.messaging import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db: None) -> Any:
    person = make_person("root@example.org", "Site Admin")
    person.is_staff = person.is_superuser = True
    person.save(update_fields=["is_staff", "is_superuser"])
    return person


def test_staff_cannot_repoint_a_conversation_to_read_it(
    conversation: Any, bob: Any, staff: Any, client_for: Any
) -> None:
    services.send_message(bob, conversation, body="Only for Carol", client_id="b1")
    admin = client_for(staff)
    url = f"/admin/messaging/conversation/{conversation.pk}/change/"
    assert admin.get(url).status_code == 200  # shown
    changed = admin.post(
        url, {"kind": "support", "program": conversation.program_id, "support_for": staff.pk}
    )
    assert changed.status_code == 403
    conversation.refresh_from_db()
    assert conversation.kind == "mentorship" and conversation.support_for_id is None
    messages_api = f"/api/v1/messaging/conversations/{conversation.pk}/messages"
    assert admin.get(messages_api).status_code == 404


def test_staff_cannot_add_themselves_to_a_mentorship(
    conversation: Any, staff: Any, client_for: Any
) -> None:
    mentorship = conversation.mentorship
    url = f"/admin/mentorships/mentorship/{mentorship.pk}/change/"
    shown = client_for(staff).get(url)
    assert shown.status_code == 200
    # Nor made here (with no program it failed with a 500): matching and coordinators do.
    assert client_for(staff).get("/admin/mentorships/mentorship/add/").status_code == 403
    # The form as shown, saved with one more participant row: staff as the mentor.
    form = shown.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    for formset in shown.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        prefix = formset.formset.prefix
        data.update({f"{prefix}-{k}": v for k, v in management.initial.items()})
        for row in formset.formset.forms:
            data.update({f"{row.prefix}-{k}": v for k, v in row.initial.items()})
            data[f"{row.prefix}-id"] = row.instance.pk
    data.update(
        {
            "participants-TOTAL_FORMS": str(int(data["participants-TOTAL_FORMS"]) + 1),
            f"participants-{data['participants-INITIAL_FORMS']}-user": staff.pk,
            f"participants-{data['participants-INITIAL_FORMS']}-role": "mentor",
        }
    )
    data["status"] = "ended"  # nor reopen or close it here (shown, not a field)
    assert client_for(staff).post(url, data).status_code == 302  # the form itself saved
    assert not MentorshipParticipant.objects.filter(mentorship=mentorship, user=staff).exists()
    mentorship.refresh_from_db()
    assert mentorship.status == "active"
