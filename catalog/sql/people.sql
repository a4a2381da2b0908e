-- People from cast names (catalog.models.Person, PersonName, MovieCast.person).
-- Loaded by migration 0006; safe to run again (CREATE OR REPLACE / DROP IF EXISTS).

-- The form two spellings of one name share: no accents, tone marks or hooks (lnp_fold), lower case,
-- single spaces ("Fúnkẹ́  AKÍNDÉLÉ" and "Funke Akindele" → "funke akindele").
CREATE OR REPLACE FUNCTION lnp_person_key(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT lower(btrim(regexp_replace(lnp_fold($1), '\s+', ' ', 'g'))) $$;

-- The person a name stands for, made (with its name row) when the folded name is new. Two writers
-- adding one new name at once: the second waits on the first's person_names row, finds it taken,
-- drops its own person and answers the first one's.
CREATE OR REPLACE FUNCTION lnp_person_for(name text) RETURNS uuid
    LANGUAGE plpgsql AS $$
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
END $$;

-- A cast row written without a person (every import, API and admin write) gets the person of its
-- name; so does a row whose name changes while its person does not.
CREATE OR REPLACE FUNCTION movie_cast_person() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.person_id := lnp_person_for(NEW.actor_name);
    RETURN NEW;
END $$;

DROP TRIGGER IF EXISTS movie_cast_person_insert ON movie_cast;
CREATE TRIGGER movie_cast_person_insert
    BEFORE INSERT ON movie_cast
    FOR EACH ROW
    WHEN (NEW.person_id IS NULL)
    EXECUTE FUNCTION movie_cast_person();

DROP TRIGGER IF EXISTS movie_cast_person_update ON movie_cast;
CREATE TRIGGER movie_cast_person_update
    BEFORE UPDATE OF actor_name, person_id ON movie_cast
    FOR EACH ROW
    WHEN (NEW.person_id IS NULL
          OR (OLD.actor_name IS DISTINCT FROM NEW.actor_name AND OLD.person_id IS NOT DISTINCT FROM NEW.person_id))
    EXECUTE FUNCTION movie_cast_person();
