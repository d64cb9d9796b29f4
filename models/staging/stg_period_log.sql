with

source as (
    select * from {{ source('raw', 'period_log') }}
),

renamed as (
    select
        source,
        period,
        cast(period_start as date) as period_start,
        load_id,
        rows_loaded,
        replaced_load_id,
        loaded_at
    from source
)

select * from renamed
