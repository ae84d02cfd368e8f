with

source as (

    select * from {{ source('moodle', 'roles') }}

),

renamed as (

    select

        ----------  ids
        instance,
        roleid as role_id,

        ----------  strings
        shortname as role_shortname,
        -- Moodle sends an empty name unless a course renamed the role.
        nullif(name, '') as role_name,

        ----------  numerics
        sortorder as sort_order,

        ----------  booleans
        -- The roles that a Moodle 4.x installation creates. Sites can add
        -- their own.
        shortname in (
            'manager',
            'coursecreator',
            'editingteacher',
            'teacher',
            'student',
            'guest',
            'user',
            'frontpage'
        ) as is_standard_role,

        ----------  timestamps
        {{ loaded_at() }} as loaded_at

    from source

    where
        _sdc_deleted_at is null
        and {{ returned_by_last_sync('roles') }}

)

select * from renamed
