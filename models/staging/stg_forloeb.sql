with

source as (
    select * from {{ source('raw', 'forloeb') }}
),

renamed as (
    select
        cast(period_start as date) as month_start,
        forloeb_id as course_id,
        {{ person_key('person_id') }} as person_id,
        cast(birth_date as date) as birth_date,
        sex,
        cast(startdato as date) as start_date,
        cast(slutdato as date) as end_date,
        aktoerer as actors,
        len(aktoerer) as actor_count,
        afslutning as ending,
        load_id,
        source_row
    from source
)

select * from renamed
