with

source as (

    select * from {{ source('moodle', 'site_info') }}

),

renamed as (

    select

        ----------  ids
        instance,
        siteid as site_course_id,
        userid as token_user_id,

        ----------  strings
        {{ html_unescape('sitename') }} as site_name,
        sitename as site_name_html,
        siteurl as site_url,
        release as moodle_release,
        version as moodle_version,
        lang as language_code,
        theme as theme_name,
        sitecalendartype as calendar_type,
        username as token_username,

        ----------  booleans
        userissiteadmin as is_token_user_site_admin,

        ----------  json
        to_jsonb(functions) as wsfunctions,
        to_jsonb(advancedfeatures) as advanced_features,

        ----------  timestamps
        {{ loaded_at() }} as loaded_at

    from source

    where
        _sdc_deleted_at is null
        and {{ returned_by_last_sync('site_info') }}

)

select * from renamed
