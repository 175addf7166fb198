-- Webhook subscriptions that take several events per POST (docs/EXPORTS.md, "Webhooks"): 1 keeps one Standard
-- Webhooks message per event, as every subscription registered before this column had. Portable between PostgreSQL
-- and H2 (MODE=PostgreSQL), like V1.
ALTER TABLE webhook_subscriptions ADD COLUMN batch_size integer NOT NULL DEFAULT 1;
