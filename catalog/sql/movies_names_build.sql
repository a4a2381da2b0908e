-- movies_names_build: the trigger function of movies_names_insert, movies_names_update.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.movies_names_build()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    NEW.genre_names := ARRAY(SELECT genre FROM movie_genres WHERE movie_id = NEW.id ORDER BY genre);
    NEW.language_names := ARRAY(SELECT language FROM movie_languages WHERE movie_id = NEW.id ORDER BY language);
    RETURN NEW;
END $function$;

CREATE TRIGGER movies_names_insert BEFORE INSERT ON public.movies FOR EACH ROW EXECUTE FUNCTION movies_names_build();

CREATE TRIGGER movies_names_update BEFORE UPDATE OF genre_names, language_names ON public.movies FOR EACH ROW WHEN (((new.genre_names IS NULL) OR (new.language_names IS NULL) OR (old.genre_names IS DISTINCT FROM new.genre_names) OR (old.language_names IS DISTINCT FROM new.language_names))) EXECUTE FUNCTION movies_names_build();
