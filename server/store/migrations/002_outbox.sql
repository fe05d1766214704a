-- The transactional outbox: one row per committed version, written by the same statement as the
-- version itself, so a rolled-back write leaves none and a committed one always has one. The
-- subscription relay leases rows (claimed_until), turns them into notification jobs, and deletes
-- them only once the jobs are safely queued: a crash in between leaves the rows to be leased again.
-- What the event is about (tenant, type, id, version, content) is read from resource_history.
CREATE TABLE outbox (
  seq           bigserial   PRIMARY KEY,
  history_seq   bigint      NOT NULL,
  committed_at  timestamptz NOT NULL DEFAULT now(),
  claimed_until timestamptz
);
