"""MoodleClient against the Moodle sandbox over real HTTP.

The sandbox decodes form fields the way PHP fills ``$_POST`` and validates them
like Moodle's external API, so a wrongly encoded argument fails here the way it
would on a real site. The error cases cover every error shape the sandbox sends.
Responses it cannot send (HTTP 5xx, 429, HTML pages, redirects, truncated JSON)
are covered by ``test_client_answers`` with a replaying server.
"""

from __future__ import annotations

import logging
import typing as t
from urllib.parse import parse_qsl

import pytest

from moodle_sandbox import DEFAULT_SERVICE_FUNCTIONS, SandboxServer
from tap_moodle.client import MoodleClient
from tap_moodle.errors import MoodleResponseError, MoodleWebServiceError

from .sandbox_site import listed_enrolled_ids

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

    from moodle_sandbox import Landmarks, Site

SITE_NAME = "sandbox-http"
WRONG_TOKEN = "0123456789abcdef0123456789abcdef"  # noqa: S105 - not a real token
ENROLLED_USERS = "core_enrol_get_enrolled_users"
MISSING_FUNCTION = "core_user_get_users"


def make_client(url: str, token: str) -> MoodleClient:
    return MoodleClient(url, token, site=SITE_NAME, timeout=10.0, max_retries=0)


@pytest.fixture
def client(sandbox_server: SandboxServer) -> Iterator[MoodleClient]:
    moodle = make_client(sandbox_server.url, sandbox_server.token)
    yield moodle
    moodle.close()


@pytest.fixture
def sent_requests(client: MoodleClient) -> list[requests.PreparedRequest]:
    """Record each request the client sends, as requests prepared it."""
    sent: list[requests.PreparedRequest] = []

    def record(response: requests.Response, *args: object, **kwargs: object) -> None:
        sent.append(response.request)

    # The client's session is private, so a response hook records each request
    # as it was sent.
    client._session.hooks["response"].append(record)  # noqa: SLF001
    return sent


@pytest.fixture(scope="module")
def restricted_server(sandbox_site: Site) -> Iterator[SandboxServer]:
    """A sandbox whose external service lacks ``core_user_get_users``."""
    functions = [name for name in DEFAULT_SERVICE_FUNCTIONS if name != MISSING_FUNCTION]
    server = SandboxServer(
        sandbox_site, host="127.0.0.1", port=0, service_functions=functions
    )
    with server:
        yield server


def active_user_ids(site: Site) -> list[int]:
    return sorted(user.id for user in site.users if not user.deleted)


# Argument encoding: nested lists and mappings reach Moodle as PHP arrays.


def test_users_criterion_matches_everyone(client, sandbox_site):
    answer = client.call(
        "core_user_get_users", {"criteria": [{"key": "email", "value": "%"}]}
    )
    ids = sorted(user["id"] for user in answer["users"])
    assert ids == active_user_ids(sandbox_site)
    assert answer["warnings"] == []


def test_users_criteria_combine(client, sandbox_site):
    user = sandbox_site.user(sandbox_site.landmarks.nonascii_user)
    criteria = [
        {"key": "firstname", "value": user.firstname},
        {"key": "lastname", "value": user.lastname},
    ]
    answer = client.call("core_user_get_users", {"criteria": criteria})
    expected = sorted(
        other.id
        for other in sandbox_site.users
        if not other.deleted
        and other.firstname.lower() == user.firstname.lower()
        and other.lastname.lower() == user.lastname.lower()
    )
    assert not user.firstname.isascii()
    assert sorted(found["id"] for found in answer["users"]) == expected


def test_users_unknown_criterion_warns(client, sandbox_site):
    criteria = [{"key": "shoesize", "value": "42"}]
    answer = client.call("core_user_get_users", {"criteria": criteria})
    assert [warning["item"] for warning in answer["warnings"]] == ["shoesize"]
    assert len(answer["users"]) == len(active_user_ids(sandbox_site))


def test_users_by_field_list(client, sandbox_site):
    landmarks = sandbox_site.landmarks
    userids = [
        landmarks.editing_teacher,
        landmarks.deleted_user,
        landmarks.profile_user,
    ]
    answer = client.call(
        "core_user_get_users_by_field", {"field": "id", "values": userids}
    )
    assert sorted(user["id"] for user in answer) == sorted(userids)


def test_courses_by_field_id(client, sandbox_site):
    courseid = sandbox_site.landmarks.flagship_course
    answer = client.call(
        "core_course_get_courses_by_field", {"field": "id", "value": courseid}
    )
    assert [course["id"] for course in answer["courses"]] == [courseid]


def test_courses_by_field_ids(client, sandbox_site):
    landmarks = sandbox_site.landmarks
    courseids = [landmarks.weekly_course, landmarks.hidden_course]
    value = ",".join(str(courseid) for courseid in courseids)
    answer = client.call(
        "core_course_get_courses_by_field", {"field": "ids", "value": value}
    )
    assert sorted(course["id"] for course in answer["courses"]) == sorted(courseids)


def test_courses_none_argument_omitted(client, sandbox_site, sent_requests):
    answer = client.call(
        "core_course_get_courses_by_field", {"field": None, "value": None}
    )
    names = [name for name, _ in parse_qsl(sent_requests[0].body)]
    assert len(answer["courses"]) == len(sandbox_site.courses)
    assert names == ["wstoken", "wsfunction", "moodlewsrestformat"]


@pytest.mark.parametrize("addsubcategories", [True, False])
def test_categories_boolean_argument(client, sandbox_site, addsubcategories):
    parent = sandbox_site.landmarks.science_category
    subcategories = [
        category.id
        for category in sandbox_site.categories
        if category.path.startswith(f"/{parent}/")
    ]
    answer = client.call(
        "core_course_get_categories",
        {
            "criteria": [{"key": "id", "value": parent}],
            "addsubcategories": addsubcategories,
        },
    )
    expected = [parent, *subcategories] if addsubcategories else [parent]
    assert subcategories
    assert sorted(category["id"] for category in answer) == sorted(expected)


def test_enrolled_users_pages_join(client, sandbox_site):
    courseid = sandbox_site.landmarks.largest_course
    page_size = 7
    pages: list[list[int]] = []
    while True:
        page = client.call(
            ENROLLED_USERS,
            {
                "courseid": courseid,
                "options": [
                    {"name": "sortby", "value": "id"},
                    {"name": "limitfrom", "value": page_size * len(pages)},
                    {"name": "limitnumber", "value": page_size},
                ],
            },
        )
        pages.append([user["id"] for user in page])
        if len(page) < page_size:
            break
    joined = [userid for page in pages for userid in page]
    expected = listed_enrolled_ids(sandbox_site, courseid)
    assert len(pages) == len(expected) // page_size + 1
    assert all(len(page) <= page_size for page in pages)
    assert joined == expected


def test_enrolled_users_only_active(client, sandbox_site):
    courseid = sandbox_site.landmarks.flagship_course
    answer = client.call(
        ENROLLED_USERS,
        {"courseid": courseid, "options": [{"name": "onlyactive", "value": True}]},
    )
    expected = [
        userid
        for userid in listed_enrolled_ids(sandbox_site, courseid)
        if sandbox_site.has_active_enrolment(courseid, userid)
    ]
    assert len(expected) < len(sandbox_site.enrolled_user_ids(courseid))
    assert [user["id"] for user in answer] == expected


# The token travels only in the POST body.


def test_token_only_in_post_body(client, sandbox_server, sent_requests):
    client.call("core_webservice_get_site_info")
    request = sent_requests[0]
    token = sandbox_server.token
    assert len(sent_requests) == 1
    assert request.method == "POST"
    assert request.url == sandbox_server.endpoint
    assert token not in request.url
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert f"wstoken={token}" in request.body
    assert all(token not in value for value in request.headers.values())


def test_token_not_logged(client, sandbox_server, caplog):
    caplog.set_level(logging.DEBUG)
    client.call("core_webservice_get_site_info")
    with pytest.raises(MoodleWebServiceError):
        client.call(ENROLLED_USERS, {"courseid": 999_999})
    assert caplog.records
    assert sandbox_server.token not in caplog.text


# Every error shape of the sandbox becomes a typed error naming site, wsfunction
# and errorcode, without the token.


class ErrorCase(t.NamedTuple):
    wsfunction: str
    # Builds the arguments from the site's landmarks, because pytest collects
    # the parameters before any fixture provides the site.
    params: t.Callable[[Landmarks], dict[str, t.Any]]
    errorcode: str
    concerns_partition: bool = False
    is_configuration_error: bool = False


ERROR_CASES = [
    pytest.param(
        # A course deleted during a sync: the stream skips that course.
        ErrorCase(
            ENROLLED_USERS,
            lambda _: {"courseid": 999_999},
            "invalidrecord",
            concerns_partition=True,
        ),
        id="unknown course",
    ),
    pytest.param(
        # Moodle names a missing function with the same errorcode as a missing
        # course. The start-up check of the service's functions catches it
        # before any per-course call, so it never reaches a partition.
        ErrorCase(
            "local_sandbox_no_such_function",
            lambda _: {},
            "invalidrecord",
            concerns_partition=True,
        ),
        id="unknown function",
    ),
    pytest.param(
        ErrorCase(ENROLLED_USERS, lambda _: {"courseid": "first"}, "invalidparameter"),
        id="argument of wrong type",
    ),
    pytest.param(
        ErrorCase(
            "core_course_get_courses_by_field",
            lambda _: {"fields": "id"},
            "invalidparameter",
        ),
        id="unexpected argument",
    ),
    pytest.param(
        ErrorCase(
            ENROLLED_USERS,
            lambda marks: {
                "courseid": marks.flagship_course,
                "options": [{"name": "sortby", "value": "email"}],
            },
            "invalidparameter",
        ),
        id="invalid option value",
    ),
    pytest.param(
        ErrorCase(
            "core_completion_get_course_completion_status",
            lambda marks: {
                "courseid": marks.completion_disabled_course,
                "userid": marks.editing_teacher,
            },
            "cannotviewreport",
            concerns_partition=True,
        ),
        id="completion off",
    ),
]


@pytest.mark.parametrize("case", ERROR_CASES)
def test_error_answer_typed(client, sandbox_site, sandbox_server, case):
    with pytest.raises(MoodleWebServiceError) as caught:
        client.call(case.wsfunction, case.params(sandbox_site.landmarks))
    error = caught.value
    message = str(error)
    assert error.errorcode == case.errorcode
    assert error.wsfunction == case.wsfunction
    assert error.site == SITE_NAME
    assert error.concerns_partition is case.concerns_partition
    assert error.is_configuration_error is case.is_configuration_error
    assert SITE_NAME in message
    assert case.wsfunction in message
    assert case.errorcode in message
    assert sandbox_server.token not in message


def test_invalid_token(sandbox_server):
    moodle = make_client(sandbox_server.url, WRONG_TOKEN)
    with pytest.raises(MoodleWebServiceError) as caught:
        moodle.call("core_webservice_get_site_info")
    error = caught.value
    message = str(error)
    assert error.errorcode == "invalidtoken"
    assert error.is_configuration_error
    assert SITE_NAME in message
    assert "core_webservice_get_site_info" in message
    assert "invalidtoken" in message
    assert "Check the token setting" in message
    assert WRONG_TOKEN not in message
    assert sandbox_server.token not in message


def test_function_missing_from_service(restricted_server):
    moodle = make_client(restricted_server.url, restricted_server.token)
    criteria = {"criteria": [{"key": "email", "value": "%"}]}
    with pytest.raises(MoodleWebServiceError) as caught:
        moodle.call(MISSING_FUNCTION, criteria)
    error = caught.value
    message = str(error)
    assert error.errorcode == "accessexception"
    assert error.is_configuration_error
    assert SITE_NAME in message
    assert MISSING_FUNCTION in message
    assert "accessexception" in message
    assert "Add this function to the external service" in message
    assert restricted_server.token not in message


def test_function_in_service_still_works(restricted_server):
    moodle = make_client(restricted_server.url, restricted_server.token)
    info = moodle.call("core_webservice_get_site_info")
    names = [function["name"] for function in info["functions"]]
    assert MISSING_FUNCTION not in names
    assert "core_course_get_courses_by_field" in names


def test_wrong_path_not_found(sandbox_server):
    moodle = make_client(sandbox_server.url + "/moodle", sandbox_server.token)
    with pytest.raises(MoodleResponseError) as caught:
        moodle.call("core_webservice_get_site_info")
    error = caught.value
    message = str(error)
    assert error.status_code == 404
    assert "unexpected HTTP status 404" in message
    assert SITE_NAME in message
    assert "core_webservice_get_site_info" in message
    assert sandbox_server.token not in message


def xml_fields(token: str, wsfunction: str) -> list[tuple[str, str]]:
    """Form fields that ask for XML, as Moodle returns when a request names no format."""
    return [
        ("wstoken", token),
        ("wsfunction", wsfunction),
        ("moodlewsrestformat", "xml"),
    ]


def test_reserved_argument_rejected(client):
    with pytest.raises(ValueError, match="moodlewsrestformat"):
        client.call("core_webservice_get_site_info", {"moodlewsrestformat": "xml"})


def test_xml_answer_rejected(client, sandbox_server):
    wsfunction = "core_webservice_get_site_info"
    with pytest.raises(MoodleResponseError) as caught:
        client._call_once(wsfunction, xml_fields(sandbox_server.token, wsfunction))
    error = caught.value
    message = str(error)
    assert "an XML document instead of JSON" in message
    assert error.status_code == 200
    assert error.excerpt.startswith("<?xml")
    assert SITE_NAME in message
    assert sandbox_server.token not in message


def test_xml_exception_rejected(sandbox_server):
    moodle = make_client(sandbox_server.url, WRONG_TOKEN)
    with pytest.raises(MoodleResponseError) as caught:
        moodle._call_once(ENROLLED_USERS, xml_fields(WRONG_TOKEN, ENROLLED_USERS))
    message = str(caught.value)
    assert "an XML document instead of JSON" in message
    assert "<ERRORCODE>invalidtoken</ERRORCODE>" in message
    assert ENROLLED_USERS in message
    assert WRONG_TOKEN not in message

