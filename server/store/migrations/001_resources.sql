-- Resources, their full history, and the typed search-index tables.
-- Every row carries the tenant; index rows point at resource.rkey (a surrogate key that
-- keeps index rows small) and at a search parameter id from search_param.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- The current version of each resource, as JSON text exactly as served.
CREATE TABLE resource (
  rkey          bigserial PRIMARY KEY,
  tenant        text        NOT NULL,
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version       integer     NOT NULL,
  last_updated  timestamptz NOT NULL,
  deleted       boolean     NOT NULL DEFAULT false,
  content       text,
  UNIQUE (tenant, resource_type, id)
);
CREATE INDEX resource_live_by_type ON resource (tenant, resource_type, rkey) WHERE NOT deleted;
CREATE INDEX resource_by_last_updated ON resource (tenant, resource_type, last_updated);

-- Every version ever written, append-only. The unique key is also the guard against lost
-- updates: two writers that both start from version n cannot both write version n + 1.
CREATE TABLE resource_history (
  seq           bigserial PRIMARY KEY,
  rkey          bigint      NOT NULL,
  tenant        text        NOT NULL,
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version       integer     NOT NULL,
  last_updated  timestamptz NOT NULL,
  deleted       boolean     NOT NULL DEFAULT false,
  method        text        NOT NULL,
  content       text,
  UNIQUE (tenant, resource_type, id, version)
);
CREATE INDEX history_by_time ON resource_history (tenant, last_updated, seq);
CREATE INDEX history_by_type_time ON resource_history (tenant, resource_type, last_updated, seq);

-- Search parameters known to this database, one small id per (resource type, code).
CREATE TABLE search_param (
  id            serial PRIMARY KEY,
  resource_type text NOT NULL,
  code          text NOT NULL,
  type          text NOT NULL,
  url           text,
  UNIQUE (resource_type, code)
);

CREATE TABLE idx_token (
  tenant  text   NOT NULL,
  param   integer NOT NULL,
  rkey    bigint NOT NULL,
  system  text,
  code    text,
  display text
);
CREATE INDEX idx_token_value ON idx_token (tenant, param, code, system);
CREATE INDEX idx_token_rkey ON idx_token (rkey, param);

CREATE TABLE idx_string (
  tenant  text    NOT NULL,
  param   integer NOT NULL,
  rkey    bigint  NOT NULL,
  norm    text    NOT NULL,
  exact   text    NOT NULL
);
CREATE INDEX idx_string_prefix ON idx_string (tenant, param, norm text_pattern_ops);
CREATE INDEX idx_string_trgm ON idx_string USING gin (param, norm gin_trgm_ops);
CREATE INDEX idx_string_rkey ON idx_string (rkey, param);

CREATE TABLE idx_date (
  tenant  text        NOT NULL,
  param   integer     NOT NULL,
  rkey    bigint      NOT NULL,
  low     timestamptz NOT NULL,
  high    timestamptz NOT NULL
);
CREATE INDEX idx_date_low ON idx_date (tenant, param, low);
CREATE INDEX idx_date_high ON idx_date (tenant, param, high);
CREATE INDEX idx_date_rkey ON idx_date (rkey, param);

CREATE TABLE idx_reference (
  tenant       text    NOT NULL,
  param        integer NOT NULL,
  rkey         bigint  NOT NULL,
  target_type  text,
  target_id    text,
  url          text,
  ident_system text,
  ident_value  text
);
CREATE INDEX idx_reference_target ON idx_reference (tenant, param, target_id, target_type);
CREATE INDEX idx_reference_url ON idx_reference (tenant, param, url);
CREATE INDEX idx_reference_ident ON idx_reference (tenant, param, ident_value, ident_system);
CREATE INDEX idx_reference_rkey ON idx_reference (rkey, param);

CREATE TABLE idx_uri (
  tenant  text    NOT NULL,
  param   integer NOT NULL,
  rkey    bigint  NOT NULL,
  uri     text    NOT NULL
);
CREATE INDEX idx_uri_value ON idx_uri (tenant, param, uri);
CREATE INDEX idx_uri_rkey ON idx_uri (rkey, param);

CREATE TABLE idx_number (
  tenant  text    NOT NULL,
  param   integer NOT NULL,
  rkey    bigint  NOT NULL,
  low     numeric NOT NULL,
  high    numeric NOT NULL
);
CREATE INDEX idx_number_low ON idx_number (tenant, param, low);
CREATE INDEX idx_number_rkey ON idx_number (rkey, param);

CREATE TABLE idx_quantity (
  tenant  text    NOT NULL,
  param   integer NOT NULL,
  rkey    bigint  NOT NULL,
  system  text,
  code    text,
  low     numeric NOT NULL,
  high    numeric NOT NULL
);
CREATE INDEX idx_quantity_value ON idx_quantity (tenant, param, code, low);
CREATE INDEX idx_quantity_rkey ON idx_quantity (rkey, param);
