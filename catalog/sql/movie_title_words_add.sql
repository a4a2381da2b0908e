-- movie_title_words_add: the trigger function of movie_titles_words_insert.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.movie_title_words_add()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO movie_title_words (word)
    SELECT DISTINCT unnest(words) FROM new_rows
    ON CONFLICT (word) DO NOTHING;
    RETURN NULL;
END $function$;

CREATE TRIGGER movie_titles_words_insert AFTER INSERT ON public.movie_titles REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION movie_title_words_add();
