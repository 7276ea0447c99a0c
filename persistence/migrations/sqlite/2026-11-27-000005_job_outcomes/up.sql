-- A job that failed every attempt it was allowed stops being retried: it is kept, failed, for an
-- operator to look at.
ALTER TABLE jobs ADD COLUMN failed_at TIMESTAMP;
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL AND failed_at IS NULL;
