-- Which sources each indicator reads (catalogue column `sources`), with the months of the year
-- in which a source has no expected delivery (sources seed).
with

catalogue as (
    select * from {{ ref('indicators') }}
),

sources as (
    select * from {{ ref('int_sources') }}
),

read_sources as (
    select
        indicator_id,
        grain,
        trim(unnest(string_split(sources, '|'))) as source
    from catalogue
),

final as (
    select
        read_sources.indicator_id,
        read_sources.grain,
        read_sources.source,
        sources.grain as source_grain,
        sources.months_not_expected
    from read_sources
    left join sources on read_sources.source = sources.source
)

select * from final
