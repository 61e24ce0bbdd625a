from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from openmentor.accounts.models import Profile
from openmentor.accounts.services import define_tag_synonym


def profile_post(**overrides: str) -> dict[str, str]:
    data = {
        "display_name": "Bob Mentee",
        "time_zone": "Asia/Kathmandu",
        "headline": "PhD candidate in hydrology",
        "country": "NP",
        "expertise": "Python,  Field  Work",
        "interests": "grant writing",
        "weekly_hours": "3",
        "visibility": "programs",
        "meeting_modes": "video",
        "lang-TOTAL_FORMS": "2",
        "lang-INITIAL_FORMS": "0",
        "lang-MIN_NUM_FORMS": "0",
        "lang-MAX_NUM_FORMS": "12",
        "lang-0-code": "ne",
        "lang-0-proficiency": "5",
        "lang-1-code": "en",
        "lang-1-proficiency": "4",
    }
    data.update(overrides)
    return data


def test_profile_edit_saves_normalised_tags_languages_and_zone(bob: Any, client_for) -> None:
    response = client_for(bob).post("/profile/", profile_post())
    assert response.status_code == 302
    bob.refresh_from_db()
    profile = Profile.objects.get(user=bob)
    assert bob.time_zone == "Asia/Kathmandu"
    assert profile.country.code == "NP"
    assert sorted(t.name for t in profile.expertise.all()) == ["field work", "python"]
    assert {lang.code: lang.proficiency for lang in profile.languages.all()} == {"ne": 5, "en": 4}
    assert profile.meeting_modes == ["video"]
    assert profile.is_complete


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"time_zone": "Mars/Olympus"}, "Select a valid choice."),
        ({"display_name": ""}, "This field is required."),
        ({"weekly_hours": "99"}, "less than or equal to 40"),
        ({"lang-1-code": "ne"}, "Each language only once, please."),
        ({"lang-0-code": "", "lang-1-code": ""}, "Add at least one language"),
        ({"country": "XX"}, "Select a valid choice."),
    ],
)
def test_bad_profile_input_is_explained_and_nothing_changes(
    bob: Any, client_for, overrides: dict[str, str], message: str
) -> None:
    response = client_for(bob).post("/profile/", profile_post(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    bob.refresh_from_db()
    assert bob.time_zone == "America/Sao_Paulo"
    assert not Profile.objects.get(user=bob).languages.exists()


def test_synonyms_map_what_people_type_onto_one_tag(bob: Any, carol: Any, client_for) -> None:
    client_for(carol).post("/profile/", profile_post(expertise="ML", display_name="Carol"))
    define_tag_synonym("ml", "Machine Learning", created_by=None)
    assert [t.name for t in Profile.objects.get(user=carol).expertise.all()] == ["machine learning"]
    client_for(bob).post("/profile/", profile_post(expertise="ml, machine learning"))
    assert [t.name for t in Profile.objects.get(user=bob).expertise.all()] == ["machine learning"]


def test_only_coordinators_curate_synonyms(program: Any, alice: Any, bob: Any, client_for) -> None:
    assert client_for(bob).get("/tags/synonyms/").status_code == 403
    response = client_for(alice).post(
        "/tags/synonyms/", {"alias": "stats", "canonical": "statistics"}
    )
    assert response.status_code == 302
    same = client_for(alice).post("/tags/synonyms/", {"alias": "stats", "canonical": "Stats"})
    assert same.status_code == 400


def _image_bytes(fmt: str = "PNG", size: tuple[int, int] = (1200, 800)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def test_photo_is_reencoded_and_shown_only_to_people_who_may_see_the_profile(
    program: Any, bob: Any, carol: Any, charlie: Any, client_for
) -> None:
    upload = SimpleUploadedFile("me.png", _image_bytes(), content_type="image/png")
    assert client_for(bob).post("/profile/photo/", {"photo": upload}).status_code == 302
    profile = Profile.objects.get(user=bob)
    with Image.open(profile.photo.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 512
    assert client_for(carol).get(f"/people/{bob.pk}/photo/").status_code == 200
    assert client_for(charlie).get(f"/people/{bob.pk}/photo/").status_code == 404
    assert Client().get(f"/people/{bob.pk}/photo/").status_code == 302


def test_a_file_that_is_not_an_image_is_refused(bob: Any, client_for) -> None:
    fake = SimpleUploadedFile("me.png", b"<?php echo 'hi'; ?>", content_type="image/png")
    response = client_for(bob).post("/profile/photo/", {"photo": fake}, follow=True)
    assert "not an image we can read" in response.content.decode()
    assert not Profile.objects.get(user=bob).photo


def test_profile_visibility_follows_shared_programs(
    program: Any,
    other_program: Any,
    bob: Any,
    carol: Any,
    charlie: Any,
    dave: Any,
    alice: Any,
    client_for,
) -> None:
    Profile.objects.filter(user=bob).update(accessibility_needs="Captions please")
    assert client_for(carol).get(f"/people/{bob.pk}/").status_code == 200
    assert client_for(charlie).get(f"/people/{bob.pk}/").status_code == 404
    assert client_for(dave).get(f"/people/{bob.pk}/").status_code == 404
    assert "Captions please" not in client_for(carol).get(f"/people/{bob.pk}/").content.decode()
    assert "Captions please" in client_for(alice).get(f"/people/{bob.pk}/").content.decode()
    assert "Captions please" in client_for(bob).get(f"/people/{bob.pk}/").content.decode()
    Profile.objects.filter(user=bob).update(visibility="community")
    assert client_for(charlie).get(f"/people/{bob.pk}/").status_code == 200


@pytest.mark.django_db
def test_the_admin_cannot_store_a_time_zone_that_does_not_exist(bob: Any) -> None:
    """ "GMT+6" typed in the admin made the coach, "their morning" and schedules fail."""
    from django.core.exceptions import ValidationError

    bob.time_zone = "GMT+6"
    with pytest.raises(ValidationError, match="is not a time zone we know"):
        bob.full_clean()


def test_language_names_are_listed_as_people_read_them() -> None:
    """A plain sort put "Árabe" and "Éwé" after "Zulu"."""
    from django.utils import translation

    from openmentor.accounts.selectors import language_choices

    with translation.override("pt"):
        names = [name for _code, name in language_choices()]
    assert names.index("Árabe") < names.index("Bengali") < names.index("Zulu")


def test_the_profile_page_says_what_matching_still_lacks(bob: Any, client_for) -> None:
    """A checklist said "profile done" while headline, expertise and goals were empty, and
    the page never said what was missing."""
    profile = bob.profile
    profile.headline, profile.bio = "", ""
    profile.save()
    profile.expertise.clear()
    profile.interests.clear()
    page = client_for(bob).get("/profile/").content.decode()
    assert "Still empty, and used to match you:" in page
    missing = page.split("Still empty, and used to match you:")[1].split("</p>")[0]
    assert "Headline" in missing and "About me" in missing and "Goals and interests" in missing
    profile.headline, profile.bio = "PhD student", "I study rivers."
    profile.save()
    from openmentor.accounts.models import ProfileLanguage, Tag

    profile.interests.add(Tag.objects.create(name="hydrology"))
    if not profile.languages.exists():
        ProfileLanguage.objects.create(profile=profile, code="en", proficiency=5)
    if not profile.country:
        profile.country = "BR"
        profile.save()
    assert (
        "Your profile has everything matching uses."
        in client_for(bob).get("/profile/").content.decode()
    )
