with

source as (

    select * from {{ source('moodle', 'grade_items') }}

),

renamed as (

    select

        ----------  ids
        instance,
        id as grade_item_id,
        courseid as course_id,
        -- A gradebook category, not a course category.
        categoryid as grade_category_id,
        cmid as course_module_id,
        iteminstance as item_instance_id,
        outcomeid as outcome_id,
        scaleid as scale_id,

        ----------  strings
        {{ html_unescape('itemname') }} as item_name,
        {{ multilang_display('itemname') }} as item_name_display,
        itemname as item_name_html,
        itemtype as item_type,
        itemmodule as item_module,
        idnumber,

        ----------  numerics
        itemnumber as item_number,
        grademin as grade_min,
        grademax as grade_max,

        ----------  booleans
        itemtype = 'course' as is_course_total,
        itemtype = 'category' as is_category_total,
        locked as is_locked,

        ----------  timestamps
        {{ loaded_at() }} as loaded_at

    from source

    where
        _sdc_deleted_at is null
        and {{ returned_by_last_sync(
            'grade_items',
            course_id_column='courseid'
        ) }}

)

select * from renamed
