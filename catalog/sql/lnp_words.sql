-- lnp_words: a SQL function used by indexes, generated columns and triggers.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.lnp_words(text)
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
AS $function$
    SELECT coalesce(array_agg(w ORDER BY i), '{}')
    FROM regexp_split_to_table(lower($1), '[^[:alnum:]]+') WITH ORDINALITY AS t(w, i)
    WHERE w <> ''
$function$;
