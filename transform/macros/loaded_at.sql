{#
    The time target-postgres wrote the row's batch. The loader stores it as a
    timestamp without time zone in UTC; this returns it as timestamptz.
#}
{% macro loaded_at(column='_sdc_batched_at') -%}
    {{ column }} at time zone 'UTC'
{%- endmacro %}
