with

source as (

    select * from {{ source('moodle', 'grades') }}

),

renamed as (

    select

        ----------  ids
        instance,
        itemid as grade_item_id,
        userid as user_id,
        courseid as course_id,

        ----------  strings
        status as grade_status,
        gradeformatted as grade_formatted,
        percentageformatted as percentage_formatted,
        feedback,

        ----------  numerics
        graderaw as grade_raw,
        grademin as grade_min,
        grademax as grade_max,
        weightraw as weight_raw,
        feedbackformat as feedback_format,

        ----------  booleans
        graderaw is not null as is_graded,
        gradeishidden as is_hidden,
        gradehiddenbydate as is_hidden_by_date,
        gradeislocked as is_locked,
        gradeisoverridden as is_overridden,
        gradeneedsupdate as is_update_needed,

        ----------  timestamps
        {{ unix_to_timestamp('gradedatesubmitted') }} as submitted_at,
        {{ unix_to_timestamp('gradedategraded') }} as graded_at,
        {{ loaded_at() }} as loaded_at

    from source

    where
        _sdc_deleted_at is null
        and {{ returned_by_last_sync('grades', course_id_column='courseid') }}

)

select * from renamed
