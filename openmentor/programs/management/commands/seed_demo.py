"""Load a realistic demo: a formal doctoral e-mentoring network and a peer circle program,
with about sixty people across continents, time zones and languages."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from openmentor.accounts.models import User
from openmentor.accounts.services import ProfileInput, update_profile
from openmentor.mentorships.models import Mentorship, MentorshipParticipant, title_from_names
from openmentor.messaging.models import Conversation, Message
from openmentor.messaging.services import mark_read, mentorship_conversation, send_message
from openmentor.programs.models import ApplicationQuestion, Membership, Program

DEMO_PASSWORD = "openmentor-demo"  # noqa: S105 - printed on purpose for the demo sign-ins

# (name, country, time zone, languages) — half-hour and 45-minute zones, both hemispheres'
# daylight saving (Europe, North America / Chile, Brazil's old rules, Australia, New Zealand).
PEOPLE: list[tuple[str, str, str, dict[str, int]]] = [
    ("Ana Souza", "BR", "America/Sao_Paulo", {"pt": 5, "en": 4, "es": 3}),
    ("Bruno Lima", "BR", "America/Sao_Paulo", {"pt": 5, "en": 3}),
    ("Camila Rojas", "CL", "America/Santiago", {"es": 5, "en": 3}),
    ("Diego Fernández", "AR", "America/Argentina/Buenos_Aires", {"es": 5, "en": 4, "pt": 2}),
    ("Elena García", "ES", "Europe/Madrid", {"es": 5, "en": 4, "fr": 3}),
    ("Fatima Zahra", "MA", "Africa/Casablanca", {"ar": 5, "fr": 5, "en": 3}),
    ("Grace Wanjiru", "KE", "Africa/Nairobi", {"sw": 5, "en": 5}),
    ("Hiroshi Tanaka", "JP", "Asia/Tokyo", {"ja": 5, "en": 3}),
    ("Ifeoma Okafor", "NG", "Africa/Lagos", {"en": 5, "ig": 5}),
    ("Javier Morales", "MX", "America/Mexico_City", {"es": 5, "en": 4}),
    ("Kavya Iyer", "IN", "Asia/Kolkata", {"en": 5, "hi": 5, "ta": 4}),
    ("Liam O'Connor", "IE", "Europe/Dublin", {"en": 5, "ga": 2}),
    ("Mariam Haddad", "LB", "Asia/Beirut", {"ar": 5, "fr": 4, "en": 4}),
    ("Nima Sherpa", "NP", "Asia/Kathmandu", {"ne": 5, "en": 4}),
    ("Olivia Brown", "AU", "Australia/Sydney", {"en": 5}),
    ("Pedro Alves", "PT", "Europe/Lisbon", {"pt": 5, "en": 4, "es": 3}),
    ("Qiu Ying", "CN", "Asia/Shanghai", {"zh": 5, "en": 3}),
    ("Rania Mansour", "EG", "Africa/Cairo", {"ar": 5, "en": 4}),
    ("Sofía Herrera", "CO", "America/Bogota", {"es": 5, "en": 3}),
    ("Tariq Khan", "PK", "Asia/Karachi", {"ur": 5, "en": 5}),
    ("Uma Reddy", "IN", "Asia/Kolkata", {"te": 5, "en": 5, "hi": 3}),
    ("Victor Dubois", "FR", "Europe/Paris", {"fr": 5, "en": 4}),
    ("Wiremu Ngata", "NZ", "Pacific/Auckland", {"en": 5, "mi": 4}),
    ("Xavier Tremblay", "CA", "America/Toronto", {"fr": 5, "en": 5}),
    ("Yasmin Rahman", "BD", "Asia/Dhaka", {"bn": 5, "en": 4}),
    ("Zainab Bello", "NG", "Africa/Lagos", {"en": 5, "ha": 5}),
    ("Aiko Suzuki", "JP", "Asia/Tokyo", {"ja": 5, "en": 4}),
    ("Ben Carter", "US", "America/New_York", {"en": 5, "es": 2}),
    ("Chloe Martin", "CA", "America/St_Johns", {"en": 5, "fr": 3}),
    ("Daniel Kim", "KR", "Asia/Seoul", {"ko": 5, "en": 4}),
    ("Esra Yılmaz", "TR", "Europe/Istanbul", {"tr": 5, "en": 4, "de": 3}),
    ("Felipe Castro", "PE", "America/Lima", {"es": 5, "en": 3}),
    ("Gabriela Nowak", "PL", "Europe/Warsaw", {"pl": 5, "en": 4, "de": 3}),
    ("Hannah Schmidt", "DE", "Europe/Berlin", {"de": 5, "en": 5}),
    ("Isabel Santos", "BR", "America/Fortaleza", {"pt": 5, "es": 3}),
    ("Jamal Adeyemi", "GH", "Africa/Accra", {"en": 5}),
    ("Kiri Walker", "AU", "Australia/Adelaide", {"en": 5}),
    ("Lucía Méndez", "UY", "America/Montevideo", {"es": 5, "pt": 3, "en": 3}),
    ("Mehdi Karimi", "IR", "Asia/Tehran", {"fa": 5, "en": 4}),
    ("Nadia Petrova", "BG", "Europe/Sofia", {"bg": 5, "en": 4, "ru": 3}),
    ("Omar Farouk", "JO", "Asia/Amman", {"ar": 5, "en": 4}),
    ("Priya Nair", "LK", "Asia/Colombo", {"si": 4, "ta": 5, "en": 5}),
    ("Rafael Torres", "ES", "Atlantic/Canary", {"es": 5, "en": 3}),
    ("Sara Johansson", "SE", "Europe/Stockholm", {"sv": 5, "en": 5}),
    ("Thabo Nkosi", "ZA", "Africa/Johannesburg", {"zu": 5, "en": 5, "af": 3}),
    ("Ulla Virtanen", "FI", "Europe/Helsinki", {"fi": 5, "en": 4, "sv": 3}),
    ("Vu Minh Anh", "VN", "Asia/Ho_Chi_Minh", {"vi": 5, "en": 3}),
    ("Wen Li", "SG", "Asia/Singapore", {"en": 5, "zh": 5, "ms": 3}),
    ("Ximena Quispe", "BO", "America/La_Paz", {"es": 5, "qu": 4}),
    ("Yusuf Demir", "TR", "Europe/Istanbul", {"tr": 5, "en": 3}),
    ("Zoe Campbell", "GB", "Europe/London", {"en": 5, "fr": 2}),
    ("Amara Diallo", "SN", "Africa/Dakar", {"fr": 5, "wo": 5, "en": 3}),
    ("Bilal Hussain", "AE", "Asia/Dubai", {"ar": 4, "en": 5, "ur": 4}),
    ("Carmen Ruiz", "MX", "America/Tijuana", {"es": 5, "en": 5}),
    ("Dev Patel", "IN", "Asia/Kolkata", {"gu": 5, "en": 5, "hi": 4}),
    ("Emma Wilson", "NZ", "Pacific/Auckland", {"en": 5}),
    ("Farah Aziz", "MY", "Asia/Kuala_Lumpur", {"ms": 5, "en": 5}),
    ("Gustavo Pereira", "BR", "America/Manaus", {"pt": 5, "en": 3}),
    ("Hana Novak", "CZ", "Europe/Prague", {"cs": 5, "en": 4}),
    ("Ibrahim Sow", "ML", "Africa/Bamako", {"fr": 5, "en": 2}),
    ("Julia Costa", "PT", "Europe/Lisbon", {"pt": 5, "en": 5}),
    ("Kenji Mori", "JP", "Asia/Tokyo", {"ja": 5, "en": 4}),
]

FIELDS = [
    ("epidemiology", ["statistics", "grant writing", "r programming", "public health"]),
    ("climate science", ["data analysis", "python", "scientific writing", "fieldwork"]),
    ("education research", ["qualitative methods", "academic writing", "teaching"]),
    ("computer science", ["machine learning", "python", "open source", "career planning"]),
    ("economics", ["econometrics", "policy writing", "statistics", "presenting"]),
    ("history", ["archival research", "academic writing", "publishing"]),
    ("biology", ["lab management", "grant writing", "scientific writing", "statistics"]),
    ("engineering", ["project management", "leadership", "python", "patents"]),
]

GOALS = [
    "Finish my thesis chapters on time and publish my first paper.",
    "Write a competitive grant proposal and learn to manage my supervisor relationship.",
    "Move from academia to industry research and build my network across countries.",
    "Get better at presenting at international conferences in English.",
    "Learn reproducible data analysis and build confidence in statistics.",
    "Balance research with family life and plan the next five years of my career.",
]

DEMO_MESSAGES = [
    "Welcome to the program! I read your goals: let's start with the thesis timeline. "
    "Which chapter worries you most?",
    "Thank you! Chapter 3 (the **methods**). My supervisor wants it by February.",
    "February is doable. Send me your outline when you have it, and book a call for next "
    "week: the slot finder shows times that suit us both.",
    "Outline attached next time. Booking Thursday now.",
]
CIRCLE_MESSAGES = [
    "Hello circle! This week I can teach **pandas** basics. Who wants to go first?",
    "Me! And I can show window functions in SQL in return.",
    "Great, let's pair up: a 30-minute session each, notes in here afterwards.",
]

# Demo sign-ins: printed by `make run`.
SIGN_INS = [
    ("coordinator", "coordinator@demo.openmentor.org", "Global Doctoral Mentoring Network"),
    ("mentor", "mentor@demo.openmentor.org", "Global Doctoral Mentoring Network"),
    ("mentee", "mentee@demo.openmentor.org", "Global Doctoral Mentoring Network"),
    ("peer", "peer@demo.openmentor.org", "Data Skills Peer Circles"),
    # The mentor's mentee (the "mentee" above is not matched yet, to try matching) and a
    # member of a running circle, to try a conversation from the other side and in a group.
    ("mentor's mentee", "yasmin.rahman@demo.openmentor.org", "Global Doctoral Mentoring Network"),
    ("peer in a circle", "thabo.nkosi@demo.openmentor.org", "Data Skills Peer Circles"),
]


def _email(name: str) -> str:
    ascii_name = name.lower().encode("ascii", "ignore").decode().replace("'", "")
    return ".".join(ascii_name.split()) + "@demo.openmentor.org"


class Command(BaseCommand):
    help = "Load the demo programs and people (use --if-empty from `make run`)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Only when no program exists.")

    def handle(self, *args: Any, if_empty: bool = False, **options: Any) -> None:
        if if_empty and Program.objects.exists():
            self.stdout.write("Demo data: the database already has programs; nothing loaded.")
        else:
            self.load()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for role, email, program in SIGN_INS:
            self.stdout.write(f"  {role:<12} {email:<40} {program}")
        self.stdout.write("  site admin   admin@demo.openmentor.org (at /admin/)")

    @transaction.atomic
    def load(self) -> None:
        self.password_hash = make_password(DEMO_PASSWORD)
        rng = random.Random(20261129)
        people = []
        for index, (name, country, zone, languages) in enumerate(PEOPLE):
            email = _email(name)
            if index == 0:
                email = "coordinator@demo.openmentor.org"
            elif index == 1:
                email = "mentor@demo.openmentor.org"
            elif index == 2:
                email = "mentee@demo.openmentor.org"
            elif index == 3:
                email = "peer@demo.openmentor.org"
            user = self._person(email, name, zone)
            field, skills = FIELDS[index % len(FIELDS)]
            expertise = [*rng.sample(skills, k=min(3, len(skills))), field]
            interests = rng.sample(skills, k=2)
            update_profile(
                user,
                ProfileInput(
                    headline=f"{'Researcher' if index % 3 else 'Doctoral candidate'} in {field}",
                    bio=f"I work on {field} from {zone.split('/')[-1].replace('_', ' ')}.",
                    country=country,
                    languages=languages,
                    expertise=expertise,
                    interests=interests,
                    goals_text=rng.choice(GOALS),
                    meeting_modes=rng.sample(["video", "audio", "async", "chat"], k=2),
                    weekly_hours=rng.choice([1, 2, 2, 3, 4]),
                    seniority=1 + index % 5,
                    organisation_unit=f"Faculty of {field.title()}",
                ),
            )
            people.append(user)

        admin = self._person("admin@demo.openmentor.org", "Site Administrator", "UTC")
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
        coordinator = people[0]
        coordinator.user_permissions.add(
            Permission.objects.get(codename="add_program", content_type__app_label="programs")
        )

        doctoral = Program.objects.create(
            name="Global Doctoral Mentoring Network",
            slug="global-doctoral-mentoring",
            summary="Doctoral candidates meet experienced researchers in other countries.",
            description=(
                "A nine-month formal e-mentoring program. Each doctoral candidate is matched "
                "with a researcher abroad; pairs meet every two weeks by video or audio and "
                "keep in touch by messages in between."
            ),
            guidelines=(
                "Reply to messages within five days. Keep what is said in the mentorship "
                "confidential. Respect time zones: propose times in both local times."
            ),
            objectives="Thesis progress, a publication or grant plan, an international network.",
            formality="formal",
            starts_on=date(2026, 10, 1),
            ends_on=date(2027, 6, 30),
            meeting_cadence="fortnightly",
            emphasis="balanced",
            focus="content",
            structure="hierarchical",
            delivery="online_only",
            approval="manual",
            default_mentor_capacity=2,
            matching_mode="both",
            created_by=coordinator,
        )
        topic_question = ApplicationQuestion.objects.create(
            program=doctoral,
            prompt="What is the topic of your research?",
            kind="short_text",
            position=1,
        )
        stage_question = ApplicationQuestion.objects.create(
            program=doctoral,
            prompt="Which stage of your doctorate are you in?",
            kind="single_choice",
            choices=["First year", "Middle years", "Writing up"],
            audience="mentee",
            position=2,
        )
        ApplicationQuestion.objects.create(
            program=doctoral,
            prompt="How confident are you with online meetings?",
            kind="scale",
            required=False,
            position=3,
        )

        circles = Program.objects.create(
            name="Data Skills Peer Circles",
            slug="data-skills-peer-circles",
            summary="Co-mentoring circles: peers learn data skills from each other.",
            description="Small circles of peers who take turns teaching and learning.",
            guidelines="Everyone teaches, everyone learns. Share your screen, not your secrets.",
            structure="peer",
            group_format="group",
            max_group_size=5,
            formality="informal",
            emphasis="asynchronous",
            focus="process",
            delivery="hybrid",
            approval="automatic",
            matching_mode="self_service",
            default_mentor_capacity=3,
            created_by=coordinator,
        )

        Membership.objects.create(
            program=doctoral, user=coordinator, role="coordinator", status="active", source="demo"
        )
        Membership.objects.create(
            program=circles, user=coordinator, role="coordinator", status="active", source="demo"
        )
        mentors = [people[1], *people[4:24]]
        mentees = [people[2], *people[24:44]]
        peers = [people[3], *people[44:]]
        for user in mentors:
            Membership.objects.create(
                program=doctoral,
                user=user,
                role="mentor",
                status="active",
                capacity=rng.choice([1, 2, 2, 3]),
                source="demo",
            )
        for i, user in enumerate(mentees):
            Membership.objects.create(
                program=doctoral,
                user=user,
                role="mentee",
                status="pending" if i >= len(mentees) - 3 else "active",
                answers={
                    str(topic_question.pk): user.profile.headline.split(" in ")[-1].capitalize(),
                    str(stage_question.pk): rng.choice(stage_question.choices),
                },
                source="demo",
            )
        for user in peers:
            Membership.objects.create(
                program=circles, user=user, role="peer", status="active", capacity=3, source="demo"
            )

        # A few relationships already running, so dashboards are not empty.
        running = []
        for mentor, mentee in [(mentors[0], mentees[1]), (mentors[2], mentees[3])]:
            mentorship = Mentorship.objects.create(
                program=doctoral,
                status="active",
                started_on=date(2026, 10, 6),
                origin="demo",
                title=title_from_names([str(mentor), str(mentee)]),
            )
            MentorshipParticipant.objects.create(mentorship=mentorship, user=mentor, role="mentor")
            MentorshipParticipant.objects.create(mentorship=mentorship, user=mentee, role="mentee")
            running.append((mentorship, mentor, mentee))

        # The demo mentor's conversation has a history, so Messages is not empty on first look.
        mentorship, mentor, mentee = running[0]
        conversation = mentorship_conversation(mentorship)
        self._history(
            conversation,
            [
                (mentor, DEMO_MESSAGES[0]),
                (mentee, DEMO_MESSAGES[1]),
                (mentor, DEMO_MESSAGES[2]),
                (mentee, DEMO_MESSAGES[3]),
            ],
            "demo",
        )

        # A running circle of four peers (not the demo peer, who tries finding peers).
        circle = Mentorship.objects.create(
            program=circles,
            status="active",
            started_on=date(2026, 10, 13),
            origin="demo",
            title=title_from_names([str(peer) for peer in peers[1:5]]),
        )
        for peer in peers[1:5]:
            MentorshipParticipant.objects.create(mentorship=circle, user=peer, role="peer")
        conversation = mentorship_conversation(circle)
        self._history(
            conversation, list(zip(peers[1:4], CIRCLE_MESSAGES, strict=True)), "demo-circle"
        )

    def _history(
        self, conversation: Conversation, lines: list[tuple[User, str]], client_prefix: str
    ) -> None:
        """A conversation as it stands after some days: one message a day, each read by the
        others before the next, the last one still unread. Dated before the unread e-mails'
        window, so loading the demo sends nobody an e-mail about messages it made up."""
        first_day = timezone.now() - timedelta(days=len(lines) + 2)
        sent: list[Message] = []
        for number, (sender, body) in enumerate(lines):
            if sent:
                for member in conversation.members.exclude(user=sent[-1].sender):
                    mark_read(member.user, conversation, up_to=sent[-1].pk)
            sent.append(
                send_message(
                    sender, conversation, body=body, client_id=f"{client_prefix}-{number}"
                ).message
            )
        for day, message in enumerate(sent):
            Message.objects.filter(pk=message.pk).update(
                created_at=first_day + timedelta(days=day), sent_at=first_day + timedelta(days=day)
            )
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=first_day + timedelta(days=len(sent) - 1)
        )

    def _person(self, email: str, name: str, zone: str) -> User:
        user = User.objects.create_user(email=email, display_name=name, time_zone=zone)
        # Hashing once keeps loading fast: Argon2 is slow on purpose.
        user.password = self.password_hash
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user
