"""``core_webservice_get_site_info``."""

from __future__ import annotations

import typing as t

from moodle_sandbox.functions.base import CallContext, WsFunction
from moodle_sandbox.functions.records import picture_urls
from moodle_sandbox.validation import Multiple, Presence, Single, text

MOODLE_VERSION = "2024100700"
MOODLE_RELEASE = "4.5 (Build: 20241007)"
# The site administration settings that get_site_info reports, as on a default
# Moodle 4.5 site.
ADVANCED_FEATURES = (
    ("usecomments", 1),
    ("usetags", 1),
    ("enablenotes", 1),
    ("messaging", 1),
    ("enableblogs", 1),
    ("enablecompletion", 1),
    ("enablebadges", 1),
    ("messagingallusers", 0),
    ("enablecustomreports", 1),
    ("enableglobalsearch", 0),
    ("mnet_dispatcher_mode", 0),
    ("enablecompetencies", 1),
)
# A fixed stand-in: real Moodle derives it from the user's session.
PRIVATE_ACCESS_KEY = "0123456789abcdef0123456789abcdef"


def get_site_info(
    ctx: CallContext, _params: dict[str, t.Any], service_functions: list[str]
) -> dict[str, t.Any]:
    """Return the site and token-user summary with the service's functions."""
    user = ctx.user_or_error(ctx.userid)
    return {
        "sitename": ctx.site.sitename,
        "username": user.username,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "fullname": user.fullname,
        "lang": "en",
        "userid": user.id,
        "siteurl": ctx.wwwroot,
        "userpictureurl": picture_urls(ctx)["profileimageurl"],
        "functions": [
            {"name": name, "version": MOODLE_VERSION} for name in service_functions
        ],
        "downloadfiles": 0,
        "uploadfiles": 0,
        "release": MOODLE_RELEASE,
        "version": MOODLE_VERSION,
        "mobilecssurl": "",
        "advancedfeatures": [
            {"name": name, "value": value} for name, value in ADVANCED_FEATURES
        ],
        "usercanmanageownfiles": True,
        "userquota": 0,
        "usermaxuploadfilesize": -1,
        "userhomepage": 1,
        "userprivateaccesskey": PRIVATE_ACCESS_KEY,
        "siteid": 1,
        "sitecalendartype": "gregorian",
        "usercalendartype": "gregorian",
        "userissiteadmin": True,
        "theme": "boost",
        "limitconcurrentlogins": 0,
        "policyagreed": 0,
    }


def site_info_function(service_functions: list[str]) -> WsFunction:
    """Declare ``core_webservice_get_site_info`` for a service's function list."""
    return WsFunction(
        "core_webservice_get_site_info",
        Single({"serviceshortnames": Multiple(text(), Presence.DEFAULT, default=[])}),
        lambda ctx, params: get_site_info(ctx, params, service_functions),
    )
