with

source as (
    select * from {{ source('raw', 'deltagelse') }}
),

renamed as (
    select
        cast(period_start as date) as month_start,
        cast(dato as date) as session_date,
        aktivitet_id as activity_id,
        aktivitet as activity_name,
        delaftale,
        boligomraade as area,
        -- an empty partner is no partner (ingest writes NULL; blanks are folded here too)
        nullif(trim(partner), '') as partner,
        {{ person_key('person_id') }} as person_id,
        cast(birth_date as date) as birth_date,
        sex,
        rolle as role,
        load_id,
        source_row
    from source
)

select * from renamed
