"""Every write to programs, questions, memberships, applications and invitations."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from openmentor.accounts import selectors as account_selectors
from openmentor.accounts.models import User
from openmentor.core.errors import (
    Conflict,
    NotAllowed,
    NotFound,
    ValidationFailed,
    conflict_if_duplicate,
)
from openmentor.core.mail import send_email_on_commit
from openmentor.notifications.services import notify

from . import selectors
from .models import (
    LIVE_INVITATION,
    ApplicationQuestion,
    Approval,
    Invitation,
    Membership,
    MembershipStatus,
    Program,
    QuestionKind,
    Role,
)
from .signals import membership_left, program_closed

INVITATION_LIFETIME = timedelta(days=30)
PROGRAM_FIELDS = (
    "name",
    "summary",
    "description",
    "guidelines",
    "group_format",
    "max_group_size",
    "emphasis",
    "focus",
    "structure",
    "formality",
    "starts_on",
    "ends_on",
    "meeting_cadence",
    "objectives",
    "delivery",
    "enrolment_open",
    "approval",
    "default_mentor_capacity",
    "matching_mode",
    "is_listed",
)


def require_coordinator(actor: User, program: Program) -> None:
    if not selectors.is_coordinator(actor, program):
        raise NotAllowed(_("Only this program's coordinators can do that."))


def require_not_closed(program: Program) -> None:
    """Refuse what would start something new (an application, an invitation, a match, a
    mentorship) in a closed program."""
    if program.is_closed:
        raise Conflict(
            _("This program has closed; nothing new can start in it."), code="program_closed"
        )


def check_program_settings(data: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if data.get("formality") == "formal" and not (data.get("starts_on") and data.get("ends_on")):
        errors["ends_on"] = _("A formal program needs a start and an end date.")
    if data.get("starts_on") and data.get("ends_on") and data["ends_on"] <= data["starts_on"]:
        errors["ends_on"] = _("The end date must come after the start date.")
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), fields=errors)


def check_program_name(name: str, stored: Program | None = None) -> str:
    """The name trimmed; refused when empty or when another program has it (in any case):
    two programs of one name are two identical cards in the directory. ``stored``: the
    program as saved; a name kept as it was is no clash, so two programs named alike
    before this rule can still be saved."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Name the program."), fields={"name": _("Required.")})
    if stored is not None and name.lower() == stored.name.strip().lower():
        return name
    others = Program.objects.filter(name__iexact=name)
    if stored is not None:
        others = others.exclude(pk=stored.pk)
    if others.exists():
        message = _("A program with this name already exists.")
        raise ValidationFailed(message, code="duplicate_name", fields={"name": message})
    return name


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "program"
    slug, n = base, 2
    while Program.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def create_program(actor: User, data: dict[str, Any]) -> Program:
    if not selectors.can_create_programs(actor):
        raise NotAllowed(_("Your account cannot create programs; ask a site administrator."))
    check_program_settings(data)
    data = {**data, "name": check_program_name(data.get("name", ""))}
    program = Program(created_by=actor, slug=_unique_slug(data["name"]))
    for name in PROGRAM_FIELDS:
        if name in data:
            setattr(program, name, data[name])
    program.save()
    Membership.objects.create(
        program=program,
        user=actor,
        role=Role.COORDINATOR,
        status=MembershipStatus.ACTIVE,
        source="creator",
        guidelines_accepted_at=timezone.now(),
    )
    return program


@transaction.atomic
def update_program(actor: User, program: Program, data: dict[str, Any]) -> Program:
    require_coordinator(actor, program)
    # Compared with the program as saved: a settings form has already put the posted
    # values on ``program`` (a ModelForm's instance), so comparing with it let the page
    # open enrolment of a closed program.
    stored = Program.objects.select_for_update().get(pk=program.pk)
    merged = {name: data.get(name, getattr(program, name)) for name in PROGRAM_FIELDS}
    check_program_settings(merged)
    if stored.closed_at is not None:
        # Closed: nobody joins and it stays out of the directory until it is reopened.
        reopen_first = _("Reopen the program first.")
        errors = {
            name: reopen_first
            for name in ("enrolment_open", "is_listed")
            if merged[name] and not getattr(stored, name)
        }
        if errors:
            raise ValidationFailed(
                _("This program has closed: reopen it before opening enrolment or listing it."),
                code="program_closed",
                fields=errors,
            )
    merged["name"] = check_program_name(merged["name"], stored)
    for name, value in merged.items():
        setattr(program, name, value)
    program.save()
    return program


CHOICE_KINDS = (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)


def _clean_choices(kind: str, choices: list[str]) -> list[str]:
    cleaned = [c.strip() for c in choices if c and c.strip()]
    if kind in CHOICE_KINDS:
        if len(cleaned) < 2:
            raise ValidationFailed(
                _("A choice question needs at least two choices, one per line."),
                fields={"choices": _("At least two choices.")},
            )
        if len(set(cleaned)) != len(cleaned):
            raise ValidationFailed(
                _("Each choice only once."), fields={"choices": _("Duplicate choice.")}
            )
        return cleaned
    if cleaned:
        # They were dropped without a word: the coordinator thought they were asked.
        message = _("Only choice questions have choices.")
        raise ValidationFailed(message, fields={"choices": message})
    return []


# Survey questions (feedback app) clean their choices the same way.
clean_question_choices = _clean_choices


def _question_values(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The checks of a question's wording and settings, shared by adding and editing."""
    if kind not in QuestionKind.values:
        raise ValidationFailed(_("Choose a kind of question."), fields={"kind": _("Required.")})
    if not str(data.get("prompt", "")).strip():
        raise ValidationFailed(_("Write the question."), fields={"prompt": _("Required.")})
    audience = data.get("audience") or ApplicationQuestion.Audience.EVERYONE
    if audience not in ApplicationQuestion.Audience.values:
        raise ValidationFailed(
            _("Choose who is asked."), fields={"audience": _("Choose who is asked.")}
        )
    return {
        "prompt": str(data["prompt"]).strip(),
        "help_text": str(data.get("help_text") or "").strip(),
        "choices": _clean_choices(kind, data.get("choices") or []),
        "required": bool(data.get("required", True)),
        "audience": audience,
    }


def add_question(actor: User, program: Program, data: dict[str, Any]) -> ApplicationQuestion:
    require_coordinator(actor, program)
    kind = str(data.get("kind") or "")
    values = _question_values(kind, data)
    last = program.questions.order_by("-position").values_list("position", flat=True).first()
    return ApplicationQuestion.objects.create(
        program=program, kind=kind, position=(last or 0) + 1, **values
    )


@transaction.atomic
def update_question(
    actor: User, program: Program, question_id: int, data: dict[str, Any]
) -> ApplicationQuestion:
    """Change a question's wording, choices, requirement and audience; its kind stays (the
    answers already given are of that kind) and so does its place."""
    require_coordinator(actor, program)
    question = (
        ApplicationQuestion.objects.select_for_update()
        .filter(program=program, pk=question_id)
        .first()
    )
    if question is None:
        raise NotFound(_("No such question in this program."))
    for name, value in _question_values(question.kind, data).items():
        setattr(question, name, value)
    question.save()
    return question


@transaction.atomic
def move_question(actor: User, program: Program, question_id: int, direction: str) -> None:
    """Swap the question with the one before (``up``) or after (``down``) it; the first
    stays first when moved up, the last last when moved down."""
    require_coordinator(actor, program)
    if direction not in ("up", "down"):
        raise ValidationFailed(_("Move a question up or down."))
    questions = list(
        ApplicationQuestion.objects.select_for_update()
        .filter(program=program)
        .order_by("position", "id")
    )
    index = next((i for i, q in enumerate(questions) if q.pk == question_id), None)
    if index is None:
        raise NotFound(_("No such question in this program."))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    # Numbered again from 1: questions added before positions were kept all had 0.
    changed = []
    for position, question in enumerate(questions, start=1):
        if question.position != position:
            question.position = position
            changed.append(question)
    ApplicationQuestion.objects.bulk_update(changed, ["position"])


def delete_question(actor: User, program: Program, question_id: int) -> None:
    require_coordinator(actor, program)
    deleted, _rows = ApplicationQuestion.objects.filter(program=program, pk=question_id).delete()
    if not deleted:
        raise NotFound(_("No such question in this program."))


@transaction.atomic
def complete_membership(
    user: User, program: Program, role: str, *, answers: dict[str, Any], accept_guidelines: bool
) -> Membership:
    """Someone who joined by invitation or import answers the program's questions and
    accepts its guidelines, as an applicant does (they were matched knowing nothing)."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("program")
        .filter(program=program, user=user, role=role, status=MembershipStatus.ACTIVE)
        .first()
    )
    if membership is None or not selectors.still_to_answer(membership):
        raise NotFound(_("You do not take part in this program in that role."))
    if (
        program.guidelines.strip()
        and membership.guidelines_accepted_at is None
        and not accept_guidelines
    ):
        raise ValidationFailed(
            _("Please read and accept the program guidelines."),
            fields={"accept_guidelines": _("Required to join.")},
        )
    membership.answers = {**(membership.answers or {}), **validate_answers(program, role, answers)}
    if membership.guidelines_accepted_at is None and accept_guidelines:
        membership.guidelines_accepted_at = timezone.now()
    membership.save(update_fields=["answers", "guidelines_accepted_at", "updated_at"])
    return membership


def validate_answers(program: Program, role: str, answers: dict[str, Any]) -> dict[str, Any]:
    """Return the answers keyed by question id, or raise with one message per question."""
    return validate_question_answers(selectors.questions_for(program, role), answers)


def validate_question_answers(questions: Sequence[Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Shared by application and survey questions (same kinds, same rules)."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for question in questions:
        key = str(question.pk)
        value = answers.get(key)
        empty = value in (None, "", []) or (isinstance(value, str) and not value.strip())
        if empty:
            if question.required:
                errors[f"q_{key}"] = _("This question needs an answer.")
            continue
        if question.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
            limit = 300 if question.kind == QuestionKind.SHORT_TEXT else 5000
            text = str(value).strip()
            if len(text) > limit:
                errors[f"q_{key}"] = _("Please keep this under %(n)d characters.") % {"n": limit}
            cleaned[key] = text
        elif question.kind == QuestionKind.SINGLE_CHOICE:
            if value not in question.choices:
                errors[f"q_{key}"] = _("Choose one of the options.")
            cleaned[key] = value
        elif question.kind == QuestionKind.MULTIPLE_CHOICE:
            values = value if isinstance(value, list) else [value]
            if not set(values) <= set(question.choices):
                errors[f"q_{key}"] = _("Choose among the options.")
            cleaned[key] = values
        elif question.kind == QuestionKind.SCALE:
            try:
                number = int(str(value))
            except (TypeError, ValueError):
                number = 0
            if not 1 <= number <= 5:
                errors[f"q_{key}"] = _("Choose a number from 1 to 5.")
            cleaned[key] = number
    if errors:
        raise ValidationFailed(_("Some answers need attention."), fields=errors)
    return cleaned


def _activate(membership: Membership) -> None:
    if membership.role in (Role.MENTOR, Role.PEER) and membership.capacity is None:
        membership.capacity = membership.program.default_mentor_capacity


@transaction.atomic
def apply_to_program(
    user: User,
    program: Program,
    *,
    role: str,
    answers: dict[str, Any],
    motivation: str = "",
    accept_guidelines: bool = False,
) -> Membership:
    require_not_closed(program)
    if not program.enrolment_open:
        raise Conflict(_("Enrolment in this program is closed."), code="enrolment_closed")
    if role not in selectors.applicable_roles(program):
        raise ValidationFailed(
            _("This program does not take applications for that role."),
            fields={"role": _("Choose a role this program offers.")},
        )
    if program.guidelines.strip() and not accept_guidelines:
        raise ValidationFailed(
            _("Please read and accept the program guidelines."),
            fields={"accept_guidelines": _("Required to join.")},
        )
    if len(motivation) > 4000:
        raise ValidationFailed(
            _("Please keep your motivation under 4,000 characters."),
            fields={"motivation": _("Too long.")},
        )
    cleaned = validate_answers(program, role, answers)
    existing = (
        Membership.objects.select_for_update().filter(program=program, user=user, role=role).first()
    )
    if existing and existing.status in (MembershipStatus.PENDING, MembershipStatus.ACTIVE):
        raise Conflict(
            _("You have already applied to this program in that role."), code="already_applied"
        )
    membership = existing or Membership(program=program, user=user, role=role)
    membership.answers = cleaned
    membership.motivation = motivation.strip()
    membership.guidelines_accepted_at = timezone.now() if accept_guidelines else None
    membership.decision_message = ""
    membership.decided_by = None
    membership.source = "application"
    if program.approval == Approval.AUTOMATIC:
        membership.status = MembershipStatus.ACTIVE
        membership.decided_at = timezone.now()
        _activate(membership)
    else:
        membership.status = MembershipStatus.PENDING
        membership.decided_at = None
    # Two submissions may race past the check above; the unique constraint keeps one.
    with conflict_if_duplicate(
        _("You have already applied to this program in that role."), code="already_applied"
    ):
        membership.save()
    if membership.status == MembershipStatus.PENDING:
        for coordinator in selectors.members(program, Role.COORDINATOR):
            send_email_on_commit(
                coordinator.user.email,
                "programs/email/new_application",
                {"program": program, "applicant": user, "membership": membership},
                coordinator.user.language,
            )
    return membership


@transaction.atomic
def decide_application(
    actor: User, membership_id: int, *, approve: bool, message: str = ""
) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("program", "user")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        raise NotFound(_("No such application."))
    require_coordinator(actor, membership.program)
    if membership.status != MembershipStatus.PENDING:
        raise Conflict(_("This application has already been decided."), code="already_decided")
    if len(message) > 2000:
        raise ValidationFailed(_("Please keep the message under 2,000 characters."))
    membership.status = MembershipStatus.ACTIVE if approve else MembershipStatus.DECLINED
    membership.decided_by = actor
    membership.decided_at = timezone.now()
    membership.decision_message = message.strip()
    if approve:
        _activate(membership)
    membership.save()
    send_email_on_commit(
        membership.user.email,
        "programs/email/application_decided",
        {"membership": membership, "program": membership.program, "approved": approve},
        membership.user.language,
    )
    return membership


@transaction.atomic
def leave_program(user: User, program: Program, role: str) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .filter(
            program=program,
            user=user,
            role=role,
            status__in=[MembershipStatus.ACTIVE, MembershipStatus.PENDING],
        )
        .first()
    )
    if membership is None:
        raise NotFound(_("You are not in this program in that role."))
    if role == Role.COORDINATOR and selectors.members(program, Role.COORDINATOR).count() <= 1:
        raise Conflict(
            _("You are the only coordinator; add another before leaving."),
            code="last_coordinator",
        )
    _leave(membership)
    return membership


def _leave(membership: Membership) -> None:
    membership.status = MembershipStatus.LEFT
    membership.save(update_fields=["status", "updated_at"])
    membership_left.send(sender=Membership, membership=membership)


@transaction.atomic
def remove_member(actor: User, program: Program, membership_id: int) -> Membership:
    require_coordinator(actor, program)
    membership = (
        Membership.objects.select_for_update()
        .filter(program=program, pk=membership_id, status=MembershipStatus.ACTIVE)
        .first()
    )
    if membership is None:
        raise NotFound(_("No such member."))
    if membership.user_id == actor.pk and membership.role == Role.COORDINATOR:
        raise Conflict(_("Use “leave program” to step down as coordinator."))
    _leave(membership)
    notify(
        membership.user,
        kind="membership",
        title=gettext_lazy("A coordinator removed you from %(program)s (%(role)s)"),
        params={"program": program.name, "role": Role(membership.role).label},
        url=reverse("program_detail", args=[program.slug]),
    )
    return membership


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class InvitationSent:
    invitation: Invitation
    # The address already had a live invitation for that role: it got this fresh link
    # and its earlier link no longer works.
    replaced: bool


@transaction.atomic
def invite(
    actor: User, program: Program, *, email: str, role: str, language: str = ""
) -> InvitationSent:
    """``language``: the one the coordinator chose for a newcomer (default: their own)."""
    require_coordinator(actor, program)
    require_not_closed(program)
    email = email.strip().lower()
    if role not in [*selectors.applicable_roles(program), Role.COORDINATOR]:
        raise ValidationFailed(
            _("Choose a role this program offers."), fields={"role": _("Not offered here.")}
        )
    _refuse_if_member(program, email, role)
    return _send_invitation(actor, program, email=email, role=role, language=language)


def _refuse_if_member(program: Program, email: str, role: str) -> None:
    if Membership.objects.filter(
        program=program, user__email__iexact=email, role=role, status=MembershipStatus.ACTIVE
    ).exists():
        raise Conflict(_("%(email)s is already a member in that role.") % {"email": email})


@transaction.atomic
def _send_invitation(
    actor: User, program: Program, *, email: str, role: str, language: str = ""
) -> InvitationSent:
    """A link to join in ``role``, by e-mail; the person joins when they accept it. An
    address has one live invitation per role: inviting it again sends that invitation a
    fresh link (the earlier one stops working) instead of making a second one."""
    # Someone with an account reads it in their own language; a newcomer in the one the
    # coordinator chose, or theirs.
    language = account_selectors.language_of_address(email) or language or actor.language
    live = (
        Invitation.objects.select_for_update()
        .filter(LIVE_INVITATION, program=program, email__iexact=email, role=role)
        .first()
    )
    if live is not None:
        live.language = language
        _send_link(actor, live)
        return InvitationSent(live, replaced=True)
    invitation = Invitation(program=program, email=email, role=role, language=language)
    # Two coordinators inviting the same address at once: one invitation is made.
    with conflict_if_duplicate(
        _("%(email)s was just invited to that role by someone else.") % {"email": email},
        code="already_invited",
    ):
        _send_link(actor, invitation)
    return InvitationSent(invitation, replaced=False)


def _send_link(actor: User, invitation: Invitation) -> None:
    """Give the invitation a new token and expiry (any earlier link stops working), save
    it and e-mail the link in the invitation's language."""
    raw = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(raw)
    invitation.expires_at = timezone.now() + INVITATION_LIFETIME
    invitation.invited_by = actor
    invitation.save()
    send_email_on_commit(
        invitation.email,
        "programs/email/invitation",
        {"program": invitation.program, "invitation": invitation, "token": raw, "inviter": actor},
        invitation.language,
    )


def _invitation_in(program: Program, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update().filter(program=program, pk=invitation_id).first()
    )
    if invitation is None:
        raise NotFound(_("No such invitation in this program."))
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been accepted."), code="invitation_used")
    if invitation.revoked_at is not None:
        raise Conflict(
            _("This invitation was withdrawn; invite the person again."), code="invitation_revoked"
        )
    return invitation


@transaction.atomic
def resend_invitation(actor: User, program: Program, invitation_id: int) -> Invitation:
    """An open or expired invitation gets a new link, valid for another 30 days, sent in
    the language it was written in; the earlier link stops working."""
    require_coordinator(actor, program)
    require_not_closed(program)
    invitation = _invitation_in(program, invitation_id)
    _refuse_if_member(program, invitation.email, invitation.role)
    _send_link(actor, invitation)
    return invitation


@transaction.atomic
def revoke_invitation(actor: User, program: Program, invitation_id: int) -> Invitation:
    """Withdraw an invitation not yet accepted: its link then says so and admits no one."""
    require_coordinator(actor, program)
    invitation = _invitation_in(program, invitation_id)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


def invitation_for_token(raw: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("program").filter(token_hash=_token_hash(raw)).first()
    )
    if invitation is None:
        raise NotFound(
            _(
                "This invitation link does not work. A newer invitation may have replaced "
                "it: look for the latest invitation e-mail, or ask the program's coordinators."
            )
        )
    return invitation


@transaction.atomic
def accept_invitation(user: User, raw_token: str, *, accept_guidelines: bool) -> Membership:
    invitation = invitation_for_token(raw_token)
    # The token asked again under the lock: a resend that committed meanwhile retired it.
    locked = Invitation.objects.select_for_update().filter(
        pk=invitation.pk, token_hash=_token_hash(raw_token)
    )
    invitation = locked.first() or invitation_for_token(raw_token)
    # Locked as closing the program locks it: an acceptance cannot slip past a closing.
    invitation.program = Program.objects.select_for_update().get(pk=invitation.program_id)
    refusal = selectors.refusal_to_accept(user, invitation)
    if refusal is not None:
        raise refusal
    program = invitation.program
    if program.guidelines.strip() and not accept_guidelines:
        raise ValidationFailed(
            _("Please read and accept the program guidelines."),
            fields={"accept_guidelines": _("Required to join.")},
        )
    membership, _created = Membership.objects.get_or_create(
        program=program, user=user, role=invitation.role
    )
    membership.status = MembershipStatus.ACTIVE
    membership.source = "invitation"
    membership.decided_by = invitation.invited_by
    membership.decided_at = timezone.now()
    membership.guidelines_accepted_at = timezone.now()
    _activate(membership)
    membership.save()
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return membership


# --- closing at the end of a cycle ---------------------------------------------------------


@dataclass(frozen=True)
class ClosingDone:
    program: Program
    # False: it already was closed (or open, for a reopening) and nothing changed.
    changed: bool
    # Mentorships completed (active or paused) and ended (proposed, never started).
    completed: int = 0
    ended: int = 0


@dataclass(frozen=True)
class ClosedMentorships:
    """What the mentorships app answers to ``program_closed``."""

    completed: int
    ended: int
    # Who took part in the completed ones, and which: their notification points there.
    completed_for: dict[int, list[int]]


@transaction.atomic
def close_program(actor: User, program: Program) -> ClosingDone:
    """The end of the program's cycle: enrolment closes, it leaves the directory, nothing
    new starts in it (applications, invitations, imports, matching rounds, mentor
    requests, surveys not yet sent), and every open mentorship is completed by the
    mentorships app (a proposed one that never started ends, with the closing as its
    reason). Each member is told once. Closing a closed program changes nothing."""
    require_coordinator(actor, program)
    locked = Program.objects.select_for_update().get(pk=program.pk)
    if locked.closed_at is not None:
        _refresh(program, locked)
        return ClosingDone(program, changed=False)
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    locked.enrolment_open = False
    locked.is_listed = False
    locked.save(
        update_fields=["closed_at", "closed_by", "enrolment_open", "is_listed", "updated_at"]
    )
    _refresh(program, locked)
    completed_for: dict[int, list[int]] = {}
    completed = ended = 0
    for _receiver, answer in program_closed.send(sender=Program, program=program, actor=actor):
        if isinstance(answer, ClosedMentorships):
            completed += answer.completed
            ended += answer.ended
            for user_id, ids in answer.completed_for.items():
                completed_for.setdefault(user_id, []).extend(ids)
    _tell_members_of_closing(actor, program, completed_for)
    return ClosingDone(program, changed=True, completed=completed, ended=ended)


def _refresh(program: Program, locked: Program) -> None:
    for name in ("closed_at", "closed_by_id", "enrolment_open", "is_listed", "updated_at"):
        setattr(program, name, getattr(locked, name))


def _tell_members_of_closing(
    actor: User, program: Program, completed_for: dict[int, list[int]]
) -> None:
    """One notification each, in their language, whatever number of mentorships ended."""
    members = Membership.objects.filter(
        program=program, status=MembershipStatus.ACTIVE
    ).values_list("user_id", flat=True)
    people = User.objects.filter(pk__in={*members, *completed_for}).exclude(pk=actor.pk)
    for person in people.order_by("pk"):
        ids = completed_for.get(person.pk, [])
        if ids:
            url = (
                reverse("mentorship_detail", args=[ids[0]])
                if len(ids) == 1
                else reverse("mentorship_list")
            )
            notify(
                person,
                kind="membership",
                title=ngettext_lazy(
                    "%(program)s has closed and your mentorship in it is completed",
                    "%(program)s has closed and your %(n)s mentorships in it are completed",
                    "n",
                ),
                body=gettext_lazy(
                    "Write your reflection to receive your credential. Your goals, notes "
                    "and conversations stay there for you to read."
                ),
                params={"program": program.name, "n": len(ids)},
                url=url,
            )
        else:
            notify(
                person,
                kind="membership",
                title=gettext_lazy("%(program)s has closed"),
                body=gettext_lazy("Thank you for taking part. What was yours stays there to read."),
                params={"program": program.name},
                url=reverse("program_detail", args=[program.slug]),
            )


@transaction.atomic
def reopen_program(actor: User, program: Program) -> ClosingDone:
    """Undo a closing made by mistake: the program is open again, but enrolment stays
    closed and it stays out of the directory until a coordinator turns them back on in
    the settings, and the completed mentorships stay completed. Reopening an open program
    changes nothing."""
    require_coordinator(actor, program)
    locked = Program.objects.select_for_update().get(pk=program.pk)
    if locked.closed_at is None:
        _refresh(program, locked)
        return ClosingDone(program, changed=False)
    locked.closed_at = None
    locked.closed_by = None
    locked.save(update_fields=["closed_at", "closed_by", "updated_at"])
    _refresh(program, locked)
    return ClosingDone(program, changed=True)
