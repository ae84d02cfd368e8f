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

        ----------  booleans
        status as is_enabled,

        ----------  timestamps
        {{ loaded_at() }} as loaded_at

    from source

    where _sdc_deleted_at is null

)

select * from renamed
