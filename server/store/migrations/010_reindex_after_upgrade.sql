-- Index rows added since the first schema (composite pairs, UCUM-canonical quantities,
-- identifier :of-type markers, _text/_content words) exist only for what was written after the
-- upgrade. A database that already holds resources gets one background re-index job of every
-- type it holds; the server's runner builds those rows while it goes on serving
-- (server/store/reindex/). A new database has nothing to re-index and gets no job.
INSERT INTO reindex_job (resource_types, reason)
SELECT array_agg(resource_type ORDER BY resource_type), 'index rows added by an upgrade'
FROM (SELECT DISTINCT resource_type FROM resource WHERE NOT deleted) AS types
HAVING count(*) > 0;
