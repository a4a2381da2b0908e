-- movies_search_vector_build: the trigger function of movies_search_vector_insert, movies_search_vector_update.
-- The definition the database must hold (catalog/triggers.py loads it; catalog/tests/test_triggers.py compares).

CREATE OR REPLACE FUNCTION public.movies_search_vector_build()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    people text;
    genre_names text;
BEGIN
    SELECT string_agg(actor_name, ' ') INTO people FROM movie_cast WHERE movie_id = NEW.id;
    SELECT string_agg(genre, ' ') INTO genre_names FROM movie_genres WHERE movie_id = NEW.id;
    NEW.search_vector :=
        setweight(to_tsvector('lnp_search', concat_ws(' ', NEW.title, NEW.local_title)), 'A')
        || setweight(to_tsvector('lnp_search', concat_ws(' ', NEW.director, NEW.producer,
                     NEW.production_company, NEW.production_state, people)), 'B')
        || setweight(to_tsvector('lnp_search', coalesce(NEW.plot_summary, '')), 'C')
        || setweight(to_tsvector('lnp_search', coalesce(genre_names, '')), 'D');
    RETURN NEW;
END $function$;

CREATE TRIGGER movies_search_vector_insert BEFORE INSERT ON public.movies FOR EACH ROW EXECUTE FUNCTION movies_search_vector_build();

CREATE TRIGGER movies_search_vector_update BEFORE UPDATE OF title, local_title, director, producer, production_company, production_state, plot_summary, search_vector ON public.movies FOR EACH ROW WHEN (((new.search_vector IS NULL) OR (old.search_vector IS DISTINCT FROM new.search_vector) OR ((old.title)::text IS DISTINCT FROM (new.title)::text) OR ((old.local_title)::text IS DISTINCT FROM (new.local_title)::text) OR ((old.director)::text IS DISTINCT FROM (new.director)::text) OR ((old.producer)::text IS DISTINCT FROM (new.producer)::text) OR ((old.production_company)::text IS DISTINCT FROM (new.production_company)::text) OR ((old.production_state)::text IS DISTINCT FROM (new.production_state)::text) OR (old.plot_summary IS DISTINCT FROM new.plot_summary))) EXECUTE FUNCTION movies_search_vector_build();
