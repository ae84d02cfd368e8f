with

source as (

    select * from {{ source('moodle', 'stream_syncs') }}

),

renamed as (

    select

        ----------  ids
        instance,
        skipped_courseids as skipped_course_ids,

        ----------  strings
        stream as stream_name,

        ----------  timestamps
        -- target-postgres stamps _sdc_sync_started_at in milliseconds since
        -- the Unix epoch, once per load.
        to_timestamp(_sdc_sync_started_at / 1000.0) as load_started_at,
        completed_at at time zone 'UTC' as completed_at,
        {{ loaded_at() }} as loaded_at

    from source

    where _sdc_deleted_at is null

)

select * from renamed
