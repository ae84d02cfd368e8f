with

source as (

    select * from {{ source('moodle', 'enrolments') }}

),

renamed as (

    select

        ----------  ids
        instance,
        courseid as course_id,
        userid as user_id,

        ----------  numerics
        coalesce(jsonb_array_length(to_jsonb(groups)), 0) as group_count,

        ----------  booleans
        lastcourseaccess > 0 as has_accessed_course,

        ----------  json
        to_jsonb(groups) as groups,

        ----------  timestamps
        {{ unix_to_timestamp('lastcourseaccess') }} as last_course_access_at,
        {{ loaded_at() }} as loaded_at

    from source

    where
        _sdc_deleted_at is null
        and {{ returned_by_last_sync(
            'enrolments',
            course_id_column='courseid'
        ) }}

)

select * from renamed
