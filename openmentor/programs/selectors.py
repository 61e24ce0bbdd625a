"""Reads for programs, memberships and applications, with the permission questions."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from openmentor.accounts.models import User
from openmentor.accounts.selectors import has_verified_address
from openmentor.core.errors import Conflict, DomainError, NotAllowed
from openmentor.core.types import AnyUser

from .models import (
    LIVE_INVITATION,
    ApplicationQuestion,
    Invitation,
    Membership,
    MembershipStatus,
    Program,
    Role,
)


def is_coordinator(user: AnyUser, program: Program) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        program=program, user=user, role=Role.COORDINATOR, status=MembershipStatus.ACTIVE
    ).exists()


def is_any_coordinator(user: User) -> bool:
    return Membership.objects.filter(
        user=user, role=Role.COORDINATOR, status=MembershipStatus.ACTIVE
    ).exists()


def can_create_programs(user: AnyUser) -> bool:
    return user.is_authenticated and (user.is_staff or user.has_perm("programs.add_program"))


def is_active_member(user: AnyUser, program: Program) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(
            program=program, user=user, status=MembershipStatus.ACTIVE
        ).exists()
    )


def can_view_program(user: AnyUser, program: Program) -> bool:
    """Listed programs are public; unlisted ones only to people already involved."""
    if program.is_listed:
        return True
    return user.is_authenticated and (
        user.is_staff or Membership.objects.filter(program=program, user=user).exists()
    )


def directory(query: str = "") -> QuerySet[Program]:
    # A closed program is unlisted by closing it; the filter also keeps it out if someone
    # listed it again in the database while it stayed closed.
    programs = Program.objects.filter(is_listed=True, closed_at__isnull=True)
    if query:
        programs = programs.filter(
            Q(name__icontains=query) | Q(summary__icontains=query) | Q(description__icontains=query)
        )
    return programs.annotate(
        member_count=Count(
            "memberships",
            filter=Q(memberships__status=MembershipStatus.ACTIVE)
            & ~Q(memberships__role=Role.COORDINATOR),
        )
    ).order_by("-enrolment_open", "name")


def memberships_of(user: AnyUser, program: Program) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(program=program, user=user))


def memberships_for_dashboard(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .exclude(status=MembershipStatus.LEFT)
        .select_related("program")
        .prefetch_related("program__questions")  # still_to_answer asks each of them
        .order_by("program__name", "role")
    )


def coordinated_programs(user: User) -> QuerySet[Program]:
    """With ``pending_count`` and ``active_count``: counted in subqueries, since a count
    over the memberships the filter joins would see only the coordinator's own row."""
    return (
        Program.objects.filter(
            pk__in=Membership.objects.filter(
                user=user, role=Role.COORDINATOR, status=MembershipStatus.ACTIVE
            ).values("program_id")
        )
        .annotate(
            pending_count=_membership_count(Q(status=MembershipStatus.PENDING)),
            active_count=_membership_count(
                Q(status=MembershipStatus.ACTIVE) & ~Q(role=Role.COORDINATOR)
            ),
        )
        .order_by("name")
    )


def _membership_count(condition: Q) -> Coalesce:
    counted = (
        Membership.objects.filter(condition, program=OuterRef("pk"))
        .order_by()
        .values("program")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def questions_for(program: Program, role: str) -> list[ApplicationQuestion]:
    return [q for q in program.questions.all() if q.applies_to(role)]


def pending_applications(program: Program) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(program=program, status=MembershipStatus.PENDING)
        .select_related("user", "user__profile")
        .order_by("created_at")
    )


def members(program: Program, role: str | None = None, query: str = "") -> QuerySet[Membership]:
    qs = Membership.objects.filter(program=program, status=MembershipStatus.ACTIVE)
    if role:
        qs = qs.filter(role=role)
    if query:
        qs = qs.filter(Q(user__display_name__icontains=query) | Q(user__email__icontains=query))
    return qs.select_related("user", "user__profile").order_by("role", "user__display_name")


def role_counts(program: Program) -> dict[str, int]:
    rows = (
        Membership.objects.filter(program=program).values("role", "status").annotate(n=Count("id"))
    )
    counts: dict[str, int] = {}
    for row in rows:
        counts[f"{row['role']}_{row['status']}"] = row["n"]
    return counts


def applicable_roles(program: Program) -> list[str]:
    return [str(role) for role in program.participant_roles()]


def invitations(program: Program) -> QuerySet[Invitation]:
    """The console's list: newest first, with who accepted each."""
    return program.invitations.select_related("accepted_by").order_by("-created_at", "-id")


def refusal_of_link(invitation: Invitation) -> DomainError | None:
    """Why this invitation's link admits no one now, whoever opens it (``None``: it may)."""
    if invitation.accepted_at is not None:
        return Conflict(_("This invitation has already been used."), code="invitation_used")
    if invitation.revoked_at is not None:
        return Conflict(_("This invitation was withdrawn."), code="invitation_revoked")
    if invitation.program.closed_at is not None:
        return Conflict(
            _("This program has closed; its invitations no longer admit anyone."),
            code="program_closed",
        )
    if invitation.expires_at < timezone.now():
        return Conflict(_("This invitation has expired; ask for a new one."), code="expired")
    return None


def refusal_to_accept(user: User, invitation: Invitation) -> DomainError | None:
    """Why this person cannot accept this invitation now (``None``: they can)."""
    refusal = refusal_of_link(invitation)
    if refusal is not None:
        return refusal
    if not has_verified_address(user, invitation.email):
        # A forwarded or leaked link made anyone who held it a member, even a coordinator.
        return NotAllowed(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    return None


JOINED_WITHOUT_APPLYING = ("invitation", "import")


def still_to_answer(membership: Membership) -> bool:
    """Whether someone who joined without applying (invited, imported) has the program's
    required questions of their role, or its guidelines, still to answer."""
    if (
        membership.status != MembershipStatus.ACTIVE
        or membership.role == Role.COORDINATOR
        or membership.source not in JOINED_WITHOUT_APPLYING
    ):
        return False
    program = membership.program
    if program.guidelines.strip() and membership.guidelines_accepted_at is None:
        return True
    answered = membership.answers or {}
    return any(
        question.required and answered.get(str(question.pk)) in (None, "", [])
        for question in questions_for(program, membership.role)
    )


def has_live_invitation(program: Program, email: str, role: str) -> bool:
    """An invitation of this address to this role that can still be accepted."""
    return (
        Invitation.objects.filter(LIVE_INVITATION, program=program, email__iexact=email, role=role)
        .filter(expires_at__gt=timezone.now())
        .exists()
    )
