//! PostgreSQL fan-out: each instance LISTENs on its own connection (not one of the request pool,
//! `application_name` `pairing-events`) and hands every notified event to its bus, its own
//! writes' events included.
//!
//! NOTIFY does not queue for an absent listener, so events committed while the connection is
//! down would be lost. Every event carries its audit event's id, and the audit row is written in
//! the same transaction as the change: after each reconnection (LISTEN first, so nothing
//! committed from then on can be missed) the listener reads the audit log above the ids it has
//! seen and publishes what it missed, deduplicated by id. Ids are taken when a write inserts its
//! audit row, not when it commits, so a lower id can commit after a higher one: the replay
//! starts `WINDOW` ids below the highest seen and skips the ids already published.
use super::{Bus, CHANNEL, Event, EventKind};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sea_orm::sqlx::{self, Row};
use std::collections::BTreeSet;
use std::str::FromStr;
use std::time::Duration;

/// The `application_name` of the listening connection (to find it in `pg_stat_activity`).
pub const APPLICATION_NAME: &str = "pairing-events";

/// How far below the highest audit id seen a replay looks for ids that committed late (and how
/// many ids the listener remembers). A write's audit id is at most this many audit rows older
/// than the newest one when it commits unless it stays open through that many other writes.
pub const WINDOW: i64 = 10_000;

/// The audit ids this instance has published (or found committed before it started).
#[derive(Debug)]
pub struct Seen {
    /// Every audit row up to this id was committed, or will notify us, when the listener first
    /// started: nothing at or below it is replayed.
    floor: i64,
    /// The ids published within `WINDOW` of the highest.
    ids: BTreeSet<i64>,
}

impl Seen {
    pub fn new(floor: i64) -> Self {
        Seen {
            floor,
            ids: BTreeSet::new(),
        }
    }

    fn highest(&self) -> i64 {
        self.ids
            .last()
            .copied()
            .unwrap_or(self.floor)
            .max(self.floor)
    }

    /// Records `id`; false when it was published already. (A notified id below the window is
    /// published and forgotten at once: no replay reads that far back.)
    pub fn first_time(&mut self, id: i64) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        let keep = self.highest() - WINDOW;
        while let Some(&low) = self.ids.first() {
            if low > keep {
                break;
            }
            self.ids.pop_first();
        }
        true
    }

    /// The id above which a replay reads the audit log.
    pub fn replay_after(&self) -> i64 {
        (self.highest() - WINDOW).max(self.floor)
    }
}

/// Connects and LISTENs before returning (so that no event committed after start-up is missed),
/// then keeps receiving in the background, reconnecting with a growing pause when the
/// connection fails and replaying from the audit log what was committed in between.
pub async fn listen(url: &str, bus: Bus) -> Result<(), String> {
    let mut first = connect(url)
        .await
        .map_err(|e| format!("cannot LISTEN for change events: {e}"))?;
    let floor: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0)::bigint FROM audit_events")
        .fetch_one(&mut first)
        .await
        .map_err(|e| format!("cannot read the audit log for change events: {e}"))?;
    let url = url.to_string();
    tokio::spawn(async move {
        let mut seen = Seen::new(floor);
        let mut listener = Some(first);
        let mut pause = Duration::from_millis(100);
        loop {
            let mut l = match listener.take() {
                Some(l) => l,
                None => match connect(&url).await {
                    Ok(mut l) => match replay(&mut l, &mut seen, &bus).await {
                        Ok(n) => {
                            tracing::info!(replayed = n, "change events: listening again");
                            pause = Duration::from_millis(100);
                            l
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "change events: cannot replay yet");
                            tokio::time::sleep(pause).await;
                            pause = (pause * 2).min(Duration::from_secs(5));
                            continue;
                        }
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "change events: cannot reconnect yet");
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(5));
                        continue;
                    }
                },
            };
            loop {
                match l.try_recv().await {
                    Ok(Some(n)) => match serde_json::from_str::<Event>(n.payload()) {
                        Ok(event) => {
                            if seen.first_time(event.audit_id) {
                                bus.publish(event);
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "change events: unreadable payload"),
                    },
                    Ok(None) => {
                        // The listener reconnected (and listens again) by itself.
                        tracing::warn!("change events: connection lost and re-established");
                        match replay(&mut l, &mut seen, &bus).await {
                            Ok(n) => tracing::info!(replayed = n, "change events: caught up"),
                            Err(e) => {
                                tracing::warn!(error = %e, "change events: replay failed, reconnecting");
                                break;
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "change events: listener failed, reconnecting");
                        break;
                    }
                }
            }
            tokio::time::sleep(pause).await;
        }
    });
    Ok(())
}

async fn connect(url: &str) -> Result<PgListener, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?.application_name(APPLICATION_NAME);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_with(options)
        .await?;
    let mut l = PgListener::connect_with(&pool).await?;
    l.listen(CHANNEL).await?;
    Ok(l)
}

/// The audit rows of published kinds above `seen.replay_after()`, as the events their writes
/// notified (codes read as they are now), in id order.
const REPLAY: &str = "\
SELECT a.id, a.action, a.entity, a.entity_id, p.id AS pairing_id, p.program, o.code AS helper, \
       r.code AS recipient, (a.image->>'year')::int AS year, \
       (EXTRACT(EPOCH FROM a.occurred_at) * 1000000)::bigint AS at_us \
FROM (SELECT id, action, entity, entity_id, occurred_at, \
             COALESCE(after, before)::jsonb AS image \
      FROM audit_events \
      WHERE id > $1 AND entity IN \
            ('FundTransfer', 'PersonnelDispatch', 'ResponsibilityLetter', 'ProgressReport') \
        AND COALESCE(after, before) IS NOT NULL) a \
JOIN pairing_agreements p ON p.id = (a.image->>'pairing_id')::bigint \
JOIN organizations o ON o.id = p.helper_id \
JOIN regions r ON r.id = COALESCE((a.image->>'recipient_id')::bigint, p.recipient_id) \
ORDER BY a.id";

/// Publishes the events committed since the ones seen (see the module's note); how many.
async fn replay(l: &mut PgListener, seen: &mut Seen, bus: &Bus) -> Result<usize, sqlx::Error> {
    let rows = sqlx::query(REPLAY)
        .bind(seen.replay_after())
        .fetch_all(&mut *l)
        .await?;
    let mut published = 0;
    for row in rows {
        let audit_id: i64 = row.try_get("id")?;
        let entity: String = row.try_get("entity")?;
        let Some(kind) = EventKind::of_entity(&entity) else {
            continue;
        };
        if !seen.first_time(audit_id) {
            continue;
        }
        bus.publish(Event {
            kind,
            id: row.try_get("entity_id")?,
            action: row.try_get("action")?,
            audit_id,
            pairing_id: row.try_get("pairing_id")?,
            helper: row.try_get("helper")?,
            recipient: row.try_get("recipient")?,
            program: row.try_get("program")?,
            year: row.try_get("year")?,
            at_us: row.try_get("at_us")?,
            row: Default::default(),
            pairing: Default::default(),
        });
        published += 1;
    }
    Ok(published)
}

#[cfg(test)]
mod tests {
    use super::{Seen, WINDOW};

    #[test]
    fn ids_are_published_once_and_a_late_lower_id_is_still_replayed() {
        let mut seen = Seen::new(100);
        // Committed before the listener started: no replay reads it…
        assert_eq!(seen.replay_after(), 100);
        // …but one that was still open then notifies when it commits.
        assert!(seen.first_time(99));
        assert!(!seen.first_time(99));
        assert!(seen.first_time(105));
        assert!(!seen.first_time(105), "a duplicate is dropped");
        // 103 took its id before 105 but had not committed: a replay still reads it.
        assert!(seen.replay_after() < 103);
        assert!(seen.first_time(103));
        assert!(!seen.first_time(103));
    }

    #[test]
    fn the_window_trails_the_highest_id_and_forgets_below_it() {
        let mut seen = Seen::new(0);
        assert!(seen.first_time(1));
        assert!(seen.first_time(WINDOW + 50));
        assert_eq!(seen.replay_after(), 50);
        // Within the window: remembered, so a replay does not publish it twice.
        assert!(seen.first_time(WINDOW + 10));
        assert!(!seen.first_time(WINDOW + 10));
        assert!(seen.ids.len() <= 2, "1 is forgotten: {:?}", seen.ids);
    }
}
