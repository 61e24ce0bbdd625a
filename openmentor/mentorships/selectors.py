"""Reads for mentorships, with the permission questions every page and endpoint asks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Model, Prefetch, Q, QuerySet, Sum

from openmentor.accounts.models import User
from openmentor.programs.selectors import is_coordinator

from .models import (
    OPEN_STATUSES,
    AgreementVersion,
    Credential,
    FormerParticipant,
    Goal,
    GoalComment,
    Mentorship,
    MentorshipParticipant,
    Note,
    ParticipantRole,
    Reflection,
    SessionLog,
)


def mentorships_for_user(user_id: int, *, open_only: bool = True) -> QuerySet[Mentorship]:
    qs = Mentorship.objects.filter(participants__user_id=user_id)
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    return (
        qs.select_related("program")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=MentorshipParticipant.objects.select_related("user"),
            )
        )
        .distinct()
    )


def is_participant(mentorship_id: int, user_id: int) -> bool:
    return MentorshipParticipant.objects.filter(
        mentorship_id=mentorship_id, user_id=user_id
    ).exists()


def participation(mentorship: Mentorship, user: User) -> MentorshipParticipant | None:
    if not user.is_authenticated:
        return None
    return MentorshipParticipant.objects.filter(mentorship=mentorship, user=user).first()


def departure(mentorship_id: int, user_id: int) -> FormerParticipant | None:
    """How the person left a group that went on without them; None for everyone else,
    and for someone who was added back (a current participant reads it all)."""
    if is_participant(mentorship_id, user_id):
        return None
    return (
        FormerParticipant.objects.filter(mentorship_id=mentorship_id, user_id=user_id)
        .select_related("mentorship__program")
        .first()
    )


def goal_left_behind(goal_id: int, user_id: int) -> int | None:
    """The mentorship of this goal if the person left it (None otherwise): a link from
    before they left leads to what they keep."""
    mentorship_id = Goal.objects.filter(pk=goal_id).values_list("mentorship_id", flat=True).first()
    if mentorship_id is None or departure(mentorship_id, user_id) is None:
        return None
    return mentorship_id


def departures_of(user_id: int) -> QuerySet[FormerParticipant]:
    """The groups the person left, newest first (not those they were added back to)."""
    return (
        FormerParticipant.objects.filter(user_id=user_id)
        .exclude(
            mentorship_id__in=MentorshipParticipant.objects.filter(user_id=user_id).values(
                "mentorship_id"
            )
        )
        .select_related("mentorship__program")
        .order_by("-left_at")
    )


def people_when_left(left: FormerParticipant) -> list[User]:
    """Who else was in the group when the person left: those still in it who had joined by
    then, and those who left after them."""
    stayed = MentorshipParticipant.objects.filter(
        mentorship_id=left.mentorship_id, joined_at__lte=left.left_at
    ).values_list("user_id", flat=True)
    went_later = FormerParticipant.objects.filter(
        mentorship_id=left.mentorship_id, joined_at__lte=left.left_at, left_at__gt=left.left_at
    ).values_list("user_id", flat=True)
    return list(
        User.objects.filter(Q(pk__in=stayed) | Q(pk__in=went_later))
        .exclude(pk=left.user_id)
        .order_by("display_name")
    )


def left_group_title(left: FormerParticipant) -> str:
    """The group as the person knew it: the others' names, as its live thread is titled."""
    return ", ".join(str(person) for person in people_when_left(left)) or str(left.mentorship)


@dataclass(frozen=True)
class KeptRecord:
    """What someone who left a group keeps reading: their own goals, and the sessions and
    notes (shared ones and their own) from before they left."""

    goals: list[Goal]
    sessions: list[SessionLog]
    notes: list[Note]


def kept_record(left: FormerParticipant) -> KeptRecord:
    mentorship, user = left.mentorship, left.user_id
    before_leaving = Q(created_at__lte=left.left_at)
    return KeptRecord(
        goals=list(
            mentorship.goals.filter(owner_id=user).prefetch_related(
                "milestones",
                "action_items__assignee",
                Prefetch(
                    "comments",
                    queryset=GoalComment.objects.filter(before_leaving).select_related("author"),
                ),
            )
        ),
        sessions=list(mentorship.sessions.filter(before_leaving)),
        notes=list(
            mentorship.notes.filter(before_leaving)
            .filter(Q(is_private=False) | Q(author_id=user))
            .select_related("author", "session")
            .order_by("-created_at")
        ),
    )


def can_oversee(user: User, mentorship: Mentorship) -> bool:
    """Coordinators of the program see the relationship's metadata, never its content."""
    return user.is_authenticated and is_coordinator(user, mentorship.program)


def open_circle_led_by(program_id: int, mentor_id: int, room_for: int) -> Mentorship | None:
    """The mentor's open circle in this program (two or more mentees) with room for
    ``room_for`` more within the program's largest circle (the latest, if several), or
    None. Never a pair: newcomers read a group's conversation from its start, and a one-to-
    one's was said between two people."""
    led = MentorshipParticipant.objects.filter(
        user_id=mentor_id, role=ParticipantRole.MENTOR
    ).values("mentorship_id")
    return (
        Mentorship.objects.filter(program_id=program_id, status__in=OPEN_STATUSES, pk__in=led)
        .annotate(
            mentees=Count("participants", filter=Q(participants__role=ParticipantRole.MENTEE))
        )
        .filter(mentees__gte=2, mentees__lte=F("program__max_group_size") - room_for)
        .order_by("-created_at", "-pk")
        .first()
    )


def guides(user_id: int, mentorship: Mentorship) -> bool:
    """Whether this person mentors in it (a mentor, or a peer), from its prefetched people."""
    return any(
        p.user_id == user_id and p.role in (ParticipantRole.MENTOR, ParticipantRole.PEER)
        for p in mentorship.participants.all()
    )


def participants(mentorship: Mentorship) -> list[MentorshipParticipant]:
    return list(mentorship.participants.select_related("user", "user__profile").order_by("role"))


def variant(mentorship: Mentorship) -> str:
    """one_to_one, circle (more than one mentor or mentee) or peer."""
    roles = [p.role for p in mentorship.participants.all()]
    if ParticipantRole.PEER in roles:
        return "peer"
    return "one_to_one" if len(roles) <= 2 else "circle"


def current_agreement(mentorship: Mentorship) -> AgreementVersion | None:
    return (
        mentorship.agreement_versions.prefetch_related("confirmations").order_by("-number").first()
    )


def agreement_history(mentorship: Mentorship) -> QuerySet[AgreementVersion]:
    return mentorship.agreement_versions.select_related("created_by").prefetch_related(
        "confirmations"
    )


def has_confirmed(version: AgreementVersion | None, user: User) -> bool:
    return version is not None and any(c.user_id == user.pk for c in version.confirmations.all())


def all_confirmed(mentorship: Mentorship, version: AgreementVersion | None) -> bool:
    if version is None:
        return False
    confirmed = {c.user_id for c in version.confirmations.all()}
    return set(mentorship.participants.values_list("user_id", flat=True)) <= confirmed


def goals(mentorship: Mentorship, owner: User | None = None) -> QuerySet[Goal]:
    qs = mentorship.goals.select_related("owner").prefetch_related(
        "milestones", "action_items__assignee", "comments__author"
    )
    return qs.filter(owner=owner) if owner is not None else qs


def sessions(mentorship: Mentorship) -> QuerySet[SessionLog]:
    return mentorship.sessions.prefetch_related("ratings")


def notes_visible_to(mentorship: Mentorship, user: User) -> QuerySet[Note]:
    """Shared notes for participants, plus the reader's own private notes. Nobody else
    (coordinators, staff) gets anything from here."""
    if not is_participant(mentorship.pk, user.pk):
        return Note.objects.none()
    return (
        mentorship.notes.filter(Q(is_private=False) | Q(author=user))
        .select_related("author", "session")
        .order_by("-created_at")
    )


def reflections(mentorship: Mentorship) -> QuerySet[Reflection]:
    return mentorship.reflections.select_related("user")


def stay_in_touch_with(mentorship: Mentorship, user: User) -> list[User]:
    """People who, like this person, asked to stay in touch: only a mutual wish reveals
    an e-mail address."""
    wishes = {r.user_id: r for r in mentorship.reflections.select_related("user")}
    mine = wishes.get(user.pk)
    if mine is None or not mine.stay_in_touch:
        return []
    return [r.user for uid, r in wishes.items() if uid != user.pk and r.stay_in_touch]


def credentials_of(user: User) -> QuerySet[Credential]:
    return Credential.objects.filter(recipient=user).select_related("mentorship__program")


def hours_held(mentorship: Mentorship) -> float:
    minutes = mentorship.sessions.aggregate(total=Sum("duration_minutes"))["total"] or 0
    return round(minutes / 60, 1)


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    url: str


@dataclass(frozen=True)
class MenteeProgress:
    person: User
    goals_total: int
    goals_achieved: int
    average_progress: int
    milestones_total: int
    milestones_done: int
    resources_shared: int
    resources_done: int
    sessions_held: int


def _optional_model(app_label: str, name: str) -> type[Model] | None:
    """Messaging and scheduling are built alongside; count their data when it exists."""
    from django.apps import apps

    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def has_sent_first_message(mentorship: Mentorship, user: User) -> bool | None:
    message = _optional_model("messaging", "Message")
    if message is None:
        return None
    return message._default_manager.filter(
        conversation__mentorship=mentorship, sender=user
    ).exists()


def meetings_to_log(mentorship: Mentorship) -> QuerySet[Any]:
    """Scheduled meetings that have started, were not cancelled, and have no log yet."""
    from django.utils import timezone

    from openmentor.scheduling.models import Meeting

    return Meeting.objects.filter(
        mentorship=mentorship,
        starts_at__lte=timezone.now(),
        status__in=["confirmed", "held"],
        session_logs__isnull=True,
    ).order_by("-starts_at")


def has_met(mentorship: Mentorship) -> bool:
    if mentorship.sessions.exists():
        return True
    from django.utils import timezone

    from openmentor.scheduling.models import Meeting

    return Meeting.objects.filter(
        mentorship=mentorship, starts_at__lte=timezone.now(), status__in=["confirmed", "held"]
    ).exists()


def first_week_checklist(mentorship: Mentorship, user: User) -> list[ChecklistItem]:
    """The four steps that get a newcomer to online mentoring going, from real data."""
    from django.urls import NoReverseMatch, reverse
    from django.utils.translation import gettext as _

    detail = reverse("mentorship_detail", args=[mentorship.pk])
    version = current_agreement(mentorship)
    items = [
        ChecklistItem(
            "profile",
            _("Fill in your profile so the others know who you are"),
            user.profile.is_complete,
            reverse("profile_edit"),
        ),
        ChecklistItem(
            "agreement",
            _("Read and confirm your mentoring agreement"),
            has_confirmed(version, user),
            reverse("mentorship_agreement", args=[mentorship.pk]),
        ),
    ]
    sent = has_sent_first_message(mentorship, user)
    if sent is not None:
        try:
            messages_url = reverse("mentorship_messages", args=[mentorship.pk])
        except NoReverseMatch:
            messages_url = detail
        items.append(
            ChecklistItem("message", _("Send a first message to say hello"), sent, messages_url)
        )
    items.append(
        ChecklistItem(
            "meeting",
            _("Hold your first meeting and log it"),
            has_met(mentorship),
            reverse("session_new", args=[mentorship.pk]),
        )
    )
    return items


def mentee_progress(mentorship: Mentorship) -> list[MenteeProgress]:
    """For the mentor: each goal owner's goals, milestones, resources done, sessions."""
    from openmentor.resources.models import ResourceCompletion, ResourceShare

    session_count = mentorship.sessions.count()
    shares = list(ResourceShare.objects.filter(mentorship=mentorship))
    rows = []
    for participant in participants(mentorship):
        if not participant.owns_goals:
            continue
        person = participant.user
        person_goals = list(goals(mentorship, owner=person))
        milestones = [m for g in person_goals for m in g.milestones.all()]
        shared_ids = {s.resource_id for s in shares if s.recipient_id in (None, person.pk)}
        done = ResourceCompletion.objects.filter(user=person, resource_id__in=shared_ids).count()
        rows.append(
            MenteeProgress(
                person=person,
                goals_total=len(person_goals),
                goals_achieved=sum(1 for g in person_goals if g.status == "achieved"),
                average_progress=round(sum(g.progress for g in person_goals) / len(person_goals))
                if person_goals
                else 0,
                milestones_total=len(milestones),
                milestones_done=sum(1 for m in milestones if m.done_at),
                resources_shared=len(shared_ids),
                resources_done=done,
                sessions_held=session_count,
            )
        )
    return rows
