with

source as (

    select * from {{ source('moodle', 'role_assignments') }}

),

renamed as (

    select

        ----------  ids
        instance,
        courseid as course_id,
        userid as user_id,
        roleid as role_id,

        ----------  timestamps
        {{ loaded_at() }} as loaded_at

    from source

    where _sdc_deleted_at is null

)

select * from renamed
