-- The sources seed, typed: months_not_expected as a list of month numbers.
with

sources as (
    select * from {{ ref('sources') }}
),

final as (
    select
        source,
        sort_order,
        label_da,
        grain,
        list_transform(
            list_filter(
                string_split(coalesce(months_not_expected, ''), '|'), lambda x: trim(x) <> ''
            ),
            lambda x: cast(trim(x) as integer)
        ) as months_not_expected
    from sources
)

select * from final
