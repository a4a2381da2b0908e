-- lnp_person_key: the form two spellings of one name share: no accents, tone marks or hooks
-- (lnp_fold), lower case, single spaces ("Fúnkẹ́  AKÍNDÉLÉ" and "Funke Akindele" → "funke akindele").
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.lnp_person_key(text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
AS $function$ SELECT lower(btrim(regexp_replace(lnp_fold($1), '\s+', ' ', 'g'))) $function$;
