with

source as (

    select * from {{ source('moodle', 'enrolment_methods') }}

),

renamed as (

    select

        ----------  ids
        instance,
        id as enrolment_method_id,
        courseid as course_id,

        ----------  strings
        type as enrolment_plugin,
        {{ html_unescape('name') }} as enrolment_method_name,
        name as enrolment_method_name_html,
        wsfunction as info_wsfunction,
        unavailable_reason,

        ----------  booleans
        -- Moodle lists enabled methods only. Its status is true when a user
        -- can enrol now; otherwise tap-moodle loads false and the reason.
        status as is_available,

        ----------  timestamps
        {{ loaded_at() }} as loaded_at

    from source

    where
        _sdc_deleted_at is null
        and {{ returned_by_last_sync(
            'enrolment_methods',
            course_id_column='courseid'
        ) }}

)

select * from renamed
