{#
    Render a predicate that is false for a raw row that Moodle has deleted.
    tap-moodle writes a stream_syncs row for each stream and site whose full
    sync finished, and target-postgres stamps every row it writes with the
    _sdc_sync_started_at of its load. A row with an older stamp than the last
    finished sync of its stream and site was not returned by that sync.

    Rows in a course that the sync skipped after an error keep their state.
    A stream without a course column keeps every row when the sync skipped
    any course, because its rows cannot be told apart by course. Every row
    passes when its site has no finished sync of the stream, and when the
    stream_syncs table does not exist yet (loads by an older tap-moodle).

    row_alias is the relation in the model's from clause that holds the raw
    row, so that the subquery can refer to it.
#}
{% macro returned_by_last_sync(
    stream_name, row_alias='source', course_id_column=none
) -%}
    {%- set stream_syncs = source('moodle', 'stream_syncs') -%}
    {%- set stream_syncs_exists = true -%}
    {%- if execute -%}
        {%- set stream_syncs_exists = adapter.get_relation(
            database=stream_syncs.database,
            schema=stream_syncs.schema,
            identifier=stream_syncs.identifier,
        ) is not none -%}
    {%- endif -%}
    {%- if stream_syncs_exists -%}
    not exists (
        select 1
        from {{ stream_syncs }} as last_sync
        where
            last_sync.instance = {{ row_alias }}.instance
            and last_sync.stream = '{{ stream_name }}'
            and last_sync._sdc_deleted_at is null
            and {{ row_alias }}._sdc_sync_started_at
            < last_sync._sdc_sync_started_at
            {%- if course_id_column is not none %}
            and not {{ row_alias }}.{{ course_id_column }}
            = any(coalesce(last_sync.skipped_courseids, '{}'))
            {%- else %}
            and coalesce(cardinality(last_sync.skipped_courseids), 0) = 0
            {%- endif %}
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}
