"""HTTP behaviour of the sandbox: connections, dispatch errors, formats, counters."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import typing as t
from urllib.parse import urlencode

import pytest
from contract import xml_to_value
from wsclient import WsClient

from moodle_sandbox import REST_PATH, SandboxServer

if t.TYPE_CHECKING:
    from moodle_sandbox import Site

JSON = "application/json"
XML = "application/xml; charset=utf-8"
MOODLE_EXCEPTION = "core\\exception\\moodle_exception"
INVALID_PARAMETER = {
    "exception": "core\\exception\\invalid_parameter_exception",
    "errorcode": "invalidparameter",
    "message": "Invalid parameter value detected",
}
INVALID_TOKEN = {
    "exception": MOODLE_EXCEPTION,
    "errorcode": "invalidtoken",
    "message": "Invalid token - token not found",
}
ACCESS_EXCEPTION = {
    "exception": "webservice_access_exception",
    "errorcode": "accessexception",
    "message": "Access control exception",
}
UNKNOWN_COURSE = 999_999


def missing_record(table: str) -> dict[str, str]:
    return {
        "exception": "dml_missing_record_exception",
        "errorcode": "invalidrecord",
        "message": f"Can't find data record in database table {table}.",
    }


def fields_for(
    token: str, wsfunction: str, *extra: tuple[str, str], rest_format: str = "json"
) -> list[tuple[str, str]]:
    fields = [("wstoken", token), ("wsfunction", wsfunction)]
    if rest_format:
        fields.append(("moodlewsrestformat", rest_format))
    return [*fields, *extra]


# Connections.


def test_keep_alive_reuses_one_connection(client: WsClient) -> None:
    client.call("core_webservice_get_site_info")
    socket = client.connection.sock

    for _ in range(3):
        client.call("core_webservice_get_site_info")

    assert socket is not None
    assert client.connection.sock is socket


def test_response_keeps_connection_open(server: SandboxServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        body = urlencode(fields_for(server.token, "core_webservice_get_site_info"))
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", REST_PATH, body=body, headers=headers)
        response = connection.getresponse()
        response.read()

        assert response.version == 11
        assert not response.will_close
        assert response.getheader("Content-Length") is not None
    finally:
        connection.close()


def test_concurrent_clients_all_served(server: SandboxServer) -> None:
    failures: list[str] = []

    def work() -> None:
        ws = WsClient(server.url, server.token)
        try:
            for _ in range(10):
                info = ws.call("core_webservice_get_site_info")
                if info.get("userid") != 2:
                    failures.append(repr(info)[:200])
        finally:
            ws.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not any(thread.is_alive() for thread in threads)
    assert failures == []


def test_stop_closes_idle_connections_and_port(site: Site) -> None:
    sandbox = SandboxServer(site).start()
    ws = WsClient(sandbox.url, sandbox.token)
    try:
        ws.call("core_webservice_get_site_info")
        sandbox.stop()

        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            ws.call("core_webservice_get_site_info")
    finally:
        ws.close()
        sandbox.stop()


def test_start_twice_rejected(site: Site) -> None:
    with (
        SandboxServer(site) as sandbox,
        pytest.raises(RuntimeError, match="already running"),
    ):
        sandbox.start()


def test_port_zero_picks_free_port(site: Site) -> None:
    with SandboxServer(site, port=0) as sandbox:
        assert sandbox.port > 0
        assert sandbox.url == f"http://127.0.0.1:{sandbox.port}"
        assert sandbox.endpoint == f"{sandbox.url}{REST_PATH}"


# Token and function checks, in Moodle's order.


def test_invalid_token_is_http_200_error(client: WsClient) -> None:
    response = client.request(
        fields_for("wrong-token", "core_webservice_get_site_info")
    )

    assert response.status == 200
    assert response.content_type == JSON
    assert response.json() == INVALID_TOKEN


def test_missing_token_is_invalid_token(client: WsClient) -> None:
    response = client.request(
        [
            ("wsfunction", "core_webservice_get_site_info"),
            ("moodlewsrestformat", "json"),
        ]
    )

    assert response.json() == INVALID_TOKEN


def test_token_checked_before_function(client: WsClient) -> None:
    response = client.request(fields_for("wrong-token", "nonexistent_function_xyz"))

    assert response.json() == INVALID_TOKEN


def test_missing_wsfunction_is_invalid_parameter(
    server: SandboxServer, client: WsClient
) -> None:
    response = client.request(
        [("wstoken", server.token), ("moodlewsrestformat", "json")]
    )

    assert response.json() == INVALID_PARAMETER


def test_unknown_function_is_invalid_record(
    server: SandboxServer, client: WsClient
) -> None:
    response = client.request(fields_for(server.token, "nonexistent_function_xyz"))

    assert response.status == 200
    assert response.json() == missing_record("external_functions")


def test_function_outside_service_is_access_exception(
    server: SandboxServer, client: WsClient
) -> None:
    response = client.request(fields_for(server.token, "core_course_search_courses"))

    assert response.status == 200
    assert response.json() == ACCESS_EXCEPTION


def test_write_function_outside_service_rejected(
    server: SandboxServer, client: WsClient
) -> None:
    response = client.request(fields_for(server.token, "core_user_create_users"))

    assert response.json() == ACCESS_EXCEPTION


def test_limited_service_rejects_other_functions(site: Site) -> None:
    service = ["core_webservice_get_site_info", "core_course_get_categories"]
    with SandboxServer(site, service_functions=service) as sandbox:
        ws = WsClient(sandbox.url, sandbox.token)
        try:
            info = ws.call("core_webservice_get_site_info")
            contents = ws.call(
                "core_course_get_contents",
                {"courseid": site.landmarks.flagship_course},
            )
        finally:
            ws.close()

    assert [function["name"] for function in info["functions"]] == service
    assert contents == ACCESS_EXCEPTION


def test_service_function_without_implementation(site: Site) -> None:
    service = ["core_webservice_get_site_info", "core_course_search_courses"]
    with SandboxServer(site, service_functions=service) as sandbox:
        ws = WsClient(sandbox.url, sandbox.token)
        try:
            answer = ws.call("core_course_search_courses")
        finally:
            ws.close()

    assert answer["errorcode"] == "sandboxnotimplemented"
    assert "core_course_search_courses" in answer["message"]


def test_site_info_lists_default_service(
    server: SandboxServer, client: WsClient
) -> None:
    info = client.call("core_webservice_get_site_info")

    assert info["siteurl"] == server.url
    assert info["userissiteadmin"] is True
    assert len(info["functions"]) == 16
    assert all(isinstance(f["version"], str) for f in info["functions"])


# Argument validation.


def test_missing_argument_without_debuginfo(client: WsClient) -> None:
    answer = client.call("core_course_get_contents")

    assert answer == INVALID_PARAMETER


def test_wrong_type_without_debuginfo(client: WsClient) -> None:
    answer = client.call("core_course_get_contents", {"courseid": "abc"})

    assert answer == INVALID_PARAMETER


def test_missing_argument_debuginfo_names_it(debug_client: WsClient) -> None:
    answer = debug_client.call("core_course_get_contents")

    detail = "Missing required key in single structure: courseid"
    assert answer["errorcode"] == "invalidparameter"
    assert answer["debuginfo"] == detail
    assert answer["message"] == f"Invalid parameter value detected ({detail})"


def test_wrong_type_debuginfo_names_parameter(debug_client: WsClient) -> None:
    answer = debug_client.call("core_course_get_contents", {"courseid": "abc"})

    detail = (
        'Invalid external api parameter: the value is "abc", '
        'the server was expecting "int" type'
    )
    assert answer["errorcode"] == "invalidparameter"
    assert answer["debuginfo"] == (
        f"courseid => Invalid parameter value detected ({detail}): {detail}"
    )


def test_nested_parameter_path_in_debuginfo(debug_client: WsClient) -> None:
    answer = debug_client.call(
        "core_course_get_contents",
        {"courseid": 1, "options": [{"name": "bad name", "value": "1"}]},
    )

    assert answer["errorcode"] == "invalidparameter"
    assert answer["debuginfo"].startswith("options => ")
    assert "name => " in answer["debuginfo"]
    assert '"bad name"' in answer["debuginfo"]


def test_unexpected_argument_in_debuginfo(debug_client: WsClient) -> None:
    answer = debug_client.call("core_course_get_contents", {"courseid": 1, "bogus": 2})

    assert answer["debuginfo"] == "Unexpected keys (bogus) detected in parameter array."


def test_array_for_scalar_rejected(debug_client: WsClient) -> None:
    answer = debug_client.call("core_course_get_contents", {"courseid": [1]})

    assert answer["debuginfo"].startswith(
        "courseid => Invalid parameter value detected (Scalar type expected"
    )


def test_invalid_sortby_is_invalid_parameter(
    site: Site, client: WsClient, debug_client: WsClient
) -> None:
    params = {
        "courseid": site.landmarks.flagship_course,
        "options": [{"name": "sortby", "value": "lastaccess"}],
    }

    assert client.call("core_enrol_get_enrolled_users", params) == INVALID_PARAMETER
    debug_answer = debug_client.call("core_enrol_get_enrolled_users", params)
    assert "sortby" in debug_answer["debuginfo"]


def test_invalid_user_field_is_coding_error(client: WsClient) -> None:
    answer = client.call(
        "core_user_get_users_by_field", {"field": "city", "values": ["Lyon"]}
    )

    assert answer == {
        "exception": "core\\exception\\coding_exception",
        "errorcode": "codingerror",
        "message": "Coding error detected, it must be fixed by a programmer: "
        "invalid field parameter",
    }


def test_access_exception_debuginfo_names_function(debug_client: WsClient) -> None:
    answer = debug_client.call("core_course_search_courses")

    assert answer["errorcode"] == "accessexception"
    assert answer["debuginfo"].startswith(
        "Access to the function core_course_search_courses() is not allowed."
    )


def test_invalid_token_has_no_debuginfo_in_debug_mode(debug_client: WsClient) -> None:
    response = debug_client.request(
        fields_for("wrong-token", "core_webservice_get_site_info")
    )

    assert response.json() == INVALID_TOKEN


# Records that do not exist.


@pytest.mark.parametrize(
    "wsfunction",
    [
        "core_course_get_contents",
        "core_enrol_get_enrolled_users",
        "core_enrol_get_course_enrolment_methods",
        "gradereport_user_get_grade_items",
        "core_grades_get_gradeitems",
    ],
)
def test_unknown_course_is_invalid_record(wsfunction: str, client: WsClient) -> None:
    answer = client.call(wsfunction, {"courseid": UNKNOWN_COURSE})

    assert answer == missing_record("course")


def test_unknown_course_debuginfo_has_query(debug_client: WsClient) -> None:
    answer = debug_client.call("core_course_get_contents", {"courseid": UNKNOWN_COURSE})

    assert answer["debuginfo"] == (
        "SELECT * FROM {course} WHERE id = ?\n[array (\n  0 => 999999,\n)]"
    )


def test_unknown_course_groups_context_error(client: WsClient) -> None:
    answer = client.call("core_group_get_course_groups", {"courseid": UNKNOWN_COURSE})

    assert answer["exception"] == MOODLE_EXCEPTION
    assert answer["errorcode"] == "errorcoursecontextnotvalid"
    assert f"(course id:{UNKNOWN_COURSE})" in answer["message"]


def test_unknown_user_is_invalid_record(site: Site, client: WsClient) -> None:
    answer = client.call(
        "core_completion_get_course_completion_status",
        {"courseid": site.landmarks.flagship_course, "userid": UNKNOWN_COURSE},
    )

    assert answer == missing_record("user")


def test_unknown_ids_in_lists_dropped(client: WsClient) -> None:
    courses = client.call(
        "core_course_get_courses_by_field", {"field": "id", "value": UNKNOWN_COURSE}
    )
    users = client.call(
        "core_user_get_users_by_field", {"field": "id", "values": [UNKNOWN_COURSE]}
    )

    assert courses == {"courses": [], "warnings": []}
    assert users == []


# Formats and encodings.


def test_json_escapes_like_php(
    site: Site, server: SandboxServer, client: WsClient
) -> None:
    userid = site.landmarks.nonascii_user
    response = client.request(
        fields_for(
            server.token,
            "core_user_get_users_by_field",
            ("field", "id"),
            ("values[0]", str(userid)),
        )
    )

    assert response.content_type == JSON
    assert response.body.isascii()
    assert b"\\u" in response.body
    assert b"\\/" in response.body
    assert b"http://" not in response.body


def test_xml_when_format_not_json(
    site: Site, server: SandboxServer, client: WsClient
) -> None:
    response = client.request(
        fields_for(server.token, "core_webservice_get_site_info", rest_format="")
    )

    assert response.status == 200
    assert response.content_type == XML
    info = xml_to_value(response.body.decode("utf-8"))
    assert isinstance(info, dict)
    assert info["sitename"] == site.sitename
    assert info["userissiteadmin"] == "1"
    assert info["functions"][0] == {
        "name": "core_webservice_get_site_info",
        "version": "2024100700",
    }


def test_xml_and_json_have_same_keys(server: SandboxServer, client: WsClient) -> None:
    as_json = client.call("core_webservice_get_site_info")
    as_xml = client.request(
        fields_for(server.token, "core_webservice_get_site_info", rest_format="xml")
    )

    assert set(t.cast("dict[str, object]", xml_to_value(as_xml.body.decode()))) == set(
        as_json
    )


def test_xml_error_document(server: SandboxServer, client: WsClient) -> None:
    response = client.request(
        fields_for(server.token, "core_course_get_contents", rest_format="")
    )

    assert response.content_type == XML
    assert response.body.decode("utf-8") == (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<EXCEPTION class="core\\exception\\invalid_parameter_exception">\n'
        "<ERRORCODE>invalidparameter</ERRORCODE>\n"
        "<MESSAGE>Invalid parameter value detected</MESSAGE>\n"
        "</EXCEPTION>\n"
    )


def test_xml_error_debuginfo_in_debug_mode(
    debug_server: SandboxServer, debug_client: WsClient
) -> None:
    response = debug_client.request(
        fields_for(debug_server.token, "core_course_get_contents", rest_format="")
    )

    text = response.body.decode("utf-8")
    assert (
        "<DEBUGINFO>Missing required key in single structure: courseid</DEBUGINFO>"
        in text
    )


# GET and POST.


@pytest.mark.parametrize(
    ("wsfunction", "extra"),
    [
        ("core_webservice_get_site_info", []),
        (
            "core_course_get_categories",
            [("criteria[0][key]", "parent"), ("criteria[0][value]", "3")],
        ),
        ("core_course_get_contents", [("courseid", "COURSE")]),
    ],
)
def test_get_responds_like_post(
    wsfunction: str,
    extra: list[tuple[str, str]],
    site: Site,
    server: SandboxServer,
    client: WsClient,
) -> None:
    courseid = str(site.landmarks.flagship_course)
    fields = fields_for(
        server.token,
        wsfunction,
        *[(name, courseid if value == "COURSE" else value) for name, value in extra],
    )

    by_get = client.request(fields, method="GET")
    by_post = client.request(fields, method="POST")

    assert by_get.status == 200
    assert by_get.content_type == by_post.content_type
    assert by_get.body == by_post.body


def test_bad_token_by_get(client: WsClient) -> None:
    response = client.request(
        fields_for("wrong-token", "core_course_get_courses"), method="GET"
    )

    assert response.json() == INVALID_TOKEN


def test_post_body_overrides_query(server: SandboxServer) -> None:
    query = urlencode(fields_for(server.token, "core_webservice_get_site_info"))
    body = urlencode([("wsfunction", "nonexistent_function_xyz")])
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(
            "POST",
            f"{REST_PATH}?{query}",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        answer = json.loads(connection.getresponse().read())
    finally:
        connection.close()

    assert answer == missing_record("external_functions")


def test_post_body_ignored_unless_form_encoded(server: SandboxServer) -> None:
    body = urlencode(fields_for(server.token, "core_webservice_get_site_info"))
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(
            "POST",
            f"{REST_PATH}?moodlewsrestformat=json",
            body=body,
            headers={"Content-Type": "text/plain"},
        )
        answer = json.loads(connection.getresponse().read())
    finally:
        connection.close()

    assert answer == INVALID_TOKEN


def test_other_path_is_404(server: SandboxServer, client: WsClient) -> None:
    response = client.request(
        fields_for(server.token, "core_webservice_get_site_info"),
        path="/webservice/soap/server.php",
    )

    assert response.status == 404
    assert response.content_type.startswith("text/plain")
    assert REST_PATH.encode() in response.body


def test_chunked_body_rejected(server: SandboxServer) -> None:
    body = urlencode(fields_for(server.token, "core_webservice_get_site_info"))
    request = (
        f"POST {REST_PATH} HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
        f"{len(body):x}\r\n{body}\r\n0\r\n\r\n"
    )
    # One sendall: the server responds and closes right after the headers, so a
    # client that sends the body in a second write can fail with a broken pipe.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request.encode())
        with sock.makefile("rb") as reader:
            status_line = reader.readline()

    assert status_line.split()[1] == b"411"


# Call counter.


def test_call_counter_counts_every_request(site: Site) -> None:
    with SandboxServer(site) as sandbox:
        ws = WsClient(sandbox.url, sandbox.token)
        try:
            ws.call("core_webservice_get_site_info")
            ws.call("core_webservice_get_site_info")
            ws.call("core_course_get_contents")
            ws.call("nonexistent_function_xyz")
            ws.request(
                [("wstoken", "wrong"), ("wsfunction", "core_group_get_course_groups")]
            )
            counted = sandbox.calls
            sandbox.reset_calls()
            after_reset = sandbox.calls
        finally:
            ws.close()

    assert counted == {
        "core_webservice_get_site_info": 2,
        "core_course_get_contents": 1,
        "nonexistent_function_xyz": 1,
        "core_group_get_course_groups": 1,
    }
    assert after_reset == {}


def test_call_counter_empty_before_start(site: Site) -> None:
    sandbox = SandboxServer(site)

    assert sandbox.calls == {}
