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

    where
        _sdc_deleted_at is null
        and {{ returned_by_last_sync(
            'role_assignments',
            course_id_column='courseid'
        ) }}

)

select * from renamed
