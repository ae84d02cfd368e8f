-- Fail for each site whose course flagged is_site_course (format 'site') is
-- not the site course that site_info names, and for each site that has a
-- site_info row but no such course or the other way round.

with

site_info as (

    select * from {{ ref('stg_moodle__site_info') }}

),

site_courses as (

    select * from {{ ref('stg_moodle__courses') }}

    where is_site_course

),

matched as (

    select

        coalesce(site_info.instance, site_courses.instance) as instance,
        site_info.site_course_id,
        site_courses.course_id

    from site_info

    full outer join site_courses
        on
            site_info.instance = site_courses.instance
            and site_info.site_course_id = site_courses.course_id

)

select * from matched

where site_course_id is null or course_id is null
