-- Full-text search parameters _text (narrative) and _content (the whole resource): one row per
-- resource and parameter, its distinct words as a tsvector built from lexemes as given
-- (array_to_tsvector: the words are split and normalised once, in server/store/search/text.ts).
-- Each lexeme is `param:word`, so the GIN index on the words alone keeps the parameters apart: a
-- search's words are prefix lexemes of its parameter ('1903:glukose':*), all required, one index
-- probe whatever the number of words. Resources written before this migration have no rows until
-- they are written again or re-indexed.
CREATE TABLE idx_text (
  tenant  text     NOT NULL,
  param   integer  NOT NULL,
  rkey    bigint   NOT NULL,
  doc     tsvector NOT NULL
);
CREATE INDEX idx_text_doc ON idx_text USING gin (doc);
CREATE INDEX idx_text_rkey ON idx_text (rkey, param);
