-- The audit store: AuditEvents leave the resource tables for one narrow row each
-- (server/store/audit/records.ts). An event is never changed, so it needs no history row, and its
-- searchable values are terms in one array under one GIN index instead of rows in the index
-- tables. Written for every request, it must cost the request little: one row and four index
-- entries, where a resource write costs two rows and a dozen index rows more.
CREATE TABLE audit_event (
  seq          bigserial   PRIMARY KEY,
  tenant       text        NOT NULL,
  id           text        NOT NULL,
  last_updated timestamptz NOT NULL,
  terms        text[]      NOT NULL,
  content      text        NOT NULL
);
CREATE INDEX audit_event_id ON audit_event (id);
CREATE INDEX audit_event_by_time ON audit_event (tenant, last_updated);
CREATE INDEX audit_event_terms ON audit_event USING gin (terms);

-- Events written before this store move into it, their terms made from their index rows with the
-- encoding of server/store/audit/terms.ts (parameter code, kind and value joined by U+001F).
INSERT INTO audit_event (tenant, id, last_updated, terms, content)
SELECT r.tenant, r.id, r.last_updated,
  ARRAY(
    SELECT DISTINCT t FROM (
      SELECT unnest(ARRAY[
        sp.code || chr(31) || '?',
        sp.code || chr(31) || 'c' || chr(31) || x.code,
        CASE WHEN x.system IS NULL THEN sp.code || chr(31) || 'nc' || chr(31) || x.code
             ELSE sp.code || chr(31) || 'sc' || chr(31) || x.system || chr(31) || x.code END,
        sp.code || chr(31) || 's' || chr(31) || x.system
      ]) AS t
      FROM idx_token x JOIN search_param sp ON sp.id = x.param WHERE x.rkey = r.rkey
      UNION ALL
      SELECT unnest(ARRAY[
        sp.code || chr(31) || '?',
        sp.code || chr(31) || 'i' || chr(31) || x.target_id,
        sp.code || chr(31) || 'ti' || chr(31) || x.target_type || chr(31) || x.target_id,
        sp.code || chr(31) || 'u' || chr(31) || x.url,
        sp.code || chr(31) || 'iv' || chr(31) || x.ident_value,
        CASE WHEN x.ident_system IS NULL THEN sp.code || chr(31) || 'niv' || chr(31) || x.ident_value
             ELSE sp.code || chr(31) || 'isv' || chr(31) || x.ident_system || chr(31) || x.ident_value END,
        sp.code || chr(31) || 'is' || chr(31) || x.ident_system
      ])
      FROM idx_reference x JOIN search_param sp ON sp.id = x.param WHERE x.rkey = r.rkey
      UNION ALL
      SELECT unnest(ARRAY[sp.code || chr(31) || '?', sp.code || chr(31) || 'u' || chr(31) || x.uri])
      FROM idx_uri x JOIN search_param sp ON sp.id = x.param WHERE x.rkey = r.rkey
      UNION ALL
      SELECT unnest(ARRAY[sp.code || chr(31) || '?', sp.code || chr(31) || 'x' || chr(31) || x.exact, sp.code || chr(31) || 'n' || chr(31) || x.norm])
      FROM idx_string x JOIN search_param sp ON sp.id = x.param WHERE x.rkey = r.rkey
    ) q WHERE t IS NOT NULL
  ),
  r.content
FROM resource r
WHERE r.resource_type = 'AuditEvent' AND NOT r.deleted
ORDER BY r.rkey;

DELETE FROM idx_token WHERE rkey IN (SELECT rkey FROM resource WHERE resource_type = 'AuditEvent');
DELETE FROM idx_string WHERE rkey IN (SELECT rkey FROM resource WHERE resource_type = 'AuditEvent');
DELETE FROM idx_date WHERE rkey IN (SELECT rkey FROM resource WHERE resource_type = 'AuditEvent');
DELETE FROM idx_reference WHERE rkey IN (SELECT rkey FROM resource WHERE resource_type = 'AuditEvent');
DELETE FROM idx_uri WHERE rkey IN (SELECT rkey FROM resource WHERE resource_type = 'AuditEvent');
DELETE FROM idx_number WHERE rkey IN (SELECT rkey FROM resource WHERE resource_type = 'AuditEvent');
DELETE FROM idx_quantity WHERE rkey IN (SELECT rkey FROM resource WHERE resource_type = 'AuditEvent');
DELETE FROM outbox WHERE history_seq IN (SELECT seq FROM resource_history WHERE resource_type = 'AuditEvent');
DELETE FROM resource_history WHERE resource_type = 'AuditEvent';
DELETE FROM resource WHERE resource_type = 'AuditEvent'
