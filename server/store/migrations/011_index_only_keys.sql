-- A search selects row keys from the value indexes (`SELECT x.rkey FROM idx_token x WHERE
-- x.param = … AND x.code = …`), and `_summary=count` counts those keys. Without the key in the
-- index, each matching entry costs a visit to the table's page: 100,000 random reads to count a
-- common code among a million Observations. With the key (and the other column a range test
-- reads) carried in the index, PostgreSQL answers from the index alone wherever the visibility map
-- marks pages all-visible, which (auto)vacuum keeps up to date.
DROP INDEX idx_token_value;
CREATE INDEX idx_token_value ON idx_token (tenant, param, code, system) INCLUDE (rkey);
DROP INDEX idx_string_prefix;
CREATE INDEX idx_string_prefix ON idx_string (tenant, param, norm text_pattern_ops) INCLUDE (rkey);
DROP INDEX idx_date_low;
CREATE INDEX idx_date_low ON idx_date (tenant, param, low) INCLUDE (high, rkey);
DROP INDEX idx_date_high;
CREATE INDEX idx_date_high ON idx_date (tenant, param, high) INCLUDE (low, rkey);
DROP INDEX idx_reference_target;
CREATE INDEX idx_reference_target ON idx_reference (tenant, param, target_id, target_type) INCLUDE (rkey);
DROP INDEX idx_reference_ident;
CREATE INDEX idx_reference_ident ON idx_reference (tenant, param, ident_value, ident_system) INCLUDE (rkey);
DROP INDEX idx_uri_value;
CREATE INDEX idx_uri_value ON idx_uri (tenant, param, uri) INCLUDE (rkey);
DROP INDEX idx_number_low;
CREATE INDEX idx_number_low ON idx_number (tenant, param, low) INCLUDE (high, rkey);
DROP INDEX idx_quantity_value;
CREATE INDEX idx_quantity_value ON idx_quantity (tenant, param, code, low) INCLUDE (high, system, rkey);
