-- The display text of names with Moodle's multi-language markup, in English.
with

cases (raw_name, expected) as (

    values
    ('History 101', 'History 101'),
    ('{mlang en}History{mlang}{mlang pt_br}História{mlang}', 'History'),
    ('{mlang pt_br}História{mlang}{mlang en}History{mlang}', 'History'),
    ('{mlang de}Geschichte{mlang}{mlang fr}Histoire{mlang}', 'Geschichte'),
    ('HIST101 {mlang en}History{mlang}{mlang de}Geschichte{mlang}', 'HIST101 History'),
    (
        '<span lang="en" class="multilang">Maths</span>'
        || '<span lang="pt_br" class="multilang">Matemática</span>',
        'Maths'
    ),
    ('{mlang en}Art &amp; Design{mlang}', 'Art & Design'),
    (null, null)

),

checked as (

    select

        raw_name,
        expected,
        {{ multilang_display('raw_name') }} as displayed

    from cases

)

select * from checked
where displayed is distinct from expected
