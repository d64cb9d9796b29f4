with

source as (
    select * from {{ source('raw', 'karakterer') }}
),

renamed as (
    select
        skoleaar as school_year,
        cast(exam_year as integer) as exam_year,
        {{ person_key('person_id') }} as person_id,
        cast(birth_date as date) as birth_date,
        sex,
        lower(fag) as subject,
        cast(karakter as double) as grade,
        load_id,
        source_row
    from source
)

select * from renamed
