-- jobs.list's text search, split by the board: one trigram index of the titles of jobs on the board
-- (queue_position set) and one of the rest. A search of the board, the common one, then reads only
-- the few thousand open jobs' titles instead of every title the site ever had and intersecting
-- them with the board's statuses; a search of both sides asks both indexes (jobs/list.ts
-- titleMatches writes each arm with its side, so the planner can prove each index applies).
DROP INDEX "jobs_title_trgm_idx";

CREATE INDEX "jobs_open_title_trgm_idx" ON "jobs" USING GIN ("title" gin_trgm_ops) WHERE "queue_position" IS NOT NULL;

CREATE INDEX "jobs_closed_title_trgm_idx" ON "jobs" USING GIN ("title" gin_trgm_ops) WHERE "queue_position" IS NULL;
