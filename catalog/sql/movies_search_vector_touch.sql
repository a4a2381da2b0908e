-- movies_search_vector_touch: the trigger function of movie_cast_search_delete, movie_cast_search_insert, movie_cast_search_update, movie_genres_search_delete, movie_genres_search_insert, movie_genres_search_update.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.movies_search_vector_touch()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE movies SET search_vector = NULL WHERE id IN (SELECT movie_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE movies SET search_vector = NULL WHERE id IN (SELECT movie_id FROM old_rows);
    ELSE
        UPDATE movies SET search_vector = NULL
         WHERE id IN (SELECT movie_id FROM new_rows UNION SELECT movie_id FROM old_rows);
    END IF;
    RETURN NULL;
END $function$;

CREATE TRIGGER movie_cast_search_delete AFTER DELETE ON public.movie_cast REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION movies_search_vector_touch();

CREATE TRIGGER movie_cast_search_insert AFTER INSERT ON public.movie_cast REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION movies_search_vector_touch();

CREATE TRIGGER movie_cast_search_update AFTER UPDATE ON public.movie_cast REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION movies_search_vector_touch();

CREATE TRIGGER movie_genres_search_delete AFTER DELETE ON public.movie_genres REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION movies_search_vector_touch();

CREATE TRIGGER movie_genres_search_insert AFTER INSERT ON public.movie_genres REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION movies_search_vector_touch();

CREATE TRIGGER movie_genres_search_update AFTER UPDATE ON public.movie_genres REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION movies_search_vector_touch();
