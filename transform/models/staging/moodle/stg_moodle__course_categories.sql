with

source as (

    select * from {{ source('moodle', 'course_categories') }}

),

renamed as (

    select

        ----------  ids
        instance,
        id as category_id,
        -- Moodle sends 0 for a top-level category.
        nullif(parent, 0) as parent_category_id,

        ----------  strings
        {{ html_unescape('name') }} as category_name,
        {{ multilang_display('name') }} as category_name_display,
        name as category_name_html,
        idnumber,
        description,
        path as category_path,
        theme as theme_name,

        ----------  numerics
        depth,
        sortorder as sort_order,
        coursecount as course_count,
        descriptionformat as description_format,

        ----------  booleans
        visible = 1 as is_visible,
        visibleold = 1 as was_visible,
        parent = 0 as is_top_level,

        ----------  timestamps
        {{ unix_to_timestamp('timemodified') }} as modified_at,
        {{ loaded_at() }} as loaded_at

    from source

    where
        _sdc_deleted_at is null
        and {{ returned_by_last_sync('course_categories') }}

)

select * from renamed
