"""CSV import of participants: every row is checked before anything is written.

Columns (header row required, order free): ``email``, ``name``, ``role`` (required);
``country``, ``time_zone``, ``languages`` ("en:5; pt:3"), ``expertise`` and ``interests``
("a; b"), ``organisation_unit``, ``capacity`` (optional)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django_countries import countries

from openmentor.accounts.models import User
from openmentor.accounts.selectors import known_language_codes
from openmentor.accounts.services import ProfileInput, update_profile
from openmentor.core.errors import ValidationFailed
from openmentor.core.mail import send_email_on_commit
from openmentor.core.text import split_tags
from openmentor.core.timezones import is_valid_timezone

from . import selectors
from .models import Membership, MembershipStatus, Program, Role
from .services import invite, require_coordinator, require_not_closed

REQUIRED_COLUMNS = ("email", "name", "role")
OPTIONAL_COLUMNS = (
    "country",
    "time_zone",
    "languages",
    "expertise",
    "interests",
    "organisation_unit",
    "capacity",
)
MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024


@dataclass
class ParsedRow:
    line: int
    email: str
    name: str
    role: str
    country: str = ""
    time_zone: str = ""
    languages: dict[str, int] = field(default_factory=dict)
    expertise: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    organisation_unit: str = ""
    capacity: int | None = None


@dataclass
class RowError:
    line: int
    email: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    added_memberships: int = 0
    invited: int = 0
    already_invited: int = 0
    already_members: int = 0
    imported: bool = False


def _country_code(raw: str) -> str | None:
    raw = raw.strip()
    if not raw:
        return ""
    if raw.upper() in dict(countries):
        return raw.upper()
    by_name = {name.casefold(): code for code, name in countries}
    return by_name.get(raw.casefold())


def _parse_languages(raw: str) -> dict[str, int]:
    known = known_language_codes()
    result: dict[str, int] = {}
    for part in [p.strip() for p in raw.replace(",", ";").split(";") if p.strip()]:
        code, _sep, level = part.partition(":")
        code = code.strip().lower()
        if code not in known:
            raise ValueError(_("unknown language code “%(code)s”") % {"code": code})
        number = int(level) if level.strip() else 3
        if not 1 <= number <= 5:
            raise ValueError(_("language level must be 1–5"))
        result[code] = number
    return result


def _parse_row(line: int, raw: dict[str, str], program: Program) -> ParsedRow:
    def value(name: str) -> str:
        return (raw.get(name) or "").strip()

    email = value("email").lower()
    problems: list[str] = []
    try:
        validate_email(email)
    except ValidationError:
        problems.append(_("“%(email)s” is not a valid e-mail address") % {"email": email})
    name = value("name")
    if not name:
        problems.append(_("name is empty"))
    role = value("role").lower()
    allowed_roles = [*selectors.applicable_roles(program), Role.COORDINATOR]
    if role not in allowed_roles:
        problems.append(
            _("role “%(role)s” is not one of %(roles)s")
            % {"role": role, "roles": ", ".join(allowed_roles)}
        )
    country = _country_code(value("country"))
    if country is None:
        problems.append(_("unknown country “%(country)s”") % {"country": value("country")})
    zone = value("time_zone")
    if zone and not is_valid_timezone(zone):
        problems.append(_("unknown time zone “%(zone)s”") % {"zone": zone})
    languages: dict[str, int] = {}
    try:
        languages = _parse_languages(value("languages"))
    except ValueError as exc:
        problems.append(str(exc))
    capacity: int | None = None
    if value("capacity"):
        try:
            capacity = int(value("capacity"))
            if not 0 <= capacity <= 50:
                raise ValueError
        except ValueError:
            problems.append(_("capacity must be a whole number from 0 to 50"))
    if problems:
        raise ValueError("; ".join(problems))
    return ParsedRow(
        line=line,
        email=email,
        name=name,
        role=role,
        country=country or "",
        time_zone=zone,
        languages=languages,
        expertise=split_tags(value("expertise")),
        interests=split_tags(value("interests")),
        organisation_unit=value("organisation_unit"),
        capacity=capacity,
    )


def _delimiter_of(text: str) -> str:
    """What separates the header's names: a comma, or the semicolon (Excel's CSV where a
    comma is the decimal sign: Spanish, French, Portuguese...) or a tab."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def parse_csv(data: bytes, program: Program) -> tuple[list[ParsedRow], ImportReport]:
    report = ImportReport()
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("The file is larger than 2 MB; split it into parts."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(_("Save the file as UTF-8 CSV and upload it again.")) from exc
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter_of(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed(
            _("The header row is missing: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise ValidationFailed(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(unknown)})
    reader.fieldnames = header
    rows: list[ParsedRow] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(reader, start=2):
        if index - 1 > MAX_ROWS:
            raise ValidationFailed(_("At most %(n)d rows per file.") % {"n": MAX_ROWS})
        if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue
        report.rows += 1
        email = (raw.get("email") or "").strip().lower()
        try:
            row = _parse_row(index, raw, program)
        except ValueError as exc:
            report.errors.append(RowError(index, email, str(exc)))
            continue
        key = (row.email, row.role)
        if key in seen:
            report.errors.append(
                RowError(index, email, _("repeats line %(line)d") % {"line": seen[key]})
            )
            continue
        seen[key] = index
        rows.append(row)
    if report.rows == 0:
        raise ValidationFailed(_("The file has no participant rows."))
    return rows, report


@transaction.atomic
def import_participants(
    actor: User, program: Program, data: bytes, *, good_rows_only: bool = False
) -> ImportReport:
    """All or nothing by default; with ``good_rows_only`` the valid rows go in and the
    report still lists every bad row with its reason. A new address gets an account and
    joins at once (the organisation enrols its people); someone who already has an account
    is invited and joins only if they accept: a coordinator of any program could otherwise
    enrol anyone whose address they knew, and read their profile and private needs."""
    require_coordinator(actor, program)
    require_not_closed(program)
    rows, report = parse_csv(data, program)
    if report.errors and not good_rows_only:
        return report
    now = timezone.now()
    # Accounts this import made, with their roles: further roles join at once, and each
    # newcomer gets one e-mail naming all of them.
    created: dict[int, tuple[User, list[Any]]] = {}

    def enrol(user: User, row: ParsedRow) -> Membership:
        membership = Membership(
            program=program,
            user=user,
            role=row.role,
            status=MembershipStatus.ACTIVE,
            source="import",
            decided_by=actor,
            decided_at=now,
        )
        if row.role in (Role.MENTOR, Role.PEER):
            membership.capacity = (
                row.capacity if row.capacity is not None else program.default_mentor_capacity
            )
        membership.save()
        report.added_memberships += 1
        return membership

    for row in rows:
        user = User.objects.filter(email__iexact=row.email).first()
        if user is not None and user.pk in created:
            enrol(user, row)  # a newcomer listed in a second role
            created[user.pk][1].append(Role(row.role).label)
            continue
        if user is not None:
            if Membership.objects.filter(
                program=program, user=user, role=row.role, status=MembershipStatus.ACTIVE
            ).exists():
                report.already_members += 1
            elif selectors.has_live_invitation(program, user.email, row.role):
                # Importing the file again sends no second e-mail and keeps their link.
                report.already_invited += 1
            else:
                invite(actor, program, email=user.email, role=row.role)
                report.invited += 1
            continue
        user = User.objects.create_user(
            email=row.email,
            display_name=row.name,
            time_zone=row.time_zone or "UTC",
            # Until they choose: the coordinator's, as an invitation to a newcomer (English
            # e-mails went to a Spanish program's people).
            language=actor.language,
        )
        created[user.pk] = (user, [Role(row.role).label])
        EmailAddress.objects.create(user=user, email=row.email, verified=True, primary=True)
        update_profile(
            user,
            ProfileInput(
                country=row.country,
                languages=row.languages or None,
                expertise=row.expertise,
                interests=row.interests,
                organisation_unit=row.organisation_unit,
            ),
        )
        enrol(user, row)
    for user, roles in created.values():
        send_email_on_commit(
            user.email,
            "programs/email/imported_new_account",
            # The roles' names in the reader's language, not the coordinator's.
            {
                "program": program,
                "person": user,
                "role": format_lazy(", ".join(["{}"] * len(roles)), *roles),
            },
            user.language,
        )
    report.imported = True
    return report
