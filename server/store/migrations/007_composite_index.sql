-- Composite search parameters (Observation?component-code-value-quantity=…$…): one row per pair of
-- values that belong together (the code and the value of one component), so a search for a code
-- and a value finds them in the same component, never the code of one and the value of another.
-- The first part is a token; the second a token, string, date, reference or quantity, in the
-- b_ columns of its kind (server/store/search/composite.ts).
CREATE TABLE idx_composite (
  tenant        text    NOT NULL,
  param         integer NOT NULL,
  rkey          bigint  NOT NULL,
  a_system      text,
  a_code        text,
  a_display     text,
  b_system      text,
  b_code        text,
  b_display     text,
  b_low         numeric,
  b_high        numeric,
  b_dlow        timestamptz,
  b_dhigh       timestamptz,
  b_norm        text,
  b_exact       text,
  b_target_type text,
  b_target_id   text,
  b_url         text
);
CREATE INDEX idx_composite_value ON idx_composite (tenant, param, a_code, a_system);
CREATE INDEX idx_composite_rkey ON idx_composite (rkey, param);
