with

source as (
    select * from {{ source('raw', 'load_log') }}
),

renamed as (
    select
        load_id,
        run_id,
        source,
        file_path,
        sha256,
        size_bytes,
        file_format,
        outcome,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_duplicate,
        rows_aliased,
        periods,
        period_hint,
        message,
        loaded_at
    from source
)

select * from renamed
