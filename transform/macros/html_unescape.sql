{#
    Decode the HTML entities that Moodle's format_string() and s() write into
    names: &lt; &gt; &quot; &#039; &#39; and, last so that "&amp;lt;" becomes
    "&lt;", &amp;. Other named or numeric entities are left as they are.
#}
{% macro html_unescape(column) -%}
    replace(
        replace(
            replace(
                replace(
                    replace(replace({{ column }}, '&lt;', '<'), '&gt;', '>'),
                    '&quot;', '"'
                ),
                '&#039;', ''''
            ),
            '&#39;', ''''
        ),
        '&amp;', '&'
    )
{%- endmacro %}
