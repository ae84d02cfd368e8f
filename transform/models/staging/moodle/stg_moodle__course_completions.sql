with

source as (

    select * from {{ source('moodle', 'course_completions') }}

),

renamed as (

    select

        ----------  ids
        instance,
        courseid as course_id,
        userid as user_id,

        ----------  numerics
        -- Moodle sends 1 when every criterion is required and 2 when any
        -- one criterion is enough.
        aggregation as criteria_aggregation,
        coalesce(jsonb_array_length(to_jsonb(completions)), 0)
            as criteria_count,

        ----------  booleans
        completed as is_completed,

        ----------  json
        to_jsonb(completions) as criteria,

        ----------  timestamps
        {{ loaded_at() }} as loaded_at

    from source

    where
        _sdc_deleted_at is null
        and {{ returned_by_last_sync(
            'course_completions',
            course_id_column='courseid'
        ) }}

)

select * from renamed
