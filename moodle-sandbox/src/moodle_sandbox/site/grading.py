"""Generator step: gradebook (grade categories and items) and grades.

Each grade item has a behaviour that decides, per student, between a graded
row, a row without value (Moodle's ``novalue``) and no row at all.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

from moodle_sandbox.site.builder import DAY
from moodle_sandbox.site.model import Grade, GradeCategory, GradeItem

if t.TYPE_CHECKING:
    from moodle_sandbox.site.builder import Builder
    from moodle_sandbox.site.model import Course, Module

SCALE_WORDS = ("Poor", "Fair", "Good", "Excellent")
GOOD_WORK_FEEDBACK = "<p>Bien — good work</p>"
# (graded, novalue) chances per behaviour; the rest of the time there is no row.
BEHAVIOURS: dict[str, tuple[float, float]] = {
    "mostly": (0.85, 0.10),
    "sometimes": (0.50, 0.40),
    "rarely": (0.35, 0.60),
    "never": (0.0, 0.75),
}
NO_ROWS_SHARE = 0.12
INTEGER_GRADE_SHARE = 0.25
FEEDBACK_SHARE = 0.25
# Chance that an assignment row without value was submitted, and that a midterm
# row without value carries feedback.
SUBMITTED_SHARE = 0.5
NOVALUE_FEEDBACK_SHARE = 0.3
HIDDEN_PRACTICE_CHANCE = 0.5
OVERRIDDEN_GRADE = 99.5


@dataclass(frozen=True)
class ItemPlan:
    """A grade item to create; ``module`` is set for activity items."""

    name: str
    grademax: int
    behaviour: str
    module: Module | None = None
    hidden: bool = False
    idnumber: str | None = None
    gradepass: float = 0.0
    scale: tuple[str, ...] = ()
    subcategory: str | None = None


def add_gradebook(builder: Builder) -> None:
    """Create the grade items of every course, then the students' grades."""
    _pick_grade_landmarks(builder)
    for course in builder.courses:
        kind = builder.kinds[course.id]
        if kind == "site":
            continue
        plans = _item_plans(builder, course, kind)
        items = _add_items(builder, course, plans)
        behaviours = {item.id: plan.behaviour for item, plan in items}
        is_flagship = kind == "flagship"
        for userid in active_students(builder, course.id):
            _add_grades(
                builder,
                userid,
                [item for item, _ in items],
                behaviours,
                is_flagship=is_flagship,
            )


def active_students(builder: Builder, courseid: int) -> list[int]:
    """Return the students of a course with an enrolment neither suspended nor ended.

    Every enrolment method that the generator uses for students is enabled, so
    this matches ``Site.tracked_user_ids``.
    """
    active = {
        enrolment.userid
        for enrolment in builder.course_enrolments(courseid)
        if not enrolment.suspended and enrolment.timeend == 0
    }
    return [userid for userid in builder.course_students(courseid) if userid in active]


def _pick_grade_landmarks(builder: Builder) -> None:
    flagship = builder.marks["flagship_course"]
    taken = {
        builder.marks["two_role_user"],
        builder.marks["suspended_enrolment_student"],
        builder.marks["ended_enrolment_student"],
    }
    plain = [
        userid
        for userid in active_students(builder, flagship)
        if userid in builder.people["students"] and userid not in taken
    ]
    builder.marks.update(
        completed_student=plain[1],
        incomplete_student=plain[2],
        ungraded_student=plain[4],
    )


def _item_plans(builder: Builder, course: Course, kind: str) -> list[ItemPlan]:
    modules = {m.name: m for m in builder.course_modules(course.id)}
    if kind == "flagship":
        return [
            ItemPlan(
                "Essay 1: Sources primaires",
                100,
                "mostly",
                modules["Essay 1: Sources primaires"],
            ),
            ItemPlan(
                "Essay 2 (drafts, not yet graded)",
                20,
                "never",
                modules["Essay 2 (drafts, not yet graded)"],
            ),
            ItemPlan("Week 1 quiz", 10, "sometimes", modules["Week 1 quiz"]),
            ItemPlan(
                "Midterm exam",
                100,
                "mostly",
                idnumber="EXAM-MID",
                subcategory="Exams — Examens",
            ),
            ItemPlan(
                "Final exam (not yet held)", 100, "never", subcategory="Exams — Examens"
            ),
            ItemPlan("Participation", 10, "mostly", gradepass=5.0),
            ItemPlan("Hidden: bonus points", 5, "rarely", hidden=True),
            ItemPlan("Effort", len(SCALE_WORDS), "sometimes", scale=SCALE_WORDS),
        ]
    if kind == "weekly":
        return [
            ItemPlan("Quiz 1: Matrices", 100, "sometimes", modules["Quiz 1: Matrices"]),
            ItemPlan("Problem set 1", 50, "mostly", modules["Problem set 1"]),
            ItemPlan("Problem set (manual)", 20, "mostly"),
            ItemPlan("Hidden: instructor adjustment", 10, "never", hidden=True),
            ItemPlan("Hidden until later", 10, "never", hidden=True),
        ]
    plans = [
        ItemPlan(m.name, int(m.settings["grade"]), "sometimes", m)
        for m in modules.values()
        if m.modname in {"assign", "quiz"}
    ]
    if kind == "generic":
        plans.append(ItemPlan("Generated test score", 100, "mostly"))
        if builder.rng.random() < HIDDEN_PRACTICE_CHANCE:
            plans.append(ItemPlan("Hidden practice score", 10, "mostly", hidden=True))
    return plans


def _add_items(
    builder: Builder, course: Course, plans: list[ItemPlan]
) -> list[tuple[GradeItem, ItemPlan]]:
    top = _add_category(builder, course.id, None, "?")
    added: list[tuple[GradeItem, ItemPlan]] = []
    index = 0
    while index < len(plans):
        subcategory = plans[index].subcategory
        if subcategory is None:
            added.append((_add_item(builder, course, top, plans[index]), plans[index]))
            index += 1
            continue
        members = [plan for plan in plans[index:] if plan.subcategory == subcategory]
        category = _add_category(builder, course.id, top.id, subcategory)
        added.extend((_add_item(builder, course, category, p), p) for p in members)
        _add_total(builder, course, category, "category", [p.grademax for p in members])
        index += len(members)
    top_maxima = [plan.grademax for plan in plans]
    _add_total(builder, course, top, "course", top_maxima)
    return added


def _add_category(
    builder: Builder, courseid: int, parentid: int | None, fullname: str
) -> GradeCategory:
    category = GradeCategory(
        id=builder.next_id("grade_category"),
        courseid=courseid,
        parentid=parentid,
        fullname=fullname,
        depth=1 if parentid is None else 2,
    )
    builder.grade_categories.append(category)
    return category


def _add_item(
    builder: Builder, course: Course, category: GradeCategory, plan: ItemPlan
) -> GradeItem:
    module = plan.module
    item = GradeItem(
        id=builder.next_id("grade_item"),
        courseid=course.id,
        itemtype="manual" if module is None else "mod",
        itemname=plan.name,
        categoryid=category.id,
        grademax=plan.grademax,
        grademin=1 if plan.scale else 0,
        itemmodule=None if module is None else module.modname,
        iteminstance=None if module is None else module.instance,
        idnumber="" if module is not None else plan.idnumber,
        cmid=None if module is None else module.id,
        gradepass=plan.gradepass,
        scale=plan.scale,
        hidden=plan.hidden,
    )
    builder.grade_items.append(item)
    return item


def _add_total(
    builder: Builder,
    course: Course,
    category: GradeCategory,
    itemtype: str,
    maxima: list[int],
) -> None:
    builder.grade_items.append(
        GradeItem(
            id=builder.next_id("grade_item"),
            courseid=course.id,
            itemtype=itemtype,
            itemname=None,
            categoryid=None,
            grademax=sum(maxima),
            iteminstance=category.id,
        )
    )


def _add_grades(
    builder: Builder,
    userid: int,
    items: list[GradeItem],
    behaviours: dict[int, str],
    *,
    is_flagship: bool,
) -> None:
    rng = builder.rng
    marks = builder.marks
    landmarks = {marks["completed_student"], marks["incomplete_student"]}
    ungraded = is_flagship and userid == marks["ungraded_student"]
    if ungraded or (rng.random() < NO_ROWS_SHARE and userid not in landmarks):
        return
    rows = [_grade_row(builder, userid, item, behaviours[item.id]) for item in items]
    if not any(row is not None and row.rawgrade is not None for row in rows):
        first = next(i for i, item in enumerate(items) if not item.scale)
        rows[first] = _graded(builder, userid, items[first])
    if is_flagship and userid == marks["completed_student"]:
        rows[0] = _overridden(builder, userid, items[0])
    builder.grades.extend(row for row in rows if row is not None)


def _grade_row(
    builder: Builder, userid: int, item: GradeItem, behaviour: str
) -> Grade | None:
    rng = builder.rng
    graded_share, novalue_share = BEHAVIOURS[behaviour]
    roll = rng.random()
    if roll < graded_share:
        return _graded(builder, userid, item)
    if roll < graded_share + novalue_share:
        submitted = item.itemmodule == "assign" and rng.random() < SUBMITTED_SHARE
        with_feedback = (
            item.idnumber == "EXAM-MID" and rng.random() < NOVALUE_FEEDBACK_SHARE
        )
        return Grade(
            itemid=item.id,
            userid=userid,
            rawgrade=None,
            timesubmitted=builder.days_ago(1, 20) if submitted else None,
            timegraded=builder.days_ago(1, 20) if with_feedback else None,
            feedback=GOOD_WORK_FEEDBACK if with_feedback else "",
        )
    return None


def _graded(builder: Builder, userid: int, item: GradeItem) -> Grade:
    rng = builder.rng
    if item.scale:
        value: float = rng.randint(item.grademin, item.grademax)
    elif rng.random() < INTEGER_GRADE_SHARE:
        value = rng.randint(item.grademax * 2 // 5, item.grademax)
    else:
        value = round(rng.uniform(item.grademax * 0.4, item.grademax), 1)
    timegraded = builder.days_ago(1, 30)
    submitted = {"assign": timegraded - 3600, "quiz": timegraded}.get(
        item.itemmodule or ""
    )
    feedback = ""
    if item.itemtype == "manual" and item.idnumber and rng.random() < FEEDBACK_SHARE:
        feedback = GOOD_WORK_FEEDBACK
    return Grade(
        itemid=item.id,
        userid=userid,
        rawgrade=value,
        timegraded=timegraded,
        timesubmitted=submitted,
        feedback=feedback,
    )


def _overridden(builder: Builder, userid: int, item: GradeItem) -> Grade:
    return Grade(
        itemid=item.id,
        userid=userid,
        rawgrade=OVERRIDDEN_GRADE,
        timegraded=builder.anchor - 2 * DAY,
        overridden=True,
        locked=True,
    )
