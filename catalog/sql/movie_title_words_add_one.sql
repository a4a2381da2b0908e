-- movie_title_words_add_one: the trigger function of movie_titles_words_update.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.movie_title_words_add_one()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO movie_title_words (word)
    SELECT DISTINCT unnest(NEW.words)
    ON CONFLICT (word) DO NOTHING;
    RETURN NULL;
END $function$;

CREATE TRIGGER movie_titles_words_update AFTER UPDATE OF title, local_title ON public.movie_titles FOR EACH ROW WHEN ((old.words IS DISTINCT FROM new.words)) EXECUTE FUNCTION movie_title_words_add_one();
