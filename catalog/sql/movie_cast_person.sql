-- movie_cast_person: the trigger function of movie_cast_person_insert, movie_cast_person_update. A cast
-- row written without a person (every import, API and admin write) gets the person of its name; so
-- does a row whose name changes while its person does not.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.movie_cast_person()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    NEW.person_id := lnp_person_for(NEW.actor_name);
    RETURN NEW;
END $function$;

CREATE TRIGGER movie_cast_person_insert BEFORE INSERT ON public.movie_cast FOR EACH ROW WHEN ((new.person_id IS NULL)) EXECUTE FUNCTION movie_cast_person();

CREATE TRIGGER movie_cast_person_update BEFORE UPDATE OF actor_name, person_id ON public.movie_cast FOR EACH ROW WHEN (((new.person_id IS NULL) OR (((old.actor_name)::text IS DISTINCT FROM (new.actor_name)::text) AND (NOT (old.person_id IS DISTINCT FROM new.person_id))))) EXECUTE FUNCTION movie_cast_person();
