"""Stream of the site's own description."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_moodle.streams.base import INSTANCE, MoodleStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context

# A key that lets its holder fetch the token user's private files: never extracted.
SECRET_FIELDS = ("userprivateaccesskey",)


class SiteInfoStream(MoodleStream):
    """One record per site: name, release, and the functions the token may call."""

    name = "site_info"
    wsfunction = "core_webservice_get_site_info"
    primary_keys = ("instance",)
    # The token's own user.
    personal_fields = ("username", "firstname", "lastname", "fullname", "userpictureurl")
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("sitename", th.StringType),
        th.Property("siteurl", th.StringType),
        th.Property("siteid", th.IntegerType),
        th.Property("release", th.StringType),
        th.Property("version", th.StringType),
        th.Property("lang", th.StringType),
        th.Property("theme", th.StringType),
        th.Property("sitecalendartype", th.StringType),
        th.Property(
            "userid", th.IntegerType, description="Id of the token's user."
        ),
        th.Property("username", th.StringType),
        th.Property("firstname", th.StringType),
        th.Property("lastname", th.StringType),
        th.Property("fullname", th.StringType),
        th.Property("userpictureurl", th.StringType),
        th.Property("userissiteadmin", th.BooleanType),
        th.Property("usercalendartype", th.StringType),
        th.Property("userhomepage", th.IntegerType),
        th.Property("userquota", th.IntegerType),
        th.Property("usermaxuploadfilesize", th.IntegerType),
        th.Property("usercanmanageownfiles", th.BooleanType),
        th.Property("downloadfiles", th.IntegerType),
        th.Property("uploadfiles", th.IntegerType),
        th.Property("mobilecssurl", th.StringType),
        th.Property("limitconcurrentlogins", th.IntegerType),
        th.Property("policyagreed", th.IntegerType),
        th.Property(
            "functions",
            th.ArrayType(
                th.ObjectType(
                    th.Property("name", th.StringType),
                    th.Property("version", th.StringType),
                )
            ),
            description="The wsfunctions of the token's external service.",
        ),
        th.Property(
            "advancedfeatures",
            th.ArrayType(
                th.ObjectType(
                    th.Property("name", th.StringType),
                    th.Property("value", th.IntegerType),
                )
            ),
        ),
    ).to_dict()

    def get_records(
        self,
        context: Context | None,  # noqa: ARG002
    ) -> Iterable[dict[str, t.Any]]:
        """Yield the site info, without the token user's private access key."""
        info = self.moodle.site_info
        yield {
            key: value for key, value in info.items() if key not in SECRET_FIELDS
        }
