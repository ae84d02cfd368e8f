"""A user's grade report: the gradebook's natural aggregation, per user.

The rules reproduce what ``gradereport_user_get_grade_items`` returned on a real
Moodle 4.5 site with natural aggregation and "exclude empty grades" on:

* A total sums the raw grades of its graded children; its maximum is the sum of
  those children's maxima, or of all children's maxima when none is graded.
* An item's weight is its maximum divided by its parent's maximum when it is
  graded, 0 when its row has no value, and absent when there is no row.
* Category and course totals have a row for every user who has any grade row in
  the course.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass

if t.TYPE_CHECKING:
    from moodle_sandbox.site.model import Grade, GradeItem
    from moodle_sandbox.site.site import Site


@dataclass(frozen=True)
class ItemResult:
    """One grade item of one user's report.

    Attributes:
        item: The grade item.
        grade: The user's grade row, ``None`` for a total or when there is none.
        has_row: Whether the user has a grade row for the item.
        graderaw: The raw grade, or the sum for a total; ``None`` if not graded.
        grademax: The maximum shown to this user; for a total it depends on
            which children are graded.
        weight: The share of the parent's maximum, ``None`` when the report
            leaves the key out.
    """

    item: GradeItem
    grade: Grade | None
    has_row: bool
    graderaw: float | None
    grademax: int
    weight: float | None

    @property
    def percentage(self) -> float | None:
        """Return the grade as a percentage of the item's range, if graded."""
        if self.graderaw is None or self.grademax == self.item.grademin:
            return None
        span = self.grademax - self.item.grademin
        return (self.graderaw - self.item.grademin) / span * 100


def user_report(site: Site, courseid: int, userid: int) -> list[ItemResult]:
    """Compute a user's report for every grade item of a course, in report order.

    Args:
        site: The site.
        courseid: The course.
        userid: The user, enrolled or not.

    Returns:
        One result per grade item, in the order of ``site.course_grade_items``.
    """
    items = site.course_grade_items(courseid)
    calculator = _Calculator(site, items, userid)
    return [calculator.result(item) for item in items]


class _Calculator:
    """Aggregate totals bottom-up for one user and remember the results."""

    def __init__(self, site: Site, items: list[GradeItem], userid: int) -> None:
        self.site = site
        self.userid = userid
        self.items = items
        self.grades = {item.id: site.grade(item.id, userid) for item in items}
        self.has_any_row = any(grade is not None for grade in self.grades.values())
        self.totals = {item.iteminstance: item for item in items if item.is_total}
        self.cache: dict[int, tuple[float | None, int, int, bool]] = {}

    def result(self, item: GradeItem) -> ItemResult:
        graderaw, grademax, _full, has_row = self.aggregate(item)
        return ItemResult(
            item=item,
            grade=None if item.is_total else self.grades[item.id],
            has_row=has_row,
            graderaw=graderaw,
            grademax=grademax,
            weight=self.weight(item, graderaw, grademax, has_row=has_row),
        )

    def aggregate(self, item: GradeItem) -> tuple[float | None, int, int, bool]:
        """Return (graderaw, shown maximum, maximum of all children, has row)."""
        if item.id in self.cache:
            return self.cache[item.id]
        if not item.is_total:
            grade = self.grades[item.id]
            raw = None if grade is None else grade.rawgrade
            value = (raw, item.grademax, item.grademax, grade is not None)
        else:
            value = self._aggregate_total(item)
        self.cache[item.id] = value
        return value

    def _aggregate_total(self, item: GradeItem) -> tuple[float | None, int, int, bool]:
        children = [self.aggregate(child) for child in self.children(item)]
        graded = [child for child in children if child[0] is not None]
        full = sum(child[2] for child in children)
        if not graded:
            return None, full, full, self.has_any_row
        total = round(sum(t.cast("float", child[0]) for child in graded), 5)
        return total, sum(child[1] for child in graded), full, True

    def children(self, total: GradeItem) -> list[GradeItem]:
        """Return the items that a category or course total sums up."""
        categoryid = total.iteminstance
        children = [item for item in self.items if item.categoryid == categoryid]
        children.extend(
            self.totals[sub.id]
            for sub in self.site.child_grade_categories(t.cast("int", categoryid))
            if sub.id in self.totals
        )
        return children

    def weight(
        self, item: GradeItem, graderaw: float | None, grademax: int, *, has_row: bool
    ) -> float | None:
        if item.itemtype == "course" or not has_row:
            return None
        if graderaw is None:
            return 0.0
        parent = self.parent_total(item)
        parent_max = self.aggregate(parent)[1]
        return round(grademax / parent_max, 5) if parent_max else 0.0

    def parent_total(self, item: GradeItem) -> GradeItem:
        """Return the total that contains an item or a category total."""
        parentid = item.categoryid
        if item.itemtype == "category":
            category = self.site.grade_category(t.cast("int", item.iteminstance))
            parentid = None if category is None else category.parentid
        if parentid is None:
            msg = f"Grade item {item.id} has no parent grade category"
            raise ValueError(msg)
        return self.totals[parentid]
