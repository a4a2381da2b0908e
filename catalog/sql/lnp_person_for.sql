-- lnp_person_for: the person a name stands for (catalog.models.Person), made with its name row
-- when the folded name is new. Two writers adding one new name at once: the second waits on the
-- first's person_names row, finds it taken, drops its own person and answers the first one's.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.lnp_person_for(name text)
 RETURNS uuid
 LANGUAGE plpgsql
AS $function$
DECLARE
    name_key text := lnp_person_key(name);
    existing uuid;  -- not `found`: that would hide PL/pgSQL's FOUND
    fresh uuid;
BEGIN
    SELECT person_id INTO existing FROM person_names WHERE key = name_key;
    IF existing IS NOT NULL THEN
        RETURN existing;
    END IF;
    fresh := gen_random_uuid();
    INSERT INTO people (id, name, created_at) VALUES (fresh, name, now());
    INSERT INTO person_names (key, person_id) VALUES (name_key, fresh) ON CONFLICT (key) DO NOTHING;
    IF FOUND THEN
        RETURN fresh;
    END IF;
    DELETE FROM people WHERE id = fresh;
    SELECT person_id INTO existing FROM person_names WHERE key = name_key;
    RETURN existing;
END $function$;
