//! PostgreSQL fan-out: each instance LISTENs on its own connection (not one of the request pool)
//! and hands every notified event to its bus, its own writes' events included.
use super::{Bus, CHANNEL, Event};
use sea_orm::sqlx::postgres::PgListener;
use std::time::Duration;

/// Connects and LISTENs before returning (so that no event committed after start-up is missed),
/// then keeps receiving in the background, reconnecting with a growing pause when the
/// connection fails. Events committed while it is disconnected are not delivered (NOTIFY does
/// not queue for absent listeners); the log says when that window opened and closed.
pub async fn listen(url: &str, bus: Bus) -> Result<(), String> {
    let first = connect(url)
        .await
        .map_err(|e| format!("cannot LISTEN for change events: {e}"))?;
    let url = url.to_string();
    tokio::spawn(async move {
        let mut listener = Some(first);
        let mut pause = Duration::from_millis(100);
        loop {
            let mut l = match listener.take() {
                Some(l) => l,
                None => match connect(&url).await {
                    Ok(l) => {
                        tracing::info!("change events: listening again");
                        pause = Duration::from_millis(100);
                        l
                    }
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
                        Ok(event) => bus.publish(event),
                        Err(e) => tracing::warn!(error = %e, "change events: unreadable payload"),
                    },
                    Ok(None) => {
                        tracing::warn!("change events: connection lost, reconnecting");
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

async fn connect(url: &str) -> Result<PgListener, sea_orm::sqlx::Error> {
    let mut l = PgListener::connect(url).await?;
    l.listen(CHANNEL).await?;
    Ok(l)
}
