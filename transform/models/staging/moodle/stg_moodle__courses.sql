with

source as (

    select * from {{ source('moodle', 'courses') }}

),

site_info as (

    select * from {{ source('moodle', 'site_info') }}

    where _sdc_deleted_at is null

),

courses_with_site_course_id as (

    select

        source.*,
        site_info.siteid as site_course_id

    from source

    left join site_info
        on source.instance = site_info.instance

),

renamed as (

    select

        ----------  ids
        instance,
        id as course_id,
        -- Moodle puts the site course in category 0, which does not exist.
        categoryid as category_id,
        defaultgroupingid as default_grouping_id,

        ----------  strings
        {{ html_unescape('fullname') }} as course_fullname,
        {{ multilang_display('fullname') }} as course_fullname_display,
        fullname as course_fullname_html,
        {{ html_unescape('shortname') }} as course_shortname,
        {{ multilang_display('shortname') }} as course_shortname_display,
        shortname as course_shortname_html,
        {{ html_unescape('displayname') }} as course_displayname,
        displayname as course_displayname_html,
        {{ html_unescape('categoryname') }} as category_name,
        categoryname as category_name_html,
        idnumber,
        summary,
        format as course_format,
        lang as language_code,
        theme as theme_name,
        calendartype as calendar_type,
        courseimage as course_image_url,

        ----------  numerics
        sortorder as sort_order,
        summaryformat as summary_format,
        groupmode as group_mode,
        newsitems as news_items,
        maxbytes as max_upload_bytes,

        ----------  booleans
        -- The site course is the site's front page. Its id is site_info's
        -- siteid (usually 1) and its format is 'site'. Either test marks it,
        -- so a site without a site_info row still has its site course.
        coalesce(
            id = site_course_id or format = 'site', false
        ) as is_site_course,
        visible = 1 as is_visible,
        enablecompletion = 1 as is_completion_enabled,
        completionnotify = 1 as is_completion_notified,
        showgrades = 1 as is_gradebook_shown,
        groupmodeforce = 1 as is_group_mode_forced,

        ----------  json
        to_jsonb(contacts) as contacts,
        to_jsonb(enrollmentmethods) as enrolment_plugins,

        ----------  timestamps
        {{ unix_to_timestamp('startdate') }} as start_at,
        {{ unix_to_timestamp('enddate') }} as end_at,
        {{ unix_to_timestamp('timecreated') }} as created_at,
        {{ unix_to_timestamp('timemodified') }} as modified_at,
        {{ loaded_at() }} as loaded_at

    from courses_with_site_course_id

    where
        _sdc_deleted_at is null
        and {{ returned_by_last_sync(
            'courses',
            row_alias='courses_with_site_course_id'
        ) }}

)

select * from renamed
