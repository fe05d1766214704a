-- Search parameters defined by SearchParameter resources: the profiles' own (profiles/search) and
-- those an administrator creates at run time. Their definitions are the SearchParameter resources
-- themselves; search_param keeps, per (base type, code), the digest of the definition its index
-- rows were last built from, so a changed definition is noticed and re-indexed once, by whichever
-- server process sees the change first (server/store/search/custom-params.ts).
ALTER TABLE search_param ADD COLUMN custom boolean NOT NULL DEFAULT false;
ALTER TABLE search_param ADD COLUMN digest text;

-- Lets every process see cheaply whether any SearchParameter changed (count and latest change),
-- without scanning the resource table; no other type's writes touch it.
CREATE INDEX resource_search_parameters ON resource (last_updated) WHERE resource_type = 'SearchParameter';

-- Background re-index jobs: the resources of some types get the index rows of some parameters
-- (all of the types' parameters when params is NULL) built again from their current version.
-- Batches commit with the cursor (the last rkey done), so a job survives restarts; a running
-- job whose heartbeat stopped is taken over by another process (server/store/reindex/).
CREATE TABLE reindex_job (
  id             bigserial PRIMARY KEY,
  resource_types text[]      NOT NULL,
  params         integer[],
  reason         text        NOT NULL,
  state          text        NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
  not_before     timestamptz NOT NULL DEFAULT now(),
  cursor_rkey    bigint      NOT NULL DEFAULT 0,
  processed      bigint      NOT NULL DEFAULT 0,
  total          bigint,
  worker         text,
  heartbeat      timestamptz,
  error          text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  started_at     timestamptz,
  finished_at    timestamptz
);
CREATE INDEX reindex_job_open ON reindex_job (id) WHERE state IN ('queued', 'running');
