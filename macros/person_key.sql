{#- The person key from staging on: the first 72 bits of the pseudonym (raw.*.person_id, 64 hex
    characters of HMAC-SHA256) as 12 base64 characters. DuckDB keeps a string of at most 12 bytes
    inline, so every join and count over persons compares one fixed-size value instead of a
    64-character string: at 100,000 residents x 60 months dbt runs in about half the time and the
    warehouse is a quarter of the size (bench/results.md). Two of a million persons share a key
    with a chance of about 1 in 10^10 (n^2 / 2^73). -#}
{% macro person_key(pseudonym) -%}
to_base64(unhex(left({{ pseudonym }}, 18)))
{%- endmacro %}
