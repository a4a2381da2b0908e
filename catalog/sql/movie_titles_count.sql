-- movie_titles_count: the trigger function of movies_titles_count.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.movie_titles_count()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    UPDATE movie_titles SET review_count = NEW.review_count WHERE movie_id = NEW.id;
    RETURN NULL;
END $function$;

CREATE TRIGGER movies_titles_count AFTER UPDATE OF review_count ON public.movies FOR EACH ROW WHEN ((old.review_count IS DISTINCT FROM new.review_count)) EXECUTE FUNCTION movie_titles_count();
