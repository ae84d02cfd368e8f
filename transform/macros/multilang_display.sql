{#
    Render the text a reader sees in one language, from a name that may hold
    Moodle's multi-language markup: {mlang xx}...{mlang} blocks (filter_multilang2)
    or <span lang="xx" class="multilang">...</span> (filter_multilang). Moodle
    shows the blocks of the reader's language and hides the others; text outside
    blocks is always shown. The language is var('display_language'). A name with
    blocks but none in that language shows its first block, as Moodle falls back.
    Entities are decoded afterwards. NOTE: a block's text must not contain "{"
    (mlang) or "<" (span); such blocks are left as they are.
#}
{% macro multilang_display(column) -%}
    {%- set language = var('display_language', 'en') -%}
    {{ html_unescape(
        "coalesce(nullif(btrim(" ~ _multilang_chosen(column, language) ~ "), ''), "
        ~ _multilang_first(column) ~ ", " ~ column ~ ")"
    ) }}
{%- endmacro %}

{% macro _multilang_chosen(column, language) -%}
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    {{ column }},
                    '\{mlang (?!{{ language }}\})[^}]*\}[^{]*\{mlang\}',
                    '',
                    'g'
                ),
                '\{mlang [^}]*\}([^{]*)\{mlang\}',
                '\1',
                'g'
            ),
            '<span lang="(?!{{ language }}")[^"]*" class="multilang">[^<]*</span>',
            '',
            'g'
        ),
        '<span lang="[^"]*" class="multilang">([^<]*)</span>',
        '\1',
        'g'
    )
{%- endmacro %}

{% macro _multilang_first(column) -%}
    coalesce(
        substring({{ column }} from '\{mlang [^}]*\}([^{]*)\{mlang\}'),
        substring(
            {{ column }} from '<span lang="[^"]*" class="multilang">([^<]*)</span>'
        )
    )
{%- endmacro %}
