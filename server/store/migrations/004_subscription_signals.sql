-- When anything (event, handshake or heartbeat) last reached each subscriber: a topic-based
-- subscription with a heartbeat period is sent a heartbeat when nothing else was sent for that long.
ALTER TABLE subscription_state ADD COLUMN last_sent_at timestamptz;
