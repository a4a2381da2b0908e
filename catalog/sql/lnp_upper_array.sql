-- lnp_upper_array: a SQL function used by indexes, generated columns and triggers.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.lnp_upper_array(text[])
 RETURNS text[]
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
AS $function$ SELECT ARRAY(SELECT upper(name) FROM unnest($1) AS name) $function$;
