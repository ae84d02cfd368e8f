with

courses as (

    select * from {{ ref('stg_moodle__courses') }}

),

course_categories as (

    select * from {{ ref('stg_moodle__course_categories') }}

),

enrolments as (

    select * from {{ ref('stg_moodle__enrolments') }}

),

role_assignments as (

    select * from {{ ref('stg_moodle__role_assignments') }}

),

roles as (

    select * from {{ ref('stg_moodle__roles') }}

),

grade_items as (

    select * from {{ ref('stg_moodle__grade_items') }}

),

grades as (

    select * from {{ ref('stg_moodle__grades') }}

),

course_completions as (

    select * from {{ ref('stg_moodle__course_completions') }}

),

students as (

    -- Two role ids can share the short name 'student'. A role deleted and
    -- created again stays in stg_moodle__roles while syncs skip courses, and
    -- before the first recorded sync. Distinct keeps one row per student.
    select distinct

        role_assignments.instance,
        role_assignments.course_id,
        role_assignments.user_id

    from role_assignments

    inner join roles
        on
            role_assignments.instance = roles.instance
            and role_assignments.role_id = roles.role_id

    where roles.role_shortname = 'student'

),

student_access as (

    select

        students.instance,
        students.course_id,
        students.user_id,
        coalesce(
            enrolments.last_course_access_at >= current_timestamp
            - make_interval(days => {{ var('active_days', 30) }}),
            false
        ) as is_active

    from students

    left join enrolments
        on
            students.instance = enrolments.instance
            and students.course_id = enrolments.course_id
            and students.user_id = enrolments.user_id

),

student_final_grades as (

    -- Each student's course total as a percentage of the range that student
    -- sees: with empty grades excluded, the total's maximum differs per user.
    select

        students.instance,
        students.course_id,
        students.user_id,
        (grades.grade_raw - grades.grade_min)
        / nullif(grades.grade_max - grades.grade_min, 0)
        * 100 as final_grade_pct

    from students

    inner join grades
        on
            students.instance = grades.instance
            and students.course_id = grades.course_id
            and students.user_id = grades.user_id

    inner join grade_items
        on
            grades.instance = grade_items.instance
            and grades.grade_item_id = grade_items.grade_item_id

    where
        grade_items.is_course_total
        and grades.grade_raw is not null

),

student_completions as (

    select

        students.instance,
        students.course_id,
        students.user_id,
        course_completions.is_completed

    from students

    inner join course_completions
        on
            students.instance = course_completions.instance
            and students.course_id = course_completions.course_id
            and students.user_id = course_completions.user_id

),

enrolment_counts as (

    select

        instance,
        course_id,
        count(*) as enrolled_users

    from enrolments

    group by 1, 2

),

student_counts as (

    select

        instance,
        course_id,
        count(*) as enrolled_students,
        count(*) filter (where is_active) as active_students

    from student_access

    group by 1, 2

),

grade_summary as (

    select

        instance,
        course_id,
        count(final_grade_pct) as graded_students,
        avg(final_grade_pct) as avg_final_grade_pct

    from student_final_grades

    group by 1, 2

),

completion_summary as (

    select

        instance,
        course_id,
        count(*) as completion_tracked_students,
        count(*) filter (where is_completed) as completed_students

    from student_completions

    group by 1, 2

),

course_performance as (

    select

        ----------  ids
        courses.instance,
        courses.course_id,
        courses.category_id,

        ----------  strings
        courses.course_shortname,
        courses.course_fullname,
        course_categories.category_name,

        ----------  numerics
        coalesce(enrolment_counts.enrolled_users, 0) as enrolled_users,
        coalesce(student_counts.enrolled_students, 0) as enrolled_students,
        coalesce(student_counts.active_students, 0) as active_students,
        coalesce(grade_summary.graded_students, 0) as graded_students,
        round(grade_summary.avg_final_grade_pct, 2) as avg_final_grade_pct,
        coalesce(
            completion_summary.completion_tracked_students, 0
        ) as completion_tracked_students,
        coalesce(
            completion_summary.completed_students, 0
        ) as completed_students,
        case
            when courses.is_completion_enabled
                then round(
                    completion_summary.completed_students::numeric
                    / nullif(completion_summary.completion_tracked_students, 0),
                    4
                )
        end as completion_rate,

        ----------  booleans
        courses.is_visible,
        courses.is_completion_enabled,

        ----------  timestamps
        courses.start_at,
        courses.end_at,
        current_timestamp as calculated_at

    from courses

    left join course_categories
        on
            courses.instance = course_categories.instance
            and courses.category_id = course_categories.category_id

    left join enrolment_counts
        on
            courses.instance = enrolment_counts.instance
            and courses.course_id = enrolment_counts.course_id

    left join student_counts
        on
            courses.instance = student_counts.instance
            and courses.course_id = student_counts.course_id

    left join grade_summary
        on
            courses.instance = grade_summary.instance
            and courses.course_id = grade_summary.course_id

    left join completion_summary
        on
            courses.instance = completion_summary.instance
            and courses.course_id = completion_summary.course_id

    where not courses.is_site_course

)

select * from course_performance
