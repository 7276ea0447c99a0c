DROP INDEX jobs_due;
ALTER TABLE jobs DROP COLUMN failed_at;
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL;
