with

source as (

    select * from {{ source('moodle', 'users') }}

),

renamed as (

    select

        ----------  ids
        instance,
        id as user_id,

        ----------  strings
        username,
        firstname as first_name,
        lastname as last_name,
        fullname as full_name,
        email,
        idnumber,
        address,
        phone1 as phone,
        phone2 as mobile_phone,
        interests,
        department,
        institution,
        city,
        country,
        auth as auth_method,
        lang as language_code,
        theme as theme_name,
        calendartype as calendar_type,
        -- Moodle sends '99' for "the server's time zone".
        nullif(timezone, '99') as timezone,
        description,
        profileimageurl as profile_image_url,
        profileimageurlsmall as profile_image_url_small,

        ----------  numerics
        mailformat as mail_format,
        trackforums as track_forums,
        descriptionformat as description_format,

        ----------  booleans
        suspended as is_suspended,
        confirmed as is_confirmed,
        lastaccess > 0 as has_accessed_site,

        ----------  json
        to_jsonb(customfields) as custom_fields,
        to_jsonb(preferences) as preferences,

        ----------  timestamps
        {{ unix_to_timestamp('firstaccess') }} as first_access_at,
        {{ unix_to_timestamp('lastaccess') }} as last_access_at,
        {{ loaded_at() }} as loaded_at

    from source

    where
        _sdc_deleted_at is null
        and {{ returned_by_last_sync('users') }}

)

select * from renamed
