"""Generator steps: categories, courses and their enrolment methods."""

from __future__ import annotations

import html
import typing as t

from moodle_sandbox.site import names
from moodle_sandbox.site.builder import DAY
from moodle_sandbox.site.model import Category, Course, EnrolInstance

if t.TYPE_CHECKING:
    from moodle_sandbox.site.builder import Builder

CATEGORY_SORT_STEP = 10_000
SELF_ENROLMENT_KEY = "sandbox-key"
GENERIC_SUMMARY = f"<p>{names.LOREM}</p>"


def add_categories(builder: Builder) -> None:
    """Create the five standard categories and the preset's extra ones.

    Every site has a default category without idnumber, a top-level category
    whose name contains ``&``, a second top-level one with a nested child, and a
    hidden one.
    """
    rng = builder.rng
    plan: list[tuple[str, str | None, int, bool]] = [
        (rng.choice(names.DEFAULT_CATEGORY_NAMES), None, 0, True),
        (rng.choice(names.HUMANITIES_CATEGORY_NAMES), "CAT-HUM", 0, True),
        (rng.choice(names.SCIENCE_CATEGORY_NAMES), "CAT-SCI", 0, True),
        (rng.choice(names.NESTED_CATEGORY_NAMES), "CAT-NEST", 3, True),
        (rng.choice(names.HIDDEN_CATEGORY_NAMES), "CAT-ARCH", 0, False),
    ]
    extra_names = rng.sample(
        names.EXTRA_CATEGORY_NAMES, builder.pick_count(builder.preset.extra_categories)
    )
    plan.extend(
        (name, f"CAT-X{index}", 2, True) for index, name in enumerate(extra_names)
    )
    for categoryid, (name, idnumber, parent, visible) in enumerate(plan, start=1):
        parent_path = "" if parent == 0 else f"/{parent}"
        builder.categories.append(
            Category(
                id=categoryid,
                name=name,
                idnumber=idnumber,
                description=(
                    ""
                    if idnumber is None
                    else f"<p>{html.escape(name)} (synthetic).</p>"
                ),
                parent=parent,
                sortorder=categoryid * CATEGORY_SORT_STEP,
                visible=visible,
                timemodified=builder.days_ago(300, 400),
                depth=1 if parent == 0 else 2,
                path=f"{parent_path}/{categoryid}",
            )
        )
    builder.marks.update(
        humanities_category=2, science_category=3, nested_category=4, hidden_category=5
    )


def add_courses(builder: Builder) -> None:
    """Create the site course, the four courses with a fixed role, and generic ones.

    The fixed roles are: a flagship course (topics, completion, groups, every
    kind of grade item), a weekly course (weeks format, completion, a self
    enrolment key), an empty course without enrolments and a hidden course.
    """
    rng = builder.rng
    anchor = builder.anchor
    _add_site_course(builder)
    shortname, fullname = rng.choice(names.FLAGSHIP_COURSES)
    _add_course(
        builder,
        "flagship",
        shortname,
        fullname,
        category=2,
        startdate=anchor - 60 * DAY,
        enddate=anchor + 120 * DAY,
        enablecompletion=True,
        groupmode=1,
        summary=(f"<p>Synthetic course <em>{fullname}</em> — «guillemets».</p>"),
    )
    shortname, fullname = rng.choice(names.WEEKLY_COURSES)
    _add_course(
        builder,
        "weekly",
        shortname,
        fullname,
        category=4,
        course_format="weeks",
        startdate=anchor - 35 * DAY,
        enddate=anchor + 50 * DAY,
        enablecompletion=True,
        summary="Plain text summary, no HTML.",
        numsections=3,
    )
    generic_count = builder.pick_count(builder.preset.generic_courses)
    generic_categories = [1, 3, 2, *range(6, len(builder.categories) + 1)]
    for index, (shortname, fullname) in enumerate(
        _generic_course_names(builder, generic_count)
    ):
        start = anchor - rng.randint(20, 90) * DAY
        _add_course(
            builder,
            "generic",
            shortname,
            fullname,
            category=generic_categories[index % len(generic_categories)],
            startdate=start,
            enddate=0 if index % 2 == 0 else start + 150 * DAY,
            enablecompletion=_roll_completion(builder, index),
            numsections=2,
        )
    shortname, fullname = rng.choice(names.EMPTY_COURSES)
    _add_course(
        builder,
        "empty",
        shortname,
        fullname,
        category=3,
        startdate=anchor + 20 * DAY,
        enddate=0,
        numsections=5,
    )
    shortname, fullname = rng.choice(names.HIDDEN_COURSES)
    _add_course(
        builder,
        "hidden",
        shortname,
        fullname,
        category=5,
        visible=False,
        startdate=anchor - 5 * 365 * DAY,
        enddate=anchor - 4 * 365 * DAY,
        numsections=1,
    )


def _generic_course_names(builder: Builder, count: int) -> list[tuple[str, str]]:
    """Return (shortname, fullname) pairs for the generic courses.

    The first ones come from the name pool in random order. Beyond the pool,
    each name repeats a pool name with a numbered section, because Moodle
    requires unique short names.
    """
    pool = names.GENERIC_COURSES
    picked = builder.rng.sample(pool, min(count, len(pool)))
    numbered = []
    for number in range(len(picked) + 1, count + 1):
        shortname, fullname = picked[number % len(picked)]
        numbered.append((f"{shortname}-{number:04d}", f"{fullname} ({number})"))
    return picked + numbered


def _roll_completion(builder: Builder, index: int) -> bool:
    """Decide whether the generic course at ``index`` has completion tracking on.

    The random source is only used for a chance above 0, so that a preset
    without completion on later courses draws the same numbers as before.
    """
    preset = builder.preset
    chance = (
        preset.first_generic_completion_chance
        if index == 0
        else preset.generic_completion_chance
    )
    return chance > 0 and builder.rng.random() < chance


def _add_site_course(builder: Builder) -> None:
    builder.courses.append(
        Course(
            id=1,
            shortname="sandbox",
            fullname=f"Moodle Sandbox (seed {builder.seed})",
            idnumber="",
            categoryid=0,
            summary="Synthetic data only",
            format="site",
            visible=True,
            startdate=0,
            enddate=0,
            enablecompletion=False,
            groupmode=0,
            timecreated=builder.anchor - 400 * DAY,
            timemodified=builder.anchor - 400 * DAY,
            sortorder=1,
            contextid=builder.next_id("context"),
            newsitems=3,
            numsections=0,
        )
    )
    builder.kinds[1] = "site"


def _add_course(  # noqa: PLR0913
    builder: Builder,
    kind: str,
    shortname: str,
    fullname: str,
    *,
    category: int,
    startdate: int,
    enddate: int,
    course_format: str = "topics",
    visible: bool = True,
    enablecompletion: bool = False,
    groupmode: int = 0,
    summary: str = GENERIC_SUMMARY,
    numsections: int = 4,
) -> None:
    courseid = len(builder.courses) + 1
    in_category = sum(1 for course in builder.courses if course.categoryid == category)
    created = builder.days_ago(100, 200)
    builder.courses.append(
        Course(
            id=courseid,
            shortname=shortname,
            fullname=fullname,
            idnumber=f"{shortname}-{builder.rng.randint(2023, 2025)}",
            categoryid=category,
            summary=summary,
            format=course_format,
            visible=visible,
            startdate=startdate,
            enddate=enddate,
            enablecompletion=enablecompletion,
            groupmode=groupmode,
            timecreated=created,
            timemodified=created,
            sortorder=category * CATEGORY_SORT_STEP + in_category + 1,
            contextid=builder.next_id("context"),
            numsections=numsections,
        )
    )
    builder.kinds[courseid] = kind


def add_enrol_instances(builder: Builder) -> None:
    """Give every course a manual, a self and a guest enrolment method.

    The flagship course has self enrolment on without a key, the weekly course
    has it on with a key; one generic course allows guest access; every other
    self and guest method is disabled, as on a default Moodle site.
    """
    generics = builder.courses_of_kind("generic")
    guest_courseid = generics[-1].id if generics else 0
    for course in builder.courses:
        kind = builder.kinds[course.id]
        if kind == "site":
            continue
        builder.enrol_instances.append(
            EnrolInstance(builder.next_id("enrol"), course.id, "manual", enabled=True)
        )
        builder.enrol_instances.append(_self_instance(builder, course.id, kind))
        builder.enrol_instances.append(
            EnrolInstance(
                builder.next_id("enrol"),
                course.id,
                "guest",
                enabled=course.id == guest_courseid,
            )
        )


def _self_instance(builder: Builder, courseid: int, kind: str) -> EnrolInstance:
    if kind == "weekly":
        return EnrolInstance(
            builder.next_id("enrol"),
            courseid,
            "self",
            enabled=True,
            name="Self enrolment (key)",
            password=SELF_ENROLMENT_KEY,
        )
    return EnrolInstance(
        builder.next_id("enrol"), courseid, "self", enabled=kind == "flagship"
    )
