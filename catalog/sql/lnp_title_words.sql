-- lnp_title_words: a SQL function used by indexes, generated columns and triggers.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.lnp_title_words(text, text)
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
AS $function$
    SELECT coalesce(lnp_words($1), '{}') || coalesce(lnp_words($2), '{}')
$function$;
