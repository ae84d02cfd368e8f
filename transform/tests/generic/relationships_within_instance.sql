{#
    Fail for every row whose key has no parent row in the same Moodle site.
    Ids repeat across sites, so the parent is matched on the instance column
    and the key together. Rows with a null key pass, as in dbt's built-in
    relationships test.
#}
{% test relationships_within_instance(
    model, column_name, to, field, instance_column='instance'
) %}

    with

    children as (

        select
            {{ instance_column }} as instance,
            {{ column_name }} as key_value

        from {{ model }}

        where {{ column_name }} is not null

    ),

    parents as (

        select
            {{ instance_column }} as instance,
            {{ field }} as key_value

        from {{ to }}

    )

    select children.*

    from children

    left join parents
        on
            children.instance = parents.instance
            and children.key_value = parents.key_value

    where parents.key_value is null

{% endtest %}
