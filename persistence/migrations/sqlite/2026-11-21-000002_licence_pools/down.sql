DROP TABLE idempotency_keys;
DROP TABLE jobs;
DROP TABLE licence_assignments;
DROP TABLE subscriptions;
DROP TABLE plan_transitions;
DROP TABLE plan_services;
DROP TABLE plans;
