{#
    Convert a Moodle Unix time (seconds, integer) to timestamptz. Moodle
    stores 0 for never or unset, which becomes null.
#}
{% macro unix_to_timestamp(column) -%}
    to_timestamp(nullif({{ column }}, 0))
{%- endmacro %}
