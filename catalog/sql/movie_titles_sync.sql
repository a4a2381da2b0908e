-- movie_titles_sync: the trigger function of movies_titles_delete, movies_titles_insert.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.movie_titles_sync()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO movie_titles (movie_id, title, local_title, review_count)
        SELECT id, lnp_fold(title), lnp_fold(local_title), review_count FROM new_rows
        ON CONFLICT (movie_id) DO UPDATE SET title = EXCLUDED.title, local_title = EXCLUDED.local_title;
    ELSE
        DELETE FROM movie_titles WHERE movie_id IN (SELECT id FROM old_rows);
    END IF;
    RETURN NULL;
END $function$;

CREATE TRIGGER movies_titles_delete AFTER DELETE ON public.movies REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION movie_titles_sync();

CREATE TRIGGER movies_titles_insert AFTER INSERT ON public.movies REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION movie_titles_sync();
