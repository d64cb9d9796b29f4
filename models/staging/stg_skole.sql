with

source as (
    select * from {{ source('raw', 'skole') }}
),

renamed as (
    select
        cast(period_start as date) as month_start,
        {{ person_key('person_id') }} as person_id,
        cast(birth_date as date) as birth_date,
        sex,
        skole as school,
        cast(klassetrin as integer) as class_level,
        cast(skoledage as integer) as school_days,
        cast(fravaersdage as double) as absence_days,
        load_id,
        source_row
    from source
)

select * from renamed
