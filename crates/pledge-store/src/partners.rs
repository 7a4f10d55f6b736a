//! The partner registry's records: what each partner was sent and when, the obligations the
//! partners hold themselves (J08: Peoplecert keeps exam recordings one year; J10: ILX access
//! ends after twelve months) turned into dated reminders, and the requests forwarded to them
//! through their own channels (J09, K21).
//!
//! A reminder's date counts the partner's declared period from the day the data was sent to
//! it (the exam booked, the access issued): the store knows the disclosure, not the partner's
//! own event, so the reminder says so and the office confirms with the partner.

use pledge_domain::PersonId;
use pledge_policy::ValidPolicy;
use pledge_policy::model::Clock;
use sea_orm::{EntityTrait, QueryOrder};
use time::OffsetDateTime;

use crate::entity::disclosure;
use crate::error::db;
use crate::{Store, StoreError};

/// An obligation a partner holds for one person's data, with its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerReminder {
    /// The partner's id in the policy.
    pub partner: String,
    /// What the partner keeps, as the policy words it.
    pub what: String,
    /// Whose data.
    pub person: PersonId,
    /// When the data was sent.
    pub sent_at: OffsetDateTime,
    /// When the partner's period runs out.
    pub due_at: OffsetDateTime,
}

/// The outbox kinds that forward a request to a partner.
pub const FORWARDED: [&str; 2] = ["erasure-forward", "correction-notice"];

impl Store {
    /// Every dated obligation partners hold under `policy`, soonest first: one per disclosure
    /// and per thing the partner keeps for a period.
    ///
    /// # Errors
    /// Failures.
    pub async fn partner_reminders(
        &self,
        policy: &ValidPolicy,
    ) -> Result<Vec<PartnerReminder>, StoreError> {
        let rows = disclosure::Entity::find()
            .order_by_asc(disclosure::Column::SentAt)
            .all(&self.db)
            .await
            .map_err(db("read disclosures"))?;
        let mut reminders = Vec::new();
        for row in rows {
            let Some(partner) = policy
                .policy()
                .partners
                .iter()
                .find(|p| p.id.as_str() == row.partner)
            else {
                continue;
            };
            for held in &partner.keeps {
                let Clock::After(after) = &held.clock else {
                    continue;
                };
                if let Some(due_at) = after.period.after(row.sent_at) {
                    reminders.push(PartnerReminder {
                        partner: row.partner.clone(),
                        what: held.what.clone(),
                        person: PersonId::from_uuid(row.person_id),
                        sent_at: row.sent_at,
                        due_at,
                    });
                }
            }
        }
        reminders.sort_by_key(|r| r.due_at);
        Ok(reminders)
    }

    /// How many disclosures each partner received: (partner id, count, latest).
    ///
    /// # Errors
    /// Failures.
    pub async fn disclosure_counts(
        &self,
    ) -> Result<Vec<(String, u64, Option<OffsetDateTime>)>, StoreError> {
        let rows = disclosure::Entity::find()
            .all(&self.db)
            .await
            .map_err(db("read disclosures"))?;
        let mut counts: std::collections::BTreeMap<String, (u64, Option<OffsetDateTime>)> =
            std::collections::BTreeMap::new();
        for row in rows {
            let entry = counts.entry(row.partner).or_default();
            entry.0 += 1;
            entry.1 = Ord::max(entry.1, Some(row.sent_at));
        }
        Ok(counts
            .into_iter()
            .map(|(partner, (n, latest))| (partner, n, latest))
            .collect())
    }
}
