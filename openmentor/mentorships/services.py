"""Every write for mentorships: creation (matching and coordinators), the lifecycle, the
agreement, goals, sessions, notes and closure with credentials."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from openmentor.accounts.models import User
from openmentor.core.errors import (
    Conflict,
    NotAllowed,
    NotFound,
    ValidationFailed,
    conflict_if_duplicate,
)
from openmentor.core.text import plain_text
from openmentor.notifications.services import notify, publish_event, publish_events
from openmentor.programs.models import Program
from openmentor.programs.selectors import is_coordinator
from openmentor.programs.services import require_not_closed

from . import selectors
from .models import (
    OPEN_STATUSES,
    ActionItem,
    AgreementConfirmation,
    AgreementTemplate,
    AgreementVersion,
    Credential,
    CredentialKind,
    FormerParticipant,
    Goal,
    GoalComment,
    GoalStatus,
    Mentorship,
    MentorshipParticipant,
    MentorshipStatus,
    Milestone,
    Note,
    ParticipantRole,
    Reflection,
    SessionKind,
    SessionLog,
    standard_agreement_text,
    title_from_names,
)
from .signals import left_mentorship, mentorship_closed

# Which status may follow which. Completed and ended are final.
TRANSITIONS: dict[str, set[str]] = {
    MentorshipStatus.PROPOSED: {MentorshipStatus.ACTIVE, MentorshipStatus.ENDED},
    MentorshipStatus.ACTIVE: {
        MentorshipStatus.PAUSED,
        MentorshipStatus.COMPLETED,
        MentorshipStatus.ENDED,
    },
    MentorshipStatus.PAUSED: {
        MentorshipStatus.ACTIVE,
        MentorshipStatus.COMPLETED,
        MentorshipStatus.ENDED,
    },
    MentorshipStatus.COMPLETED: set(),
    MentorshipStatus.ENDED: set(),
}


def _dates_for(program: Program, today: date) -> tuple[date, date | None]:
    """Formal programs run on the program's calendar; informal ones are open-ended."""
    if program.is_formal:
        start = max(today, program.starts_on) if program.starts_on else today
        return start, program.ends_on
    return today, None


def default_agreement(program: Program) -> tuple[str, dict[str, str] | None]:
    """The wording a new mentorship starts with: the program's own template, or the
    platform's standard one (with what it says, so everyone reads it in their language)."""
    template = AgreementTemplate.objects.filter(program=program).first()
    if template:
        return template.text, None
    standard = {
        "cadence": program.meeting_cadence,
        "delivery": program.delivery,
        "guidelines": program.guidelines.strip(),
    }
    return standard_agreement_text(standard), standard


def default_agreement_text(program: Program) -> str:
    return default_agreement(program)[0]


@transaction.atomic
def create_mentorship(
    program: Program,
    *,
    mentors: Sequence[User] = (),
    mentees: Sequence[User] = (),
    peers: Sequence[User] = (),
    origin: str = "manual",
    status: str = MentorshipStatus.ACTIVE,
    title: str = "",
) -> Mentorship:
    """One relationship: 1..n mentors with 1..n mentees (a circle), or 2+ peers."""
    if peers:
        if mentors or mentees or len(peers) < 2:
            raise ValidationFailed(_("A peer mentorship has two or more peers and no other roles."))
    elif not mentors or not mentees:
        raise ValidationFailed(_("A mentorship needs at least one mentor and one mentee."))
    people = [*mentors, *mentees, *peers]
    if len({person.pk for person in people}) != len(people):
        raise ValidationFailed(_("Each person can take only one role in a mentorship."))
    require_not_closed(program)
    started_on, ends_on = _dates_for(program, timezone.localdate())
    mentorship = Mentorship.objects.create(
        program=program,
        status=status,
        origin=origin,
        title=title.strip() or title_from_names([str(person) for person in people]),
        started_on=started_on if status == MentorshipStatus.ACTIVE else None,
        ends_on=ends_on,
    )
    MentorshipParticipant.objects.bulk_create(
        [
            *(
                MentorshipParticipant(mentorship=mentorship, user=u, role=ParticipantRole.MENTOR)
                for u in mentors
            ),
            *(
                MentorshipParticipant(mentorship=mentorship, user=u, role=ParticipantRole.MENTEE)
                for u in mentees
            ),
            *(
                MentorshipParticipant(mentorship=mentorship, user=u, role=ParticipantRole.PEER)
                for u in peers
            ),
        ]
    )
    text, standard = default_agreement(program)
    AgreementVersion.objects.create(mentorship=mentorship, number=1, text=text, standard=standard)
    return mentorship


def add_mentees(mentorship: Mentorship, mentees: Sequence[User]) -> Mentorship:
    """Mentees join an open circle: each joins its conversation (a participant's signal),
    a name made from its people takes them in, and the others are told."""
    people = _people_in_order(mentorship)
    named_after_them = mentorship.title == title_from_names([name for _pk, name in people])
    already = {pk for pk, _name in people}
    if any(mentee.pk in already for mentee in mentees):
        raise Conflict(_("That person is already in this mentorship."))
    for mentee in mentees:
        MentorshipParticipant.objects.create(
            mentorship=mentorship, user=mentee, role=ParticipantRole.MENTEE
        )
    if named_after_them:
        mentorship.title = title_from_names(
            [name for _pk, name in people] + [str(mentee) for mentee in mentees]
        )
        mentorship.save(update_fields=["title", "updated_at"])
    url = reverse("mentorship_detail", args=[mentorship.pk])
    for mentee in mentees:
        _tell_others(
            mentorship,
            mentee,
            kind="status",
            title=gettext_lazy("%(name)s joined %(mentorship)s"),
            params={"name": str(mentee), "mentorship": mentorship.title},
            url=url,
        )
    return mentorship


def ensure_agreement(mentorship: Mentorship) -> AgreementVersion:
    """Mentorships made before agreements existed get theirs from the template."""
    version = selectors.current_agreement(mentorship)
    if version is None:
        text, standard = default_agreement(mentorship.program)
        version, _created = AgreementVersion.objects.get_or_create(
            mentorship=mentorship, number=1, defaults={"text": text, "standard": standard}
        )
    return version


# --- permission helpers ------------------------------------------------------------------


def require_participant(actor: User, mentorship: Mentorship) -> MentorshipParticipant:
    participant = selectors.participation(mentorship, actor)
    if participant is None:
        raise NotAllowed(_("Only the people in this mentorship can do that."))
    return participant


def require_open(mentorship: Mentorship) -> None:
    if not mentorship.is_open:
        raise Conflict(_("This mentorship is closed."))


def _others(mentorship: Mentorship, actor: User) -> list[User]:
    return [p.user for p in selectors.participants(mentorship) if p.user_id != actor.pk]


def _tell_others(
    mentorship: Mentorship,
    actor: User,
    *,
    kind: str,
    title: Promise,
    params: dict[str, Any] | None = None,
    url: str,
) -> None:
    others = _others(mentorship, actor)
    for person in others:
        notify(person, kind=kind, title=title, params=params, url=url)
    publish_event(
        [p.pk for p in others],
        type=f"mentorship.{kind}",
        payload={"mentorship": mentorship.pk},
    )


# --- lifecycle -------------------------------------------------------------------------


@transaction.atomic
def change_status(actor: User, mentorship: Mentorship, to: str, *, reason: str = "") -> Mentorship:
    """Participants and the program's coordinators move a mentorship along its lifecycle."""
    mentorship = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    if selectors.participation(mentorship, actor) is None and not is_coordinator(
        actor, mentorship.program
    ):
        raise NotAllowed(_("Only the people in this mentorship or its coordinators can do that."))
    if to not in MentorshipStatus.values or to not in TRANSITIONS[mentorship.status]:
        raise Conflict(
            _("A mentorship that is %(status)s cannot become %(to)s.")
            % {
                "status": mentorship.get_status_display().lower(),
                "to": str(MentorshipStatus(to).label).lower()
                if to in MentorshipStatus.values
                else to,
            }
        )
    reason = reason.strip()
    if to == MentorshipStatus.ENDED and not reason:
        message = _("Say briefly why the mentorship ends early.")
        raise ValidationFailed(message, fields={"reason": message})
    if len(reason) > 2000:
        raise ValidationFailed(_("Please keep the reason under 2000 characters."))
    if to == MentorshipStatus.ACTIVE and mentorship.started_on is None:
        mentorship.started_on, mentorship.ends_on = _dates_for(
            mentorship.program, timezone.localdate()
        )
    if to in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED):
        _close(mentorship, to, reason)
    else:
        mentorship.status = to
    mentorship.save()
    if mentorship.is_closed:
        mentorship_closed.send(sender=Mentorship, mentorship=mentorship)
    _tell_others(
        mentorship,
        actor,
        kind="status",
        # Who did it and which mentorship: "Your mentorship is now: Paused" said neither.
        title=gettext_lazy("%(name)s set %(mentorship)s to: %(status)s"),
        params={
            "name": actor.name,
            "mentorship": str(mentorship),
            "status": MentorshipStatus(mentorship.status).label,
        },
        url=reverse("mentorship_detail", args=[mentorship.pk]),
    )
    return mentorship


def _close(mentorship: Mentorship, to: str, reason: str = "") -> None:
    """Completed or ended (unsaved): when, and for an early end, why."""
    mentorship.status = to
    mentorship.closed_at = timezone.now()
    if to == MentorshipStatus.ENDED:
        mentorship.ended_reason = reason


PROGRAM_CLOSED_FIRST = gettext_noop("The program closed before this mentorship started.")


def complete_with_program(program: Program) -> tuple[int, int, dict[int, list[int]]]:
    """Its program closed (``programs.services.close_program``, which checked who may):
    every open mentorship of it closes as a completion does, so each participant can
    write their reflection and receive their credential, and its conversation becomes
    read-only. A proposed one that never started ends instead, the closing as its reason
    (no credential for a mentorship that never ran). Open pages hear ``mentorship.status``;
    the notification is the program's, one per person, so none is sent here.

    Returns (completed, ended, {user id: [ids of the mentorships completed with them]})."""
    completed_for: dict[int, list[int]] = {}
    completed = ended = 0
    open_ids = list(
        Mentorship.objects.filter(program=program, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    reason = PROGRAM_CLOSED_FIRST  # stored untranslated; each reader reads it in theirs
    events: list[tuple[list[int], str, dict[str, Any], None]] = []
    locked = (
        Mentorship.objects.select_for_update(of=("self",))
        .filter(pk__in=open_ids)
        .prefetch_related("participants")
        .order_by("pk")
    )
    for mentorship in locked:
        if not mentorship.is_open:  # closed meanwhile: it stays as it is
            continue
        if mentorship.status == MentorshipStatus.PROPOSED:
            _close(mentorship, MentorshipStatus.ENDED, reason)
            ended += 1
        else:
            _close(mentorship, MentorshipStatus.COMPLETED)
            completed += 1
        mentorship.save(update_fields=["status", "closed_at", "ended_reason", "updated_at"])
        mentorship_closed.send(sender=Mentorship, mentorship=mentorship)
        people = [p.user_id for p in mentorship.participants.all()]
        if mentorship.status == MentorshipStatus.COMPLETED:
            for user_id in people:
                completed_for.setdefault(user_id, []).append(mentorship.pk)
        events.append((people, "mentorship.status", {"mentorship": mentorship.pk}, None))
    publish_events(events)  # one insert and one hop for them all, not one per mentorship
    return completed, ended, completed_for


def _still_a_mentorship(remaining: list[MentorshipParticipant]) -> bool:
    """Two or more people, and a mentor with a mentee unless they are peers."""
    roles = {p.role for p in remaining}
    return len(remaining) >= 2 and (
        roles == {ParticipantRole.PEER} or {ParticipantRole.MENTOR, ParticipantRole.MENTEE} <= roles
    )


def _people_in_order(mentorship: Mentorship) -> list[tuple[int, str]]:
    """(id, name) of its people in the order its name was made from them."""
    return [
        (p.user_id, str(p.user))
        for p in mentorship.participants.select_related("user").order_by("pk")
    ]


def _rename_without(mentorship: Mentorship, leaver: User) -> None:
    """A name made from the group's people drops whoever left; a name someone chose stays."""
    people = _people_in_order(mentorship)
    if mentorship.title == title_from_names([name for _pk, name in people]):
        mentorship.title = title_from_names([name for pk, name in people if pk != leaver.pk])
        mentorship.save(update_fields=["title", "updated_at"])


def rename_after_name_change(user: User, old_name: str) -> None:
    """Names made from people follow a person's new name; a name someone chose stays."""
    for mentorship in Mentorship.objects.filter(participants__user=user):
        people = _people_in_order(mentorship)
        as_made = [old_name if pk == user.pk else name for pk, name in people]
        if mentorship.title == title_from_names(as_made):
            mentorship.title = title_from_names([name for _pk, name in people])
            mentorship.save(update_fields=["title", "updated_at"])


@transaction.atomic
def leave_with_program(user: User, program_id: int, role: str) -> None:
    """Someone left the program in ``role`` (or a coordinator removed them): they leave its
    open mentorships in that role. A pair ends; a group goes on without them while it is
    still a mentorship (else it ends), and they keep reading their part of it (a
    FormerParticipant). Without this they kept reading and writing in their
    circle, and could end it for everyone."""
    participations = MentorshipParticipant.objects.filter(
        user=user,
        role=role,
        mentorship__program_id=program_id,
        mentorship__status__in=OPEN_STATUSES,
    ).select_related("mentorship")
    for participation in participations:
        mentorship = Mentorship.objects.select_for_update().get(pk=participation.mentorship_id)
        if not mentorship.is_open:  # closed meanwhile (completed, ended): it stays as it is
            continue
        remaining = [p for p in selectors.participants(mentorship) if p.user_id != user.pk]
        params = {"name": str(user)}
        url = reverse("mentorship_detail", args=[mentorship.pk])
        # In the site's language, not the acting coordinator's: everyone in it reads it.
        with translation.override(settings.LANGUAGE_CODE):
            reason = _("%(name)s is no longer in the program.") % params
        if _still_a_mentorship(remaining):
            # What others asked them to do goes back to whoever asked (the goal's owner).
            ActionItem.objects.filter(
                goal__mentorship=mentorship, assignee=user, done_at__isnull=True
            ).exclude(goal__owner=user).update(
                assignee_id=Subquery(
                    Goal.objects.filter(pk=OuterRef("goal_id")).values("owner_id")[:1]
                )
            )
            FormerParticipant.objects.update_or_create(
                mentorship=mentorship,
                user=user,
                defaults={
                    "role": participation.role,
                    "joined_at": participation.joined_at,
                    "left_at": timezone.now(),
                },
            )
            _rename_without(mentorship, user)
            participation.delete()
            left_mentorship.send(sender=Mentorship, mentorship=mentorship, user=user, reason=reason)
            _tell_others(
                mentorship,
                user,
                kind="status",
                title=gettext_lazy("%(name)s is no longer in the program, nor in this mentorship"),
                params=params,
                url=url,
            )
            continue
        _close(mentorship, MentorshipStatus.ENDED, reason)
        mentorship.save(update_fields=["status", "closed_at", "ended_reason", "updated_at"])
        left_mentorship.send(sender=Mentorship, mentorship=mentorship, user=user, reason=reason)
        _tell_others(
            mentorship,
            user,
            kind="status",
            title=gettext_lazy("Your mentorship has ended: %(name)s is no longer in the program"),
            params=params,
            url=url,
        )


# --- agreement -------------------------------------------------------------------------


def save_agreement_template(actor: User, program: Program, text: str) -> AgreementTemplate:
    if not is_coordinator(actor, program):
        raise NotAllowed(_("Only this program's coordinators can do that."))
    text = text.strip()
    if not text:
        raise ValidationFailed(_("Write the agreement template."), fields={"text": _("Required.")})
    template, _created = AgreementTemplate.objects.update_or_create(
        program=program, defaults={"text": text, "updated_by": actor}
    )
    return template


@transaction.atomic
def change_agreement(
    actor: User, mentorship: Mentorship, text: str, *, change_note: str = ""
) -> AgreementVersion:
    """A new version: the old ones stay as history, everyone confirms again."""
    require_participant(actor, mentorship)
    # The row lock serialises concurrent changes, so version numbers never collide.
    mentorship = Mentorship.objects.select_for_update().get(pk=mentorship.pk)
    require_open(mentorship)
    text = text.strip()
    if not text:
        raise ValidationFailed(_("The agreement cannot be empty."), fields={"text": _("Required.")})
    if len(text) > 10000:
        raise ValidationFailed(_("Please keep the agreement under 10,000 characters."))
    current = ensure_agreement(mentorship)
    # The standard wording comes back as the reader read it, in their language.
    if text.replace("\r\n", "\n") in (current.text, current.shown_text):
        raise ValidationFailed(_("Nothing changed."), fields={"text": _("Nothing changed.")})
    version = AgreementVersion.objects.create(
        mentorship=mentorship,
        number=current.number + 1,
        text=text,
        change_note=change_note.strip()[:300],
        created_by=actor,
    )
    # Proposing a change counts as the proposer's own confirmation.
    AgreementConfirmation.objects.create(version=version, user=actor)
    _tell_others(
        mentorship,
        actor,
        kind="agreement",
        title=gettext_lazy("%(name)s changed your mentoring agreement: please read and confirm it"),
        params={"name": actor.name},
        url=reverse("mentorship_agreement", args=[mentorship.pk]),
    )
    return version


def confirm_agreement(actor: User, mentorship: Mentorship, version_number: int) -> AgreementVersion:
    require_participant(actor, mentorship)
    current = ensure_agreement(mentorship)
    if version_number != current.number:
        raise Conflict(_("The agreement has changed since you opened it. Read the new version."))
    try:
        with transaction.atomic():
            AgreementConfirmation.objects.get_or_create(version=current, user=actor)
    except IntegrityError:
        pass  # a double click confirmed it already
    return selectors.current_agreement(mentorship) or current


# --- goals -----------------------------------------------------------------------------

GOAL_FIELDS = ("title", "specific", "measurable", "achievable", "relevant", "target_date")


def _clean_goal(data: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {name: data.get(name) for name in GOAL_FIELDS if name in data}
    for name in ("title", "specific", "measurable", "achievable", "relevant"):
        if name in cleaned:
            cleaned[name] = plain_text(cleaned[name], name)
    if "title" in cleaned and not cleaned["title"]:
        raise ValidationFailed(_("Name your goal."), fields={"title": _("Required.")})
    if len(cleaned.get("title", "")) > 200:
        raise ValidationFailed(
            _("Please keep the goal under 200 characters."), fields={"title": _("Too long.")}
        )
    return cleaned


@transaction.atomic
def create_goal(actor: User, mentorship: Mentorship, data: dict[str, Any]) -> Goal:
    participant = require_participant(actor, mentorship)
    require_open(mentorship)
    if not participant.owns_goals:
        raise NotAllowed(_("Mentees set their own goals; mentors comment on them."))
    target = data.get("target_date")
    if target and target < timezone.localdate():
        message = _("A new goal's target date is today or later.")
        raise ValidationFailed(message, fields={"target_date": message})
    goal = Goal.objects.create(mentorship=mentorship, owner=actor, **_clean_goal(data))
    _tell_others(
        mentorship,
        actor,
        kind="goal",
        title=gettext_lazy("%(name)s set a new goal: %(goal)s"),
        params={"name": actor.name, "goal": goal.title},
        url=reverse("goal_detail", args=[goal.pk]),
    )
    return goal


def _require_goal_owner(actor: User, goal: Goal) -> None:
    # An owner who has left the group keeps the goal to read, not to change.
    if goal.owner_id != actor.pk or not selectors.is_participant(goal.mentorship_id, actor.pk):
        raise NotAllowed(_("Only the person who owns this goal can change it."))
    require_open(goal.mentorship)


def update_goal(actor: User, goal: Goal, data: dict[str, Any]) -> Goal:
    _require_goal_owner(actor, goal)
    cleaned = _clean_goal(data)
    if "progress" in data and data["progress"] is not None:
        try:
            progress = int(data["progress"])
        except (TypeError, ValueError):
            progress = -1
        if not 0 <= progress <= 100:
            raise ValidationFailed(
                _("Progress is a percentage from 0 to 100."),
                fields={"progress": _("From 0 to 100.")},
            )
        cleaned["progress"] = progress
    if data.get("status"):
        if data["status"] not in GoalStatus.values:
            raise ValidationFailed(_("Choose a status."), fields={"status": _("Required.")})
        cleaned["status"] = data["status"]
        if data["status"] == GoalStatus.ACHIEVED:
            cleaned["progress"] = 100
    for name, value in cleaned.items():
        setattr(goal, name, value)
    goal.save()
    return goal


def add_milestone(actor: User, goal: Goal, *, title: str, due_on: date | None) -> Milestone:
    _require_goal_owner(actor, goal)
    title = plain_text(title, "title")
    errors = {}
    if not title:
        errors["title"] = _("Required.")
    if due_on is None:
        errors["due_on"] = _("Choose a due date.")
    if errors:
        raise ValidationFailed(_("A milestone needs a name and a due date."), fields=errors)
    assert due_on is not None  # an error above otherwise
    return Milestone.objects.create(goal=goal, title=title[:200], due_on=due_on)


def set_milestone_done(actor: User, milestone: Milestone, done: bool = True) -> Milestone:
    _require_goal_owner(actor, milestone.goal)
    milestone.done_at = timezone.now() if done else None
    milestone.save(update_fields=["done_at"])
    return milestone


def add_action_item(
    actor: User, goal: Goal, *, title: str, assignee_id: int, due_on: date | None = None
) -> ActionItem:
    _require_goal_owner(actor, goal)
    title = plain_text(title, "title")
    if not title:
        raise ValidationFailed(_("Describe the action."), fields={"title": _("Required.")})
    if not selectors.is_participant(goal.mentorship_id, assignee_id):
        raise ValidationFailed(
            _("Assign the action to someone in this mentorship."),
            fields={"assignee": _("Choose a person in this mentorship.")},
        )
    item = ActionItem.objects.create(
        goal=goal, title=title[:200], assignee_id=assignee_id, due_on=due_on
    )
    if assignee_id != actor.pk:
        notify(
            User.objects.get(pk=assignee_id),
            kind="action",
            title=gettext_lazy("%(name)s asked you to: %(action)s"),
            params={"name": actor.name, "action": title},
            url=reverse("goal_detail", args=[goal.pk]),
        )
    return item


def set_action_done(actor: User, item: ActionItem, done: bool = True) -> ActionItem:
    if actor.pk not in (item.assignee_id, item.goal.owner_id):
        raise NotAllowed(_("Only the goal's owner or the person assigned can tick this off."))
    require_participant(actor, item.goal.mentorship)
    require_open(item.goal.mentorship)
    item.done_at = timezone.now() if done else None
    item.save(update_fields=["done_at"])
    return item


def comment_on_goal(actor: User, goal: Goal, body: str) -> GoalComment:
    require_participant(actor, goal.mentorship)
    body = plain_text(body, "body")
    if not body:
        raise ValidationFailed(_("Write a comment."), fields={"body": _("Required.")})
    if len(body) > 4000:
        raise ValidationFailed(_("Please keep comments under 4000 characters."))
    comment = GoalComment.objects.create(goal=goal, author=actor, body=body)
    # Not to an owner who has left the group since: the goal is theirs to read, not to follow.
    if goal.owner_id != actor.pk and selectors.is_participant(goal.mentorship_id, goal.owner_id):
        notify(
            goal.owner,
            kind="goal_comment",
            title=gettext_lazy("%(name)s commented on your goal %(goal)s"),
            params={"name": actor.name, "goal": goal.title},
            url=reverse("goal_detail", args=[goal.pk]),
        )
    return comment


# --- sessions and notes ----------------------------------------------------------------


def log_session(
    actor: User,
    mentorship: Mentorship,
    *,
    held_on: date | None,
    duration_minutes: int | None,
    kind: str,
    summary: str = "",
    meeting_id: int | None = None,
) -> SessionLog:
    """Log a session after it took place, optionally the scheduled meeting it was."""
    require_participant(actor, mentorship)
    errors = {}
    if (
        meeting_id is not None
        and not selectors.meetings_to_log(mentorship).filter(pk=meeting_id).exists()
    ):
        errors["meeting"] = _("Choose a past meeting of this mentorship that is not logged yet.")
    if held_on is None:
        errors["held_on"] = _("Choose the date.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("Log a session after it has taken place.")
    if duration_minutes is None or not 5 <= duration_minutes <= 600:
        errors["duration_minutes"] = _("Between 5 and 600 minutes.")
    if kind not in SessionKind.values:
        errors["kind"] = _("Choose how you met.")
    if errors:
        raise ValidationFailed(_("Some details of the session need attention."), fields=errors)
    assert held_on is not None and duration_minutes is not None  # an error above otherwise
    if mentorship.status not in (MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED):
        raise Conflict(_("Sessions can be logged while the mentorship is active."))
    with conflict_if_duplicate(_("This meeting has already been logged.")):
        session = SessionLog.objects.create(
            mentorship=mentorship,
            held_on=held_on,
            duration_minutes=duration_minutes,
            kind=kind,
            summary=plain_text(summary, "summary")[:300],
            logged_by=actor,
            meeting_id=meeting_id,
        )
    _tell_others(
        mentorship,
        actor,
        kind="session",
        title=gettext_lazy("How was your session on %(date)s? Rate it in a click."),
        params={"date": held_on},
        url=reverse("mentorship_detail", args=[mentorship.pk]) + "#sessions",
    )
    return session


def add_note(
    actor: User,
    mentorship: Mentorship,
    *,
    body: str,
    is_private: bool,
    session_id: int | None = None,
) -> Note:
    require_participant(actor, mentorship)
    body = plain_text(body, "body")
    if not body:
        raise ValidationFailed(_("The note is empty."), fields={"body": _("Required.")})
    if len(body) > 10000:
        raise ValidationFailed(_("Please keep notes under 10,000 characters."))
    if session_id is not None and not mentorship.sessions.filter(pk=session_id).exists():
        raise ValidationFailed(
            _("Choose a session of this mentorship."), fields={"session": _("Not found.")}
        )
    return Note.objects.create(
        mentorship=mentorship,
        author=actor,
        body=body,
        is_private=is_private,
        session_id=session_id,
    )


def delete_note(actor: User, note: Note) -> None:
    # Someone who left may still delete a private note of theirs, not a shared one: that
    # belongs to the group too.
    if note.author_id != actor.pk or (
        not note.is_private and not selectors.is_participant(note.mentorship_id, actor.pk)
    ):
        raise NotFound(_("No such note."))
    note.delete()


# --- closure and credentials -------------------------------------------------------------


@transaction.atomic
def submit_reflection(
    actor: User,
    mentorship: Mentorship,
    *,
    learned: str,
    thank_you: str = "",
    stay_in_touch: bool = False,
) -> Reflection:
    """Each participant reflects once the mentorship has closed; a completed mentorship
    then earns them a signed credential."""
    participant = require_participant(actor, mentorship)
    mentorship = Mentorship.objects.select_related("program").get(pk=mentorship.pk)
    if mentorship.is_open:
        raise Conflict(_("Reflections come once the mentorship has been closed."))
    learned = plain_text(learned, "learned")
    if not learned:
        raise ValidationFailed(
            _("Write a few words about what you take away."), fields={"learned": _("Required.")}
        )
    if len(learned) > 5000 or len(thank_you or "") > 2000:
        raise ValidationFailed(_("Please keep your reflection shorter."))
    with conflict_if_duplicate(_("You have already written your reflection.")):
        reflection = Reflection.objects.create(
            mentorship=mentorship,
            user=actor,
            learned=learned,
            thank_you=plain_text(thank_you, "thank_you"),
            stay_in_touch=stay_in_touch,
        )
    if reflection.thank_you:
        _tell_others(
            mentorship,
            actor,
            kind="thanks",
            title=gettext_lazy("%(name)s says thank you"),
            params={"name": actor.name},
            url=reverse("mentorship_detail", args=[mentorship.pk]),
        )
    if mentorship.status == MentorshipStatus.COMPLETED:
        issue_credentials(mentorship, participant)
    return reflection


def issue_credentials(
    mentorship: Mentorship, participant: MentorshipParticipant
) -> list[Credential]:
    from .credentials import build_credential

    kinds = []
    if participant.role in (ParticipantRole.MENTEE, ParticipantRole.PEER):
        kinds.append(CredentialKind.COMPLETION)
    if participant.role in (ParticipantRole.MENTOR, ParticipantRole.PEER):
        kinds.append(CredentialKind.SERVICE)
    issued = []
    for kind in kinds:
        existing = Credential.objects.filter(
            mentorship=mentorship, recipient=participant.user, kind=kind
        ).first()
        if existing:
            issued.append(existing)
            continue
        credential = Credential(mentorship=mentorship, recipient=participant.user, kind=kind)
        credential.document = build_credential(credential)
        credential.save()
        issued.append(credential)
    return issued
