-- Subscription delivery state, kept beside the Subscription resources it belongs to.
--
-- The outbox is now drained inside the relay's transaction (DELETE … RETURNING with SKIP LOCKED),
-- so a crashed relay's rows come back by rollback and leases are not needed.
ALTER TABLE outbox DROP COLUMN claimed_until;

-- Delete events are matched against the version before the deletion.
CREATE INDEX history_by_resource ON resource_history (rkey, version);

-- One row per subscription: how many events have matched it since it was created (the Backport
-- IG's events-since-subscription-start, which keeps counting while delivery is failing).
CREATE TABLE subscription_state (
  tenant          text   NOT NULL,
  subscription_id text   NOT NULL,
  events_since_start bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant, subscription_id)
);

-- The notification log: every event that matched a subscription, numbered per subscription, with
-- its delivery outcome. It is the durable truth; queues only carry work and can be rebuilt from
-- the rows not yet delivered. $events replays ranges of it.
CREATE TABLE subscription_event (
  tenant           text        NOT NULL,
  subscription_id  text        NOT NULL,
  event_number     bigint      NOT NULL,
  notification_id  uuid        NOT NULL,
  history_seq      bigint      NOT NULL,
  interaction      text        NOT NULL,
  occurred_at      timestamptz NOT NULL,
  delivered_at     timestamptz,
  -- Set when retries ran out; cleared when the subscription is set back to active.
  failed_at        timestamptz,
  first_attempt_at timestamptz,
  attempts         integer     NOT NULL DEFAULT 0,
  last_error       text,
  PRIMARY KEY (tenant, subscription_id, event_number),
  UNIQUE (tenant, subscription_id, history_seq)
);
CREATE INDEX subscription_event_undelivered ON subscription_event (tenant, subscription_id, event_number)
  WHERE delivered_at IS NULL;

-- Bumped by the relay whenever it sees a Subscription change, so every relay process knows when
-- its cached subscriptions are stale.
CREATE TABLE relay_state (
  id           integer PRIMARY KEY CHECK (id = 1),
  generation   bigint  NOT NULL
);
INSERT INTO relay_state (id, generation) VALUES (1, 0);

-- The relay reads every live Subscription when it starts or another relay changed them.
CREATE INDEX resource_subscriptions ON resource (tenant, id) WHERE resource_type = 'Subscription' AND NOT deleted;
