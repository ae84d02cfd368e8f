"""Generator step: course sections and the activities in them."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field

from moodle_sandbox.site.builder import DAY
from moodle_sandbox.site.model import (
    COMPLETION_TRACKING_AUTOMATIC,
    COMPLETION_TRACKING_MANUAL,
    COMPLETION_TRACKING_NONE,
    Course,
    Module,
    Section,
)

if t.TYPE_CHECKING:
    from moodle_sandbox.site.builder import Builder

# Chance that a generic course has a quiz.
GENERIC_QUIZ_CHANCE = 0.5


@dataclass(frozen=True)
class ActivityPlan:
    """An activity to create: its section, module, name and settings."""

    section: int
    modname: str
    name: str
    completion: int = COMPLETION_TRACKING_NONE
    visible: bool = True
    intro: str = ""
    settings: dict[str, int | str] = field(default_factory=dict)


def add_activities(builder: Builder) -> None:
    """Create the sections of every course and the activities of each kind."""
    for course in builder.courses:
        kind = builder.kinds[course.id]
        for number in range(course.numsections + 1):
            builder.sections.append(
                Section(builder.next_id("section"), course.id, number)
            )
        for plan in _plans(builder, course, kind):
            _add_module(builder, course, plan)


def _plans(builder: Builder, course: Course, kind: str) -> list[ActivityPlan]:
    if kind == "flagship":
        return _flagship_plans(builder)
    if kind == "weekly":
        return _weekly_plans(builder)
    if kind == "generic":
        return _generic_plans(builder, course)
    if kind == "hidden":
        return [
            ActivityPlan(0, "forum", "Announcements", settings=_forum(2)),
            ActivityPlan(1, "assign", "Lab report", settings={"grade": 100}),
        ]
    return []


def _flagship_plans(builder: Builder) -> list[ActivityPlan]:
    anchor = builder.anchor
    return [
        ActivityPlan(0, "forum", "Discussion board — 討論", settings=_forum(3)),
        ActivityPlan(
            1, "page", "Week 1 reading: La Renaissance", COMPLETION_TRACKING_MANUAL
        ),
        ActivityPlan(
            1,
            "assign",
            "Essay 1: Sources primaires",
            COMPLETION_TRACKING_AUTOMATIC,
            settings={
                "grade": 100,
                "duedate": anchor - 20 * DAY,
                "allowsubmissionsfromdate": anchor - 50 * DAY,
                "completionsubmit": 1,
            },
        ),
        ActivityPlan(
            2,
            "assign",
            "Essay 2 (drafts, not yet graded)",
            settings={"grade": 20, "duedate": anchor + 14 * DAY},
        ),
        ActivityPlan(
            2,
            "quiz",
            "Week 1 quiz",
            settings={"grade": 10, "sumgrades": 2, "timeclose": anchor + 10 * DAY},
        ),
        ActivityPlan(3, "page", "Teacher notes (hidden activity)", visible=False),
    ]


def _weekly_plans(builder: Builder) -> list[ActivityPlan]:
    return [
        ActivityPlan(0, "label", "Welcome — ようこそ"),
        ActivityPlan(1, "page", "Vectors and matrices", COMPLETION_TRACKING_MANUAL),
        ActivityPlan(
            1,
            "quiz",
            "Quiz 1: Matrices",
            COMPLETION_TRACKING_MANUAL,
            settings={"grade": 100, "sumgrades": 10},
        ),
        ActivityPlan(2, "assign", "Problem set 1", settings={"grade": 50}),
        ActivityPlan(
            3,
            "url",
            "External reference (example.test)",
            settings={"externalurl": f"https://example.test/ref/{builder.seed}"},
        ),
    ]


def _generic_plans(builder: Builder, course: Course) -> list[ActivityPlan]:
    rng = builder.rng
    assigns = builder.pick_count(builder.preset.generic_grade_items) - 1
    plans = [ActivityPlan(0, "forum", "Forum", settings=_forum(rng.randint(0, 10)))]
    plans.append(
        ActivityPlan(
            1,
            "page",
            "Page 1",
            COMPLETION_TRACKING_MANUAL if course.enablecompletion else 0,
        )
    )
    plans.extend(
        ActivityPlan(
            1,
            "assign",
            f"Assignment {number}",
            settings={"grade": 100, "duedate": course.startdate + number * 7 * DAY},
        )
        for number in range(1, assigns + 1)
    )
    if rng.random() < GENERIC_QUIZ_CHANCE:
        plans.append(
            ActivityPlan(2, "quiz", "Quiz", settings={"grade": 10, "sumgrades": 5})
        )
    return plans


def _forum(discussions: int) -> dict[str, int | str]:
    return {"type": "general", "trackingtype": 1, "numdiscussions": discussions}


def _add_module(builder: Builder, course: Course, plan: ActivityPlan) -> None:
    builder.modules.append(
        Module(
            id=builder.next_id("cm"),
            courseid=course.id,
            section=plan.section,
            modname=plan.modname,
            instance=builder.next_instance(plan.modname),
            name=plan.name,
            contextid=builder.next_id("context"),
            timemodified=course.timecreated + DAY,
            visible=plan.visible,
            completion=plan.completion if course.enablecompletion else 0,
            intro=plan.intro or f"Synthetic {plan.modname}: {plan.name}",
            settings=dict(plan.settings),
        )
    )
