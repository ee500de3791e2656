-- Tracker back-fills and analyses of a whole workspace were `analyze` jobs told apart by
-- `payload.scope`; they are kinds of their own now. Jobs already queued (or finished, for
-- the record) move to the new kinds with the payload the new code writes, so that
-- de-duplication (which compares payload text) keeps matching them.
UPDATE jobs
   SET kind = CASE json_extract(payload, '$.scope')
                WHEN 'trackers' THEN 'backfill-trackers'
                ELSE 'analyze-workspace'
              END,
       payload = json_object('workspaceId', json_extract(payload, '$.workspaceId'))
 WHERE kind = 'analyze'
   AND call_id IS NULL
   AND json_extract(payload, '$.scope') IN ('trackers', 'all');
