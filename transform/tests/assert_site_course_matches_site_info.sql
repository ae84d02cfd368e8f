-- Fail for each course flagged is_site_course that is not the site course
-- that site_info names. Such a course has format 'site' but another id, or
-- its site has no site_info row. Fail also for each site_info row whose site
-- course was not loaded.

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
