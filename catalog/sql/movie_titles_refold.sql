-- movie_titles_refold: the trigger function of movies_titles_update.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.movie_titles_refold()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO movie_titles (movie_id, title, local_title, review_count)
    VALUES (NEW.id, lnp_fold(NEW.title), lnp_fold(NEW.local_title), NEW.review_count)
    ON CONFLICT (movie_id) DO UPDATE SET title = EXCLUDED.title, local_title = EXCLUDED.local_title;
    RETURN NULL;
END $function$;

CREATE TRIGGER movies_titles_update AFTER UPDATE OF title, local_title ON public.movies FOR EACH ROW WHEN ((((old.title)::text IS DISTINCT FROM (new.title)::text) OR ((old.local_title)::text IS DISTINCT FROM (new.local_title)::text))) EXECUTE FUNCTION movie_titles_refold();
