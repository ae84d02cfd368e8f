"""The synthetic site: every record plus the lookups the wsfunctions share.

The rules that decide who is enrolled, tracked or graded live here, so that the
wsfunctions and :mod:`moodle_sandbox.site.counts` apply the same ones.

Lookups use indexes built on first use, so that a request costs time in
proportion to its response, not to the size of the site. An index remembers
which record lists it was built from, and :meth:`Site.replace_records` drops the
indexes of the lists it replaces.
"""

from __future__ import annotations

import threading
import typing as t
from collections import defaultdict
from dataclasses import dataclass, field
from operator import attrgetter

from moodle_sandbox.site.counts import (
    DEFAULT_ENROLLED_USERS_PAGE_SIZE,
    DEFAULT_USERS_BATCH_SIZE,
    CourseMart,
    expected_counts,
    expected_course_marts,
    minimum_calls,
)
from moodle_sandbox.site.model import (
    ROLE_STUDENT,
    ActivityCompletion,
    Category,
    CompletionCriterion,
    Course,
    CriterionCompletion,
    EnrolInstance,
    Grade,
    GradeCategory,
    GradeItem,
    Group,
    Module,
    Role,
    RoleAssignment,
    Section,
    User,
    UserEnrolment,
)

SITE_COURSE_ID = 1
ADMIN_USER_ID = 2
_K = t.TypeVar("_K")


@dataclass(frozen=True)
class Landmarks:
    """Ids of records with a known role in the site, for tests and demos.

    Every generated site has each of them, whatever the seed.
    """

    flagship_course: int
    weekly_course: int
    empty_course: int
    hidden_course: int
    largest_course: int
    completion_disabled_course: int
    editing_teacher: int
    non_editing_teacher: int
    two_role_user: int
    suspended_user: int
    deleted_user: int
    completed_student: int
    incomplete_student: int
    ungraded_student: int
    weekly_student: int
    suspended_enrolment_student: int
    ended_enrolment_student: int
    nonascii_user: int
    profile_user: int
    flagship_group: int
    empty_group: int
    humanities_category: int
    science_category: int
    nested_category: int
    hidden_category: int


@dataclass
class Site:
    """All records of one synthetic Moodle site, built by :func:`build_site`."""

    seed: int
    size: str
    anchor: int
    sitename: str
    roles: dict[int, Role]
    categories: list[Category]
    users: list[User]
    courses: list[Course]
    enrol_instances: list[EnrolInstance]
    user_enrolments: list[UserEnrolment]
    role_assignments: list[RoleAssignment]
    groups: list[Group]
    sections: list[Section]
    modules: list[Module]
    grade_categories: list[GradeCategory]
    grade_items: list[GradeItem]
    grades: list[Grade]
    completion_criteria: list[CompletionCriterion]
    criterion_completions: list[CriterionCompletion]
    course_completions: dict[tuple[int, int], int]
    activity_completions: list[ActivityCompletion]
    last_course_access: dict[tuple[int, int], int]
    landmarks: Landmarks
    regrade_time: int
    # Each index by name, with the names of the record lists it was built from.
    _index: dict[str, tuple[frozenset[str], t.Any]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # Counts record replacements, so that an index built from records that were
    # replaced meanwhile is thrown away instead of stored.
    _generation: int = field(default=0, repr=False, compare=False)
    _index_lock: threading.Lock = field(
        default_factory=threading.Lock, repr=False, compare=False
    )

    def expected_counts(self) -> dict[str, int]:
        """Return the records per tap-moodle stream; see :func:`expected_counts`."""
        return expected_counts(self)

    def minimum_calls(
        self,
        users_batch_size: int = DEFAULT_USERS_BATCH_SIZE,
        enrolled_users_page_size: int = DEFAULT_ENROLLED_USERS_PAGE_SIZE,
    ) -> dict[str, int]:
        """Return the fewest calls of a full extraction; see :func:`minimum_calls`."""
        return minimum_calls(self, users_batch_size, enrolled_users_page_size)

    def course_marts(self) -> list[CourseMart]:
        """Return per-course mart figures; see :func:`expected_course_marts`."""
        return expected_course_marts(self)

    # Lookups by id.

    def course(self, courseid: int) -> Course | None:
        """Return the course with this id, or ``None``."""
        return self._by_id("courses").get(courseid)

    def user(self, userid: int) -> User | None:
        """Return the user with this id, deleted or not, or ``None``."""
        return self._by_id("users").get(userid)

    def category(self, categoryid: int) -> Category | None:
        """Return the course category with this id, or ``None``."""
        return self._by_id("categories").get(categoryid)

    def non_site_courses(self) -> list[Course]:
        """Return every course except the site course, by id."""
        return [course for course in self.courses if course.id != SITE_COURSE_ID]

    def users_by_field(self, field_name: str, values: set[str]) -> list[User]:
        """Return the users whose field equals one of the values, by id.

        ``field_name`` is ``id``, ``username``, ``email`` or ``idnumber``. A deleted
        user is found by its mangled username and e-mail, as Moodle stores them.

        Raises:
            ValueError: For another field name.
        """
        readers: dict[str, t.Callable[[User], str]] = {
            "id": lambda user: str(user.id),
            "username": attrgetter("visible_username"),
            "email": attrgetter("visible_email"),
            "idnumber": attrgetter("idnumber"),
        }
        if field_name not in readers:
            known = sorted(readers)
            msg = f"Cannot look users up by '{field_name}': use one of {known}"
            raise ValueError(msg)
        read = readers[field_name]

        def build() -> dict[str, list[User]]:
            grouped: dict[str, list[User]] = defaultdict(list)
            for user in self.users:
                grouped[read(user)].append(user)
            return dict(grouped)

        index: dict[str, list[User]] = self._cached(
            f"users_by_{field_name}_text", build, ("users",)
        )
        found = [user for value in values for user in index.get(value, [])]
        return sorted(set(found), key=attrgetter("id"))

    # Enrolments and roles.

    def instances(self, courseid: int) -> list[EnrolInstance]:
        """Return the enrolment methods of a course, in their sort order."""
        return self._grouped("enrol_instances", "courseid").get(courseid, [])

    def listed_enrolment_methods(self, courseid: int) -> list[EnrolInstance]:
        """Return the methods ``core_enrol_get_course_enrolment_methods`` lists.

        Moodle lists enabled instances whose plugin has a public info function:
        self enrolment and guest access. Manual and cohort sync are never listed.
        """
        return [
            instance
            for instance in self.instances(courseid)
            if instance.enabled and instance.enrol in {"self", "guest"}
        ]

    def enrolments(self, courseid: int) -> list[UserEnrolment]:
        """Return every user enrolment of a course, whatever its status."""
        return self._grouped("user_enrolments", "courseid").get(courseid, [])

    def enrolled_user_ids(self, courseid: int) -> list[int]:
        """Return the ids of users with any enrolment in the course, sorted."""
        return sorted({enrolment.userid for enrolment in self.enrolments(courseid)})

    def user_enrolments_in(self, courseid: int, userid: int) -> list[UserEnrolment]:
        """Return a user's enrolments in one course, usually zero or one."""
        index: dict[tuple[int, int], list[UserEnrolment]] = self._cached(
            "user_enrolments_by_course_user",
            lambda: _group(self.user_enrolments, lambda e: (e.courseid, e.userid)),
            ("user_enrolments",),
        )
        return index.get((courseid, userid), [])

    def is_active(self, enrolment: UserEnrolment) -> bool:
        """Whether an enrolment is active at the anchor time.

        Active means: not suspended, its method enabled, started, and not ended.
        """
        instance = self._by_id("enrol_instances")[enrolment.instanceid]
        started = enrolment.timestart <= self.anchor
        ended = enrolment.timeend != 0 and enrolment.timeend <= self.anchor
        return instance.enabled and not enrolment.suspended and started and not ended

    def has_active_enrolment(self, courseid: int, userid: int) -> bool:
        """Whether the user has at least one active enrolment in the course."""
        return any(
            self.is_active(enrolment)
            for enrolment in self.user_enrolments_in(courseid, userid)
        )

    def role_ids(self, courseid: int, userid: int) -> list[int]:
        """Return the ids of the roles a user holds in a course, sorted."""

        def build() -> dict[tuple[int, int], list[int]]:
            grouped = _group(self.role_assignments, lambda a: (a.courseid, a.userid))
            return {
                key: sorted({a.roleid for a in assignments})
                for key, assignments in grouped.items()
            }

        index: dict[tuple[int, int], list[int]] = self._cached(
            "role_ids_by_course_user", build, ("role_assignments",)
        )
        return index.get((courseid, userid), [])

    def tracked_user_ids(self, courseid: int) -> list[int]:
        """Return the users that completion tracks and the gradebook grades.

        Moodle counts students (``moodle/course:isincompletionreports``,
        ``$CFG->gradebookroles``) with an active enrolment. A suspended user
        account with an active enrolment is still tracked. The list is built
        once per course and shared, so callers must not change it.
        """
        per_course: dict[int, list[int]] = self._cached(
            "tracked_user_ids",
            dict,
            ("user_enrolments", "role_assignments", "enrol_instances"),
        )
        if courseid not in per_course:
            per_course[courseid] = [
                userid
                for userid in self.enrolled_user_ids(courseid)
                if ROLE_STUDENT in self.role_ids(courseid, userid)
                and self.has_active_enrolment(courseid, userid)
            ]
        return per_course[courseid]

    def is_tracked(self, courseid: int, userid: int) -> bool:
        """Return whether completion tracks, and the gradebook grades, the user."""
        is_student = ROLE_STUDENT in self.role_ids(courseid, userid)
        return is_student and self.has_active_enrolment(courseid, userid)

    def enrolled_course_ids(self, userid: int) -> list[int]:
        """Return the courses where the user has an active enrolment."""
        enrolments = self._grouped("user_enrolments", "userid").get(userid, [])
        return sorted({e.courseid for e in enrolments if self.is_active(e)})

    # Groups, sections and activities.

    def course_groups(self, courseid: int) -> list[Group]:
        """Return the groups of a course."""
        return self._grouped("groups", "courseid").get(courseid, [])

    def user_groups(self, courseid: int, userid: int) -> list[Group]:
        """Return the groups of a course that the user is a member of."""
        return [g for g in self.course_groups(courseid) if userid in g.member_ids]

    def course_sections(self, courseid: int) -> list[Section]:
        """Return the sections of a course, by section number."""
        return self._grouped("sections", "courseid").get(courseid, [])

    def course_modules(self, courseid: int) -> list[Module]:
        """Return the activities of a course in page order."""
        return self._grouped("modules", "courseid").get(courseid, [])

    def module(self, cmid: int) -> Module | None:
        """Return the activity with this course module id, or ``None``."""
        return self._by_id("modules").get(cmid)

    # Gradebook and completion.

    def course_grade_items(self, courseid: int) -> list[GradeItem]:
        """Return a course's grade items in the order of the user report."""
        return self._grouped("grade_items", "courseid").get(courseid, [])

    def grade_category(self, categoryid: int) -> GradeCategory | None:
        """Return the grade category with this id, or ``None``."""
        return self._by_id("grade_categories").get(categoryid)

    def course_grade_categories(self, courseid: int) -> list[GradeCategory]:
        """Return the grade categories of a course, the top one first."""
        return self._grouped("grade_categories", "courseid").get(courseid, [])

    def child_grade_categories(self, parentid: int) -> list[GradeCategory]:
        """Return the grade categories directly inside a grade category."""
        return self._grouped("grade_categories", "parentid").get(parentid, [])

    def grade(self, itemid: int, userid: int) -> Grade | None:
        """Return a user's grade row for an item, or ``None`` if there is none."""

        # Grouped by item, then user: nested dicts take far less memory than one
        # dict keyed by (item, user) tuples on a site with millions of grades.
        def build() -> dict[int, dict[int, Grade]]:
            grades: dict[int, dict[int, Grade]] = defaultdict(dict)
            for grade in self.grades:
                grades[grade.itemid][grade.userid] = grade
            return dict(grades)

        grades: dict[int, dict[int, Grade]] = self._cached(
            "grades_by_item_user", build, ("grades",)
        )
        return grades.get(itemid, {}).get(userid)

    def criteria(self, courseid: int) -> list[CompletionCriterion]:
        """Return the completion criteria of a course."""
        return self._grouped("completion_criteria", "courseid").get(courseid, [])

    def criterion_time(self, criterionid: int, userid: int) -> int | None:
        """Return when the user met a criterion, or ``None`` if not yet."""
        times: dict[tuple[int, int], int] = self._cached(
            "criterion_times",
            lambda: {
                (row.criterionid, row.userid): row.timecompleted
                for row in self.criterion_completions
            },
            ("criterion_completions",),
        )
        return times.get((criterionid, userid))

    def activity_completion(self, cmid: int, userid: int) -> ActivityCompletion | None:
        """Return a user's completion row for an activity, or ``None``."""
        rows: dict[tuple[int, int], ActivityCompletion] = self._cached(
            "activity_completion_by_key",
            lambda: {(row.cmid, row.userid): row for row in self.activity_completions},
            ("activity_completions",),
        )
        return rows.get((cmid, userid))

    def build_indexes(self) -> None:
        """Build every lookup index now instead of on first use.

        A server calls this before it listens, so that the first requests to a
        large site do not pay for the indexes.
        """
        for lookup in (
            self.user,
            self.course,
            self.category,
            self.module,
            self.grade_category,
            self.instances,
            self.enrolments,
            self.enrolled_course_ids,
            self.course_groups,
            self.course_sections,
            self.course_modules,
            self.course_grade_items,
            self.course_grade_categories,
            self.child_grade_categories,
            self.criteria,
        ):
            lookup(0)
        for pair_lookup in (
            self.user_enrolments_in,
            self.role_ids,
            self.grade,
            self.criterion_time,
            self.activity_completion,
        ):
            pair_lookup(0, 0)
        self._by_id("enrol_instances")
        for field_name in ("id", "username", "email", "idnumber"):
            self.users_by_field(field_name, set())
        for course in self.courses:
            self.tracked_user_ids(course.id)

    # Changes.

    def replace_records(self, **records: t.Any) -> None:  # noqa: ANN401
        """Replace record lists or dicts by name and drop the indexes built on them.

        Example: ``site.replace_records(users=new_users)``. The site mutations in
        :mod:`moodle_sandbox.site.mutations` use this; requests served at the
        same time may see the old or the new records.

        Raises:
            AttributeError: For a name that is not a record field of the site.
        """
        for name in records:
            if name.startswith("_") or not hasattr(self, name):
                msg = f"Site has no record field '{name}'"
                raise AttributeError(msg)
        changed = frozenset(records)
        with self._index_lock:
            for name, value in records.items():
                setattr(self, name, value)
            self._generation += 1
            self._index = {
                name: entry
                for name, entry in self._index.items()
                if not entry[0] & changed
            }

    # Index helpers: built on first use, then kept until the records change.

    def _by_id(self, attribute: str) -> dict[int, t.Any]:
        index: dict[int, t.Any] = self._cached(
            f"{attribute}_by_id",
            lambda: {record.id: record for record in getattr(self, attribute)},
            (attribute,),
        )
        return index

    def _grouped(self, attribute: str, key: str) -> dict[int, list[t.Any]]:
        index: dict[int, list[t.Any]] = self._cached(
            f"{attribute}_by_{key}",
            lambda: _group(getattr(self, attribute), attrgetter(key)),
            (attribute,),
        )
        return index

    def _cached(
        self, name: str, build: t.Callable[[], t.Any], sources: tuple[str, ...]
    ) -> t.Any:  # noqa: ANN401
        """Return the index ``name``, built from the record lists ``sources``."""
        entry = self._index.get(name)
        if entry is not None:
            return entry[1]
        generation = self._generation
        value = build()
        with self._index_lock:
            if self._generation == generation:
                self._index.setdefault(name, (frozenset(sources), value))
        return value


def _group(
    records: t.Iterable[t.Any], key: t.Callable[[t.Any], _K]
) -> dict[_K, list[t.Any]]:
    grouped: dict[_K, list[t.Any]] = defaultdict(list)
    for record in records:
        grouped[key(record)].append(record)
    return dict(grouped)
