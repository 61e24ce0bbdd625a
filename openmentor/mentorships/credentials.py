"""Open Badges 3.0 credentials (W3C Verifiable Credentials 2.0) signed with the Data
Integrity ``eddsa-jcs-2022`` cryptosuite: JSON canonicalisation (RFC 8785), SHA-256 of
the proof options and of the document, Ed25519 signature, base58btc multibase."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import selectors, signing
from .models import Credential, CredentialKind, ParticipantRole

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CRYPTOSUITE = "eddsa-jcs-2022"


def canonical(value: Any) -> bytes:
    """RFC 8785 for the values we issue (strings, integers, booleans, lists, objects):
    sorted keys, no whitespace, UTF-8. Credentials never hold floats."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _hash_data(document: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    return (
        hashlib.sha256(canonical(proof_options)).digest()
        + hashlib.sha256(canonical(document)).digest()
    )


def sign(document: dict[str, Any]) -> dict[str, Any]:
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    proof_options = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "verificationMethod": signing.verification_method(),
        "proofPurpose": "assertionMethod",
        "@context": unsigned["@context"],
    }
    signature = signing.signing_key().sign(_hash_data(unsigned, proof_options))
    proof = {k: v for k, v in proof_options.items() if k != "@context"}
    proof["proofValue"] = "z" + signing.base58btc(signature)
    return {**unsigned, "proof": proof}


def _iso(moment: Any) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_credential(credential: Credential) -> dict[str, Any]:
    mentorship = credential.mentorship
    program = mentorship.program
    person = credential.recipient
    participants = selectors.participants(mentorship)
    mentees = sum(
        1 for p in participants if p.role in (ParticipantRole.MENTEE, ParticipantRole.PEER)
    )
    hours = selectors.hours_held(mentorship)
    if credential.kind == CredentialKind.COMPLETION:
        name = _("Mentoring completed: %(program)s") % {"program": program.name}
        sessions = mentorship.sessions.count()
        goals = mentorship.goals.filter(owner=person, status="achieved").count()
        # One sentence for translators to order as their language does; the counted parts
        # agree with their numbers.
        narrative = _(
            "%(name)s completed a mentorship in %(program)s: %(sessions)s, %(hours)s of "
            "mentoring, %(goals)s."
        ) % {
            "name": person.name,
            "program": program.name,
            "sessions": ngettext("%(n)d session", "%(n)d sessions", sessions) % {"n": sessions},
            "hours": _hours(hours),
            "goals": ngettext("%(n)d goal achieved", "%(n)d goals achieved", goals) % {"n": goals},
        }
        criteria = _(
            "Took part as a mentee until the mentorship was completed and reflected on it."
        )
    else:
        name = _("Mentoring service: %(program)s") % {"program": program.name}
        narrative = _("%(name)s mentored %(people)s in %(program)s for %(hours)s.") % {
            "name": person.name,
            "people": ngettext("%(n)d person", "%(n)d people", mentees) % {"n": mentees},
            "program": program.name,
            "hours": _hours(hours),
        }
        criteria = _("Mentored until the mentorship was completed and reflected on it.")
    salt = hashlib.sha256(str(credential.pk).encode()).hexdigest()[:16]
    document: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{credential.pk}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {
            "id": signing.issuer_did(),
            "type": ["Profile"],
            "name": "OpenMentor",
            "url": settings.SITE_URL,
        },
        "validFrom": _iso(timezone.now()),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                    "identityHash": "sha256$"
                    + hashlib.sha256((person.email + salt).encode()).hexdigest(),
                }
            ],
            "narrative": narrative,
            "role": str(ParticipantRole.MENTOR.label)
            if credential.kind == CredentialKind.SERVICE
            else str(ParticipantRole.MENTEE.label),
            "activityStartDate": _iso_date(_started(mentorship)),
            "activityEndDate": _iso_date(mentorship.closed_at),
            "achievement": {
                "id": f"{settings.SITE_URL}/credentials/achievements/{program.slug}/{credential.kind}",
                "type": ["Achievement"],
                "achievementType": "Achievement",
                "name": name,
                "description": program.summary or program.name,
                "criteria": {"narrative": criteria},
            },
        },
    }
    document["credentialSubject"] = {
        k: v for k, v in document["credentialSubject"].items() if v is not None
    }
    return sign(document)


def _hours(hours: Any) -> str:
    """ "1.5 hours" written the reader's way ("1,5 horas"); one hour is singular."""
    whole = float(hours).is_integer()  # "1 hour", not "1,0 hora"
    return ngettext("%(hours)s hour", "%(hours)s hours", 1 if hours == 1 else 2) % {
        "hours": number_format(int(hours) if whole else hours, None if whole else 1)
    }


def _started(mentorship: Any) -> Any:
    """When it began: the program's start date, unless it was closed before that (matched
    early, completed before the program's term) and so began when it was made. A signed
    credential ended before it started."""
    closed = mentorship.closed_at
    started = mentorship.started_on
    if started is None or (closed is not None and started > timezone.localdate(closed)):
        return timezone.localdate(mentorship.created_at)
    return started


def _iso_date(value: Any) -> str | None:
    if value is None:
        return None
    if hasattr(value, "hour"):
        return _iso(value)
    return f"{value.isoformat()}T00:00:00Z"


@dataclass
class Verification:
    valid: bool
    reasons: list[str] = field(default_factory=list)
    name: str = ""
    narrative: str = ""


def verify(raw: str | bytes | dict[str, Any]) -> Verification:
    """Check a pasted or uploaded credential; every failure says why."""
    try:
        document = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except (ValueError, UnicodeDecodeError):
        return Verification(False, [_("This is not valid JSON.")])
    if not isinstance(document, dict):
        return Verification(False, [_("A credential is a JSON object.")])
    reasons = []
    types = document.get("type") or []
    if not isinstance(types, list) or not {"VerifiableCredential", "OpenBadgeCredential"} <= set(
        types
    ):
        reasons.append(_("It is not an Open Badges 3.0 credential (its type is wrong)."))
    proof = document.get("proof")
    if not isinstance(proof, dict):
        return Verification(False, [*reasons, _("It carries no proof (signature).")])
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        reasons.append(_("Its proof uses a method this site does not issue."))
    if proof.get("verificationMethod") != signing.verification_method():
        reasons.append(_("It was not signed with this site's key."))
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != signing.issuer_did():
        reasons.append(_("Its issuer is not this site."))
    proof_value = proof.get("proofValue", "")
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = unsigned.get("@context")
    try:
        if not isinstance(proof_value, str) or not proof_value.startswith("z"):
            raise ValueError("bad proof value")
        signature = signing.base58btc_decode(proof_value[1:])
        signing.signing_key().public_key().verify(signature, _hash_data(unsigned, options))
    except Exception:
        reasons.append(
            _(
                "The signature does not match the content: the credential was changed after it was issued."
            )
        )
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        subject = {}
    return Verification(
        valid=not reasons,
        reasons=reasons,
        name=str(document.get("name", ""))[:300],
        narrative=str(subject.get("narrative", ""))[:1000],
    )
