-- When anything (event, handshake or heartbeat) last reached each subscriber: a topic-based
-- subscription with a heartbeat period is sent a heartbeat when nothing else was sent for that long.
-- A table of its own, written only by delivery: the relay holds subscription_state rows for the
-- length of its transaction, and delivery must neither wait for it nor lock rows in another order.
CREATE TABLE subscription_delivery (
  tenant          text        NOT NULL,
  subscription_id text        NOT NULL,
  last_sent_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant, subscription_id)
);
