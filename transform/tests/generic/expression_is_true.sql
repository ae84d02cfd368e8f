{#
    Fail for every row where the SQL expression is false. Given a column, the
    expression is appended to it, so `expression: "between 0 and 100"` on a
    column checks that column. Null results pass, so write `is not null`
    checks as not_null tests.
#}
{% test expression_is_true(model, expression, column_name=none) %}

    select *

    from {{ model }}

    {% if column_name is none %}
    where not ({{ expression }})
    {% else %}
    where not ({{ column_name }} {{ expression }})
    {% endif %}

{% endtest %}
