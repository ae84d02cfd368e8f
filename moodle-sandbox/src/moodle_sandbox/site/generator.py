"""Build a deterministic synthetic Moodle site from a seed and a size preset."""

from __future__ import annotations

import datetime as dt
import random

from moodle_sandbox.site.activities import add_activities
from moodle_sandbox.site.builder import Builder
from moodle_sandbox.site.completions import add_completion
from moodle_sandbox.site.enrolment import add_enrolments, add_groups
from moodle_sandbox.site.grading import add_gradebook
from moodle_sandbox.site.model import (
    ROLE_EDITINGTEACHER,
    ROLE_STUDENT,
    ROLE_TEACHER,
    Role,
)
from moodle_sandbox.site.people import add_users
from moodle_sandbox.site.presets import DEFAULT_SIZE, SizePreset, get_preset
from moodle_sandbox.site.site import Landmarks, Site
from moodle_sandbox.site.structure import (
    add_categories,
    add_courses,
    add_enrol_instances,
)

ROLES = {
    ROLE_EDITINGTEACHER: Role(ROLE_EDITINGTEACHER, "editingteacher"),
    ROLE_TEACHER: Role(ROLE_TEACHER, "teacher"),
    ROLE_STUDENT: Role(ROLE_STUDENT, "student"),
}


def default_anchor() -> int:
    """Return today at 00:00 UTC as a Unix time."""
    today = dt.datetime.now(tz=dt.UTC).date()
    return int(
        dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC).timestamp()
    )


def build_site(
    seed: int = 1,
    size: str | SizePreset = DEFAULT_SIZE,
    anchor: int | None = None,
) -> Site:
    """Generate a synthetic site.

    The same seed, size and anchor always give the same site. Every time in the
    site is relative to the anchor, so a site built on another day has the same
    records with shifted times.

    Args:
        seed: Seed of the random choices: names, counts, grades, progress.
        size: A preset name such as ``"S"``, or a :class:`SizePreset`.
        anchor: The site's "now" as a Unix time; defaults to today 00:00 UTC.

    Returns:
        The generated site.
    """
    preset = get_preset(size)
    anchor = default_anchor() if anchor is None else anchor
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    builder = Builder(seed=seed, rng=rng, preset=preset, anchor=anchor)
    add_categories(builder)
    add_users(builder)
    add_courses(builder)
    add_enrol_instances(builder)
    add_enrolments(builder)
    add_groups(builder)
    add_activities(builder)
    add_gradebook(builder)
    add_completion(builder)
    _mark_people(builder)
    return _to_site(builder)


def _mark_people(builder: Builder) -> None:
    users = {user.id: user for user in builder.users}
    students = builder.people["students"]
    nonascii = [u for u in students if not users[u].firstname.isascii()]
    with_profile = [u for u in students if users[u].customfields]
    builder.marks["nonascii_user"] = (nonascii or students)[0]
    builder.marks["profile_user"] = (with_profile or students)[0]


def _to_site(builder: Builder) -> Site:
    site_course = builder.courses[0]
    return Site(
        seed=builder.seed,
        size=builder.preset.name,
        anchor=builder.anchor,
        sitename=site_course.fullname,
        roles=dict(ROLES),
        categories=builder.categories,
        users=builder.users,
        courses=builder.courses,
        enrol_instances=builder.enrol_instances,
        user_enrolments=builder.user_enrolments,
        role_assignments=builder.role_assignments,
        groups=builder.groups,
        sections=builder.sections,
        modules=builder.modules,
        grade_categories=builder.grade_categories,
        grade_items=builder.grade_items,
        grades=builder.grades,
        completion_criteria=builder.completion_criteria,
        criterion_completions=builder.criterion_completions,
        course_completions=builder.course_completions,
        activity_completions=builder.activity_completions,
        last_course_access=builder.last_course_access,
        landmarks=Landmarks(**builder.marks),
        regrade_time=builder.anchor - 3600,
    )
