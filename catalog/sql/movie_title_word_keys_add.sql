-- movie_title_word_keys_add: the trigger function of movie_title_words_keys.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.movie_title_word_keys_add()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO movie_title_word_keys (key, word)
    SELECT word, word FROM new_rows
    UNION
    SELECT left(word, i - 1) || substr(word, i + 1), word
    FROM new_rows, generate_series(1, length(word)) AS i
    WHERE length(word) > 1
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $function$;

CREATE TRIGGER movie_title_words_keys AFTER INSERT ON public.movie_title_words REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION movie_title_word_keys_add();
