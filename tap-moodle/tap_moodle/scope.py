"""Which courses a sync reads: the course_ids, category_ids and window settings."""

from __future__ import annotations

import dataclasses
import time
import typing as t

SECONDS_PER_DAY = 86_400


@dataclasses.dataclass
class Scope:
    """The courses in scope, and the courses whose per-course streams are skipped.

    Attributes:
        course_ids: Only these courses, when not empty.
        category_ids: Only courses directly in these categories, when not empty
            and course_ids is empty. Moodle does not include subcategories.
        ended_courses_days: Skip the per-course streams of courses whose end date
            is more than this many days ago; None reads every course.
        out_of_window: Courses skipped by the window during this sync.
    """

    course_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    ended_courses_days: int | None = None
    out_of_window: set[int] = dataclasses.field(default_factory=set)
    now: float = dataclasses.field(default_factory=time.time)

    @classmethod
    def from_config(cls, config: t.Mapping[str, t.Any]) -> Scope:
        """Read the scope settings of the tap."""
        days = config.get("ended_courses_days")
        return cls(
            course_ids=frozenset(int(i) for i in config.get("course_ids") or ()),
            category_ids=frozenset(int(i) for i in config.get("category_ids") or ()),
            ended_courses_days=None if days is None else int(days),
        )

    @property
    def is_partial(self) -> bool:
        """Whether the sync reads only some courses, so absent rows prove nothing."""
        return bool(self.course_ids or self.category_ids)

    def ended_before_window(self, enddate: int) -> bool:
        """Whether a course ended (Unix time, 0 for none) before the window."""
        if self.ended_courses_days is None or not enddate:
            return False
        return enddate < self.now - self.ended_courses_days * SECONDS_PER_DAY
