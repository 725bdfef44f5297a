// What a purge deletes, as both stores say it: the same SQL, with the parameters spelled each
// store's way. Chunked: each statement deletes at most a limit of rows, the oldest first.

/** `param(1)` stands for the cutoff (epoch ms), `param(2)` for the limit. */
export function purgeStatements(param: (n: 1 | 2) => string) {
  return {
    /** Events received before the cutoff that have nothing left to do, and with them their deliveries. */
    events: `DELETE FROM events WHERE event_id IN (SELECT e.event_id FROM events e WHERE e.received_at < ${param(1)} AND NOT EXISTS (
       SELECT 1 FROM deliveries d WHERE d.event_id = e.event_id AND (d.status IN ('pending', 'dead', 'digested')
         -- a card a revocation still has to edit
         OR EXISTS (SELECT 1 FROM deliveries x WHERE x.target_id = d.id AND x.status IN ('pending', 'dead'))))
       ORDER BY e.received_at LIMIT ${param(2)})`,
    /** Sent digests last changed before the cutoff that no card and no edit still refers to. */
    digests: `DELETE FROM deliveries WHERE id IN (SELECT g.id FROM deliveries g WHERE g.audience = 'digest' AND g.status = 'sent' AND g.updated_at < ${param(1)}
       AND NOT EXISTS (SELECT 1 FROM deliveries m WHERE m.digest_id = g.id)
       AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.target_id = g.id AND x.status IN ('pending', 'dead'))
       LIMIT ${param(2)})`,
  };
}
