"""Records of the synthetic Moodle site, one class per Moodle table.

Field names follow the Moodle database columns. Times are Unix seconds, with 0
meaning "never" where Moodle stores 0. Names are stored raw: the wsfunctions
escape them the way Moodle's ``format_string`` does. The classes use slots
because a site of size L contains millions of records.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

# Moodle's standard role ids on a fresh 4.5 site.
ROLE_EDITINGTEACHER = 3
ROLE_TEACHER = 4
ROLE_STUDENT = 5

# Activity completion tracking modes (``course_modules.completion``).
COMPLETION_TRACKING_NONE = 0
COMPLETION_TRACKING_MANUAL = 1
COMPLETION_TRACKING_AUTOMATIC = 2

# Course completion criteria types (``course_completion_criteria.criteriatype``).
CRITERIA_TYPE_SELF = 1
CRITERIA_TYPE_ACTIVITY = 4


@dataclass(frozen=True, slots=True)
class Role:
    """A role (``role``)."""

    id: int
    shortname: str


@dataclass(frozen=True, slots=True)
class Category:
    """A course category (``course_categories``)."""

    id: int
    name: str
    idnumber: str | None
    description: str
    parent: int
    sortorder: int
    visible: bool
    timemodified: int
    depth: int
    path: str


@dataclass(frozen=True, slots=True)
class CustomField:
    """A user profile field value (``user_info_data`` with its field)."""

    shortname: str
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class User:
    """A user account (``user``). Empty strings mean an unset optional field."""

    id: int
    username: str
    firstname: str
    lastname: str
    email: str
    auth: str = "manual"
    suspended: bool = False
    confirmed: bool = True
    deleted: bool = False
    timedeleted: int = 0
    idnumber: str = ""
    department: str = ""
    institution: str = ""
    city: str = ""
    country: str = ""
    description: str = ""
    firstaccess: int = 0
    lastaccess: int = 0
    customfields: tuple[CustomField, ...] = ()
    preferences: tuple[tuple[str, int | str], ...] = ()

    @property
    def fullname(self) -> str:
        """Return the name the way Moodle's ``fullname()`` joins it."""
        return f"{self.firstname} {self.lastname}"

    @property
    def visible_username(self) -> str:
        """Return the username, mangled to ``<email>.<time>`` for a deleted user."""
        if self.deleted:
            return f"{self.email}.{self.timedeleted}"
        return self.username

    @property
    def visible_email(self) -> str:
        """Return the e-mail address, an md5 hash of the username once deleted."""
        if self.deleted:
            return hashlib.md5(self.username.encode()).hexdigest()  # noqa: S324
        return self.email


@dataclass(frozen=True, slots=True)
class Course:
    """A course (``course``); the site course has id 1 and format ``site``."""

    id: int
    shortname: str
    fullname: str
    idnumber: str
    categoryid: int
    summary: str
    format: str
    visible: bool
    startdate: int
    enddate: int
    enablecompletion: bool
    groupmode: int
    timecreated: int
    timemodified: int
    sortorder: int
    contextid: int
    newsitems: int = 0
    numsections: int = 4


@dataclass(frozen=True, slots=True)
class EnrolInstance:
    """An enrolment method of a course (``enrol``)."""

    id: int
    courseid: int
    enrol: str
    enabled: bool
    name: str = ""
    password: str = ""
    roleid: int = ROLE_STUDENT


@dataclass(frozen=True, slots=True)
class UserEnrolment:
    """A user's enrolment through one method (``user_enrolments``)."""

    id: int
    instanceid: int
    courseid: int
    userid: int
    suspended: bool = False
    timestart: int = 0
    timeend: int = 0


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    """A role held in a course's context (``role_assignments``)."""

    courseid: int
    userid: int
    roleid: int


@dataclass(frozen=True, slots=True)
class Group:
    """A course group with its members (``groups``, ``groups_members``)."""

    id: int
    courseid: int
    name: str
    description: str
    idnumber: str
    enrolmentkey: str | None
    member_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """A course section (``course_sections``); an empty name means the default."""

    id: int
    courseid: int
    number: int
    name: str = ""


@dataclass(frozen=True, slots=True)
class Module:
    """An activity in a course (``course_modules`` with its instance record).

    ``settings`` holds the module's own columns that wsfunctions return, such as
    an assignment's ``duedate`` or a quiz's ``timeclose``.
    """

    id: int
    courseid: int
    section: int
    modname: str
    instance: int
    name: str
    contextid: int
    timemodified: int
    visible: bool = True
    completion: int = COMPLETION_TRACKING_NONE
    intro: str = ""
    settings: dict[str, int | str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GradeCategory:
    """A grade category (``grade_categories``); the top one has no parent."""

    id: int
    courseid: int
    parentid: int | None
    fullname: str
    depth: int


@dataclass(frozen=True, slots=True)
class GradeItem:
    """A grade item (``grade_items``) of type mod, manual, category or course.

    ``categoryid`` is the grade category that contains the item, ``None`` for
    category and course totals; ``iteminstance`` of a total is the grade category
    that it sums up. ``scale`` holds the scale's words for a scale item.
    """

    id: int
    courseid: int
    itemtype: str
    itemname: str | None
    categoryid: int | None
    grademax: int
    grademin: int = 0
    itemmodule: str | None = None
    iteminstance: int | None = None
    idnumber: str | None = None
    cmid: int | None = None
    gradepass: float = 0.0
    scale: tuple[str, ...] = ()
    hidden: bool = False

    @property
    def is_total(self) -> bool:
        """Whether the item is a category or course total."""
        return self.itemtype in {"category", "course"}


@dataclass(frozen=True, slots=True)
class Grade:
    """A user's grade for one item (``grade_grades``).

    ``rawgrade`` ``None`` is a row without a value (Moodle's ``novalue``).
    """

    itemid: int
    userid: int
    rawgrade: float | None
    timegraded: int | None = None
    timesubmitted: int | None = None
    overridden: bool = False
    locked: bool = False
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class CompletionCriterion:
    """A course completion criterion (``course_completion_criteria``)."""

    id: int
    courseid: int
    criteriatype: int
    cmid: int | None = None


@dataclass(frozen=True, slots=True)
class CriterionCompletion:
    """A user's completion of one criterion (``course_completion_crit_compl``)."""

    criterionid: int
    userid: int
    timecompleted: int


@dataclass(frozen=True, slots=True)
class ActivityCompletion:
    """A user's completion state of one activity (``course_modules_completion``).

    ``state`` is 0 incomplete, 1 complete, 2 complete with pass, 3 complete with
    fail; ``overrideby`` is the id of the user who set it by hand.
    """

    cmid: int
    userid: int
    state: int
    timemodified: int
    overrideby: int | None = None
