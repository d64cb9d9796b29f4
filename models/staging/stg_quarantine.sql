with

source as (
    select * from {{ source('raw', 'quarantine') }}
),

renamed as (
    select
        load_id,
        source,
        file_path,
        source_row,
        period,
        column_name,
        reason,
        quarantined_at
    from source
)

select * from renamed
