"""Starting points for goals that follow the program's focus: content-focused programs
grow skills and knowledge, process-focused ones grow ways of learning."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _

CONTENT_TEMPLATES = {
    "skill": {
        "title": _("Learn a new skill"),
        "specific": _("Which skill, and to what level?"),
        "measurable": _("A piece of work that shows the skill, reviewed by my mentor."),
        "relevant": _("How the skill helps the work I want to do."),
    },
    "knowledge": {
        "title": _("Understand a topic in depth"),
        "specific": _("The topic and the questions I want to answer."),
        "measurable": _("I can explain it to someone else and answer their questions."),
        "relevant": _("Why this knowledge matters for my next step."),
    },
    "career": {
        "title": _("Take a concrete career step"),
        "specific": _("The role, application or project I am aiming for."),
        "measurable": _("Application sent, interview held or project delivered."),
        "relevant": _("How it moves me towards where I want to be."),
    },
}

PROCESS_TEMPLATES = {
    "habits": {
        "title": _("Build a study or work routine"),
        "specific": _("When, where and how long I will work each week."),
        "measurable": _("Weeks in a row I kept the routine."),
        "relevant": _("What the routine makes possible."),
    },
    "reflection": {
        "title": _("Reflect on how I learn"),
        "specific": _("A short weekly reflection: what worked, what did not, what next."),
        "measurable": _("Reflections written and discussed with my mentor."),
        "relevant": _("Learning to learn carries over to everything else."),
    },
    "feedback": {
        "title": _("Ask for and use feedback"),
        "specific": _("Whom I will ask, about what, and how often."),
        "measurable": _("Pieces of feedback received and the change each led to."),
        "relevant": _("Feedback speeds up every other goal."),
    },
}


def templates_for(focus: str) -> Mapping[str, Mapping[str, object]]:
    return PROCESS_TEMPLATES if focus == "process" else CONTENT_TEMPLATES
