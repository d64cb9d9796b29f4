with

source as (
    select * from {{ source('raw', 'beskaeftigelse') }}
),

renamed as (
    select
        cast(period_start as date) as month_start,
        {{ person_key('person_id') }} as person_id,
        cast(birth_date as date) as birth_date,
        sex,
        status,
        load_id,
        source_row
    from source
)

select * from renamed
